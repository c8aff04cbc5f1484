"""The events API: intake with suggestions and duplicates, the whole loop driven by the right
persona at each step, lists within jurisdiction, 404 for anything out of scope, clear 401/403/409/422
answers, photos and the notification inbox (ARCHITECTURE rule 9)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from shapely.geometry import shape

from gridgov.audit.actor import Actor
from gridgov.core.api import api
from gridgov.events.choices import EventState
from gridgov.events.models import Event, EventHistory, EventRequest, Notification, SupervisionOrder
from gridgov.events.services import (
    Report,
    accept_event,
    dispatch_event,
    issue_supervision,
    report_event,
    request_extension,
)
from gridgov.workcal.calendar import invalidate_cache

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 6, 10, 10, 0, tzinfo=TZ)  # an ordinary working morning
TOWNSHIP_A = "330784001000"
TOWNSHIP_B = "330784002000"
EVENTS = "/api/v1/events"
PARKING = "小区门口非机动车乱停放，堵住了人行道"  # JM04 非机动车乱停放 → 东城街道平安法治平台
GARBAGE = "小区门口马路边有人乱倒生活垃圾，堆了一大堆没人清理，臭气熏天"


@pytest.fixture(autouse=True)
def clock():
    """Pinned, so that working-time deadlines are exact and inside the calendar's years."""
    invalidate_cache()
    with time_machine.travel(WEDNESDAY, tick=False) as traveller:
        yield traveller
    invalidate_cache()


@pytest.fixture(autouse=True)
def _no_stale_unit_actors():
    """notify.actors_of caches each unit's people per process for 30 s; forget what earlier tests
    (rolled back since) cached, so that nobody from another test is notified here."""
    from gridgov.events import notify

    getattr(notify, "_actors", {}).clear()
    yield
    getattr(notify, "_actors", {}).clear()


@pytest.fixture(autouse=True)
def _photos_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def as_actor(user) -> Actor:
    return Actor(user=user, label=str(user))


def point_of(user_or_grid) -> tuple[float, float]:
    grid = getattr(getattr(user_or_grid, "unit", None), "territory", None) or user_or_grid
    point = shape(grid.geometry).representative_point()
    return point.x, point.y


def intake(where, description: str = PARKING, **extra) -> dict:
    lon, lat = point_of(where)
    return {"channel": "grid_patrol", "description": description, "lon": lon, "lat": lat, **extra}


def post(client, path: str, body: dict | None = None, **headers):
    return client.post(path, body if body is not None else {}, content_type="application/json", **headers)


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def event_a(grid_worker) -> Event:
    """非机动车乱停放 reported by 东城's grid worker (township A), waiting at the command room."""
    lon, lat = point_of(grid_worker)
    report = Report(channel="grid_patrol", description=PARKING, lon=lon, lat=lat, matter_code="JM04")
    return report_event(as_actor(grid_worker), report).event


@pytest.fixture
def event_b(grid_worker_b) -> Event:
    lon, lat = point_of(grid_worker_b)
    report = Report(channel="grid_patrol", description=PARKING, lon=lon, lat=lat, matter_code="JM04")
    return report_event(as_actor(grid_worker_b), report).event


# --- intake --------------------------------------------------------------------------------------


def test_a_grid_worker_reports_an_event_and_gets_its_number_suggestions_and_duplicates(
    client_for, grid_worker
):
    client = client_for(grid_worker)
    response = post(client, EVENTS, intake(grid_worker, GARBAGE))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert body["event"]["number"].startswith("YK20260610")
    assert body["event"]["state"] == EventState.REPORTED
    suggestions = body["suggestions"]
    assert 1 <= len(suggestions) <= 3
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores, reverse=True)  # best first
    assert suggestions[0]["code"] in {"SR01", "SR02"}  # 暴露垃圾 / 垃圾满溢
    assert body["event"]["matter_code"] == suggestions[0]["code"]
    assert body["duplicates"] == []

    again = post(client, EVENTS, intake(grid_worker, GARBAGE + "，请尽快处理"))
    assert again.status_code == 201
    assert [d["number"] for d in again.json()["duplicates"]] == [body["event"]["number"]]


def test_retrying_with_the_same_idempotency_key_returns_the_first_event(client_for, grid_worker):
    client = client_for(grid_worker)
    first = post(client, EVENTS, intake(grid_worker), HTTP_IDEMPOTENCY_KEY="phone-42-report-7")
    retry = post(client, EVENTS, intake(grid_worker), HTTP_IDEMPOTENCY_KEY="phone-42-report-7")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["created"] is False
    assert retry.json()["event"]["number"] == first.json()["event"]["number"]
    assert Event.objects.filter(idempotency_key__endswith=":phone-42-report-7").count() == 1


