"""Builders for the event engine tests: reports at a real point of a real grid, events walked along
the loop by the personas of the root conftest, extra personas for units the demo has no user for,
and a tiny valid photo.

Every test here runs at a known working moment (Tuesday 2026-11-24 09:00, Asia/Shanghai) so that
working-time deadlines are exact; tests that need time to pass move `time_machine`.
"""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from shapely.geometry import shape

from gridgov.accounts.choices import Role
from gridgov.accounts.models import Citizen, Unit, User
from gridgov.audit.actor import Actor
from gridgov.events import notify
from gridgov.events.choices import Channel, EventState
from gridgov.events.models import Event, Notification
from gridgov.events.services import (
    Report,
    accept_event,
    dispatch_event,
    finish_event,
    report_event,
    verify_event,
)
from gridgov.matters.models import CatalogueVersion, Matter
from gridgov.regions.choices import Level
from gridgov.regions.models import Region

TOWNSHIP_A = "330784001000"  # 东城街道
TOWNSHIP_B = "330784002000"  # 西城街道
SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)  # an ordinary working day


@pytest.fixture(autouse=True)
def _pinned_at_tuesday_morning(time_machine):
    """Now is pinned at a known working moment; a test lets time pass with
    `time_machine.move_to(...)`. (Modules with their own `clock` fixture travel inside this.)"""
    time_machine.move_to(TUESDAY_MORNING, tick=False)


@pytest.fixture(autouse=True)
def _fresh_unit_actors():
    """`notify.actors_of` keeps each unit's users for 30 s per process; users a test creates are
    rolled back with it, so neither they nor their absence may leak into the next test."""
    notify.forget_actors()
    yield
    notify.forget_actors()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# -- places and matters ----------------------------------------------------------------------------


def as_actor(user) -> Actor:
    return Actor(user=user)


def point_in(grid: Region) -> tuple[float, float]:
    """A point surely inside the grid (shapely's representative point), as (lon, lat) in WGS-84."""
    point = shape(grid.geometry).representative_point()
    return point.x, point.y


def grids_of(township: str) -> list[Region]:
    return list(Region.objects.filter(level=Level.GRID, code__startswith=township[:9]).order_by("key"))


def grid_for(user, township: str = TOWNSHIP_A) -> Region:
    """The grid a user reports in: a grid worker's own grid when it lies in `township`, otherwise
    the township's first grid."""
    if user is not None and user.role == Role.GRID_WORKER and user.unit.territory.code[:9] == township[:9]:
        return user.unit.territory
    return grids_of(township)[0]


def matter(name: str) -> Matter:
    return Matter.objects.get(version=CatalogueVersion.objects.current(), name=name)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def text_for(matter_name: str) -> str:
    examples = matter(matter_name).examples
    return examples[0] if examples else f"巡查发现{matter_name}问题，请处理"


def report(user, matter_name: str | None = None, township: str = TOWNSHIP_A, text: str | None = None, **kw):
    """`user` reports at the representative point of a grid they may report in (or of `grid=`);
    a citizen reports with `user=None, citizen=…`. Returns the IntakeResult."""
    citizen = kw.pop("citizen", None)
    grid = kw.pop("grid", None) or grid_for(user, township)
    lon, lat = point_in(grid)
    kw.setdefault("lon", lon)
    kw.setdefault("lat", lat)
    if matter_name is not None:
        kw.setdefault("matter_code", matter(matter_name).code)
    default_channel = Channel.GRID_PATROL if user and user.role == Role.GRID_WORKER else Channel.HOTLINE
    kw.setdefault("channel", default_channel)
    if text is None:
        text = text_for(matter_name) if matter_name else "小区门口有一堆生活垃圾没人清理，散发臭味"
    actor = as_actor(user) if user is not None else Actor(label=str(citizen))
    return report_event(actor, Report(description=text, **kw), citizen=citizen)


# -- personas the demo does not seed ---------------------------------------------------------------


@pytest.fixture
def person(db):
    """person(unit_code, role="handler") → the unit's first user with that role (the demo staffs
    every unit), created when there is none; with `username=`, that very user."""

    def make(unit_code: str, role: str = Role.HANDLER, username: str | None = None) -> User:
        users = User.objects.select_related("unit__territory").filter(unit__code=unit_code, role=role)
        if username is not None:
            users = users.filter(username=username)
        user = users.order_by("id").first()
        if user is None:
            name = username or f"{role}-{unit_code}"
            created = User.objects.create(username=name, unit=unit(unit_code), role=role, display_name=name)
            user = users.get(pk=created.pk)
        return user

    return make


@pytest.fixture
def economy_handler_a(person):
    """Handler of 东城街道经济生态平台, the lead unit for 暴露垃圾 in 东城."""
    return person("t001-platform-2")


@pytest.fixture
def citizen(db):
    return Citizen.objects.get_or_create(phone="13900000001")[0]


# -- events walked along the loop ------------------------------------------------------------------


def reload(event: Event) -> Event:
    return Event.objects.select_related("owner_unit", "lead_unit", "matter", "merged_into").get(pk=event.pk)


def dispatched(reporter, matter_name: str, dispatcher, **dispatch_kw) -> Event:
    """Reported by `reporter` in their township and dispatched by `dispatcher` (default route)."""
    event = report(reporter, matter_name).event
    dispatch_event(as_actor(dispatcher), event.pk, **dispatch_kw)
    return reload(event)


def in_progress(reporter, matter_name: str, dispatcher, lead_user, **dispatch_kw) -> Event:
    event = dispatched(reporter, matter_name, dispatcher, **dispatch_kw)
    accept_event(as_actor(lead_user), event.pk)
    return reload(event)


def handled(reporter, matter_name: str, dispatcher, lead_user, **dispatch_kw) -> Event:
    event = in_progress(reporter, matter_name, dispatcher, lead_user, **dispatch_kw)
    finish_event(as_actor(lead_user), event.pk, "已清理完毕")
    return reload(event)


def closed(reporter, matter_name: str, dispatcher, lead_user, verifier, **dispatch_kw) -> Event:
    event = handled(reporter, matter_name, dispatcher, lead_user, **dispatch_kw)
    verify_event(as_actor(verifier), event.pk, passed=True)
    event = reload(event)
    assert event.state == EventState.CLOSED
    return event


@pytest.fixture
def garbage_in_progress(grid_worker, dispatcher_a, economy_handler_a):
    """暴露垃圾 reported by 东城's grid worker, dispatched to 经济生态平台, accepted by its handler."""
    return in_progress(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a)


@pytest.fixture
def garbage_closed(grid_worker, dispatcher_a, economy_handler_a):
    return closed(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a, grid_worker)


# -- reading what happened -------------------------------------------------------------------------


def steps(event: Event) -> list[tuple[str, str, str, str | None]]:
    """The event's history as (action, from_state, to_state, actor username)."""
    return [
        (h.action, h.from_state, h.to_state, h.actor.username if h.actor else None)
        for h in event.history.select_related("actor").order_by("at", "id")
    ]


def inbox(user, kind: str | None = None) -> list[Notification]:
    rows = Notification.objects.filter(user=user)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return list(rows)


# -- photos ----------------------------------------------------------------------------------------


def make_image(fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 160, 60)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def jpeg() -> bytes:
    """A tiny, valid JPEG."""
    return make_image("JPEG")


@pytest.fixture
def png() -> bytes:
    return make_image("PNG")
