"""Per-process caches of published catalogue data, for the intake hot path.

A published version never changes, so its matters and rules can be kept in memory for as long
as the process lives. Only "which version is current" can change: it is re-read at most every
CURRENT_TTL seconds, and at once in the process that publishes (`forget_current`).
"""

import threading
import time

from gridgov.core import caches

from .models import CatalogueVersion, Matter, RoutingRule

CURRENT_TTL = 5.0
_lock = threading.Lock()
_current: tuple[float, CatalogueVersion | None] = (0.0, None)
_matters: dict[int, dict[str, Matter]] = {}
_rules: dict[int, dict[str, list[RoutingRule]]] = {}


def current_version() -> CatalogueVersion | None:
    global _current
    expires, version = _current
    if time.monotonic() < expires:
        return version
    version = CatalogueVersion.objects.current()
    _current = (time.monotonic() + CURRENT_TTL, version)
    return version


def forget_current() -> None:
    global _current
    _current = (0.0, None)


def _published(version: CatalogueVersion) -> bool:
    # Drafts can still change, so they are never cached.
    return version.status != "draft"


def matter_by_code(version: CatalogueVersion, code: str) -> Matter | None:
    if not _published(version):
        return Matter.objects.filter(version=version, code=code).select_related("version").first()
    matters = _matters.get(version.pk)
    if matters is None:
        with _lock:
            matters = {m.code: m for m in Matter.objects.filter(version=version).select_related("version")}
            _matters[version.pk] = matters
    return matters.get(code)


def rules_for(version_id: int, matter_code: str, *, published: bool = True) -> list[RoutingRule]:
    if not published:
        return list(RoutingRule.objects.filter(version_id=version_id, matter_code=matter_code))
    by_matter = _rules.get(version_id)
    if by_matter is None:
        with _lock:
            by_matter = {}
            for rule in RoutingRule.objects.filter(version_id=version_id).order_by("id"):
                by_matter.setdefault(rule.matter_code, []).append(rule)
            _rules[version_id] = by_matter
    return by_matter.get(matter_code, [])


_ids_by_code: dict[str, tuple[float, list[int]]] = {}


def matter_ids_with_code(code: str) -> list[int]:
    """Ids of the matter `code` in every version, so duplicates are found across versions.
    Re-read every CURRENT_TTL seconds: a newly published version adds an id."""
    expires, ids = _ids_by_code.get(code, (0.0, []))
    if time.monotonic() >= expires:
        ids = list(Matter.objects.filter(code=code).values_list("id", flat=True))
        _ids_by_code[code] = (time.monotonic() + CURRENT_TTL, ids)
    return ids


@caches.register
def forget_all_lookups() -> None:
    forget_current()
    _matters.clear()
    _rules.clear()
    _ids_by_code.clear()
