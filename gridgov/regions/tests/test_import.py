"""Staged territory import (ARCHITECTURE rule 7): every row is checked, then all are written or none."""

import json

import pytest
import shapely
from shapely.geometry import box, mapping, shape

from conftest import TOWNSHIP_A
from gridgov.audit.actor import Actor
from gridgov.audit.models import AuditEntry
from gridgov.regions.choices import Level
from gridgov.regions.importing import ImportFormatError, import_territory, rows_from_geojson
from gridgov.regions.models import Region, TerritoryRevision

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test-import")
COUNTY = "330784"
VILLAGE_A1 = "330784001001"  # first community of 东城街道 in the small demo
VILLAGE_A2 = "330784001201"  # first village of 东城街道 in the small demo


def feature(code, name, level, parent_code, geometry, residents=None, synthetic=None) -> dict:
    properties = {"code": code, "name": name, "level": level, "parent_code": parent_code}
    if residents is not None:
        properties["residents"] = residents
    if synthetic is not None:
        properties["synthetic"] = synthetic
    return {
        "type": "Feature",
        "geometry": mapping(geometry) if hasattr(geometry, "geom_type") else geometry,
        "properties": properties,
    }


def as_file(*features) -> bytes:
    """The features as the bytes of an uploaded GeoJSON file."""
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def halves(geom):
    """`geom` cut in two along the vertical line through the middle of its bounding box (west, east)."""
    minx, miny, maxx, maxy = geom.bounds
    middle = (minx + maxx) / 2
    return (
        geom.intersection(box(minx - 1, miny - 1, middle, maxy + 1)),
        geom.intersection(box(middle, miny - 1, maxx + 1, maxy + 1)),
    )


def import_file(content: bytes, **kwargs):
    return import_territory(rows_from_geojson(content), ACTOR, **kwargs)


def import_audits() -> int:
    return AuditEntry.objects.filter(action="territory.import").count()


@pytest.fixture
def grid(first_grid):
    return first_grid(TOWNSHIP_A)


@pytest.fixture
def micro_grid_file(grid):
    """Two micro-grids splitting the first grid of 东城街道 west / east."""
    west, east = halves(shape(grid.geometry))
    return as_file(
        feature(f"{grid.code}001", "西片微网格", "microgrid", grid.code, west, residents=300),
        feature(f"{grid.code}002", "东片微网格", "microgrid", grid.code, east, residents=400),
    )


# --- a valid file ---------------------------------------------------------------------------------


def test_a_valid_file_creates_its_regions_with_parent_bbox_and_an_audit_row(grid, micro_grid_file):
    regions_before, audits_before = Region.objects.count(), import_audits()

    report = import_file(micro_grid_file)

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)
    assert report.committed
    assert Region.objects.count() == regions_before + 2
    west, east = halves(shape(grid.geometry))
    for code, piece, name in (
        (f"{grid.code}001", west, "西片微网格"),
        (f"{grid.code}002", east, "东片微网格"),
    ):
        region = Region.objects.get(code=code)
        assert region.level == Level.MICROGRID
        assert region.name == name
        assert region.parent_id == grid.id
        assert region.bbox == pytest.approx(piece.bounds)
        assert shape(region.geometry).equals(piece)
        assert region.key in grid.subtree
    assert import_audits() == audits_before + 1
    entry = AuditEntry.objects.filter(action="territory.import").first()
    assert entry.summary == {"rows": 2, "created": 2, "updated": 0}
    assert entry.actor_label == "system:test-import"


