"""任务下派 pages: the tasks my unit issued and the sub-tasks it received, the issue form with a
searchable unit picker, the task detail with its fan-out table and roll-up, and the receiving
unit's receive / progress / complete actions. Every state change is one service call."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from gridgov.accounts.choices import UnitKind
from gridgov.accounts.jurisdiction import EVERYWHERE, territory_of
from gridgov.accounts.models import Unit
from gridgov.audit.actor import Actor
from gridgov.core import clock
from gridgov.core.views import staff_required
from gridgov.regions.choices import Level
from gridgov.regions.models import Region

from .. import services
from ..choices import SubTaskState
from ..errors import EventError
from ..models import DownwardSubTask, DownwardTask
from ..services.base import DISPATCH_ROLES
from ..services.downward import visible_subtasks

ISSUE_ROLES = DISPATCH_ROLES | {"leader"}  # the roles issue_task lets issue (its own guard decides)
PER_PAGE = 30
SUBTASKS_PER_PAGE = 50
UNIT_SEARCH_LIMIT = 20
TABS = {"received": "本单位收到的", "issued": "本单位下派的", "all": "辖区内全部"}
TERRITORY_KINDS = [(k, label) for k, label in UnitKind.choices if k != UnitKind.COUNTY_CENTRE]


def may_issue(user) -> bool:
    """Whether to offer the issue form; `issue_task` re-checks the role and the unit."""
    return bool(user.unit_id) and (user.is_superuser or user.role in ISSUE_ROLES)


def _tabs_for(user) -> list[str]:
    tabs = []
    if user.unit_id:
        tabs.append("received")
    if may_issue(user):
        tabs.append("issued")
    tabs.append("all")
    return tabs


def _page(request, rows, per_page=PER_PAGE):
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def _rollups_for(user, tasks) -> dict[int, dict]:
    """Receipts, completions and average progress of a page of tasks in one grouped query, over
    the sub-tasks the user may see (the same rule as `visible_subtasks`)."""
    ids = [t.pk for t in tasks]
    if not ids:
        return {}
    rows = DownwardSubTask.objects.filter(task_id__in=ids)
    scope = territory_of(user)
    if scope != EVERYWHERE:
        rows = rows.filter(
            Q(task__issuing_unit_id=user.unit_id)
            | Q(unit__territory__key__gte=scope.low, unit__territory__key__lt=scope.high)
        )
    grouped = (
        rows.values("task_id")
        .annotate(
            total=Count("id"),
            received=Count("id", filter=~Q(state=SubTaskState.PENDING)),
            done=Count("id", filter=Q(state=SubTaskState.DONE)),
            average=Avg("progress"),
        )
        .order_by()
    )
    return {r["task_id"]: {**r, "average": round(r["average"] or 0)} for r in grouped}


@staff_required
def task_list(request):
    user = request.user
    tabs = _tabs_for(user)
    tab = request.GET.get("tab") or ("issued" if "issued" in tabs else tabs[0])
    if tab not in tabs:
        tab = tabs[0]
    status = request.GET.get("status", "open")
    context = {
        "tab": tab,
        "tabs": [(key, TABS[key]) for key in tabs],
        "status": status,
        "may_issue": may_issue(user),
        "now": clock.now(),
    }
    if tab == "received":
        subtasks = DownwardSubTask.objects.filter(unit_id=user.unit_id).select_related(
            "task", "task__issuing_unit"
        )
        if status == "open":
            subtasks = subtasks.exclude(state=SubTaskState.DONE).order_by("task__due_at", "id")
        elif status == "done":
            subtasks = subtasks.filter(state=SubTaskState.DONE).order_by("-done_at", "-id")
        else:
            subtasks = subtasks.order_by("-task__created_at", "-id")
        context["page_obj"] = _page(request, subtasks)
    else:
        tasks = DownwardTask.objects.restrict(user).select_related("issuing_unit")
        if tab == "issued":
            tasks = tasks.filter(issuing_unit_id=user.unit_id)
        if status == "open":
            tasks = tasks.filter(closed_at__isnull=True)
        elif status == "done":
            tasks = tasks.filter(closed_at__isnull=False)
        page = _page(request, tasks.order_by("-created_at", "-id"))
        rollups = _rollups_for(user, page.object_list)
        for task in page.object_list:
            task.figures = rollups.get(task.pk, {"total": 0, "received": 0, "done": 0, "average": 0})
        context["page_obj"] = page
    return render(request, "events/tasks/list.html", context)


# -- issuing ---------------------------------------------------------------------------------------


class TaskForm(forms.Form):
    """Parses the issue form; `issue_task` owns every rule about titles, deadlines and targets."""

    title = forms.CharField(required=False, max_length=200)
    description = forms.CharField(required=False, max_length=5000)
    due_at = forms.DateTimeField(
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={"required": "请填写完成时限", "invalid": "完成时限格式不正确，应为 年-月-日 时:分"},
    )
    mode = forms.ChoiceField(
        choices=[("units", "按单位"), ("territory", "按区域")],
        error_messages={"invalid_choice": "请选择下派方式", "required": "请选择下派方式"},
    )
    territory = forms.CharField(required=False, max_length=18)
    unit_kind = forms.CharField(required=False, max_length=24)


def _picked_units(user, codes: list[str]) -> list[dict]:
    """The chosen units (names for re-showing the form), only those the user may see."""
    if not codes:
        return []
    found = {u.code: u.name for u in Unit.objects.restrict(user).filter(code__in=codes).only("code", "name")}
    return [{"code": c, "name": found.get(c, c)} for c in dict.fromkeys(codes)]


def _territory_choices(user):
    return (
        Region.objects.restrict(user)
        .filter(level__lte=Level.VILLAGE)
        .order_by("key")
        .values_list("code", "name", "level")
    )


@staff_required
def task_new(request):
    user = request.user
    if not may_issue(user):
        raise PermissionDenied("您的岗位不能下派任务")
    error = None
    data = request.POST if request.method == "POST" else None
    form = TaskForm(data)
    codes = [c.strip() for c in request.POST.getlist("unit") if c.strip()] if data else []
    if data is not None and form.is_valid():
        values = form.cleaned_data
        by_territory = values["mode"] == "territory"
        try:
            task, _ = services.issue_task(
                Actor.from_request(request),
                title=values["title"],
                description=values["description"],
                due_at=values["due_at"],
                unit_codes=None if by_territory else codes,
                territory_code=(values["territory"].strip() or None) if by_territory else None,
                unit_kind=(values["unit_kind"] or None) if by_territory else None,
            )
        except EventError as exc:
            error = str(exc)
        else:
            messages.success(request, f"任务已下派：{task.target_description}")
            return redirect("tasks:detail", pk=task.pk)
    elif data is not None:
        error = "；".join(e for errors in form.errors.values() for e in errors)
    territory_default = user.unit.territory.code if user.unit.territory.level <= Level.VILLAGE else ""
    return render(
        request,
        "events/tasks/new.html",
        {
            "form": form,
            "error": error,
            "values": data or {"mode": "units", "territory": territory_default, "unit_kind": UnitKind.GRID},
            "picked": _picked_units(user, codes),
            "territories": _territory_choices(user),
            "unit_kinds": TERRITORY_KINDS,
            "unit_kind_choices": UnitKind.choices,
        },
    )


@staff_required
def unit_search(request):
    """htmx partial: up to 20 units within the user's jurisdiction matching a name or code."""
    if not may_issue(request.user):
        raise PermissionDenied("您的岗位不能下派任务")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    units = (
        Unit.objects.restrict(request.user)
        .filter(is_active=True)
        .exclude(pk=request.user.unit_id)
        .select_related("territory")
    )
    if kind in UnitKind.values:
        units = units.filter(kind=kind)
    if q:
        units = units.filter(Q(name__contains=q) | Q(short_name__contains=q) | Q(code__startswith=q))
    rows = list(units.order_by("territory__key", "kind", "code")[: UNIT_SEARCH_LIMIT + 1])
    return render(
        request,
        "events/tasks/_unit_results.html",
        {"units": rows[:UNIT_SEARCH_LIMIT], "more": len(rows) > UNIT_SEARCH_LIMIT, "q": q},
    )


