"""The public read path: what anyone may read through Open311, without an account.

Every other read of events goes through `restrict(user, action)`; Open311 readers have no user, so
this module is the one place that decides what is public (docs/open311.md, "哪些事件公开"):
events whose matter is `public` (群众可上报) in the catalogue version the event was routed under, in
every state. Which fields of them leave the platform is decided in `serialise`.
"""

from datetime import datetime

from django.db.models import F, OuterRef, Subquery

from gridgov.events.choices import FINAL_STATES, OPEN_STATES, Channel
from gridgov.events.models import Event, EventHistory
from gridgov.matters.lookup import current_version, matter_by_code
from gridgov.matters.models import Matter

MAX_REQUESTS = 1000  # the spec's ceiling for one answer
CLOSING_ACTIONS = ("finish", "resolve_on_spot", "reject")  # their reason is the outcome told to the public


def public_services() -> list[Matter]:
    """The public matters of the current catalogue version: what a client may report."""
    version = current_version()
    if version is None:
        return []
    return list(Matter.objects.filter(version=version, public=True).order_by("code"))


def public_service(code: str) -> Matter | None:
    """The current public matter `code`, or None if it is unknown or not open to the public."""
    version = current_version()
    if version is None or not code:
        return None
    matter = matter_by_code(version, code)
    return matter if matter is not None and matter.public else None


def known_public_codes(codes: list[str]) -> set[str]:
    """Which of `codes` name a public matter in any version (old events keep their old version)."""
    return set(Matter.objects.filter(code__in=codes, public=True).values_list("code", flat=True))


def public_events():
    """Public events with what a service request shows, in one query."""
    history = EventHistory.objects.filter(event=OuterRef("pk")).order_by("-at", "-id")
    return (
        Event.objects.filter(matter__public=True)
        .select_related("matter", "lead_unit", "owner_unit")
        .only(
            "number",
            "state",
            "description",
            "address",
            "lon",
            "lat",
            "reported_at",
            "stage_deadline",
            "matter__code",
            "matter__name",
            "matter__category_major",
            "lead_unit__name",
            "owner_unit__name",
        )
        .annotate(
            last_change=Subquery(history.values("at")[:1]),
            closing_note=Subquery(history.filter(action__in=CLOSING_ACTIONS).values("reason")[:1]),
            merged_number=F("merged_into__number"),
        )
        .order_by("-reported_at", "-id")
    )


def public_event(number: str) -> Event | None:
    return public_events().filter(number=number).first()


def find_public_events(
    *,
    numbers: list[str] | None = None,
    codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: list[str] | None = None,
) -> list[Event]:
    """GET requests: by number (which overrides every other filter), else by matter code, requested
    time and open/closed; newest first, at most MAX_REQUESTS."""
    events = public_events()
    if numbers:
        return list(events.filter(number__in=numbers)[:MAX_REQUESTS])
    if codes:
        events = events.filter(matter__code__in=codes)
    if start is not None:
        events = events.filter(reported_at__gte=start)
    if end is not None:
        events = events.filter(reported_at__lte=end)
    wanted = set(statuses or ())
    if wanted == {"open"}:
        events = events.filter(state__in=OPEN_STATES)
    elif wanted == {"closed"}:
        events = events.filter(state__in=FINAL_STATES)
    return list(events[:MAX_REQUESTS])


def reports_since(since: datetime, limit: int, *, user=None, citizen=None) -> list[datetime]:
    """When the citizen-channel reports of one API client (or one citizen) since `since` were made,
    oldest first, at most `limit`: the rate limit counts them in the database, so that every worker
    process agrees."""
    events = Event.objects.filter(channel=Channel.CITIZEN, reported_at__gte=since)
    events = (
        events.filter(reporter_user=user) if user is not None else events.filter(reporter_citizen=citizen)
    )
    return list(events.order_by("reported_at").values_list("reported_at", flat=True)[:limit])