def test_the_whole_loop_runs_through_the_api_with_the_right_persona_at_each_step(
    client_for, grid_worker, dispatcher_a, platform_handler_a
):
    worker, dispatcher, handler = (client_for(u) for u in (grid_worker, dispatcher_a, platform_handler_a))
    number = post(worker, EVENTS, intake(grid_worker, matter_code="JM04")).json()["event"]["number"]
    url = f"{EVENTS}/{number}"

    steps = [
        (dispatcher, "dispatch", {}, EventState.DISPATCHED),
        (handler, "accept", None, EventState.IN_PROGRESS),
        (handler, "finish", {"note": "已劝导车主将车辆挪入停车区"}, EventState.HANDLED),
        (worker, "verify", {"passed": True}, EventState.CLOSED),  # may close at grid level
        (worker, "rate", {"rating": "satisfied", "comment": "处理很快"}, EventState.CLOSED),
    ]
    for client, action, body, state in steps:
        response = post(client, f"{url}/{action}", body)
        assert response.status_code == 200, (action, response.content)
        assert response.json()["state"] == state, action

    detail = client_for(dispatcher_a).get(url)
    assert detail.status_code == 200
    body = detail.json()
    history = [(h["action"], h["from_state"], h["to_state"], h["unit"]) for h in body["history"]]
    assert history == [
        ("report", "reported", "reported", grid_worker.unit.name),
        ("dispatch", "reported", "dispatched", "东城街道综合信息指挥室"),
        ("accept", "dispatched", "in_progress", "东城街道平安法治平台"),
        ("finish", "in_progress", "handled", "东城街道平安法治平台"),
        ("close", "handled", "closed", grid_worker.unit.name),
        ("rate", "closed", "closed", None),
    ]
    assert body["rating"] == "satisfied"
    assert [(a["unit_code"], a["role"], a["state"]) for a in body["assignments"]] == [
        ("t001-platform-3", "lead", "done")
    ]
    assert EventHistory.objects.filter(event__number=number).count() == len(body["history"])


# --- lists within jurisdiction ---------------------------------------------------------------------


def test_the_list_shows_a_township_dispatcher_only_their_township(
    client_for, dispatcher_a, dispatcher_b, county_dispatcher, event_a, event_b
):
    mine = client_for(dispatcher_a).get(EVENTS).json()
    assert [e["number"] for e in mine["items"]] == [event_a.number]
    assert mine["count"] == 1
    theirs = client_for(dispatcher_b).get(EVENTS).json()
    assert [e["number"] for e in theirs["items"]] == [event_b.number]
    everyone = client_for(county_dispatcher).get(EVENTS).json()
    assert {e["number"] for e in everyone["items"]} == {event_a.number, event_b.number}
    # Asking for the other township by filter does not widen the scope.
    other = client_for(dispatcher_a).get(EVENTS, {"township": TOWNSHIP_B}).json()
    assert other["items"] == []


def test_the_list_filters_by_state_matter_open_and_overdue_and_pages(
    client_for, grid_worker, dispatcher_a, clock
):
    actor = as_actor(grid_worker)
    lon, lat = point_of(grid_worker)
    events = []
    for minute, (code, text) in enumerate(
        [("JM04", PARKING), ("JM04", PARKING + "（二）"), ("SR01", GARBAGE), ("AQ02", "楼道里电动车充电")]
    ):
        clock.move_to(WEDNESDAY.replace(minute=minute))
        report = Report(channel="grid_patrol", description=text, lon=lon, lat=lat, matter_code=code)
        events.append(report_event(actor, report).event)
    dispatch_event(as_actor(dispatcher_a), events[0].pk)
    Event.objects.filter(pk=events[1].pk).update(overdue=True)
    Event.objects.filter(pk=events[3].pk).update(state=EventState.CLOSED)
    client = client_for(dispatcher_a)

    def numbers(**params):
        response = client.get(EVENTS, params)
        assert response.status_code == 200, response.content
        return [e["number"] for e in response.json()["items"]]

    newest_first = [e.number for e in reversed(events)]
    assert numbers() == newest_first
    assert numbers(state="dispatched") == [events[0].number]
    assert numbers(matter="JM04") == [events[1].number, events[0].number]
    assert numbers(open_only="true") == newest_first[1:]
    assert numbers(overdue="true") == [events[1].number]
    assert numbers(limit=2) == newest_first[:2]
    assert numbers(limit=2, offset=2) == newest_first[2:]
    assert client.get(EVENTS, {"limit": 2}).json()["count"] == 4


