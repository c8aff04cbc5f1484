"""The dispatcher's and handler's workbench pages: the queue, the map data, the event page and its
actions, bulk actions with confirmation, and the Excel export; each also out of scope."""

import io

import pytest
from openpyxl import load_workbook

from gridgov.audit.models import AuditEntry
from gridgov.events.choices import EventState, RequestState
from gridgov.events.models import Event

from .conftest import (
    TOWNSHIP_B,
    dispatched,
    handled,
    in_progress,
    reload,
    report,
    steps,
    unit,
)

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


class TestTheQueue:
    def test_a_township_dispatcher_sees_only_their_townships_open_events(
        self, client_for, dispatcher_a, grid_worker, grid_worker_b
    ):
        mine = report(grid_worker, "暴露垃圾").event
        theirs = report(grid_worker_b, "暴露垃圾", township=TOWNSHIP_B).event

        page = client_for(dispatcher_a).get("/events/")

        assert page.status_code == 200
        numbers = [e.number for e in page.context["page"].rows]
        assert mine.number in numbers
        assert theirs.number not in numbers
        assert "待受理" in page.content.decode()

    def test_counts_by_state_follow_the_other_filters(self, client_for, dispatcher_a, grid_worker):
        report(grid_worker, "暴露垃圾")
        report(grid_worker, "路灯故障")

        page = client_for(dispatcher_a).get("/events/", {"matter": "SR01", "state": "all"})

        counts = {s["state"]: s["count"] for s in page.context["state_counts"]}
        assert counts[EventState.REPORTED] == 1
        assert page.context["total"] == 1

    def test_filters_by_sla_colour_and_rejects_an_unknown_one(self, client_for, dispatcher_a, grid_worker):
        event = report(grid_worker, "暴露垃圾").event
        client = client_for(dispatcher_a)

        green = client.get("/events/", {"sla": "green"})
        red = client.get("/events/", {"sla": "red"})
        bad = client.get("/events/", {"sla": "purple"})

        assert event.number in [e.number for e in green.context["page"].rows]
        assert event.number not in [e.number for e in red.context["page"].rows]
        assert bad.status_code == 200
        assert "未知的时限状态" in messages_of(bad)[0]

    def test_closed_within_days_keeps_only_recent_closures(
        self, client_for, dispatcher_a, grid_worker, economy_handler_a, time_machine
    ):
        from datetime import timedelta

        from .conftest import TUESDAY_MORNING, closed

        old = closed(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a, grid_worker)
        time_machine.move_to(TUESDAY_MORNING + timedelta(days=40), tick=False)
        recent = closed(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a, grid_worker)
        client = client_for(dispatcher_a)

        page = client.get("/events/", {"state": "closed", "closed_days": "30"})
        bad = client.get("/events/", {"state": "closed", "closed_days": "-3"})

        numbers = [e.number for e in page.context["page"].rows]
        assert recent.number in numbers and old.number not in numbers
        assert "近 30 天结案" in page.context["filters"].describe()
        assert "结案天数" in messages_of(bad)[0]

    def test_a_malformed_township_filter_is_a_message_not_an_error(self, client_for, dispatcher_a):
        page = client_for(dispatcher_a).get("/events/", {"township": "abc"})
        assert page.status_code == 200
        assert "乡镇代码" in messages_of(page)[0]

    def test_keyset_pages_do_not_repeat_or_skip_rows(self, client_for, dispatcher_a, grid_worker):
        made = {
            report(grid_worker, "暴露垃圾", text=f"路边有垃圾堆放第{i}处").event.number for i in range(55)
        }
        client = client_for(dispatcher_a)

        first = client.get("/events/", {"matter": "SR01"})
        cursor = first.context["page"].next_cursor
        second = client.get("/events/", {"matter": "SR01", "after": cursor})

        seen = [e.number for e in first.context["page"].rows] + [
            e.number for e in second.context["page"].rows
        ]
        assert len(first.context["page"].rows) == 50
        assert len(seen) == len(set(seen)) == 55
        assert set(seen) == made
        assert second.context["page"].next_cursor is None

    def test_a_handler_starts_from_what_waits_for_their_unit(
        self, client_for, grid_worker, dispatcher_a, economy_handler_a
    ):
        waiting = dispatched(grid_worker, "暴露垃圾", dispatcher_a)
        other = report(grid_worker, "路灯故障").event

        page = client_for(economy_handler_a).get("/events/")

        numbers = [e.number for e in page.context["page"].rows]
        assert page.context["filters"].scope == "mine"
        assert waiting.number in numbers
        assert other.number not in numbers

    def test_the_queue_stays_within_its_query_budget(
        self, client_for, dispatcher_a, grid_worker, django_assert_max_num_queries
    ):
        for i in range(30):
            report(grid_worker, "暴露垃圾", text=f"垃圾堆放第{i}处")
        client = client_for(dispatcher_a)
        client.get("/events/")  # warm the per-process caches (catalogue version, units)

        with django_assert_max_num_queries(12):
            page = client.get("/events/")
        assert len(page.context["page"].rows) >= 30

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client):
        for path in ("/events/", "/events/map/", "/events/map.json", "/events/export.xlsx"):
            response = client.get(path)
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")


