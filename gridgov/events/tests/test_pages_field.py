"""The grid worker's mobile workbench (/field/): reporting from the street with a retry that never
creates a second event, refusals that keep what was typed, resolving on the spot with photo
evidence, verifying a fix or sending it back, the lists of today's work and of my reports, and
nobody outside the grid getting in (ARCHITECTURE rule 9)."""

import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.accounts.choices import Role, UnitKind
from gridgov.accounts.models import Unit
from gridgov.events.choices import AssignmentState, EventState, PhotoKind, Urgency
from gridgov.events.models import Event, Photo
from gridgov.events.services import dispatch_event

from .conftest import (
    TOWNSHIP_B,
    as_actor,
    grid_for,
    handled,
    matter,
    point_in,
    reload,
    report,
    text_for,
)

pytestmark = pytest.mark.django_db

GARBAGE = "城利路 12 号门口有人乱倒生活垃圾，堆了一大堆没人清理，臭气熏天"
ROAD = "城利路中段路面大面积破损，坑洼很深，车辆经过容易爆胎"


def photo(name="spot.jpg", content=None, jpeg=None):
    return SimpleUploadedFile(name, content if content is not None else jpeg, "image/jpeg")


def form_for(worker, **fields):
    """A report form as the page would post it: a point inside the worker's own grid."""
    lon, lat = point_in(worker.unit.territory)
    data = {
        "key": "c0ffee00c0ffee00c0ffee00c0ffee00",
        "description": GARBAGE,
        "address": "城利路 12 号",
        "urgency": Urgency.NORMAL,
        "lon": f"{lon:.6f}",
        "lat": f"{lat:.6f}",
        "matter_code": "",
    }
    data.update(fields)
    return data


def number_in(response) -> str:
    return re.fullmatch(r"/field/events/(\w+)/", response["Location"]).group(1)


def my_events(worker):
    return Event.objects.filter(reporter_user=worker)


# -- reporting -------------------------------------------------------------------------------------


class TestReportingAnEvent:
    def test_the_form_offers_the_camera_the_map_of_my_grid_and_a_fresh_key_each_time(
        self, client_for, grid_worker
    ):
        client = client_for(grid_worker)
        first = client.get("/field/report/").content.decode()
        second = client.get("/field/report/").content.decode()

        assert 'accept="image/*" capture="environment" multiple' in first
        assert 'id="pick-map"' in first and grid_worker.unit.territory.code in first
        keys = [re.search(r'name="key" value="(\w+)"', page).group(1) for page in (first, second)]
        assert len(keys[0]) == 32 and keys[0] != keys[1]

    def test_a_report_with_a_photo_becomes_a_routed_grid_patrol_event_shown_with_its_route(
        self, client_for, grid_worker, jpeg
    ):
        client = client_for(grid_worker)
        response = client.post("/field/report/", {**form_for(grid_worker), "photos": [photo(jpeg=jpeg)]})

        assert response.status_code == 302
        event = Event.objects.get(number=number_in(response))
        assert (event.channel, event.reporter_user, event.grid) == (
            "grid_patrol",
            grid_worker,
            grid_worker.unit.territory,
        )
        assert event.matter.name == "暴露垃圾"  # left to the classifier
        assert event.state == EventState.REPORTED and event.owner_unit.code == "t001-command"
        assert list(event.photos.values_list("kind", flat=True)) == [PhotoKind.REPORT]
        page = client.get(response["Location"]).content.decode()
        assert "上报成功" in page and event.number in page
        assert "东城街道综合信息指挥室" in page
        assert event.route_reason and event.route_reason in page
        assert "就地解决" in page  # 暴露垃圾 may be resolved by the grid

    def test_the_worker_may_pick_another_suggested_matter(self, client_for, grid_worker):
        code = matter("乱堆物料").code
        response = client_for(grid_worker).post("/field/report/", form_for(grid_worker, matter_code=code))

        event = Event.objects.get(number=number_in(response))
        assert event.matter.code == code and event.matter_overridden

    def test_the_page_script_gets_the_event_address_as_json(self, client_for, grid_worker):
        response = client_for(grid_worker).post(
            "/field/report/", form_for(grid_worker), headers={"X-Field-Submit": "1"}
        )

        assert response.status_code == 200
        number = my_events(grid_worker).get().number
        assert json.loads(response.content) == {"url": f"/field/events/{number}/"}

    def test_suggestions_while_typing_show_the_top_three_matters_as_choices(self, client_for, grid_worker):
        response = client_for(grid_worker).post(
            "/field/report/suggest/", {"description": text_for("暴露垃圾"), "matter_code": ""}
        )

        page = response.content.decode()
        choices = re.findall(r'name="matter_code" value="(\w*)"', page)
        assert choices[0] == "" and len(choices) == 4  # "由系统判断" and the top three
        assert choices[1] == matter("暴露垃圾").code and "暴露垃圾" in page

    def test_suggestions_keep_a_chosen_matter_that_dropped_out_of_the_top_three(
        self, client_for, grid_worker
    ):
        chosen = matter("独居老人关爱").code
        page = (
            client_for(grid_worker)
            .post("/field/report/suggest/", {"description": GARBAGE, "matter_code": chosen})
            .content.decode()
        )
        assert f'value="{chosen}" checked' in page and "独居老人关爱" in page

    def test_a_nearby_open_report_of_the_same_matter_is_shown_as_a_possible_duplicate(
        self, client_for, grid_worker
    ):
        client = client_for(grid_worker)
        first = number_in(client.post("/field/report/", form_for(grid_worker, key="a" * 32)))
        second = client.post("/field/report/", form_for(grid_worker, key="b" * 32))

        page = client.get(second["Location"]).content.decode()
        assert "附近可能重复的事件" in page
        assert f'<a href="/field/events/{first}/">{first}</a>' in page


