"""Print the working hours between two moments (negative when the second is earlier)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.workcal.calendar import CalendarError, working_time_between

from ._parsing import parse_moment


class Command(BaseCommand):
    help = '计算两个时刻之间的工作时长（小时），如：workcal_between "2026-09-30 08:30" "2026-10-08 12:00"'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("start", help="开始时间，“YYYY-MM-DD HH:MM”（北京时间）或 ISO 8601")
        parser.add_argument("end", help="结束时间，格式同上")

    def handle(self, *args: Any, start: str, end: str, **options: Any) -> None:
        first, second = parse_moment(start), parse_moment(end)
        try:
            span = working_time_between(first, second)
        except (CalendarError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        # Decimal so that 7 h prints as 7.00 exactly, without float rounding noise.
        hours = (Decimal(span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds) / Decimal(
            3_600_000_000
        )
        self.stdout.write(f"{hours.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} 小时")
