"""The catalogue API: classification suggestions, the current matters, versions, Excel export and
import as a new draft, publication, and events keeping the version they were routed under."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from shapely.geometry import shape

from gridgov.audit.actor import Actor
from gridgov.events.services import Report, report_event
from gridgov.matters.catalogue import MATTER_COLUMNS, MATTERS_SHEET
from gridgov.matters.models import CatalogueVersion, Matter
from gridgov.workcal.calendar import invalidate_cache

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MATTERS = "/api/v1/matters"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMN = {key: index for index, (key, _) in enumerate(MATTER_COLUMNS)}


@pytest.fixture(autouse=True)
def _pinned_time():
    """A working morning inside the calendar's years."""
    invalidate_cache()
    with time_machine.travel(datetime(2026, 6, 10, 10, 0, tzinfo=TZ), tick=False):
        yield
    invalidate_cache()


@pytest.fixture(autouse=True)
def _no_stale_unit_actors():
    """notify.actors_of caches each unit's people per process for 30 s; forget what earlier tests
    (rolled back since) cached, so that nobody from another test is notified here."""
    from gridgov.events import notify

    getattr(notify, "_actors", {}).clear()
    yield
    getattr(notify, "_actors", {}).clear()


@pytest.fixture
def quick_new_versions(settings, tmp_path, monkeypatch):
    """Publishing a version makes intake train a classifier for it (~15 s, written to var/): here it
    reuses the v1 model (the matters' texts are the same) and writes to a temporary folder. After
    the test, the per-process caches forget the version the test published and rolled back."""
    from gridgov.matters import classifier, lookup

    trained = classifier.current_classifier()
    settings.VAR_DIR = tmp_path

    def reuse(version, *, save=True):
        names = dict(version.matters.values_list("code", "name"))
        return classifier.TrainedClassifier(version.number, trained.pipeline, names)

    monkeypatch.setattr(classifier, "train", reuse)
    yield
    classifier.invalidate_classifier()
    lookup.forget_current()
    for cache in ("_matters", "_rules", "_ids_by_code"):
        getattr(lookup, cache, {}).clear()


def post(client, path: str, body: dict):
    return client.post(path, body, content_type="application/json")


def exported(client, number: int = 1) -> bytes:
    response = client.get(f"{MATTERS}/versions/{number}/export.xlsx")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    return response.content


def edited(content: bytes, edit) -> bytes:
    """The workbook with `edit(matters_sheet)` applied, saved again."""
    workbook = load_workbook(io.BytesIO(content))
    edit(workbook[MATTERS_SHEET])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "catalogue.xlsx"):
    return client.post(f"{MATTERS}/versions/import", {"file": SimpleUploadedFile(name, content, XLSX)})


def report_as(user, text: str):
    point = shape(user.unit.territory.geometry).representative_point()
    report = Report(channel="grid_patrol", description=text, lon=point.x, lat=point.y)
    return report_event(Actor(user=user, label=str(user)), report).event


# --- classification ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("小区门口马路边有人乱倒生活垃圾，堆了一大堆没人清理，臭气熏天", {"SR01", "SR02"}),
        ("路口的垃圾桶满了，垃圾溢出来撒了一地", {"SR01", "SR02"}),
        ("人行道上的井盖不见了，很危险", {"SS02"}),
    ],
)
def test_classify_suggests_three_matters_best_first(client_for, grid_worker, text, expected):
    response = post(client_for(grid_worker), f"{MATTERS}/classify", {"text": text})
    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert len(suggestions) == 3
    assert all(set(s) == {"code", "name", "score"} for s in suggestions)
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert suggestions[0]["code"] in expected
    assert len({s["code"] for s in suggestions}) == 3


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   "}, {}, {"text": 42}])
def test_classify_without_text_is_a_422(client_for, grid_worker, body):
    response = post(client_for(grid_worker), f"{MATTERS}/classify", body)
    assert response.status_code == 422
    assert "detail" in response.json()


# --- the catalogue ---------------------------------------------------------------------------------


def test_the_current_catalogue_lists_42_matters(client_for, dispatcher_a):
    matters = client_for(dispatcher_a).get(MATTERS).json()
    assert len(matters) == 42
    garbage = next(m for m in matters if m["code"] == "SR01")
    assert garbage["name"] == "暴露垃圾"
    assert garbage["limits"] == {"dispatch": "1h", "handle": "4h", "verify": "1d"}


