"""Worked examples around the 2026 Spring Festival and National Day holidays."""

import datetime as dt
from decimal import Decimal

import chinese_calendar
import pytest

from gridgov.workcal.calendar import TZ, add_working_time, is_working_day, working_time_between

from .support import at, hours

pytestmark = pytest.mark.django_db


def test_the_2026_holidays_used_below_are_what_chinese_calendar_says():
    spring_festival = [dt.date(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)]
    national_day = [dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)]
    for day in [*spring_festival, *national_day, dt.date(2026, 9, 27)]:
        assert not chinese_calendar.is_workday(day), day
    for make_up_saturday in [dt.date(2026, 2, 14), dt.date(2026, 2, 28), dt.date(2026, 10, 10)]:
        assert make_up_saturday.weekday() == 5
        assert chinese_calendar.is_workday(make_up_saturday)


def test_three_working_days_from_the_eve_of_national_day_end_on_the_make_up_saturday():
    assert add_working_time(at("2026-09-30 16:00"), 3, "days").isoformat() == "2026-10-10T16:00:00+08:00"


def test_one_working_day_from_a_holiday_counts_from_the_next_working_morning():
    # 10-03 is a holiday, so work starts 10-08 08:30; one working day later is 10-09 08:30.
    assert add_working_time(at("2026-10-03 10:00"), 1, "days") == at("2026-10-09 08:30")


def test_one_working_day_from_the_friday_before_spring_festival_is_the_make_up_saturday():
    assert add_working_time(at("2026-02-13 10:00"), 1, "days") == at("2026-02-14 10:00")


def test_two_working_days_from_that_friday_jump_over_the_whole_spring_festival():
    assert add_working_time(at("2026-02-13 10:00"), 2, "days") == at("2026-02-24 10:00")


def test_the_saturday_after_spring_festival_is_also_worked():
    assert add_working_time(at("2026-02-27 09:15"), 1, "days") == at("2026-02-28 09:15")


def test_days_keep_the_clock_time_during_the_lunch_break():
    assert add_working_time(at("2026-09-29 12:30"), 1, "days") == at("2026-09-30 12:30")


def test_a_day_handed_in_after_closing_counts_from_the_next_morning():
    # Tuesday 20:00 is taken as received Wednesday 08:30; one working day later is Thursday 08:30.
    assert add_working_time(at("2026-09-22 20:00"), 1, "days") == at("2026-09-24 08:30")


def test_a_day_handed_in_before_opening_counts_from_opening_time():
    assert add_working_time(at("2026-09-29 07:00"), 1, "days") == at("2026-09-30 08:30")


def test_hours_cross_the_lunch_break():
    assert add_working_time(at("2026-09-30 11:00"), 2, "hours") == at("2026-09-30 15:00")


def test_minutes_cross_the_lunch_break():
    assert add_working_time(at("2026-09-30 11:50"), 20, "minutes") == at("2026-09-30 14:10")


def test_hours_cross_a_weekend():
    # Friday 16:30 keeps one hour for Friday, the second hour is Monday morning.
    assert add_working_time(at("2026-03-06 16:30"), 2, "hours") == at("2026-03-09 09:30")


def test_hours_cross_national_day():
    assert add_working_time(at("2026-09-30 16:00"), 3, "hours") == at("2026-10-08 10:00")


def test_hours_cross_spring_festival_from_the_make_up_saturday():
    assert add_working_time(at("2026-02-14 16:00"), 2, "hours") == at("2026-02-24 09:00")


def test_hours_from_friday_evening_land_on_the_make_up_saturday():
    assert add_working_time(at("2026-02-13 17:00"), 1, "hours") == at("2026-02-14 09:00")


def test_hours_started_at_night_count_from_the_next_morning():
    assert add_working_time(at("2026-09-29 22:00"), 1, "hours") == at("2026-09-30 09:30")


def test_hours_started_during_lunch_count_from_the_afternoon():
    assert add_working_time(at("2026-09-30 12:00"), 1, "hours") == at("2026-09-30 15:00")


def test_hours_running_out_at_noon_end_at_noon_not_at_two():
    assert add_working_time(at("2026-09-30 09:00"), 3, "hours") == at("2026-09-30 12:00")
    assert add_working_time(at("2026-09-30 08:30"), Decimal("3.5"), "hours") == at("2026-09-30 12:00")


def test_a_full_working_day_of_hours_ends_at_half_past_five_that_day():
    assert add_working_time(at("2026-09-30 07:00"), 7, "hours") == at("2026-09-30 17:30")


def test_fractional_hours_are_honoured():
    assert add_working_time(at("2026-09-30 08:30"), 0.25, "hours") == at("2026-09-30 08:45")


def test_zero_returns_the_start_unchanged_even_at_night():
    start = at("2026-10-03 23:00")
    assert add_working_time(start, 0, "hours") == start
    assert add_working_time(start, 0, "days") == start


def test_the_result_is_expressed_in_shanghai_time_whatever_the_input_zone():
    start = dt.datetime(2026, 9, 30, 8, 0, tzinfo=dt.UTC)  # 16:00 in Shanghai
    result = add_working_time(start, 3, "days")
    assert result.tzinfo == TZ
    assert result.isoformat() == "2026-10-10T16:00:00+08:00"


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError, match="时区"):
        add_working_time(dt.datetime(2026, 9, 30, 16, 0), 1, "hours")


def test_negative_amounts_fractional_days_and_unknown_units_are_refused():
    with pytest.raises(ValueError):
        add_working_time(at("2026-09-30 16:00"), -1, "hours")
    with pytest.raises(ValueError):
        add_working_time(at("2026-09-30 16:00"), 1.5, "days")
    with pytest.raises(ValueError):
        add_working_time(at("2026-09-30 16:00"), 1, "weeks")  # type: ignore[arg-type]


def test_a_large_amount_is_fast_and_lands_on_a_working_day():
    result = add_working_time(at("2004-01-02 09:00"), 5000, "days")
    assert is_working_day(result.date())
    assert result.time() == dt.time(9, 0)
    assert working_time_between(at("2004-01-02 09:00"), result) == hours(5000 * 7)


def test_working_time_between_spans_national_day():
    assert working_time_between(at("2026-09-30 08:30"), at("2026-10-08 12:00")) == hours(10.5)


def test_working_time_between_is_negative_backwards():
    assert working_time_between(at("2026-10-08 12:00"), at("2026-09-30 08:30")) == -hours(10.5)


def test_working_time_between_counts_nothing_over_a_holiday_or_a_night():
    assert working_time_between(at("2026-10-01 00:00"), at("2026-10-07 23:59")) == dt.timedelta(0)
    assert working_time_between(at("2026-09-29 17:30"), at("2026-09-30 08:30")) == dt.timedelta(0)


def test_working_time_between_within_one_day_skips_lunch():
    assert working_time_between(at("2026-09-30 11:00"), at("2026-09-30 15:00")) == hours(2)
