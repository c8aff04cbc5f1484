"""The catalogue: validation row by row, versions drafted and published, Excel round trips,
and routing rules that explain themselves."""

import copy

import pytest

from conftest import TOWNSHIP_A, TOWNSHIP_B
from gridgov.audit.actor import Actor
from gridgov.matters.catalogue import read_excel, validate_catalogue, write_excel
from gridgov.matters.choices import VersionStatus
from gridgov.matters.limits import LimitError, parse_limit
from gridgov.matters.models import CatalogueVersion, ImmutableVersionError, Matter
from gridgov.matters.routing import route
from gridgov.matters.services import CatalogueError, create_version, publish_version

ACTOR = Actor.system("test")
SMALL = {
    "platforms": ["党建统领", "经济生态", "平安法治", "公共服务"],
    "matters": [
        {
            "code": "T01",
            "name": "测试暴露垃圾",
            "category": ["市容环境", "暴露垃圾"],
            "platform": "经济生态",
            "lead": "township:platform",
            "co": [],
            "close_level": "township",
            "self_resolvable": True,
            "limits": {"dispatch": "1h", "handle": "4h", "verify": "1d"},
            "urgent_limits": {"handle": "2h"},
            "lists": ["territorial"],
            "public": True,
            "duplicate_radius_m": 50,
            "keywords": ["垃圾"],
            "examples": ["路边有一堆垃圾没人清理"],
        },
        {
            "code": "T02",
            "name": "测试违法建设",
            "category": ["施工管理", "违法建设"],
            "platform": "平安法治",
            "lead": "township:enforcement",
            "co": ["county:natural_resources", "county:housing"],
            "close_level": "township",
            "limits": {"dispatch": "2h", "handle": "7d", "verify": "2d"},
            "lists": ["power", "enforcement"],
            "keywords": ["违建"],
            "examples": ["有人在屋顶加盖一层"],
        },
    ],
    "rules": [
        {
            "matter": "T01",
            "township_kind": "街道",
            "lead": "township:enforcement",
            "co": [],
            "reason": "街道由执法队处理",
        },
        {
            "matter": "T01",
            "township_code": TOWNSHIP_A,
            "lead": "county:urban_enforcement",
            "co": [],
            "reason": "东城由县执法局直管",
        },
    ],
}


def small():
    return copy.deepcopy(SMALL)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("4h", 4, "hours"),
        ("7d", 7, "days"),
        ("30m", 30, "minutes"),
        ("4小时", 4, "hours"),
        ("7 工作日", 7, "days"),
    ],
)
def test_time_limits_are_read_in_both_spellings(text, amount, unit):
    limit = parse_limit(text)
    assert (limit.amount, limit.unit) == (amount, unit)


@pytest.mark.parametrize("text", ["4 weeks", "", "0h", "-2h", "1.5d", "fast"])
def test_unreadable_time_limits_are_refused(text):
    with pytest.raises(LimitError):
        parse_limit(text)


def test_a_valid_catalogue_has_no_problems():
    content, problems = validate_catalogue(small())
    assert problems == []
    assert [m["code"] for m in content.matters] == ["T01", "T02"]


def test_duplicate_codes_and_unknown_units_are_reported_with_their_rows():
    data = small()
    data["matters"][1]["code"] = "T01"
    data["matters"][0]["limits"]["handle"] = "4 fortnights"
    data["matters"][0]["lead"] = "county:astrology"
    _, problems = validate_catalogue(data)
    messages = [str(p) for p in problems]
    assert any("事项 2" in m and "重复" in m for m in messages)
    assert any("事项 1" in m and "单位" in m and "fortnights" in m for m in messages)
    assert any("事项 1" in m and "county:astrology" in m for m in messages)


@pytest.mark.django_db
def test_a_catalogue_with_problems_writes_nothing():
    data = small()
    data["matters"][1]["close_level"] = "planet"
    before = CatalogueVersion.objects.count()
    report = create_version(ACTOR, data, source="test")
    assert not report.ok and report.version is None
    assert CatalogueVersion.objects.count() == before


@pytest.mark.django_db
def test_publishing_retires_the_previous_version_and_freezes_the_new_one():
    previous = CatalogueVersion.objects.current()
    version = create_version(ACTOR, small(), source="test").version
    assert version.status == VersionStatus.DRAFT
    publish_version(ACTOR, version)
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert CatalogueVersion.objects.current() == version
    if previous:
        previous.refresh_from_db()
        assert previous.status == VersionStatus.RETIRED
    matter = version.matters.get(code="T01")
    matter.name = "改名"
    with pytest.raises(ImmutableVersionError):
        matter.save()
    with pytest.raises(CatalogueError):
        publish_version(ACTOR, version)


@pytest.mark.django_db
def test_excel_export_imports_back_as_an_equal_new_version():
    version = create_version(ACTOR, small(), source="test").version
    content = write_excel(version.platforms, list(version.matters.all()), list(version.rules.all()))
    data = read_excel(content)
    again = create_version(ACTOR, data, source="round-trip.xlsx")
    assert again.ok, again.problems
    fields = [
        "code",
        "name",
        "lead",
        "co",
        "close_level",
        "limits",
        "urgent_limits",
        "lists",
        "keywords",
        "examples",
    ]
    assert list(again.version.matters.values(*fields)) == list(version.matters.values(*fields))
    assert again.version.rules.count() == 2


@pytest.mark.django_db
def test_routing_follows_the_most_specific_rule_and_says_why(first_grid):
    version = create_version(ACTOR, small(), source="test").version
    matter = Matter.objects.get(version=version, code="T01")
    in_a = route(matter, first_grid(TOWNSHIP_A))
    assert in_a.lead.code == "dept-zhzf" and in_a.rule.startswith("rule:")
    assert "东城由县执法局直管" in in_a.reason and f"v{version.number}" in in_a.reason
    in_b = route(matter, first_grid(TOWNSHIP_B))  # 西城 is a 街道: the township-kind rule
    assert in_b.lead.code == "t002-enforcement"
    in_town = route(matter, first_grid("330784105000"))  # 石柱镇: no rule, the matter's default
    assert in_town.lead.code == "t105-platform-2" and in_town.rule == "matter:T01"


@pytest.mark.django_db
def test_joint_matters_route_to_a_lead_and_co_units(first_grid):
    version = create_version(ACTOR, small(), source="test").version
    planned = route(Matter.objects.get(version=version, code="T02"), first_grid(TOWNSHIP_B))
    assert planned.lead.code == "t002-enforcement"
    assert [u.code for u in planned.co] == ["dept-zrzy", "dept-zjj"]
    assert "协办" in planned.reason
