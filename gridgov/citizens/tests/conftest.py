"""Citizens, signed-in test clients and events walked along the loop for the citizen side.

Time is pinned at a working moment (Tue 2026-11-24 09:00, Asia/Shanghai) as in the event engine's
tests; a test lets time pass with `time_machine.move_to(...)`.
"""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image
from shapely.geometry import shape

from gridgov.accounts.models import Citizen, Unit, User
from gridgov.audit.actor import Actor
from gridgov.events import notify
from gridgov.events.choices import EventState
from gridgov.events.models import Event
from gridgov.events.services import (
    Report,
    accept_event,
    dispatch_event,
    finish_event,
    merge_event,
    report_event,
    verify_event,
)
from gridgov.matters.models import CatalogueVersion, Matter
from gridgov.regions.choices import Level
from gridgov.regions.models import Region

from ..session import CITIZEN_ID

TOWNSHIP_A = "330784001000"  # 东城街道
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GARBAGE_TEXT = "小区门口有一堆生活垃圾没人清理，散发臭味"


@pytest.fixture(autouse=True)
def _pinned_at_tuesday_morning(time_machine):
    time_machine.move_to(TUESDAY_MORNING, tick=False)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_unit_actors():
    notify.forget_actors()
    yield
    notify.forget_actors()


@pytest.fixture
def citizen(db):
    return Citizen.objects.get_or_create(phone="13900000001")[0]


@pytest.fixture
def other_citizen(db):
    return Citizen.objects.get_or_create(phone="13900000002")[0]


def signed_in(citizen: Citizen, client: Client | None = None) -> Client:
    """A test client whose session holds the citizen, as after a successful sign-in."""
    client = client or Client()
    session = client.session
    session[CITIZEN_ID] = citizen.pk
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


@pytest.fixture
def citizen_client(citizen):
    return signed_in(citizen)


@pytest.fixture
def other_client(other_citizen):
    return signed_in(other_citizen)


# -- places, matters, photos -----------------------------------------------------------------------


def first_grid_of(township: str = TOWNSHIP_A) -> Region:
    return Region.objects.filter(level=Level.GRID, code__startswith=township[:9]).order_by("key").first()


def point_in(grid: Region) -> tuple[float, float]:
    point = shape(grid.geometry).representative_point()
    return point.x, point.y


def matter(name: str) -> Matter:
    return Matter.objects.get(version=CatalogueVersion.objects.current(), name=name)


def make_image(fmt: str = "JPEG", colour=(30, 160, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, fmt)
    return buffer.getvalue()


# -- events of a citizen, walked along the loop by staff -------------------------------------------


def user(username: str) -> User:
    return User.objects.select_related("unit__territory").get(username=username)


def handler_of_economy_platform_a() -> User:
    """The handler of 东城街道经济生态平台, the lead unit for 暴露垃圾 in 东城."""
    return (
        User.objects.select_related("unit__territory")
        .filter(unit__code="t001-platform-2")
        .order_by("id")
        .first()
    )


def citizen_report(citizen: Citizen, matter_name: str = "暴露垃圾", text: str = GARBAGE_TEXT, **kw) -> Event:
    lon, lat = point_in(first_grid_of())
    report = Report(
        channel="citizen",
        description=text,
        lon=lon,
        lat=lat,
        matter_code=matter(matter_name).code,
        **kw,
    )
    return report_event(Actor(label=f"citizen:{citizen.phone}"), report, citizen=citizen).event


def closed_report(citizen: Citizen, **kw) -> Event:
    """A citizen's 暴露垃圾 report, dispatched, handled with an internal note and closed."""
    event = citizen_report(citizen, **kw)
    dispatcher = user("dongcheng_dispatcher")
    handler = handler_of_economy_platform_a()
    dispatch_event(Actor(user=dispatcher), event.pk)
    accept_event(Actor(user=handler), event.pk)
    finish_event(Actor(user=handler), event.pk, "内部备注：张三带两名环卫工清理")
    verify_event(Actor(user=dispatcher), event.pk, passed=True)
    event = Event.objects.get(pk=event.pk)
    assert event.state == EventState.CLOSED
    return event


def merged_into_another(citizen: Citizen, other_reporter: Citizen) -> tuple[Event, Event]:
    """The citizen's report merged by the dispatcher into another citizen's earlier one."""
    target = citizen_report(other_reporter)
    duplicate = citizen_report(citizen, text="小区门口的垃圾堆还在，一直没有人清理")
    merge_event(Actor(user=user("dongcheng_dispatcher")), duplicate.pk, target.pk, "同一堆垃圾")
    return Event.objects.get(pk=duplicate.pk), Event.objects.get(pk=target.pk)


def lead_unit_name(event: Event) -> str:
    return Unit.objects.get(pk=event.lead_unit_id).name
