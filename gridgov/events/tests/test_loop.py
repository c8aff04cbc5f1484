"""The closed loop (DOMAIN §5): dispatch, acceptance, joint handling, verification, closure, rating
and reopening; escalation to the county and returns; grid self-resolution; rejection; merging."""

from datetime import timedelta

import pytest
from django.http import Http404

from gridgov.accounts.choices import Role
from gridgov.events.choices import AssignmentRole, AssignmentState, EventState, PhotoKind, Rating
from gridgov.events.errors import BadRequest, Conflict, NotYourTurn
from gridgov.events.photos import attach_photo
from gridgov.events.services import (
    accept_event,
    dispatch_event,
    escalate_to_county,
    finish_event,
    merge_event,
    rate_event,
    reject_event,
    reopen_event,
    resolve_on_spot,
    return_event,
    verify_event,
)
from gridgov.matters.choices import HandlingLevel, Stage
from gridgov.workcal.calendar import add_working_time

from .conftest import (
    TUESDAY_MORNING,
    as_actor,
    dispatched,
    grids_of,
    handled,
    inbox,
    matter,
    reload,
    report,
    steps,
    unit,
)

pytestmark = pytest.mark.django_db


class TestTheMainPath:
    def test_report_dispatch_accept_finish_verify_close_rate(
        self, grid_worker, dispatcher_a, economy_handler_a
    ):
        event = report(grid_worker, "暴露垃圾").event

        dispatch_event(as_actor(dispatcher_a), event.pk)
        event = reload(event)
        assert event.state == EventState.DISPATCHED
        assert event.lead_unit == event.owner_unit == unit("t001-platform-2")
        assert event.dispatched_by_unit == unit("t001-command")
        assert event.stage == Stage.HANDLE
        assert event.stage_deadline == add_working_time(TUESDAY_MORNING, 4, "hours")
        assert inbox(economy_handler_a, "new_task")

        accept_event(as_actor(economy_handler_a), event.pk)
        assert reload(event).state == EventState.IN_PROGRESS

        finish_event(as_actor(economy_handler_a), event.pk, "已清运，现场恢复整洁")
        event = reload(event)
        assert event.state == EventState.HANDLED
        assert event.owner_unit == grid_worker.unit  # 暴露垃圾 may close at grid level
        assert event.stage == Stage.VERIFY
        assert inbox(grid_worker, "verify")
        assert not inbox(grid_worker, "outcome")

        verify_event(as_actor(grid_worker), event.pk, passed=True)
        event = reload(event)
        assert event.state == EventState.CLOSED
        assert event.closed_on_time is True
        assert event.closed_at == TUESDAY_MORNING
        assert event.next_due_at is None
        assert [n.title for n in inbox(grid_worker, "outcome")] == [
            f"您反映的问题已办结：暴露垃圾（{event.number}）"
        ]

        rate_event(as_actor(grid_worker), event.pk, Rating.SATISFIED, "很快")
        event = reload(event)
        assert event.rating == Rating.SATISFIED
        assert event.state == EventState.CLOSED

        assert steps(event) == [
            ("report", "reported", "reported", grid_worker.username),
            ("dispatch", "reported", "dispatched", dispatcher_a.username),
            ("accept", "dispatched", "in_progress", economy_handler_a.username),
            ("finish", "in_progress", "handled", economy_handler_a.username),
            ("close", "handled", "closed", grid_worker.username),
            ("rate", "closed", "closed", grid_worker.username),
        ]
        lead = event.assignments.get()
        assert (lead.role, lead.state, lead.note) == (
            AssignmentRole.LEAD,
            AssignmentState.DONE,
            "已清运，现场恢复整洁",
        )

    def test_a_matter_closed_at_township_level_is_verified_by_the_command_room(
        self, grid_worker, dispatcher_a, enforcer_a
    ):
        assert matter("店外经营").close_level == HandlingLevel.TOWNSHIP
        event = handled(grid_worker, "店外经营", dispatcher_a, enforcer_a)
        assert event.lead_unit == unit("t001-enforcement")
        assert event.owner_unit == unit("t001-command")

        with pytest.raises(NotYourTurn):
            verify_event(as_actor(grid_worker), event.pk, passed=True)
        verify_event(as_actor(dispatcher_a), event.pk, passed=True)

        assert reload(event).state == EventState.CLOSED
        assert steps(event)[-1] == ("close", "handled", "closed", dispatcher_a.username)

    def test_finishing_needs_a_note(self, garbage_in_progress, economy_handler_a):
        with pytest.raises(BadRequest, match="请填写处置情况说明"):
            finish_event(as_actor(economy_handler_a), garbage_in_progress.pk, "  ")
        assert reload(garbage_in_progress).state == EventState.IN_PROGRESS


