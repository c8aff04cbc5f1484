"""The demo county (DOMAIN §2, §3): a deterministic, gap-free, overlap-free territory, its units and personas."""

import io
from collections import Counter, defaultdict

import pytest
import shapely
from django.core.management import call_command
from django.db.models import Max
from shapely.geometry import shape

from conftest import TOWNSHIP_A, TOWNSHIP_B
from gridgov.accounts.choices import Line, Role, UnitKind
from gridgov.accounts.models import Citizen, Unit, User
from gridgov.audit.models import AuditEntry
from gridgov.demo.territory import SMALL, build_territory
from gridgov.regions.choices import Level
from gridgov.regions.models import Region

# DOMAIN §2: the 14 township units of Yongkang (NBS 2021), written out here rather than imported.
YONGKANG_TOWNSHIPS = {
    "330784001000": "东城街道",
    "330784002000": "西城街道",
    "330784003000": "江南街道",
    "330784105000": "石柱镇",
    "330784106000": "前仓镇",
    "330784107000": "舟山镇",
    "330784108000": "古山镇",
    "330784109000": "方岩镇",
    "330784110000": "龙山镇",
    "330784111000": "西溪镇",
    "330784112000": "象珠镇",
    "330784113000": "唐先镇",
    "330784114000": "花街镇",
    "330784115000": "芝英镇",
}
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def full():
    """The full demo county (seed 1), built once for the module: no database needed."""
    return build_territory(1)


def at_level(rows, level):
    return [r for r in rows if r.level == level]


# --- build_territory: a pure function of the seed ---------------------------------------------------


def test_the_same_seed_builds_the_same_rows():
    assert build_territory(7, SMALL) == build_territory(7, SMALL)


def test_another_seed_builds_the_same_codes_with_different_villages_and_grids():
    one, two = build_territory(1, SMALL), build_territory(2, SMALL)

    assert [r.code for r in one] == [r.code for r in two]
    grids_one = [r.geometry for r in at_level(one, Level.GRID)]
    grids_two = [r.geometry for r in at_level(two, Level.GRID)]
    assert all(a != b for a, b in zip(grids_one, grids_two, strict=True))


def test_the_small_scale_has_two_villages_of_two_grids_in_every_township():
    rows = build_territory(1, SMALL)
    assert len(at_level(rows, Level.TOWNSHIP)) == 14
    assert len(at_level(rows, Level.VILLAGE)) == 28
    assert len(at_level(rows, Level.GRID)) == 56
    assert Counter(r.parent_code for r in at_level(rows, Level.GRID)) == {
        r.code: 2 for r in at_level(rows, Level.VILLAGE)
    }


def test_rows_come_parents_first():
    seen: set[str] = set()
    for r in build_territory(3, SMALL):
        assert r.parent_code is None or r.parent_code in seen, r.code
        seen.add(r.code)


# --- the full county ---------------------------------------------------------------------------------


def test_the_full_county_has_the_14_real_townships_by_code_and_name(full):
    (county,) = at_level(full, Level.COUNTY)
    assert (county.code, county.name) == ("330784", "永康市")
    townships = at_level(full, Level.TOWNSHIP)
    assert {r.code: r.name for r in townships} == YONGKANG_TOWNSHIPS
    assert all(r.parent_code == "330784" for r in townships)
    assert not any(r.synthetic for r in townships), "township names and codes are real"
    assert all(r.synthetic for r in full if r.level >= Level.VILLAGE), (
        "villages and grids are labelled synthetic"
    )


def test_the_full_county_has_about_a_thousand_grids_and_its_population(full):
    grids = at_level(full, Level.GRID)
    assert 900 <= len(grids) <= 1100
    residents = sum(r.residents for r in grids)
    assert 0.95 * 970_000 <= residents <= 1.05 * 970_000
    assert all(700 <= r.residents <= 1300 for r in grids)


def test_every_grid_code_is_15_digits_extending_its_village_numbered_from_001(full):
    villages = {r.code: r for r in at_level(full, Level.VILLAGE)}
    by_village = defaultdict(list)
    for r in at_level(full, Level.GRID):
        assert len(r.code) == 15 and r.code.isdigit(), r.code
        assert r.parent_code in villages, r.code
        assert r.code[:12] == r.parent_code
        by_village[r.parent_code].append(int(r.code[12:]))
        assert r.name.startswith(villages[r.parent_code].name)
    assert set(by_village) == set(villages), "every village has grids"
    for seqs in by_village.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))


def test_village_segments_follow_the_nbs_rule_for_communities_and_villages(full):
    villages = at_level(full, Level.VILLAGE)
    assert len({r.code for r in villages}) == len(villages)
    names_by_township = Counter((r.parent_code, r.name) for r in villages)
    assert max(names_by_township.values()) == 1, "village names are unique inside a township"
    for r in villages:
        assert r.code[:9] == r.parent_code[:9]
        segment = int(r.code[9:])
        if r.name.endswith("社区"):
            assert 1 <= segment <= 199, r
        else:
            assert r.name.endswith("村"), r
            assert 200 <= segment <= 399, r
    assert any(r.name.endswith("社区") for r in villages)
    assert any(r.name.endswith("村") for r in villages)


def test_no_two_grids_overlap(full):
    grids = at_level(full, Level.GRID)
    geoms = [shape(r.geometry) for r in grids]
    assert all(g.is_valid and not g.is_empty for g in geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left.tolist(), right.tolist(), strict=True) if i < j]
    assert pairs, "neighbouring grids touch"
    overlapping = [
        (grids[i].code, grids[j].code)
        for i, j in pairs
        if geoms[i].intersection(geoms[j]).area >= TOLERANCE * min(geoms[i].area, geoms[j].area)
    ]
    assert overlapping == []


