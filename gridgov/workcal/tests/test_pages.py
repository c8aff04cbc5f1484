"""工作日历 pages (/calendar/): an administrator sees a year as month grids (working day, rest day,
holiday, 调休上班, the holiday's name and where each day came from), switches a day so that
deadlines move with it, enters a provisional year, and is warned when fewer than 60 days of
calendar data remain; bad input changes nothing; only county administrators get in."""

import datetime as dt
import re

import pytest
from django.test import Client

from gridgov.accounts.choices import Role
from gridgov.accounts.models import Unit, User
from gridgov.audit.models import AuditEntry
from gridgov.workcal.calendar import TZ, add_working_time, is_working_day
from gridgov.workcal.models import CalendarDay, DaySource

pytestmark = pytest.mark.django_db

TUESDAY = dt.datetime(2026, 11, 24, 9, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _on_an_ordinary_tuesday(time_machine):
    """37 days of calendar data left (it ends 2026-12-31)."""
    time_machine.move_to(TUESDAY, tick=False)


def text(response) -> str:
    return response.content.decode()


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def day_classes(page: str, date: str) -> set[str]:
    match = re.search(rf'class="day ([^"]+)" data-d="{date}"', page)
    assert match, f"{date} is not on the page"
    return set(match.group(1).split())


def test_the_year_shows_working_days_rest_days_holidays_and_make_up_days_with_names(client_for, sysadmin):
    page = text(client_for(sysadmin).get("/calendar/2026/"))
    assert "工作日历 · 2026 年" in page
    assert {"d-holiday", "src-chinesecalendar"} <= day_classes(page, "2026-10-01")  # 国庆节, Thursday
    assert "d-makeup" in day_classes(page, "2026-10-10")  # Saturday, 国庆节调休上班
    assert "d-rest" in day_classes(page, "2026-10-11")  # an ordinary Sunday
    assert "d-work" in day_classes(page, "2026-10-12")
    assert "1–7日 国庆节" in page and "10日 国庆节调休上班" in page
    assert "2026-10-10 周六 调休上班（国庆节调休上班） · 来源：chinesecalendar 数据包" in page
    assert "365/365 天，完整" in page


def test_the_current_year_is_the_default_and_working_periods_are_shown(client_for, sysadmin):
    page = text(client_for(sysadmin).get("/calendar/"))
    assert "工作日历 · 2026 年" in page
    assert "08:30–12:00、14:00–17:30" in page and "每个工作日共 7 个工作小时" in page


def test_the_year_page_keeps_to_a_query_budget(client_for, sysadmin, django_assert_max_num_queries):
    client = client_for(sysadmin)
    with django_assert_max_num_queries(10):
        assert client.get("/calendar/2026/").status_code == 200


def test_a_year_out_of_range_is_404(client_for, sysadmin):
    client = client_for(sysadmin)
    assert client.get("/calendar/1990/").status_code == 404
    assert client.get("/calendar/2040/").status_code == 404


# -- switching a day -------------------------------------------------------------------------------


def test_switching_a_working_day_to_a_rest_day_moves_deadlines_and_is_audited(client_for, sysadmin):
    wednesday = dt.date(2026, 11, 25)
    assert add_working_time(TUESDAY, 1, "days") == dt.datetime(2026, 11, 25, 9, 0, tzinfo=TZ)

    response = client_for(sysadmin).post(
        "/calendar/day/", {"date": "2026-11-25", "is_working": "0", "name": "防汛停工"}, follow=True
    )

    assert response.redirect_chain == [("/calendar/2026/?day=2026-11-25", 302)]
    assert "已将 2026-11-25（周三）设为节假日“防汛停工”。此后计算的办理时限按新日历执行。" in flashes(
        response
    )
    day = CalendarDay.objects.get(date=wednesday)
    assert (day.is_working, day.name, day.source) == (False, "防汛停工", DaySource.MANUAL)
    assert not is_working_day(wednesday)
    assert add_working_time(TUESDAY, 1, "days") == dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ)
    [row] = AuditEntry.objects.filter(action="workcal.set_day", object_id=str(day.pk))
    assert row.actor == sysadmin and row.summary["before"]["is_working"] == "True"
    page = text(response)
    assert {"d-holiday", "src-manual"} <= day_classes(page, "2026-11-25")
    assert "本年人工修改的日子" in page


def test_a_saturday_becomes_a_make_up_working_day(client_for, sysadmin):
    client_for(sysadmin).post("/calendar/day/", {"date": "2026-11-28", "is_working": "1", "name": "调休上班"})
    assert is_working_day(dt.date(2026, 11, 28))
    assert "d-makeup" in day_classes(text(client_for(sysadmin).get("/calendar/2026/")), "2026-11-28")


def test_saving_a_manual_day_unchanged_writes_nothing(client_for, sysadmin):
    client = client_for(sysadmin)
    form = {"date": "2026-11-25", "is_working": "0", "name": "防汛停工"}
    client.post("/calendar/day/", form)
    response = client.post("/calendar/day/", form, follow=True)
    assert "2026-11-25 没有改动。" in flashes(response)
    assert AuditEntry.objects.filter(action="workcal.set_day").count() == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"date": "2026-13-40", "is_working": "0"}, "请选择一个有效的日期（如 2026-10-10）。"),
        ({"date": "", "is_working": "0"}, "请选择一个有效的日期（如 2026-10-10）。"),
        ({"date": "2026-11-25"}, "请选择这一天是工作日还是休息日。"),
        ({"date": "2026-11-25", "is_working": "maybe"}, "请选择这一天是工作日还是休息日。"),
        ({"date": "2026-11-25", "is_working": "0", "name": "长" * 101}, "名称最多 100 个字。"),
        ({"date": "1999-05-01", "is_working": "0"}, "1999 年不在可维护的范围内（2004–2031）。"),
        (
            {"date": "2027-01-01", "is_working": "0", "name": "元旦"},
            "2027 年还没有完整的日历数据，不能只改一天；请先临时录入 2027 年整年。",
        ),
    ],
)
def test_bad_day_input_is_refused_and_changes_nothing(client_for, sysadmin, form, message):
    days_before = list(
        CalendarDay.objects.filter(date__gte="2026-11-01").values_list("date", "is_working", "name")
    )
    response = client_for(sysadmin).post("/calendar/day/", form, follow=True)
    assert message in flashes(response)
    after = list(CalendarDay.objects.filter(date__gte="2026-11-01").values_list("date", "is_working", "name"))
    assert after == days_before
    assert not AuditEntry.objects.filter(action="workcal.set_day").exists()


