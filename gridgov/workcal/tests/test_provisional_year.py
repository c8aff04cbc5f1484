"""A provisional year keeps deadlines working before the State Council publishes its holidays."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from gridgov.workcal.calendar import TZ, CalendarMissing, add_working_time
from gridgov.workcal.models import CalendarDay, DaySource

pytestmark = pytest.mark.django_db


def test_deadlines_in_a_year_without_data_fail_until_a_provisional_year_is_entered():
    start = dt.datetime(2026, 12, 30, 9, 0, tzinfo=TZ)
    with pytest.raises(CalendarMissing):
        add_working_time(start, 5, "days")
    out = io.StringIO()
    call_command("workcal_provisional_year", "2027", stdout=out)
    assert "365" in out.getvalue()
    # Wed 30 Dec + 5 working days: Thu 31, Fri 1 Jan, Mon 4, Tue 5, Wed 6 (weekends only, provisional).
    assert add_working_time(start, 5, "days") == dt.datetime(2027, 1, 6, 9, 0, tzinfo=TZ)
    assert CalendarDay.objects.filter(date__year=2027, source=DaySource.PROVISIONAL).count() == 365


def test_running_it_again_changes_nothing_and_keeps_manual_corrections():
    call_command("workcal_provisional_year", "2027", stdout=io.StringIO())
    from gridgov.workcal.services import set_day

    set_day(dt.date(2027, 1, 1), False, "元旦")
    out = io.StringIO()
    call_command("workcal_provisional_year", "2027", stdout=out)
    assert "未做改动" in out.getvalue()
    assert CalendarDay.objects.get(date=dt.date(2027, 1, 1)).name == "元旦"
