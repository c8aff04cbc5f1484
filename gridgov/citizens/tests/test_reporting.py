"""A citizen reports a problem from the phone: description, photos, location, a public matter."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.events.choices import Channel, EventState, PhotoKind
from gridgov.events.models import Event, EventHistory

from .conftest import GARBAGE_TEXT, first_grid_of, make_image, matter, point_in

pytestmark = pytest.mark.django_db

TOWNSHIP_B = "330784002000"


def a_report(**changes) -> dict:
    lon, lat = point_in(first_grid_of())
    data = {
        "description": GARBAGE_TEXT,
        "matter": matter("暴露垃圾").code,
        "address": "人民路 88 号菜场东门",
        "lon": f"{lon:.6f}",
        "lat": f"{lat:.6f}",
        "key": uuid.uuid4().hex,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def photo(name="scene.jpg", content=None):
    return SimpleUploadedFile(name, content or make_image(), content_type="image/jpeg")


def events_of(citizen):
    return Event.objects.filter(reporter_citizen=citizen)


class TestTheForm:
    def test_the_form_offers_only_public_matters_and_a_camera(self, citizen_client):
        page = citizen_client.get("/citizen/report/").content.decode()
        assert "暴露垃圾" in page and "外来人员未报备" not in page
        assert 'accept="image/*" capture="environment"' in page
        assert 'name="key" value="' in page

    def test_each_form_gets_its_own_idempotency_key(self, citizen_client):
        def key_of(page):
            return page.split('name="key" value="')[1].split('"')[0]

        first = key_of(citizen_client.get("/citizen/report/").content.decode())
        second = key_of(citizen_client.get("/citizen/report/").content.decode())
        assert len(first) == 32 and first != second


class TestSubmitting:
    def test_a_report_becomes_an_event_of_the_citizen_channel(self, citizen, citizen_client):
        response = citizen_client.post("/citizen/report/", a_report())
        event = events_of(citizen).get()
        assert response.status_code == 302 and response["Location"] == f"/citizen/reports/{event.number}/"
        assert event.channel == Channel.CITIZEN and event.state == EventState.REPORTED
        assert event.matter.name == "暴露垃圾" and event.address == "人民路 88 号菜场东门"
        assert event.grid == first_grid_of() and event.reporter_label == "citizen:139****0001"
        assert EventHistory.objects.get(event=event, action="report").actor is None

    def test_photos_come_along(self, citizen, citizen_client):
        citizen_client.post(
            "/citizen/report/", {**a_report(), "photos": [photo("a.jpg"), photo("b.png", make_image("PNG"))]}
        )
        event = events_of(citizen).get()
        assert sorted(event.photos.values_list("kind", flat=True)) == [PhotoKind.REPORT, PhotoKind.REPORT]

    def test_a_retry_with_the_same_key_returns_the_first_event(self, citizen, citizen_client):
        data = a_report()
        first = citizen_client.post("/citizen/report/", data)
        retry = citizen_client.post("/citizen/report/", data)
        assert events_of(citizen).count() == 1
        assert retry["Location"] == first["Location"]

    def test_the_same_key_from_another_citizen_is_another_event(
        self, citizen, other_citizen, citizen_client, other_client
    ):
        data = a_report()
        citizen_client.post("/citizen/report/", data)
        other_client.post("/citizen/report/", data)
        assert events_of(citizen).count() == 1 and events_of(other_citizen).count() == 1

    def test_through_htmx_success_redirects_the_page(self, citizen, citizen_client):
        response = citizen_client.post("/citizen/report/", a_report(), HTTP_HX_REQUEST="true")
        assert response["HX-Redirect"] == f"/citizen/reports/{events_of(citizen).get().number}/"

    def test_without_a_matter_the_best_public_suggestion_is_taken(self, citizen, citizen_client):
        citizen_client.post("/citizen/report/", a_report(matter=""))
        assert events_of(citizen).get().matter.name == "暴露垃圾"

    def test_a_matter_not_open_to_the_public_is_refused(self, citizen, citizen_client):
        response = citizen_client.post("/citizen/report/", a_report(matter=matter("外来人员未报备").code))
        assert response.status_code == 400
        assert "所选问题类型不接受群众直接上报" in response.content.decode()
        assert not events_of(citizen).exists()

    def test_a_text_only_a_private_matter_fits_asks_for_a_choice(self, citizen, citizen_client):
        response = citizen_client.post(
            "/citizen/report/", a_report(matter="", description="隔壁出租房新来了几个外地人，没有报备")
        )
        assert "请在“问题类型”中选择一项" in response.content.decode()
        assert not events_of(citizen).exists()


class TestAFailedSubmissionKeepsWhatWasTyped:
    def test_without_a_location_the_citizen_is_asked_for_one_and_the_text_stays(
        self, citizen, citizen_client
    ):
        data = a_report(lon=None, lat=None, description="路口的井盖不见了，很危险")
        response = citizen_client.post("/citizen/report/", data)
        page = response.content.decode()
        assert response.status_code == 400
        assert "请确定问题位置" in page
        assert "路口的井盖不见了，很危险" in page and "人民路 88 号菜场东门" in page
        assert f'name="key" value="{data["key"]}"' in page  # a retry is still the same report
        assert f'value="{data["matter"]}" selected' in page
        assert not events_of(citizen).exists()

    def test_the_citizen_is_told_to_choose_photos_again(self, citizen_client):
        page = citizen_client.post(
            "/citizen/report/", {**a_report(description=""), "photos": [photo()]}
        ).content.decode()
        assert "请描述您看到的问题" in page and "请重新选择照片" in page

    def test_a_point_outside_the_county_is_refused(self, citizen, citizen_client):
        page = citizen_client.post("/citizen/report/", a_report(lon="116.4", lat="39.9")).content.decode()
        assert "不在本县任何网格内" in page and not events_of(citizen).exists()

    def test_a_file_that_is_no_picture_is_refused_by_name(self, citizen, citizen_client):
        bad = SimpleUploadedFile("notes.jpg", b"not a picture", content_type="image/jpeg")
        page = citizen_client.post("/citizen/report/", {**a_report(), "photos": [bad]}).content.decode()
        assert "文件 notes.jpg 不是可识别的图片" in page and not events_of(citizen).exists()

    def test_more_than_nine_photos_are_refused(self, citizen, citizen_client):
        photos = [photo(f"p{n}.jpg") for n in range(10)]
        page = citizen_client.post("/citizen/report/", {**a_report(), "photos": photos}).content.decode()
        assert "一次最多上传 9 张照片" in page and not events_of(citizen).exists()

    def test_through_htmx_only_the_messages_come_back(self, citizen_client):
        response = citizen_client.post("/citizen/report/", a_report(description=""), HTTP_HX_REQUEST="true")
        page = response.content.decode()
        assert response.status_code == 200 and "请描述您看到的问题" in page and "<form" not in page

    def test_the_eleventh_report_in_an_hour_is_refused_with_the_wait(self, citizen, citizen_client):
        for _ in range(10):
            citizen_client.post("/citizen/report/", a_report())
        page = citizen_client.post("/citizen/report/", a_report()).content.decode()
        assert "操作过于频繁，请 60 分钟后再试" in page
        assert events_of(citizen).count() == 10


class TestHelpers:
    def test_suggestions_come_only_from_public_matters(self, citizen_client):
        garbage = citizen_client.get(
            "/citizen/report/suggest/", {"description": GARBAGE_TEXT}
        ).content.decode()
        assert f'data-matter="{matter("暴露垃圾").code}"' in garbage
        private = citizen_client.get(
            "/citizen/report/suggest/", {"description": "隔壁出租房新来了几个外地人，不知道有没有报备"}
        ).content.decode()
        assert "外来人员未报备" not in private

    def test_a_very_short_text_gets_no_suggestion(self, citizen_client):
        assert (
            "data-matter"
            not in citizen_client.get("/citizen/report/suggest/", {"description": "垃圾"}).content.decode()
        )

    def test_the_place_of_a_point_is_named(self, citizen_client):
        grid = first_grid_of()
        lon, lat = point_in(grid)
        page = citizen_client.get("/citizen/report/place/", {"lon": lon, "lat": lat}).content.decode()
        assert "东城街道" in page and grid.parent.name in page

    @pytest.mark.parametrize("query", [{"lon": "116.4", "lat": "39.9"}, {"lon": "x", "lat": "1"}, {}])
    def test_a_point_outside_or_no_point_is_explained(self, citizen_client, query):
        page = citizen_client.get("/citizen/report/place/", query).content.decode()
        assert "c-place bad" in page

    def test_the_map_outline_has_the_county_and_its_townships_and_villages(self, citizen_client):
        data = citizen_client.get("/citizen/report/outline.geojson").json()
        levels = {f["properties"]["level"] for f in data["features"]}
        names = {f["properties"]["name"] for f in data["features"]}
        assert levels == {"county", "township", "village"} and "东城街道" in names and "西城街道" in names
