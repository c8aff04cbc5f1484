"""scheduler_scale: one deadline-scan pass with the same 100 events due among 1,000 open events,
then among 100,000 open events. The cost should follow what is due, not what is open.

Ours: `scan_deadlines()` (index range on next_due_at, lock, warn, history, audit, notify) with
100,000 open events. Baseline: the same pass with 1,000 open events. Goal: ratio ≤ 2.
Events are bulk-inserted (setup, not timed); the pass itself is the real service code.
"""

import statistics
import time
import uuid
from datetime import timedelta

from .framework import Result, benchmark, django_with_demo_db

DUE = 100
SMALL, LARGE = 1_000, 100_000
GOAL = 2.0
REPEAT = 5


def _bulk_open_events(count: int, due_at, far):
    from gridgov.accounts.models import Unit
    from gridgov.events.models import Event
    from gridgov.matters.models import CatalogueVersion
    from gridgov.regions.choices import Level
    from gridgov.regions.models import Region

    version = CatalogueVersion.objects.current()
    matter = version.matters.get(name="暴露垃圾")
    grids = list(Region.objects.filter(level=Level.GRID).order_by("key")[:200])
    commands = {
        u.territory.code[:9]: u
        for u in Unit.objects.filter(kind="township_command").select_related("territory")
    }
    rows = []
    for i in range(count):
        grid = grids[i % len(grids)]
        rows.append(
            Event(
                number=uuid.uuid4().hex[:20],
                channel="grid_patrol",
                description=f"基准测试事件 {i}",
                lon=120.0,
                lat=28.9,
                grid=grid,
                grid_key=grid.key,
                reported_at=due_at,
                version=version,
                matter=matter,
                level="township",
                owner_unit=commands[grid.code[:9]],
                stage="dispatch",
                stage_started_at=due_at,
                stage_deadline=far,
                warn_at=far,
                next_due_at=far,
            )
        )
    Event.objects.bulk_create(rows, batch_size=2000)


def _reset_due(ids, now):
    from gridgov.events.models import Event

    Event.objects.filter(pk__in=ids).update(
        warned=False,
        overdue=False,
        warn_at=now - timedelta(minutes=5),
        stage_deadline=now + timedelta(days=3),
        next_due_at=now - timedelta(minutes=5),
    )


def _time_passes(ids) -> float:
    from django.utils import timezone

    from gridgov.events.services import scan_deadlines

    times = []
    for _ in range(REPEAT):
        now = timezone.now()
        _reset_due(ids, now)
        started = time.perf_counter()
        counts = scan_deadlines(now)
        times.append(time.perf_counter() - started)
        assert counts["warned"] == len(ids), counts
    return statistics.median(times)


@benchmark("scheduler_scale")
def run() -> Result:
    django_with_demo_db("small")
    from django.utils import timezone

    from gridgov.events.models import Event

    now = timezone.now()
    far = now + timedelta(days=365)
    _bulk_open_events(SMALL, now - timedelta(hours=1), far)
    due_ids = list(Event.objects.order_by("id").values_list("id", flat=True)[:DUE])
    small_seconds = _time_passes(due_ids)
    _bulk_open_events(LARGE - SMALL, now - timedelta(hours=1), far)
    open_count = Event.objects.count()
    large_seconds = _time_passes(due_ids)
    ratio = large_seconds / small_seconds
    return Result(
        name="scheduler_scale",
        value=large_seconds,
        baseline=small_seconds,
        ratio=ratio,
        goal=f"ratio ≤ {GOAL}",
        unit="s",
        ok=ratio <= GOAL,
        note=f"{DUE} due among {open_count:,} open (ours) vs among {SMALL:,} (baseline); median of {REPEAT} passes",
    )