class TestARetryNeverCreatesASecondEvent:
    def test_the_same_key_posted_again_after_a_lost_answer_opens_the_first_event(
        self, client_for, grid_worker
    ):
        client = client_for(grid_worker)
        first = client.post("/field/report/", form_for(grid_worker))
        again = client.post("/field/report/", form_for(grid_worker))

        assert my_events(grid_worker).count() == 1
        assert again["Location"] == first["Location"]
        assert "此前已提交过，未重复上报" in client.get(again["Location"]).content.decode()

    def test_even_from_a_new_session_after_logging_in_again(self, client_for, grid_worker):
        client_for(grid_worker).post("/field/report/", form_for(grid_worker))
        again = client_for(grid_worker).post(
            "/field/report/", form_for(grid_worker), headers={"X-Field-Submit": "1"}
        )

        assert my_events(grid_worker).count() == 1
        assert json.loads(again.content)["url"] == f"/field/events/{my_events(grid_worker).get().number}/"

    def test_a_key_that_was_refused_can_be_used_once_the_input_is_fixed(self, client_for, grid_worker):
        client = client_for(grid_worker)
        refused = client.post("/field/report/", form_for(grid_worker, description=" "))
        accepted = client.post("/field/report/", form_for(grid_worker))

        assert refused.status_code == 422 and accepted.status_code == 302
        assert my_events(grid_worker).count() == 1


