"""领导总览: the county's leaders, supervisors and dispatchers see per township the open events, the
overdue open ones and the on-time close rate of the last 30 days, each a link to the filtered
event list, and the supervision orders they (or their unit) issued, overdue ones in red; a
township's leader sees only their township; other roles are refused."""

from datetime import timedelta

import pytest

from gridgov.events.choices import SupervisionState
from gridgov.events.models import SupervisionOrder
from gridgov.events.services import (
    accept_event,
    answer_supervision,
    dispatch_event,
    finish_event,
    issue_supervision,
    scan_deadlines,
    verify_event,
)
from gridgov.events.tests.conftest import (
    TOWNSHIP_A,
    TOWNSHIP_B,
    TUESDAY_MORNING,
    as_actor,
    closed,
    in_progress,
    report,
)

pytestmark = pytest.mark.django_db

A_WEEK_LATER = TUESDAY_MORNING + timedelta(days=7)  # Tue 2026-12-01 09:00, a working day


def text(response) -> str:
    return response.content.decode()


def row_of(response, code: str) -> dict:
    return next(r for r in response.context["rows"] if r["code"] == code)


@pytest.fixture
def dongcheng_leader(person):
    return person("t001-command", "leader", username="dongcheng_leader")


@pytest.fixture
def scene(time_machine, grid_worker, grid_worker_b, dispatcher_a, economy_handler_a, leader):
    """Township A: one event overdue in progress, one fresh open event, one closed on time and one
    closed late; township B: one overdue open event. A leader's order on the overdue one in A has
    passed its deadline. It is a week after Tuesday morning."""
    overdue_a = in_progress(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a)
    on_time = closed(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a, grid_worker)
    late = report(grid_worker, "暴露垃圾").event
    overdue_b = report(grid_worker_b, "暴露垃圾", township=TOWNSHIP_B).event
    order = issue_supervision(as_actor(leader), overdue_a.pk, "请今天下班前处理完毕", "4h")

    time_machine.move_to(A_WEEK_LATER, tick=False)
    while any(scan_deadlines().values()):
        pass
    for event in (overdue_a, late, overdue_b):
        event.refresh_from_db()
        assert event.overdue, event.number

    dispatch_event(as_actor(dispatcher_a), late.pk)
    accept_event(as_actor(economy_handler_a), late.pk)
    finish_event(as_actor(economy_handler_a), late.pk, "已清理")
    verify_event(as_actor(grid_worker), late.pk, passed=True)
    fresh = report(grid_worker, "暴露垃圾").event
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert (on_time.closed_on_time, late.closed_on_time) == (True, False)
    return {"overdue_a": overdue_a, "fresh": fresh, "on_time": on_time, "late": late, "order": order}


# -- the township table ----------------------------------------------------------------------------