def test_a_new_village_carved_out_of_its_neighbour_is_created_with_its_grid(region):
    village = region(VILLAGE_A2)
    donor = region(f"{VILLAGE_A2}002")
    kept, piece = halves(shape(donor.geometry))
    new_village = "330784001202"
    content = as_file(
        feature(VILLAGE_A2, village.name, "village", TOWNSHIP_A, shape(village.geometry).difference(piece)),
        feature(donor.code, donor.name, "grid", VILLAGE_A2, kept, residents=donor.residents),
        feature(new_village, "新塘村", "village", TOWNSHIP_A, piece),
        feature(f"{new_village}001", "新塘村第1网格", "grid", new_village, piece, residents=500),
    )
    township_residents = region(TOWNSHIP_A).residents

    report = import_file(content)

    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (2, 2, 0)
    created = region(new_village)
    assert created.level == Level.VILLAGE
    assert created.parent == region(TOWNSHIP_A)
    assert region(f"{new_village}001").parent == created
    assert created.residents == 500
    assert region(TOWNSHIP_A).residents == township_residents + 500
    assert shape(region(donor.code).geometry).area == pytest.approx(kept.area)


def test_changing_a_grid_geometry_bumps_the_territory_revision(region):
    west_grid, east_grid = region(f"{VILLAGE_A1}001"), region(f"{VILLAGE_A1}002")
    whole = shape(west_grid.geometry).union(shape(east_grid.geometry))
    west, east = halves(whole)
    content = as_file(
        feature(
            west_grid.code, west_grid.name, "grid", VILLAGE_A1, west, west_grid.residents, synthetic=True
        ),
        feature(
            east_grid.code, east_grid.name, "grid", VILLAGE_A1, east, east_grid.residents, synthetic=True
        ),
    )
    revision = TerritoryRevision.current()

    report = import_file(content)

    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 2)
    assert TerritoryRevision.current() == revision + 1
    assert shape(region(west_grid.code).geometry).equals(west)


def test_re_importing_the_same_file_changes_nothing_and_writes_no_audit_row(micro_grid_file):
    import_file(micro_grid_file)
    regions, audits, revision = (
        Region.objects.count(),
        AuditEntry.objects.count(),
        TerritoryRevision.current(),
    )
    stamp = Region.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()

    report = import_file(micro_grid_file)

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.unchanged) == (2, 0, 0, 2)
    assert Region.objects.count() == regions
    assert AuditEntry.objects.count() == audits
    assert TerritoryRevision.current() == revision
    assert Region.objects.order_by("-updated_at").values_list("updated_at", flat=True).first() == stamp


def test_a_dry_run_validates_but_writes_nothing(micro_grid_file):
    regions, audits, revision = (
        Region.objects.count(),
        AuditEntry.objects.count(),
        TerritoryRevision.current(),
    )

    report = import_file(micro_grid_file, dry_run=True)

    assert report.ok
    assert not report.committed
    assert (report.rows, report.created, report.updated) == (2, 0, 0)
    assert Region.objects.count() == regions
    assert AuditEntry.objects.count() == audits
    assert TerritoryRevision.current() == revision


def test_changing_a_grids_residents_rolls_up_to_its_village_township_and_county(region, grid):
    village, township, county = region(VILLAGE_A1), region(TOWNSHIP_A), region(COUNTY)
    other_township = region("330784002000")
    revision = TerritoryRevision.current()
    content = as_file(
        feature(grid.code, grid.name, "grid", VILLAGE_A1, grid.geometry, grid.residents + 123, synthetic=True)
    )

    report = import_file(content)

    assert report.ok, report.errors
    assert (report.updated, report.unchanged) == (1, 0)
    assert region(grid.code).residents == grid.residents + 123
    assert region(VILLAGE_A1).residents == village.residents + 123
    assert region(TOWNSHIP_A).residents == township.residents + 123
    assert region(COUNTY).residents == county.residents + 123
    assert region("330784002000").residents == other_township.residents
    assert TerritoryRevision.current() == revision, "residents alone do not move the grid geometry"
    grids = Region.objects.filter(level=Level.GRID, parent=village).values_list("residents", flat=True)
    assert region(VILLAGE_A1).residents == sum(grids)


