"""Reads of events, always through `restrict`."""

from datetime import timedelta

from django.db.models import Q

from gridgov.accounts.jurisdiction import Action, get_object_for_user
from gridgov.core import clock
from gridgov.regions.choices import Level
from gridgov.regions.codes import subtree_range

from .choices import OPEN_STATES, AssignmentState, EventState
from .errors import BadRequest
from .models import Assignment, Event
from .sla import LABELS as SLA_LABELS
from .sla import sla_filter


def get_event_for_user(user, number: str, action: str = Action.VIEW) -> Event:
    events = Event.objects.select_related("matter", "grid", "owner_unit", "lead_unit", "version")
    return get_object_for_user(events, user, action, number=number)


def events_for(
    user,
    *,
    state=None,
    matter=None,
    channel=None,
    township=None,
    overdue=None,
    open_only=False,
    q=None,
    sla=None,
    platform=None,
    unit_id=None,
    closed_days=None,
):
    """The events `user` may see, filtered. `closed_days` keeps those closed within that many days. `unit_id` keeps those waiting for that unit: owned by
    it, or with a live sub-task (lead or co-unit) of it."""
    events = Event.objects.restrict(user).select_related("matter", "grid", "owner_unit")
    if state:
        if state not in EventState.values:
            raise BadRequest(f"未知的状态 {state!r}")
        events = events.filter(state=state)
    if sla:
        if sla not in SLA_LABELS:
            raise BadRequest(f"未知的时限状态 {sla!r}")
        events = events.filter(sla_filter(sla))
    if platform:
        events = events.filter(matter__platform=platform)
    if closed_days:
        if not str(closed_days).isdigit() or not 1 <= int(closed_days) <= 366:
            raise BadRequest(f"结案天数 {closed_days!r} 应为 1–366 的整数")
        events = events.filter(closed_at__gte=clock.now() - timedelta(days=int(closed_days)))
    if unit_id:
        live = Assignment.objects.filter(
            unit_id=unit_id, state__in=[AssignmentState.PENDING, AssignmentState.ACCEPTED]
        ).values("event_id")
        events = events.filter(Q(owner_unit_id=unit_id, state__in=OPEN_STATES) | Q(id__in=live))
    if open_only:
        events = events.filter(state__in=OPEN_STATES)
    if matter:
        events = events.filter(matter__code=matter)
    if channel:
        events = events.filter(channel=channel)
    if township:
        if len(township) != 12 or not township.isdigit():
            raise BadRequest(f"乡镇代码 {township!r} 应为 12 位数字")
        rng = subtree_range(township, Level.TOWNSHIP)
        events = events.filter(grid_key__gte=rng.low, grid_key__lt=rng.high)
    if overdue is not None:
        events = events.filter(overdue=overdue)
    if q:
        events = events.filter(Q(description__contains=q) | Q(number__contains=q) | Q(address__contains=q))
    return events.order_by("-reported_at", "-id")


def history_of(event: Event):
    return event.history.select_related("unit").order_by("at", "id")


def my_work(user) -> dict:
    """What waits for the user's unit: open events it must act on, its sub-tasks, unread messages."""
    from django.db.models import Count

    from .models import DownwardSubTask, Notification

    if not getattr(user, "unit_id", None):
        return {"by_state": [], "overdue": 0, "latest": [], "subtasks": 0, "unread": 0}
    # The same "waiting for my unit" as the queue's 本单位待办: owned, or a live lead/co sub-task.
    waiting = events_for(user, open_only=True, unit_id=user.unit_id)
    by_state = list(waiting.values("state").annotate(n=Count("id")).order_by("state"))
    labels = dict(Event._meta.get_field("state").choices)
    return {
        "by_state": [
            {"state": row["state"], "label": labels[row["state"]], "count": row["n"]} for row in by_state
        ],
        "overdue": waiting.filter(overdue=True).count(),
        "latest": list(waiting.order_by("stage_deadline")[:8]),
        "subtasks": DownwardSubTask.objects.filter(unit_id=user.unit_id).exclude(state="done").count(),
        "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }
