"""The SLA colour of an event, the one rule every page and map uses.

green: within the allowed time; yellow: past the warning point (default 80 %); red: overdue;
grey: no running clock (closed, merged, rejected, parked, or no deadline because the calendar
has no data).
"""

from django.db.models import Case, CharField, Q, Value, When

from gridgov.core import clock

from .choices import OPEN_STATES, EventState

GREEN, YELLOW, RED, GREY = "green", "yellow", "red", "grey"
LABELS = {GREEN: "正常", YELLOW: "预警", RED: "超期", GREY: "无时限"}
RUNNING_STATES = OPEN_STATES - {EventState.PARKED}


def sla_colour(event, now=None) -> str:
    if event.state not in RUNNING_STATES or event.stage_deadline is None:
        return GREY
    now = now or clock.now()
    if event.overdue or now >= event.stage_deadline:
        return RED
    if event.warned or (event.warn_at is not None and now >= event.warn_at):
        return YELLOW
    return GREEN


def sla_filter(colour: str, now=None) -> Q:
    """A queryset filter for one colour, the same rule as `sla_colour` (for list filters)."""
    now = now or clock.now()
    running = Q(state__in=RUNNING_STATES, stage_deadline__isnull=False)
    red = running & (Q(overdue=True) | Q(stage_deadline__lte=now))
    yellow = running & ~red & (Q(warned=True) | Q(warn_at__lte=now))
    if colour == RED:
        return red
    if colour == YELLOW:
        return yellow
    if colour == GREEN:
        return running & ~red & ~yellow
    if colour == GREY:
        return ~running
    raise ValueError(f"unknown SLA colour {colour!r}")


def sla_annotation(now=None) -> Case:
    """`.annotate(sla=sla_annotation())` for maps and exports that need the colour of many rows."""
    return Case(
        *(When(sla_filter(c, now), then=Value(c)) for c in (RED, YELLOW, GREEN)),
        default=Value(GREY),
        output_field=CharField(),
    )