# --- files that cannot be read at all ------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
        pytest.param(b"[]", id="a-list"),
        pytest.param(b'{"type": "Feature", "geometry": null, "properties": {}}', id="a-single-feature"),
        pytest.param(b'{"type": "FeatureCollection"}', id="no-features"),
        pytest.param(b'{"type": "FeatureCollection", "features": {}}', id="features-not-a-list"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_a_format_error(content):
    with pytest.raises(ImportFormatError) as caught:
        rows_from_geojson(content)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(caught.value))


# --- one bad feature among good ones: an error naming it, and nothing written ----------------------


def _bad_features(grid, other_grid):
    """(bad feature, its code, a fragment of the expected message) for each kind of mistake."""
    g = shape(grid.geometry)
    x0, y0, x1, y1 = g.representative_point().buffer(1e-4).bounds
    bow_tie = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]}
    elsewhere = shape(other_grid.geometry)  # a valid polygon that overlaps no micro-grid
    micro = f"{grid.code}003"
    return [
        pytest.param(
            feature(micro, "自交微网格", "microgrid", grid.code, bow_tie), micro, "自相交", id="bow-tie"
        ),
        pytest.param(
            feature(f"{grid.code}001", "重复", "microgrid", grid.code, elsewhere),
            f"{grid.code}001",
            "代码重复（与要素 1相同）",
            id="duplicate-code",
        ),
        pytest.param(
            feature("33078400100100X", "坏代码", "microgrid", grid.code, elsewhere),
            "33078400100100X",
            "只能由数字组成",
            id="malformed-code",
        ),
        pytest.param(
            feature(f"{other_grid.code}001", "错挂", "microgrid", grid.code, elsewhere),
            f"{other_grid.code}001",
            "不是上级",
            id="child-not-extending-parent",
        ),
        pytest.param(
            feature("330784001001099001", "无主", "microgrid", "330784001001099", elsewhere),
            "330784001001099001",
            "上级 330784001001099 不存在",
            id="unknown-parent",
        ),
        pytest.param(feature(micro, "", "microgrid", grid.code, elsewhere), micro, "缺少名称", id="no-name"),
        pytest.param(
            feature(micro, "负人口", "microgrid", grid.code, elsewhere, residents=-5),
            micro,
            "非负整数",
            id="negative-residents",
        ),
        pytest.param(
            feature(f"{VILLAGE_A1}003", "无边界网格", "grid", VILLAGE_A1, None),
            f"{VILLAGE_A1}003",
            "网格必须有边界",
            id="grid-without-geometry",
        ),
        pytest.param(
            feature(micro, "点", "microgrid", grid.code, {"type": "Point", "coordinates": [120.07, 28.9]}),
            micro,
            "Polygon 或 MultiPolygon",
            id="point-geometry",
        ),
        pytest.param(
            feature(micro, "层级不明", "hamlet", grid.code, elsewhere),
            micro,
            "层级无法识别",
            id="unknown-level",
        ),
        pytest.param(feature("", "无代码", "microgrid", grid.code, elsewhere), "", "缺少代码", id="no-code"),
    ]


