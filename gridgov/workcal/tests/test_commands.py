"""The workcal_add and workcal_between management commands."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_workcal_add_prints_the_deadline_in_iso_8601_with_the_china_offset():
    assert run("workcal_add", "2026-09-30 16:00", "3", "days") == "2026-10-10T16:00:00+08:00"


def test_workcal_add_accepts_chinese_units():
    assert run("workcal_add", "2026-09-30 16:00", "3", "小时") == "2026-10-08T10:00:00+08:00"
    assert run("workcal_add", "2026-09-30 16:00", "3", "工作日") == "2026-10-10T16:00:00+08:00"
    assert run("workcal_add", "2026-09-30 11:50", "20", "分钟") == "2026-09-30T14:10:00+08:00"


def test_workcal_add_accepts_iso_8601_with_another_offset():
    assert run("workcal_add", "2026-09-30T08:00:00+00:00", "3", "days") == "2026-10-10T16:00:00+08:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("not a date", "3", "days"), "无法识别的时间"),
        (("2026-09-30 16:00", "three", "days"), "无法识别的数量"),
        (("2026-09-30 16:00", "3", "weeks"), "无法识别的单位"),
        (("2026-09-30 16:00", "1.5", "days"), "工作日数必须是整数"),
        (("2026-09-30 16:00", "-1", "hours"), "数量不能为负"),
        (("2026-12-31 16:00", "1", "days"), "2027 年没有工作日历数据"),
    ],
)
def test_workcal_add_explains_bad_input_in_chinese(args, message):
    with pytest.raises(CommandError, match=message):
        run("workcal_add", *args)


def test_workcal_between_prints_working_hours():
    assert run("workcal_between", "2026-09-30 08:30", "2026-09-30 17:30") == "7.00 小时"
    assert run("workcal_between", "2026-09-30 08:30", "2026-10-08 12:00") == "10.50 小时"
    assert run("workcal_between", "2026-10-08 12:00", "2026-09-30 08:30") == "-10.50 小时"


def test_workcal_between_refuses_a_bad_date():
    with pytest.raises(CommandError, match="无法识别的时间"):
        run("workcal_between", "2026-13-01 08:00", "2026-09-30 08:30")
