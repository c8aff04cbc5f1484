"""Two people (or two schedulers) acting on the same event at the same instant: the row lock lets
exactly one through, the other gets a clear Conflict (or does nothing), and the history records
the transition once.

Real threads on real connections, so this means something only on PostgreSQL: SQLite serialises
writers on the whole database file. The winner is slowed down while it holds the lock, so the two
threads really overlap: without the lock both would see the old state and both would act.
"""

import io
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from shapely.geometry import shape

from gridgov.audit.actor import Actor
from gridgov.events.choices import EventState
from gridgov.events.errors import Conflict
from gridgov.events.models import Assignment, Event, EventHistory
from gridgov.events.services import Report, accept_event, dispatch_event, report_event, scan_deadlines
from gridgov.workcal.calendar import invalidate_cache

ON_POSTGRES = connection.vendor == "postgresql"
TZ = ZoneInfo("Asia/Shanghai")
PERSONAS = ["dongcheng_dispatcher", "dongcheng_platform", "grid_worker"]
HOLD_LOCK_SECONDS = 0.3

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not ON_POSTGRES, reason="SQLite serialises writers; this test means something on PostgreSQL"
    ),
    # serialized_rollback puts back what the migrations wrote (working calendar, escalation ladder)
    # in case an earlier transactional test flushed the database; only needed on PostgreSQL.
    pytest.mark.django_db(transaction=True, serialized_rollback=ON_POSTGRES),
]


@pytest.fixture
def people():
    """The personas, seeded again if an earlier transactional test flushed the session seed; time
    pinned to an ordinary working morning."""
    from gridgov.accounts.models import User

    if User.objects.filter(username__in=PERSONAS).count() < len(PERSONAS):
        call_command("seed_demo", "--scale", "small", "--quiet-logins", stdout=io.StringIO())
    _forget_process_caches()
    with time_machine.travel(datetime(2026, 6, 10, 10, 0, tzinfo=TZ), tick=False):
        users = User.objects.select_related("unit__territory").filter(username__in=PERSONAS)
        yield {u.username: u for u in users}
    _forget_process_caches()


def _forget_process_caches():
    """The per-process caches of the intake hot path hold rows by primary key; after a flush and a
    fresh seed those rows have new keys, so every cache must start empty."""
    import importlib

    invalidate_cache()
    forget = {
        "gridgov.matters.lookup": ["forget_current"],
        "gridgov.matters.classifier": ["invalidate_classifier"],
        "gridgov.events.notify": ["forget_actors"],
        "gridgov.regions.locate": ["forget_locator"],
        "gridgov.integration.webhooks": ["forget_endpoints"],
    }
    dicts = {
        "gridgov.matters.lookup": ["_matters", "_rules", "_ids_by_code"],
        "gridgov.matters.routing": ["_cache"],
        "gridgov.matters.targets": ["_units"],
        "gridgov.events.services.intake": ["_commands"],
        "gridgov.events.notify": ["_actors"],
    }
    for name, functions in forget.items():
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for function in functions:
            if callable(getattr(module, function, None)):
                getattr(module, function)()
    for name, caches in dicts.items():
        module = importlib.import_module(name)
        for cache in caches:
            if isinstance(getattr(module, cache, None), dict):
                getattr(module, cache).clear()


def _slow_down(monkeypatch, module, name):
    """Make `module.name` (called while the event row is locked) take a little while."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(HOLD_LOCK_SECONDS)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def _new_event(reporter) -> Event:
    point = shape(reporter.unit.territory.geometry).representative_point()
    report = Report(
        channel="grid_patrol",
        description="小区门口非机动车乱停放，堵住了人行道",
        lon=point.x,
        lat=point.y,
        matter_code="JM04",  # 非机动车乱停放 → 东城街道平安法治平台
    )
    return report_event(Actor(user=reporter, label=str(reporter)), report).event


def _race(action, count: int) -> list:
    """Run `action(i)` in `count` threads released together; each thread's "ok" or exception."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            action(index)
            outcomes[index] = "ok"
        except Exception as exc:  # the test inspects whatever each thread got
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return outcomes


def test_two_dispatchers_dispatching_at_once_dispatch_once(people, monkeypatch):
    from gridgov.events.services import handling

    event = _new_event(people["grid_worker"])
    dispatcher = people["dongcheng_dispatcher"]
    # Two sessions of the same command room: two colleagues, two browser tabs.
    actors = [Actor(user=dispatcher, label="甲"), Actor(user=dispatcher, label="乙")]
    _slow_down(monkeypatch, handling, "notify_unit")

    outcomes = _race(lambda i: dispatch_event(actors[i], event.pk), 2)

    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    (error,) = [o for o in outcomes if o != "ok"]
    assert isinstance(error, Conflict), repr(error)
    assert event.number in str(error) and "待签收" in str(error) and "请刷新后再试" in str(error)
    assert EventHistory.objects.filter(event=event, action="dispatch").count() == 1
    assert Assignment.objects.filter(event=event).count() == 1
    event.refresh_from_db()
    assert event.state == EventState.DISPATCHED


def test_two_handlers_accepting_at_once_accept_once(people, monkeypatch):
    from gridgov.events.services import handling

    event = _new_event(people["grid_worker"])
    dispatch_event(Actor(user=people["dongcheng_dispatcher"], label="调度"), event.pk)
    handler = people["dongcheng_platform"]
    actors = [Actor(user=handler, label="甲"), Actor(user=handler, label="乙")]
    _slow_down(monkeypatch, handling, "transition")

    outcomes = _race(lambda i: accept_event(actors[i], event.pk), 2)

    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    (error,) = [o for o in outcomes if o != "ok"]
    assert isinstance(error, Conflict), repr(error)
    assert event.number in str(error)
    assert EventHistory.objects.filter(event=event, action="accept").count() == 1
    event.refresh_from_db()
    assert event.state == EventState.IN_PROGRESS


def test_two_schedulers_scanning_at_once_warn_once(people, monkeypatch):
    from gridgov.events.services import scanning

    event = _new_event(people["grid_worker"])
    event.refresh_from_db()
    _slow_down(monkeypatch, scanning, "notify_unit")
    results: list = [None, None]

    def scan(i):
        results[i] = scan_deadlines(event.warn_at)

    outcomes = _race(scan, 2)

    assert outcomes == ["ok", "ok"], outcomes
    assert sorted(r["warned"] for r in results) == [0, 1]
    assert EventHistory.objects.filter(event=event, action="warn").count() == 1
