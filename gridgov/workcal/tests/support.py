"""Small helpers shared by the workcal tests."""

import datetime as dt

from gridgov.workcal.calendar import TZ


def at(text: str) -> dt.datetime:
    """'2026-09-30 16:00' as an aware Asia/Shanghai datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


def hours(value: float) -> dt.timedelta:
    return dt.timedelta(hours=value)
