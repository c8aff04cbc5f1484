"""State changes of webhook subscriptions. Each writes an audit row in its transaction and makes
every process re-read the active endpoints (`webhooks.active_endpoints` caches them briefly)."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from gridgov.audit.actor import Actor
from gridgov.audit.models import ACTION_LABELS
from gridgov.audit.services import record
from gridgov.core import clock

from .models import WebhookEndpoint
from .webhooks import forget_endpoints

URL_MAX = 500
NAME_MAX = 80


class WebhookInputError(ValueError):
    """Input that cannot make a subscription; the message says what is wrong, in Chinese."""


def event_actions() -> dict[str, str]:
    """The event actions an endpoint can subscribe to (those a history row can carry), with labels."""
    return {key[len("event.") :]: label for key, label in ACTION_LABELS.items() if key.startswith("event.")}


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _clean(name: str, url: str, actions: list[str]) -> tuple[str, str, list[str]]:
    name, url = (name or "").strip(), (url or "").strip()
    if not name:
        raise WebhookInputError("请填写名称")
    if len(name) > NAME_MAX:
        raise WebhookInputError(f"名称最多 {NAME_MAX} 个字")
    if not url:
        raise WebhookInputError("请填写接收地址")
    if len(url) > URL_MAX:
        raise WebhookInputError(f"接收地址最长 {URL_MAX} 个字符")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise WebhookInputError(f"接收地址“{url}”不是有效的网址（应以 https:// 或 http:// 开头）") from exc
    known = event_actions()
    unknown = [a for a in actions if a not in known]
    if unknown:
        raise WebhookInputError(f"未知的事件动作：{'、'.join(unknown)}")
    return name, url, sorted(set(actions))


def _forget_everywhere() -> None:
    forget_endpoints()
    transaction.on_commit(forget_endpoints)


def create_endpoint(
    actor: Actor, *, name: str, url: str, actions: list[str] | tuple[str, ...] = ()
) -> tuple[WebhookEndpoint, str]:
    """Subscribe `url` to event changes (`actions`, empty for all); returns the endpoint and its
    signing secret, which is shown once and never written to the audit log."""
    name, url, actions = _clean(name, url, list(actions))
    secret = new_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(name=name, url=url, secret=secret, actions=actions)
        record(actor, "webhook.create", endpoint, after={"name": name, "url": url, "actions": actions})
        _forget_everywhere()
    return endpoint, secret


def set_endpoint_active(actor: Actor, endpoint: WebhookEndpoint, active: bool) -> bool:
    """Enable or disable an endpoint; returns whether anything changed. A disabled endpoint gets
    no new deliveries; its delivery log stays."""
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=not active).update(
            is_active=active, updated_at=clock.now()
        )
        if changed:
            record(
                actor,
                "webhook.enable" if active else "webhook.disable",
                endpoint,
                before={"is_active": not active},
                after={"is_active": active},
            )
            _forget_everywhere()
    endpoint.is_active = active
    return bool(changed)


def rotate_secret(actor: Actor, endpoint: WebhookEndpoint) -> str:
    """Give the endpoint a new signing secret and return it; deliveries from now on are signed with it."""
    secret = new_secret()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.secret = secret
        locked.save(update_fields=["secret", "updated_at"])
        record(actor, "webhook.rotate_secret", locked)
        _forget_everywhere()
    endpoint.secret = secret
    return secret
