"""Keyset pagination: "the next 50 after this row" instead of OFFSET, so page 2,000 of a 100,000-row
list costs what page 1 costs. Rows are ordered by a timestamp and the primary key, both descending."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None
    is_first: bool


def encode_cursor(at: datetime, pk: int) -> str:
    return f"{at.isoformat()}~{pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The (timestamp, id) of a cursor, or None for a missing or malformed one (→ first page)."""
    try:
        at, pk = cursor.rsplit("~", 1)
        moment = datetime.fromisoformat(at)
        return (moment, int(pk)) if moment.tzinfo else None
    except (AttributeError, ValueError):
        return None


def keyset_page(rows: QuerySet, cursor: str | None, *, field: str, size: int = 50) -> KeysetPage:
    """One page of `rows` ordered by (`field`, id) descending, starting after `cursor`."""
    rows = rows.order_by(f"-{field}", "-id")
    after = decode_cursor(cursor) if cursor else None
    if after is not None:
        at, pk = after
        rows = rows.filter(Q(**{f"{field}__lt": at}) | Q(**{field: at, "id__lt": pk}))
    found = list(rows[: size + 1])
    page, more = found[:size], len(found) > size
    last = page[-1] if page else None
    next_cursor = encode_cursor(getattr(last, field), last.pk) if more and last else None
    return KeysetPage(rows=page, next_cursor=next_cursor, is_first=after is None)
