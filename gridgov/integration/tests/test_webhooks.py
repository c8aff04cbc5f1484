"""Outbound webhooks: queued with the state change, signed, retried with back-off, logged."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from shapely.geometry import shape

from gridgov.audit.actor import Actor
from gridgov.events.services import Report, dispatch_event, report_event
from gridgov.integration import webhooks
from gridgov.integration.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(receiver):
    webhooks.forget_endpoints()
    yield WebhookEndpoint.objects.create(
        name="市级平台", url=receiver.url, secret="s3cret", actions=["dispatch"]
    )
    webhooks.forget_endpoints()


def _dispatched_event(grid_worker, dispatcher_a):
    point = shape(grid_worker.unit.territory.geometry).representative_point()
    event = report_event(
        Actor(user=grid_worker),
        Report(channel="grid_patrol", description="路边一堆生活垃圾没人清理", lon=point.x, lat=point.y),
    ).event
    dispatch_event(Actor(user=dispatcher_a), event.pk)
    return event


def test_a_subscribed_transition_is_delivered_signed(endpoint, receiver, grid_worker, dispatcher_a):
    event = _dispatched_event(grid_worker, dispatcher_a)
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1  # "report" is not subscribed
    assert webhooks.deliver_due() == {"delivered": 1, "retry": 0, "failed": 0}
    headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Gridgov-Signature"] == expected
    payload = json.loads(body)
    assert payload["event"] == event.number and payload["to_state"] == "dispatched"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.state == "delivered" and delivery.last_status == 200
    assert webhooks.deliver_due() == {"delivered": 0, "retry": 0, "failed": 0}  # never sent twice


def test_a_failing_endpoint_is_retried_with_back_off_then_given_up(
    endpoint, receiver, grid_worker, dispatcher_a
):
    receiver.status = 500
    _dispatched_event(grid_worker, dispatcher_a)
    assert webhooks.deliver_due()["retry"] == 1
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.attempts == 1 and delivery.last_status == 500
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert webhooks.deliver_due()["retry"] == 0  # not due yet
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhooks.deliver_due()
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == webhooks.MAX_ATTEMPTS
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS


def test_back_off_doubles_and_is_capped():
    assert webhooks.backoff(1) == timedelta(seconds=30)
    assert webhooks.backoff(2) == timedelta(seconds=60)
    assert webhooks.backoff(20) == webhooks.MAX_DELAY


def test_an_unreachable_endpoint_is_logged_not_raised(grid_worker, dispatcher_a):
    webhooks.forget_endpoints()
    WebhookEndpoint.objects.create(name="坏地址", url="http://127.0.0.1:9/nothing", secret="x")
    _dispatched_event(grid_worker, dispatcher_a)
    counts = webhooks.deliver_due()
    assert counts["retry"] >= 1
    assert WebhookDelivery.objects.exclude(last_error="").exists()
    webhooks.forget_endpoints()
