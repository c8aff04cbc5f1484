"""Exception paths (DOMAIN §5): extension and parking need the dispatching unit's approval,
supervision orders come from leaders and the county centre; every service refuses a transition
its state does not allow, an event outside the actor's territory, and a unit whose turn it is not."""

from datetime import datetime, timedelta

import pytest
from django.http import Http404

from gridgov.events.choices import (
    AssignmentRole,
    EventState,
    RequestKind,
    RequestState,
    SupervisionState,
)
from gridgov.events.errors import BadRequest, Conflict, NotYourTurn
from gridgov.events.models import EventHistory
from gridgov.events.services import (
    accept_event,
    answer_supervision,
    decide_request,
    dispatch_event,
    escalate_to_county,
    finish_event,
    issue_supervision,
    merge_event,
    reject_event,
    reopen_event,
    request_extension,
    request_parking,
    return_event,
    unpark_event,
    verify_event,
)
from gridgov.workcal.calendar import add_working_time, working_time_between

from .conftest import SHANGHAI, TUESDAY_MORNING, as_actor, dispatched, inbox, reload, report, unit

pytestmark = pytest.mark.django_db

HANDLE_DEADLINE = TUESDAY_MORNING.replace(hour=15)  # 09:00 + 4 working hours (lunch 12:00–14:00)


class TestExtension:
    def test_approval_moves_the_deadline_by_the_requested_working_time(
        self, garbage_in_progress, economy_handler_a, dispatcher_a
    ):
        event = garbage_in_progress
        assert event.stage_deadline == HANDLE_DEADLINE

        request = request_extension(as_actor(economy_handler_a), event.pk, "1d", "需要调用清运车辆")
        assert (request.kind, request.state, request.unit) == (
            RequestKind.EXTENSION,
            RequestState.PENDING,
            unit("t001-platform-2"),
        )
        assert [n.body for n in inbox(dispatcher_a, "approval")] == ["需要调用清运车辆"]

        decide_request(as_actor(dispatcher_a), request.pk, approve=True)

        event = reload(event)
        expected = add_working_time(HANDLE_DEADLINE, 1, "days")
        assert expected == TUESDAY_MORNING.replace(day=25, hour=15)
        assert event.stage_deadline == expected
        assert event.extensions == 1
        assert event.next_due_at == event.warn_at
        assert HANDLE_DEADLINE < event.warn_at < expected
        assert event.assignments.get(role=AssignmentRole.LEAD).deadline == expected
        request.refresh_from_db()
        assert (request.state, request.decided_by) == (RequestState.APPROVED, dispatcher_a)
        assert inbox(economy_handler_a, "decision")
        assert [h.action for h in event.history.all()][-2:] == ["request_extension", "extend"]

    def test_hours_are_added_in_working_time_across_the_evening(
        self, garbage_in_progress, economy_handler_a, dispatcher_a
    ):
        request = request_extension(as_actor(economy_handler_a), garbage_in_progress.pk, "4h", "等待配件")

        decide_request(as_actor(dispatcher_a), request.pk, approve=True)

        # 15:00 + 4 working hours = 17:30 (2.5 h) + next morning 08:30–10:00 (1.5 h)
        assert reload(garbage_in_progress).stage_deadline == TUESDAY_MORNING.replace(day=25, hour=10)

    def test_a_refusal_needs_a_note_and_leaves_the_deadline(
        self, garbage_in_progress, economy_handler_a, dispatcher_a
    ):
        request = request_extension(as_actor(economy_handler_a), garbage_in_progress.pk, "2d", "工作量大")

        with pytest.raises(BadRequest, match="不批准时请填写审批意见"):
            decide_request(as_actor(dispatcher_a), request.pk, approve=False, note=" ")
        request.refresh_from_db()
        assert request.state == RequestState.PENDING

        decide_request(as_actor(dispatcher_a), request.pk, approve=False, note="4 小时足够")

        request.refresh_from_db()
        event = reload(garbage_in_progress)
        assert (request.state, request.decision_note) == (RequestState.REFUSED, "4 小时足够")
        assert event.stage_deadline == HANDLE_DEADLINE
        assert event.extensions == 0
        assert event.history.last().action == "refuse_extension"
        assert [n.body for n in inbox(economy_handler_a, "decision")] == ["4 小时足够"]

    def test_a_second_pending_request_is_a_conflict(
        self, garbage_in_progress, economy_handler_a, dispatcher_a
    ):
        first = request_extension(as_actor(economy_handler_a), garbage_in_progress.pk, "1d", "理由一")

        with pytest.raises(Conflict, match="已有一项延期申请在审批中"):
            request_extension(as_actor(economy_handler_a), garbage_in_progress.pk, "2d", "理由二")

        decide_request(as_actor(dispatcher_a), first.pk, approve=True)
        again = request_extension(as_actor(economy_handler_a), garbage_in_progress.pk, "1d", "仍需时间")
        assert again.state == RequestState.PENDING

    def test_a_request_is_decided_once(self, garbage_in_progress, economy_handler_a, dispatcher_a):
        request = request_extension(as_actor(economy_handler_a), garbage_in_progress.pk, "1d", "理由")
        decide_request(as_actor(dispatcher_a), request.pk, approve=True)

        with pytest.raises(Conflict, match="该申请已"):
            decide_request(as_actor(dispatcher_a), request.pk, approve=True)
        assert reload(garbage_in_progress).extensions == 1

    def test_deciding_again_says_the_request_was_already_approved(
        self, garbage_in_progress, economy_handler_a, dispatcher_a
    ):
        request = request_extension(as_actor(economy_handler_a), garbage_in_progress.pk, "1d", "理由")
        decide_request(as_actor(dispatcher_a), request.pk, approve=True)

        with pytest.raises(Conflict) as raised:
            decide_request(as_actor(dispatcher_a), request.pk, approve=True)
        assert "已已" not in str(raised.value)

    def test_only_the_dispatching_unit_decides(
        self, garbage_in_progress, economy_handler_a, county_dispatcher
    ):
        request = request_extension(as_actor(economy_handler_a), garbage_in_progress.pk, "1d", "理由")

        for user in (economy_handler_a, county_dispatcher):
            with pytest.raises(NotYourTurn):
                decide_request(as_actor(user), request.pk, approve=True)
        assert reload(garbage_in_progress).extensions == 0

    def test_only_the_lead_unit_requests(self, garbage_in_progress, enforcer_a):
        with pytest.raises(NotYourTurn, match="东城街道经济生态平台"):
            request_extension(as_actor(enforcer_a), garbage_in_progress.pk, "1d", "理由")

    @pytest.mark.parametrize("amount", ["soon", "0h", "1.5d", ""])
    def test_an_unreadable_amount_is_refused(self, garbage_in_progress, economy_handler_a, amount):
        with pytest.raises(BadRequest, match="时限"):
            request_extension(as_actor(economy_handler_a), garbage_in_progress.pk, amount, "理由")
        assert not garbage_in_progress.requests.exists()