class TestReworkWhenVerificationFails:
    def test_failed_verification_sends_it_back_with_a_new_deadline_then_it_closes(
        self, grid_worker, dispatcher_a, economy_handler_a, time_machine
    ):
        event = handled(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a)
        later = TUESDAY_MORNING.replace(hour=10)
        time_machine.move_to(later)

        verify_event(as_actor(grid_worker), event.pk, passed=False, reason="垃圾只清了一半")

        event = reload(event)
        assert event.state == EventState.IN_PROGRESS
        assert event.reworks == 1
        assert event.owner_unit == unit("t001-platform-2")
        assert event.stage == Stage.HANDLE
        assert event.stage_started_at == later
        assert event.stage_deadline == add_working_time(later, 4, "hours")
        assert event.assignments.get().state == AssignmentState.ACCEPTED
        assert [n.body for n in inbox(economy_handler_a, "rework")] == ["垃圾只清了一半"]
        assert steps(event)[-1] == ("rework", "handled", "in_progress", grid_worker.username)

        finish_event(as_actor(economy_handler_a), event.pk, "已全部清理")
        verify_event(as_actor(grid_worker), event.pk, passed=True)

        event = reload(event)
        assert event.state == EventState.CLOSED
        assert [s[:3] for s in steps(event)[-3:]] == [
            ("rework", "handled", "in_progress"),
            ("finish", "in_progress", "handled"),
            ("close", "handled", "closed"),
        ]

    def test_a_failed_verification_needs_a_reason(self, grid_worker, dispatcher_a, economy_handler_a):
        event = handled(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a)

        with pytest.raises(BadRequest, match="请填写返工原因"):
            verify_event(as_actor(grid_worker), event.pk, passed=False)
        assert reload(event).state == EventState.HANDLED