BAD_CASES = [
    "bow-tie",
    "duplicate-code",
    "malformed-code",
    "child-not-extending-parent",
    "unknown-parent",
    "no-name",
    "negative-residents",
    "grid-without-geometry",
    "point-geometry",
    "unknown-level",
    "no-code",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_one_bad_feature_among_good_ones_is_named_and_nothing_is_written(case, region, grid):
    other_grid = region(f"{VILLAGE_A1}002")
    params = {p.id: p.values for p in _bad_features(grid, other_grid)}
    bad, bad_code, fragment = params[case]
    west, east = halves(shape(grid.geometry))
    content = as_file(
        feature(f"{grid.code}001", "西片微网格", "microgrid", grid.code, west),
        bad,
        feature(f"{grid.code}002", "东片微网格", "microgrid", grid.code, east),
    )
    regions, audits, revision = (
        Region.objects.count(),
        AuditEntry.objects.count(),
        TerritoryRevision.current(),
    )

    report = import_file(content)

    assert not report.ok
    assert not report.committed
    assert report.created == report.updated == 0
    named = [e for e in report.errors if e.row == "要素 2" and e.code == bad_code]
    assert named, [str(e) for e in report.errors]
    assert any(fragment in e.message for e in named), [str(e) for e in report.errors]
    assert f"要素 2（{bad_code or '无代码'}）" in str(named[0])
    assert all(e.row == "要素 2" for e in report.errors), "the good features are not blamed"
    assert Region.objects.count() == regions
    assert not Region.objects.filter(code__startswith=grid.code, level=Level.MICROGRID).exists()
    assert AuditEntry.objects.count() == audits
    assert TerritoryRevision.current() == revision


def test_overlapping_features_in_one_file_are_named_and_nothing_is_written(grid):
    west, east = halves(shape(grid.geometry))
    content = as_file(
        feature(f"{grid.code}001", "整片微网格", "microgrid", grid.code, shape(grid.geometry)),
        feature(f"{grid.code}002", "西片微网格", "microgrid", grid.code, west),
        feature(f"{grid.code}003", "东片微网格", "microgrid", grid.code, east),
    )
    regions = Region.objects.count()

    report = import_file(content)

    assert not report.committed
    overlaps = [(e.row, e.code) for e in report.errors if "重叠" in e.message]
    assert ("要素 1", f"{grid.code}001") in overlaps
    messages = " ".join(e.message for e in report.errors)
    assert f"{grid.code}002" in messages
    assert f"{grid.code}003" in messages
    assert ("要素 2", f"{grid.code}002") not in overlaps, "west and east only share an edge"
    assert Region.objects.count() == regions


def test_a_feature_overlapping_a_grid_in_the_database_is_named_and_nothing_is_written(grid):
    west, east = halves(shape(grid.geometry))
    new_grid = f"{VILLAGE_A1}003"
    content = as_file(
        feature(f"{grid.code}001", "西片微网格", "microgrid", grid.code, west),
        feature(new_grid, "新网格", "grid", VILLAGE_A1, east.buffer(-1e-5)),
    )
    regions = Region.objects.count()

    report = import_file(content)

    assert not report.committed
    assert [(e.row, e.code) for e in report.errors] == [("要素 2", new_grid)]
    assert f"与 {grid.code} 重叠" in report.errors[0].message
    assert Region.objects.count() == regions


def test_a_grid_sharing_only_an_edge_with_its_neighbour_is_no_overlap(region):
    """The seeded neighbours touch along an edge: re-importing one of them is accepted."""
    g = region(f"{VILLAGE_A1}001")
    report = import_file(
        as_file(feature(g.code, g.name, "grid", VILLAGE_A1, g.geometry, g.residents, synthetic=True))
    )
    assert report.ok, report.errors
    assert report.unchanged == 1
    assert shapely.intersects(shape(g.geometry), shape(region(f"{VILLAGE_A1}002").geometry))


def test_a_polygon_whose_ring_is_not_closed_is_rejected_or_stored_closed(grid):
    west, east = halves(shape(grid.geometry))
    open_ring = [list(xy) for xy in mapping(west)["coordinates"][0][:-1]]
    content = as_file(
        feature(
            f"{grid.code}001",
            "西片微网格",
            "microgrid",
            grid.code,
            {"type": "Polygon", "coordinates": [open_ring]},
        ),
        feature(f"{grid.code}002", "东片微网格", "microgrid", grid.code, east),
    )

    report = import_file(content)

    if report.ok:  # accepted: then it must have been closed before it was stored
        stored = Region.objects.get(code=f"{grid.code}001").geometry["coordinates"][0]
        assert stored[0] == stored[-1]
    else:  # rejected: the error names the feature
        assert [(e.row, e.code) for e in report.errors] == [("要素 1", f"{grid.code}001")]
        assert "闭合" in report.errors[0].message