class TestTheMap:
    def test_points_carry_their_sla_colour_and_stay_in_scope(
        self, client_for, dispatcher_b, dispatcher_a, grid_worker, grid_worker_b
    ):
        mine = report(grid_worker_b, "暴露垃圾", township=TOWNSHIP_B).event
        report(grid_worker, "暴露垃圾")

        data = client_for(dispatcher_b).get("/events/map.json").json()

        assert [p["number"] for p in data["points"]] == [mine.number]
        assert data["points"][0]["sla"] == "green"
        assert data["points"][0]["url"] == f"/events/{mine.number}/"
        assert client_for(dispatcher_a).get("/events/map/").status_code == 200


class TestTheEventPage:
    def test_shows_timeline_route_reason_suggestions_and_the_dispatch_form(
        self, client_for, dispatcher_a, grid_worker
    ):
        event = report(grid_worker, "暴露垃圾").event

        page = client_for(dispatcher_a).get(f"/events/{event.number}/")

        html = page.content.decode()
        assert page.status_code == 200
        assert "dispatch" in page.context["actions"]
        assert "流转记录" in html and "上报事件" in html
        assert event.route_reason in html
        assert "智能分类建议" in html
        assert page.context["route"].lead == unit("t001-platform-2")

    def test_another_townships_dispatcher_gets_404_for_the_page_and_every_action(
        self, client_for, dispatcher_b, grid_worker
    ):
        event = report(grid_worker, "暴露垃圾").event
        client = client_for(dispatcher_b)

        assert client.get(f"/events/{event.number}/").status_code == 404
        for action in ("dispatch", "reject", "accept", "verify"):
            assert client.post(f"/events/{event.number}/{action}/", {"reason": "x"}).status_code == 404
        assert reload(event).state == EventState.REPORTED

    def test_dispatch_from_the_page_follows_the_catalogue_and_says_so(
        self, client_for, dispatcher_a, grid_worker
    ):
        event = report(grid_worker, "暴露垃圾").event

        response = client_for(dispatcher_a).post(f"/events/{event.number}/dispatch/", follow=True)

        event = reload(event)
        assert event.state == EventState.DISPATCHED
        assert event.lead_unit == unit("t001-platform-2")
        assert "已派遣" in messages_of(response)[0]

    def test_joint_dispatch_names_a_lead_and_co_units(self, client_for, dispatcher_a, grid_worker):
        event = report(grid_worker, "暴露垃圾").event

        client_for(dispatcher_a).post(
            f"/events/{event.number}/dispatch/",
            {"lead": "t001-platform-2", "co": ["t001-enforcement"], "reason": "需执法队配合"},
        )

        roles = sorted((a.unit.code, a.role) for a in reload(event).assignments.select_related("unit"))
        assert roles == [("t001-enforcement", "co"), ("t001-platform-2", "lead")]

    def test_a_refused_action_explains_itself_and_changes_nothing(
        self, client_for, dispatcher_a, grid_worker
    ):
        event = report(grid_worker, "暴露垃圾").event
        client = client_for(dispatcher_a)

        unknown_unit = client.post(f"/events/{event.number}/dispatch/", {"lead": "no-such-unit"}, follow=True)
        no_reason = client.post(f"/events/{event.number}/reject/", {"reason": " "}, follow=True)
        wrong_state = client.post(f"/events/{event.number}/accept/", follow=True)

        assert "未找到单位 no-such-unit" in messages_of(unknown_unit)[0]
        assert "请填写" in messages_of(no_reason)[0]
        assert messages_of(wrong_state)
        assert reload(event).state == EventState.REPORTED
        assert steps(event) == [("report", "reported", "reported", grid_worker.username)]

    def test_an_unknown_action_is_404_and_get_is_refused(self, client_for, dispatcher_a, grid_worker):
        event = report(grid_worker, "暴露垃圾").event
        client = client_for(dispatcher_a)
        assert client.post(f"/events/{event.number}/explode/").status_code == 404
        assert client.get(f"/events/{event.number}/dispatch/").status_code == 405

    def test_the_handler_accepts_reports_progress_with_a_photo_and_finishes(
        self, client_for, grid_worker, dispatcher_a, economy_handler_a, jpeg
    ):
        event = dispatched(grid_worker, "暴露垃圾", dispatcher_a)
        client = client_for(economy_handler_a)
        assert {"accept", "return"} <= client.get(f"/events/{event.number}/").context["actions"]

        client.post(f"/events/{event.number}/accept/")
        photo = io.BytesIO(jpeg)
        photo.name = "scene.jpg"
        client.post(f"/events/{event.number}/progress/", {"note": "已安排清运车", "photos": [photo]})
        client.post(f"/events/{event.number}/finish/", {"note": "已清运完毕"})

        event = reload(event)
        assert event.state == EventState.HANDLED
        assert [s[0] for s in steps(event)][-3:] == ["accept", "progress", "finish"]
        assert event.photos.filter(kind="evidence").count() == 1

    def test_a_wrong_photo_type_is_refused_and_nothing_is_recorded(
        self, client_for, garbage_in_progress, economy_handler_a
    ):
        bogus = io.BytesIO(b"%PDF-1.4 not a photo")
        bogus.name = "report.pdf"
        response = client_for(economy_handler_a).post(
            f"/events/{garbage_in_progress.number}/finish/", {"note": "完成", "photos": [bogus]}, follow=True
        )
        assert "不是可识别的图片" in messages_of(response)[0]
        assert reload(garbage_in_progress).state == EventState.IN_PROGRESS

    def test_the_verifier_sends_it_back_for_rework_with_a_reason(
        self, client_for, grid_worker, dispatcher_a, economy_handler_a
    ):
        event = handled(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a)
        client = client_for(grid_worker)

        without_reason = client.post(f"/events/{event.number}/verify/", {"passed": "0"}, follow=True)
        assert "返工原因" in messages_of(without_reason)[0]
        client.post(f"/events/{event.number}/verify/", {"passed": "0", "reason": "还有一半没清"})

        event = reload(event)
        assert event.state == EventState.IN_PROGRESS
        assert event.reworks == 1

    def test_the_dispatching_room_approves_an_extension_from_the_page(
        self, client_for, grid_worker, dispatcher_a, economy_handler_a
    ):
        event = in_progress(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a)
        client_for(economy_handler_a).post(
            f"/events/{event.number}/extension/", {"amount": "1d", "reason": "需要协调清运车辆"}
        )
        pending = event.requests.get()
        page = client_for(dispatcher_a).get(f"/events/{event.number}/")
        assert page.context["may_decide"]

        client_for(dispatcher_a).post(
            f"/events/{event.number}/decide/", {"request_id": pending.pk, "approve": "1"}
        )

        pending.refresh_from_db()
        assert pending.state == RequestState.APPROVED
        assert reload(event).extensions == 1

    def test_a_leader_issues_a_supervision_order_and_the_unit_answers(
        self, client_for, leader, grid_worker, dispatcher_a, economy_handler_a
    ):
        event = dispatched(grid_worker, "暴露垃圾", dispatcher_a)
        client_for(leader).post(
            f"/events/{event.number}/supervise/", {"instructions": "今天下班前处理完", "within": "4h"}
        )
        order = event.supervision_orders.get()
        assert order.to_unit == unit("t001-platform-2")

        page = client_for(economy_handler_a).get(f"/events/{event.number}/")
        assert order in page.context["my_open_orders"]
        client_for(economy_handler_a).post(
            f"/events/{event.number}/answer/", {"order_id": order.pk, "response": "已安排人员"}
        )
        order.refresh_from_db()
        assert order.response == "已安排人员"

    def test_the_event_page_stays_within_its_query_budget(
        self, client_for, dispatcher_a, grid_worker, django_assert_max_num_queries
    ):
        event = report(grid_worker, "暴露垃圾").event
        client = client_for(dispatcher_a)
        client.get(f"/events/{event.number}/")

        with django_assert_max_num_queries(20):
            client.get(f"/events/{event.number}/")


