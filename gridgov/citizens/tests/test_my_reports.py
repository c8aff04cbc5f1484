"""A citizen follows their own reports, rates the closed ones and asks for unsatisfying ones to be
handled again; nobody else's reports are visible, whatever the address typed."""

import pytest

from gridgov.audit.actor import Actor
from gridgov.events.choices import EventState, PhotoKind, Rating
from gridgov.events.models import Event
from gridgov.events.photos import attach_photo
from gridgov.events.services import Report, report_event

from .conftest import (
    GARBAGE_TEXT,
    citizen_report,
    closed_report,
    handler_of_economy_platform_a,
    lead_unit_name,
    make_image,
    merged_into_another,
    point_in,
)

pytestmark = pytest.mark.django_db


def reload(event: Event) -> Event:
    return Event.objects.get(pk=event.pk)


class TestTheList:
    def test_a_new_citizen_is_invited_to_report(self, citizen_client):
        page = citizen_client.get("/citizen/reports/").content.decode()
        assert "您还没有上报过问题" in page and 'href="/citizen/report/"' in page

    def test_the_list_shows_my_reports_with_their_state_in_plain_words(
        self, citizen, other_citizen, citizen_client
    ):
        mine = citizen_report(citizen)
        theirs = citizen_report(
            other_citizen, text="楼下的路灯坏了好几天了，晚上一片漆黑", matter_name="路灯故障"
        )
        page = citizen_client.get("/citizen/reports/").content.decode()
        assert mine.number in page and "已提交，等待受理" in page
        assert theirs.number not in page and "路灯" not in page

    def test_a_merged_report_shows_the_progress_of_the_event_it_joined(
        self, citizen, other_citizen, citizen_client
    ):
        duplicate, target = merged_into_another(citizen, other_citizen)
        page = citizen_client.get("/citizen/reports/").content.decode()
        assert duplicate.number in page and f"已并入 {target.number}" in page
        assert "已提交，等待受理" in page  # the target's state, not "merged"

    def test_closed_reports_waiting_for_a_rating_are_marked_and_filtered(self, citizen, citizen_client):
        closed = closed_report(citizen)
        still_open = citizen_report(citizen, text="路边垃圾桶满了溢出来了，没人清运")
        page = citizen_client.get("/citizen/reports/?show=unrated").content.decode()
        assert closed.number in page and still_open.number not in page and "待您评价" in page
        page = citizen_client.get("/citizen/reports/?show=open").content.decode()
        assert still_open.number in page and closed.number not in page

    def test_the_list_costs_the_same_few_queries_however_many_reports(
        self, citizen, other_citizen, citizen_client, django_assert_max_num_queries
    ):
        for n in range(6):
            event = citizen_report(citizen, text=f"第{n}处：小区门口有一堆生活垃圾没人清理")
            attach_photo(event, PhotoKind.REPORT, "a.jpg", make_image(), "citizen")
        merged_into_another(citizen, other_citizen)
        closed_report(citizen)
        # session, citizen, count, page, photos, the tab counts (and the citizen's visit time at most)
        with django_assert_max_num_queries(7):
            response = citizen_client.get("/citizen/reports/")
        assert response.content.decode().count('class="c-item"') == 8

    def test_the_list_is_paged(self, citizen, citizen_client):
        for n in range(21):
            citizen_report(citizen, text=f"第{n}处：小区门口有一堆生活垃圾没人清理")
        first = citizen_client.get("/citizen/reports/").content.decode()
        second = citizen_client.get("/citizen/reports/?page=2").content.decode()
        assert first.count('class="c-item"') == 20 and second.count('class="c-item"') == 1
        assert "第 1 / 2 页" in first


