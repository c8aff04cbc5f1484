"""The deadline scan run by the scheduler: warnings, overdue, escalation steps, un-parking.

Only events whose `next_due_at` has passed are read (an index range), so the cost follows what
is due, not what is open. Each event is handled in its own short transaction on a locked row,
re-checked after locking, so two schedulers never act twice on the same step.
"""

import logging
from datetime import timedelta

from django.db import connection, transaction

from gridgov.accounts.choices import UnitKind
from gridgov.audit.actor import Actor
from gridgov.core import clock

from ..choices import OPEN_STATES, EventState
from ..deadlines import escalation_ladder, refresh_next_due, step_due_at
from ..models import EscalationStep, Event
from ..notify import SUPERVISING, actors_of, notify, notify_unit, people_of
from .base import county_centre, transition
from .requests import unpark_event

SCHEDULER = Actor.system("scheduler")
BATCH = 500
RETRY_AFTER_FAILURE = timedelta(minutes=15)
log = logging.getLogger(__name__)


def due_event_ids(now, limit: int = BATCH) -> list[int]:
    return list(
        Event.objects.filter(next_due_at__lte=now, state__in=OPEN_STATES)
        .order_by("next_due_at")
        .values_list("id", flat=True)[:limit]
    )


def scan_deadlines(now=None) -> dict[str, int]:
    """One pass over what is due; returns counts per action taken."""
    now = now or clock.now()
    ladder = escalation_ladder()
    counts = {"warned": 0, "overdue": 0, "escalated": 0, "unparked": 0, "failed": 0}
    for event_id in due_event_ids(now):
        try:
            action = _process(event_id, now, ladder)
        except Exception:  # one broken event must not stop the scan for every other event
            log.exception("deadline scan failed for event %s; retrying it later", event_id)
            Event.objects.filter(pk=event_id).update(next_due_at=now + RETRY_AFTER_FAILURE)
            counts["failed"] += 1
            continue
        if action:
            counts[action] += 1
    return counts


def _locked(event_id: int):
    rows = Event.objects.select_related("matter", "grid")
    if connection.features.has_select_for_update_skip_locked:
        # Another scheduler holds it: skip, it will do it. Only the event row is locked (see lock_event).
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    else:
        rows = rows.select_for_update()
    return rows.filter(pk=event_id, next_due_at__isnull=False).first()


def _process(event_id: int, now, ladder: list[EscalationStep]) -> str | None:
    with transaction.atomic():
        event = _locked(event_id)
        if event is None or event.next_due_at > now or event.state not in OPEN_STATES:
            return None  # taken by another scheduler, or no longer due
        if event.state == EventState.PARKED:
            if event.park_until and event.park_until <= now:
                unpark_event(SCHEDULER, event.pk, "挂账到期，自动恢复办理")
                return "unparked"
            return None
        if not event.warned and now >= event.warn_at:
            event.warned = True
            refresh_next_due(event, ladder)
            transition(
                event,
                SCHEDULER,
                "warn",
                unit=event.owner_unit,
                reason="时限已用 80%，即将超期",
                fields=["warned", "next_due_at"],
                now=now,
            )
            notify_unit(
                event.owner_unit,
                "warning",
                f"即将超期：{event.matter.name} {event.number}",
                event,
                cached=False,
            )
            return "warned"
        if not event.overdue and now >= event.stage_deadline:
            event.warned = event.overdue = event.was_overdue = True
            refresh_next_due(event, ladder)
            transition(
                event,
                SCHEDULER,
                "overdue",
                unit=event.owner_unit,
                reason="已超过处置时限",
                fields=["warned", "overdue", "was_overdue", "next_due_at"],
                now=now,
            )
            notify_unit(
                event.owner_unit,
                "overdue",
                f"已超期：{event.matter.name} {event.number}",
                event,
                cached=False,
            )
            return "overdue"
        steps = [s for s in ladder if s.order > event.escalation_step]
        if event.overdue and steps and now >= step_due_at(event, steps[0]):
            step = steps[0]
            event.escalation_step = step.order
            refresh_next_due(event, ladder)
            people = _escalation_targets(event, step)
            transition(
                event,
                SCHEDULER,
                "escalate_overdue",
                unit=event.owner_unit,
                reason=f"超期升级第 {step.order} 步：通知{step.get_target_display()}",
                data={"step": step.order, "notified": len(people)},
                fields=["escalation_step", "next_due_at"],
                now=now,
            )
            notify(
                people,
                "escalation",
                f"超期升级（第 {step.order} 步）：{event.matter.name} {event.number}",
                event,
            )
            return "escalated"
        refresh_next_due(event, ladder)  # nothing to do: the data moved (e.g. ladder edited)
        event.save(update_fields=["next_due_at", "updated_at"])
        return None


def _escalation_targets(event: Event, step: EscalationStep):
    unit = event.owner_unit
    if step.target == EscalationStep.Target.UNIT_SUPERVISORS:
        return people_of(unit, SUPERVISING) or actors_of(unit, cached=False)
    if step.target == EscalationStep.Target.UNIT_ABOVE:
        above = unit.parent or (county_centre() if unit.kind != UnitKind.COUNTY_CENTRE else unit)
        return people_of(above, SUPERVISING) + actors_of(above, cached=False)
    centre = county_centre()
    return people_of(centre, SUPERVISING) + actors_of(centre, cached=False)