class TestBulkActions:
    def test_bulk_dispatch_asks_for_confirmation_first(self, client_for, dispatcher_a, grid_worker):
        events = [report(grid_worker, "暴露垃圾", text=f"第{i}处垃圾").event for i in range(3)]
        numbers = [e.number for e in events]
        client = client_for(dispatcher_a)

        confirm = client.post("/events/bulk/", {"action": "dispatch", "numbers": numbers})
        assert confirm.status_code == 200
        assert "确认执行" in confirm.content.decode()
        assert all(reload(e).state == EventState.REPORTED for e in events)

        done = client.post("/events/bulk/", {"action": "dispatch", "numbers": numbers, "confirm": "1"})
        assert [ok for _, ok, _ in done.context["results"]] == [True, True, True]
        assert all(reload(e).state == EventState.DISPATCHED for e in events)

    def test_bulk_merge_folds_duplicates_into_the_named_event(self, client_for, dispatcher_a, grid_worker):
        main = report(grid_worker, "暴露垃圾", text="路口垃圾堆放").event
        dups = [report(grid_worker, "暴露垃圾", text="路口垃圾没人清").event for _ in range(2)]

        client_for(dispatcher_a).post(
            "/events/bulk/",
            {"action": "merge", "into": main.number, "numbers": [d.number for d in dups], "confirm": "1"},
        )

        assert all(reload(d).merged_into_id == main.pk for d in dups)

    def test_events_out_of_scope_are_silently_left_out(self, client_for, dispatcher_b, grid_worker):
        theirs = report(grid_worker, "暴露垃圾").event
        response = client_for(dispatcher_b).post(
            "/events/bulk/", {"action": "dispatch", "numbers": [theirs.number], "confirm": "1"}, follow=True
        )
        assert "请先勾选事件" in messages_of(response)[0]
        assert reload(theirs).state == EventState.REPORTED

    def test_handlers_may_not_use_bulk_actions_and_back_links_stay_on_the_site(
        self, client_for, economy_handler_a, dispatcher_a
    ):
        assert client_for(economy_handler_a).post("/events/bulk/", {"action": "dispatch"}).status_code == 403
        response = client_for(dispatcher_a).post(
            "/events/bulk/", {"action": "x", "back": "https://evil.example/"}
        )
        assert response["Location"] == "/events/"


class TestTheExport:
    def test_exports_the_filtered_list_in_scope_and_writes_an_audit_row(
        self, client_for, dispatcher_b, grid_worker, grid_worker_b
    ):
        mine = report(grid_worker_b, "暴露垃圾", township=TOWNSHIP_B).event
        report(grid_worker, "暴露垃圾")

        response = client_for(dispatcher_b).get("/events/export.xlsx", {"matter": "SR01"})

        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert "事项：SR01" in rows[0][0]
        assert rows[1][0] == "编号"
        assert [r[0] for r in rows[2:]] == [mine.number]
        assert rows[2][3] == "正常"
        assert AuditEntry.objects.filter(action="events.export", actor=dispatcher_b).exists()
        assert Event.objects.count() == 2