class TestOneReport:
    def test_the_progress_shows_steps_times_and_the_handling_unit_but_no_staff_or_notes(
        self, citizen, citizen_client
    ):
        event = closed_report(citizen)
        page = citizen_client.get(f"/citizen/reports/{event.number}/").content.decode()
        assert "已办结" in page and "您提交了问题" in page and "已派遣处置单位" in page
        assert lead_unit_name(event) in page
        handler = handler_of_economy_platform_a()
        for hidden in ("内部备注", "张三", handler.username, str(handler), "dongcheng_dispatcher"):
            assert hidden not in page

    def test_report_and_handling_photos_are_shown_through_the_citizens_own_address(
        self, citizen, citizen_client
    ):
        event = citizen_report(citizen)
        picture = attach_photo(event, PhotoKind.REPORT, "a.jpg", make_image(), "citizen")
        verify_photo = attach_photo(event, PhotoKind.VERIFY, "v.jpg", make_image(), "staff")
        page = citizen_client.get(f"/citizen/reports/{event.number}/").content.decode()
        url = f"/citizen/reports/{event.number}/photos/{picture.pk}/thumb/"
        assert url in page
        response = citizen_client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
        assert (
            citizen_client.get(f"/citizen/reports/{event.number}/photos/{verify_photo.pk}/full/").status_code
            == 404
        )

    def test_the_event_my_report_was_merged_into_is_open_to_me(self, citizen, other_citizen, citizen_client):
        duplicate, target = merged_into_another(citizen, other_citizen)
        mine = citizen_client.get(f"/citizen/reports/{duplicate.number}/").content.decode()
        assert f'href="/citizen/reports/{target.number}/"' in mine
        joined = citizen_client.get(f"/citizen/reports/{target.number}/").content.decode()
        assert "已合并在这里一并办理" in joined and duplicate.number in joined
        assert "问题已登记" in joined and "您提交了问题" not in joined  # the other reporter's step


class TestRating:
    def test_a_closed_report_offers_the_rating(self, citizen, citizen_client):
        event = closed_report(citizen)
        page = citizen_client.get(f"/citizen/reports/{event.number}/").content.decode()
        assert "办理结果评价" in page and "基本满意" in page

    def test_the_citizen_rates_once_with_a_comment(self, citizen, citizen_client):
        event = closed_report(citizen)
        response = citizen_client.post(
            f"/citizen/reports/{event.number}/rate/",
            {"rating": Rating.SATISFIED, "comment": "很快"},
            follow=True,
        )
        event = reload(event)
        assert event.rating == Rating.SATISFIED and event.rating_comment == "很快"
        page = response.content.decode()
        assert "感谢您的评价" in page and "办理结果评价" not in page and "评价：满意" in page
        again = citizen_client.post(
            f"/citizen/reports/{event.number}/rate/", {"rating": Rating.UNSATISFIED}, follow=True
        )
        assert "已经评价过了" in again.content.decode() and reload(event).rating == Rating.SATISFIED

    def test_a_rating_without_a_choice_keeps_the_comment(self, citizen, citizen_client):
        event = closed_report(citizen)
        response = citizen_client.post(f"/citizen/reports/{event.number}/rate/", {"comment": "还行吧"})
        page = response.content.decode()
        assert response.status_code == 400 and "请选择满意程度" in page and "还行吧" in page
        assert reload(event).rating == ""

    def test_an_open_report_cannot_be_rated(self, citizen, citizen_client):
        event = citizen_report(citizen)
        response = citizen_client.post(
            f"/citizen/reports/{event.number}/rate/", {"rating": Rating.SATISFIED}, follow=True
        )
        assert "只有「已结案」时可以这样做" in response.content.decode() and reload(event).rating == ""

    def test_the_event_i_was_merged_into_is_not_mine_to_rate(self, citizen, other_citizen, citizen_client):
        _, target = merged_into_another(citizen, other_citizen)
        assert (
            citizen_client.post(
                f"/citizen/reports/{target.number}/rate/", {"rating": "satisfied"}
            ).status_code
            == 404
        )


