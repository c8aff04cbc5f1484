"""Intake: a report from any channel becomes an event at the township command room, classified,
located, deadlined in working time, and checked for duplicates; bad input creates nothing."""

import math
import re

import pytest
from PIL import Image

from gridgov.audit.models import AuditEntry
from gridgov.events.choices import Channel, EventState, Urgency
from gridgov.events.errors import BadRequest
from gridgov.events.models import Event, Notification
from gridgov.events.photos import MAX_BYTES
from gridgov.matters.choices import HandlingLevel, Stage
from gridgov.matters.models import CatalogueVersion
from gridgov.regions.gcj02 import wgs84_to_gcj02
from gridgov.workcal.calendar import add_working_time

from .conftest import TOWNSHIP_A, TOWNSHIP_B, TUESDAY_MORNING, grids_of, matter, point_in, report, unit

pytestmark = pytest.mark.django_db

GARBAGE_TEXT = "小区门口有一堆暴露垃圾无人清理，散发臭味"


class TestAGridWorkersReport:
    def test_becomes_an_event_at_the_township_command_room_in_state_reported(self, grid_worker):
        result = report(grid_worker, text=GARBAGE_TEXT)

        event = result.event
        assert result.created is True
        assert event.state == EventState.REPORTED
        assert event.owner_unit == unit("t001-command")
        assert event.level == HandlingLevel.TOWNSHIP
        assert event.grid == grid_worker.unit.territory
        assert event.channel == Channel.GRID_PATROL
        assert event.reporter_user == grid_worker
        assert re.fullmatch(rf"YK20261124{event.pk:06d}", event.number)
        assert Event.objects.get(pk=event.pk).number == event.number

    def test_takes_the_matter_from_the_classifier_when_none_is_given(self, grid_worker):
        result = report(grid_worker, text=GARBAGE_TEXT)

        event = result.event
        assert result.suggestions[0].code == "SR01"
        assert len(result.suggestions) == 3
        assert event.matter.name == "暴露垃圾"
        assert event.suggestions[0]["code"] == "SR01"
        assert event.suggestions[0]["name"] == "暴露垃圾"
        assert event.matter_overridden is False

    def test_explains_its_route_by_catalogue_version_and_lead_unit(self, grid_worker):
        event = report(grid_worker, text=GARBAGE_TEXT).event

        version = CatalogueVersion.objects.current()
        assert event.version == version
        assert f"v{version.number}" in event.route_reason
        assert "东城街道经济生态平台" in event.route_reason
        assert event.route_rule == "matter:SR01"

    def test_writes_one_report_history_row_and_an_audit_row(self, grid_worker):
        event = report(grid_worker, text=GARBAGE_TEXT).event

        rows = list(event.history.all())
        assert [(h.action, h.from_state, h.to_state, h.actor) for h in rows] == [
            ("report", EventState.REPORTED, EventState.REPORTED, grid_worker)
        ]
        assert rows[0].unit == grid_worker.unit
        audit = AuditEntry.objects.filter(object_type="events.event", object_id=str(event.pk))
        assert list(audit.values_list("action", "actor")) == [("event.report", grid_worker.pk)]

    def test_notifies_the_township_a_dispatchers_and_nobody_in_township_b(
        self, grid_worker, dispatcher_a, dispatcher_b
    ):
        event = report(grid_worker, text=GARBAGE_TEXT).event

        mine = Notification.objects.filter(user=dispatcher_a, event=event, kind="new_event")
        assert mine.count() == 1
        assert "暴露垃圾" in mine.get().title
        assert not Notification.objects.filter(user=dispatcher_b, event=event).exists()

    def test_gets_a_dispatch_deadline_in_working_time(self, grid_worker):
        event = report(grid_worker, "暴露垃圾").event

        limit = matter("暴露垃圾").limit(Stage.DISPATCH)  # 1 working hour
        assert event.stage == Stage.DISPATCH
        assert event.stage_started_at == TUESDAY_MORNING
        assert event.stage_deadline == add_working_time(TUESDAY_MORNING, limit.amount, limit.unit)
        assert event.stage_deadline == TUESDAY_MORNING.replace(hour=10)
        assert TUESDAY_MORNING < event.warn_at < event.stage_deadline
        assert event.next_due_at == event.warn_at

    def test_made_after_closing_time_is_due_the_next_working_morning(self, grid_worker, time_machine):
        time_machine.move_to(TUESDAY_MORNING.replace(hour=18))

        event = report(grid_worker, "暴露垃圾").event

        assert event.stage_deadline == TUESDAY_MORNING.replace(day=25, hour=9, minute=30)


