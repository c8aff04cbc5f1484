"""Stage deadlines in working time, the warning point, and when the scheduler next looks.

A stage's deadline is its time limit (urgent variant for urgent events) added in working time to
the stage's start. The warning comes when WARNING_FRACTION of the allowed working time is used.
`next_due_at` is always the earliest pending scheduler action, so a pass reads only due events.
"""

import logging
from datetime import datetime

from django.conf import settings

from gridgov.matters.limits import Limit, parse_limit
from gridgov.workcal.calendar import CalendarError, add_working_time, working_time_between

from .choices import FINAL_STATES, EventState, Urgency
from .models import EscalationStep, Event

log = logging.getLogger(__name__)


def warning_fraction() -> float:
    return float(getattr(settings, "GRIDGOV_WARNING_FRACTION", 0.8))


def add_limit(start: datetime, limit: Limit) -> datetime:
    return add_working_time(start, limit.amount, limit.unit)


def start_stage(event: Event, stage: str, now: datetime) -> None:
    """Begin `stage` at `now`: fresh deadline and warning point, no warning or overdue yet.

    When the working calendar has no data for the year (the State Council publishes it late), the
    stage runs without a deadline rather than losing the report; the next stage, or a re-dispatch
    after the calendar is entered, gets one. The event's history says so.
    """
    limit = event.matter.limit(stage, urgent=event.urgency == Urgency.URGENT)
    event.stage = stage
    event.stage_started_at = now
    try:
        set_deadline(event, add_limit(now, limit), now)
    except CalendarError:
        log.warning(
            "no working calendar for %s: stage %s of %s runs without a deadline",
            now.year,
            stage,
            event.number,
        )
        event.stage_deadline = event.warn_at = event.next_due_at = None
        event.warned = event.overdue = False
        event.escalation_step = 0


def set_deadline(event: Event, deadline: datetime, now: datetime, state: str | None = None) -> None:
    """New stage deadline and warning point; `state` is the state the event is about to enter."""
    allowed = working_time_between(now, deadline)
    event.stage_deadline = deadline
    event.warn_at = add_working_time(now, int(allowed.total_seconds() * warning_fraction() // 60), "minutes")
    event.warned = False
    event.overdue = False
    event.escalation_step = 0
    refresh_next_due(event, state=state)


def escalation_ladder() -> list[EscalationStep]:
    return list(EscalationStep.objects.order_by("order"))


def step_due_at(event: Event, step: EscalationStep) -> datetime:
    """When a ladder step fires: `step.after` of working time past the deadline ("0h": at once)."""
    limit = parse_limit(step.after, allow_zero=True)
    return event.stage_deadline if limit.amount == 0 else add_limit(event.stage_deadline, limit)


def refresh_next_due(
    event: Event, ladder: list[EscalationStep] | None = None, state: str | None = None
) -> None:
    """Set `next_due_at` to the earliest thing the scheduler must do for this event, in its current
    state or in `state`, the one it is about to enter (the transition itself changes the state)."""
    state = state or event.state
    if state in FINAL_STATES:
        event.next_due_at = None
    elif state == EventState.PARKED:
        event.next_due_at = event.park_until
    elif event.stage_deadline is None:
        event.next_due_at = None
    elif not event.warned:
        event.next_due_at = event.warn_at
    elif not event.overdue:
        event.next_due_at = event.stage_deadline
    else:
        ladder = escalation_ladder() if ladder is None else ladder
        remaining = [s for s in ladder if s.order > event.escalation_step]
        event.next_due_at = step_due_at(event, remaining[0]) if remaining else None


def remaining_working_seconds(event: Event, now: datetime) -> int:
    if event.stage_deadline is None:
        return 0
    return max(0, int(working_time_between(now, event.stage_deadline).total_seconds()))