class TestReopening:
    def test_an_unsatisfied_citizen_has_the_event_handled_again_by_the_same_unit(
        self, citizen, citizen_client
    ):
        event = closed_report(citizen)
        citizen_client.post(
            f"/citizen/reports/{event.number}/rate/", {"rating": Rating.UNSATISFIED, "comment": "没扫干净"}
        )
        page = citizen_client.get(f"/citizen/reports/{event.number}/").content.decode()
        assert "申请重新办理" in page
        response = citizen_client.post(
            f"/citizen/reports/{event.number}/reopen/", {"reason": "垃圾只清走了一半"}, follow=True
        )
        event = reload(event)
        assert (
            event.state == EventState.IN_PROGRESS
            and event.reopens == 1
            and event.owner_unit_id == event.lead_unit_id
        )
        page = response.content.decode()
        assert "已申请重新办理" in page and "正在处置" in page and "垃圾只清走了一半" in page
        history = event.history.get(action="reopen")
        assert history.actor is None and history.actor_label == "citizen:139****0001"

    def test_a_satisfied_report_is_not_reopened(self, citizen, citizen_client):
        event = closed_report(citizen)
        citizen_client.post(f"/citizen/reports/{event.number}/rate/", {"rating": Rating.SATISFIED})
        assert "申请重新办理" not in citizen_client.get(f"/citizen/reports/{event.number}/").content.decode()
        response = citizen_client.post(
            f"/citizen/reports/{event.number}/reopen/", {"reason": "再看看"}, follow=True
        )
        assert "评价为不满意后才能申请重办" in response.content.decode()
        assert reload(event).state == EventState.CLOSED

    def test_a_reopening_needs_a_reason(self, citizen, citizen_client):
        event = closed_report(citizen)
        citizen_client.post(f"/citizen/reports/{event.number}/rate/", {"rating": Rating.UNSATISFIED})
        response = citizen_client.post(f"/citizen/reports/{event.number}/reopen/", {"reason": ""})
        assert response.status_code == 400 and "请说明还存在什么问题" in response.content.decode()
        assert reload(event).state == EventState.CLOSED


class TestSomeoneElsesReport:
    @pytest.fixture
    def my_closed_unsatisfied(self, citizen, citizen_client):
        event = closed_report(citizen)
        attach_photo(event, PhotoKind.REPORT, "a.jpg", make_image(), "citizen")
        citizen_client.post(f"/citizen/reports/{event.number}/rate/", {"rating": Rating.UNSATISFIED})
        return reload(event)

    def test_another_citizen_gets_404_for_the_page_and_the_photo(self, my_closed_unsatisfied, other_client):
        event = my_closed_unsatisfied
        assert other_client.get(f"/citizen/reports/{event.number}/").status_code == 404
        photo = event.photos.get()
        assert other_client.get(f"/citizen/reports/{event.number}/photos/{photo.pk}/full/").status_code == 404

    def test_another_citizen_can_neither_rate_nor_reopen_it(self, my_closed_unsatisfied, other_client):
        event = my_closed_unsatisfied
        assert (
            other_client.post(f"/citizen/reports/{event.number}/reopen/", {"reason": "x"}).status_code == 404
        )
        Event.objects.filter(pk=event.pk).update(rating="")
        assert (
            other_client.post(f"/citizen/reports/{event.number}/rate/", {"rating": "satisfied"}).status_code
            == 404
        )
        event = reload(event)
        assert event.state == EventState.CLOSED and event.rating == ""

    def test_a_missing_number_is_the_same_404_leading_back_to_my_reports(self, citizen_client):
        response = citizen_client.get("/citizen/reports/YK20261124999999/")
        assert response.status_code == 404 and 'href="/citizen/reports/"' in response.content.decode()

    def test_a_staff_reported_event_is_no_citizens(self, citizen_client, grid_worker):
        lon, lat = point_in(grid_worker.unit.territory)
        report = Report(channel="grid_patrol", description=GARBAGE_TEXT, lon=lon, lat=lat)
        staff_event = report_event(Actor(user=grid_worker), report).event
        assert citizen_client.get(f"/citizen/reports/{staff_event.number}/").status_code == 404


class TestTheOtherReportersPrivacy:
    def test_on_the_joined_event_the_other_reporters_words_and_photos_stay_hidden(
        self, citizen, other_citizen, citizen_client
    ):
        _, target = merged_into_another(citizen, other_citizen)
        theirs = attach_photo(target, PhotoKind.REPORT, "theirs.jpg", make_image(), "citizen")
        handling = attach_photo(target, PhotoKind.EVIDENCE, "done.jpg", make_image(), "staff")
        page = citizen_client.get(f"/citizen/reports/{target.number}/").content.decode()
        assert target.description not in page and "其他群众反映的内容和照片不对外显示" in page
        assert f"/photos/{theirs.pk}/" not in page and f"/photos/{handling.pk}/thumb/" in page
        assert (
            citizen_client.get(f"/citizen/reports/{target.number}/photos/{theirs.pk}/full/").status_code
            == 404
        )
        assert (
            citizen_client.get(f"/citizen/reports/{target.number}/photos/{handling.pk}/full/").status_code
            == 200
        )