class TestJointHandling:
    @pytest.fixture
    def joint(self, grid_worker, dispatcher_a, platform_handler_a, enforcer_a, economy_handler_a):
        """电动车违规充电 led by 平安法治平台 with the enforcement team and 经济生态平台 as co-units."""
        event = report(grid_worker, "电动车违规充电").event
        dispatch_event(
            as_actor(dispatcher_a),
            event.pk,
            lead=unit("t001-platform-3"),
            co=[unit("t001-enforcement"), unit("t001-platform-2")],
            reason="涉及飞线和占道，需执法队和经济生态平台协同",
        )
        accept_event(as_actor(platform_handler_a), event.pk)
        return reload(event)

    def test_the_dispatch_creates_one_lead_and_two_co_assignments(self, joint, enforcer_a, economy_handler_a):
        rows = {a.unit.code: (a.role, a.state) for a in joint.assignments.select_related("unit")}
        assert rows == {
            "t001-platform-3": (AssignmentRole.LEAD, AssignmentState.ACCEPTED),
            "t001-enforcement": (AssignmentRole.CO, AssignmentState.PENDING),
            "t001-platform-2": (AssignmentRole.CO, AssignmentState.PENDING),
        }
        assert joint.route_reason == "调度员指定：涉及飞线和占道，需执法队和经济生态平台协同"
        assert inbox(enforcer_a, "new_task") and inbox(economy_handler_a, "new_task")

    def test_the_lead_cannot_finish_before_both_co_units_have(
        self, joint, platform_handler_a, enforcer_a, economy_handler_a
    ):
        with pytest.raises(Conflict) as raised:
            finish_event(as_actor(platform_handler_a), joint.pk, "已处理")
        assert "东城街道综合行政执法队" in str(raised.value)
        assert "东城街道经济生态平台" in str(raised.value)

        accept_event(as_actor(enforcer_a), joint.pk)
        finish_event(as_actor(enforcer_a), joint.pk, "已拆除飞线")
        with pytest.raises(Conflict) as raised:
            finish_event(as_actor(platform_handler_a), joint.pk, "已处理")
        assert "东城街道经济生态平台" in str(raised.value)
        assert "综合行政执法队" not in str(raised.value)
        assert reload(joint).state == EventState.IN_PROGRESS

    def test_co_units_sign_off_their_own_sub_tasks_then_the_lead_finishes(
        self, joint, platform_handler_a, enforcer_a, economy_handler_a
    ):
        accept_event(as_actor(enforcer_a), joint.pk)
        accept_event(as_actor(economy_handler_a), joint.pk)
        finish_event(as_actor(enforcer_a), joint.pk, "已拆除飞线")
        finish_event(as_actor(economy_handler_a), joint.pk, "已清理楼道")

        co = joint.assignments.filter(role=AssignmentRole.CO)
        assert set(co.values_list("state", flat=True)) == {AssignmentState.DONE}
        assert set(co.values_list("note", flat=True)) == {"已拆除飞线", "已清理楼道"}
        assert reload(joint).state == EventState.IN_PROGRESS  # co-units alone never finish the event
        assert len(inbox(platform_handler_a, "co_done")) == 2

        finish_event(as_actor(platform_handler_a), joint.pk, "联合处置完毕")

        event = reload(joint)
        assert event.state == EventState.HANDLED
        assert set(event.assignments.values_list("state", flat=True)) == {AssignmentState.DONE}
        assert [s[:3] for s in steps(event)[2:]] == [
            ("accept", "dispatched", "in_progress"),
            ("accept", "in_progress", "in_progress"),
            ("accept", "in_progress", "in_progress"),
            ("co_finish", "in_progress", "in_progress"),
            ("co_finish", "in_progress", "in_progress"),
            ("finish", "in_progress", "handled"),
        ]

    def test_a_co_unit_accepting_first_does_not_start_the_handling(
        self, grid_worker, dispatcher_a, enforcer_a
    ):
        event = dispatched(
            grid_worker,
            "电动车违规充电",
            dispatcher_a,
            lead=unit("t001-platform-3"),
            co=[unit("t001-enforcement")],
        )

        accept_event(as_actor(enforcer_a), event.pk)

        assert reload(event).state == EventState.DISPATCHED
        assert steps(event)[-1] == ("accept", "dispatched", "dispatched", enforcer_a.username)

    def test_a_lead_also_named_as_co_unit_is_refused(self, grid_worker, dispatcher_a):
        event = report(grid_worker, "电动车违规充电").event

        with pytest.raises(BadRequest, match="主办单位不能同时是协办单位"):
            dispatch_event(
                as_actor(dispatcher_a),
                event.pk,
                lead=unit("t001-platform-3"),
                co=[unit("t001-platform-3"), unit("t001-enforcement")],
            )
        assert not event.assignments.exists()


class TestEscalationAndReturns:
    @pytest.fixture
    def escalated(self, grid_worker, dispatcher_a):
        event = report(grid_worker, "食品安全").event
        escalate_to_county(as_actor(dispatcher_a), event.pk, "涉及食品安全，需市场监管部门处理")
        return reload(event)

    def test_the_township_escalates_to_the_county_centre(self, escalated, dispatcher_a, county_dispatcher):
        assert escalated.state == EventState.ESCALATED
        assert escalated.owner_unit == unit("county-centre")
        assert escalated.level == HandlingLevel.COUNTY
        assert escalated.stage == Stage.DISPATCH
        assert [n.body for n in inbox(county_dispatcher, "new_event")] == ["涉及食品安全，需市场监管部门处理"]
        assert steps(escalated)[-1] == ("escalate", "reported", "escalated", dispatcher_a.username)

    def test_escalating_needs_a_reason(self, grid_worker, dispatcher_a):
        event = report(grid_worker, "食品安全").event
        with pytest.raises(BadRequest, match="请填写上报县级的理由"):
            escalate_to_county(as_actor(dispatcher_a), event.pk, "")

    def test_the_county_dispatches_the_department_returns_it_and_it_is_redispatched(
        self, escalated, county_dispatcher, market_handler, person
    ):
        dispatch_event(as_actor(county_dispatcher), escalated.pk, lead=unit("dept-scjg"))
        event = reload(escalated)
        assert event.state == EventState.DISPATCHED
        assert event.owner_unit == unit("dept-scjg")
        assert event.dispatched_by_unit == unit("county-centre")
        assert event.level == HandlingLevel.COUNTY

        return_event(as_actor(market_handler), event.pk, "属于餐饮卫生，不是我局职责，请改派")

        event = reload(event)
        assert event.state == EventState.ESCALATED
        assert event.returns == 1
        assert event.owner_unit == unit("county-centre")
        assert event.lead_unit is None
        assert event.assignments.get().state == AssignmentState.WITHDRAWN
        assert [n.body for n in inbox(county_dispatcher, "returned")] == [
            "属于餐饮卫生，不是我局职责，请改派"
        ]

        dispatch_event(as_actor(county_dispatcher), event.pk, lead=unit("dept-wjj"), reason="改派卫健局")

        event = reload(event)
        assert event.state == EventState.DISPATCHED
        assert event.lead_unit == event.owner_unit == unit("dept-wjj")
        assert [(a.unit.code, a.state) for a in event.assignments.select_related("unit").order_by("id")] == [
            ("dept-scjg", AssignmentState.WITHDRAWN),
            ("dept-wjj", AssignmentState.PENDING),
        ]
        assert [s[:3] for s in steps(event)] == [
            ("report", "reported", "reported"),
            ("escalate", "reported", "escalated"),
            ("dispatch", "escalated", "dispatched"),
            ("return", "dispatched", "escalated"),
            ("dispatch", "escalated", "dispatched"),
        ]
        health_handler = person("dept-wjj")
        accept_event(as_actor(health_handler), event.pk)
        assert reload(event).state == EventState.IN_PROGRESS

    def test_the_county_default_route_names_the_lead_department_and_its_co_units(
        self, escalated, county_dispatcher
    ):
        dispatch_event(as_actor(county_dispatcher), escalated.pk)

        event = reload(escalated)
        assert event.lead_unit == unit("dept-scjg")
        co = event.assignments.filter(role=AssignmentRole.CO).select_related("unit")
        assert [a.unit.code for a in co] == ["dept-wjj"]
        assert "事项清单 v1" in event.route_reason and "主办 永康市市场监督管理局" in event.route_reason

    def test_a_return_from_a_township_unit_goes_back_to_the_command_room(
        self, garbage_in_progress, economy_handler_a
    ):
        return_event(as_actor(economy_handler_a), garbage_in_progress.pk, "不属于本平台")

        event = reload(garbage_in_progress)
        assert event.state == EventState.REPORTED
        assert event.owner_unit == unit("t001-command")
        assert event.returns == 1

    def test_a_return_needs_a_reason(self, garbage_in_progress, economy_handler_a):
        with pytest.raises(BadRequest, match="请填写回退理由"):
            return_event(as_actor(economy_handler_a), garbage_in_progress.pk, "")

    def test_a_township_dispatcher_cannot_dispatch_to_a_county_department(self, grid_worker, dispatcher_a):
        event = report(grid_worker, "食品安全").event

        with pytest.raises(BadRequest, match="乡镇不能直接派遣县级部门（永康市市场监督管理局）"):
            dispatch_event(as_actor(dispatcher_a), event.pk)  # the catalogue's route: county:market
        with pytest.raises(BadRequest, match="乡镇不能直接派遣县级部门"):
            dispatch_event(as_actor(dispatcher_a), event.pk, lead=unit("dept-scjg"))
        assert reload(event).state == EventState.REPORTED
        assert not event.assignments.exists()

    def test_a_township_dispatcher_cannot_dispatch_to_another_townships_unit(self, grid_worker, dispatcher_a):
        event = report(grid_worker, "暴露垃圾").event

        with pytest.raises(BadRequest, match="不在事件所在乡镇（街道），不能承办"):
            dispatch_event(as_actor(dispatcher_a), event.pk, lead=unit("t002-platform-2"))

    def test_nobody_dispatches_to_a_dispatching_unit(self, grid_worker, dispatcher_a):
        event = report(grid_worker, "暴露垃圾").event

        with pytest.raises(BadRequest, match="是调度单位"):
            dispatch_event(as_actor(dispatcher_a), event.pk, lead=unit("t001-command"))

    def test_the_county_cannot_dispatch_a_township_a_event_to_a_township_b_unit(
        self, escalated, county_dispatcher, person
    ):
        xicheng_platform = person("t002-platform-2")
        try:
            dispatch_event(as_actor(county_dispatcher), escalated.pk, lead=unit("t002-platform-2"))
        except BadRequest:
            return
        # It went through: the lead unit cannot act on its own task (the event is outside its territory).
        with pytest.raises(Http404):
            accept_event(as_actor(xicheng_platform), escalated.pk)
        pytest.fail("a 东城 event was dispatched to 西城街道经济生态平台, which cannot see it")

    def test_a_township_led_matter_with_county_co_units_goes_through_the_county_centre(
        self, grid_worker, dispatcher_a, county_dispatcher
    ):
        """违法建设 is led by the township's enforcement team, but the catalogue names county co-units
        (自然资源和规划局、住建局): only the county centre may dispatch it on that route."""
        assert matter("违法建设").lead == "township:enforcement"
        event = report(grid_worker, "违法建设").event

        with pytest.raises(BadRequest, match="乡镇不能直接派遣县级部门"):
            dispatch_event(as_actor(dispatcher_a), event.pk)
        escalate_to_county(as_actor(dispatcher_a), event.pk, "需县级部门协办")
        dispatch_event(as_actor(county_dispatcher), event.pk)

        event = reload(event)
        assert event.lead_unit == unit("t001-enforcement")
        co = event.assignments.filter(role=AssignmentRole.CO).select_related("unit")
        assert {a.unit.code for a in co} == {"dept-zrzy", "dept-zjj"}


class TestGridSelfResolution:
    def test_with_evidence_a_grid_closable_matter_closes_at_once(self, grid_worker, jpeg):
        event = report(grid_worker, "暴露垃圾").event
        attach_photo(event, PhotoKind.EVIDENCE, "after.jpg", jpeg, str(grid_worker))

        resolve_on_spot(as_actor(grid_worker), event.pk, "已自行清理")

        event = reload(event)
        assert event.state == EventState.CLOSED
        assert event.self_resolved is True
        assert event.level == HandlingLevel.GRID
        assert event.lead_unit == grid_worker.unit
        assert event.closed_on_time is True
        assert event.assignments.get().state == AssignmentState.DONE
        assert steps(event)[1:] == [
            ("resolve_on_spot", "reported", "reported", grid_worker.username),
            ("close", "reported", "closed", grid_worker.username),
        ]
        assert inbox(grid_worker, "outcome")

    def test_a_matter_closable_only_higher_up_waits_for_township_verification(
        self, grid_worker, dispatcher_a, jpeg
    ):
        assert matter("乱堆物料").close_level == HandlingLevel.VILLAGE
        event = report(grid_worker, "乱堆物料").event
        attach_photo(event, PhotoKind.EVIDENCE, "after.jpg", jpeg, str(grid_worker))

        resolve_on_spot(as_actor(grid_worker), event.pk, "已劝导搬离")

        event = reload(event)
        assert event.state == EventState.HANDLED
        assert event.owner_unit == unit("t001-command")
        assert event.stage == Stage.VERIFY
        assert inbox(dispatcher_a, "verify")
        verify_event(as_actor(dispatcher_a), event.pk, passed=True)
        assert reload(event).state == EventState.CLOSED

    def test_without_an_evidence_photo_it_is_refused(self, grid_worker, jpeg):
        event = report(grid_worker, "暴露垃圾", photos=[("before.jpg", jpeg)]).event  # a report photo only

        with pytest.raises(BadRequest, match="就地解决需要上传处置后的照片作为证据"):
            resolve_on_spot(as_actor(grid_worker), event.pk, "已自行清理")
        assert reload(event).state == EventState.REPORTED
        assert not event.assignments.exists()

    def test_a_matter_that_is_not_self_resolvable_is_refused(self, grid_worker, jpeg):
        assert matter("违法建设").self_resolvable is False
        event = report(grid_worker, "违法建设").event
        attach_photo(event, PhotoKind.EVIDENCE, "after.jpg", jpeg, str(grid_worker))

        with pytest.raises(BadRequest, match="不允许网格就地解决"):
            resolve_on_spot(as_actor(grid_worker), event.pk, "已劝停")
        assert reload(event).state == EventState.REPORTED

    def test_a_grid_worker_whose_area_covers_but_is_not_the_grid_is_not_the_one(
        self, grid_worker, person, jpeg
    ):
        """A grid worker attached to the village sees the event but is not its grid's worker."""
        village_worker = person(f"v{grid_worker.unit.territory.parent.code}", role=Role.GRID_WORKER)
        event = report(grid_worker, "暴露垃圾").event
        attach_photo(event, PhotoKind.EVIDENCE, "after.jpg", jpeg, str(grid_worker))

        with pytest.raises(NotYourTurn, match="只有本网格的网格员可以就地解决"):
            resolve_on_spot(as_actor(village_worker), event.pk, "已清理")

    def test_a_dispatcher_cannot_resolve_on_the_spot(self, grid_worker, dispatcher_a, jpeg):
        event = report(grid_worker, "暴露垃圾").event
        attach_photo(event, PhotoKind.EVIDENCE, "after.jpg", jpeg, str(grid_worker))

        with pytest.raises(NotYourTurn):
            resolve_on_spot(as_actor(dispatcher_a), event.pk, "已清理")

    def test_the_worker_of_another_grid_does_not_even_find_the_event(self, grid_worker, person, jpeg):
        other_grid = grids_of(grid_worker.unit.territory.code)[1]
        other_worker = person(f"g{other_grid.code}", role=Role.GRID_WORKER)
        event = report(grid_worker, "暴露垃圾").event
        attach_photo(event, PhotoKind.EVIDENCE, "after.jpg", jpeg, str(grid_worker))

        with pytest.raises(Http404):
            resolve_on_spot(as_actor(other_worker), event.pk, "已清理")
        assert reload(event).state == EventState.REPORTED


class TestRejection:
    def test_the_command_room_rejects_with_a_reason_and_the_reporter_hears(self, grid_worker, dispatcher_a):
        event = report(grid_worker, "暴露垃圾").event

        reject_event(as_actor(dispatcher_a), event.pk, "现场核实无垃圾")

        event = reload(event)
        assert event.state == EventState.REJECTED
        assert event.next_due_at is None
        assert steps(event)[-1] == ("reject", "reported", "rejected", dispatcher_a.username)
        assert [n.title for n in inbox(grid_worker, "outcome")] == ["您的上报未予受理：现场核实无垃圾"]

    def test_a_rejection_needs_a_reason(self, grid_worker, dispatcher_a):
        event = report(grid_worker, "暴露垃圾").event

        with pytest.raises(BadRequest, match="请填写不予受理的理由"):
            reject_event(as_actor(dispatcher_a), event.pk, " ")
        assert reload(event).state == EventState.REPORTED


class TestMerging:
    @pytest.fixture
    def second_grid_worker(self, person, grid_worker):
        return person(grid_worker.unit.code, role=Role.GRID_WORKER, username="grid_worker_2")

    def test_a_duplicate_is_merged_and_every_reporter_hears_the_outcome(
        self, grid_worker, second_grid_worker, dispatcher_a, economy_handler_a
    ):
        primary = report(grid_worker, "暴露垃圾", text="丽州路绿化带内有生活垃圾堆放").event
        duplicate = report(second_grid_worker, "暴露垃圾", text="丽州路绿化带里有垃圾堆").event

        merge_event(as_actor(dispatcher_a), duplicate.pk, primary.pk)

        duplicate = reload(duplicate)
        assert duplicate.state == EventState.MERGED
        assert duplicate.merged_into == primary
        assert duplicate.next_due_at is None
        assert steps(duplicate)[-1] == ("merge", "reported", "merged", dispatcher_a.username)
        assert steps(primary)[-1] == ("absorb", "reported", "reported", dispatcher_a.username)
        assert [n.event_id for n in inbox(second_grid_worker, "merged")] == [primary.pk]

        dispatch_event(as_actor(dispatcher_a), primary.pk)
        accept_event(as_actor(economy_handler_a), primary.pk)
        finish_event(as_actor(economy_handler_a), primary.pk, "已清理")
        verify_event(as_actor(grid_worker), primary.pk, passed=True)

        for reporter in (grid_worker, second_grid_worker):
            outcome = inbox(reporter, "outcome")
            assert [n.event_id for n in outcome] == [primary.pk], reporter.username

    def test_an_event_cannot_be_merged_into_itself(self, grid_worker, dispatcher_a):
        event = report(grid_worker, "暴露垃圾").event
        with pytest.raises(BadRequest, match="不能把事件合并到它自己"):
            merge_event(as_actor(dispatcher_a), event.pk, event.pk)

    def test_an_event_already_dispatched_cannot_be_merged_away(
        self, garbage_in_progress, grid_worker, dispatcher_a
    ):
        other = report(grid_worker, "暴露垃圾").event
        with pytest.raises(Conflict, match="处置中"):
            merge_event(as_actor(dispatcher_a), garbage_in_progress.pk, other.pk)

    def test_a_duplicate_cannot_be_merged_into_a_closed_event(
        self, garbage_closed, second_grid_worker, dispatcher_a
    ):
        duplicate = report(second_grid_worker, "暴露垃圾").event

        with pytest.raises(Conflict):
            merge_event(as_actor(dispatcher_a), duplicate.pk, garbage_closed.pk)


