"""超期升级阶梯 (/ladder/): the escalation steps, when each fires for an event overdue now, and
forms to change, add and remove steps (services in `services/ladder.py`, audited)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts.views_admin import county_administrator_required
from gridgov.audit.actor import Actor
from gridgov.core import clock
from gridgov.matters.limits import LimitError, parse_limit
from gridgov.workcal.calendar import CalendarError, add_working_time

from ..choices import OPEN_STATES, EventState
from ..errors import BadRequest
from ..models import EscalationStep, Event
from ..services.ladder import add_step, change_step, remove_step


def _fires_at(after: str, deadline):
    """When a step with `after` fires for an event whose deadline is `deadline`; None if unknown."""
    try:
        limit = parse_limit(after, allow_zero=True)
        return deadline if limit.amount == 0 else add_working_time(deadline, limit.amount, limit.unit)
    except (LimitError, CalendarError):
        return None


def _page(request, *, add_values=None, edit_values=None, error_step=None, error=None, status=200):
    steps = list(EscalationStep.objects.order_by("order"))
    deadline = timezone.localtime(clock.now()).replace(second=0, microsecond=0)
    for step in steps:
        step.example = _fires_at(step.after, deadline)
        step.form_after, step.form_target = step.after, step.target
        if edit_values and step.pk == error_step:
            step.form_after, step.form_target = edit_values
    overdue = (
        Event.objects.filter(state__in=OPEN_STATES, overdue=True).exclude(state=EventState.PARKED).count()
    )
    return render(
        request,
        "events/ladder.html",
        {
            "steps": steps,
            "targets": EscalationStep.Target.choices,
            "deadline": deadline,
            "overdue": overdue,
            "add_values": add_values or {"after": "", "target": ""},
            "error_step": error_step,
            "error": error,
        },
        status=status,
    )


@county_administrator_required
@require_GET
def ladder(request):
    return _page(request)


@county_administrator_required
@require_POST
def add(request):
    values = {"after": request.POST.get("after", ""), "target": request.POST.get("target", "")}
    try:
        step = add_step(Actor.from_request(request), **values)
    except BadRequest as exc:
        return _page(request, add_values=values, error_step="new", error=str(exc), status=400)
    messages.success(
        request, f"已添加第 {step.order} 步：超期 {step.after} 后通知{step.get_target_display()}。"
    )
    return redirect("ladder:index")


@county_administrator_required
@require_POST
def change(request, pk: int):
    after, target = request.POST.get("after", ""), request.POST.get("target", "")
    try:
        step, changed = change_step(Actor.from_request(request), pk, after=after, target=target)
    except BadRequest as exc:
        return _page(request, edit_values=(after, target), error_step=pk, error=str(exc), status=400)
    if changed:
        messages.success(
            request, f"已修改第 {step.order} 步：超期 {step.after} 后通知{step.get_target_display()}。"
        )
    else:
        messages.info(request, f"第 {step.order} 步没有改动。")
    return redirect("ladder:index")


@county_administrator_required
@require_POST
def remove(request, pk: int):
    try:
        step = remove_step(Actor.from_request(request), pk)
    except BadRequest as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"已删除第 {step.order} 步（超期 {step.after} → {step.get_target_display()}）。"
        )
    return redirect("ladder:index")
