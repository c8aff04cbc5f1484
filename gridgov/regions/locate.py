"""Point → grid lookup, vectorised over a shapely STRtree built once per territory revision.

The tree is built from every grid polygon on first use and rebuilt in any process that sees
`TerritoryRevision` move on (services bump it whenever a grid geometry changes).
"""

import threading
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from shapely.geometry import shape

from gridgov.core import caches

from .choices import Level
from .gcj02 import gcj02_to_wgs84
from .models import Region, TerritoryRevision

Crs = Literal["wgs84", "gcj02"]


@dataclass(frozen=True)
class GridLocator:
    revision: int
    codes: np.ndarray  # object array of grid codes, aligned with the tree's geometries
    tree: shapely.STRtree
    grids: dict  # code → Region (without geometry), so that intake need not fetch the grid again

    @classmethod
    def build(cls, revision: int) -> "GridLocator":
        rows = list(
            Region.objects.filter(level=Level.GRID, geometry__isnull=False)
            .order_by("key")
            .values_list("code", "geometry")
        )
        geometries = [shape(geometry) for _, geometry in rows]
        grids = {g.code: g for g in Region.objects.filter(level=Level.GRID).defer("geometry")}
        return cls(
            revision=revision,
            codes=np.array([code for code, _ in rows] + [None], dtype=object),
            tree=shapely.STRtree(geometries),
            grids=grids,
        )

    def locate_xy(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Grid code per point (None outside every grid). A point on a shared edge gets one grid."""
        points = shapely.points(lons, lats)
        point_idx, grid_idx = self.tree.query(points, predicate="intersects")
        # Index len(codes)-1 holds None: points that hit nothing point there.
        hit = np.full(len(points), len(self.codes) - 1, dtype=np.intp)
        # Assigning in reverse keeps the first hit of each point when several grids share an edge.
        hit[point_idx[::-1]] = grid_idx[::-1]
        return self.codes[hit]


_lock = threading.Lock()
_locator: GridLocator | None = None
REVISION_CHECK_SECONDS = 2.0
_revision_checked_at = 0.0


def current_locator() -> GridLocator:
    """The locator of the current territory revision. The revision is re-read at most every
    REVISION_CHECK_SECONDS (and always in the process that changed it), so a boundary edit
    reaches every process within seconds without a query per located point."""
    global _locator, _revision_checked_at
    locator = _locator
    if locator is not None and time.monotonic() - _revision_checked_at < REVISION_CHECK_SECONDS:
        return locator
    revision = TerritoryRevision.current()
    _revision_checked_at = time.monotonic()
    if locator is None or locator.revision != revision:
        with _lock:
            if _locator is None or _locator.revision != revision:
                _locator = GridLocator.build(revision)
            locator = _locator
    return locator


def as_lon_lat(points, crs: Crs = "wgs84") -> tuple[np.ndarray, np.ndarray]:
    """Validate an (n, 2) array of lon/lat and convert to WGS-84."""
    array = np.asarray(points, dtype=float)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError("坐标应为 [[经度, 纬度], …] 形式")
    lons, lats = array[:, 0], array[:, 1]
    if not np.all(np.isfinite(array)) or np.any(np.abs(lons) > 180) or np.any(np.abs(lats) > 90):
        raise ValueError("坐标超出经纬度范围")
    if crs == "gcj02":
        lons, lats = gcj02_to_wgs84(lons, lats)
    elif crs != "wgs84":
        raise ValueError(f"不支持的坐标系 {crs!r}（可用 wgs84 或 gcj02）")
    return np.ascontiguousarray(lons), np.ascontiguousarray(lats)


def locate(points, crs: Crs = "wgs84") -> np.ndarray:
    """Grid code for each (lon, lat) point, None where the point lies outside every grid."""
    lons, lats = as_lon_lat(points, crs)
    return current_locator().locate_xy(lons, lats)


def locate_one(lon: float, lat: float, crs: Crs = "wgs84") -> str | None:
    return locate([[lon, lat]], crs)[0]


def grid_at(lon: float, lat: float, crs: Crs = "wgs84") -> Region | None:
    """The grid containing the point, as a Region without its geometry (None outside every grid).
    Read-only: the object is shared by every request of this process."""
    lons, lats = as_lon_lat([[lon, lat]], crs)
    locator = current_locator()
    code = locator.locate_xy(lons, lats)[0]
    return locator.grids.get(code) if code is not None else None


def forget_locator() -> None:
    """Drop this process's locator (called after a geometry change in this process)."""
    global _locator
    _locator = None


caches.register(forget_locator)
