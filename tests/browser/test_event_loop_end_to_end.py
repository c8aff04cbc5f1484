"""The whole loop in a real browser, each person on their own screen:

a citizen reports rubbish on their phone → the grid worker reports the same on a phone-sized screen →
the township dispatcher merges the citizen's report into it and dispatches to the township's 经济生态平台 →
its handler accepts and finishes → the grid worker checks and sends it back → rework → finished again →
the grid worker passes it and it closes → the citizen sees the outcome and rates it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from shapely.geometry import shape

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
PHONE = {"width": 375, "height": 812}
CITIZEN_PHONE = "13800000000"
RUBBISH = "部望社区菜场东门口堆了一大堆生活垃圾，好几天没人清理，气味很大"


@pytest.fixture
def at_tuesday_morning(time_machine):
    time_machine.move_to(TUESDAY_MORNING, tick=True)


def worker_spot():
    """A point inside the demo grid worker's grid (longitude, latitude)."""
    from gridgov.accounts.models import User

    grid = User.objects.select_related("unit__territory").get(username="grid_worker").unit.territory
    point = shape(grid.geometry).representative_point()
    return point.x, point.y


def citizen_signs_in(page):
    phone = page(None, viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto("/citizen/login/")
    phone.locator("#id_phone").fill(CITIZEN_PHONE)
    phone.get_by_role("button", name="获取验证码").click()
    code = phone.locator(".c-demo-code b").inner_text().strip()
    phone.locator("#id_code").fill(code)
    phone.get_by_role("button", name="登录", exact=True).click()
    phone.wait_for_load_state()
    assert "/citizen/login" not in phone.url
    return phone


def newest_event_number(**filters) -> str:
    from gridgov.events.models import Event

    return Event.objects.filter(**filters).order_by("-id").values_list("number", flat=True).first()


def test_from_a_phone_report_through_rework_to_the_citizens_rating(page, at_tuesday_morning, screenshot):
    lon, lat = worker_spot()

    # 1. A citizen reports it from their phone (location as the phone's GPS gives it).
    citizen = citizen_signs_in(page)
    citizen.context.grant_permissions(["geolocation"])
    citizen.context.set_geolocation({"longitude": lon, "latitude": lat})
    citizen.goto("/citizen/report/")
    citizen.locator("#id_description").fill(RUBBISH)
    citizen.get_by_role("button", name="使用我的位置（GPS 定位）").click()
    expect(citizen.locator("#id_lon")).not_to_have_value("")
    citizen.locator(".c-submit").click()
    citizen.wait_for_load_state()
    expect(citizen.locator(".flash")).to_contain_text("提交成功")
    citizens_number = citizen.url.rstrip("/").rsplit("/", 1)[-1]
    assert newest_event_number(channel="citizen") == citizens_number
    screenshot(citizen, "citizen-reported")

    # 2. The grid worker reports the same spot on a phone-sized screen, with a suggestion while typing.
    worker = page(
        "grid_worker",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": lon, "latitude": lat},
        permissions=["geolocation"],
    )
    worker.goto("/field/report/")
    worker.locator("#description").fill("菜场东门口生活垃圾堆积，无人清理，有异味")
    expect(worker.locator("#suggestions")).to_contain_text("暴露垃圾")
    worker.locator("#locate-me").click()
    expect(worker.locator("#lon")).not_to_have_value("")
    worker.get_by_role("button", name="提交上报").click()
    expect(worker.locator("body")).to_contain_text("YK")
    number = newest_event_number(reporter_user__username="grid_worker")
    screenshot(worker, "worker-reported")

    # 3. The township dispatcher merges the citizen's report into it and dispatches by the catalogue.
    dispatcher = page("dongcheng_dispatcher")
    dispatcher.goto(f"/events/{citizens_number}/")
    merge = dispatcher.locator(".actions details", has=dispatcher.locator("summary", has_text="疑似重复"))
    if merge.get_attribute("open") is None:
        merge.locator("summary").click()
    merge.locator("#into").fill(number)
    merge.get_by_role("button", name="合并", exact=True).click()
    expect(dispatcher.locator(".flash")).to_contain_text(f"已合并到 {number}")
    dispatcher.goto(f"/events/{number}/")
    dispatcher.locator(".actions").get_by_role("button", name="派遣", exact=True).click()
    expect(dispatcher.locator(".flash")).to_contain_text("已派遣：主办 东城街道经济生态平台")
    expect(dispatcher.locator(".card", has_text="为什么派到这里")).to_contain_text("经济生态平台")

    # 4. The platform's handler accepts and finishes.
    handler = page("t001-platform-2-handler")

    def handler_finishes(note):
        handler.goto(f"/events/{number}/")
        accept = handler.locator(".actions").get_by_role("button", name="签收", exact=True)
        if accept.count():
            accept.click()
            expect(handler.locator(".flash")).to_contain_text("已签收")
        handler.locator("#finish-note").fill(note)
        handler.locator(".actions").get_by_role("button", name="办结", exact=True).click()
        expect(handler.locator(".event-status")).to_contain_text("待核查")

    handler_finishes("已安排保洁清运")

    # 5. The grid worker checks on the spot and sends it back with a reason.
    worker.goto(f"/field/events/{number}/")
    worker.locator("#verify-reason").fill("东侧还有一半没清走")
    worker.get_by_role("button", name="退回返工").click()
    expect(worker.locator("body")).to_contain_text("处置中")
    screenshot(worker, "worker-sent-back")

    # 6. Rework, then the grid worker passes it and it closes.
    handler_finishes("已全部清运，地面冲洗干净")
    worker.goto(f"/field/events/{number}/")
    worker.get_by_role("button", name="核查通过，结案").click()
    expect(worker.locator("body")).to_contain_text("已结案")

    from gridgov.events.models import Event

    closed = Event.objects.get(number=number)
    assert (closed.state, closed.reworks) == ("closed", 1)
    assert [h.action for h in closed.history.order_by("at", "id")][-3:] == ["rework", "finish", "close"]

    # 7. The citizen sees the outcome of their (merged) report and rates it.
    citizen.goto(f"/citizen/reports/{citizens_number}/")
    expect(citizen.locator("#rate")).to_be_visible()
    citizen.locator("#rate").get_by_label("满意", exact=True).check()
    citizen.locator("#id_comment").fill("处理得很及时，谢谢")
    citizen.get_by_role("button", name="提交评价").click()
    expect(citizen.locator("body")).to_contain_text("满意")
    assert Event.objects.get(number=citizens_number).rating == "satisfied"
    screenshot(citizen, "citizen-rated")