def test_the_county_leader_sees_every_township_with_its_figures(scene, client_for, leader):
    response = client_for(leader).get("/leader/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 14
    a, b = row_of(response, TOWNSHIP_A), row_of(response, TOWNSHIP_B)
    assert (a["name"], a["open"], a["overdue"], a["closed"], a["on_time"], a["rate"]) == (
        "东城街道",
        2,
        1,
        2,
        1,
        0.5,
    )
    assert (b["open"], b["overdue"], b["closed"], b["rate"]) == (1, 1, 0, None)
    assert response.context["totals"]["open"] == 3
    assert response.context["totals"]["overdue"] == 2


def test_every_figure_links_to_the_event_list_filtered_accordingly(scene, client_for, leader):
    response = client_for(leader).get("/leader/")
    a = row_of(response, TOWNSHIP_A)
    assert a["open_url"] == f"/events/?township={TOWNSHIP_A}"
    assert a["overdue_url"] == f"/events/?township={TOWNSHIP_A}&overdue=1"
    assert a["closed_url"] == f"/events/?township={TOWNSHIP_A}&state=closed&closed_days=30"
    page = text(response)
    assert f'href="/events/?township={TOWNSHIP_A}&amp;overdue=1"' in page
    assert 'href="/events/?overdue=1"' in page  # the county total


def test_an_on_time_rate_below_seventy_percent_is_red(scene, client_for, leader):
    page = text(client_for(leader).get("/leader/"))
    assert '<td class="num late">50%</td>' in page
    assert row_of(client_for(leader).get("/leader/"), TOWNSHIP_A)["below_target"] is True


def test_closures_older_than_thirty_days_leave_the_rate(scene, client_for, leader, time_machine):
    time_machine.move_to(TUESDAY_MORNING + timedelta(days=31), tick=False)
    a = row_of(client_for(leader).get("/leader/"), TOWNSHIP_A)
    assert (a["closed"], a["rate"]) == (1, 0.0)  # the on-time one (day 0) left; the late one (day 7) stays
    time_machine.move_to(TUESDAY_MORNING + timedelta(days=38), tick=False)
    a = row_of(client_for(leader).get("/leader/"), TOWNSHIP_A)
    assert (a["closed"], a["rate"], a["open"]) == (0, None, 2)


def test_a_township_leader_sees_only_their_township(scene, client_for, dongcheng_leader):
    response = client_for(dongcheng_leader).get("/leader/")
    assert response.status_code == 200
    assert [r["code"] for r in response.context["rows"]] == [TOWNSHIP_A]
    assert response.context["totals"]["open"] == 2
    page = text(response)
    assert "西城街道" not in page and TOWNSHIP_B not in page


def test_the_county_supervisor_and_dispatcher_may_read_the_overview(
    scene, client_for, county_supervisor, county_dispatcher
):
    for user in (county_supervisor, county_dispatcher):
        response = client_for(user).get("/leader/")
        assert response.status_code == 200
        assert len(response.context["rows"]) == 14


# -- supervision orders ----------------------------------------------------------------------------


def test_the_leaders_order_is_listed_with_its_deadline_in_red_once_passed(scene, client_for, leader):
    response = client_for(leader).get("/leader/")
    [order] = response.context["page_obj"].object_list
    assert order == scene["order"]
    assert order.late is True
    page = text(response)
    assert scene["overdue_a"].number in page
    assert "已逾期" in page and 'class="is-late"' in page
    assert response.context["order_counts"]["overdue"] == 1


def test_an_order_in_time_is_not_red(client_for, leader, garbage_in_progress):
    issue_supervision(as_actor(leader), garbage_in_progress.pk, "请说明进展", "2d")
    response = client_for(leader).get("/leader/")
    [order] = response.context["page_obj"].object_list
    assert order.late is False
    assert 'class="is-late"' not in text(response)


def test_answered_orders_move_to_their_own_tab(scene, client_for, leader, economy_handler_a):
    answer_supervision(as_actor(economy_handler_a), scene["order"].pk, "已安排车辆清运")
    client = client_for(leader)
    assert list(client.get("/leader/").context["page_obj"].object_list) == []
    answered = client.get("/leader/", {"orders": "answered"})
    [order] = answered.context["page_obj"].object_list
    assert order.state == SupervisionState.ANSWERED
    assert "已安排车辆清运" in text(answered)
    assert order.late is True  # answered a week after its four-hour deadline


def test_orders_of_my_unit_are_shown_to_my_colleagues_but_not_to_a_township(
    scene, client_for, county_supervisor, dongcheng_leader
):
    listed = client_for(county_supervisor).get("/leader/").context["page_obj"].object_list
    assert list(listed) == [scene["order"]]  # issued by the leader of the same county centre
    township = client_for(dongcheng_leader).get("/leader/")
    assert list(township.context["page_obj"].object_list) == []
    assert township.context["order_counts"]["all"] == 0


def test_the_overview_keeps_a_fixed_query_budget(
    client_for, leader, grid_worker, dispatcher_a, economy_handler_a, django_assert_max_num_queries
):
    for _ in range(6):
        event = in_progress(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a)
        issue_supervision(as_actor(leader), event.pk, "抓紧办理", "1d")
    assert SupervisionOrder.objects.count() == 6
    client = client_for(leader)
    # session, user, unit, territory, townships, grouped figures, order counts, count, page (+ badge)
    with django_assert_max_num_queries(10):
        response = client.get("/leader/")
    assert len(response.context["page_obj"].object_list) == 6
    assert row_of(response, TOWNSHIP_A)["open"] == 6


# -- who may read it -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dispatcher_a", "grid_worker", "market_handler", "sysadmin"])
def test_other_roles_are_refused(request, client_for, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get("/leader/").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/leader/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
