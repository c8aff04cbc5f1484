"""Working-time arithmetic over the working calendar (`CalendarDay`) and the working periods (`WorkPeriod`).

The tables are read once per year into memory and kept per process; the arithmetic itself never
touches the database. The in-memory copy is dropped by `invalidate_cache()` (called by the admin and
by `services.set_day`) and in any case after `CACHE_SECONDS`, so that other processes (web workers,
the task worker) pick up an administrator's edit within a minute.

All clock times are China Standard Time (Asia/Shanghai, no daylight saving since 1991), which is why
the arithmetic can treat a day as a fixed 24 h of wall-clock time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

from gridgov.core import caches

TZ = ZoneInfo("Asia/Shanghai")
CACHE_SECONDS = 60.0

Unit = Literal["hours", "days", "minutes"]
UNITS: tuple[str, ...] = ("hours", "days", "minutes")

# Indirection so tests can move the clock without patching the time module for everyone.
_clock = time.monotonic

_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60 * _US_PER_SECOND
_US_PER_HOUR = 60 * _US_PER_MINUTE


class CalendarError(Exception):
    """The working calendar cannot answer the question (data missing or misconfigured)."""


class CalendarMissing(CalendarError):
    """A year has no (or only part of its) calendar rows; we refuse to guess its working days."""

    def __init__(self, year: int, found: int = 0, expected: int | None = None) -> None:
        self.year = year
        if found:
            message = (
                f"{year} 年工作日历数据不完整（只有 {found}/{expected} 天） "
                f"(incomplete working calendar for {year}); 请在管理后台补录"
            )
        else:
            message = f"{year} 年没有工作日历数据 (no working calendar for {year}); 请在管理后台补录"
        super().__init__(message)


class WorkPeriodsMissing(CalendarError):
    """No working periods are configured, so a working day has no working time."""

    def __init__(self) -> None:
        super().__init__("没有配置工作时段 (no working periods configured); 请在管理后台添加")


@dataclass(frozen=True)
class _Year:
    """One year of the calendar: the sorted ordinals of its working days."""

    year: int
    working: tuple[int, ...]  # date.toordinal() of each working day, ascending
    working_set: frozenset[int]


@dataclass
class _State:
    """Everything read from the database by one process, and when it was read."""

    loaded_at: float = field(default_factory=lambda: _clock())
    years: dict[int, _Year] = field(default_factory=dict)
    # Periods as (start, end) in microseconds after midnight, ascending; None until first read.
    periods: tuple[tuple[int, int], ...] | None = None


_lock = threading.Lock()
_state = _State()


def invalidate_cache() -> None:
    """Forget everything read from the database; the next computation reads it again."""
    global _state
    with _lock:
        _state = _State()


caches.register(invalidate_cache)  # a flushed and restored database must not meet old calendar data


def _current_state() -> _State:
    """The live cache, replaced by an empty one once it is older than CACHE_SECONDS."""
    global _state
    state = _state
    if _clock() - state.loaded_at > CACHE_SECONDS:
        with _lock:
            if _state is state:
                _state = _State()
            state = _state
    return state


class _Calendar:
    """A view of one cache state for the duration of one computation.

    Holding the state object keeps a computation consistent even if the cache expires halfway through.
    """

    def __init__(self) -> None:
        self._state = _current_state()

    # -- loading -----------------------------------------------------------------------------------

    def year(self, year: int) -> _Year:
        loaded = self._state.years.get(year)
        if loaded is None:
            loaded = _load_year(year)
            self._state.years[year] = loaded
        return loaded

    def periods(self) -> tuple[tuple[int, int], ...]:
        periods = self._state.periods
        if periods is None:
            periods = _load_periods()
            if periods:  # "none configured" is not cached: an administrator is about to add them
                self._state.periods = periods
        if not periods:
            raise WorkPeriodsMissing()
        return periods

    def day_length(self) -> int:
        """Working time of one working day, in microseconds."""
        return sum(end - start for start, end in self.periods())

    # -- day arithmetic ----------------------------------------------------------------------------

    def is_working(self, day: dt.date) -> bool:
        return day.toordinal() in self.year(day.year).working_set

    def nth_working_day_after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after `day` (n >= 1), jumping a year at a time."""
        assert n >= 1
        year = day.year
        loaded = self.year(year)
        index = bisect_right(loaded.working, day.toordinal())
        remaining = n
        while True:
            available = len(loaded.working) - index
            if remaining <= available:
                return dt.date.fromordinal(loaded.working[index + remaining - 1])
            remaining -= available
            year += 1
            loaded = self.year(year)  # raises CalendarMissing at the end of the covered years
            index = 0

    def working_days_strictly_between(self, first: dt.date, last: dt.date) -> int:
        """How many working days lie strictly between `first` and `last` (first < last)."""
        count = 0
        for year in range(first.year, last.year + 1):
            working = self.year(year).working
            low = bisect_right(working, first.toordinal()) if year == first.year else 0
            high = bisect_left(working, last.toordinal()) if year == last.year else len(working)
            count += max(0, high - low)
        return count


