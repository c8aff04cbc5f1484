"""Outbound webhooks for event state changes: queued in the same transaction as the change,
sent by the scheduler, signed with HMAC-SHA256, retried with exponential back-off, logged."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gridgov.core import caches

from .models import WebhookDelivery, WebhookEndpoint

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
TIMEOUT_SECONDS = 10
BATCH = 100
_endpoints: tuple[float, list[WebhookEndpoint]] = (0.0, [])
ENDPOINTS_TTL = 10.0


def active_endpoints() -> list[WebhookEndpoint]:
    """Cached for a few seconds: this is read on every event transition."""
    global _endpoints
    expires, endpoints = _endpoints
    if time.monotonic() >= expires:
        endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
        _endpoints = (time.monotonic() + ENDPOINTS_TTL, endpoints)
    return endpoints


def forget_endpoints() -> None:
    global _endpoints
    _endpoints = (0.0, [])


def queue(action: str, event, history) -> int:
    """Queue one delivery per subscribed endpoint; called inside the transition's transaction."""
    endpoints = [e for e in active_endpoints() if e.wants(action)]
    if not endpoints:
        return 0
    payload = {
        "action": action,
        "event": event.number,
        "from_state": history.from_state,
        "to_state": history.to_state,
        "matter": event.matter.code,
        "grid": event.grid.code,
        "owner_unit": event.owner_unit.code,
        "reason": history.reason,
        "at": history.at.isoformat(),
    }
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=e, action=action, event_number=event.number, payload=payload, next_attempt_at=now
        )
        for e in endpoints
    )
    return len(endpoints)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def _claim(delivery_id: int, now) -> bool:
    """Take a due delivery: push its next attempt into the future so another sender skips it."""
    return (
        WebhookDelivery.objects.filter(
            pk=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + timedelta(seconds=TIMEOUT_SECONDS * 3))
        == 1
    )


def send(delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "gridgov-webhook/1",
            "X-Gridgov-Delivery": str(delivery.pk),
            "X-Gridgov-Action": delivery.action,
            "X-Gridgov-Signature": signature(delivery.endpoint.secret, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, str(exc)[:500]
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(exc)[:500]


def deliver_due(now=None) -> dict[str, int]:
    """Send what is due; each delivery is claimed first, so two senders never send it twice."""
    now = now or timezone.now()
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    due = list(
        # A disabled endpoint's queued deliveries wait (they go out if it is enabled again).
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:BATCH]
    )
    for delivery_id in due:
        if not _claim(delivery_id, now):
            continue
        delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
        status, error = send(delivery)
        attempts = delivery.attempts + 1
        with transaction.atomic():
            if status is not None and 200 <= status < 300:
                WebhookDelivery.objects.filter(pk=delivery_id).update(
                    state=WebhookDelivery.State.DELIVERED,
                    attempts=F("attempts") + 1,
                    last_status=status,
                    last_error="",
                    delivered_at=timezone.now(),
                    next_attempt_at=None,
                )
                counts["delivered"] += 1
            elif attempts >= MAX_ATTEMPTS:
                WebhookDelivery.objects.filter(pk=delivery_id).update(
                    state=WebhookDelivery.State.FAILED,
                    attempts=attempts,
                    last_status=status,
                    last_error=error or f"HTTP {status}",
                    next_attempt_at=None,
                )
                counts["failed"] += 1
            else:
                WebhookDelivery.objects.filter(pk=delivery_id).update(
                    attempts=attempts,
                    last_status=status,
                    last_error=error or f"HTTP {status}",
                    next_attempt_at=timezone.now() + backoff(attempts),
                )
                counts["retry"] += 1
    return counts


caches.register(forget_endpoints)
