"""Territory codes (DOMAIN §2): what `validate_code` accepts and rejects, and how codes become key ranges."""

import pytest

from gridgov.regions.choices import Level
from gridgov.regions.codes import CodeError, ancestor_codes, key_for, subtree_range, validate_code

COUNTY = "330784"
TOWNSHIP = "330784001000"  # 东城街道
VILLAGE = "330784001001"
GRID = "330784001001001"
MICROGRID = "330784001001001001"


@pytest.mark.parametrize(
    ("code", "level", "parent", "parent_level"),
    [
        pytest.param(COUNTY, Level.COUNTY, None, None, id="county"),
        pytest.param(TOWNSHIP, Level.TOWNSHIP, COUNTY, Level.COUNTY, id="street-001"),
        pytest.param("330784115000", Level.TOWNSHIP, COUNTY, Level.COUNTY, id="town-115"),
        pytest.param("330784399000", Level.TOWNSHIP, COUNTY, Level.COUNTY, id="township-399"),
        pytest.param(VILLAGE, Level.VILLAGE, TOWNSHIP, Level.TOWNSHIP, id="community-001"),
        pytest.param("330784001399", Level.VILLAGE, TOWNSHIP, Level.TOWNSHIP, id="village-399"),
        pytest.param(GRID, Level.GRID, VILLAGE, Level.VILLAGE, id="grid"),
        pytest.param("330784001001999", Level.GRID, VILLAGE, Level.VILLAGE, id="grid-999"),
        pytest.param(MICROGRID, Level.MICROGRID, GRID, Level.GRID, id="microgrid"),
    ],
)
def test_a_well_formed_code_is_accepted_at_its_level(code, level, parent, parent_level):
    assert validate_code(code, level, parent, parent_level) is None


