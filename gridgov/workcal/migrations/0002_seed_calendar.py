"""Seed the working calendar 2004-01-01..2026-12-31 from the chinesecalendar package, and the default periods.

The naming rules are written out here rather than imported from the app, so that this migration keeps
producing the same rows when the app code changes later.
"""

import datetime

from django.db import migrations

FIRST_DAY = datetime.date(2004, 1, 1)
LAST_DAY = datetime.date(2026, 12, 31)
DEFAULT_PERIODS = [
    (datetime.time(8, 30), datetime.time(12, 0)),
    (datetime.time(14, 0), datetime.time(17, 30)),
]


def _chinese_names() -> dict:
    from chinese_calendar.constants import Holiday

    return {member.value: member.chinese for member in Holiday}


def seed_calendar(apps, schema_editor):
    import chinese_calendar

    CalendarDay = apps.get_model("workcal", "CalendarDay")
    WorkPeriod = apps.get_model("workcal", "WorkPeriod")
    chinese = _chinese_names()

    rows = []
    day = FIRST_DAY
    while day <= LAST_DAY:
        is_working = chinese_calendar.is_workday(day)
        _is_holiday, english = chinese_calendar.get_holiday_detail(day)
        name = chinese.get(english, english or "") if english else ""
        # The package names a make-up working day (a weekend worked in exchange) after its holiday.
        if is_working and name:
            name = f"{name}调休上班"
        rows.append(CalendarDay(date=day, is_working=is_working, name=name, source="chinesecalendar"))
        day += datetime.timedelta(days=1)
    # batch_size keeps each INSERT under SQLite's bound-variable limit.
    CalendarDay.objects.bulk_create(rows, batch_size=500)

    WorkPeriod.objects.bulk_create([WorkPeriod(start=start, end=end) for start, end in DEFAULT_PERIODS])


def unseed_calendar(apps, schema_editor):
    CalendarDay = apps.get_model("workcal", "CalendarDay")
    WorkPeriod = apps.get_model("workcal", "WorkPeriod")
    # Every row in the range was created here (later edits only changed them), so all of them go;
    # rows outside the range were added by administrators and stay.
    CalendarDay.objects.filter(date__gte=FIRST_DAY, date__lte=LAST_DAY).delete()
    for start, end in DEFAULT_PERIODS:
        WorkPeriod.objects.filter(start=start, end=end).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workcal", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_calendar, unseed_calendar),
    ]
