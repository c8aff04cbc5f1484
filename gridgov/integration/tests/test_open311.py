"""Open311 GeoReport v2 at /open311/v2/: services, service definitions, posting a request through our
intake, reading requests back (public data only), the spec's defaults and error format, in JSON and
XML. Every test runs at Tuesday 2026-11-24 09:00 (Asia/Shanghai), an ordinary working moment."""

from datetime import datetime, timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from shapely.geometry import shape

from gridgov.accounts.choices import Role
from gridgov.accounts.models import Citizen, User
from gridgov.accounts.services import create_api_token, revoke_api_token
from gridgov.audit.actor import Actor
from gridgov.core import clock
from gridgov.events.choices import Channel, EventState
from gridgov.events.models import Event
from gridgov.events.services import (
    Report,
    accept_event,
    decide_request,
    dispatch_event,
    finish_event,
    merge_event,
    reject_event,
    report_event,
    request_parking,
    verify_event,
)
from gridgov.integration.open311.formats import parse_w3c
from gridgov.integration.open311.serialise import PRIVATE_NOTE, REJECTED_NOTE, mask_personal
from gridgov.matters.models import CatalogueVersion, Matter

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
TOWNSHIP_A = "330784001000"  # 东城街道
BASE = "/open311/v2"
OUTSIDE_THE_COUNTY = (31.23, 121.47)  # Shanghai (lat, long)
REQUEST_KEYS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "lat",
    "long",
}


@pytest.fixture(autouse=True)
def _pinned_at_tuesday_morning(time_machine):
    time_machine.move_to(TUESDAY_MORNING, tick=False)


@pytest.fixture
def api_key(county_dispatcher):
    """A token of the county centre's dispatcher, as `manage.py create_api_token` issues it."""
    return create_api_token(Actor.system("test"), county_dispatcher, "Open311 测试")[1]


@pytest.fixture
def point_a(first_grid):
    """(lat, long) surely inside the first grid of 东城街道."""
    point = shape(first_grid(TOWNSHIP_A).geometry).representative_point()
    return point.y, point.x


def current_matter(code: str) -> Matter:
    return Matter.objects.get(version=CatalogueVersion.objects.current(), code=code)


def public_codes() -> set[str]:
    return set(
        Matter.objects.filter(version=CatalogueVersion.objects.current(), public=True).values_list(
            "code", flat=True
        )
    )


def post(client: Client, fields: dict, fmt: str = "json", idempotency_key: str | None = None):
    """A form-encoded POST, as the spec defines it."""
    return client.post(
        f"{BASE}/requests.{fmt}",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers={"Idempotency-Key": idempotency_key} if idempotency_key else {},
    )


def report_fields(api_key, point, **extra) -> dict:
    lat, lon = point
    fields = {
        "api_key": api_key,
        "service_code": "SR01",
        "lat": lat,
        "long": lon,
        "description": "小区门口有一堆生活垃圾没人清理，散发臭味",
        "address_string": "东城街道某小区北门",
    }
    fields.update(extra)
    return {k: v for k, v in fields.items() if v is not None}


def created_number(response) -> str:
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert len(body) == 1
    return body[0]["service_request_id"]