def test_the_versions_list_shows_the_published_default(client_for, dispatcher_a):
    versions = client_for(dispatcher_a).get(f"{MATTERS}/versions").json()
    assert [(v["number"], v["status"], v["matters"]) for v in versions] == [(1, "published", 42)]


@pytest.mark.parametrize("persona", ["sysadmin", "dispatcher_a", "market_handler"])
def test_any_staff_member_can_export_the_catalogue_to_excel(client_for, request, persona):
    response = client_for(request.getfixturevalue(persona)).get(f"{MATTERS}/versions/1/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert 'filename="catalogue-v1.xlsx"' in response["Content-Disposition"]
    assert response.content[:2] == b"PK"  # a zip container, as every .xlsx
    sheet = load_workbook(io.BytesIO(response.content))[MATTERS_SHEET]
    assert sheet.max_row == 1 + 42


def test_an_unknown_version_is_404(client_for, sysadmin):
    assert client_for(sysadmin).get(f"{MATTERS}/versions/99/export.xlsx").status_code == 404


# --- import, publish, versions kept by events --------------------------------------------------------


def test_an_imported_catalogue_becomes_a_draft_then_routes_new_events_once_published(
    client_for, sysadmin, grid_worker, quick_new_versions
):
    before = report_as(grid_worker, "小区门口非机动车乱停放，堵住了人行道")
    admin = client_for(sysadmin)

    def shorter_handling(sheet):
        for row in sheet.iter_rows(min_row=2):
            if row[COLUMN["code"]].value == "JM04":
                row[COLUMN["handle"]].value = "2h"

    imported = upload(admin, edited(exported(admin), shorter_handling))
    assert imported.status_code == 200, imported.content
    assert imported.json() == {"ok": True, "version": 2, "problems": []}
    draft = CatalogueVersion.objects.get(number=2)
    assert draft.status == "draft" and draft.matters.count() == 42
    assert Matter.objects.get(version=draft, code="JM04").limits["handle"] == "2h"

    published = admin.post(f"{MATTERS}/versions/2/publish")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    statuses = dict(CatalogueVersion.objects.values_list("number", "status"))
    assert statuses == {1: "retired", 2: "published"}

    after = report_as(grid_worker, "小区门口非机动车乱停放，堵住了人行道")
    before.refresh_from_db()
    assert before.version.number == 1 and before.matter.version.number == 1
    assert after.version.number == 2 and after.matter.version.number == 2
    assert after.matter.limits["handle"] == "2h"
    assert [m["code"] for m in admin.get(MATTERS).json()].count("JM04") == 1

    again = admin.post(f"{MATTERS}/versions/2/publish")
    assert again.status_code == 422
    assert "v2" in again.json()["detail"]
    assert admin.post(f"{MATTERS}/versions/1/publish").status_code == 422  # retired stays retired


def test_only_administrators_may_import_or_publish(client_for, sysadmin, dispatcher_a):
    content = exported(client_for(sysadmin))
    dispatcher = client_for(dispatcher_a)
    assert upload(dispatcher, content).status_code == 404
    assert dispatcher.post(f"{MATTERS}/versions/1/publish").status_code == 404
    assert CatalogueVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("edit", "row", "code", "words"),
    [
        pytest.param(
            lambda sheet: setattr(sheet.cell(row=3, column=1), "value", sheet.cell(row=2, column=1).value),
            3,
            "AQ01",  # the first code in the export, copied onto the second row
            "重复",
            id="duplicate-code",
        ),
        pytest.param(
            lambda sheet: setattr(sheet.cell(row=5, column=COLUMN["handle"] + 1), "value", "4 weeks"),
            5,
            None,
            "4 weeks",
            id="four-weeks",
        ),
    ],
)
def test_an_import_with_a_bad_row_names_the_row_and_writes_nothing(
    client_for, sysadmin, edit, row, code, words
):
    admin = client_for(sysadmin)
    response = upload(admin, edited(exported(admin), edit))

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["version"] is None
    assert len(body["problems"]) == 1, body["problems"]
    (problem,) = body["problems"]
    assert f"第 {row} 行" in problem["where"] and "事项" in problem["where"]
    assert words in problem["message"]
    if code:
        assert problem["code"] == code
    assert CatalogueVersion.objects.count() == 1
    assert Matter.objects.count() == 42


def test_a_file_that_is_not_a_workbook_is_a_422(client_for, sysadmin):
    response = upload(client_for(sysadmin), b"not a workbook at all")
    assert response.status_code == 422
    assert "Excel" in response.json()["detail"]
    assert CatalogueVersion.objects.count() == 1
