"""The in-app inbox: who hears about what."""

import time

from gridgov.accounts.choices import Role, UnitKind
from gridgov.accounts.models import Unit, User
from gridgov.core import caches

from .models import Event, Notification

ACTING_ROLES = {
    UnitKind.COUNTY_CENTRE: [Role.DISPATCHER],
    UnitKind.TOWNSHIP_COMMAND: [Role.DISPATCHER],
    UnitKind.GRID: [Role.GRID_WORKER],
}
DEFAULT_ACTING = [Role.HANDLER, Role.DISPATCHER, Role.GRID_WORKER]
SUPERVISING = [Role.SUPERVISOR, Role.LEADER]


def people_of(unit: Unit, roles) -> list[User]:
    return list(User.objects.filter(unit=unit, role__in=roles, is_active=True))


_actors: dict[int, tuple[float, list[User]]] = {}
ACTORS_TTL = 30.0


def actors_of(unit: Unit, *, cached: bool = True) -> list[User]:
    """The people who act for `unit`: dispatchers of command rooms, handlers of departments…
    Cached for half a minute per process, since the hot intake path notifies on every report;
    `forget_actors()` drops the cache when staff change in this process."""
    expires, users = _actors.get(unit.pk, (0.0, []))
    if not cached or time.monotonic() >= expires:
        users = people_of(unit, ACTING_ROLES.get(unit.kind, DEFAULT_ACTING))
        _actors[unit.pk] = (time.monotonic() + ACTORS_TTL, users)
    return users


def forget_actors() -> None:
    _actors.clear()


def notify(users, kind: str, title: str, event: Event | None = None, body: str = "", *, task=None) -> int:
    """One inbox row per user, pointing at the event or the task issued down it is about."""
    rows = [
        Notification(user=u, kind=kind, title=title[:120], body=body[:500], event=event, task=task)
        for u in {u.pk: u for u in users}.values()
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notify_unit(
    unit: Unit, kind: str, title: str, event: Event | None = None, body: str = "", *, cached: bool = True
) -> int:
    """Notify the people acting for `unit`. Only the intake hot path should use the cache; the
    scheduler's warnings and escalations read who is in the unit now (`cached=False`)."""
    return notify(actors_of(unit, cached=cached), kind, title, event, body)


caches.register(forget_actors)