# -- one task --------------------------------------------------------------------------------------


def get_task_for_user(user, pk: int) -> DownwardTask:
    """The task if the user may see it (issued by their territory, or reaching into it); 404 alike
    for missing and out of scope."""
    task = (
        DownwardTask.objects.restrict(user).select_related("issuing_unit", "issued_by").filter(pk=pk).first()
    )
    if task is None:
        raise Http404("未找到该任务")
    return task


@staff_required
def task_detail(request, pk: int):
    user = request.user
    task = get_task_for_user(user, pk)
    subtasks = visible_subtasks(task, user).select_related("unit", "unit__territory")
    state = request.GET.get("state", "")
    if state in SubTaskState.values:
        subtasks = subtasks.filter(state=state)
    mine = task.subtasks.select_related("unit").filter(unit_id=user.unit_id).first() if user.unit_id else None
    now = clock.now()
    return render(
        request,
        "events/tasks/detail.html",
        {
            "task": task,
            "figures": services.rollup(task, user),
            "page_obj": _page(request, subtasks, SUBTASKS_PER_PAGE),
            "state": state,
            "states": SubTaskState.choices,
            "mine": mine,
            "now": now,
            "overdue": task.closed_at is None and now > task.due_at,
        },
    )


def _visible_subtask(user, pk: int) -> DownwardSubTask:
    subtask = DownwardSubTask.objects.select_related("task").filter(pk=pk).first()
    if subtask is None or not visible_subtasks(subtask.task, user).filter(pk=pk).exists():
        raise Http404("未找到该任务")
    return subtask


@staff_required
def subtask_detail(request, pk: int):
    subtask = _visible_subtask(request.user, pk)
    return redirect(reverse("tasks:detail", kwargs={"pk": subtask.task_id}) + f"#subtask-{subtask.pk}")


def _act(request, pk: int, work, done_message: str):
    """Run one sub-task service for the user's unit; its refusal is shown on the task page."""
    if request.method != "POST":
        return subtask_detail(request, pk)
    subtask = _visible_subtask(request.user, pk)
    try:
        work(Actor.from_request(request), subtask.pk)
    except EventError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done_message)
    return redirect("tasks:detail", pk=subtask.task_id)


@staff_required
def subtask_receive(request, pk: int):
    return _act(request, pk, services.receive_subtask, "已签收")


@staff_required
def subtask_progress(request, pk: int):
    raw = request.POST.get("percent", "").strip()
    feedback = request.POST.get("feedback", "").strip()
    try:
        percent = int(raw)
    except ValueError:
        percent = None
    if request.method == "POST" and percent is None:
        subtask = _visible_subtask(request.user, pk)
        messages.error(request, "进度应为 0–99 之间的整数")
        return redirect("tasks:detail", pk=subtask.task_id)
    return _act(
        request,
        pk,
        lambda actor, sub_pk: services.report_progress(actor, sub_pk, percent, feedback),
        f"已报告进度 {percent}%",
    )


@staff_required
def subtask_complete(request, pk: int):
    feedback = request.POST.get("feedback", "")
    return _act(
        request,
        pk,
        lambda actor, sub_pk: services.complete_subtask(actor, sub_pk, feedback),
        "已完成并反馈",
    )
