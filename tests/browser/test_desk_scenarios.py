"""The workbench in a real browser: joint handling with two co-units, an overdue event escalating as
time passes, and a township B dispatcher who cannot reach township A's event by its address."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from shapely.geometry import shape

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def at_monday_morning(time_machine):
    """A known working moment; the live server runs in this process, so it sees the same clock."""
    time_machine.move_to(MONDAY_MORNING, tick=True)
    return time_machine


def reported_in_dongcheng(matter_code: str = "SR01", text: str = "路口有一堆生活垃圾没人清理"):
    """A grid worker's report in 东城 through the real intake service."""
    from gridgov.accounts.models import User
    from gridgov.audit.actor import Actor
    from gridgov.events.services import Report, report_event

    worker = User.objects.select_related("unit__territory").get(username="grid_worker")
    point = shape(worker.unit.territory.geometry).representative_point()
    report = Report(
        channel="grid_patrol", description=text, lon=point.x, lat=point.y, matter_code=matter_code
    )
    return report_event(Actor(user=worker), report).event


def open_event(page, number):
    page.goto(f"/events/{number}/")
    expect(page.locator("h1")).to_contain_text(number)


def act(page, summary: str | None, button: str, fields: dict | None = None):
    """Open the action's <details> (if any), fill its fields and press its button."""
    scope = page.locator(".actions")
    if summary:
        details = scope.locator("details", has=page.locator("summary", has_text=summary))
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        scope = details
    for selector, value in (fields or {}).items():
        scope.locator(selector).fill(value)
    scope.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def test_joint_handling_with_two_co_units(page, at_monday_morning, screenshot):
    event = reported_in_dongcheng()

    dispatcher = page("dongcheng_dispatcher")
    open_event(dispatcher, event.number)
    dispatcher.locator("#lead").select_option("t001-platform-2")
    dispatcher.locator("#co").select_option(["t001-enforcement", "t001-platform-3"])
    dispatcher.locator("#dispatch-reason").fill("垃圾堆放涉及占道，需执法队和平安法治平台协同")
    dispatcher.get_by_role("button", name="派遣", exact=True).click()
    expect(dispatcher.locator(".flash")).to_contain_text("已派遣：主办 东城街道经济生态平台")
    expect(dispatcher.locator(".card", has_text="处置任务")).to_contain_text("协办")
    screenshot(dispatcher, "dispatched")

    lead = page("t001-platform-2-handler")
    co_units = [page("dongcheng_enforcer"), page("dongcheng_platform")]
    for handler in [lead, *co_units]:
        open_event(handler, event.number)
        handler.locator(".actions").get_by_role("button", name="签收", exact=True).click()
        expect(handler.locator(".flash")).to_contain_text("已签收")

    # The lead cannot complete while a co-unit is still working.
    open_event(lead, event.number)
    act(lead, "办结", "办结", {"textarea[name=note]": "垃圾已清运"})
    expect(lead.locator(".flash.error")).to_contain_text("协办单位尚未完成")

    for number, handler in enumerate(co_units):
        open_event(handler, event.number)
        act(handler, "办结", "办结", {"textarea[name=note]": f"协办部分已完成（{number + 1}）"})
        expect(handler.locator(".flash")).to_contain_text("已办结")

    open_event(lead, event.number)
    act(lead, "办结", "办结", {"textarea[name=note]": "垃圾已清运，占道已清除"})
    expect(lead.locator(".event-status")).to_contain_text("待核查")
    expect(lead.locator(".timeline")).to_contain_text("协办完成")


def test_an_overdue_event_escalates_as_time_passes(page, at_monday_morning, screenshot):
    from gridgov.audit.actor import Actor
    from gridgov.events.models import Event
    from gridgov.events.services import dispatch_event, scan_deadlines

    event = reported_in_dongcheng()
    dispatch_event(Actor.system("test"), event.pk)
    event = Event.objects.get(pk=event.pk)
    assert event.stage_deadline is not None

    dispatcher = page("dongcheng_dispatcher")
    dispatcher.goto("/events/?sla=green")
    expect(dispatcher.locator("table.events")).to_contain_text(event.number)

    # Two working days later nobody has accepted it: the scheduler marks it overdue and climbs the ladder.
    at_monday_morning.move_to(event.stage_deadline + timedelta(days=2), tick=True)
    for _ in range(10):  # the scheduler's loop: one step per event per pass, until nothing is due
        if not any(scan_deadlines().values()):
            break

    dispatcher = page("dongcheng_dispatcher")  # a new working day: yesterday's session has expired
    dispatcher.goto("/events/?overdue=1")
    row = dispatcher.locator("table.events tr", has_text=event.number)
    expect(row.locator(".sla")).to_have_text("超期")
    open_event(dispatcher, event.number)
    expect(dispatcher.locator(".timeline")).to_contain_text("超期")

    county = page("county_dispatcher")
    county.goto("/events/?overdue=1&sla=red")
    expect(county.locator("table.events")).to_contain_text(event.number)
    open_event(county, event.number)
    expect(county.locator(".timeline")).to_contain_text("超期升级")
    screenshot(county, "county-sees-escalation")


def test_a_township_b_dispatcher_cannot_reach_township_a_event_by_url(page):
    event = reported_in_dongcheng()

    outsider = page("xicheng_dispatcher")
    response = outsider.goto(f"/events/{event.number}/")
    assert response.status == 404
    expect(outsider.locator("body")).to_contain_text("未找到")
    expect(outsider.locator("body")).not_to_contain_text(event.description)

    outsider.goto(f"/events/?q={event.number}&state=all")
    expect(outsider.locator(".empty")).to_contain_text("没有符合条件的事件")
    assert outsider.request.get(f"/events/map.json?q={event.number}").json()["points"] == []
