"""改判事项 and intake channels: a dispatcher corrects the matter at triage and the route follows;
corrections count against the classifier, within each caller's scope; refusals are clear (409, 422,
403, and 404 out of scope); reports arrive over the API from every channel, by session or by token,
and land at the township's command room (ARCHITECTURE rule 9)."""

import pytest
from django.http import Http404
from django.test import Client

from gridgov.accounts.choices import Role
from gridgov.accounts.services import create_api_token
from gridgov.audit.actor import Actor
from gridgov.events.choices import AssignmentRole, Channel, EventState
from gridgov.events.errors import BadRequest, Conflict, NotYourTurn
from gridgov.events.models import Event
from gridgov.events.services import dispatch_event, escalate_to_county, reclassify_event
from gridgov.events.tests.conftest import (
    TOWNSHIP_A,
    TOWNSHIP_B,
    as_actor,
    grid_for,
    matter,
    point_in,
    reload,
    report,
)
from gridgov.matters.routing import route

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events"
STATS = "/api/v1/matters/classifier/stats"
GARBAGE = "小区门口马路边有人乱倒生活垃圾，堆了一大堆没人清理，臭气熏天"  # classifier: 暴露垃圾 first
PARKING = "小区门口非机动车乱停放，堵住了人行道"  # classifier: 非机动车乱停放 first


def post(client, path: str, body: dict | None = None, **headers):
    return client.post(path, body if body is not None else {}, content_type="application/json", **headers)


def reclassify_body(matter_name: str, reason: str = "描述为车辆乱停，不是垃圾") -> dict:
    return {"matter_code": matter(matter_name).code, "reason": reason}


def token_client(user) -> Client:
    _, raw = create_api_token(Actor.system("tests"), user, f"{user.username} token")
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


@pytest.fixture
def garbage_report(grid_worker) -> Event:
    """grid_worker's report of rubbish, classified 暴露垃圾 by the classifier's first suggestion."""
    event = report(grid_worker, text=GARBAGE).event
    assert event.matter.name == "暴露垃圾" and event.suggestions[0]["code"] == event.matter.code
    assert not event.matter_overridden
    return event


# -- reclassifying at triage -----------------------------------------------------------------------


def test_a_dispatcher_changes_the_matter_at_triage(garbage_report, dispatcher_a):
    reclassify_event(as_actor(dispatcher_a), garbage_report.pk, matter("非机动车乱停放").code, "实为车辆乱停")
    event = reload(garbage_report)
    assert event.matter.name == "非机动车乱停放"
    assert event.state == EventState.REPORTED
    row = event.history.get(action="reclassify")
    assert row.data == {"from": matter("暴露垃圾").code, "to": matter("非机动车乱停放").code}
    assert (row.actor, row.unit, row.reason) == (dispatcher_a, dispatcher_a.unit, "实为车辆乱停")


def test_the_route_is_worked_out_again_for_the_new_matter(garbage_report, dispatcher_a):
    before = (garbage_report.route_rule, garbage_report.route_reason)
    reclassify_event(as_actor(dispatcher_a), garbage_report.pk, matter("非机动车乱停放").code)
    event = reload(garbage_report)
    planned = route(matter("非机动车乱停放"), event.grid)
    assert (event.route_rule, event.route_reason) == (planned.rule, planned.reason)
    assert (event.route_rule, event.route_reason) != before
    assert "平安法治平台" in event.route_reason


def test_a_dispatch_after_reclassifying_follows_the_new_route(
    garbage_report, dispatcher_a, platform_handler_a
):
    reclassify_event(as_actor(dispatcher_a), garbage_report.pk, matter("非机动车乱停放").code)
    dispatch_event(as_actor(dispatcher_a), garbage_report.pk)
    lead = reload(garbage_report).assignments.get(role=AssignmentRole.LEAD)
    assert lead.unit == platform_handler_a.unit


def test_the_change_counts_as_overridden_until_it_returns_to_the_top_suggestion(garbage_report, dispatcher_a):
    reclassify_event(as_actor(dispatcher_a), garbage_report.pk, matter("非机动车乱停放").code)
    assert reload(garbage_report).matter_overridden is True
    reclassify_event(as_actor(dispatcher_a), garbage_report.pk, matter("暴露垃圾").code, "复核后确为垃圾")
    event = reload(garbage_report)
    assert event.matter_overridden is False
    assert [h.data["to"] for h in event.history.filter(action="reclassify").order_by("at", "id")] == [
        matter("非机动车乱停放").code,
        matter("暴露垃圾").code,
    ]


