"""Possible duplicates of a new report: open events of the same matter, nearby, recent, with
similar text. They are offered for merging, never merged automatically."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from gridgov.matters.lookup import matter_ids_with_code

from .choices import OPEN_STATES
from .models import Event

WINDOW = timedelta(days=30)
MIN_SIMILARITY = 30.0  # same matter within the radius is already strong evidence
EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class DuplicateCandidate:
    event: Event
    distance_m: float
    similarity: float


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def find_duplicates(
    matter_code: str,
    lon: float,
    lat: float,
    text: str,
    radius_m: int,
    now: datetime,
    exclude_id: int | None = None,
) -> list[DuplicateCandidate]:
    if radius_m <= 0:
        return []  # person-specific matters are never merged by place
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    candidates = (
        Event.objects.filter(
            matter_id__in=matter_ids_with_code(matter_code),
            state__in=OPEN_STATES,
            reported_at__gte=now - WINDOW,
            lon__range=(lon - dlon, lon + dlon),
            lat__range=(lat - dlat, lat + dlat),
        )
        .exclude(pk=exclude_id)
        # Only what the comparison and the answer need: the full rows (and the matter's example
        # texts) cost more to build than the query takes to run.
        .only("id", "number", "state", "description", "lon", "lat", "reported_at", "matter_id")
        .order_by()[:50]
    )
    found = []
    for event in candidates:
        meters = distance_m(lon, lat, event.lon, event.lat)
        if meters > radius_m:
            continue
        similarity = fuzz.token_set_ratio(text, event.description)
        if similarity >= MIN_SIMILARITY:
            found.append(DuplicateCandidate(event, round(meters, 1), round(similarity, 1)))
    return sorted(found, key=lambda d: (-d.similarity, d.distance_m))[:10]