# --- out of scope: 404, never a hint ---------------------------------------------------------------


@pytest.fixture
def busy_event_a(event_a, dispatcher_a, platform_handler_a, county_dispatcher):
    """Township A's event, dispatched and accepted, with a pending extension and a supervision order."""
    dispatch_event(as_actor(dispatcher_a), event_a.pk)
    accept_event(as_actor(platform_handler_a), event_a.pk)
    request_extension(as_actor(platform_handler_a), event_a.pk, "1d", "等待业主")
    issue_supervision(as_actor(county_dispatcher), event_a.pk, "请今日内处理完毕", "4h")
    event_a.refresh_from_db()
    return event_a


TRANSITIONS = [
    ("dispatch", {}),
    ("escalate", {"reason": "超出乡镇能力"}),
    ("accept", None),
    ("return", {"reason": "派错了"}),
    ("finish", {"note": "已处理"}),
    ("resolve-on-spot", {"note": "已处理"}),
    ("verify", {"passed": True}),
    ("rate", {"rating": "satisfied"}),
    ("reopen", {"reason": "不满意"}),
    ("merge", {"into": "{number}"}),
    ("reject", {"reason": "不是问题"}),
    ("extension", {"amount": "1d", "reason": "等待"}),
    ("parking", {"reason": "季节性"}),
    ("unpark", {"reason": "恢复"}),
    ("supervise", {"instructions": "马上处理", "within": "4h"}),
]