def _days_in_year(year: int) -> int:
    return (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1


def _load_year(year: int) -> _Year:
    from .models import CalendarDay

    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise CalendarMissing(year)
    rows = list(
        CalendarDay.objects.filter(date__year=year).order_by("date").values_list("date", "is_working")
    )
    expected = _days_in_year(year)
    if len(rows) != expected:
        # A partial year would silently turn the missing days into "not working": refuse instead.
        raise CalendarMissing(year, found=len(rows), expected=expected)
    working = tuple(day.toordinal() for day, is_working in rows if is_working)
    return _Year(year=year, working=working, working_set=frozenset(working))


def _load_periods() -> tuple[tuple[int, int], ...]:
    from .models import WorkPeriod

    return tuple(
        (_time_to_us(start), _time_to_us(end))
        for start, end in WorkPeriod.objects.order_by("start").values_list("start", "end")
    )


# -- conversions -------------------------------------------------------------------------------------


def _time_to_us(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * _US_PER_SECOND + value.microsecond


def _local(moment: dt.datetime) -> dt.datetime:
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"需要 datetime，收到 {type(moment).__name__} (expected a datetime)")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"时间 {moment.isoformat()} 没有时区 (naive datetime); 请使用带时区的时间")
    return moment.astimezone(TZ)


def _at(day: dt.date, us_after_midnight: int) -> dt.datetime:
    # Wall-clock addition is exact here: Asia/Shanghai has a constant offset over the covered years.
    return dt.datetime.combine(day, dt.time(), tzinfo=TZ) + dt.timedelta(microseconds=us_after_midnight)


def _amount_to_decimal(amount: int | Decimal | float) -> Decimal:
    if isinstance(amount, bool):
        raise TypeError("数量不能是布尔值 (amount must be a number)")
    try:
        # str() first so that a float such as 0.1 means 0.1, not its binary expansion.
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"无法识别的数量：{amount!r} (invalid amount)") from exc
    if not value.is_finite():
        raise ValueError(f"数量必须是有限数：{amount!r} (amount must be finite)")
    if value < 0:
        raise ValueError(f"数量不能为负：{amount} (amount must not be negative)")
    return value


# -- public API --------------------------------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    """Whether `day` is a working day; raises CalendarMissing for a year without calendar data."""
    if isinstance(day, dt.datetime):
        day = _local(day).date()
    return _Calendar().is_working(day)


