"""Possible duplicates of a new report: open events of the same matter, nearby, recent, with
similar text. They are offered for merging, never merged automatically."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.db import connection
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


# What the comparison and the answer need; the other fields stay deferred (loaded if touched).
CANDIDATE_FIELDS = ("id", "number", "state", "description", "lon", "lat")
MAX_CANDIDATES = 50


@lru_cache(maxsize=64)
def _candidates_sql(vendor: str, matters: int, states: int, excluding: bool) -> str:
    """The candidate query for `matters` matter ids and `states` open states, written once per
    shape: it runs on every report, and building it through the ORM's filters cost four times
    what it takes to run. Columns come from the model, so a renamed field cannot go stale."""
    qn = connection.ops.quote_name
    meta = Event._meta

    def column(name: str) -> str:
        return qn(meta.get_field(name).column)

    def marks(n: int) -> str:
        return ", ".join(["%s"] * n)

    where = [
        f"{column('matter')} IN ({marks(matters)})",
        f"{column('state')} IN ({marks(states)})",
        f"{column('reported_at')} >= %s",
        f"{column('lon')} BETWEEN %s AND %s",
        f"{column('lat')} BETWEEN %s AND %s",
    ]
    if excluding:
        where.append(f"{column('id')} <> %s")
    return (
        f"SELECT {', '.join(column(f) for f in CANDIDATE_FIELDS)} FROM {qn(meta.db_table)} "
        f"WHERE {' AND '.join(where)} LIMIT {MAX_CANDIDATES}"
    )


def find_duplicates(
    matter_code: str,
    lon: float,
    lat: float,
    text: str,
    radius_m: int,
    now: datetime,
    exclude_id: int | None = None,
) -> list[DuplicateCandidate]:
    """Open events of the same matter (in any catalogue version) reported in the last WINDOW inside
    `radius_m` of the point, with similar text; best first, at most ten.

    The database narrows by matter, state and time (index `event_matter_open`, or the matter's
    foreign-key index) and by a bounding box of the radius; the exact distance and the text
    similarity are computed here on at most MAX_CANDIDATES rows."""
    if radius_m <= 0:
        return []  # person-specific matters are never merged by place
    matter_ids = matter_ids_with_code(matter_code)
    if not matter_ids:
        return []
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    states = sorted(OPEN_STATES)
    params = [
        *matter_ids,
        *states,
        connection.ops.adapt_datetimefield_value(now - WINDOW),
        lon - dlon,
        lon + dlon,
        lat - dlat,
        lat + dlat,
    ]
    if exclude_id is not None:
        params.append(exclude_id)
    sql = _candidates_sql(connection.vendor, len(matter_ids), len(states), exclude_id is not None)
    found = []
    for event in Event.objects.raw(sql, params):
        meters = distance_m(lon, lat, event.lon, event.lat)
        if meters > radius_m:
            continue
        similarity = fuzz.token_set_ratio(text, event.description)
        if similarity >= MIN_SIMILARITY:
            found.append(DuplicateCandidate(event, round(meters, 1), round(similarity, 1)))
    return sorted(found, key=lambda d: (-d.similarity, d.distance_m))[:10]