def test_the_county_centre_reclassifies_an_event_escalated_to_it(
    garbage_report, dispatcher_a, county_dispatcher
):
    escalate_to_county(as_actor(dispatcher_a), garbage_report.pk, "涉及多个部门")
    reclassify_event(as_actor(county_dispatcher), garbage_report.pk, matter("非机动车乱停放").code)
    event = reload(garbage_report)
    assert (event.state, event.matter.name) == (EventState.ESCALATED, "非机动车乱停放")


def test_reclassifying_over_the_api_answers_the_new_matter_and_route(
    garbage_report, client_for, dispatcher_a
):
    response = post(
        client_for(dispatcher_a),
        f"{EVENTS}/{garbage_report.number}/reclassify",
        reclassify_body("非机动车乱停放"),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["matter_code"] == matter("非机动车乱停放").code
    assert body["route_rule"] == f"matter:{matter('非机动车乱停放').code}"
    assert "reclassify" in [h["action"] for h in body["history"]]


# -- the classifier's score ------------------------------------------------------------------------


def test_the_classifier_stats_count_overrides_within_the_callers_scope(
    garbage_report, grid_worker, dispatcher_a, dispatcher_b, county_dispatcher, client_for
):
    report(grid_worker, text=PARKING)  # confirmed: the classifier's first suggestion stands
    reclassify_event(as_actor(dispatcher_a), garbage_report.pk, matter("非机动车乱停放").code)

    township_a = client_for(dispatcher_a).get(STATS)
    assert township_a.status_code == 200
    assert township_a.json() == {"classified": 2, "confirmed": 1, "overridden": 1, "top1_accuracy": 0.5}

    assert client_for(dispatcher_b).get(STATS).json() == {
        "classified": 0,
        "confirmed": 0,
        "overridden": 0,
        "top1_accuracy": None,
    }
    assert client_for(county_dispatcher).get(STATS).json()["classified"] == 2


def test_township_bs_overrides_do_not_count_in_township_as_stats(
    garbage_report, grid_worker_b, dispatcher_a, dispatcher_b, client_for
):
    event_b = report(grid_worker_b, text=GARBAGE, township=TOWNSHIP_B).event
    reclassify_event(as_actor(dispatcher_b), event_b.pk, matter("非机动车乱停放").code)
    assert client_for(dispatcher_a).get(STATS).json() == {
        "classified": 1,
        "confirmed": 1,
        "overridden": 0,
        "top1_accuracy": 1.0,
    }
    assert client_for(dispatcher_b).get(STATS).json()["overridden"] == 1


def test_the_classifier_stats_need_a_login(garbage_report):
    assert Client().get(STATS).status_code == 401


# -- refusals --------------------------------------------------------------------------------------


def test_reclassifying_after_dispatch_is_a_conflict(garbage_report, dispatcher_a, client_for):
    dispatch_event(as_actor(dispatcher_a), garbage_report.pk)
    with pytest.raises(Conflict):
        reclassify_event(as_actor(dispatcher_a), garbage_report.pk, matter("非机动车乱停放").code)
    response = post(
        client_for(dispatcher_a),
        f"{EVENTS}/{garbage_report.number}/reclassify",
        reclassify_body("非机动车乱停放"),
    )
    assert response.status_code == 409
    assert reload(garbage_report).matter.name == "暴露垃圾"


def test_reclassifying_to_an_unknown_code_is_422(garbage_report, dispatcher_a, client_for):
    with pytest.raises(BadRequest, match="ZZ99"):
        reclassify_event(as_actor(dispatcher_a), garbage_report.pk, "ZZ99")
    response = post(
        client_for(dispatcher_a), f"{EVENTS}/{garbage_report.number}/reclassify", {"matter_code": "ZZ99"}
    )
    assert response.status_code == 422
    assert "ZZ99" in response.json()["detail"]


def test_reclassifying_to_the_same_matter_is_409(garbage_report, dispatcher_a, client_for):
    with pytest.raises(Conflict):
        reclassify_event(as_actor(dispatcher_a), garbage_report.pk, matter("暴露垃圾").code)
    response = post(
        client_for(dispatcher_a), f"{EVENTS}/{garbage_report.number}/reclassify", reclassify_body("暴露垃圾")
    )
    assert response.status_code == 409
    assert not reload(garbage_report).history.filter(action="reclassify").exists()


def test_a_grid_worker_may_not_reclassify(garbage_report, grid_worker, client_for):
    with pytest.raises(NotYourTurn):
        reclassify_event(as_actor(grid_worker), garbage_report.pk, matter("非机动车乱停放").code)
    response = post(
        client_for(grid_worker),
        f"{EVENTS}/{garbage_report.number}/reclassify",
        reclassify_body("非机动车乱停放"),
    )
    assert response.status_code == 403
    assert reload(garbage_report).matter.name == "暴露垃圾"


def test_township_bs_dispatcher_cannot_reclassify_township_as_event(garbage_report, dispatcher_b, client_for):
    with pytest.raises(Http404):
        reclassify_event(as_actor(dispatcher_b), garbage_report.pk, matter("非机动车乱停放").code)
    response = post(
        client_for(dispatcher_b),
        f"{EVENTS}/{garbage_report.number}/reclassify",
        reclassify_body("非机动车乱停放"),
    )
    assert response.status_code == 404
    assert reload(garbage_report).matter.name == "暴露垃圾"


# -- intake from every channel ---------------------------------------------------------------------


@pytest.fixture
def callers(grid_worker, county_dispatcher, leader, person, client_for):
    """channel → the client that reports through it: people by session, machines by bearer token."""
    sensor = person("county-centre", Role.HANDLER, username="iot-sensor-gateway")
    upper = person("county-centre", Role.DISPATCHER, username="upper-system-12345")
    return {
        Channel.GRID_PATROL: client_for(grid_worker),
        Channel.HOTLINE: client_for(county_dispatcher),
        Channel.SENSOR: token_client(sensor),
        Channel.UPPER_SYSTEM: token_client(upper),
        Channel.LEADER: client_for(leader),
    }


def intake_body(grid_worker, channel: str, description: str = PARKING) -> dict:
    lon, lat = point_in(grid_for(grid_worker, TOWNSHIP_A))
    return {
        "channel": channel,
        "description": description,
        "lon": lon,
        "lat": lat,
        "idempotency_key": channel,
    }


@pytest.mark.parametrize(
    "channel", [Channel.GRID_PATROL, Channel.HOTLINE, Channel.SENSOR, Channel.UPPER_SYSTEM, Channel.LEADER]
)
def test_a_report_from_each_channel_becomes_an_event_at_township_as_command_room(
    callers, grid_worker, dispatcher_a, channel
):
    response = post(callers[channel], EVENTS, intake_body(grid_worker, channel))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert body["event"]["channel"] == channel
    event = Event.objects.select_related("owner_unit").get(number=body["event"]["number"])
    assert (event.channel, event.owner_unit) == (channel, dispatcher_a.unit)
    assert event.grid.code.startswith(TOWNSHIP_A[:9])
    assert body["event"]["matter_name"] == "非机动车乱停放"


def test_a_machine_clients_retry_returns_the_first_event(callers, grid_worker):
    body = intake_body(grid_worker, Channel.SENSOR)
    first = post(callers[Channel.SENSOR], EVENTS, body)
    again = post(callers[Channel.SENSOR], EVENTS, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["event"]["number"] == again.json()["event"]["number"]


def test_an_unknown_channel_is_422(client_for, county_dispatcher, grid_worker):
    response = post(client_for(county_dispatcher), EVENTS, intake_body(grid_worker, "carrier_pigeon"))
    assert response.status_code == 422
    assert not Event.objects.exists()


def test_a_report_without_a_login_or_token_is_401(grid_worker):
    response = post(Client(), EVENTS, intake_body(grid_worker, Channel.SENSOR))
    assert response.status_code == 401
    response = post(
        Client(), EVENTS, intake_body(grid_worker, Channel.SENSOR), HTTP_AUTHORIZATION="Bearer ggv_nope"
    )
    assert response.status_code == 401
    assert not Event.objects.exists()


def test_township_bs_grid_worker_cannot_report_in_township_a(client_for, grid_worker_b, grid_worker):
    response = post(client_for(grid_worker_b), EVENTS, intake_body(grid_worker, Channel.GRID_PATROL))
    assert response.status_code == 422
    assert not Event.objects.exists()