class TestABadReportKeepsWhatWasTypedAndCreatesNothing:
    @pytest.fixture
    def refused(self, client_for, grid_worker):
        def post(**fields):
            before = Event.objects.count()
            data = form_for(grid_worker, **fields)
            response = client_for(grid_worker).post("/field/report/", data)
            assert response.status_code == 422
            assert Event.objects.count() == before
            page = response.content.decode()
            assert f'name="key" value="{data["key"]}"' in page  # the retry keeps the key
            assert data["address"] in page
            return page

        return post

    def test_an_empty_description(self, refused):
        page = refused(description="   ", address="城利路口")
        assert "请填写事件描述" in page and "城利路口" in page

    def test_no_location_chosen(self, refused):
        page = refused(lon="", lat="")
        assert "请先确定事件位置" in page and GARBAGE in page

    def test_a_point_outside_the_county(self, refused):
        page = refused(lon="116.397", lat="39.909")
        assert "不在本县任何网格内" in page and GARBAGE in page
        assert 'value="116.397"' in page  # the place is kept too, to be corrected

    def test_a_point_in_another_township(self, refused):
        lon, lat = point_in(grid_for(None, TOWNSHIP_B))
        page = refused(lon=str(lon), lat=str(lat))
        assert "不在您的管辖范围内" in page

    def test_coordinates_that_are_not_numbers(self, refused):
        assert "不是数字" in refused(lon="东经120度")

    def test_an_unknown_matter_code(self, refused):
        assert "未知的事项编码" in refused(matter_code="ZZ99")

    def test_a_photo_that_is_not_an_image(self, client_for, grid_worker, jpeg):
        data = form_for(grid_worker, address="城利路口")
        data["photos"] = [photo("scene.jpg", b"%PDF-1.4 not a photo")]
        response = client_for(grid_worker).post("/field/report/", data)

        page = response.content.decode()
        assert response.status_code == 422
        assert "文件 scene.jpg 不是可识别的图片" in page and "照片需要重新选择" in page
        assert GARBAGE in page and "城利路口" in page
        assert not my_events(grid_worker).exists() and not Photo.objects.exists()

    def test_the_chosen_matter_stays_chosen(self, client_for, grid_worker):
        code = matter("乱堆物料").code
        page = (
            client_for(grid_worker)
            .post("/field/report/", form_for(grid_worker, matter_code=code, lon=""))
            .content
        )
        assert f'value="{code}" checked' in page.decode()

    def test_the_page_script_gets_the_message_with_a_422(self, client_for, grid_worker):
        response = client_for(grid_worker).post(
            "/field/report/", form_for(grid_worker, description=""), headers={"X-Field-Submit": "1"}
        )
        assert response.status_code == 422
        assert '<div id="report-feedback"' in response.content.decode()


# -- resolving on the spot -------------------------------------------------------------------------


class TestResolvingOnTheSpot:
    def test_a_grid_level_matter_is_closed_with_the_photo_and_the_note(self, client_for, grid_worker, jpeg):
        event = report(grid_worker, "暴露垃圾").event
        client = client_for(grid_worker)
        offered = client.get(f"/field/events/{event.number}/").content.decode()
        assert f'action="/field/events/{event.number}/resolve/"' in offered

        response = client.post(
            f"/field/events/{event.number}/resolve/",
            {"note": "已叫保洁员清运完毕", "photos": [photo(jpeg=jpeg)]},
        )

        assert response.status_code == 302
        event = reload(event)
        assert event.state == EventState.CLOSED and event.self_resolved
        assert list(event.photos.values_list("kind", flat=True)) == [PhotoKind.EVIDENCE]
        assert event.assignments.get().note == "已叫保洁员清运完毕"
        page = client.get(response["Location"]).content.decode()
        assert "已就地解决" in page and "就地解决" in page

    def test_a_township_level_matter_goes_to_the_command_room_for_verification(
        self, client_for, grid_worker, jpeg
    ):
        event = report(grid_worker, "占道经营").event
        client_for(grid_worker).post(
            f"/field/events/{event.number}/resolve/", {"note": "已劝离摊贩", "photos": [photo(jpeg=jpeg)]}
        )

        event = reload(event)
        assert event.state == EventState.HANDLED and event.owner_unit.code == "t001-command"

    def test_without_a_photo_nothing_changes_and_the_note_is_kept(self, client_for, grid_worker):
        event = report(grid_worker, "暴露垃圾").event
        response = client_for(grid_worker).post(f"/field/events/{event.number}/resolve/", {"note": "已清运"})

        assert response.status_code == 422
        page = response.content.decode()
        assert "就地解决需要上传处置后的照片作为证据" in page and ">已清运</textarea>" in page
        assert reload(event).state == EventState.REPORTED

    def test_a_matter_the_grid_may_not_resolve_is_not_offered_and_is_refused_leaving_no_photo(
        self, client_for, grid_worker, jpeg, settings
    ):
        event = report(grid_worker, "道路破损", text=ROAD).event
        client = client_for(grid_worker)
        page = client.get(f"/field/events/{event.number}/").content.decode()
        assert "/resolve/" not in page

        response = client.post(
            f"/field/events/{event.number}/resolve/", {"note": "已填补", "photos": [photo(jpeg=jpeg)]}
        )

        assert response.status_code == 422
        assert "不允许网格就地解决" in response.content.decode()
        assert reload(event).state == EventState.REPORTED
        assert not event.photos.exists()
        assert not list(Path(settings.MEDIA_ROOT).rglob(f"{event.number}-evidence*"))  # no stray file

    def test_a_wrong_photo_type_is_refused(self, client_for, grid_worker):
        event = report(grid_worker, "暴露垃圾").event
        response = client_for(grid_worker).post(
            f"/field/events/{event.number}/resolve/",
            {"note": "已清运", "photos": [photo("x.jpg", b"GIF89a....")]},
        )
        assert response.status_code == 422 and "不是可识别的图片" in response.content.decode()
        assert reload(event).state == EventState.REPORTED