def test_the_grids_of_each_township_cover_the_township(full):
    grids_of = defaultdict(list)
    for r in at_level(full, Level.GRID):
        grids_of[r.code[:9]].append(shape(r.geometry))
    for township in at_level(full, Level.TOWNSHIP):
        area = shape(township.geometry)
        covered = shapely.union_all(grids_of[township.code[:9]])
        assert area.symmetric_difference(covered).area < TOLERANCE * area.area, township.name


def test_the_townships_cover_the_county(full):
    (county,) = at_level(full, Level.COUNTY)
    area = shape(county.geometry)
    covered = shapely.union_all([shape(r.geometry) for r in at_level(full, Level.TOWNSHIP)])
    assert area.symmetric_difference(covered).area < TOLERANCE * area.area


# --- seed_demo against the database -------------------------------------------------------------------


def _state() -> dict:
    return {
        "audit": AuditEntry.objects.count(),
        "regions": Region.objects.count(),
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "citizens": Citizen.objects.count(),
        "regions_updated": Region.objects.aggregate(m=Max("updated_at"))["m"],
        "units_updated": Unit.objects.aggregate(m=Max("updated_at"))["m"],
        "residents": Region.objects.get(level=Level.COUNTY).residents,
    }


@pytest.mark.django_db
def test_running_seed_demo_again_changes_nothing():
    before = _state()
    out = io.StringIO()

    call_command("seed_demo", "--scale", "small", "--quiet-logins", stdout=out)

    assert _state() == before
    output = out.getvalue()
    assert "新建 0，更新 0，未变 99" in output
    assert "单位变更 0" in output
    assert "新建账号 0" in output


@pytest.mark.django_db
def test_the_seeded_county_matches_the_small_build():
    rows = build_territory(1, SMALL)
    assert set(Region.objects.values_list("code", flat=True)) == {r.code for r in rows}
    grids = at_level(rows, Level.GRID)
    assert Region.objects.get(level=Level.COUNTY).residents == sum(r.residents for r in grids)


@pytest.mark.django_db
def test_the_county_has_its_14_departments_each_with_its_own_line():
    county = Region.objects.get(level=Level.COUNTY)
    departments = Unit.objects.filter(kind=UnitKind.DEPARTMENT)
    assert departments.count() == 14
    assert all(d.territory_id == county.id for d in departments)
    lines = [d.line for d in departments]
    assert len(set(lines)) == 14
    assert set(lines) <= set(Line.values)
    assert departments.filter(name="永康市市场监督管理局", line=Line.MARKET).exists()
    centre = Unit.objects.get(kind=UnitKind.COUNTY_CENTRE)
    assert centre.territory_id == county.id


@pytest.mark.django_db
def test_every_township_has_a_command_room_four_platforms_and_an_enforcement_team():
    centre = Unit.objects.get(kind=UnitKind.COUNTY_CENTRE)
    townships = Region.objects.filter(level=Level.TOWNSHIP)
    assert townships.count() == 14
    for township in townships:
        units = Unit.objects.filter(territory=township)
        kinds = Counter(units.values_list("kind", flat=True))
        assert kinds == {
            UnitKind.TOWNSHIP_COMMAND: 1,
            UnitKind.TOWNSHIP_PLATFORM: 4,
            UnitKind.ENFORCEMENT_TEAM: 1,
        }, township.name
        command = units.get(kind=UnitKind.TOWNSHIP_COMMAND)
        assert command.parent_id == centre.id
        assert set(units.exclude(pk=command.pk).values_list("parent_id", flat=True)) == {command.id}
        assert units.get(kind=UnitKind.ENFORCEMENT_TEAM).line == Line.URBAN_ENFORCEMENT


@pytest.mark.django_db
def test_every_village_and_grid_has_its_own_unit():
    for level, kind in ((Level.VILLAGE, UnitKind.VILLAGE), (Level.GRID, UnitKind.GRID)):
        regions = set(Region.objects.filter(level=level).values_list("id", flat=True))
        units = list(Unit.objects.filter(kind=kind).values_list("territory_id", flat=True))
        assert sorted(units) == sorted(regions)


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_there_is_a_persona_for_every_role(role):
    assert User.objects.filter(role=role, is_active=True, unit__isnull=False).exists()


@pytest.mark.django_db
def test_the_two_township_dispatchers_belong_to_different_townships():
    a = User.objects.select_related("unit__territory").get(username="dongcheng_dispatcher")
    b = User.objects.select_related("unit__territory").get(username="xicheng_dispatcher")
    assert a.role == b.role == Role.DISPATCHER
    assert a.unit.territory.code == TOWNSHIP_A
    assert b.unit.territory.code == TOWNSHIP_B
    assert a.unit.kind == b.unit.kind == UnitKind.TOWNSHIP_COMMAND


@pytest.mark.django_db
def test_the_grid_worker_works_in_a_grid_of_township_a_and_a_citizen_exists():
    worker = User.objects.select_related("unit__territory").get(username="grid_worker")
    assert worker.role == Role.GRID_WORKER
    assert worker.unit.territory.level == Level.GRID
    assert worker.unit.territory.code.startswith(TOWNSHIP_A[:9])
    assert Citizen.objects.filter(phone="13800000000").exists()
