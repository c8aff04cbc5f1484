"""Editing the escalation ladder: add, change and remove steps, each audited.

A step fires `after` working time past an overdue event's stage deadline (`deadlines.step_due_at`).
Steps fire in `order`, so their times must not go down along the ladder. An event remembers the
last step it reached by its order (`escalation_step`), so orders are never renumbered, and a new
step's order lies above every step and every open event's progress: it applies to all of them.

After an edit the open overdue events are handed back to the deadline scan (their `next_due_at`
becomes now), which fires what is due under the new ladder or sets their next time; without this
an event could wait for a step that no longer exists, or never meet a step added after its last.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from gridgov.audit.actor import Actor
from gridgov.audit.services import record
from gridgov.core import clock
from gridgov.matters.limits import Limit, LimitError, parse_limit

from ..choices import OPEN_STATES, EventState
from ..errors import BadRequest
from ..models import EscalationStep, Event

AFTER_MAX_LENGTH = 10  # EscalationStep.after
LONGEST_MINUTES = 60 * 24 * 366  # a generous bound; a step a year after the deadline is a typo
DEFAULT_DAY_MINUTES = 8 * 60  # for comparing "1d" with "7h" when no working periods are configured


def _day_minutes() -> float:
    from gridgov.workcal.models import WorkPeriod

    minutes = 0.0
    for start, end in WorkPeriod.objects.values_list("start", "end"):
        minutes += (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return minutes or DEFAULT_DAY_MINUTES


def _minutes(limit: Limit, day_minutes: float) -> float:
    per_unit = {"minutes": 1, "hours": 60, "days": day_minutes}[limit.unit]
    return limit.amount * per_unit


def _parse_after(text: str) -> Limit:
    try:
        limit = parse_limit((text or "").strip(), allow_zero=True)
    except LimitError as exc:
        raise BadRequest(f"超期后时长：{exc}") from exc
    if len(str(limit)) > AFTER_MAX_LENGTH or _minutes(limit, 24 * 60) > LONGEST_MINUTES:
        raise BadRequest(f"超期后时长 {text!r} 过长")
    return limit


def _check_target(target: str) -> str:
    if target not in EscalationStep.Target.values:
        raise BadRequest(f"未知的通知对象：{target!r}")
    return target


def _check_ladder(steps: list[EscalationStep]) -> None:
    """Times must not go down along the ladder (a later step never fires before an earlier one)."""
    day = _day_minutes()
    previous = None
    for step in sorted(steps, key=lambda s: s.order):
        if previous is not None:
            before = _minutes(parse_limit(previous.after, allow_zero=True), day)
            if _minutes(parse_limit(step.after, allow_zero=True), day) < before:
                raise BadRequest(
                    f"第 {step.order} 步（超期 {step.after}）不能早于前一步第 {previous.order} 步"
                    f"（超期 {previous.after}）：升级按步骤顺序进行"
                )
        previous = step


def _open_overdue_events():
    """The events the ladder is climbing now (a parked event's clock is paused)."""
    return Event.objects.filter(state__in=OPEN_STATES, overdue=True, stage_deadline__isnull=False).exclude(
        state=EventState.PARKED
    )


def _rescan_overdue_events() -> int:
    """Hand the open overdue events back to the deadline scan (see the module docstring)."""
    return _open_overdue_events().update(next_due_at=clock.now())


def _ladder_locked() -> list[EscalationStep]:
    return list(EscalationStep.objects.select_for_update().order_by("order"))


def add_step(actor: Actor, *, after: str, target: str) -> EscalationStep:
    """Append a step at the end of the ladder."""
    limit, target = _parse_after(after), _check_target(target)
    with transaction.atomic():
        steps = _ladder_locked()
        reached = _open_overdue_events().aggregate(last=Max("escalation_step"))["last"] or 0
        order = max([reached, *(s.order for s in steps)]) + 1
        step = EscalationStep(order=order, after=str(limit), target=target)
        _check_ladder([*steps, step])
        step.save()
        record(actor, "ladder.add", step, after={"order": order, "after": step.after, "target": target})
        _rescan_overdue_events()
    return step


def change_step(actor: Actor, step_id: int, *, after: str, target: str) -> tuple[EscalationStep, bool]:
    """Change when a step fires and whom it notifies; returns (step, changed)."""
    limit, target = _parse_after(after), _check_target(target)
    with transaction.atomic():
        steps = _ladder_locked()
        step = next((s for s in steps if s.pk == step_id), None)
        if step is None:
            raise BadRequest("没有这个升级步骤（可能已被删除）")
        before = {"after": step.after, "target": step.target}
        values = {"after": str(limit), "target": target}
        if before == values:
            return step, False
        step.after, step.target = values["after"], values["target"]
        _check_ladder(steps)
        step.save(update_fields=["after", "target", "updated_at"])
        record(actor, "ladder.change", step, before=before, after=values)
        _rescan_overdue_events()
    return step, True


def remove_step(actor: Actor, step_id: int) -> EscalationStep:
    """Take a step off the ladder; events that already passed it are not affected."""
    with transaction.atomic():
        steps = _ladder_locked()
        step = next((s for s in steps if s.pk == step_id), None)
        if step is None:
            raise BadRequest("没有这个升级步骤（可能已被删除）")
        summary = {"order": step.order, "after": step.after, "target": step.target}
        pk = step.pk
        step.delete()
        record(actor, "ladder.remove", ("events.escalationstep", pk), summary=summary)
        _rescan_overdue_events()
    step.pk = pk
    return step
