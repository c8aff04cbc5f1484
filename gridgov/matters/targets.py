"""Handling targets as written in the catalogue, and the units they mean for a given grid.

grid                  the grid's own unit (the grid worker resolves on the spot)
village               the village/community committee of the grid
township:platform     the township platform named in the matter's `platform`
township:enforcement  the township's integrated enforcement team
county:<line>         the county department that owns that line of business
"""

import time
from dataclasses import dataclass

from gridgov.accounts.choices import Line, UnitKind
from gridgov.accounts.models import Unit
from gridgov.core import caches
from gridgov.regions.models import Region

from .choices import HandlingLevel

FIXED = {"grid", "village", "township:platform", "township:enforcement"}


class TargetError(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    text: str

    @property
    def level(self) -> HandlingLevel:
        if self.text == "grid":
            return HandlingLevel.GRID
        if self.text == "village":
            return HandlingLevel.VILLAGE
        if self.text.startswith("township:"):
            return HandlingLevel.TOWNSHIP
        return HandlingLevel.COUNTY


def target_label(text: str, platform: str = "") -> str:
    """How a target reads to people: "乡镇经济生态平台", "县级市场监管部门"."""
    if text == "grid":
        return "网格"
    if text == "village":
        return "村（社区）"
    if text == "township:platform":
        return f"乡镇{platform}平台" if platform else "乡镇平台"
    if text == "township:enforcement":
        return "乡镇综合行政执法队"
    line = text.removeprefix("county:")
    return f"县级{Line(line).label}部门" if line in Line.values else text


def parse_target(text) -> Target:
    value = str(text or "").strip()
    if value in FIXED:
        return Target(value)
    if value.startswith("county:") and value.removeprefix("county:") in Line.values:
        return Target(value)
    raise TargetError(
        f"处置单位 {value!r} 无法识别（可用 grid、village、township:platform、township:enforcement、"
        f"county:<条线>，条线为 {', '.join(Line.values)}）"
    )


_units: dict[tuple, tuple[float, Unit | None]] = {}
UNIT_TTL = 60.0


def resolve(target: Target, grid: Region, platform: str) -> Unit | None:
    """The active unit that `target` means for an event in `grid` (None if the county has none).
    Cached for a minute per process: units are renamed or deactivated rarely."""
    scope = grid.pk if target.text in ("grid", "village") else grid.code[:9]
    key = (target.text, scope, platform)
    expires, unit = _units.get(key, (0.0, None))
    if time.monotonic() >= expires:
        unit = _resolve(target, grid, platform)
        _units[key] = (time.monotonic() + UNIT_TTL, unit)
    return unit


def _resolve(target: Target, grid: Region, platform: str) -> Unit | None:
    units = Unit.objects.filter(is_active=True)
    township = grid.code[:9] + "000"
    if target.text == "grid":
        return units.filter(kind=UnitKind.GRID, territory=grid).first()
    if target.text == "village":
        return units.filter(kind=UnitKind.VILLAGE, territory_id=grid.parent_id).first()
    if target.text == "township:platform":
        return units.filter(
            kind=UnitKind.TOWNSHIP_PLATFORM, territory__code=township, short_name=f"{platform}平台"
        ).first()
    if target.text == "township:enforcement":
        return units.filter(kind=UnitKind.ENFORCEMENT_TEAM, territory__code=township).first()
    line = target.text.removeprefix("county:")
    return units.filter(kind=UnitKind.DEPARTMENT, line=line).order_by("code").first()


caches.register(_units.clear)
