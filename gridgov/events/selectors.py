"""Reads of events, always through `restrict`."""

from django.db.models import Q

from gridgov.accounts.jurisdiction import Action, get_object_for_user
from gridgov.regions.choices import Level
from gridgov.regions.codes import subtree_range

from .choices import OPEN_STATES
from .errors import BadRequest
from .models import Event


def get_event_for_user(user, number: str, action: str = Action.VIEW) -> Event:
    events = Event.objects.select_related("matter", "grid", "owner_unit", "lead_unit", "version")
    return get_object_for_user(events, user, action, number=number)


def events_for(
    user, *, state=None, matter=None, channel=None, township=None, overdue=None, open_only=False, q=None
):
    events = Event.objects.restrict(user).select_related("matter", "grid", "owner_unit")
    if state:
        events = events.filter(state=state)
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
    waiting = Event.objects.restrict(user).filter(owner_unit_id=user.unit_id, state__in=OPEN_STATES)
    by_state = list(waiting.values("state").annotate(n=Count("id")).order_by("state"))
    labels = dict(Event._meta.get_field("state").choices)
    return {
        "by_state": [{"label": labels[row["state"]], "count": row["n"]} for row in by_state],
        "overdue": waiting.filter(overdue=True).count(),
        "latest": list(waiting.select_related("matter").order_by("stage_deadline")[:8]),
        "subtasks": DownwardSubTask.objects.filter(unit_id=user.unit_id).exclude(state="done").count(),
        "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }
