"""Stage deadlines run in working time on the official calendar (调休 included); the deadline scan
warns at 80 %, marks overdue at the deadline, climbs the escalation ladder step by step, un-parks
parked events, respects extensions, and reads only what is due (DOMAIN §5, ARCHITECTURE rule 8).

Every expected moment below is worked out by hand from the calendar (working periods 08:30–12:00
and 14:00–17:30, i.e. 7 working hours a day) and cross-checked with `add_working_time`.
"""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.geometry import shape

from gridgov.accounts.models import Unit, User
from gridgov.audit.actor import Actor
from gridgov.core.models import PeriodicJob
from gridgov.events.choices import EventState
from gridgov.events.models import EscalationStep, Event, EventHistory, Notification
from gridgov.events.services import (
    Report,
    accept_event,
    decide_request,
    dispatch_event,
    finish_event,
    report_event,
    request_extension,
    request_parking,
    scan_deadlines,
    verify_event,
)
from gridgov.events.services.scanning import due_event_ids
from gridgov.matters.choices import Stage
from gridgov.workcal.calendar import add_working_time, invalidate_cache, working_time_between

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOTHING = {"warned": 0, "overdue": 0, "escalated": 0, "unparked": 0, "failed": 0}
TEXTS = {
    "JM04": "小区门口非机动车乱停放，堵住了人行道",  # 平安法治平台; dispatch 1h, handle 4h, verify 1d
    "AQ02": "楼道里有人给电动车充电，电线从窗户拉下来",  # 平安法治平台; handle 1d
    "PA01": "两户邻居因为排水沟的事情吵起来了",  # village committee; handle 3d
}


def at(text: str) -> datetime:
    """'2026-09-30 16:00' as an aware Asia/Shanghai datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def as_actor(user) -> Actor:
    return Actor(user=user, label=str(user))


@pytest.fixture(autouse=True)
def _fresh_calendar():
    invalidate_cache()
    yield
    invalidate_cache()


@pytest.fixture(autouse=True)
def _no_stale_unit_actors():
    """notify.actors_of caches each unit's people per process for 30 s; forget what earlier tests
    (rolled back since) cached, so that nobody from another test is notified here."""
    from gridgov.events import notify

    getattr(notify, "_actors", {}).clear()
    yield
    getattr(notify, "_actors", {}).clear()


@pytest.fixture
def clock():
    """clock("2026-09-30 16:00") pins the time there (no ticking) and returns that moment."""
    traveller = time_machine.travel(at("2026-06-10 10:00"), tick=False)
    coordinates = traveller.start()

    def move(text: str) -> datetime:
        coordinates.move_to(at(text))
        return at(text)

    yield move
    traveller.stop()


@pytest.fixture
def report(grid_worker):
    """report("JM04") → a new event reported by the grid worker in their own grid, now."""

    def make(matter: str, *, urgency: str = "normal", reporter=None) -> Event:
        reporter = reporter or grid_worker
        point = shape(reporter.unit.territory.geometry).representative_point()
        result = report_event(
            as_actor(reporter),
            Report(
                channel="grid_patrol",
                description=TEXTS[matter],
                lon=point.x,
                lat=point.y,
                matter_code=matter,
                urgency=urgency,
            ),
        )
        return result.event

    return make


@pytest.fixture
def platform_event(clock, report, dispatcher_a, platform_handler_a) -> Event:
    """An event of 东城街道平安法治平台 reported and dispatched at 2026-09-30 16:00, accepted:
    handling deadline 10-08 11:00 (1.5 h before the holiday, 2.5 h after), warning at 10:12."""
    clock("2026-09-30 16:00")
    event = report("JM04")
    dispatch_event(as_actor(dispatcher_a), event.pk)
    accept_event(as_actor(platform_handler_a), event.pk)
    event.refresh_from_db()
    assert event.stage_deadline == at("2026-10-08 11:00")
    assert event.warn_at == at("2026-10-08 10:12")
    return event


def recipients(event: Event, kind: str) -> set[str]:
    return set(Notification.objects.filter(event=event, kind=kind).values_list("user__username", flat=True))


def actions(event: Event) -> list[str]:
    return list(EventHistory.objects.filter(event=event).values_list("action", flat=True))


# --- deadlines across 调休 holidays ------------------------------------------------------------


@pytest.mark.parametrize(
    ("reported", "matter", "urgency", "dispatched", "expected"),
    [
        # 16:00–17:30 on 09-30 is 1.5 h; 10-01..10-07 are National Day; 08:30–11:00 on 10-08 is 2.5 h.
        pytest.param("2026-09-30 16:00", "JM04", "normal", True, "2026-10-08 11:00", id="4h-national-day"),
        # Urgent: 2 h = 1.5 h on 09-30 + 0.5 h on 10-08.
        pytest.param("2026-09-30 16:00", "JM04", "urgent", True, "2026-10-08 09:00", id="urgent-2h"),
        # Dispatch stage (1 h) of a report at 17:00: 0.5 h on 09-30, 0.5 h on 10-08.
        pytest.param("2026-09-30 17:00", "JM04", "normal", False, "2026-10-08 09:00", id="1h-dispatch"),
        # 1 working day: the same clock time on the first working day after 09-30.
        pytest.param("2026-09-30 16:00", "AQ02", "normal", True, "2026-10-08 16:00", id="1d-national-day"),
        # 3 working days: 10-08, 10-09 and the make-up Saturday 10-10.
        pytest.param(
            "2026-09-30 16:00", "PA01", "normal", True, "2026-10-10 16:00", id="3d-make-up-saturday"
        ),
        # Spring Festival 02-15..02-23; 02-14 (Sat) is a make-up working day: 1.5 h Fri + 2.5 h Sat.
        pytest.param("2026-02-13 16:00", "JM04", "normal", True, "2026-02-14 11:00", id="4h-spring-festival"),
        # 3 working days after Fri 02-13: Sat 02-14, Tue 02-24, Wed 02-25.
        pytest.param("2026-02-13 16:00", "PA01", "normal", True, "2026-02-25 16:00", id="3d-spring-festival"),
        # Reported on the make-up Saturday at 17:00: 0.5 h that day, 0.5 h on 02-24 after the holiday.
        pytest.param(
            "2026-02-14 17:00", "JM04", "normal", False, "2026-02-24 09:00", id="1h-from-make-up-day"
        ),
    ],
)
def test_stage_deadlines_run_in_working_time_around_the_holidays(
    clock, report, dispatcher_a, reported, matter, urgency, dispatched, expected
):
    start = clock(reported)
    event = report(matter, urgency=urgency)
    if dispatched:
        dispatch_event(as_actor(dispatcher_a), event.pk)
    event.refresh_from_db()

    stage = Stage.HANDLE if dispatched else Stage.DISPATCH
    limit = event.matter.limit(stage, urgent=urgency == "urgent")
    assert event.stage == stage
    assert event.stage_started_at == start
    assert event.stage_deadline == at(expected)
    assert event.stage_deadline == add_working_time(start, limit.amount, limit.unit)
    if dispatched:
        assert {a.deadline for a in event.assignments.all()} == {at(expected)}


def test_the_make_up_saturday_counts_for_the_verification_stage_too(
    clock, report, dispatcher_a, platform_handler_a
):
    clock("2026-02-25 09:00")
    event = report("JM04")
    dispatch_event(as_actor(dispatcher_a), event.pk)
    accept_event(as_actor(platform_handler_a), event.pk)
    clock("2026-02-27 16:00")  # Friday
    finish_event(as_actor(platform_handler_a), event.pk, "已劝导车主挪走，现场恢复通行")

    event.refresh_from_db()
    assert (event.state, event.stage) == (EventState.HANDLED, Stage.VERIFY)
    assert event.stage_deadline == at("2026-02-28 16:00")  # verify 1d: the make-up Saturday
    assert event.stage_deadline.weekday() == 5


# --- the warning point -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matter", "fraction", "warn_at"),
    [
        # 4 h = 240 min; 80 % = 192 min = 90 min on 09-30 + 102 min from 08:30 on 10-08.
        ("JM04", None, "2026-10-08 10:12"),
        # 3 d from 09-30 16:00 to 10-10 16:00 = 1.5 + 7 + 7 + 5.5 = 21 h; 80 % = 16.8 h
        # = 1.5 h (09-30) + 7 h (10-08) + 7 h (10-09) + 1.3 h from 08:30 on 10-10.
        ("PA01", None, "2026-10-10 09:48"),
        # Configured at 50 %: 120 min = 90 min on 09-30 + 30 min on 10-08.
        ("JM04", 0.5, "2026-10-08 09:00"),
    ],
)
def test_the_warning_comes_when_the_configured_share_of_working_time_is_used(
    clock, report, dispatcher_a, settings, matter, fraction, warn_at
):
    if fraction is not None:
        settings.GRIDGOV_WARNING_FRACTION = fraction
    start = clock("2026-09-30 16:00")
    event = report(matter)
    dispatch_event(as_actor(dispatcher_a), event.pk)
    event.refresh_from_db()

    allowed = working_time_between(start, event.stage_deadline)
    used_at_warning = working_time_between(start, event.warn_at)
    assert event.warn_at == at(warn_at)
    assert abs(used_at_warning - allowed * (fraction or 0.8)) < timedelta(minutes=1)
    assert event.next_due_at == event.warn_at


# --- the scan: warning, overdue, the escalation ladder -------------------------------------------


def test_the_scan_warns_then_marks_overdue_then_climbs_the_ladder_step_by_step(
    clock, platform_event, platform_handler_a
):
    event = platform_event
    platform = platform_handler_a.unit
    head = User.objects.create(username="dongcheng_platform_head", unit=platform, role="leader")

    clock("2026-10-01 10:00")  # a holiday: no working time has passed
    assert scan_deadlines() == NOTHING
    clock("2026-10-08 10:11")  # one minute before the warning point
    assert scan_deadlines() == NOTHING
    assert actions(event) == ["report", "dispatch", "accept"]

    clock("2026-10-08 10:12")
    assert scan_deadlines() == {**NOTHING, "warned": 1}
    event.refresh_from_db()
    assert event.warned and not event.overdue
    assert event.next_due_at == at("2026-10-08 11:00")  # the deadline is next
    assert recipients(event, "warning") == {"dongcheng_platform"}  # the owner unit's handlers
    assert scan_deadlines() == NOTHING  # idempotent: a second pass at the same moment does nothing
    assert actions(event).count("warn") == 1
    assert Notification.objects.filter(event=event, kind="warning").count() == 1

    clock("2026-10-08 10:59")
    assert scan_deadlines() == NOTHING
    clock("2026-10-08 11:00")
    assert scan_deadlines() == {**NOTHING, "overdue": 1}
    event.refresh_from_db()
    assert event.overdue and event.was_overdue and event.escalation_step == 0
    assert recipients(event, "overdue") == {"dongcheng_platform"}

    # Step 1 ("0h"): at once, to the owner unit's leaders and supervisors (the next pass).
    assert scan_deadlines() == {**NOTHING, "escalated": 1}
    event.refresh_from_db()
    assert event.escalation_step == 1
    assert recipients(event, "escalation") == {head.username}
    # Step 2 ("4h" working time after the deadline): 11:00–12:00 and 14:00–17:00 on 10-08.
    assert event.next_due_at == at("2026-10-08 17:00")
    assert scan_deadlines() == NOTHING

    clock("2026-10-08 16:59")
    assert scan_deadlines() == NOTHING
    Notification.objects.filter(event=event).delete()
    clock("2026-10-08 17:00")
    assert scan_deadlines() == {**NOTHING, "escalated": 1}
    event.refresh_from_db()
    assert event.escalation_step == 2
    # The unit above the platform is 东城街道指挥室: its leader and its dispatchers.
    assert recipients(event, "escalation") == {"dongcheng_leader", "dongcheng_dispatcher"}
    # Step 3 ("1d" after the deadline): 11:00 on the next working day.
    assert event.next_due_at == at("2026-10-09 11:00")

    Notification.objects.filter(event=event).delete()
    clock("2026-10-09 11:00")
    assert scan_deadlines() == {**NOTHING, "escalated": 1}
    event.refresh_from_db()
    assert event.escalation_step == 3
    assert recipients(event, "escalation") == {"county_dispatcher", "county_supervisor", "leader"}
    assert event.next_due_at is None  # the ladder is done

    clock("2026-10-20 09:00")
    assert scan_deadlines() == NOTHING
    assert actions(event) == [
        "report",
        "dispatch",
        "accept",
        "warn",
        "overdue",
        "escalate_overdue",
        "escalate_overdue",
        "escalate_overdue",
    ]
    steps = EventHistory.objects.filter(event=event, action="escalate_overdue").order_by("at", "id")
    assert [(h.data["step"], h.at) for h in steps] == [
        (1, at("2026-10-08 11:00")),
        (2, at("2026-10-08 17:00")),
        (3, at("2026-10-09 11:00")),
    ]
    assert event.state == EventState.IN_PROGRESS  # escalation notifies; it does not move the event


def test_the_ladder_is_data_editing_its_rows_changes_what_the_scan_does(clock, platform_event):
    event = platform_event
    EscalationStep.objects.exclude(order=1).delete()
    EscalationStep.objects.filter(order=1).update(after="2h", target=EscalationStep.Target.COUNTY_CENTRE)

    clock("2026-10-08 11:00")
    assert scan_deadlines() == {**NOTHING, "warned": 1}  # the warning had not been sent yet
    assert scan_deadlines() == {**NOTHING, "overdue": 1}
    assert scan_deadlines() == NOTHING  # no "0h" step any more
    event.refresh_from_db()
    assert event.next_due_at == at("2026-10-08 15:00")  # 1 h before noon, 1 h after 14:00

    # An administrator adds a step while the event is already overdue: the scan picks it up.
    EscalationStep.objects.create(order=2, after="1d", target=EscalationStep.Target.UNIT_ABOVE)
    clock("2026-10-08 15:00")
    assert scan_deadlines() == {**NOTHING, "escalated": 1}
    assert recipients(event, "escalation") == {"county_dispatcher", "county_supervisor", "leader"}
    event.refresh_from_db()
    assert event.next_due_at == at("2026-10-09 11:00")

    # …and moves a step later: at the old time nothing fires, the due time follows the data.
    EscalationStep.objects.filter(order=2).update(after="2d")
    clock("2026-10-09 11:00")
    assert scan_deadlines() == NOTHING
    event.refresh_from_db()
    assert event.next_due_at == at("2026-10-10 11:00")
    assert actions(event).count("escalate_overdue") == 1


def test_a_ladder_step_written_in_chinese_as_zero_hours_fires_at_the_deadline(clock, platform_event):
    event = platform_event
    EscalationStep.objects.filter(order=1).update(after="0小时")
    clock("2026-10-08 11:00")
    scan_deadlines()  # warned
    scan_deadlines()  # overdue
    assert scan_deadlines() == {**NOTHING, "escalated": 1}
    event.refresh_from_db()
    assert event.escalation_step == 1


def test_one_event_that_cannot_be_scanned_does_not_stop_the_others(
    clock, report, dispatcher_a, platform_handler_a
):
    clock("2026-12-31 09:00")
    stuck = report("JM04")
    dispatch_event(as_actor(dispatcher_a), stuck.pk)  # handle 4 h → 15:00; step 2 would be in 2027
    clock("2026-12-31 09:30")
    other = report("JM04")
    dispatch_event(as_actor(dispatcher_a), other.pk)  # warns at 14:42
    clock("2026-12-31 15:00")
    scan_deadlines()  # warns both
    scan_deadlines()  # marks `stuck` overdue
    Notification.objects.all().delete()
    clock("2026-12-31 15:30")  # `other` is now overdue too

    counts = scan_deadlines()

    other.refresh_from_db()
    assert other.overdue, counts


def test_the_scan_notifies_the_people_in_the_unit_now_not_a_minute_ago(
    clock, platform_event, platform_handler_a
):
    newcomer = User.objects.create(
        username="dongcheng_platform_new", unit=platform_handler_a.unit, role="handler"
    )
    User.objects.filter(pk=platform_handler_a.pk).update(is_active=False)

    clock("2026-10-08 10:12")
    assert scan_deadlines() == {**NOTHING, "warned": 1}

    assert recipients(platform_event, "warning") == {newcomer.username}


def test_a_parked_event_resumes_when_parking_ends_with_the_working_time_it_had_left(
    clock, platform_event, dispatcher_a, platform_handler_a
):
    event = platform_event  # deadline 10-08 11:00
    clock("2026-09-30 17:00")
    request = request_parking(
        as_actor(platform_handler_a), event.pk, "等节后业主回来再处理", until=at("2026-10-12 09:00")
    )
    decide_request(as_actor(dispatcher_a), request.pk, approve=True)
    event.refresh_from_db()
    assert event.state == EventState.PARKED
    # 17:00–17:30 on 09-30 and 08:30–11:00 on 10-08: 3 working hours left.
    assert event.paused_remaining_seconds == 3 * 3600
    assert event.next_due_at == at("2026-10-12 09:00")

    clock("2026-10-08 12:00")  # the old deadline has passed, but the clock is paused
    assert scan_deadlines() == NOTHING
    clock("2026-10-12 08:59")
    assert scan_deadlines() == NOTHING
    clock("2026-10-12 09:00")
    assert scan_deadlines() == {**NOTHING, "unparked": 1}

    event.refresh_from_db()
    assert event.state == EventState.IN_PROGRESS
    assert event.stage_deadline == at("2026-10-12 12:00")  # the 3 hours left, from 09:00
    assert (event.park_until, event.paused_remaining_seconds) == (None, None)
    assert not event.overdue and not event.was_overdue
    assert actions(event)[-2:] == ["park", "unpark"]
    assert "dongcheng_platform" in recipients(event, "unpark")


def test_an_approved_extension_moves_the_deadline_and_the_scan_follows_it(
    clock, platform_event, dispatcher_a, platform_handler_a
):
    event = platform_event  # deadline 10-08 11:00
    clock("2026-10-08 10:30")
    assert scan_deadlines() == {**NOTHING, "warned": 1}
    request = request_extension(as_actor(platform_handler_a), event.pk, "2d", "需等业主到场")
    decide_request(as_actor(dispatcher_a), request.pk, approve=True)
    event.refresh_from_db()
    assert event.stage_deadline == at("2026-10-10 11:00")  # 2 working days later: make-up Saturday
    assert not event.warned and event.extensions == 1

    clock("2026-10-08 11:00")  # the old deadline
    assert scan_deadlines() == NOTHING
    clock("2026-10-09 17:30")
    scan_deadlines()  # at most the new warning
    event.refresh_from_db()
    assert not event.overdue and not event.was_overdue
    clock("2026-10-10 11:00")
    scan_deadlines()
    scan_deadlines()
    event.refresh_from_db()
    assert event.overdue
    assert actions(event).count("overdue") == 1


def test_the_verification_stage_has_its_own_deadline_that_the_scan_enforces(
    clock, platform_event, platform_handler_a, grid_worker
):
    event = platform_event
    clock("2026-10-08 09:00")
    finish_event(as_actor(platform_handler_a), event.pk, "车辆已挪走")
    event.refresh_from_db()
    # 非机动车乱停放 may close at grid level: the reporting grid worker's grid verifies, within 1 d.
    assert event.owner_unit == grid_worker.unit
    assert event.stage_deadline == at("2026-10-09 09:00")

    clock("2026-10-08 11:00")  # the handling deadline: no longer relevant
    assert scan_deadlines() == NOTHING
    clock("2026-10-09 09:00")
    scan_deadlines()
    scan_deadlines()
    event.refresh_from_db()
    assert event.overdue and event.stage == Stage.VERIFY
    assert recipients(event, "overdue") == {"grid_worker"}

    verify_event(as_actor(grid_worker), event.pk, passed=True)
    event.refresh_from_db()
    assert event.state == EventState.CLOSED and event.closed_on_time is False
    assert event.next_due_at is None


# --- the scan reads only what is due ---------------------------------------------------------------


def test_the_scan_reads_only_due_events_and_never_closed_ones(clock, report):
    clock("2026-06-10 10:00")
    template = report("JM04")
    copies = []
    for i in range(199):
        copy = Event.objects.get(pk=template.pk)
        copy.pk, copy.number, copy.idempotency_key = None, f"T{i:05d}", None
        copies.append(copy)
    Event.objects.bulk_create(copies)
    ids = list(Event.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 200

    now = at("2026-06-11 10:00")
    Event.objects.filter(pk__in=ids).update(next_due_at=at("2026-12-01 09:00"))
    due = ids[10:15]
    for minutes, pk in enumerate(due):
        Event.objects.filter(pk=pk).update(next_due_at=now - timedelta(minutes=10 - minutes))
    closed = ids[20:23]
    Event.objects.filter(pk__in=closed).update(state=EventState.CLOSED, next_due_at=now - timedelta(days=1))
    merged = ids[30]
    Event.objects.filter(pk=merged).update(state=EventState.MERGED, next_due_at=now - timedelta(days=1))

    with CaptureQueriesContext(connection) as queries:
        found = due_event_ids(now)
    assert found == due  # ordered by due time
    assert len(queries) == 1 and "next_due_at" in queries[0]["sql"]
    assert due_event_ids(now, limit=2) == due[:2]

    clock("2026-06-11 10:00")
    with CaptureQueriesContext(connection) as queries:
        counts = scan_deadlines()
    assert counts == {**NOTHING, "warned": 5}
    # The cost follows what is due (5 events), not what is open (196).
    assert len(queries) <= 2 + 10 * len(due), len(queries)  # ~8 a due event today
    assert EventHistory.objects.filter(action="warn").count() == 5
    assert not EventHistory.objects.filter(event_id__in=[*closed, merged], action="warn").exists()


def test_run_scheduler_once_runs_the_deadline_scan(clock, report, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    clock("2026-06-10 10:00")
    event = report("JM04")  # dispatch stage: 1 h, warning at 10:48
    clock("2026-06-10 10:48")

    out = io.StringIO()
    call_command("run_scheduler", "--once", stdout=out)

    assert "ran events.scan_deadlines" in out.getvalue()
    job = PeriodicJob.objects.get(name="events.scan_deadlines")
    assert job.runs == 1 and job.last_error == ""
    assert job.next_run_at == at("2026-06-10 10:48:30")
    event.refresh_from_db()
    assert event.warned
    assert recipients(event, "warning") == {"dongcheng_dispatcher"}  # the command room acts now
    assert Unit.objects.get(code="t001-command") == event.owner_unit
