"""Reads of the territory, always through `restrict` so nobody sees outside their jurisdiction."""

from django.db.models import Count, Q

from gridgov.accounts.jurisdiction import EVERYWHERE, Action, get_object_for_user, territory_of

from .choices import Level
from .models import Region


def get_region_for_user(user, code: str, action: str = Action.VIEW) -> Region:
    """The region `code` if the user may `action` it; 404 alike for missing and out of scope."""
    return get_object_for_user(Region.objects.all(), user, action, code=code)


def root_regions_for(user):
    """Top of the user's visible tree: their unit's territory (the county for county-level users)."""
    regions = Region.objects.restrict(user)
    scope = territory_of(user)
    if scope == EVERYWHERE:
        return regions.filter(parent__isnull=True)
    return regions.filter(key=scope.low)


def with_child_counts(queryset):
    return queryset.annotate(child_count=Count("children"))


def children_for(user, parent: Region | None):
    """Children of `parent` (or the user's roots), each annotated with its number of children."""
    base = root_regions_for(user) if parent is None else Region.objects.restrict(user).filter(parent=parent)
    return with_child_counts(base).order_by("key")


def visible_ancestors(user, region: Region) -> list[Region]:
    scope = territory_of(user)
    return [a for a in region.ancestors() if a.key in scope]


def regions_at_level(user, root: Region, level: Level):
    return Region.objects.restrict(user).subtree(root).filter(level=level)


def feature_collection(regions) -> dict:
    """GeoJSON FeatureCollection of `regions` with the properties the map and the export need."""
    features = []
    for code, name, level, parent_code, residents, synthetic, geometry in regions.values_list(
        "code", "name", "level", "parent__code", "residents", "synthetic", "geometry"
    ):
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": code,
                    "name": name,
                    "level": Level(level).name.lower(),
                    "parent_code": parent_code,
                    "residents": residents,
                    "synthetic": synthetic,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def counts_by_level(user, root: Region) -> dict[str, int]:
    qs = Region.objects.restrict(user).subtree(root)
    return qs.aggregate(
        townships=Count("id", filter=Q(level=Level.TOWNSHIP)),
        villages=Count("id", filter=Q(level=Level.VILLAGE)),
        grids=Count("id", filter=Q(level=Level.GRID)),
    )