# -- verifying a fix -------------------------------------------------------------------------------


@pytest.fixture
def fixed(grid_worker, dispatcher_a, economy_handler_a):
    """暴露垃圾 reported by the grid worker, handled by 经济生态平台: the grid verifies it."""
    return handled(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a)


class TestVerifyingAFix:
    def test_the_page_shows_the_handling_note_and_the_verify_form(self, client_for, grid_worker, fixed):
        page = client_for(grid_worker).get(f"/field/events/{fixed.number}/").content.decode()
        assert "核查" in page and "已清理完毕" in page and "东城街道经济生态平台" in page
        assert 'value="pass"' in page and 'value="rework"' in page

    def test_passing_closes_the_event(self, client_for, grid_worker, fixed):
        response = client_for(grid_worker).post(f"/field/events/{fixed.number}/verify/", {"decision": "pass"})

        assert response.status_code == 302
        assert reload(fixed).state == EventState.CLOSED

    def test_rework_needs_a_reason_and_changes_nothing_without_one(self, client_for, grid_worker, fixed):
        response = client_for(grid_worker).post(
            f"/field/events/{fixed.number}/verify/", {"decision": "rework", "reason": " "}
        )

        assert response.status_code == 422
        assert "请填写返工原因" in response.content.decode()
        assert reload(fixed).state == EventState.HANDLED

    def test_rework_with_a_reason_and_a_photo_goes_back_to_the_lead_unit(
        self, client_for, grid_worker, fixed, jpeg
    ):
        response = client_for(grid_worker).post(
            f"/field/events/{fixed.number}/verify/",
            {"decision": "rework", "reason": "东侧还有一堆没清", "photos": [photo(jpeg=jpeg)]},
        )

        assert response.status_code == 302
        event = reload(fixed)
        assert (event.state, event.reworks, event.owner_unit.code) == (
            EventState.IN_PROGRESS,
            1,
            "t001-platform-2",
        )
        assert event.photos.filter(kind=PhotoKind.VERIFY).count() == 1
        assert event.history.last().reason == "东侧还有一堆没清"

    def test_no_decision_is_refused(self, client_for, grid_worker, fixed):
        response = client_for(grid_worker).post(f"/field/events/{fixed.number}/verify/", {"reason": "?"})
        assert response.status_code == 422 and "请选择" in response.content.decode()
        assert reload(fixed).state == EventState.HANDLED

    def test_an_event_not_at_verification_is_refused_with_the_reason(self, client_for, grid_worker):
        event = report(grid_worker, "暴露垃圾").event
        response = client_for(grid_worker).post(f"/field/events/{event.number}/verify/", {"decision": "pass"})
        assert response.status_code == 422 and "待核查" in response.content.decode()
        assert reload(event).state == EventState.REPORTED


