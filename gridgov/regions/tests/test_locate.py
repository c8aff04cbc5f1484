"""Point → grid lookup: every grid finds itself, GCJ-02 input is converted, and a changed map is honoured."""

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import box, mapping, shape

from gridgov.audit.actor import Actor
from gridgov.regions import locate as locate_module
from gridgov.regions.choices import Level
from gridgov.regions.gcj02 import wgs84_to_gcj02
from gridgov.regions.importing import import_territory, rows_from_geojson
from gridgov.regions.locate import current_locator, locate, locate_one
from gridgov.regions.models import Region, TerritoryRevision

pytestmark = pytest.mark.django_db

VILLAGE_A1 = "330784001001"


@pytest.fixture(autouse=True)
def fresh_locator():
    """Each test starts and ends without a cached locator: test transactions roll the revision back,
    so a locator built inside one test could otherwise look current to the next."""
    locate_module._locator = None
    yield
    locate_module._locator = None


def grids() -> list[tuple[str, object]]:
    return [
        (code, shape(geometry))
        for code, geometry in Region.objects.filter(level=Level.GRID).values_list("code", "geometry")
    ]


def county():
    return shape(Region.objects.get(level=Level.COUNTY).geometry)


def test_every_grids_representative_point_locates_to_that_grid():
    seeded = grids()
    points = [shapely.point_on_surface(geom) for _, geom in seeded]

    found = locate([[p.x, p.y] for p in points])

    assert len(seeded) == 14 * 2 * 2
    assert list(found) == [code for code, _ in seeded]
    for (code, _), p in zip(seeded[:3], points[:3], strict=True):
        assert locate_one(p.x, p.y) == code


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        pytest.param(100.0, 30.0, id="sichuan"),
        pytest.param(119.5, 28.9, id="west-of-the-county"),
        pytest.param(120.1, 29.3, id="north-of-the-county"),
        pytest.param(-0.1276, 51.5072, id="london"),
    ],
)
def test_a_point_outside_the_county_locates_to_nothing(lon, lat):
    assert locate_one(lon, lat) is None
    assert locate_one(lon, lat, crs="gcj02") is None


def test_a_gcj02_point_is_converted_before_it_is_located():
    code, geom = grids()[0]
    p = shapely.point_on_surface(geom)
    gcj_lon, gcj_lat = wgs84_to_gcj02(p.x, p.y)

    assert locate_one(gcj_lon, gcj_lat, crs="gcj02") == code


def test_gcj02_points_across_the_county_locate_like_their_wgs84_originals():
    minx, miny, maxx, maxy = county().bounds
    lons, lats = np.meshgrid(np.linspace(minx, maxx, 60), np.linspace(miny, maxy, 40))
    wgs = np.column_stack([lons.ravel(), lats.ravel()])
    gcj = np.column_stack(wgs84_to_gcj02(wgs[:, 0], wgs[:, 1]))

    expected = locate(wgs)
    assert sum(code is not None for code in expected) > 1000
    assert list(locate(gcj, crs="gcj02")) == list(expected)
    # Without the conversion a few hundred metres of offset would move some points to another grid.
    assert list(locate(gcj, crs="wgs84")) != list(expected)


@pytest.mark.parametrize(
    ("points", "crs"),
    [
        pytest.param([120.07, 28.9], "wgs84", id="one-point-not-nested"),
        pytest.param([[120.07, 28.9, 0.0]], "wgs84", id="three-coordinates"),
        pytest.param([[[120.07, 28.9]]], "wgs84", id="three-dimensional"),
        pytest.param([], "wgs84", id="empty-flat-list"),
        pytest.param([[float("nan"), 28.9]], "wgs84", id="nan"),
        pytest.param([[120.07, float("inf")]], "wgs84", id="infinite"),
        pytest.param([[120.07, 95.0]], "wgs84", id="latitude-95"),
        pytest.param([[120.07, 28.9], [181.0, 28.9]], "wgs84", id="longitude-181"),
        pytest.param([["东", "西"]], "wgs84", id="text"),
        pytest.param([[120.07, 28.9]], "bd09", id="unknown-crs"),
        pytest.param([[120.07, 95.0]], "gcj02", id="gcj02-latitude-95"),
    ],
)
def test_malformed_input_is_a_value_error(points, crs):
    with pytest.raises(ValueError):
        locate(points, crs)


