"""任务下派: tasks issued down to units or to a territory, fanned out into per-unit sub-tasks
with receipts, progress, feedback and completion rolled up for the issuer."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.http import Http404
from django.utils import timezone

from gridgov.accounts.choices import UnitKind
from gridgov.accounts.jurisdiction import territory_of
from gridgov.accounts.models import Unit, User
from gridgov.audit.actor import Actor
from gridgov.audit.services import record
from gridgov.core import clock
from gridgov.regions.models import Region

from ..choices import SubTaskState, TaskSource
from ..errors import BadRequest, Conflict, NotYourTurn
from ..models import DownwardSubTask, DownwardTask
from ..notify import notify
from .base import DISPATCH_ROLES, acting_unit

MAX_TARGETS = 5000


def _targets(actor: Actor, unit_codes, territory_code, unit_kind) -> tuple[list[Unit], str]:
    user = actor.user
    units = Unit.objects.filter(is_active=True).select_related("territory")
    if user is not None:
        units = units.restrict(user)  # nobody issues to units outside their own territory
    if unit_codes:
        chosen = list(units.filter(code__in=unit_codes))
        missing = sorted(set(unit_codes) - {u.code for u in chosen})
        if missing:
            raise BadRequest(f"这些单位不存在或不在您的管辖范围内：{'、'.join(missing[:10])}")
        return chosen, "、".join(u.name for u in chosen[:5]) + (
            f" 等 {len(chosen)} 个单位" if len(chosen) > 5 else ""
        )
    if territory_code:
        region = Region.objects.filter(code=territory_code).first()
        if region is None:
            raise BadRequest(f"未知的区划代码 {territory_code!r}")
        if unit_kind not in UnitKind.values:
            raise BadRequest(f"按区域下派时须指定单位类型（{', '.join(UnitKind.values)}）")
        rng = region.subtree
        chosen = list(units.filter(kind=unit_kind, territory__key__gte=rng.low, territory__key__lt=rng.high))
        if not chosen:
            raise BadRequest(f"{region.name}范围内（且在您的管辖范围内）没有{UnitKind(unit_kind).label}")
        return chosen, f"{region.name}全部{UnitKind(unit_kind).label}（{len(chosen)} 个）"
    raise BadRequest("请指定下派单位，或指定区域和单位类型")


def issue_task(
    actor: Actor,
    *,
    title: str,
    due_at: datetime,
    description: str = "",
    unit_codes: list[str] | None = None,
    territory_code: str | None = None,
    unit_kind: str | None = None,
    external_id: str | None = None,
) -> tuple[DownwardTask, bool]:
    """Issue and fan out a task; returns (task, created). An upper-level system's retry with the
    same external id returns the first task."""
    user = actor.user
    issuing = acting_unit(actor, user.unit if user and user.unit else None, roles=DISPATCH_ROLES | {"leader"})
    if issuing is None:
        raise NotYourTurn("无法确定下派单位")
    if external_id:
        existing = DownwardTask.objects.filter(external_id=external_id).first()
        if existing is not None:
            if existing.issuing_unit_id != issuing.pk:
                # Someone else's task number: neither reveal their task nor let them block ours silently.
                raise Conflict("该上级系统任务号已被其他单位使用，请更换任务号")
            return existing, False
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at, timezone.get_default_timezone())  # read as Beijing time
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise BadRequest("任务名称不能为空，且不超过 120 字")
    if due_at <= clock.now():
        raise BadRequest("完成时限应晚于现在")
    units, described = _targets(actor, unit_codes, territory_code, unit_kind)
    if len(units) > MAX_TARGETS:
        raise BadRequest(f"一次最多下派给 {MAX_TARGETS} 个单位")
    if issuing in units:
        raise BadRequest("不能把任务下派给本单位")
    try:
        return _create_task(
            actor, user, issuing, units, described, title, description, due_at, external_id
        ), True
    except IntegrityError:
        # Two retries of an upper-level system raced with the same task number: the other one won.
        existing = DownwardTask.objects.filter(external_id=external_id, issuing_unit=issuing).first()
        if existing is None:
            raise
        return existing, False


def _create_task(
    actor, user, issuing, units, described, title, description, due_at, external_id
) -> DownwardTask:
    with transaction.atomic():
        task = DownwardTask.objects.create(
            title=title,
            description=(description or "")[:5000],
            source=TaskSource.UPPER_SYSTEM if external_id else TaskSource.UNIT,
            external_id=external_id or None,
            issued_by=user if getattr(user, "pk", None) else None,
            issuing_unit=issuing,
            target_description=described[:200],
            due_at=due_at,
        )
        DownwardSubTask.objects.bulk_create(DownwardSubTask(task=task, unit=u) for u in units)
        record(actor, "task.issue", task, summary={"units": len(units), "due_at": due_at.isoformat()})
        people = User.objects.filter(unit__in=units, is_active=True).exclude(
            role__in=["leader", "supervisor"]
        )
        notify(
            people,
            "task",
            f"新下派任务：{title}",
            body=f"完成时限 {timezone.localtime(due_at):%m-%d %H:%M}",
            task=task,
        )
    return task


def _subtask_for(actor: Actor, subtask_id: int) -> DownwardSubTask:
    subtask = (
        DownwardSubTask.objects.select_for_update(of=("self",))
        .select_related("task", "unit")
        .filter(pk=subtask_id)
        .first()
    )
    if subtask is None or (
        actor.user is not None and not Unit.objects.restrict(actor.user).filter(pk=subtask.unit_id).exists()
    ):
        raise Http404("未找到该任务")
    acting_unit(actor, subtask.unit)
    return subtask


def receive_subtask(actor: Actor, subtask_id: int) -> DownwardSubTask:
    with transaction.atomic():
        subtask = _subtask_for(actor, subtask_id)
        if subtask.state != SubTaskState.PENDING:
            raise Conflict(f"该任务已{subtask.get_state_display()}")
        subtask.state, subtask.received_at = SubTaskState.RECEIVED, clock.now()
        subtask.save(update_fields=["state", "received_at", "updated_at"])
        record(actor, "task.receive", subtask)
    return subtask


def report_progress(actor: Actor, subtask_id: int, percent: int, feedback: str = "") -> DownwardSubTask:
    if not 0 <= percent < 100:
        raise BadRequest("进度应在 0–99 之间；完成请使用“完成”")
    with transaction.atomic():
        subtask = _subtask_for(actor, subtask_id)
        if subtask.state == SubTaskState.DONE:
            raise Conflict("该任务已完成")
        before = {"state": subtask.state, "progress": subtask.progress}
        subtask.received_at = subtask.received_at or clock.now()
        subtask.state, subtask.progress, subtask.feedback = (
            SubTaskState.IN_PROGRESS,
            percent,
            (feedback or "")[:1000],
        )
        subtask.save(update_fields=["state", "progress", "feedback", "received_at", "updated_at"])
        record(
            actor,
            "task.progress",
            subtask,
            before=before,
            after={"state": subtask.state, "progress": percent},
        )
    return subtask


def complete_subtask(actor: Actor, subtask_id: int, feedback: str) -> DownwardSubTask:
    feedback = (feedback or "").strip()
    if not feedback:
        raise BadRequest("请填写完成情况反馈")
    with transaction.atomic():
        subtask = _subtask_for(actor, subtask_id)
        if subtask.state == SubTaskState.DONE:
            raise Conflict("该任务已完成")
        now = clock.now()
        subtask.state, subtask.progress, subtask.feedback, subtask.done_at = (
            SubTaskState.DONE,
            100,
            feedback[:1000],
            now,
        )
        subtask.received_at = subtask.received_at or now
        subtask.save(update_fields=["state", "progress", "feedback", "done_at", "received_at", "updated_at"])
        record(actor, "task.complete", subtask)
        # Lock the task so that two units finishing at the same moment cannot both miss the close.
        task = DownwardTask.objects.select_for_update().get(pk=subtask.task_id)
        if not task.subtasks.exclude(state=SubTaskState.DONE).exists():
            DownwardTask.objects.filter(pk=task.pk, closed_at__isnull=True).update(closed_at=now)
            if task.issued_by:
                notify([task.issued_by], "task_done", f"下派任务已全部完成：{task.title}", task=task)
    return subtask


def visible_subtasks(task: DownwardTask, user=None):
    """All sub-tasks for the issuing unit; for anyone else only those of units in their territory."""
    subtasks = task.subtasks.all()
    if user is None or user.is_superuser or user.unit_id == task.issuing_unit_id:
        return subtasks
    scope = territory_of(user)
    return subtasks.filter(unit__territory__key__gte=scope.low, unit__territory__key__lt=scope.high)


def rollup(task: DownwardTask, user=None) -> dict:
    """Counts per state, average progress and late sub-tasks (open past the due time, or finished
    after it), over the sub-tasks the user may see."""
    now = clock.now()
    counts = visible_subtasks(task, user).aggregate(
        total=Count("id"),
        pending=Count("id", filter=Q(state=SubTaskState.PENDING)),
        received=Count("id", filter=Q(state=SubTaskState.RECEIVED)),
        in_progress=Count("id", filter=Q(state=SubTaskState.IN_PROGRESS)),
        done=Count("id", filter=Q(state=SubTaskState.DONE)),
        done_late=Count("id", filter=Q(state=SubTaskState.DONE, done_at__gt=task.due_at)),
        average_progress=Avg("progress"),
    )
    still_open = counts["total"] - counts["done"]
    counts["late"] = counts.pop("done_late") + (still_open if now > task.due_at else 0)
    counts["average_progress"] = round(counts["average_progress"] or 0, 1)
    counts["completion_rate"] = round(counts["done"] / counts["total"], 4) if counts["total"] else 0
    return counts