# -- work dispatched to the grid -------------------------------------------------------------------


def test_an_event_dispatched_to_my_grid_is_accepted_and_finished_from_the_phone(
    client_for, grid_worker, dispatcher_a, jpeg
):
    event = report(grid_worker, "邻里纠纷").event
    dispatch_event(as_actor(dispatcher_a), event.pk, lead=grid_worker.unit, co=[])
    client = client_for(grid_worker)
    assert event.number in client.get("/field/").content.decode()

    client.post(f"/field/events/{event.number}/accept/")
    assert reload(event).state == EventState.IN_PROGRESS
    refused = client.post(f"/field/events/{event.number}/finish/", {"note": ""})
    assert refused.status_code == 422 and "请填写处置情况说明" in refused.content.decode()
    client.post(
        f"/field/events/{event.number}/finish/", {"note": "已调解，双方签字", "photos": [photo(jpeg=jpeg)]}
    )

    event = reload(event)
    assert event.state == EventState.HANDLED
    assert event.assignments.get().state == AssignmentState.DONE
    assert event.photos.filter(kind=PhotoKind.EVIDENCE).count() == 1


# -- today and my reports --------------------------------------------------------------------------


class TestToday:
    def test_lists_what_waits_with_deadlines_and_sla_colours(self, client_for, grid_worker, fixed):
        mine = report(grid_worker, "道路破损", text=ROAD).event
        resolvable = report(grid_worker, "暴露垃圾").event

        page = client_for(grid_worker).get("/field/").content.decode()

        verify = page.index('id="verify"')
        resolve = page.index('id="resolve"')
        waiting = page.index('id="waiting"')
        assert verify < page.index(fixed.number) < resolve
        assert resolve < page.index(resolvable.number) < page.index('id="subtasks"')
        assert waiting < page.index(mine.number)
        assert 'class="sla sla-green">正常' in page
        assert "时限 11-24" in page

    def test_most_pressing_first(self, client_for, grid_worker):
        normal = report(grid_worker, "暴露垃圾").event
        urgent = report(
            grid_worker, "暴露垃圾", text="河边又倒了一堆垃圾，急需清理", urgency=Urgency.URGENT
        ).event
        assert urgent.stage_deadline < normal.stage_deadline

        page = client_for(grid_worker).get("/field/").content.decode()
        assert page.index(urgent.number) < page.index(normal.number)

    def test_sub_tasks_issued_down_to_my_grid_are_shown(self, client_for, grid_worker, dispatcher_a):
        from datetime import timedelta

        from gridgov.core import clock
        from gridgov.events.services import issue_task

        issue_task(
            as_actor(dispatcher_a),
            title="排查独居老人取暖安全",
            description="逐户上门",
            due_at=clock.now() + timedelta(days=2),
            unit_codes=[grid_worker.unit.code],
        )
        page = client_for(grid_worker).get("/field/").content.decode()
        assert "排查独居老人取暖安全" in page and "进度 0%" in page

    def test_an_empty_day_says_so(self, client_for, person):
        quiet = (
            Unit.objects.filter(kind=UnitKind.GRID, territory__code__startswith=TOWNSHIP_B[:9])
            .exclude(territory__events__isnull=False)
            .first()
        )
        worker = person(quiet.code, role=Role.GRID_WORKER)
        page = client_for(worker).get("/field/").content.decode()
        assert "今天没有等待您办理的事项" in page

    def test_stays_within_a_query_budget(
        self, client_for, grid_worker, dispatcher_a, economy_handler_a, django_assert_max_num_queries
    ):
        for _ in range(3):
            handled(grid_worker, "暴露垃圾", dispatcher_a, economy_handler_a)
            report(grid_worker, "道路破损", text=ROAD)
            report(grid_worker, "暴露垃圾")
        client = client_for(grid_worker)
        # session, user, unit, territory, four event lists, sub-tasks (+1 for the page header)
        with django_assert_max_num_queries(10):
            page = client.get("/field/").content.decode()
        assert page.count('class="ev-card') >= 9


