"""Territory export: what is exported imports back unchanged, and nobody exports outside their territory."""

import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from conftest import TOWNSHIP_A, TOWNSHIP_B
from gridgov.audit.actor import Actor
from gridgov.audit.models import AuditEntry
from gridgov.regions.exporting import export_excel, export_geojson
from gridgov.regions.importing import (
    COLUMNS,
    ImportFormatError,
    import_territory,
    rows_from_excel,
    rows_from_geojson,
)
from gridgov.regions.models import Region

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test-export")
VILLAGE_A1 = "330784001001"


def subtree_of(code: str):
    return Region.objects.subtree(Region.objects.get(code=code))


def workbook_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- round trips ----------------------------------------------------------------------------------


def test_a_township_exported_as_geojson_imports_back_unchanged():
    regions = subtree_of(TOWNSHIP_A)
    count = regions.count()
    audits = AuditEntry.objects.count()

    exported = export_geojson(regions)
    rows = rows_from_geojson(json.dumps(exported, ensure_ascii=False).encode())
    report = import_territory(rows, ACTOR)

    assert count == 7  # township, 2 villages, 4 grids in the small demo
    assert [f["properties"]["code"] for f in exported["features"]] == list(
        regions.values_list("code", flat=True)
    )
    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.unchanged) == (count, 0, 0, count)
    assert AuditEntry.objects.count() == audits


def test_a_township_exported_as_excel_imports_back_unchanged():
    regions = subtree_of(TOWNSHIP_A)
    count = regions.count()

    content = export_excel(regions)
    rows = rows_from_excel(content)
    report = import_territory(rows, ACTOR)

    assert [r.row for r in rows] == [f"第 {n} 行" for n in range(2, count + 2)]
    assert {r.code for r in rows} == set(regions.values_list("code", flat=True))
    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.unchanged) == (count, 0, 0, count)


def test_the_excel_export_has_the_importers_columns_and_codes_as_text():
    sheet = load_workbook(io.BytesIO(export_excel(subtree_of(VILLAGE_A1)))).active
    header, *body = list(sheet.values)
    assert list(header) == COLUMNS
    assert [row[0] for row in body] == [VILLAGE_A1, f"{VILLAGE_A1}001", f"{VILLAGE_A1}002"]
    assert all(isinstance(row[0], str) for row in body), "long codes must not become numbers"


# --- Excel files with mistakes ---------------------------------------------------------------------


def test_bad_excel_rows_are_named_by_their_row_number_and_nothing_is_written():
    good = list(load_workbook(io.BytesIO(export_excel(subtree_of(VILLAGE_A1)))).active.values)
    content = workbook_bytes(
        [
            *good,  # header (row 1) and rows 2–4, all unchanged
            ["abc", "坏代码", "grid", VILLAGE_A1, 10, False, ""],  # row 5
            [None, None, None, None, None, None, None],  # row 6: blank, skipped but still counted
            ["330784001001003", "无上级网格", "grid", "", 10, True, ""],  # row 7
            ["330784001099001", "上级不存在", "grid", "330784001099", 10, True, ""],  # row 8
        ]
    )
    regions, audits = Region.objects.count(), AuditEntry.objects.count()

    report = import_territory(rows_from_excel(content), ACTOR)

    assert not report.committed
    errors: dict[tuple[str, str], str] = {}
    for e in report.errors:
        errors[e.row, e.code] = errors.get((e.row, e.code), "") + e.message + "；"
    assert "只能由数字组成" in errors[("第 5 行", "abc")]
    assert "缺少上级区划" in errors[("第 7 行", "330784001001003")]
    assert "330784001099 不存在" in errors[("第 8 行", "330784001099001")]
    assert {e.row for e in report.errors} == {"第 5 行", "第 7 行", "第 8 行"}
    assert Region.objects.count() == regions
    assert AuditEntry.objects.count() == audits


def test_an_excel_code_stored_as_a_number_is_read_as_its_digits():
    content = workbook_bytes([["code", "name", "level"], [330784001000, "东城街道", "township"]])
    (row,) = rows_from_excel(content)
    assert row.code == TOWNSHIP_A


def test_an_excel_file_without_a_code_column_is_a_format_error():
    content = workbook_bytes([["编码", "name", "level"], [TOWNSHIP_A, "东城街道", "township"]])
    with pytest.raises(ImportFormatError, match="code"):
        rows_from_excel(content)


def test_a_file_that_is_not_excel_is_a_format_error():
    with pytest.raises(ImportFormatError):
        rows_from_excel(b"code,name\n330784001000,dongcheng\n")


# --- the export view: only the user's own territory -----------------------------------------------


def test_a_township_dispatcher_exports_exactly_their_township(client_for, dispatcher_a):
    response = client_for(dispatcher_a).get(f"/territory/export.geojson?root={TOWNSHIP_A}")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    codes = [f["properties"]["code"] for f in response.json()["features"]]
    assert codes == list(subtree_of(TOWNSHIP_A).values_list("code", flat=True))
    assert all(code.startswith(TOWNSHIP_A[:9]) for code in codes)


def test_a_township_dispatcher_without_a_root_exports_their_township(client_for, dispatcher_a):
    response = client_for(dispatcher_a).get("/territory/export.geojson")

    assert response.status_code == 200
    codes = [f["properties"]["code"] for f in response.json()["features"]]
    assert codes[0] == TOWNSHIP_A
    assert all(code.startswith(TOWNSHIP_A[:9]) for code in codes)


@pytest.mark.parametrize("fmt", ["geojson", "xlsx"])
@pytest.mark.parametrize("root", [TOWNSHIP_B, "330784", f"{TOWNSHIP_B[:9]}001", "330784999000"])
def test_a_township_dispatcher_gets_404_for_any_other_root(client_for, dispatcher_a, fmt, root):
    response = client_for(dispatcher_a).get(f"/territory/export.{fmt}?root={root}")
    assert response.status_code == 404


def test_a_county_dispatcher_may_export_another_township(client_for, county_dispatcher):
    response = client_for(county_dispatcher).get(f"/territory/export.xlsx?root={TOWNSHIP_B}")

    assert response.status_code == 200
    rows = rows_from_excel(response.content)
    assert {r.code for r in rows} == set(subtree_of(TOWNSHIP_B).values_list("code", flat=True))


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(f"/territory/export.geojson?root={TOWNSHIP_A}")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_row_numbers_stay_true_when_the_sheet_starts_with_a_blank_row():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name", "level", "parent_code"])
    sheet.append(["abc", "坏代码", "grid", VILLAGE_A1])
    sheet.insert_rows(1)  # row 1 blank, header on row 2, the bad row on row 3
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert load_workbook(io.BytesIO(buffer.getvalue())).active.cell(3, 1).value == "abc"

    (row,) = rows_from_excel(buffer.getvalue())

    assert row.row == "第 3 行"