class TestParking:
    PARK_UNTIL = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)  # the next Tuesday

    @pytest.fixture
    def parked(self, garbage_in_progress, economy_handler_a, dispatcher_a, time_machine):
        time_machine.move_to(TUESDAY_MORNING.replace(hour=10))
        request = request_parking(
            as_actor(economy_handler_a), garbage_in_progress.pk, "等待汛期结束后清淤", until=self.PARK_UNTIL
        )
        decide_request(as_actor(dispatcher_a), request.pk, approve=True)
        return reload(garbage_in_progress)

    def test_approval_pauses_the_clock_with_the_remaining_working_time(self, parked):
        remaining = working_time_between(TUESDAY_MORNING.replace(hour=10), HANDLE_DEADLINE)
        assert remaining == timedelta(hours=3)  # 10:00–12:00 and 14:00–15:00

        assert parked.state == EventState.PARKED
        assert parked.paused_remaining_seconds == pytest.approx(remaining.total_seconds(), abs=60)
        assert parked.park_until == self.PARK_UNTIL
        assert parked.next_due_at == self.PARK_UNTIL
        assert parked.requests.get().state == RequestState.APPROVED

    def test_unparking_later_gives_back_the_remaining_working_time(
        self, parked, economy_handler_a, time_machine
    ):
        resumed_at = self.PARK_UNTIL.replace(hour=11)  # taken up again a little after the due time
        time_machine.move_to(resumed_at)

        unpark_event(as_actor(economy_handler_a), parked.pk, "汛期已过")

        event = reload(parked)
        assert event.state == EventState.IN_PROGRESS
        assert event.stage_deadline == add_working_time(
            resumed_at, parked.paused_remaining_seconds // 60, "minutes"
        )
        assert event.stage_deadline == resumed_at.replace(hour=16)  # 11:00–12:00 and 14:00–16:00
        assert working_time_between(resumed_at, event.stage_deadline) == timedelta(hours=3)
        assert (event.paused_remaining_seconds, event.park_until) == (None, None)
        assert event.next_due_at == event.warn_at
        assert inbox(economy_handler_a, "unpark")

    def test_the_dispatcher_may_unpark_too(self, parked, dispatcher_a, time_machine):
        time_machine.move_to(self.PARK_UNTIL)

        unpark_event(as_actor(dispatcher_a), parked.pk)

        assert reload(parked).state == EventState.IN_PROGRESS

    def test_a_parked_event_cannot_be_finished(self, parked, economy_handler_a):
        with pytest.raises(Conflict, match="挂账"):
            finish_event(as_actor(economy_handler_a), parked.pk, "已处理")

    def test_the_parking_history_row_records_in_progress_to_parked(self, parked, dispatcher_a):
        assert parked.history.last().action == "park"
        assert (parked.history.last().from_state, parked.history.last().to_state) == (
            EventState.IN_PROGRESS,
            EventState.PARKED,
        )

    def test_the_unparking_history_row_records_parked_to_in_progress(
        self, parked, economy_handler_a, time_machine
    ):
        time_machine.move_to(self.PARK_UNTIL)
        unpark_event(as_actor(economy_handler_a), parked.pk)

        last = reload(parked).history.last()
        assert (last.action, last.from_state, last.to_state) == (
            "unpark",
            EventState.PARKED,
            EventState.IN_PROGRESS,
        )

    def test_parking_until_a_past_moment_is_refused(self, garbage_in_progress, economy_handler_a):
        with pytest.raises(BadRequest, match="挂账截止时间应晚于现在"):
            request_parking(
                as_actor(economy_handler_a),
                garbage_in_progress.pk,
                "理由",
                until=TUESDAY_MORNING - timedelta(days=1),
            )