def test_an_urgent_report_gets_the_urgent_limits(grid_worker):
    event = report(grid_worker, "暴露垃圾", urgency=Urgency.URGENT).event

    urgent = matter("暴露垃圾").limit(Stage.DISPATCH, urgent=True)  # half a working hour
    assert event.urgency == Urgency.URGENT
    assert event.stage_deadline == add_working_time(TUESDAY_MORNING, urgent.amount, urgent.unit)
    assert event.stage_deadline == TUESDAY_MORNING.replace(minute=30)


def test_a_human_chosen_matter_other_than_the_top_suggestion_is_marked_overridden(grid_worker):
    result = report(grid_worker, "乱堆物料", text=GARBAGE_TEXT)

    assert result.suggestions[0].code == "SR01"
    assert result.event.matter.name == "乱堆物料"
    assert result.event.matter_overridden is True


def test_choosing_the_matter_the_classifier_also_suggests_is_not_an_override(grid_worker):
    result = report(grid_worker, "暴露垃圾", text=GARBAGE_TEXT)

    assert result.event.matter_overridden is False


def test_a_report_photo_is_kept_with_a_thumbnail(grid_worker, jpeg, png):
    event = report(grid_worker, "暴露垃圾", photos=[("a.jpg", jpeg), ("b.png", png)]).event

    photos = list(event.photos.all())
    assert [p.kind for p in photos] == ["report", "report"]
    assert photos[0].image.name.endswith(".jpg") and photos[1].image.name.endswith(".png")
    for photo in photos:
        assert "-thumb" in photo.thumbnail.name
        with Image.open(photo.thumbnail.path) as thumbnail:
            assert thumbnail.format == "JPEG"


class TestBadInputIsRefusedAndCreatesNothing:
    @pytest.fixture
    def refused(self, grid_worker):
        """refused(user, **report kw) → the BadRequest message; asserts no event was created."""

        def attempt(user=grid_worker, matter_name=None, **kw):
            before = Event.objects.count()
            with pytest.raises(BadRequest) as raised:
                report(user, matter_name, **kw)
            assert Event.objects.count() == before
            return str(raised.value)

        return attempt

    def test_an_empty_description(self, refused):
        assert refused(text="   ") == "请填写事件描述"

    def test_a_20000_character_description(self, refused):
        message = refused(text="垃" * 20_000)
        assert "不能超过 2000 字" in message and "20000" in message

    def test_a_point_outside_the_county(self, refused):
        assert "不在本县任何网格内" in refused(lon=0.0, lat=0.0)

    @pytest.mark.parametrize(
        ("lon", "lat"), [(math.nan, 28.9), (120.07, math.inf), ("东经120度", "28.9"), (None, 28.9)]
    )
    def test_nan_or_malformed_coordinates(self, refused, lon, lat):
        assert refused(lon=lon, lat=lat).startswith("坐标无效")

    def test_an_unknown_coordinate_system(self, refused):
        assert "不支持的坐标系" in refused(crs="bd09")

    def test_an_unknown_matter_code(self, refused):
        assert "未知的事项编码 'ZZ99'" in refused(matter_code="ZZ99")

    def test_a_grid_worker_reporting_in_another_township(self, refused, grid_worker):
        assert "不在您的管辖范围内" in refused(grid_worker, "暴露垃圾", township=TOWNSHIP_B)

    def test_a_township_b_dispatcher_reporting_in_township_a(self, refused, dispatcher_b):
        assert "不在您的管辖范围内" in refused(dispatcher_b, "暴露垃圾", township=TOWNSHIP_A)

    def test_a_citizen_choosing_a_matter_not_open_to_the_public(self, refused, citizen):
        assert matter("外来人员未报备").public is False
        message = refused(None, "外来人员未报备", citizen=citizen)
        assert message == "事项「外来人员未报备」不接受群众直接上报"

    def test_a_photo_that_is_not_an_image(self, refused):
        message = refused(photos=[("scene.jpg", b"%PDF-1.4 this is no picture")])
        assert message == "文件 scene.jpg 不是可识别的图片"

    def test_a_photo_over_10_mb(self, refused, jpeg):
        message = refused(photos=[("big.jpg", jpeg + b"\0" * (MAX_BYTES + 1 - len(jpeg)))])
        assert message == "照片 big.jpg 超过 10 MB"

    def test_an_unknown_channel(self, refused):
        assert "未知的来源渠道" in refused(channel="pigeon")