def add_working_time(start: dt.datetime, amount: int | Decimal | float, unit: Unit) -> dt.datetime:
    """The moment `amount` working hours / minutes / days after `start`, in Asia/Shanghai.

    hours, minutes: only time inside working periods on working days counts. A start outside working
    time starts counting at the next period's start; when the amount runs out exactly at a period's end
    that end is returned (12:00, not 14:00).

    days: the same clock time on the `amount`-th working day after the start's day. A start before
    the first period of a working day counts from that period's start; a start on a non-working day
    or after the last period counts from the first period start of the next working day.

    A zero amount returns `start` unchanged (expressed in Asia/Shanghai).
    """
    local = _local(start)
    if unit not in UNITS:
        raise ValueError(f"未知的单位：{unit!r}，应为 hours、days 或 minutes (unknown unit)")
    value = _amount_to_decimal(amount)
    if value == 0:
        return local
    calendar = _Calendar()
    if unit == "days":
        if value != value.to_integral_value():
            raise ValueError(f"工作日数必须是整数：{amount} (days must be a whole number)")
        return _add_days(calendar, local, int(value))
    per_unit = _US_PER_HOUR if unit == "hours" else _US_PER_MINUTE
    microseconds = int((value * per_unit).to_integral_value())
    if microseconds == 0:
        return local
    return _add_microseconds(calendar, local, microseconds)


def _add_days(calendar: _Calendar, local: dt.datetime, days: int) -> dt.datetime:
    periods = calendar.periods()
    today = local.date()
    clock = _time_to_us(local.timetz())
    if calendar.is_working(today) and clock < periods[-1][1]:
        if clock < periods[0][0]:
            # Handed in before opening time: taken as received when the office opens, so that a
            # later start never gives an earlier deadline.
            local = _at(today, periods[0][0])
        target = calendar.nth_working_day_after(today, days)
        return local.replace(year=target.year, month=target.month, day=target.day)
    # Handed in on a rest day or after closing time: taken as received at the start of the next
    # working day.
    effective = calendar.nth_working_day_after(today, 1)
    target = calendar.nth_working_day_after(effective, days)
    return _at(target, periods[0][0])


def _add_microseconds(calendar: _Calendar, local: dt.datetime, remaining: int) -> dt.datetime:
    periods = calendar.periods()
    today = local.date()
    now = _time_to_us(local.timetz())
    if calendar.is_working(today):
        for period_start, period_end in periods:
            if now >= period_end:
                continue
            begin = max(now, period_start)
            available = period_end - begin
            # "<=" so that an amount ending exactly at a period's end returns that end.
            if remaining <= available:
                return _at(today, begin + remaining)
            remaining -= available
    # Skip whole working days at once. (remaining - 1) // day_length keeps an exact multiple on the
    # last day's end rather than the next day's start.
    day_length = calendar.day_length()
    whole_days = (remaining - 1) // day_length
    target = calendar.nth_working_day_after(today, whole_days + 1)
    remaining -= whole_days * day_length
    for period_start, period_end in periods:
        length = period_end - period_start
        if remaining <= length:
            return _at(target, period_start + remaining)
        remaining -= length
    raise AssertionError("unreachable: remaining is at most one working day")  # pragma: no cover


def working_time_between(a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Working time (inside periods on working days) from `a` to `b`; negative if b is before a."""
    local_a, local_b = _local(a), _local(b)
    if local_b < local_a:
        return -working_time_between(local_b, local_a)
    calendar = _Calendar()
    periods = calendar.periods()

    def overlap(day: dt.date, begin: int, end: int) -> int:
        if not calendar.is_working(day):
            return 0
        return sum(max(0, min(end, p_end) - max(begin, p_start)) for p_start, p_end in periods)

    day_a, day_b = local_a.date(), local_b.date()
    us_a, us_b = _time_to_us(local_a.timetz()), _time_to_us(local_b.timetz())
    if day_a == day_b:
        total = overlap(day_a, us_a, us_b)
    else:
        end_of_day = 24 * _US_PER_HOUR
        total = (
            overlap(day_a, us_a, end_of_day)
            + calendar.working_days_strictly_between(day_a, day_b) * calendar.day_length()
            + overlap(day_b, 0, us_b)
        )
    return dt.timedelta(microseconds=total)