@pytest.mark.parametrize(
    ("code", "level", "parent", "parent_level", "message"),
    [
        pytest.param("33078A001000", Level.TOWNSHIP, COUNTY, Level.COUNTY, "只能由数字组成", id="letter"),
        pytest.param("３３０７８４", Level.COUNTY, None, None, "只能由数字组成", id="full-width-digits"),
        pytest.param("330784 01000", Level.TOWNSHIP, COUNTY, Level.COUNTY, "只能由数字组成", id="space"),
        pytest.param("", Level.GRID, VILLAGE, Level.VILLAGE, "只能由数字组成", id="empty"),
        pytest.param("33078", Level.COUNTY, None, None, "应为 6 位", id="county-too-short"),
        pytest.param("330784001", Level.TOWNSHIP, COUNTY, Level.COUNTY, "应为 12 位", id="township-9-digits"),
        pytest.param("3307840010010", Level.VILLAGE, TOWNSHIP, Level.TOWNSHIP, "应为 12 位", id="village-13"),
        pytest.param("33078400100100", Level.GRID, VILLAGE, Level.VILLAGE, "应为 15 位", id="grid-14"),
        pytest.param("3307840010010010", Level.MICROGRID, GRID, Level.GRID, "应为 18 位", id="microgrid-16"),
        pytest.param("330784000000", Level.TOWNSHIP, COUNTY, Level.COUNTY, "001–399", id="township-000"),
        pytest.param("330784400000", Level.TOWNSHIP, COUNTY, Level.COUNTY, "001–399", id="township-400"),
        pytest.param("330784999000", Level.TOWNSHIP, COUNTY, Level.COUNTY, "001–399", id="township-999"),
        pytest.param("330784001001", Level.TOWNSHIP, COUNTY, Level.COUNTY, "最后三位应为 000", id="not-000"),
        pytest.param("330784001000", Level.VILLAGE, TOWNSHIP, Level.TOWNSHIP, "001–399", id="village-000"),
        pytest.param("330784001400", Level.VILLAGE, TOWNSHIP, Level.TOWNSHIP, "001–399", id="village-400"),
        pytest.param(
            "330784001000001", Level.GRID, VILLAGE, Level.VILLAGE, "不是上级", id="grid-in-village-000"
        ),
        pytest.param(
            "330784001001000", Level.GRID, VILLAGE, Level.VILLAGE, "序号不能为 000", id="grid-seq-000"
        ),
        pytest.param(
            "330784001001001000", Level.MICROGRID, GRID, Level.GRID, "序号不能为 000", id="microgrid-seq-000"
        ),
        pytest.param("330784002000", Level.TOWNSHIP, "330783", Level.COUNTY, "不是上级", id="other-county"),
        pytest.param(
            "330784002001", Level.VILLAGE, TOWNSHIP, Level.TOWNSHIP, "不是上级", id="other-township"
        ),
        pytest.param("330784001002001", Level.GRID, VILLAGE, Level.VILLAGE, "不是上级", id="other-village"),
        pytest.param("330784001001002001", Level.MICROGRID, GRID, Level.GRID, "不是上级", id="other-grid"),
        pytest.param(
            GRID, Level.GRID, TOWNSHIP, Level.TOWNSHIP, "上级应为村（社区）", id="grid-under-township"
        ),
        pytest.param(
            VILLAGE, Level.VILLAGE, COUNTY, Level.COUNTY, "上级应为乡镇（街道）", id="village-under-county"
        ),
        pytest.param(
            TOWNSHIP, Level.TOWNSHIP, TOWNSHIP, Level.TOWNSHIP, "上级应为县", id="township-under-township"
        ),
        pytest.param(GRID, Level.GRID, None, None, "缺少上级区划", id="grid-without-parent"),
        pytest.param(COUNTY, Level.COUNTY, "33", Level.COUNTY, "不应有上级", id="county-with-parent"),
    ],
)
def test_a_malformed_code_is_rejected_with_a_chinese_message(code, level, parent, parent_level, message):
    with pytest.raises(CodeError) as caught:
        validate_code(code, level, parent, parent_level)
    text = str(caught.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    if message is not None:
        assert message in text


def test_a_code_error_is_a_value_error_so_callers_can_catch_either():
    assert issubclass(CodeError, ValueError)


def test_the_key_is_the_code_padded_to_18_digits():
    assert key_for(COUNTY) == 330784_000_000_000_000
    assert key_for(TOWNSHIP) == 330784_001_000_000_000
    assert key_for(GRID) == 330784_001_001_001_000
    assert key_for(MICROGRID) == 330784_001_001_001_001


def test_a_village_range_holds_its_grids_but_not_the_neighbouring_village():
    village = subtree_range(VILLAGE, Level.VILLAGE)
    assert key_for(VILLAGE) in village
    assert key_for("330784001001001") in village
    assert key_for("330784001001999") in village
    assert key_for("330784001001999999") in village
    assert key_for("330784001002") not in village
    assert key_for("330784001002001") not in village
    assert key_for("330784001000") not in village  # its own township lies outside, below
    assert key_for("330784001") not in village


def test_a_township_range_covers_its_villages_and_grids_and_stops_at_the_next_township():
    township = subtree_range(TOWNSHIP, Level.TOWNSHIP)
    assert key_for(TOWNSHIP) in township
    assert key_for("330784001399") in township
    assert key_for("330784001399999") in township
    assert key_for("330784002000") not in township
    assert key_for("330784002001001") not in township
    assert township.high == key_for("330784002000")


def test_a_county_range_covers_every_township_and_nothing_of_the_neighbouring_county():
    county = subtree_range(COUNTY, Level.COUNTY)
    assert key_for("330784399399999999") in county
    assert key_for("330785001000") not in county
    assert key_for("330783399000") not in county


def test_a_grid_range_is_the_grid_and_its_micro_grids():
    grid = subtree_range(GRID, Level.GRID)
    assert key_for(GRID) in grid
    assert key_for(MICROGRID) in grid
    assert key_for("330784001001002") not in grid
    assert grid.high - grid.low == 1000


def test_ancestors_are_listed_county_first_as_official_codes():
    assert ancestor_codes(MICROGRID, Level.MICROGRID) == [COUNTY, TOWNSHIP, VILLAGE, GRID]
    assert ancestor_codes(GRID, Level.GRID) == [COUNTY, TOWNSHIP, VILLAGE]
    assert ancestor_codes(VILLAGE, Level.VILLAGE) == [COUNTY, TOWNSHIP]
    assert ancestor_codes(TOWNSHIP, Level.TOWNSHIP) == [COUNTY]
    assert ancestor_codes(COUNTY, Level.COUNTY) == []
