"""locate_1m: 1,000,000 random points into the demo county's ~1,000 grids.

Ours: `gridgov.regions.locate.locate()` (validation, points, STRtree query, first hit per point,
codes). Baseline: the bare shapely work on the same tree (make points, `tree.query`). Goal ≤ 1.3.
"""

import numpy as np
import shapely

from .framework import Result, benchmark, django_with_demo_db, interleaved_medians

POINTS = 1_000_000
GOAL = 1.3


@benchmark("locate_1m")
def run() -> Result:
    django_with_demo_db()
    from gridgov.regions.locate import current_locator, locate
    from gridgov.regions.models import Region

    county = Region.objects.get(parent__isnull=True)
    rng = np.random.default_rng(20261129)
    points = np.column_stack(
        [
            rng.uniform(county.min_lon, county.max_lon, POINTS),
            rng.uniform(county.min_lat, county.max_lat, POINTS),
        ]
    )
    tree = current_locator().tree  # built once, outside the timing, for both sides

    def ours():
        return locate(points)

    def baseline():
        return tree.query(shapely.points(points), predicate="intersects")

    found = ours()
    inside = int(np.count_nonzero(found != None))  # noqa: E711 (object array comparison)
    seconds, base_seconds = interleaved_medians(ours, baseline, repeat=5)
    ratio = seconds / base_seconds
    return Result(
        name="locate_1m",
        value=seconds,
        baseline=base_seconds,
        ratio=ratio,
        goal=f"ratio ≤ {GOAL}",
        unit="s",
        ok=ratio <= GOAL,
        note=f"{inside:,} of {POINTS:,} points fell in a grid; {len(tree.geometries)} grids; median of 5",
    )
