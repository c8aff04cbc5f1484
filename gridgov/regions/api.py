from ninja import Router, Schema
from pydantic import Field

from gridgov.accounts.jurisdiction import territory_of
from gridgov.core.api import InvalidInput

from .choices import Level
from .codes import key_for
from .locate import locate
from .models import Region
from .selectors import (
    children_for,
    feature_collection,
    get_region_for_user,
    regions_at_level,
    visible_ancestors,
)

router = Router(tags=["区划"])

MAX_LOCATE_POINTS = 10_000
LEVELS = {level.name.lower(): level for level in Level}


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    residents: int
    synthetic: bool
    bbox: list[float] | None = None
    child_count: int | None = None

    @staticmethod
    def of(region: Region, child_count: int | None = None) -> "RegionOut":
        parent_code = region.parent.code if region.parent_id and region.parent else None
        return RegionOut(
            code=region.code,
            name=region.name,
            level=Level(region.level).name.lower(),
            parent_code=parent_code,
            residents=region.residents,
            synthetic=region.synthetic,
            bbox=list(region.bbox) if region.bbox else None,
            child_count=child_count,
        )


class RegionDetailOut(RegionOut):
    ancestors: list[RegionOut]
    children: list[RegionOut]


class LocateIn(Schema):
    points: list[tuple[float, float]] = Field(..., min_length=1, description="[[经度, 纬度], …]")
    crs: str = Field("wgs84", description="wgs84 或 gcj02")


class LocateOut(Schema):
    grids: list[str | None]


def _tree_rows(user, parent):
    return [RegionOut.of(r, r.child_count) for r in children_for(user, parent).select_related("parent")]


@router.get(
    "/tree", response=list[RegionOut], summary="区划树：某区划的下级（不传 parent 时为本人管辖范围的顶层）"
)
def tree(request, parent: str | None = None):
    parent_region = get_region_for_user(request.user, parent) if parent else None
    return _tree_rows(request.user, parent_region)


@router.post("/locate", response=LocateOut, summary="坐标定位到网格（超出管辖范围或县域的点返回 null）")
def locate_points(request, payload: LocateIn):
    if len(payload.points) > MAX_LOCATE_POINTS:
        raise InvalidInput(f"一次最多定位 {MAX_LOCATE_POINTS} 个点")
    try:
        codes = locate(payload.points, payload.crs)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    scope = territory_of(request.user)
    visible = [code if code is not None and key_for(code) in scope else None for code in codes]
    return LocateOut(grids=visible)


@router.get("/{code}", response=RegionDetailOut, summary="区划详情")
def detail(request, code: str):
    region = get_region_for_user(request.user, code)
    base = RegionOut.of(region)
    return RegionDetailOut(
        **base.dict(),
        ancestors=[RegionOut.of(a) for a in visible_ancestors(request.user, region)],
        children=_tree_rows(request.user, region),
    )


@router.get("/{code}/geojson", summary="区划及下级边界（GeoJSON FeatureCollection）")
def geojson(request, code: str, level: str = "grid"):
    region = get_region_for_user(request.user, code)
    if level not in LEVELS:
        raise InvalidInput(f"level 应为 {', '.join(LEVELS)} 之一")
    return feature_collection(regions_at_level(request.user, region, LEVELS[level]).select_related("parent"))
