"""Synthetic territory for the demo county: township, village and grid polygons that tile the
county without overlap (clipped Voronoi cells), with codes by the NBS rules.

Pure functions of a seed: the same seed gives the same rows, byte for byte.
"""

import math
import random
from dataclasses import dataclass

import shapely
import shapely.affinity
from shapely.geometry import MultiPoint, Point, Polygon, mapping

from gridgov.regions.choices import Level
from gridgov.regions.importing import TerritoryRow

from . import yongkang as yk

PRECISION = 1e-9  # ~0.1 mm: keeps the GeoJSON short without opening gaps or overlaps that matter


@dataclass(frozen=True)
class Scale:
    """How big a demo to build: `full` is the county, `small` is a quick territory for tests."""

    villages_per_township: int | None  # None: derived from population
    grids_per_village: int | None


FULL = Scale(None, None)
SMALL = Scale(2, 2)
SCALES = {"full": FULL, "small": SMALL}


def _sample_points(polygon: Polygon, count: int, rng: random.Random) -> list[Point]:
    minx, miny, maxx, maxy = polygon.bounds
    points: list[Point] = []
    shapely.prepare(polygon)
    while len(points) < count:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if shapely.contains(polygon, p):
            points.append(p)
    return points


def _cells(polygon: Polygon, seeds: list[Point]) -> list[Polygon]:
    """Voronoi cells of `seeds`, clipped to `polygon`, in the order of the seeds."""
    if len(seeds) == 1:
        return [shapely.set_precision(polygon, PRECISION)]
    regions = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=polygon.buffer(0.05))
    cells = []
    for seed in seeds:
        cell = next(c for c in regions.geoms if c.contains(seed))
        clipped = shapely.set_precision(cell.intersection(polygon), PRECISION)
        cells.append(clipped)
    return cells


def _reading_order(cells: list[Polygon]) -> list[int]:
    """Indices of cells numbered north→south in rows, west→east inside a row (DOMAIN §2)."""
    if not cells:
        return []
    ys = [c.centroid.y for c in cells]
    rows = max(1, round(math.sqrt(len(cells))))
    top, bottom = max(ys), min(ys)
    band = (top - bottom) / rows or 1.0
    return sorted(
        range(len(cells)), key=lambda i: (min(int((top - ys[i]) / band), rows - 1), cells[i].centroid.x)
    )


def _village_name(rng: random.Random, used: set[str], community: bool) -> str:
    for _ in range(1000):
        if community:
            name = "".join(rng.sample(yk.COMMUNITY_WORDS, 2)) + "社区"
        else:
            name = (
                rng.choice(yk.VILLAGE_PREFIXES)
                + rng.choice(yk.SURNAMES)
                + rng.choice(yk.VILLAGE_SUFFIXES)
                + "村"
            )
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("ran out of synthetic village names")


def _row(code: str, name: str, level: Level, parent: str | None, geom, residents=None) -> TerritoryRow:
    return TerritoryRow(
        row=code,
        code=code,
        name=name,
        level=level,
        parent_code=parent,
        geometry=mapping(geom) if geom is not None else None,
        residents=residents,
        synthetic=level != Level.TOWNSHIP and level != Level.COUNTY,
    )


def _county_outline() -> Polygon:
    """The synthetic outline, scaled about its centroid to the county's real area (1,047 km²)."""
    outline = Polygon(yk.OUTLINE)
    lat = outline.centroid.y
    km2_per_deg2 = 111.32 * 111.32 * math.cos(math.radians(lat))
    factor = math.sqrt(yk.AREA_KM2 / (outline.area * km2_per_deg2))
    return shapely.affinity.scale(outline, factor, factor, origin="centroid")


def build_territory(seed: int, scale: Scale = FULL) -> list[TerritoryRow]:
    """Every region of the demo county, parents before children."""
    rng = random.Random(seed)
    county = _county_outline()
    rows = [
        _row(yk.COUNTY_CODE, yk.COUNTY_NAME, Level.COUNTY, None, shapely.set_precision(county, PRECISION))
    ]
    rows[0].synthetic = True  # the outline is synthetic even though the county is real
    township_cells = _cells(county, [Point(c) for _, _, c, _ in yk.TOWNSHIPS])
    for (segment, name, _, population), t_cell in zip(yk.TOWNSHIPS, township_cells, strict=True):
        t_code = f"{yk.COUNTY_CODE}{segment}000"
        rows.append(_row(t_code, name, Level.TOWNSHIP, yk.COUNTY_CODE, t_cell))
        rows.extend(_township_children(rng, t_code, name, t_cell, population, scale))
    return rows


def _township_children(rng, t_code, t_name, t_cell, population, scale: Scale) -> list[TerritoryRow]:
    grid_total = max(1, round(population / yk.RESIDENTS_PER_GRID))
    n_villages = scale.villages_per_township or max(2, round(grid_total / yk.GRIDS_PER_VILLAGE))
    is_street = t_name.endswith("街道")
    # Streets are mostly communities (codes 001–199), towns mostly villages (200–399).
    n_communities = max(1, round(n_villages * (0.6 if is_street else 0.1)))
    village_cells = _cells(t_cell, _sample_points(t_cell, n_villages, rng))
    order = _reading_order(village_cells)
    used: set[str] = set()
    rows = []
    per_village = _split(grid_total, n_villages, rng) if scale.grids_per_village is None else None
    community_seq = village_seq = 0
    for position, index in enumerate(order):
        community = position < n_communities
        if community:
            community_seq += 1
            segment = community_seq
        else:
            village_seq += 1
            segment = 200 + village_seq
        v_code = f"{t_code[:9]}{segment:03d}"
        v_name = _village_name(rng, used, community)
        v_cell = village_cells[index]
        rows.append(_row(v_code, v_name, Level.VILLAGE, t_code, v_cell))
        n_grids = scale.grids_per_village or per_village[position]
        grid_cells = _cells(v_cell, _sample_points(v_cell, n_grids, rng))
        per_grid = population / grid_total
        for seq, g_index in enumerate(_reading_order(grid_cells), start=1):
            residents = int(per_grid * rng.uniform(0.9, 1.1))
            rows.append(
                _row(
                    f"{v_code}{seq:03d}",
                    f"{v_name}第{seq}网格",
                    Level.GRID,
                    v_code,
                    grid_cells[g_index],
                    residents,
                )
            )
    return rows


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split `total` grids over `parts` villages, each at least one, roughly even."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % parts] += 1
    return counts