class TestSupervision:
    @pytest.mark.parametrize("issuer", ["leader", "county_dispatcher", "county_supervisor"])
    def test_a_leader_or_the_county_centre_orders_the_owner_unit_with_its_own_deadline(
        self, request, garbage_in_progress, economy_handler_a, issuer
    ):
        user = request.getfixturevalue(issuer)

        order = issue_supervision(as_actor(user), garbage_in_progress.pk, "请今天下班前处理完毕", "4h")

        assert order.to_unit == unit("t001-platform-2")
        assert order.issuing_unit == unit("county-centre")
        assert order.issued_by == user
        assert order.state == SupervisionState.OPEN
        assert order.deadline == add_working_time(TUESDAY_MORNING, 4, "hours")
        assert order.deadline == TUESDAY_MORNING.replace(hour=15)  # over the lunch break
        assert [n.body for n in inbox(economy_handler_a, "supervision")] == ["请今天下班前处理完毕"]
        last = reload(garbage_in_progress).history.last()
        assert (last.action, last.from_state, last.to_state, last.actor) == (
            "supervise",
            EventState.IN_PROGRESS,
            EventState.IN_PROGRESS,
            user,
        )

    def test_the_county_may_address_another_unit(self, garbage_in_progress, county_dispatcher, dispatcher_a):
        order = issue_supervision(
            as_actor(county_dispatcher),
            garbage_in_progress.pk,
            "指挥室督促落实",
            "1d",
            to_unit=unit("t001-command"),
        )

        assert order.to_unit == unit("t001-command")
        assert inbox(dispatcher_a, "supervision")

    def test_a_township_dispatcher_cannot_supervise(self, garbage_in_progress, dispatcher_a):
        with pytest.raises(NotYourTurn, match="督办由领导、督查员或县级社会治理中心发出"):
            issue_supervision(as_actor(dispatcher_a), garbage_in_progress.pk, "抓紧", "2h")
        assert not garbage_in_progress.supervision_orders.exists()

    def test_a_handler_cannot_supervise(self, garbage_in_progress, market_handler):
        with pytest.raises(NotYourTurn):
            issue_supervision(as_actor(market_handler), garbage_in_progress.pk, "抓紧", "2h")

    def test_the_target_unit_answers_and_the_issuer_hears(
        self, garbage_in_progress, leader, economy_handler_a
    ):
        order = issue_supervision(as_actor(leader), garbage_in_progress.pk, "请说明进展", "2h")

        answer_supervision(as_actor(economy_handler_a), order.pk, "已安排车辆，下午清运")

        order.refresh_from_db()
        assert (order.state, order.response) == (SupervisionState.ANSWERED, "已安排车辆，下午清运")
        assert order.answered_at == TUESDAY_MORNING
        assert [n.body for n in inbox(leader, "supervision_answer")] == ["已安排车辆，下午清运"]
        with pytest.raises(Conflict, match="该督办单已反馈"):
            answer_supervision(as_actor(economy_handler_a), order.pk, "再次反馈")

    def test_another_unit_cannot_answer(self, garbage_in_progress, leader, enforcer_a):
        order = issue_supervision(as_actor(leader), garbage_in_progress.pk, "请说明进展", "2h")

        with pytest.raises(NotYourTurn):
            answer_supervision(as_actor(enforcer_a), order.pk, "不是我们的")
        order.refresh_from_db()
        assert order.state == SupervisionState.OPEN

    def test_a_closed_event_needs_no_supervision(self, garbage_closed, leader):
        with pytest.raises(Conflict, match="无需督办"):
            issue_supervision(as_actor(leader), garbage_closed.pk, "抓紧", "2h")

    def test_an_unreadable_time_limit_is_refused(self, garbage_in_progress, leader):
        with pytest.raises(BadRequest, match="时限"):
            issue_supervision(as_actor(leader), garbage_in_progress.pk, "抓紧", "tomorrow")


