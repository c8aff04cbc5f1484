"""Open311 as an outside developer meets it: a GeoReport v2 client library from PyPI speaking real HTTP
to the live server.

The library is civicbot 0.4.0 (`civicbot.open311.Open311Client`, stdlib HTTP, JSON): the only
Python 3 Open311 client on PyPI that can also POST a request (`georeport` 0.3.1 only reads, `open311`
1.1 and `three` 0.8.0 are Python 2 only). It speaks JSON only, so XML is checked over real HTTP with
urllib and ElementTree.

`live_server` makes these tests transactional: the database is flushed after each one, so
`_demo_county` re-seeds the small county when a previous test wiped it (as tests/browser does).
"""

import io
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from civicbot import Endpoint, HttpError, HttpTransport, Open311Client
from civicbot.http import RateLimiter
from django.core.management import call_command
from shapely.geometry import shape

from gridgov.accounts.models import Citizen, User
from gridgov.accounts.services import create_api_token
from gridgov.audit.actor import Actor
from gridgov.events.choices import Channel
from gridgov.events.models import Event
from gridgov.matters.models import CatalogueVersion, Matter
from gridgov.regions.choices import Level
from gridgov.regions.models import Region

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
TOWNSHIP_A = "330784001000"  # 东城街道


@pytest.fixture(autouse=True)
def _demo_county(transactional_db, live_server):
    if not User.objects.filter(username="county_dispatcher").exists():
        call_command("seed_demo", "--scale", "small", "--quiet-logins", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _at_tuesday_morning(time_machine):
    # Time runs (the server answers in its own thread), from an ordinary working moment.
    time_machine.move_to(TUESDAY_MORNING, tick=True)


@pytest.fixture
def api_key():
    user = User.objects.get(username="county_dispatcher")
    return create_api_token(Actor.system("test"), user, "Open311 客户端")[1]


@pytest.fixture
def base_url(live_server):
    return f"{live_server.url}/open311/v2"


@pytest.fixture
def library(base_url):
    """The library's client for our endpoint, as a developer would configure it (no politeness delay)."""
    endpoint = Endpoint(id="yongkang", name="永康市基层治理平台", base_url=base_url, write=True)
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return Open311Client(endpoint, transport=transport, jurisdiction_id="yongkang")


@pytest.fixture
def point_a():
    grid = Region.objects.filter(level=Level.GRID, code__startswith=TOWNSHIP_A[:9]).order_by("key").first()
    point = shape(grid.geometry).representative_point()
    return point.y, point.x


def public_codes() -> set[str]:
    matters = Matter.objects.filter(version=CatalogueVersion.objects.current(), public=True)
    return set(matters.values_list("code", flat=True))


def file_request(library, api_key, point, **kwargs):
    lat, lng = point
    kwargs.setdefault("description", "小区门口有一堆生活垃圾没人清理，散发臭味")
    prepared = library.create_request(
        kwargs.pop("service_code", "SR01"),
        dry_run=False,
        confirm="SEND",
        api_key=api_key,
        lat=lat,
        lng=lng,
        **kwargs,
    )
    [answer] = prepared.response
    return answer["service_request_id"]


def test_a_developer_lists_services_posts_a_request_follows_it_and_reads_refusals(library, api_key, point_a):
    """One developer session through the library (one test: each live-server test re-seeds the county)."""
    services = library.list_services()
    assert {s["service_code"] for s in services} == public_codes()
    assert "YQ01" not in {s["service_code"] for s in services}
    assert library.get_service_definition("SR01") == {"service_code": "SR01", "attributes": []}

    number = file_request(
        library,
        api_key,
        point_a,
        validate_remote=True,  # the library checks the code against our live service list first
        address_string="东城街道某小区北门",
        phone="13900003333",
        first_name="王",
        last_name="芳",
    )
    event = Event.objects.select_related("reporter_citizen", "matter").get(number=number)
    assert event.channel == Channel.CITIZEN
    assert event.matter.code == "SR01"
    assert event.reporter_citizen == Citizen.objects.get(phone="13900003333")

    request = library.get_request(number)
    assert request["service_request_id"] == number
    assert request["status"] == "open"
    assert request["service_name"] == "暴露垃圾"
    assert request["address"] == "东城街道某小区北门"
    assert request["requested_datetime"].startswith("2026-11-24T09:0")
    assert request["requested_datetime"].endswith("+08:00")
    assert "13900003333" not in json.dumps(request) and "王" not in json.dumps(request)

    assert [r["service_request_id"] for r in library.list_requests(service_request_ids=[number])] == [number]
    open_garbage = library.list_requests(service_code="SR01", status="open")
    assert number in {r["service_request_id"] for r in open_garbage}
    assert number not in {r["service_request_id"] for r in library.list_requests(status="closed")}
    since = (TUESDAY_MORNING - timedelta(days=1)).isoformat()
    assert number in {r["service_request_id"] for r in library.list_requests(start_date=since)}
    long_ago = library.list_requests(
        start_date="2026-06-01T00:00:00+08:00", end_date="2026-07-01T00:00:00+08:00"
    )
    assert number not in {r["service_request_id"] for r in long_ago}

    # What goes wrong reaches the library as the spec's error list, with a clear message.
    with pytest.raises(HttpError) as refused:
        file_request(library, "ggv_wrong-key", point_a)
    assert refused.value.status == 403
    assert json.loads(refused.value.body)[0]["code"] == 403

    with pytest.raises(HttpError) as outside:
        file_request(library, api_key, (31.23, 121.47))  # Shanghai
    assert outside.value.status == 400
    assert "不在本县任何网格内" in json.loads(outside.value.body)[0]["description"]

    with pytest.raises(HttpError) as staff_only:
        library.get_service_definition("YQ01")
    assert staff_only.value.status == 404

    with pytest.raises(HttpError) as bad_status:
        library.list_requests(status="pending")
    assert bad_status.value.status == 400

    with pytest.raises(HttpError) as token:
        library.get_token("no-such-token")
    assert token.value.status == 404
    assert (
        Event.objects.filter(channel=Channel.CITIZEN, reporter_user__username="county_dispatcher").count()
        == 1
    )


def test_an_xml_client_lists_posts_reads_back_and_is_refused_over_real_http(base_url, api_key, point_a):
    """The XML side (the library speaks JSON only), read with the standard library as any XML
    client would."""
    with urllib.request.urlopen(f"{base_url}/services.xml?jurisdiction_id=330784") as response:
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        services = ET.fromstring(response.read())
    assert {s.findtext("service_code") for s in services.findall("service")} == public_codes()

    lat, lng = point_a
    form = {"api_key": api_key, "service_code": "SS01", "lat": lat, "long": lng, "description": "路灯不亮了"}
    posted = urllib.request.Request(
        f"{base_url}/requests.xml", data=urllib.parse.urlencode(form).encode(), method="POST"
    )
    with urllib.request.urlopen(posted) as response:
        number = ET.fromstring(response.read()).find("request").findtext("service_request_id")
    assert Event.objects.filter(number=number, matter__code="SS01").exists()

    with urllib.request.urlopen(f"{base_url}/requests/{number}.xml") as response:
        request = ET.fromstring(response.read()).find("request")
    assert request.findtext("status") == "open"
    assert request.findtext("description") == "路灯不亮了"

    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base_url}/requests/YK20990101999999.xml")
    error = ET.fromstring(missing.value.read())
    assert missing.value.code == 404
    assert error.tag == "errors" and error.find("error").findtext("code") == "404"