def test_a_citizen_may_report_a_public_matter_and_the_channel_is_citizen(citizen):
    event = report(None, "暴露垃圾", citizen=citizen, channel=Channel.HOTLINE).event

    assert event.reporter_citizen == citizen
    assert event.reporter_user is None
    assert event.channel == Channel.CITIZEN


def test_the_same_idempotency_key_twice_returns_the_first_event(grid_worker):
    first = report(grid_worker, "暴露垃圾", idempotency_key="phone-42-0001")
    before = Event.objects.count()

    again = report(grid_worker, "暴露垃圾", idempotency_key="phone-42-0001", text="第二次重发")

    assert first.created is True
    assert again.created is False
    assert again.event.pk == first.event.pk
    assert Event.objects.count() == before
    assert Event.objects.filter(idempotency_key__endswith=":phone-42-0001").count() == 1


class TestDuplicateCandidates:
    def test_a_second_nearby_report_of_the_same_matter_lists_the_first(self, grid_worker, dispatcher_a):
        first = report(grid_worker, "暴露垃圾", text="丽州路绿化带内有生活垃圾堆放，无人清理").event
        lon, lat = first.lon + 0.0001, first.lat  # about 10 m east

        second = report(dispatcher_a, "暴露垃圾", text="丽州路绿化带里堆了生活垃圾", lon=lon, lat=lat)

        assert [d.event.pk for d in second.duplicates] == [first.pk]
        assert second.duplicates[0].distance_m < 50

    def test_a_far_away_report_of_the_same_matter_is_not_a_candidate(self, grid_worker, dispatcher_a):
        report(grid_worker, "暴露垃圾", text="丽州路绿化带内有生活垃圾堆放，无人清理")
        far_grid = grids_of(TOWNSHIP_A)[-1]
        assert far_grid != grid_worker.unit.territory

        far = report(dispatcher_a, "暴露垃圾", text="丽州路绿化带里堆了生活垃圾", grid=far_grid)

        assert far.duplicates == []

    def test_a_report_just_beyond_the_radius_is_not_a_candidate(self, grid_worker, dispatcher_a):
        first = report(grid_worker, "暴露垃圾", text="丽州路绿化带内有生活垃圾堆放，无人清理").event
        radius = matter("暴露垃圾").duplicate_radius_m  # 50 m
        # 0.9 radius north and 0.9 radius east: about 64 m away, inside the search box but not the circle.
        dlat = 0.9 * radius / 111_320
        dlon = 0.9 * radius / (111_320 * math.cos(math.radians(first.lat)))

        beyond = report(
            dispatcher_a,
            "暴露垃圾",
            text="丽州路绿化带里堆了生活垃圾",
            lon=first.lon + dlon,
            lat=first.lat + dlat,
        )

        assert beyond.event.grid == first.grid
        assert beyond.duplicates == []

    def test_a_nearby_report_of_another_matter_is_not_a_candidate(self, grid_worker, dispatcher_a):
        first = report(grid_worker, "暴露垃圾", text="丽州路绿化带内有生活垃圾堆放").event

        other = report(
            dispatcher_a, "乱堆物料", text="丽州路绿化带内有建材堆放", lon=first.lon, lat=first.lat
        )

        assert other.duplicates == []


def test_a_gcj02_position_locates_to_the_same_grid_and_is_stored_in_wgs84(grid_worker):
    lon, lat = point_in(grid_worker.unit.territory)
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    assert abs(gcj_lon - lon) + abs(gcj_lat - lat) > 0.003  # a few hundred metres apart

    event = report(grid_worker, "暴露垃圾", lon=gcj_lon, lat=gcj_lat, crs="gcj02").event

    assert event.grid == grid_worker.unit.territory
    assert event.lon == pytest.approx(lon, abs=1e-6)
    assert event.lat == pytest.approx(lat, abs=1e-6)


def test_another_reporter_reusing_a_key_gets_their_own_event_not_the_first(grid_worker, grid_worker_b):
    first = report(grid_worker, "暴露垃圾", idempotency_key="shared-key-1")
    other = report(grid_worker_b, "暴露垃圾", township=TOWNSHIP_B, idempotency_key="shared-key-1")

    assert other.created
    assert other.event.pk != first.event.pk
