"""The demo's month of history is made through the real services and is realistic."""

import datetime as dt

import pytest
import time_machine
from django.db.models import Count

from gridgov.demo.history import Simulation, build_history
from gridgov.events.models import Event, EventHistory
from gridgov.workcal.calendar import TZ

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 11, 24, 18, 0, tzinfo=TZ), tick=False)
def test_a_few_simulated_days_leave_events_in_every_stage_of_the_loop():
    simulation = Simulation(seed=7, days=6, per_day=12, now=dt.datetime(2026, 11, 24, 18, 0, tzinfo=TZ))
    made = simulation.run()
    assert made == Event.objects.count() > 40
    states = dict(Event.objects.values_list("state").annotate(n=Count("id")))
    assert states.get("closed", 0) > 0 and sum(states.values()) > states.get("closed", 0)
    actions = set(EventHistory.objects.values_list("action", flat=True))
    assert {"report", "dispatch", "accept", "finish", "close"} <= actions
    # Every row happened at simulated times, never after "now".
    assert not EventHistory.objects.filter(at__gt=dt.datetime(2026, 11, 24, 18, 0, tzinfo=TZ)).exists()
    # Skipped steps are rare: a step may no longer apply, but the simulation should mostly succeed.
    assert sum(simulation.skipped.values()) < made / 4


@time_machine.travel(dt.datetime(2026, 11, 24, 18, 0, tzinfo=TZ), tick=False)
def test_history_is_not_generated_twice():
    assert build_history(seed=1, days=2, per_day=5) > 0
    count = Event.objects.count()
    assert build_history(seed=1, days=2, per_day=5) == 0
    assert Event.objects.count() == count
