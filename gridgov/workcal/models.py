"""Working calendar: which days are working days, and which hours of a working day count.

Deadlines (办理时限) are counted in working days or working hours, so every deadline computation
reads these two tables (through the in-memory cache in `gridgov.workcal.calendar`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class DaySource(models.TextChoices):
    """Where a calendar row came from; manual rows were edited by an administrator."""

    CHINESECALENDAR = "chinesecalendar", "chinesecalendar 数据包"
    MANUAL = "manual", "人工维护"
    # Weekends only, entered before the State Council publishes the year's holidays; to be corrected.
    PROVISIONAL = "provisional", "临时（仅周末，待补录法定节假日）"


class CalendarDay(models.Model):
    """One calendar day and whether it is a working day.

    Every day of a covered year has a row: weekends and holidays are stored as non-working days,
    make-up working days (调休上班) as working days. A year without a complete set of rows is treated
    as unknown rather than guessed (see `calendar.CalendarMissing`).
    """

    date = models.DateField("日期", unique=True)
    is_working = models.BooleanField("是否工作日")
    name = models.CharField(
        "名称", max_length=100, blank=True, help_text="节假日或调休上班日的名称，如“国庆节”“国庆节调休上班”"
    )
    source = models.CharField("来源", max_length=20, choices=DaySource.choices, default=DaySource.MANUAL)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "日历日"
        verbose_name_plural = "工作日历"
        ordering = ["date"]

    def __str__(self) -> str:
        kind = "工作日" if self.is_working else "休息日"
        label = f"{self.date.isoformat()} {kind}"
        return f"{label}（{self.name}）" if self.name else label


class WorkPeriod(models.Model):
    """One working period of a working day (e.g. 08:30–12:00); the same periods apply to every working day."""

    start = models.TimeField("开始时间")
    end = models.TimeField("结束时间")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "工作时段"
        verbose_name_plural = "工作时段"
        ordering = ["start"]

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.start is None or self.end is None:
            return  # field validation reports the missing value
        # Periods never span midnight: the arithmetic walks one day's periods in order.
        if self.start >= self.end:
            raise ValidationError({"end": "结束时间必须晚于开始时间。"})
        # Touching periods (12:00–12:00) are fine; overlapping ones would count the same minutes twice.
        overlapping = WorkPeriod.objects.filter(start__lt=self.end, end__gt=self.start).exclude(pk=self.pk)
        if overlapping.exists():
            others = "、".join(str(p) for p in overlapping)
            raise ValidationError(f"工作时段 {self} 与已有时段 {others} 重叠。")
