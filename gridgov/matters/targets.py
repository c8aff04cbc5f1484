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


@dataclass
class UnitDirectory:
    """Every active unit, indexed the ways routing looks them up. Re-read every UNIT_TTL seconds:
    one query a minute instead of one per routed event; a renamed or deactivated unit is seen
    within the minute."""

    loaded_at: float
    by_territory: dict[tuple[str, int], Unit]  # (kind, territory id) → unit
    platforms: dict[tuple[str, str], Unit]  # (township code, short name) → platform
    enforcement: dict[str, Unit]  # township code → enforcement team
    departments: dict[str, Unit]  # line → department (lowest code first)
    commands: dict[str, Unit]  # township code → command room

    @classmethod
    def load(cls) -> "UnitDirectory":
        units = Unit.objects.filter(is_active=True).select_related("territory").order_by("code")
        directory = cls(time.monotonic(), {}, {}, {}, {}, {})
        for unit in units:
            directory.by_territory.setdefault((unit.kind, unit.territory_id), unit)
            township = unit.territory.code[:9] + "000"
            if unit.kind == UnitKind.TOWNSHIP_PLATFORM:
                directory.platforms.setdefault((township, unit.short_name), unit)
            elif unit.kind == UnitKind.ENFORCEMENT_TEAM:
                directory.enforcement.setdefault(township, unit)
            elif unit.kind == UnitKind.DEPARTMENT:
                directory.departments.setdefault(unit.line, unit)
            elif unit.kind == UnitKind.TOWNSHIP_COMMAND:
                directory.commands.setdefault(township, unit)
        return directory


UNIT_TTL = 60.0
_directory: UnitDirectory | None = None


def unit_directory() -> UnitDirectory:
    global _directory
    if _directory is None or time.monotonic() - _directory.loaded_at >= UNIT_TTL:
        _directory = UnitDirectory.load()
    return _directory


def forget_units() -> None:
    global _directory
    _directory = None


def township_command(grid_or_township_code: str) -> Unit:
    """The command room of the township that `grid_or_township_code` lies in."""
    return unit_directory().commands[grid_or_township_code[:9] + "000"]


def resolve(target: Target, grid: Region, platform: str) -> Unit | None:
    """The active unit that `target` means for an event in `grid` (None if the county has none)."""
    directory = unit_directory()
    township = grid.code[:9] + "000"
    if target.text == "grid":
        return directory.by_territory.get((UnitKind.GRID, grid.pk))
    if target.text == "village":
        return directory.by_territory.get((UnitKind.VILLAGE, grid.parent_id))
    if target.text == "township:platform":
        return directory.platforms.get((township, f"{platform}平台"))
    if target.text == "township:enforcement":
        return directory.enforcement.get(township)
    return directory.departments.get(target.text.removeprefix("county:"))


caches.register(forget_units)
