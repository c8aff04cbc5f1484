"""Argument parsing shared by the workcal management commands."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from gridgov.workcal.calendar import TZ

UNIT_ALIASES: dict[str, str] = {
    "hours": "hours",
    "hour": "hours",
    "小时": "hours",
    "days": "days",
    "day": "days",
    "工作日": "days",
    "minutes": "minutes",
    "minute": "minutes",
    "分钟": "minutes",
}


def parse_moment(text: str) -> dt.datetime:
    """ "YYYY-MM-DD HH:MM" as Asia/Shanghai local time, or ISO 8601 (with or without an offset)."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CommandError(
            f"无法识别的时间：{text!r}。请使用“YYYY-MM-DD HH:MM”（北京时间）或带时区的 ISO 8601 格式，"
            "如 2026-09-30T16:00:00+08:00。"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return moment


def parse_unit(text: str) -> str:
    unit = UNIT_ALIASES.get(text.strip().lower())
    if unit is None:
        raise CommandError(f"无法识别的单位：{text!r}。可用单位：hours/小时、days/工作日、minutes/分钟。")
    return unit
