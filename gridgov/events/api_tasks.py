"""任务下派 through the API: units and upper-level systems issue tasks; units receive, report
progress and complete their sub-tasks; the issuer follows the roll-up."""

from datetime import datetime

from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from gridgov.accounts.models import Unit
from gridgov.audit.actor import Actor

from . import services
from .models import DownwardSubTask, DownwardTask
from .services.downward import visible_subtasks

router = Router(tags=["任务下派"])


class TaskIn(Schema):
    title: str = Field(..., max_length=120)
    description: str = Field("", max_length=5000)
    due_at: datetime
    units: list[str] | None = Field(None, description="下派单位编码列表")
    territory: str | None = Field(None, description="按区域下派：区划代码")
    unit_kind: str | None = Field(None, description="按区域下派：单位类型，如 grid、village")
    external_id: str | None = Field(None, max_length=80, description="上级系统任务号（重复提交返回同一任务）")


class SubTaskOut(Schema):
    id: int
    unit: str
    unit_code: str
    state: str
    progress: int
    feedback: str
    received_at: datetime | None
    done_at: datetime | None

    @staticmethod
    def resolve_unit(s):
        return s.unit.name

    @staticmethod
    def resolve_unit_code(s):
        return s.unit.code


class TaskOut(Schema):
    id: int
    title: str
    description: str
    source: str
    external_id: str | None
    issuing_unit: str
    target_description: str
    due_at: datetime
    closed_at: datetime | None
    rollup: dict

    @staticmethod
    def resolve_issuing_unit(t):
        return t.issuing_unit.name

    @staticmethod
    def resolve_rollup(t, context):
        return services.rollup(t, context["request"].user)


class TaskDetailOut(TaskOut):
    subtasks: list[SubTaskOut]

    @staticmethod
    def resolve_subtasks(t, context):
        return list(visible_subtasks(t, context["request"].user).select_related("unit"))


class ProgressIn(Schema):
    percent: int = Field(..., ge=0, le=99)
    feedback: str = Field("", max_length=1000)


class CompleteIn(Schema):
    feedback: str = Field(..., max_length=1000)


def _task(request, task_id: int) -> DownwardTask:
    task = (
        DownwardTask.objects.restrict(request.user).select_related("issuing_unit").filter(pk=task_id).first()
    )
    if task is None:
        raise Http404
    return task


@router.post("", response={201: TaskDetailOut, 200: TaskDetailOut}, summary="下派任务（按单位或按区域）")
def issue(request, payload: TaskIn):
    task, created = services.issue_task(
        Actor.from_request(request),
        title=payload.title,
        description=payload.description,
        due_at=payload.due_at,
        unit_codes=payload.units,
        territory_code=payload.territory,
        unit_kind=payload.unit_kind,
        external_id=payload.external_id,
    )
    return Status(201 if created else 200, task)


@router.get("", response=list[TaskOut], summary="任务列表（本单位下派的和下派给辖区单位的）")
@paginate(LimitOffsetPagination)
def list_tasks(request):
    return DownwardTask.objects.restrict(request.user).select_related("issuing_unit")


@router.get("/mine", response=list[SubTaskOut], summary="本单位待办的下派任务")
@paginate(LimitOffsetPagination)
def my_subtasks(request, open_only: bool = True):
    unit: Unit | None = getattr(request.user, "unit", None)
    rows = (
        DownwardSubTask.objects.filter(unit=unit).select_related("unit", "task")
        if unit
        else DownwardSubTask.objects.none()
    )
    return rows.exclude(state="done") if open_only else rows


@router.get("/{task_id}", response=TaskDetailOut, summary="任务详情与汇总")
def detail(request, task_id: int):
    return _task(request, task_id)


@router.post("/subtasks/{subtask_id}/receive", response=SubTaskOut, summary="签收")
def receive(request, subtask_id: int):
    return services.receive_subtask(Actor.from_request(request), subtask_id)


@router.post("/subtasks/{subtask_id}/progress", response=SubTaskOut, summary="报告进度")
def progress(request, subtask_id: int, payload: ProgressIn):
    return services.report_progress(
        Actor.from_request(request), subtask_id, payload.percent, payload.feedback
    )


@router.post("/subtasks/{subtask_id}/complete", response=SubTaskOut, summary="完成并反馈")
def complete(request, subtask_id: int, payload: CompleteIn):
    return services.complete_subtask(Actor.from_request(request), subtask_id, payload.feedback)
