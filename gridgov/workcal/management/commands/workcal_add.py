"""Print the deadline `amount` working hours/days/minutes after a moment, e.g. for checking a case by hand."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.workcal.calendar import CalendarError, add_working_time

from ._parsing import parse_moment, parse_unit


class Command(BaseCommand):
    help = '计算工作时间截止时刻，如：workcal_add "2026-09-30 16:00" 3 days'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("start", help="开始时间，“YYYY-MM-DD HH:MM”（北京时间）或 ISO 8601")
        parser.add_argument("amount", help="数量，如 3 或 1.5")
        parser.add_argument("unit", help="单位：hours/小时、days/工作日、minutes/分钟")

    def handle(self, *args: Any, start: str, amount: str, unit: str, **options: Any) -> None:
        moment = parse_moment(start)
        unit_name = parse_unit(unit)
        try:
            value = Decimal(amount.strip())
        except InvalidOperation as exc:
            raise CommandError(f"无法识别的数量：{amount!r}，请输入非负数字。") from exc
        try:
            deadline = add_working_time(moment, value, unit_name)  # type: ignore[arg-type]
        except (CalendarError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(deadline.isoformat())
