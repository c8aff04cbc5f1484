"""超期升级阶梯 (/ladder/): an administrator sees the steps and when each would fire, changes a
step's `after` and target, adds a step at the end and removes one; every change is audited, the
deadline scan follows the new ladder at once (even for an event that had already climbed the old
one), bad input is refused in Chinese and changes nothing; only county administrators get in."""

import html
from datetime import datetime

import pytest
from django.test import Client

from gridgov.accounts.choices import Role
from gridgov.accounts.models import Unit, User
from gridgov.audit.models import AuditEntry
from gridgov.events.models import EscalationStep, Notification
from gridgov.events.services import scan_deadlines
from gridgov.events.tests.conftest import SHANGHAI, reload

pytestmark = pytest.mark.django_db

Target = EscalationStep.Target


def text(response) -> str:
    return html.unescape(response.content.decode())


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def ladder() -> list[tuple[int, str, str]]:
    return list(EscalationStep.objects.order_by("order").values_list("order", "after", "target"))


def step(order: int) -> EscalationStep:
    return EscalationStep.objects.get(order=order)


SEEDED = [(1, "0h", Target.UNIT_SUPERVISORS), (2, "4h", Target.UNIT_ABOVE), (3, "1d", Target.COUNTY_CENTRE)]


def test_the_seeded_ladder_is_the_one_these_tests_start_from():
    assert ladder() == SEEDED


def test_the_page_shows_each_step_and_when_it_would_fire_for_an_event_overdue_now(
    client_for, sysadmin, django_assert_max_num_queries
):
    client = client_for(sysadmin)
    with django_assert_max_num_queries(10):
        response = client.get("/ladder/")
    page = text(response)
    assert "若现在（11-24 09:00）超期，何时通知" in page
    # Tuesday 09:00: 0h at once; 4h = 09:00–12:00 and 14:00–15:00; 1d = the same time tomorrow.
    assert [s.example for s in response.context["steps"]] == [
        datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI),
        datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI),
        datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI),
    ]
    assert "11-24 09:00（立即）" in page and "11-24 15:00" in page and "11-25 09:00" in page
    assert 'value="4h"' in page and '<option value="unit_above" selected>上一级单位</option>' in page


def test_changing_a_step_normalises_the_time_and_is_audited(client_for, sysadmin):
    response = client_for(sysadmin).post(
        f"/ladder/{step(2).pk}/", {"after": "2小时", "target": Target.COUNTY_CENTRE}, follow=True
    )
    assert "已修改第 2 步：超期 2h 后通知县级社会治理中心。" in flashes(response)
    assert ladder()[1] == (2, "2h", Target.COUNTY_CENTRE)
    [row] = AuditEntry.objects.filter(action="ladder.change", object_id=str(step(2).pk))
    assert row.actor == sysadmin
    assert row.summary == {
        "before": {"after": "4h", "target": Target.UNIT_ABOVE},
        "after": {"after": "2h", "target": Target.COUNTY_CENTRE},
    }


def test_saving_a_step_unchanged_writes_nothing(client_for, sysadmin):
    response = client_for(sysadmin).post(
        f"/ladder/{step(2).pk}/", {"after": "4h", "target": Target.UNIT_ABOVE}, follow=True
    )
    assert "第 2 步没有改动。" in flashes(response)
    assert not AuditEntry.objects.filter(action__startswith="ladder.").exists()


def test_adding_a_step_puts_it_at_the_end_and_removing_one_keeps_the_other_numbers(client_for, sysadmin):
    client = client_for(sysadmin)
    added = client.post("/ladder/add/", {"after": "2工作日", "target": Target.COUNTY_CENTRE}, follow=True)
    assert "已添加第 4 步：超期 2d 后通知县级社会治理中心。" in flashes(added)
    removed = client.post(f"/ladder/{step(2).pk}/remove/", follow=True)
    assert "已删除第 2 步（超期 4h → 上一级单位）。" in flashes(removed)
    assert ladder() == [SEEDED[0], SEEDED[2], (4, "2d", Target.COUNTY_CENTRE)]
    # An order once used is not given out again: events remember how far they climbed by it.
    client.post("/ladder/add/", {"after": "3d", "target": Target.COUNTY_CENTRE})
    assert [order for order, _, _ in ladder()] == [1, 3, 4, 5]
    assert AuditEntry.objects.filter(action="ladder.add").count() == 2
    [gone] = AuditEntry.objects.filter(action="ladder.remove")
    assert gone.summary == {"order": 2, "after": "4h", "target": Target.UNIT_ABOVE}


def test_removing_a_step_twice_says_it_is_gone(client_for, sysadmin):
    client = client_for(sysadmin)
    pk = step(3).pk
    client.post(f"/ladder/{pk}/remove/")
    response = client.post(f"/ladder/{pk}/remove/", follow=True)
    assert "没有这个升级步骤（可能已被删除）" in flashes(response)
    assert AuditEntry.objects.filter(action="ladder.remove").count() == 1