def errors(response) -> list[dict]:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def xml_of(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def staff_report(user, code: str, point, text: str) -> Event:
    """A 12345 hotline report registered by staff (who may report staff-only matters too)."""
    lat, lon = point
    report = Report(channel=Channel.HOTLINE, description=text, lon=lon, lat=lat, matter_code=code)
    return report_event(Actor(user=user), report).event


def handler_of(unit) -> User:
    return User.objects.filter(unit=unit, role=Role.HANDLER).order_by("id").first()


# -- services --------------------------------------------------------------------------------------


def test_services_are_the_public_matters_of_the_current_catalogue(client):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    services = response.json()
    assert {s["service_code"] for s in services} == public_codes()
    assert "YQ01" not in {s["service_code"] for s in services}  # 外来人员未报备: staff only
    garbage = next(s for s in services if s["service_code"] == "SR01")
    matter = current_matter("SR01")
    assert garbage["service_name"] == matter.name == "暴露垃圾"
    assert garbage["group"] == matter.category_major
    assert garbage["metadata"] is False
    assert garbage["type"] == "realtime"
    assert garbage["keywords"].split(",") == matter.keywords
    assert matter.category_minor in garbage["description"]


def test_services_in_xml_list_the_same_services(client):
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert {s.findtext("service_code") for s in root.findall("service")} == public_codes()
    garbage = next(s for s in root.findall("service") if s.findtext("service_code") == "SR01")
    assert garbage.findtext("metadata") == "false"
    assert garbage.findtext("service_name") == "暴露垃圾"


def test_a_service_definition_has_no_attributes(client):
    assert client.get(f"{BASE}/services/SR01.json").json() == {"service_code": "SR01", "attributes": []}
    root = xml_of(client.get(f"{BASE}/services/SR01.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "SR01"
    assert list(root.find("attributes")) == []


@pytest.mark.parametrize("code", ["NOPE99", "YQ01"])
def test_an_unknown_or_staff_only_service_is_404_in_the_spec_error_format(client, code):
    response = client.get(f"{BASE}/services/{code}.json")
    assert response.status_code == 404
    [error] = errors(response)
    assert error["code"] == 404
    assert code in error["description"]
    root = xml_of(client.get(f"{BASE}/services/{code}.xml"))
    assert root.tag == "errors"
    assert root.find("error").findtext("code") == "404"
    assert "不接受公众上报" in root.find("error").findtext("description")


@pytest.mark.parametrize("jurisdiction", ["yongkang", "330784", "330784000000"])
def test_our_jurisdiction_ids_are_accepted(client, jurisdiction):
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": jurisdiction})
    assert response.status_code == 200


def test_another_jurisdiction_is_404(client):
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": "hangzhou"})
    assert response.status_code == 404
    assert "未知的 jurisdiction_id 'hangzhou'" in errors(response)[0]["description"]


def test_an_unsupported_format_is_refused_in_json(client):
    response = client.get(f"{BASE}/services.csv")
    assert response.status_code == 400
    assert errors(response) == [{"code": 400, "description": "不支持的格式 .csv，请使用 .json 或 .xml"}]


def test_a_method_the_resource_does_not_take_is_405(client):
    response = client.delete(f"{BASE}/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert errors(response)[0]["code"] == 405


def test_discovery_names_the_v2_endpoint_and_both_formats(client):
    document = client.get(f"{BASE}/discovery.json").json()
    [endpoint] = document["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == endpoint["formats"]


# -- posting a request -----------------------------------------------------------------------------


def test_a_post_with_a_phone_registers_a_citizen_event_through_intake(
    client, api_key, point_a, county_dispatcher
):
    response = post(client, report_fields(api_key, point_a, phone="139 0000 2222", first_name="张"))
    number = created_number(response)
    event = Event.objects.select_related("matter", "reporter_citizen", "grid").get(number=number)
    assert event.state == EventState.REPORTED
    assert event.channel == Channel.CITIZEN
    assert event.matter.code == "SR01"
    assert event.reporter_citizen.phone == "13900002222"
    assert event.reporter_user == county_dispatcher  # the API client it came through
    assert event.address == "东城街道某小区北门"
    assert event.grid.code.startswith(TOWNSHIP_A[:9])
    assert (round(event.lat, 6), round(event.lon, 6)) == (round(point_a[0], 6), round(point_a[1], 6))
    assert event.history.get().action == "report"
    [answer] = response.json()
    assert answer["account_id"] is None
    assert "东城街道" in answer["service_notice"]


def test_without_a_phone_the_api_client_is_the_reporter(client, api_key, point_a, county_dispatcher):
    before = Citizen.objects.count()
    event = Event.objects.get(number=created_number(post(client, report_fields(api_key, point_a))))
    assert event.reporter_citizen is None
    assert event.reporter_user == county_dispatcher
    assert event.channel == Channel.CITIZEN
    assert Citizen.objects.count() == before


def test_a_retry_with_the_same_idempotency_key_answers_the_first_request(client, api_key, point_a):
    fields = report_fields(api_key, point_a, phone="13900002223")
    first = created_number(post(client, fields, idempotency_key="app-7f3a"))
    count = Event.objects.count()
    again = created_number(post(client, fields, idempotency_key="app-7f3a"))
    assert again == first
    assert Event.objects.count() == count
    other = created_number(post(client, fields, idempotency_key="app-7f3b"))
    assert other != first


def test_post_answers_in_xml_when_asked(client, api_key, point_a):
    root = xml_of(post(client, report_fields(api_key, point_a), fmt="xml"))
    assert root.tag == "service_requests"
    number = root.find("request").findtext("service_request_id")
    assert Event.objects.filter(number=number, channel=Channel.CITIZEN).exists()


def test_post_needs_an_api_key_not_a_csrf_token(api_key, point_a):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, report_fields(api_key, point_a)).status_code == 200


@pytest.mark.parametrize(
    "key, message",
    [(None, "缺少 api_key"), ("", "缺少 api_key"), ("ggv_not-a-token", "api_key 无效")],
)
def test_post_without_or_with_a_wrong_api_key_is_403_and_registers_nothing(client, point_a, key, message):
    count = Event.objects.count()
    response = post(client, report_fields(key, point_a))
    assert response.status_code == 403
    [error] = errors(response)
    assert error["code"] == 403
    assert message in error["description"]
    assert Event.objects.count() == count


def test_a_revoked_api_key_is_403(client, county_dispatcher, point_a):
    token, raw = create_api_token(Actor.system("test"), county_dispatcher, "即将吊销")
    revoke_api_token(Actor.system("test"), token)
    response = post(client, report_fields(raw, point_a))
    assert response.status_code == 403


def test_a_staff_only_matter_is_refused(client, api_key, point_a):
    count = Event.objects.count()
    response = post(client, report_fields(api_key, point_a, service_code="YQ01"))
    assert response.status_code == 404
    assert "不接受公众上报" in errors(response)[0]["description"]
    assert Event.objects.count() == count


@pytest.mark.parametrize(
    "change, status, message",
    [
        ({"service_code": None}, 400, "缺少 service_code"),
        ({"service_code": "XX99"}, 404, "未知的 service_code 'XX99'"),
        ({"lat": None}, 400, "请提供位置：lat 与 long"),
        ({"long": ""}, 400, "请提供位置：lat 与 long"),
        ({"lat": "北纬28度"}, 400, "lat 不是有效的数字"),
        ({"long": "nan"}, 400, "long 超出范围"),
        ({"lat": "95"}, 400, "lat 超出范围"),
        ({"lat": OUTSIDE_THE_COUNTY[0], "long": OUTSIDE_THE_COUNTY[1]}, 400, "不在本县任何网格内"),
        ({"description": ""}, 400, "请填写事件描述"),
        ({"description": "  "}, 400, "请填写事件描述"),
        ({"description": "垃圾" * 1001}, 400, "事件描述不能超过 2000 字"),
        ({"address_string": "路" * 201}, 400, "地址不能超过 200 字"),
        ({"phone": "12345"}, 400, "phone 不是有效的中国大陆手机号"),
        ({"jurisdiction_id": "hangzhou"}, 404, "未知的 jurisdiction_id"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(
    client, api_key, point_a, change, status, message
):
    events, citizens = Event.objects.count(), Citizen.objects.count()
    fields = report_fields(api_key, point_a, phone="13900002224")
    fields.update(change)
    response = post(client, {k: v for k, v in fields.items() if v is not None})
    assert response.status_code == status
    [error] = errors(response)
    assert error["code"] == status
    assert message in error["description"]
    assert (Event.objects.count(), Citizen.objects.count()) == (events, citizens)


def test_a_refused_report_creates_no_citizen(client, api_key):
    response = post(client, report_fields(api_key, OUTSIDE_THE_COUNTY, phone="13900002225"))
    assert response.status_code == 400
    assert not Citizen.objects.filter(phone="13900002225").exists()


def test_a_blocked_citizen_cannot_report(client, api_key, point_a):
    Citizen.objects.create(phone="13900002226", is_blocked=True)
    response = post(client, report_fields(api_key, point_a, phone="13900002226"))
    assert response.status_code == 403
    assert "已停用" in errors(response)[0]["description"]


def test_a_citizen_reporting_too_often_is_told_when_to_try_again(
    client, api_key, point_a, settings, time_machine
):
    settings.OPEN311_CITIZEN_LIMIT_PER_HOUR = 2
    fields = report_fields(api_key, point_a, phone="13900002227")
    created_number(post(client, fields))
    time_machine.move_to(TUESDAY_MORNING + timedelta(minutes=10), tick=False)
    created_number(post(client, fields))
    response = post(client, fields)
    assert response.status_code == 429
    assert errors(response)[0]["description"] == "提交过于频繁：该手机号每小时最多上报 2 件，请 3000 秒后再试"
    time_machine.move_to(TUESDAY_MORNING + timedelta(minutes=61), tick=False)
    created_number(post(client, fields))  # the first one has aged out of the hour


def test_an_api_client_over_its_hourly_limit_is_refused(client, api_key, point_a, settings):
    settings.OPEN311_CLIENT_LIMIT_PER_HOUR = 1
    created_number(post(client, report_fields(api_key, point_a)))
    response = post(client, report_fields(api_key, point_a, phone="13900002228"))
    assert response.status_code == 429
    assert "该接口令牌每小时最多上报 1 件" in errors(response)[0]["description"]


# -- reading requests back -------------------------------------------------------------------------


def test_a_request_reads_back_with_public_fields_only(client, api_key, point_a):
    text = "垃圾堆在我家门口，电话 13912345678，身份证 330784199001011234 的人倒的"
    number = created_number(
        post(
            client,
            report_fields(
                api_key,
                point_a,
                description=text,
                phone="13900002229",
                first_name="李",
                last_name="雷",
                email="lilei@example.com",
                address_string="东城街道某小区3幢（联系 13912345678）",
            ),
        )
    )
    event = Event.objects.get(number=number)
    response = client.get(f"{BASE}/requests/{number}.json")
    assert response.status_code == 200
    [request] = response.json()
    assert set(request) == REQUEST_KEYS  # no media_url, no reporter, no channel
    assert request["description"] == "垃圾堆在我家门口，电话 139****5678，身份证 3307**********1234 的人倒的"
    assert request["address"] == "东城街道某小区3幢（联系 139****5678）"
    assert request["status"] == "open"
    assert request["status_notes"] == "待受理"
    assert request["service_code"] == "SR01"
    assert request["agency_responsible"] == event.owner_unit.name
    assert request["requested_datetime"] == "2026-11-24T09:00:00+08:00"
    assert request["updated_datetime"] == "2026-11-24T09:00:00+08:00"
    assert request["expected_datetime"] == event.stage_deadline.astimezone(SHANGHAI).isoformat(
        timespec="seconds"
    )
    assert (request["lat"], request["long"]) == (round(event.lat, 6), round(event.lon, 6))
    body = response.content.decode()
    for secret in ("13900002229", "13912345678", "330784199001011234", "李", "lilei", "county_dispatcher"):
        assert secret not in body


def test_a_closed_request_tells_its_outcome(client, api_key, point_a, dispatcher_a, time_machine):
    event = Event.objects.get(number=created_number(post(client, report_fields(api_key, point_a))))
    dispatch_event(Actor(user=dispatcher_a), event.pk)
    event.refresh_from_db()
    handler = handler_of(event.lead_unit)
    accept_event(Actor(user=handler), event.pk)
    finish_event(Actor(user=handler), event.pk, "已清理完毕，联系人 13811112222")
    time_machine.move_to(TUESDAY_MORNING + timedelta(hours=2), tick=False)
    verify_event(Actor(user=dispatcher_a), event.pk, passed=True)
    event.refresh_from_db()
    [request] = client.get(f"{BASE}/requests/{event.number}.json").json()
    assert request["status"] == "closed"
    assert request["status_notes"] == "已结案：已清理完毕，联系人 138****2222"
    assert request["agency_responsible"] == event.lead_unit.name
    assert request["expected_datetime"] is None
    assert request["requested_datetime"] == "2026-11-24T09:00:00+08:00"
    assert request["updated_datetime"] == "2026-11-24T11:00:00+08:00"  # when it was closed


def test_a_parked_request_is_open_without_an_expected_time(client, api_key, point_a, dispatcher_a):
    event = Event.objects.get(number=created_number(post(client, report_fields(api_key, point_a))))
    dispatch_event(Actor(user=dispatcher_a), event.pk)
    event.refresh_from_db()
    handler = handler_of(event.lead_unit)
    accept_event(Actor(user=handler), event.pk)
    parking = request_parking(
        Actor(user=handler), event.pk, "需等汛期过后清淤", TUESDAY_MORNING + timedelta(days=30)
    )
    decide_request(Actor(user=dispatcher_a), parking.pk, approve=True)
    [request] = client.get(f"{BASE}/requests/{event.number}.json").json()
    assert (request["status"], request["status_notes"]) == ("open", "挂账")
    assert request["expected_datetime"] is None


def test_a_merged_request_names_the_request_it_joined(client, api_key, point_a, dispatcher_a):
    first = Event.objects.get(number=created_number(post(client, report_fields(api_key, point_a))))
    second = Event.objects.get(number=created_number(post(client, report_fields(api_key, point_a))))
    merge_event(Actor(user=dispatcher_a), second.pk, first.pk)
    [request] = client.get(f"{BASE}/requests/{second.number}.json").json()
    assert request["status"] == "closed"
    assert request["status_notes"] == f"已合并：与 {first.number} 合并办理"


def test_a_rejected_request_keeps_its_reason_but_not_its_text(client, api_key, point_a, dispatcher_a):
    event = Event.objects.get(number=created_number(post(client, report_fields(api_key, point_a))))
    reject_event(Actor(user=dispatcher_a), event.pk, "经核实不属于受理范围")
    [request] = client.get(f"{BASE}/requests/{event.number}.json").json()
    assert request["status_notes"] == "不予受理：经核实不属于受理范围"
    assert request["description"] == REJECTED_NOTE
    assert request["address"] == ""
    assert (request["lat"], request["long"]) == (round(point_a[0], 2), round(point_a[1], 2))


def test_matters_about_persons_are_published_without_text_or_exact_place(client, api_key, point_a):
    text = "隔壁王家两兄弟因为宅基地吵架，天天闹"
    number = created_number(
        post(client, report_fields(api_key, point_a, service_code="PA01", description=text))
    )
    [request] = client.get(f"{BASE}/requests/{number}.json").json()
    assert request["service_name"] == "邻里纠纷"
    assert request["description"] == PRIVATE_NOTE
    assert request["address"] == ""
    assert (request["lat"], request["long"]) == (round(point_a[0], 2), round(point_a[1], 2))
    assert "王家" not in client.get(f"{BASE}/requests.json").content.decode()


def test_events_of_staff_only_matters_are_not_published(client, county_dispatcher, point_a):
    secret = staff_report(county_dispatcher, "YQ01", point_a, "某出租房新来三名外地人员未报备")
    response = client.get(f"{BASE}/requests/{secret.number}.json")
    assert response.status_code == 404
    assert errors(response)[0]["description"] == f"未找到服务请求 {secret.number}"
    assert secret.number not in client.get(f"{BASE}/requests.json").content.decode()
    listed = client.get(f"{BASE}/requests.json", {"service_request_id": secret.number}).json()
    assert listed == []


def test_a_request_reads_the_same_in_xml(client, api_key, point_a):
    number = created_number(post(client, report_fields(api_key, point_a)))
    [as_json] = client.get(f"{BASE}/requests/{number}.json").json()
    root = xml_of(client.get(f"{BASE}/requests/{number}.xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert {child.tag for child in request} == REQUEST_KEYS
    for key in ("service_request_id", "status", "status_notes", "description", "requested_datetime"):
        assert request.findtext(key) == as_json[key]
    assert float(request.findtext("lat")) == as_json["lat"]
    assert request.find("service_notice").text is None  # an empty element for null


def test_an_unknown_request_and_any_token_are_404(client):
    assert client.get(f"{BASE}/requests/YK20990101999999.json").status_code == 404
    response = client.get(f"{BASE}/tokens/abc123.json")
    assert response.status_code == 404
    assert "service_request_id" in errors(response)[0]["description"]


# -- GET requests: filters and the spec's defaults -------------------------------------------------


def test_requests_filter_by_service_code_and_status(client, api_key, point_a, dispatcher_a):
    garbage = created_number(post(client, report_fields(api_key, point_a, service_code="SR01")))
    lamp = created_number(
        post(client, report_fields(api_key, point_a, service_code="SS01", description="路灯不亮"))
    )
    rejected = Event.objects.get(number=created_number(post(client, report_fields(api_key, point_a))))
    reject_event(Actor(user=dispatcher_a), rejected.pk, "重复上报")

    def numbers(**params):
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content.decode()
        return [r["service_request_id"] for r in response.json()]

    by_code = numbers(service_code="SR01,SS01")
    assert {garbage, lamp, rejected.number} <= set(by_code)
    assert {
        r["service_code"] for r in client.get(f"{BASE}/requests.json", {"service_code": "SS01"}).json()
    } == {"SS01"}
    open_ones = numbers(service_code="SR01", status="open")
    assert garbage in open_ones and rejected.number not in open_ones
    closed_ones = numbers(service_code="SR01", status="closed")
    assert rejected.number in closed_ones and garbage not in closed_ones
    assert set(numbers(service_code="SR01", status="open,closed")) == set(numbers(service_code="SR01"))


def test_service_request_ids_override_the_other_filters(client, api_key, point_a):
    first = created_number(post(client, report_fields(api_key, point_a)))
    second = created_number(post(client, report_fields(api_key, point_a)))
    params = {
        "service_request_id": f"{first},{second},YK20990101999999",
        "status": "closed",
        "service_code": "SS01",
    }
    listed = client.get(f"{BASE}/requests.json", params).json()
    assert [r["service_request_id"] for r in listed] == [second, first]  # newest first


@pytest.mark.parametrize(
    "params, status, message",
    [
        ({"status": "pending"}, 400, "status 只能是 open 或 closed"),
        ({"service_code": "SR01,XX99"}, 404, "未知的 service_code：XX99"),
        ({"service_code": "YQ01"}, 404, "未知的 service_code：YQ01"),
        ({"start_date": "昨天"}, 400, "start_date 格式不正确"),
        ({"end_date": "2026-13-45T00:00:00Z"}, 400, "end_date 不是有效的日期时间"),
        (
            {"start_date": "2026-11-20T00:00:00+08:00", "end_date": "2026-11-01T00:00:00+08:00"},
            400,
            "不能晚于",
        ),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, 400, "不能超过 90 天"),
        ({"jurisdiction_id": "jinhua"}, 404, "未知的 jurisdiction_id"),
    ],
)
def test_bad_request_filters_get_a_clear_message(client, params, status, message):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == status
    assert message in errors(response)[0]["description"]


def test_without_dates_only_the_last_90_days_are_listed(client, county_dispatcher, point_a):
    with clock.at(TUESDAY_MORNING - timedelta(days=100)):
        old = staff_report(county_dispatcher, "SR01", point_a, "一百天前的暴露垃圾")
    with clock.at(TUESDAY_MORNING - timedelta(days=80)):
        recent = staff_report(county_dispatcher, "SR01", point_a, "八十天前的暴露垃圾")

    def numbers(**params):
        return {r["service_request_id"] for r in client.get(f"{BASE}/requests.json", params).json()}

    by_default = numbers(service_code="SR01")
    assert recent.number in by_default and old.number not in by_default
    august = numbers(
        service_code="SR01", start_date="2026-08-01T00:00:00+08:00", end_date="2026-08-31T00:00:00+08:00"
    )
    assert old.number in august and recent.number not in august
    # Only a start: the 90 days from it (Aug 10 → Nov 8 holds both); only an end: the 90 days before it.
    assert {old.number, recent.number} <= numbers(service_code="SR01", start_date="2026-08-10")
    assert numbers(service_code="SR01", end_date="2026-08-20") & {old.number, recent.number} == {old.number}


def test_at_most_1000_requests_are_answered_newest_first_in_few_queries(
    client, county_dispatcher, point_a, django_assert_num_queries
):
    template = staff_report(county_dispatcher, "SR01", point_a, "批量的暴露垃圾")
    values = {
        f.attname: getattr(template, f.attname) for f in Event._meta.concrete_fields if not f.primary_key
    }
    values["idempotency_key"] = None
    Event.objects.bulk_create(
        Event(**{**values, "number": f"T{i:08d}", "reported_at": template.reported_at - timedelta(minutes=i)})
        for i in range(1, 1006)
    )
    with django_assert_num_queries(1):
        response = client.get(f"{BASE}/requests.json")
    listed = response.json()
    assert len(listed) == 1000
    assert listed[0]["service_request_id"] == template.number
    times = [r["requested_datetime"] for r in listed]
    assert times == sorted(times, reverse=True)
    with django_assert_num_queries(1):
        assert len(xml_of(client.get(f"{BASE}/requests.xml")).findall("request")) == 1000


# -- the small pieces --------------------------------------------------------------------------------


def test_personal_numbers_are_masked_and_other_numbers_are_kept():
    assert mask_personal("电话13812345678") == "电话138****5678"
    assert mask_personal("身份证33078419900101123X") == "身份证3307**********123X"
    assert (
        mask_personal("约3平方，20辆，订单号 202611240000123456789")
        == "约3平方，20辆，订单号 202611240000123456789"
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-01T00:00:00Z", datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)),
        ("2026-11-01T08:00:00+08:00", datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)),
        ("2026-11-01T08:00:00 08:00", datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)),  # an unencoded +
        ("2026-11-01", datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI)),
        ("2026-11-01T08:00", datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)),
    ],
)
def test_w3c_datetimes_are_read_with_beijing_time_as_the_default_offset(text, expected):
    assert parse_w3c("start_date", text) == expected


def test_a_township_token_cannot_report_in_another_township(client, dispatcher_a, first_grid):
    """The API client's own jurisdiction still applies: 东城's token reports only in 东城."""
    raw = create_api_token(Actor.system("test"), dispatcher_a, "东城对接")[1]
    point = shape(first_grid("330784002000").geometry).representative_point()  # 西城街道
    count = Event.objects.count()
    response = post(client, report_fields(raw, (point.y, point.x)))
    assert response.status_code == 400
    assert errors(response)[0]["description"] == "该位置不在您的管辖范围内，请转交属地上报"
    assert Event.objects.count() == count


def test_api_key_and_jurisdiction_may_come_in_the_query_string_of_a_post(client, api_key, point_a):
    fields = report_fields(None, point_a)
    response = client.post(
        f"{BASE}/requests.json?{urlencode({'api_key': api_key, 'jurisdiction_id': 'yongkang'})}",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )
    assert Event.objects.filter(number=created_number(response)).exists()