class TestTransitionsTheStateDoesNotAllow:
    def test_accepting_a_closed_event(self, garbage_closed, economy_handler_a):
        with pytest.raises(Conflict) as raised:
            accept_event(as_actor(economy_handler_a), garbage_closed.pk)
        assert f"事件 {garbage_closed.number} 当前为「已结案」" in str(raised.value)

    def test_verifying_a_reported_event(self, grid_worker):
        event = report(grid_worker, "暴露垃圾").event
        with pytest.raises(Conflict, match="当前为「待受理」，只有「待核查」时可以这样做"):
            verify_event(as_actor(grid_worker), event.pk, passed=True)

    def test_dispatching_twice(self, grid_worker, dispatcher_a):
        event = dispatched(grid_worker, "暴露垃圾", dispatcher_a)
        with pytest.raises(Conflict, match="当前为「待签收」"):
            dispatch_event(as_actor(dispatcher_a), event.pk)
        assert event.assignments.count() == 1

    def test_finishing_before_accepting(self, grid_worker, dispatcher_a, economy_handler_a):
        event = dispatched(grid_worker, "暴露垃圾", dispatcher_a)
        with pytest.raises(Conflict, match="当前为「待签收」"):
            finish_event(as_actor(economy_handler_a), event.pk, "已处理")

    def test_escalating_a_dispatched_event(self, grid_worker, dispatcher_a):
        event = dispatched(grid_worker, "暴露垃圾", dispatcher_a)
        with pytest.raises(Conflict, match="待签收"):
            escalate_to_county(as_actor(dispatcher_a), event.pk, "太难")

    def test_requesting_an_extension_on_a_closed_event(self, garbage_closed, economy_handler_a):
        with pytest.raises(Conflict, match="已结案"):
            request_extension(as_actor(economy_handler_a), garbage_closed.pk, "1d", "理由")

    def test_unparking_an_event_that_is_not_parked(self, garbage_in_progress, economy_handler_a):
        with pytest.raises(Conflict, match="当前为「处置中」，只有「挂账」时可以这样做"):
            unpark_event(as_actor(economy_handler_a), garbage_in_progress.pk)

    def test_a_conflict_changes_nothing(self, garbage_closed, economy_handler_a):
        before = EventHistory.objects.filter(event=garbage_closed).count()
        with pytest.raises(Conflict):
            accept_event(as_actor(economy_handler_a), garbage_closed.pk)
        assert EventHistory.objects.filter(event=garbage_closed).count() == before
        assert reload(garbage_closed).revision == garbage_closed.revision