# -- provisional year and the end of the data ------------------------------------------------------


def test_fewer_than_60_days_of_data_left_shows_a_warning_with_the_way_out(client_for, sysadmin):
    page = text(client_for(sysadmin).get("/calendar/"))
    assert "工作日历数据只到 <b>2026年12月31日</b>，还剩 <b>37</b> 天。" in page
    assert 'href="/calendar/2027/">临时录入 2027 年（仅周末休息）' in page
    assert "还剩 <b>37</b> 天" in text(client_for(sysadmin).get("/staff/"))


def test_no_warning_while_more_than_60_days_remain(client_for, sysadmin, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, 0, tzinfo=TZ), tick=False)
    page = text(client_for(sysadmin).get("/calendar/"))
    assert "工作日历数据只到" not in page and "数据截至</dt><dd>2026-12-31（还剩 213 天）" in page


def test_a_year_without_data_says_so_and_a_provisional_year_fills_it(client_for, sysadmin):
    client = client_for(sysadmin)
    empty = text(client.get("/calendar/2027/"))
    assert "2027 年还没有工作日历数据：这一年的办理时限无法计算。" in empty
    assert "d-none" in day_classes(empty, "2027-01-01")

    response = client.post("/calendar/provisional/", {"year": "2027"}, follow=True)

    assert response.redirect_chain == [("/calendar/2027/", 302)]
    assert (
        "已临时录入 2027 年 365 天（周一至周五为工作日，周末休息）。法定节假日和调休公布后，请逐日修改。"
        in flashes(response)
    )
    assert CalendarDay.objects.filter(date__year=2027, source=DaySource.PROVISIONAL).count() == 365
    assert add_working_time(dt.datetime(2026, 12, 31, 9, 0, tzinfo=TZ), 1, "days") == dt.datetime(
        2027, 1, 1, 9, 0, tzinfo=TZ
    )
    page = text(response)
    assert {"d-work", "src-provisional"} <= day_classes(page, "2027-01-01")
    assert "工作日历数据只到" not in page  # the data now reaches the end of 2027
    assert "2027 年有 365 天是临时录入的（只区分了周末）" in page
    assert AuditEntry.objects.filter(action="workcal.provisional_year", object_id="2027").count() == 1


def test_entering_a_complete_year_again_changes_nothing(client_for, sysadmin):
    response = client_for(sysadmin).post("/calendar/provisional/", {"year": "2026"}, follow=True)
    assert "2026 年的日历数据已完整，未做改动。" in flashes(response)
    assert not CalendarDay.objects.filter(source=DaySource.PROVISIONAL).exists()


@pytest.mark.parametrize("year", ["abc", "", "1999", "2032", "-1"])
def test_a_bad_provisional_year_is_refused(client_for, sysadmin, year):
    response = client_for(sysadmin).post("/calendar/provisional/", {"year": year}, follow=True)
    assert f"年份“{year}”无效：请填写 2004–2031 之间的年份。" in flashes(response)
    assert not CalendarDay.objects.filter(source=DaySource.PROVISIONAL).exists()


def test_an_incomplete_current_year_is_an_alarm(client_for, sysadmin, time_machine):
    time_machine.move_to(dt.datetime(2027, 1, 4, 9, 0, tzinfo=TZ), tick=False)
    page = text(client_for(sysadmin).get("/calendar/"))
    assert "2027 年的工作日历数据不完整，本年的办理时限无法计算。" in page


# -- who gets in ----------------------------------------------------------------------------------

PAGES = ["/calendar/", "/calendar/2026/"]


@pytest.mark.parametrize("path", PAGES)
def test_other_roles_get_403(client_for, path, county_dispatcher, dispatcher_a, leader, grid_worker):
    for user in (county_dispatcher, dispatcher_a, leader, grid_worker):
        assert client_for(user).get(path).status_code == 403


def test_a_township_administrator_cannot_change_the_county_calendar(client_for):
    township_admin = User.objects.create_user(
        "dongcheng_admin", unit=Unit.objects.get(code="t001-command"), role=Role.ADMINISTRATOR
    )
    client = client_for(township_admin)
    assert client.get("/calendar/").status_code == 403
    response = client.post("/calendar/day/", {"date": "2026-11-25", "is_working": "0"})
    assert response.status_code == 403
    assert is_working_day(dt.date(2026, 11, 25))


def test_others_cannot_change_the_calendar(client_for, county_dispatcher):
    client = client_for(county_dispatcher)
    assert client.post("/calendar/day/", {"date": "2026-11-25", "is_working": "0"}).status_code == 403
    assert client.post("/calendar/provisional/", {"year": "2027"}).status_code == 403
    assert is_working_day(dt.date(2026, 11, 25))
    assert not CalendarDay.objects.filter(date__year=2027).exists()


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_go_to_the_login_page(path):
    response = Client().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_the_superuser_gets_in(client_for, superuser):
    assert client_for(superuser).get("/calendar/").status_code == 200