class TestRatingAndReopening:
    def test_an_unsatisfied_rating_lets_the_dispatcher_reopen_it(
        self, garbage_closed, grid_worker, dispatcher_a, economy_handler_a, time_machine
    ):
        rate_event(as_actor(grid_worker), garbage_closed.pk, Rating.UNSATISFIED, "没扫干净")
        assert [n.body for n in inbox(dispatcher_a, "unsatisfied")] == ["没扫干净"]
        later = TUESDAY_MORNING + timedelta(hours=5)  # 14:00
        time_machine.move_to(later)

        reopen_event(as_actor(dispatcher_a), garbage_closed.pk, "群众不满意，重新清理")

        event = reload(garbage_closed)
        assert event.state == EventState.IN_PROGRESS
        assert event.reopens == 1
        assert event.owner_unit == unit("t001-platform-2")
        assert (event.rating, event.closed_at, event.closed_on_time) == ("", None, None)
        assert event.stage_deadline == add_working_time(later, 4, "hours")
        assert steps(event)[-1] == ("reopen", "closed", "in_progress", dispatcher_a.username)
        assert inbox(economy_handler_a, "reopen")

        finish_event(as_actor(economy_handler_a), event.pk, "已彻底清理")
        verify_event(as_actor(grid_worker), event.pk, passed=True)
        assert reload(event).state == EventState.CLOSED

    def test_a_satisfied_event_is_not_reopened(self, garbage_closed, grid_worker, dispatcher_a):
        rate_event(as_actor(grid_worker), garbage_closed.pk, Rating.SATISFIED)

        with pytest.raises(Conflict, match="只有评价为不满意的事件可以重办"):
            reopen_event(as_actor(dispatcher_a), garbage_closed.pk, "再办一次")
        assert reload(garbage_closed).reopens == 0

    def test_rating_twice_is_a_conflict(self, garbage_closed, grid_worker):
        rate_event(as_actor(grid_worker), garbage_closed.pk, Rating.BASIC)

        with pytest.raises(Conflict, match="已经评价过了"):
            rate_event(as_actor(grid_worker), garbage_closed.pk, Rating.UNSATISFIED)
        assert reload(garbage_closed).rating == Rating.BASIC

    def test_only_the_reporter_may_rate(self, garbage_closed, dispatcher_a):
        with pytest.raises(NotYourTurn, match="只有上报人可以评价"):
            rate_event(as_actor(dispatcher_a), garbage_closed.pk, Rating.SATISFIED)
        assert reload(garbage_closed).rating == ""

    def test_a_citizen_rates_their_own_report(self, citizen, dispatcher_a, economy_handler_a):
        event = report(None, "暴露垃圾", citizen=citizen).event
        dispatch_event(as_actor(dispatcher_a), event.pk)
        accept_event(as_actor(economy_handler_a), event.pk)
        finish_event(as_actor(economy_handler_a), event.pk, "已清理")
        assert reload(event).owner_unit == unit("t001-command")  # no grid worker reported it
        verify_event(as_actor(dispatcher_a), event.pk, passed=True)

        rate_event(as_actor(None), event.pk, Rating.SATISFIED, citizen=citizen)

        assert reload(event).rating == Rating.SATISFIED

    def test_an_unknown_rating_is_refused(self, garbage_closed, grid_worker):
        with pytest.raises(BadRequest, match="评价应为"):
            rate_event(as_actor(grid_worker), garbage_closed.pk, "great")

    def test_an_open_event_cannot_be_rated(self, garbage_in_progress, grid_worker):
        with pytest.raises(Conflict, match="已结案"):
            rate_event(as_actor(grid_worker), garbage_in_progress.pk, Rating.SATISFIED)
