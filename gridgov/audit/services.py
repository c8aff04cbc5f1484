"""Writing the audit log. Every service that changes state calls `record` inside its transaction."""

from django.db import models

from .actor import Actor
from .models import AuditEntry

SUMMARY_LIMIT = 2000


def _short(value):
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "…"


def diff(before: dict, after: dict) -> dict:
    """Only the fields that changed, each shortened, for the before/after summary."""
    keys = sorted(set(before) | set(after))
    changed = [k for k in keys if before.get(k) != after.get(k)]
    return {
        "before": {k: _short(before.get(k)) for k in changed},
        "after": {k: _short(after.get(k)) for k in changed},
    }


def record(
    actor: Actor,
    action: str,
    target: models.Model | tuple[str, object],
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    summary: dict | None = None,
) -> AuditEntry:
    """Append one audit row. `target` is a model instance or an (object_type, object_id) pair."""
    if isinstance(target, models.Model):
        object_type, object_id = target._meta.label_lower, target.pk
    else:
        object_type, object_id = target
    if summary is None:
        summary = diff(before or {}, after or {}) if (before or after) else {}
    user = actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_label=str(actor)[:80],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary,
        reason=(reason or "")[:500],
        ip=actor.ip,
    )
