"""The seeded calendar, missing years, and how edits reach the arithmetic."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from gridgov.audit.actor import Actor
from gridgov.workcal import calendar
from gridgov.workcal.admin import CalendarDayAdmin
from gridgov.workcal.calendar import CalendarError, CalendarMissing, add_working_time, is_working_day
from gridgov.workcal.models import CalendarDay, DaySource, WorkPeriod
from gridgov.workcal.services import set_day

from .support import at, hours

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("gridgov.workcal.migrations.0002_seed_calendar")


def test_the_migration_seeds_every_day_from_2004_to_2026():
    assert CalendarDay.objects.count() == (dt.date(2026, 12, 31) - dt.date(2004, 1, 1)).days + 1
    assert not CalendarDay.objects.exclude(source=DaySource.CHINESECALENDAR).exists()


def test_holidays_and_make_up_days_carry_chinese_names():
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 10)).name == "国庆节调休上班"
    assert CalendarDay.objects.get(date=dt.date(2026, 2, 14)).name == "春节调休上班"
    assert CalendarDay.objects.get(date=dt.date(2026, 2, 17)).name == "春节"
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 11)).name == ""  # an ordinary Sunday


def test_the_default_working_periods_are_half_past_eight_to_noon_and_two_to_half_past_five():
    assert [(p.start, p.end) for p in WorkPeriod.objects.all()] == [
        (dt.time(8, 30), dt.time(12, 0)),
        (dt.time(14, 0), dt.time(17, 30)),
    ]


def test_the_seed_migration_reverses_and_reapplies_cleanly():
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_working=False, name="元旦")
    seed_migration.unseed_calendar(global_apps, None)
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [dt.date(2027, 1, 1)]
    assert not WorkPeriod.objects.exists()
    seed_migration.seed_calendar(global_apps, None)
    assert CalendarDay.objects.count() == 8401 + 1
    assert WorkPeriod.objects.count() == 2


def test_a_year_without_calendar_rows_raises_calendar_missing_naming_the_year():
    with pytest.raises(CalendarMissing) as caught:
        add_working_time(at("2026-12-31 16:00"), 1, "days")
    message = str(caught.value)
    assert "2027 年没有工作日历数据" in message
    assert "no working calendar for 2027" in message
    assert caught.value.year == 2027
    assert isinstance(caught.value, CalendarError)


def test_hours_and_day_checks_into_a_missing_year_also_raise():
    with pytest.raises(CalendarMissing, match="2027"):
        add_working_time(at("2026-12-31 17:00"), 1, "hours")
    with pytest.raises(CalendarMissing, match="2027"):
        is_working_day(dt.date(2027, 3, 1))
    with pytest.raises(CalendarMissing, match="2003"):
        calendar.working_time_between(at("2003-12-31 09:00"), at("2004-01-05 09:00"))


def test_an_incomplete_year_is_refused_rather_than_guessed():
    CalendarDay.objects.filter(date=dt.date(2026, 11, 2)).delete()
    with pytest.raises(CalendarMissing, match="2026 年工作日历数据不完整"):
        is_working_day(dt.date(2026, 11, 3))


def test_a_partly_entered_new_year_is_still_missing():
    CalendarDay.objects.create(date=dt.date(2027, 1, 4), is_working=True)
    with pytest.raises(CalendarMissing, match="2027"):
        add_working_time(at("2026-12-31 16:00"), 1, "days")


def test_editing_a_day_through_the_service_changes_the_arithmetic_at_once():
    start = at("2026-09-30 16:00")
    assert add_working_time(start, 1, "days") == at("2026-10-08 16:00")  # warms the cache

    row = set_day(dt.date(2026, 10, 8), False, "临时停工", actor=Actor(label="tester"))

    assert row.source == DaySource.MANUAL
    assert add_working_time(start, 1, "days") == at("2026-10-09 16:00")
    assert calendar.working_time_between(at("2026-09-30 08:30"), at("2026-10-09 17:30")) == hours(14)


def test_an_edit_made_elsewhere_is_seen_once_the_cache_expires(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(calendar, "_clock", lambda: now[0])
    calendar.invalidate_cache()
    start = at("2026-09-30 16:00")
    assert add_working_time(start, 1, "days") == at("2026-10-08 16:00")

    # Another process changes the row: this process is not told.
    CalendarDay.objects.filter(date=dt.date(2026, 10, 8)).update(is_working=False)
    now[0] += 30
    assert add_working_time(start, 1, "days") == at("2026-10-08 16:00")  # still cached
    now[0] += 31
    assert add_working_time(start, 1, "days") == at("2026-10-09 16:00")


def test_saving_in_the_admin_marks_the_day_manual_and_invalidates_the_cache():
    start = at("2026-09-30 16:00")
    assert add_working_time(start, 1, "days") == at("2026-10-08 16:00")
    model_admin = CalendarDayAdmin(CalendarDay, AdminSite())
    day = CalendarDay.objects.get(date=dt.date(2026, 10, 8))
    day.is_working = False

    model_admin.save_model(RequestFactory().post("/"), day, form=None, change=True)

    day.refresh_from_db()
    assert day.source == DaySource.MANUAL
    assert add_working_time(start, 1, "days") == at("2026-10-09 16:00")


def test_changing_the_working_periods_changes_the_hours():
    WorkPeriod.objects.filter(start=dt.time(14, 0)).update(end=dt.time(18, 0))
    calendar.invalidate_cache()
    assert add_working_time(at("2026-09-30 17:30"), 30, "minutes") == at("2026-09-30 18:00")


def test_without_working_periods_hours_cannot_be_counted():
    WorkPeriod.objects.all().delete()
    with pytest.raises(CalendarError, match="工作时段"):
        add_working_time(at("2026-09-30 09:00"), 1, "hours")


def test_a_work_period_must_end_after_it_starts():
    with pytest.raises(ValidationError):
        WorkPeriod(start=dt.time(12, 0), end=dt.time(12, 0)).full_clean()


def test_work_periods_must_not_overlap_but_may_touch():
    with pytest.raises(ValidationError, match="重叠"):
        WorkPeriod(start=dt.time(11, 0), end=dt.time(15, 0)).full_clean()
    WorkPeriod(start=dt.time(12, 0), end=dt.time(14, 0)).full_clean()
    existing = WorkPeriod.objects.get(start=dt.time(8, 30))
    existing.end = dt.time(11, 0)
    existing.full_clean()  # an edit does not overlap with itself
