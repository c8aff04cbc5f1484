"""Working calendar pages (/calendar/): a year as twelve month grids, switching a day, entering a
provisional year, and how far the calendar data reaches (deadlines beyond it cannot be computed)."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts.views_admin import county_administrator_required
from gridgov.audit.actor import Actor
from gridgov.core import clock

from .models import CalendarDay, DaySource, WorkPeriod
from .services import add_provisional_year, set_day

WARN_DAYS = 60  # warn when fewer days of calendar data than this remain
FIRST_YEAR = 2004  # the first year chinesecalendar covers
YEARS_AHEAD = 5  # how far ahead a provisional year may be entered
WEEKDAYS = "一二三四五六日"
KIND_LABELS = {
    "work": "工作日",
    "rest": "休息日",
    "holiday": "节假日",
    "makeup": "调休上班",
}


def today() -> dt.date:
    return timezone.localtime(clock.now()).date()


def days_in_year(year: int) -> int:
    return 366 if month_calendar.isleap(year) else 365


@dataclass(frozen=True)
class Coverage:
    """How far the calendar reaches from today: the last day of the last complete year in an
    unbroken run of complete years starting with this one (None if this year is incomplete)."""

    today: dt.date
    last_day: dt.date | None
    # (year, days) for covered years that still have provisional (weekends-only) days
    provisional_years: tuple[tuple[int, int], ...] = ()

    @property
    def days_left(self) -> int:
        return (self.last_day - self.today).days if self.last_day else 0

    @property
    def warning(self) -> bool:
        return self.last_day is None or self.days_left < WARN_DAYS

    @property
    def next_year(self) -> int:
        return self.last_day.year + 1 if self.last_day else self.today.year


def _days_per_year(since: int) -> dict[int, tuple[int, int]]:
    """Year → (days present, of which provisional), from `since` on, in one query."""
    rows = (
        CalendarDay.objects.filter(date__gte=dt.date(since, 1, 1))
        .values(year=ExtractYear("date"))
        .annotate(days=Count("id"), provisional=Count("id", filter=Q(source=DaySource.PROVISIONAL)))
        .order_by()
    )
    return {row["year"]: (row["days"], row["provisional"]) for row in rows}


def calendar_coverage(on: dt.date | None = None) -> Coverage:
    on = on or today()
    counts = _days_per_year(on.year)
    year, last_day, provisional = on.year, None, []
    while counts.get(year, (0, 0))[0] == days_in_year(year):
        last_day = dt.date(year, 12, 31)
        if counts[year][1]:
            provisional.append((year, counts[year][1]))
        year += 1
    return Coverage(today=on, last_day=last_day, provisional_years=tuple(provisional))


def day_kind(date: dt.date, is_working: bool, name: str) -> str:
    """work / rest / holiday (a weekday off, or a named day off) / makeup (调休上班 on a weekend)."""
    weekend = date.weekday() >= 5
    if is_working:
        return "makeup" if weekend else "work"
    return "rest" if weekend and not name else "holiday"


@dataclass
class Cell:
    date: dt.date
    row: CalendarDay | None
    kind: str = "none"
    today: bool = False

    @property
    def title(self) -> str:
        text = f"{self.date:%Y-%m-%d} 周{WEEKDAYS[self.date.weekday()]} "
        if self.row is None:
            return text + "无数据"
        text += KIND_LABELS[self.kind]
        if self.row.name:
            text += f"（{self.row.name}）"
        return text + f" · 来源：{self.row.get_source_display()}"


@dataclass
class Month:
    number: int
    weeks: list[list[Cell | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "1–7日 国庆节", "10日 国庆节调休上班"


def _span(first: dt.date, last: dt.date) -> str:
    return f"{first.day}日" if first == last else f"{first.day}–{last.day}日"


def _month(year: int, number: int, rows: dict[dt.date, CalendarDay], now: dt.date) -> Month:
    month = Month(number)
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(year, number):
        cells: list[Cell | None] = []
        for date in week:
            if date.month != number:
                cells.append(None)
                continue
            row = rows.get(date)
            kind = day_kind(date, row.is_working, row.name) if row else "none"
            cells.append(Cell(date=date, row=row, kind=kind, today=date == now))
        month.weeks.append(cells)
    # Named days, runs of the same name and kind read as one line.
    run: list[Cell] = []
    for cell in [c for week in month.weeks for c in week if c and c.row and c.row.name]:
        if run and (
            cell.row.name != run[-1].row.name
            or cell.kind != run[-1].kind
            or (cell.date - run[-1].date).days != 1
        ):
            month.notes.append(f"{_span(run[0].date, run[-1].date)} {run[0].row.name}")
            run = []
        run.append(cell)
    if run:
        month.notes.append(f"{_span(run[0].date, run[-1].date)} {run[0].row.name}")
    return month


def _periods() -> tuple[list[WorkPeriod], float]:
    periods = list(WorkPeriod.objects.order_by("start"))
    seconds = sum(
        (dt.datetime.combine(dt.date.min, p.end) - dt.datetime.combine(dt.date.min, p.start)).total_seconds()
        for p in periods
    )
    return periods, seconds / 3600


def _check_year(year: int, now: dt.date) -> None:
    if not FIRST_YEAR <= year <= now.year + YEARS_AHEAD:
        raise Http404("没有这一年的工作日历")


@county_administrator_required
@require_GET
def index(request):
    return _year(request, today().year)


@county_administrator_required
@require_GET
def year_page(request, year: int):
    return _year(request, year)


def _year(request, year: int):
    now = today()
    _check_year(year, now)
    rows = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
    by_source = {value: 0 for value in DaySource.values}
    for row in rows.values():
        by_source[row.source] = by_source.get(row.source, 0) + 1
    periods, hours_per_day = _periods()
    expected = days_in_year(year)
    return render(
        request,
        "workcal/year.html",
        {
            "year": year,
            "months": [_month(year, number, rows, now) for number in range(1, 13)],
            "weekdays": WEEKDAYS,
            "coverage": calendar_coverage(now),
            "present": len(rows),
            "expected": expected,
            "complete": len(rows) == expected,
            "working_days": sum(1 for row in rows.values() if row.is_working),
            "sources": [(DaySource(value).label, value, count) for value, count in by_source.items()],
            "manual_days": [
                {
                    "row": row,
                    "weekday": WEEKDAYS[row.date.weekday()],
                    "kind": KIND_LABELS[day_kind(row.date, row.is_working, row.name)],
                }
                for row in sorted(rows.values(), key=lambda r: r.date)
                if row.source == DaySource.MANUAL
            ],
            "periods": periods,
            "hours_per_day": hours_per_day,
            "previous_year": year - 1 if year > FIRST_YEAR else None,
            "next_year": year + 1 if year < now.year + YEARS_AHEAD else None,
            "kind_labels": KIND_LABELS,
            "picked": _picked(request.GET.get("day", "")),
        },
    )


def _picked(text: str) -> str:
    """The day to show in the editor after a change (?day=2026-10-10), if it is a real date."""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return ""


def _back_to(date: dt.date) -> str:
    return f"{reverse('workcal:year', args=[date.year])}?day={date.isoformat()}"


@county_administrator_required
@require_POST
def change_day(request):
    """Switch one day between working and rest, and name it; through `set_day` (audited)."""
    data = request.POST
    try:
        date = dt.date.fromisoformat(data.get("date", "").strip())
    except ValueError:
        messages.error(request, "请选择一个有效的日期（如 2026-10-10）。")
        return redirect("workcal:index")
    working = data.get("is_working")
    name = data.get("name", "").strip()
    if working not in ("1", "0"):
        messages.error(request, "请选择这一天是工作日还是休息日。")
    elif len(name) > 100:
        messages.error(request, "名称最多 100 个字。")
    elif not FIRST_YEAR <= date.year <= today().year + YEARS_AHEAD:
        messages.error(
            request, f"{date.year} 年不在可维护的范围内（{FIRST_YEAR}–{today().year + YEARS_AHEAD}）。"
        )
    elif CalendarDay.objects.filter(date__year=date.year).count() != days_in_year(date.year):
        messages.error(
            request, f"{date.year} 年还没有完整的日历数据，不能只改一天；请先临时录入 {date.year} 年整年。"
        )
    else:
        is_working = working == "1"
        row = CalendarDay.objects.get(date=date)
        if row.is_working == is_working and row.name == name and row.source == DaySource.MANUAL:
            messages.info(request, f"{date:%Y-%m-%d} 没有改动。")
        else:
            set_day(date, is_working, name, Actor.from_request(request))
            label = KIND_LABELS[day_kind(date, is_working, name)]
            messages.success(
                request,
                f"已将 {date:%Y-%m-%d}（周{WEEKDAYS[date.weekday()]}）设为{label}"
                + (f"“{name}”" if name else "")
                + "。此后计算的办理时限按新日历执行。",
            )
        return redirect(_back_to(date))
    if FIRST_YEAR <= date.year <= today().year + YEARS_AHEAD:
        return redirect(_back_to(date))
    return redirect("workcal:index")


@county_administrator_required
@require_POST
def provisional_year(request):
    """Enter a whole year with weekends as rest days, to be corrected when the holidays are published."""
    text = request.POST.get("year", "").strip()
    now = today()
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= now.year + YEARS_AHEAD:
        messages.error(
            request, f"年份“{text}”无效：请填写 {FIRST_YEAR}–{now.year + YEARS_AHEAD} 之间的年份。"
        )
        return redirect("workcal:index")
    year = int(text)
    added = add_provisional_year(year, Actor.from_request(request))
    if added:
        messages.success(
            request,
            f"已临时录入 {year} 年 {added} 天（周一至周五为工作日，周末休息）。"
            "法定节假日和调休公布后，请逐日修改。",
        )
    else:
        messages.info(request, f"{year} 年的日历数据已完整，未做改动。")
    return redirect("workcal:year", year=year)