def test_an_empty_ladder_says_what_then_happens(client_for, sysadmin):
    client = client_for(sysadmin)
    for s in EscalationStep.objects.all():
        client.post(f"/ladder/{s.pk}/remove/")
    assert "阶梯上没有步骤：事件超期后只通知责任单位，不再逐级升级。" in text(client.get("/ladder/"))


@pytest.mark.parametrize(
    ("after", "target", "message"),
    [
        (
            "3 weeks",
            Target.UNIT_ABOVE,
            "超期后时长：时限 '3 weeks' 的单位 'weeks' 未知（可用 h/小时、d/工作日、m/分钟）",
        ),
        ("", Target.UNIT_ABOVE, "超期后时长：时限 '' 无法识别"),
        ("-1h", Target.UNIT_ABOVE, "无法识别"),
        ("1.5d", Target.UNIT_ABOVE, "工作日必须是整数"),
        ("99999999h", Target.UNIT_ABOVE, "超期后时长 '99999999h' 过长"),
        ("4h", "mayor", "未知的通知对象：'mayor'"),
        ("2d", Target.UNIT_ABOVE, "第 3 步（超期 1d）不能早于前一步第 2 步（超期 2d）：升级按步骤顺序进行"),
    ],
)
def test_bad_input_for_a_step_is_refused_and_changes_nothing(client_for, sysadmin, after, target, message):
    response = client_for(sysadmin).post(f"/ladder/{step(2).pk}/", {"after": after, "target": target})
    assert response.status_code == 400
    assert message in text(response)
    assert f'value="{after}"' in text(response)  # what was typed is still in the form
    assert ladder() == SEEDED
    assert not AuditEntry.objects.filter(action__startswith="ladder.").exists()


def test_a_new_step_must_not_fire_before_the_last_one(client_for, sysadmin):
    response = client_for(sysadmin).post("/ladder/add/", {"after": "6h", "target": Target.COUNTY_CENTRE})
    # A working day here is 7 working hours (08:30–12:00, 14:00–17:30), so 6h comes before 1d.
    assert response.status_code == 400
    assert "第 4 步（超期 6h）不能早于前一步第 3 步（超期 1d）" in text(response)
    assert ladder() == SEEDED


# -- the scan follows the edited ladder ------------------------------------------------------------


def test_a_step_added_after_an_event_climbed_the_whole_ladder_still_reaches_it(
    client_for, sysadmin, garbage_in_progress, time_machine, county_dispatcher
):
    client = client_for(sysadmin)
    client.post(f"/ladder/{step(3).pk}/remove/")
    client.post(f"/ladder/{step(2).pk}/remove/")
    deadline = garbage_in_progress.stage_deadline
    time_machine.move_to(deadline, tick=False)
    assert scan_deadlines()["warned"] == 1
    assert scan_deadlines()["overdue"] == 1
    assert scan_deadlines()["escalated"] == 1  # step 1, "0h"
    event = reload(garbage_in_progress)
    assert event.escalation_step == 1 and event.next_due_at is None  # the ladder is climbed

    client.post("/ladder/add/", {"after": "1h", "target": Target.COUNTY_CENTRE})
    added = EscalationStep.objects.get(after="1h")
    assert added.order > event.escalation_step

    assert scan_deadlines()["escalated"] == 0  # not due yet, but the scan now knows when
    event = reload(event)
    assert event.next_due_at is not None and event.next_due_at > deadline
    time_machine.move_to(event.next_due_at, tick=False)
    assert scan_deadlines()["escalated"] == 1
    assert reload(event).escalation_step == added.order
    assert Notification.objects.filter(event=event, kind="escalation", user=county_dispatcher).exists()


# -- who gets in ----------------------------------------------------------------------------------


def test_other_roles_get_403_and_change_nothing(client_for, county_dispatcher, county_supervisor, leader):
    for user in (county_dispatcher, county_supervisor, leader):
        client = client_for(user)
        assert client.get("/ladder/").status_code == 403
        assert (
            client.post(f"/ladder/{step(1).pk}/", {"after": "9h", "target": Target.UNIT_ABOVE}).status_code
            == 403
        )
        assert client.post("/ladder/add/", {"after": "3d", "target": Target.UNIT_ABOVE}).status_code == 403
        assert client.post(f"/ladder/{step(1).pk}/remove/").status_code == 403
    assert ladder() == SEEDED


def test_a_township_administrator_gets_403(client_for):
    township_admin = User.objects.create_user(
        "dongcheng_admin", unit=Unit.objects.get(code="t001-command"), role=Role.ADMINISTRATOR
    )
    client = client_for(township_admin)
    assert client.get("/ladder/").status_code == 403
    assert client.post(f"/ladder/{step(1).pk}/remove/").status_code == 403
    assert ladder() == SEEDED


def test_anonymous_visitors_go_to_the_login_page():
    response = Client().get("/ladder/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert Client().post("/ladder/add/", {"after": "3d", "target": Target.UNIT_ABOVE}).status_code == 302
    assert ladder() == SEEDED