# What a township B user tries on township A's event; each must find nothing (Http404).
OUT_OF_SCOPE = {
    "dispatch": lambda actor, event, other: dispatch_event(actor, event.pk),
    "escalate": lambda actor, event, other: escalate_to_county(actor, event.pk, "上报"),
    "reject": lambda actor, event, other: reject_event(actor, event.pk, "不予受理"),
    "merge": lambda actor, event, other: merge_event(actor, event.pk, other.pk),
    "accept": lambda actor, event, other: accept_event(actor, event.pk),
    "finish": lambda actor, event, other: finish_event(actor, event.pk, "已处理"),
    "verify": lambda actor, event, other: verify_event(actor, event.pk, passed=True),
    "request_extension": lambda actor, event, other: request_extension(actor, event.pk, "1d", "理由"),
    "request_parking": lambda actor, event, other: request_parking(actor, event.pk, "理由"),
    "supervise": lambda actor, event, other: issue_supervision(actor, event.pk, "抓紧", "2h"),
    "unpark": lambda actor, event, other: unpark_event(actor, event.pk),
    "reopen": lambda actor, event, other: reopen_event(actor, event.pk, "重办"),
}


class TestOutOfScope:
    @pytest.fixture
    def township_a_events(self, grid_worker, dispatcher_a, economy_handler_a):
        """A reported and a dispatched event of 东城 (township A)."""
        return [report(grid_worker, "暴露垃圾").event, dispatched(grid_worker, "暴露垃圾", dispatcher_a)]

    @pytest.mark.parametrize("action", sorted(OUT_OF_SCOPE))
    @pytest.mark.parametrize("persona", ["dispatcher_b", "grid_worker_b"])
    def test_a_township_b_user_finds_nothing_of_township_a(self, request, township_a_events, persona, action):
        user = request.getfixturevalue(persona)
        for event, other in (township_a_events, township_a_events[::-1]):
            before = EventHistory.objects.filter(event=event).count()
            with pytest.raises(Http404):
                OUT_OF_SCOPE[action](as_actor(user), event, other)
            assert EventHistory.objects.filter(event=event).count() == before
            assert reload(event).state == event.state

    def test_a_township_b_handler_cannot_accept_a_task_of_township_a(self, township_a_events, person):
        xicheng_economy = person("t002-platform-2")
        with pytest.raises(Http404):
            accept_event(as_actor(xicheng_economy), township_a_events[1].pk)


class TestNotYourTurn:
    def test_a_county_department_cannot_accept_a_township_platforms_task(
        self, grid_worker, dispatcher_a, market_handler
    ):
        event = dispatched(grid_worker, "暴露垃圾", dispatcher_a)

        with pytest.raises(NotYourTurn) as raised:
            accept_event(as_actor(market_handler), event.pk)
        assert "东城街道经济生态平台" in str(raised.value)
        assert "永康市市场监督管理局" in str(raised.value)
        assert reload(event).state == EventState.DISPATCHED

    def test_another_township_unit_cannot_finish_the_leads_task(self, garbage_in_progress, enforcer_a):
        with pytest.raises(NotYourTurn):
            finish_event(as_actor(enforcer_a), garbage_in_progress.pk, "已处理")

    def test_a_county_handler_cannot_return_what_it_does_not_lead(
        self, garbage_in_progress, enforcement_handler
    ):
        with pytest.raises(NotYourTurn):
            return_event(as_actor(enforcement_handler), garbage_in_progress.pk, "不是我们的")

    def test_a_handler_cannot_dispatch(self, grid_worker, enforcer_a):
        event = report(grid_worker, "暴露垃圾").event
        with pytest.raises(NotYourTurn, match="您的角色（处置人员）不能执行此操作"):
            dispatch_event(as_actor(enforcer_a), event.pk)

    def test_the_county_centre_does_not_dispatch_what_the_township_still_holds(
        self, grid_worker, county_dispatcher
    ):
        event = report(grid_worker, "暴露垃圾").event
        with pytest.raises(NotYourTurn, match="东城街道综合信息指挥室"):
            dispatch_event(as_actor(county_dispatcher), event.pk)

    def test_the_lead_cannot_verify_its_own_work(self, grid_worker, dispatcher_a, economy_handler_a):
        event = dispatched(grid_worker, "暴露垃圾", dispatcher_a)
        accept_event(as_actor(economy_handler_a), event.pk)
        finish_event(as_actor(economy_handler_a), event.pk, "已处理")

        with pytest.raises(NotYourTurn):
            verify_event(as_actor(economy_handler_a), event.pk, passed=True)
        assert reload(event).state == EventState.HANDLED
