"""Handling targets as written in the catalogue, and the units they mean for a given grid.

grid                  the grid's own unit (the grid worker resolves on the spot)
village               the village/community committee of the grid
township:platform     the township platform named in the matter's `platform`
township:enforcement  the township's integrated enforcement team
county:<line>         the county department that owns that line of business
"""

from dataclasses import dataclass

from gridgov.accounts.choices import Line, UnitKind
from gridgov.accounts.models import Unit
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


def township_of(grid: Region) -> Region:
    return Region.objects.get(code=grid.code[:9] + "000")


def resolve(target: Target, grid: Region, platform: str) -> Unit | None:
    """The active unit that `target` means for an event in `grid` (None if the county has none)."""
    units = Unit.objects.filter(is_active=True)
    if target.text == "grid":
        return units.filter(kind=UnitKind.GRID, territory=grid).first()
    if target.text == "village":
        return units.filter(kind=UnitKind.VILLAGE, territory_id=grid.parent_id).first()
    if target.text == "township:platform":
        township = township_of(grid)
        return units.filter(
            kind=UnitKind.TOWNSHIP_PLATFORM, territory=township, short_name=f"{platform}平台"
        ).first()
    if target.text == "township:enforcement":
        return units.filter(kind=UnitKind.ENFORCEMENT_TEAM, territory=township_of(grid)).first()
    line = target.text.removeprefix("county:")
    return units.filter(kind=UnitKind.DEPARTMENT, line=line).order_by("code").first()