def test_the_locator_is_built_once_per_territory_revision(django_assert_max_num_queries):
    first = current_locator()
    assert current_locator() is first
    points = np.full((5, 2), [120.07, 28.9])
    with django_assert_max_num_queries(1):  # at most the revision number is read
        locate(points)


def test_another_process_bumping_the_revision_is_seen_after_the_check_interval(monkeypatch):
    from gridgov.regions import locate as locate_module

    first = current_locator()
    TerritoryRevision.bump()  # as another process would after an import
    assert current_locator() is first  # within the check interval: no query, same tree
    monkeypatch.setattr(locate_module, "_revision_checked_at", 0.0)
    assert current_locator() is not first


def test_after_an_import_moves_a_grid_boundary_the_locator_honours_the_new_geometry(region):
    west, east = region(f"{VILLAGE_A1}001"), region(f"{VILLAGE_A1}002")
    old_west, old_east = shape(west.geometry), shape(east.geometry)
    whole = old_west.union(old_east)
    minx, miny, maxx, maxy = whole.bounds
    middle = (minx + maxx) / 2
    new_west = whole.intersection(box(minx - 1, miny - 1, middle, maxy + 1))
    new_east = whole.intersection(box(middle, miny - 1, maxx + 1, maxy + 1))
    moved_to_east, moved_to_west = old_west.intersection(new_east), old_east.intersection(new_west)
    # A point that changes hands: it lay in one grid before the import and lies in the other after.
    if moved_to_east.area >= moved_to_west.area:
        p, before, after = shapely.point_on_surface(moved_to_east), west.code, east.code
    else:
        p, before, after = shapely.point_on_surface(moved_to_west), east.code, west.code
    assert locate_one(p.x, p.y) == before
    revision = TerritoryRevision.current()

    def grid_feature(grid, geom):
        properties = {
            "code": grid.code,
            "name": grid.name,
            "level": "grid",
            "parent_code": VILLAGE_A1,
            "residents": grid.residents,
            "synthetic": True,
        }
        return {"type": "Feature", "geometry": mapping(geom), "properties": properties}

    content = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [grid_feature(west, new_west), grid_feature(east, new_east)],
        }
    )
    report = import_territory(rows_from_geojson(content), Actor.system("test-locate"))

    assert report.ok, report.errors
    assert TerritoryRevision.current() == revision + 1
    assert locate_one(p.x, p.y) == after
    assert current_locator().revision == revision + 1


def test_ten_thousand_random_points_give_ten_thousand_answers_each_inside_its_grid():
    rng = np.random.default_rng(20260101)
    minx, miny, maxx, maxy = county().bounds
    points = np.column_stack(
        [rng.uniform(minx - 0.05, maxx + 0.05, 10_000), rng.uniform(miny - 0.05, maxy + 0.05, 10_000)]
    )

    found = locate(points)

    assert isinstance(found, np.ndarray)
    assert found.shape == (10_000,)
    geometry_of = dict(grids())
    hits = np.array([code is not None for code in found])
    assert 0 < hits.sum() < 10_000
    covering = np.array([geometry_of[code] for code in found[hits]])
    assert shapely.covers(covering, shapely.points(points[hits])).all()
    inside_county = shapely.contains(county(), shapely.points(points))
    assert not (hits & ~shapely.covers(county(), shapely.points(points))).any()
    assert hits[inside_county].all(), "the grids tile the county: no point inside it is lost"


def test_an_empty_batch_locates_to_an_empty_array():
    assert locate(np.zeros((0, 2))).shape == (0,)