class TestMyReports:
    @pytest.fixture
    def many(self, grid_worker, time_machine):
        from datetime import timedelta

        from .conftest import TUESDAY_MORNING

        numbers = []
        for i in range(25):
            time_machine.move_to(TUESDAY_MORNING + timedelta(minutes=i), tick=False)
            numbers.append(report(grid_worker, "暴露垃圾", text=f"{GARBAGE}（第 {i} 处）").event.number)
        return list(reversed(numbers))  # newest first

    def test_pages_by_keyset_newest_first_without_gaps_or_repeats(self, client_for, grid_worker, many):
        client = client_for(grid_worker)
        first = client.get("/field/mine/").content.decode()
        shown = re.findall(r'href="/field/events/(\w+)/"', first)
        assert shown == many[:20]
        after = re.search(r'after=([^"&]+)"', first).group(1)

        second = client.get(f"/field/mine/?show=open&after={after}").content.decode()
        assert re.findall(r'href="/field/events/(\w+)/"', second) == many[20:]
        assert "更早的上报" not in second

    def test_reports_made_at_the_same_instant_are_neither_skipped_nor_repeated(self, client_for, grid_worker):
        made = {report(grid_worker, "暴露垃圾", text=f"{GARBAGE}（{i}）").event.number for i in range(23)}
        assert Event.objects.filter(number__in=made).values("reported_at").distinct().count() == 1
        client = client_for(grid_worker)

        first = client.get("/field/mine/").content.decode()
        after = re.search(r'after=([^"&]+)"', first).group(1)
        second = client.get(f"/field/mine/?after={after}").content.decode()

        pages = [re.findall(r'href="/field/events/(\w+)/"', page) for page in (first, second)]
        assert [len(p) for p in pages] == [20, 3]
        assert set(pages[0]) | set(pages[1]) == made

    def test_filters_by_state(self, client_for, grid_worker, fixed, dispatcher_a):
        client_for(grid_worker).post(f"/field/events/{fixed.number}/verify/", {"decision": "pass"})
        open_now = report(grid_worker, "暴露垃圾").event
        client = client_for(grid_worker)
        done = client.get("/field/mine/?show=done").content.decode()
        still_open = client.get("/field/mine/?show=open").content.decode()
        assert fixed.number in done and open_now.number not in done
        assert open_now.number in still_open and fixed.number not in still_open

    def test_a_bad_cursor_shows_the_first_page(self, client_for, grid_worker, many):
        page = client_for(grid_worker).get("/field/mine/?after=nonsense").content.decode()
        assert re.findall(r'href="/field/events/(\w+)/"', page)[:1] == many[:1]

    def test_stays_within_a_query_budget(self, client_for, grid_worker, many, django_assert_max_num_queries):
        client = client_for(grid_worker)
        # session, user, unit, territory, one page of events (+1 for the page header)
        with django_assert_max_num_queries(6):
            page = client.get("/field/mine/").content.decode()
        assert page.count('class="ev-card') == 20

    def test_the_event_page_shows_the_timeline_newest_first(self, client_for, grid_worker, fixed):
        page = client_for(grid_worker).get(f"/field/events/{fixed.number}/").content.decode()
        steps = [page.index(f"<b>{step}</b>") for step in ("办结", "签收", "派遣", "上报事件")]
        assert steps == sorted(steps)

    def test_the_event_page_shows_the_report_photos_as_thumbnails(self, client_for, grid_worker, jpeg):
        event = report(grid_worker, "暴露垃圾", photos=[("a.jpg", jpeg)]).event
        photo_row = event.photos.get()
        page = client_for(grid_worker).get(f"/field/events/{event.number}/").content.decode()
        assert "上报照片" in page
        assert f'<a href="{photo_row.image.url}"' in page and f'src="{photo_row.thumbnail.url}"' in page

    def test_the_event_page_stays_within_a_query_budget(
        self, client_for, grid_worker, fixed, django_assert_max_num_queries
    ):
        client = client_for(grid_worker)
        # session, user, unit, territory, event, photos, history, handling notes (+1 for the header)
        with django_assert_max_num_queries(9):
            page = client.get(f"/field/events/{fixed.number}/").content.decode()
        assert "办理过程" in page


