"""Properties of the arithmetic that must hold for any start and amount in the covered years."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gridgov.workcal.calendar import TZ, add_working_time, is_working_day, working_time_between

pytestmark = pytest.mark.django_db

# Starts in 2005..2025 and bounded amounts keep every result inside the seeded 2004..2026.
starts = st.datetimes(
    # Ends 2024 so that a + b (up to 2,000 working hours, ~14 months) stays inside the seeded years.
    min_value=dt.datetime(2005, 1, 1),
    max_value=dt.datetime(2024, 12, 31, 23, 59),
    timezones=st.just(TZ),
)
minute_starts = starts.map(lambda moment: moment.replace(second=0, microsecond=0))
hour_amounts = st.integers(min_value=0, max_value=1000)  # ~143 working days
day_amounts = st.integers(min_value=0, max_value=100)
fast = settings(max_examples=150, deadline=None)


@fast
@given(start=starts, a=hour_amounts, b=hour_amounts)
def test_more_hours_never_end_earlier(start, a, b):
    low, high = sorted((a, b))
    assert add_working_time(start, low, "hours") <= add_working_time(start, high, "hours")


@fast
@given(start=starts, a=day_amounts, b=day_amounts)
def test_more_days_never_end_earlier(start, a, b):
    low, high = sorted((a, b))
    assert add_working_time(start, low, "days") <= add_working_time(start, high, "days")


@fast
@given(first=starts, second=starts, amount=hour_amounts)
def test_a_later_start_never_ends_earlier_in_hours(first, second, amount):
    early, late = sorted((first, second))
    assert add_working_time(early, amount, "hours") <= add_working_time(late, amount, "hours")


@fast
@given(first=starts, second=starts, amount=day_amounts)
def test_a_later_start_never_ends_earlier_in_days(first, second, amount):
    early, late = sorted((first, second))
    assert add_working_time(early, amount, "days") <= add_working_time(late, amount, "days")


@fast
@given(start=starts, a=hour_amounts, b=hour_amounts)
def test_hours_add_up(start, a, b):
    assert add_working_time(add_working_time(start, a, "hours"), b, "hours") == add_working_time(
        start, a + b, "hours"
    )


@fast
@given(start=minute_starts, a=st.integers(0, 60_000), b=st.integers(0, 60_000))
def test_minutes_add_up(start, a, b):
    assert add_working_time(add_working_time(start, a, "minutes"), b, "minutes") == add_working_time(
        start, a + b, "minutes"
    )


@fast
@given(start=starts, a=day_amounts, b=day_amounts)
def test_days_add_up_from_a_working_day(start, a, b):
    assume(is_working_day(start.date()))
    assert add_working_time(add_working_time(start, a, "days"), b, "days") == add_working_time(
        start, a + b, "days"
    )


@fast
@given(start=starts, a=day_amounts, b=day_amounts)
def test_days_add_up_from_a_rest_day(start, a, b):
    assume(not is_working_day(start.date()))
    assert add_working_time(add_working_time(start, a, "days"), b, "days") == add_working_time(
        start, a + b, "days"
    )


@fast
@given(start=starts, amount=hour_amounts)
def test_the_working_time_between_start_and_deadline_is_the_amount(start, amount):
    deadline = add_working_time(start, amount, "hours")
    assert working_time_between(start, deadline) == dt.timedelta(hours=amount)
    assert working_time_between(deadline, start) == -dt.timedelta(hours=amount)


@fast
@given(start=starts, amount=st.integers(min_value=1, max_value=100))
def test_a_day_deadline_always_falls_on_a_working_day(start, amount):
    assert is_working_day(add_working_time(start, amount, "days").date())


def test_every_day_from_2004_to_2026_agrees_with_chinese_calendar():
    day, last = dt.date(2004, 1, 1), dt.date(2026, 12, 31)
    mismatches = []
    while day <= last:
        if is_working_day(day) != chinese_calendar.is_workday(day):
            mismatches.append(day)
        day += dt.timedelta(days=1)
    assert mismatches == []


def _make_up_days() -> list[dt.date]:
    from chinese_calendar.constants import workdays

    return sorted(day for day in workdays if day.weekday() >= 5)


def _working_day_before(day: dt.date) -> dt.date:
    before = day - dt.timedelta(days=1)
    while not chinese_calendar.is_workday(before):
        before -= dt.timedelta(days=1)
    return before


def test_every_make_up_weekend_day_is_reached_by_one_day_from_the_working_day_before_it():
    assert len(_make_up_days()) > 100
    for make_up in _make_up_days():
        start = dt.datetime.combine(_working_day_before(make_up), dt.time(10, 0), tzinfo=TZ)
        assert add_working_time(start, 1, "days").date() == make_up, make_up


@fast
@given(make_up=st.sampled_from(_make_up_days()), clock=st.times(dt.time(8, 30), dt.time(17, 29, 59)))
def test_one_day_from_any_office_time_of_the_working_day_before_a_make_up_day_lands_on_it(make_up, clock):
    start = dt.datetime.combine(_working_day_before(make_up), clock, tzinfo=TZ)
    assert add_working_time(start, 1, "days") == dt.datetime.combine(make_up, clock, tzinfo=TZ)


@fast
@given(make_up=st.sampled_from(_make_up_days()))
def test_a_make_up_day_holds_a_full_working_day_of_hours(make_up):
    evening = dt.datetime.combine(_working_day_before(make_up), dt.time(17, 30), tzinfo=TZ)
    assert add_working_time(evening, 1, "minutes") == dt.datetime.combine(make_up, dt.time(8, 31), tzinfo=TZ)
    assert add_working_time(evening, 7, "hours") == dt.datetime.combine(make_up, dt.time(17, 30), tzinfo=TZ)