@pytest.mark.parametrize(("action", "body"), TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_township_b_cannot_touch_township_a_s_event(client_for, dispatcher_b, busy_event_a, action, body):
    before = (busy_event_a.state, busy_event_a.revision, busy_event_a.history.count())
    if body and body.get("into"):
        body = {"into": busy_event_a.number}

    response = post(client_for(dispatcher_b), f"{EVENTS}/{busy_event_a.number}/{action}", body)

    assert response.status_code == 404, response.content
    assert busy_event_a.number not in response.content.decode()
    assert PARKING not in response.content.decode()
    busy_event_a.refresh_from_db()
    assert (busy_event_a.state, busy_event_a.revision, busy_event_a.history.count()) == before


def test_township_b_gets_404_for_detail_photos_requests_and_supervision_of_township_a(
    client_for, dispatcher_b, busy_event_a
):
    client = client_for(dispatcher_b)
    request = EventRequest.objects.get(event=busy_event_a)
    order = SupervisionOrder.objects.get(event=busy_event_a)
    photo = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")

    responses = [
        client.get(f"{EVENTS}/{busy_event_a.number}"),
        client.post(f"{EVENTS}/{busy_event_a.number}/photos", {"kind": "report", "file": photo}),
        post(client, f"{EVENTS}/requests/{request.pk}/decide", {"approve": True}),
        post(client, f"{EVENTS}/supervision/{order.pk}/answer", {"response": "已处理"}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    for response in responses:
        assert busy_event_a.number not in response.content.decode()
    request.refresh_from_db()
    order.refresh_from_db()
    assert (request.state, order.state) == ("pending", "open")
    assert not busy_event_a.photos.exists()
    assert client.get(EVENTS).json()["items"] == []


def test_unknown_objects_answer_404(client_for, dispatcher_a):
    client = client_for(dispatcher_a)
    assert client.get(f"{EVENTS}/YK20260610999999").status_code == 404
    assert post(client, f"{EVENTS}/YK20260610999999/dispatch", {}).status_code == 404
    assert post(client, f"{EVENTS}/requests/999999/decide", {"approve": True}).status_code == 404
    assert post(client, f"{EVENTS}/supervision/999999/answer", {"response": "x"}).status_code == 404


def test_without_logging_in_every_endpoint_answers_401(event_a):
    anonymous = Client()
    responses = [
        anonymous.get(EVENTS),
        anonymous.get(f"{EVENTS}/{event_a.number}"),
        post(anonymous, EVENTS, intake(event_a.grid)),
        post(anonymous, f"{EVENTS}/{event_a.number}/dispatch", {}),
        anonymous.get("/api/v1/notifications"),
    ]
    assert [r.status_code for r in responses] == [401] * 5
    assert all("detail" in r.json() for r in responses)


# --- 422, 409, 403: clear answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        pytest.param({"description": ""}, "描述", id="empty-description"),
        pytest.param({"description": "   "}, "描述", id="blank-description"),
        pytest.param({"description": "很" * 20_000}, "2000", id="20000-characters"),
        pytest.param({"description": "很" * 20_001}, "", id="over-the-schema-limit"),
        pytest.param({"lon": 0.0, "lat": 0.0}, "不在本县", id="outside-the-county"),
        pytest.param({"lon": 121.47, "lat": 31.23}, "不在本县", id="shanghai"),
        pytest.param({"lon": "东经120度"}, "", id="lon-not-a-number"),
        pytest.param({"lat": None}, "", id="lat-null"),
        pytest.param({"description": ["a", "b"]}, "", id="description-a-list"),
        pytest.param({"matter_code": "ZZ99"}, "ZZ99", id="unknown-matter"),
        pytest.param({"channel": "carrier_pigeon"}, "", id="unknown-channel"),
        pytest.param({"urgency": "very"}, "", id="unknown-urgency"),
        pytest.param({"address": "路" * 201}, "地址", id="address-too-long"),
    ],
)
def test_bad_intake_input_is_a_422_with_a_detail(client_for, grid_worker, change, hint):
    body = {**intake(grid_worker), **change}
    response = post(client_for(grid_worker), EVENTS, body)
    assert response.status_code == 422, response.content
    assert hint in response.json()["detail"]
    assert not Event.objects.exists()


def test_a_body_that_is_not_json_is_refused_without_creating_anything(client_for, grid_worker):
    response = client_for(grid_worker).post(EVENTS, "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert not Event.objects.exists()


def test_a_bad_rating_and_an_unreadable_extension_are_422(
    client_for, grid_worker, platform_handler_a, dispatcher_a, event_a
):
    dispatch_event(as_actor(dispatcher_a), event_a.pk)
    handler = client_for(platform_handler_a)
    assert post(handler, f"{EVENTS}/{event_a.number}/accept").status_code == 200

    extension = post(handler, f"{EVENTS}/{event_a.number}/extension", {"amount": "4 weeks", "reason": "等"})
    assert extension.status_code == 422
    assert "4 weeks" in extension.json()["detail"]
    rating = post(client_for(grid_worker), f"{EVENTS}/{event_a.number}/rate", {"rating": "great"})
    assert rating.status_code == 422 and "detail" in rating.json()
    assert not EventRequest.objects.filter(event=event_a).exists()


def test_a_transition_the_state_does_not_allow_is_a_409_with_a_clear_message(
    client_for, dispatcher_a, platform_handler_a, event_a
):
    dispatcher = client_for(dispatcher_a)
    assert post(dispatcher, f"{EVENTS}/{event_a.number}/dispatch", {}).status_code == 200
    twice = post(dispatcher, f"{EVENTS}/{event_a.number}/dispatch", {})
    assert twice.status_code == 409
    assert event_a.number in twice.json()["detail"] and "待签收" in twice.json()["detail"]

    handler = client_for(platform_handler_a)
    assert post(handler, f"{EVENTS}/{event_a.number}/accept").status_code == 200
    again = post(handler, f"{EVENTS}/{event_a.number}/accept")
    assert again.status_code == 409
    assert event_a.number in again.json()["detail"]
    assert EventHistory.objects.filter(event=event_a, action="accept").count() == 1


def test_accepting_twice_with_a_co_unit_still_pending_is_also_a_409(
    client_for, dispatcher_a, platform_handler_a, event_a
):
    body = {"lead": "t001-platform-3", "co": ["t001-enforcement"]}
    assert post(client_for(dispatcher_a), f"{EVENTS}/{event_a.number}/dispatch", body).status_code == 200
    handler = client_for(platform_handler_a)
    assert post(handler, f"{EVENTS}/{event_a.number}/accept").status_code == 200
    again = post(handler, f"{EVENTS}/{event_a.number}/accept")
    assert again.status_code == 409, again.json()


def test_a_persona_in_scope_but_not_acting_gets_403(client_for, grid_worker, platform_handler_a, event_a):
    response = post(client_for(grid_worker), f"{EVENTS}/{event_a.number}/dispatch", {})
    assert response.status_code == 403
    assert "网格员" in response.json()["detail"]
    # A handler of the township is in scope too, but the command room dispatches.
    response = post(client_for(platform_handler_a), f"{EVENTS}/{event_a.number}/reject", {"reason": "x"})
    assert response.status_code == 403
    event_a.refresh_from_db()
    assert event_a.state == EventState.REPORTED


def test_a_malformed_township_filter_is_a_422_not_a_server_error(client_for, dispatcher_a):
    client = Client(raise_request_exception=False)
    client.force_login(dispatcher_a)
    assert client.get(EVENTS, {"township": "abc"}).status_code == 422


def test_an_overlong_idempotency_key_header_is_a_422(client_for, grid_worker):
    client = Client(raise_request_exception=False)
    client.force_login(grid_worker)
    response = post(client, EVENTS, intake(grid_worker), HTTP_IDEMPOTENCY_KEY="k" * 200)
    assert response.status_code == 422


def test_the_same_idempotency_key_from_two_townships_gives_two_events(client_for, grid_worker, grid_worker_b):
    a = post(client_for(grid_worker), EVENTS, intake(grid_worker), HTTP_IDEMPOTENCY_KEY="1")
    b = post(client_for(grid_worker_b), EVENTS, intake(grid_worker_b), HTTP_IDEMPOTENCY_KEY="1")
    assert a.status_code == 201
    assert a.json()["event"]["number"] not in b.content.decode()  # never another township's event
    assert b.status_code == 201, b.content
    assert b.json()["event"]["grid_code"].startswith(TOWNSHIP_B[:9])


def test_an_absurd_extension_is_refused_with_a_clear_answer_not_a_server_error(
    client_for, dispatcher_a, platform_handler_a, event_a
):
    dispatch_event(as_actor(dispatcher_a), event_a.pk)
    accept_event(as_actor(platform_handler_a), event_a.pk)
    handler = Client(raise_request_exception=False)
    handler.force_login(platform_handler_a)
    dispatcher = Client(raise_request_exception=False)
    dispatcher.force_login(dispatcher_a)

    asked = post(handler, f"{EVENTS}/{event_a.number}/extension", {"amount": "999d", "reason": "慢慢来"})
    if asked.status_code == 200:
        decided = post(dispatcher, f"{EVENTS}/requests/{asked.json()['id']}/decide", {"approve": True})
        assert decided.status_code in (409, 422), decided.status_code
    else:
        assert asked.status_code == 422


# --- photos ----------------------------------------------------------------------------------------


def test_a_photo_is_uploaded_as_multipart_and_a_text_file_is_refused(client_for, grid_worker, event_a):
    client = client_for(grid_worker)
    url = f"{EVENTS}/{event_a.number}/photos"

    photo = SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")
    response = client.post(url, {"kind": "report", "file": photo})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "report"
    assert body["url"].startswith("/media/") and body["url"].endswith(".png")
    assert body["thumbnail"].endswith(".jpg")

    text = SimpleUploadedFile("note.png", "这不是图片".encode(), content_type="image/png")
    refused = client.post(url, {"kind": "report", "file": text})
    assert refused.status_code == 422
    assert "note.png" in refused.json()["detail"]
    bad_kind = client.post(url, {"kind": "selfie", "file": SimpleUploadedFile("a.png", png_bytes())})
    assert bad_kind.status_code == 422

    detail = client.get(f"{EVENTS}/{event_a.number}").json()
    assert [p["url"] for p in detail["photos"]] == [body["url"]]


# --- notifications ---------------------------------------------------------------------------------


def test_the_dispatcher_sees_the_new_event_notification_and_marks_it_read(
    client_for, dispatcher_a, dispatcher_b, event_a, event_b
):
    client = client_for(dispatcher_a)
    inbox = client.get("/api/v1/notifications").json()
    assert [(n["kind"], n["event"], n["read"]) for n in inbox["items"]] == [
        ("new_event", event_a.number, False)
    ]
    assert "非机动车乱停放" in inbox["items"][0]["title"]
    mine = inbox["items"][0]["id"]

    assert post(client, f"/api/v1/notifications/{mine}/read").json() == {"ok": True}
    assert client.get("/api/v1/notifications", {"unread": "true"}).json()["items"] == []
    assert client.get("/api/v1/notifications").json()["items"][0]["read"] is True
    assert post(client, f"/api/v1/notifications/{mine}/read").status_code == 200  # idempotent

    theirs = Notification.objects.get(user=dispatcher_b, event=event_b)
    assert post(client, f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- OpenAPI ---------------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_events_endpoints(client_for, dispatcher_a):
    schema = api.get_openapi_schema()
    paths = set(schema["paths"])
    expected = {
        "/api/v1/events",
        "/api/v1/events/{number}",
        "/api/v1/events/{number}/photos",
        "/api/v1/events/{number}/dispatch",
        "/api/v1/events/{number}/accept",
        "/api/v1/events/{number}/finish",
        "/api/v1/events/{number}/verify",
        "/api/v1/events/{number}/rate",
        "/api/v1/events/{number}/extension",
        "/api/v1/events/requests/{request_id}/decide",
        "/api/v1/events/supervision/{order_id}/answer",
        "/api/v1/notifications",
        "/api/v1/notifications/{notification_id}/read",
    }
    assert expected <= paths, expected - paths
    served = client_for(dispatcher_a).get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert expected <= set(served.json()["paths"])