# -- who may use the workbench ---------------------------------------------------------------------

PAGES = ["/field/", "/field/report/", "/field/mine/"]


class TestOutOfScope:
    def test_a_township_b_grid_worker_cannot_open_or_act_on_a_township_a_event(
        self, client_for, grid_worker_b, fixed, jpeg
    ):
        client = client_for(grid_worker_b)
        photos = Photo.objects.count()
        assert client.get(f"/field/events/{fixed.number}/").status_code == 404
        assert client.post(f"/field/events/{fixed.number}/verify/", {"decision": "pass"}).status_code == 404
        assert (
            client.post(
                f"/field/events/{fixed.number}/resolve/", {"note": "x", "photos": [photo(jpeg=jpeg)]}
            ).status_code
            == 404
        )
        assert client.post(f"/field/events/{fixed.number}/accept/").status_code == 404
        assert reload(fixed).state == EventState.HANDLED and Photo.objects.count() == photos
        assert fixed.number not in client.get("/field/").content.decode()
        assert fixed.number not in client.get("/field/mine/?show=all").content.decode()

    def test_a_missing_event_is_404_too(self, client_for, grid_worker):
        assert client_for(grid_worker).get("/field/events/YK000000000000/").status_code == 404

    def test_a_duplicate_in_a_neighbouring_scope_is_named_but_not_linked(self, client_for, grid_worker):
        from gridgov.events.views.field import LAST_REPORT

        other = report(None, "暴露垃圾", citizen=None, grid=grid_for(None, TOWNSHIP_B)).event
        mine = report(grid_worker, "暴露垃圾").event
        client = client_for(grid_worker)
        session = client.session
        session[LAST_REPORT] = {
            "number": mine.number,
            "created": True,
            "chosen": False,
            "key": "k",
            "duplicates": [{"number": other.number, "distance_m": 30, "similarity": 80}],
        }
        session.save()
        page = client.get(f"/field/events/{mine.number}/").content.decode()
        assert other.number in page and f"/field/events/{other.number}/" not in page

    @pytest.mark.parametrize("path", [*PAGES, "/field/events/YK1/"])
    def test_anonymous_visitors_are_sent_to_the_login_page(self, path):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")

    def test_anonymous_posts_create_nothing(self, grid_worker):
        response = Client().post("/field/report/", form_for(grid_worker))
        assert response.status_code == 302 and not Event.objects.filter(reporter_user=grid_worker).exists()

    @pytest.mark.parametrize("path", PAGES)
    def test_a_dispatcher_is_sent_to_my_work_with_a_note(self, client_for, dispatcher_a, path):
        client = client_for(dispatcher_a)
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/"
        assert "现场工作台供网格员使用" in client.get("/").content.decode()

    def test_a_dispatcher_cannot_report_through_the_field_form(self, client_for, dispatcher_a, grid_worker):
        client_for(dispatcher_a).post("/field/report/", form_for(grid_worker))
        assert not Event.objects.filter(reporter_user=dispatcher_a).exists()

    def test_suggestions_answer_only_posts(self, client_for, grid_worker):
        assert client_for(grid_worker).get("/field/report/suggest/").status_code == 405
