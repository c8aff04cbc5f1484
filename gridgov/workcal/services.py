"""Changes to the working calendar that must also reach the in-memory cache."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from gridgov.audit.actor import Actor
from gridgov.audit.services import record

from .calendar import invalidate_cache
from .models import CalendarDay, DaySource

logger = logging.getLogger(__name__)


def set_day(date: dt.date, is_working: bool, name: str = "", actor: Actor | None = None) -> CalendarDay:
    """Mark `date` as a working or non-working day (creating the row if needed); source becomes manual.

    The change is written to the audit log (before/after), since it moves every deadline around it.
    """
    actor = actor or Actor.system("workcal")
    with transaction.atomic():
        before = CalendarDay.objects.filter(date=date).values("is_working", "name").first() or {}
        row, created = CalendarDay.objects.update_or_create(
            date=date,
            defaults={"is_working": is_working, "name": name, "source": DaySource.MANUAL},
        )
        record(actor, "workcal.set_day", row, before=before, after={"is_working": is_working, "name": name})
        # Invalidate after commit as well: another request could otherwise re-read the old row
        # between our invalidation and the commit and cache it for a minute.
        transaction.on_commit(invalidate_cache)
    invalidate_cache()
    logger.info(
        "workcal day %s set to %s (%s) by %s%s",
        date.isoformat(),
        "working" if is_working else "rest",
        name or "-",
        actor if actor is not None else "system",
        " (new row)" if created else "",
    )
    return row


def add_provisional_year(year: int, actor: Actor | None = None) -> int:
    """Enter `year` with weekends as rest days, marked provisional, so deadlines keep working until
    the State Council's holiday schedule is entered. Days that exist already are left alone.
    Returns the number of days added."""
    actor = actor or Actor.system("workcal")
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    with transaction.atomic():
        existing = set(CalendarDay.objects.filter(date__range=(first, last)).values_list("date", flat=True))
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        rows = [
            CalendarDay(date=day, is_working=day.weekday() < 5, name="", source=DaySource.PROVISIONAL)
            for day in days
            if day not in existing
        ]
        CalendarDay.objects.bulk_create(rows)
        if rows:
            record(
                actor, "workcal.provisional_year", ("workcal.calendarday", year), summary={"added": len(rows)}
            )
        transaction.on_commit(invalidate_cache)
    invalidate_cache()
    return len(rows)
