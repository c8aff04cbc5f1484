"""Webhook subscription pages (/webhooks/): an administrator adds an endpoint (its signing secret
shown once), chooses which event actions it hears, disables and enables it, gives it a new secret
and reads the delivery log page by page; bad input is refused in Chinese and creates nothing;
every change is audited; only county administrators get in."""

import hashlib
import hmac
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from shapely.geometry import shape

from gridgov.accounts.choices import Role
from gridgov.accounts.models import Unit, User
from gridgov.audit.actor import Actor
from gridgov.audit.models import AuditEntry
from gridgov.events.services import Report, dispatch_event, report_event
from gridgov.integration import webhooks
from gridgov.integration.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

TUESDAY = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _working_tuesday(time_machine):
    time_machine.move_to(TUESDAY, tick=False)


@pytest.fixture(autouse=True)
def _no_cached_endpoints():
    webhooks.forget_endpoints()
    yield
    webhooks.forget_endpoints()


def text(response) -> str:
    return response.content.decode()


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def signed_with(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def reported(grid_worker):
    point = shape(grid_worker.unit.territory.geometry).representative_point()
    return report_event(
        Actor(user=grid_worker),
        Report(channel="grid_patrol", description="路边一堆生活垃圾没人清理", lon=point.x, lat=point.y),
    ).event


def add_endpoint(client, url, actions=("dispatch",), name="12345 热线平台"):
    """Add through the page; returns (endpoint, the secret shown once)."""
    response = client.post(
        "/webhooks/new/", {"name": name, "url": url, "actions": list(actions)}, follow=True
    )
    return response.context["endpoint"], response.context["secret"]["value"]


# -- adding and delivering -------------------------------------------------------------------------


def test_an_added_endpoint_hears_its_actions_signed_with_the_secret_shown_once(
    client_for, sysadmin, receiver, grid_worker, dispatcher_a
):
    client = client_for(sysadmin)
    response = client.post(
        "/webhooks/new/",
        {"name": "12345 热线平台", "url": receiver.url, "actions": ["dispatch"]},
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    secret = response.context["secret"]["value"]
    assert response.redirect_chain == [(f"/webhooks/{endpoint.pk}/", 302)]
    assert secret in text(response) and endpoint.secret == secret and endpoint.actions == ["dispatch"]
    assert response["Cache-Control"] == "no-store"
    assert secret not in text(client.get(f"/webhooks/{endpoint.pk}/"))
    [row] = AuditEntry.objects.filter(action="webhook.create", object_id=str(endpoint.pk))
    assert row.actor == sysadmin and secret not in str(row.summary) and receiver.url in row.summary_text

    event = reported(grid_worker)  # "report" is not subscribed
    dispatch_event(Actor(user=dispatcher_a), event.pk)
    assert list(WebhookDelivery.objects.values_list("action", flat=True)) == ["dispatch"]
    assert webhooks.deliver_due() == {"delivered": 1, "retry": 0, "failed": 0}
    headers, body = receiver.received[0]
    assert headers["X-Gridgov-Signature"] == signed_with(secret, body)

    log = text(client.get(f"/webhooks/{endpoint.pk}/"))
    assert event.number in log and "已送达" in log and "派遣" in log
    listing = text(client.get("/webhooks/"))
    assert "12345 热线平台" in listing and receiver.url in listing and "派遣" in listing


def test_no_action_chosen_means_every_action(client_for, sysadmin, receiver, grid_worker):
    endpoint, _ = add_endpoint(client_for(sysadmin), receiver.url, actions=())
    assert endpoint.actions == []
    reported(grid_worker)
    assert WebhookDelivery.objects.filter(endpoint=endpoint, action="report").count() == 1


def test_a_disabled_endpoint_gets_no_new_deliveries_until_enabled_again(
    client_for, sysadmin, receiver, grid_worker
):
    client = client_for(sysadmin)
    endpoint, _ = add_endpoint(client, receiver.url, actions=())

    response = client.post(f"/webhooks/{endpoint.pk}/active/", {"active": "0"}, follow=True)
    assert "已停用“12345 热线平台”：不再产生新的投递。" in flashes(response)
    reported(grid_worker)
    assert not WebhookDelivery.objects.exists()

    client.post(f"/webhooks/{endpoint.pk}/active/", {"active": "1"})
    reported(grid_worker)
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1
    actions = AuditEntry.objects.filter(object_type="integration.webhookendpoint", object_id=str(endpoint.pk))
    assert sorted(actions.values_list("action", flat=True)) == [
        "webhook.create",
        "webhook.disable",
        "webhook.enable",
    ]


def test_a_new_secret_is_shown_once_and_signs_what_is_sent_from_then_on(
    client_for, sysadmin, receiver, grid_worker
):
    client = client_for(sysadmin)
    endpoint, old_secret = add_endpoint(client, receiver.url, actions=())
    reported(grid_worker)

    response = client.post(f"/webhooks/{endpoint.pk}/secret/", follow=True)

    new_secret = response.context["secret"]["value"]
    assert new_secret != old_secret and new_secret in text(response)
    webhooks.deliver_due()
    headers, body = receiver.received[0]
    assert headers["X-Gridgov-Signature"] == signed_with(new_secret, body)
    assert AuditEntry.objects.filter(action="webhook.rotate_secret", object_id=str(endpoint.pk)).count() == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"url": "not a url"}, "接收地址“not a url”不是有效的网址（应以 https:// 或 http:// 开头）"),
        ({"url": "ftp://files.example.gov.cn/in"}, "不是有效的网址"),
        ({"url": "javascript:alert(1)"}, "不是有效的网址"),
        ({"url": "https://example.gov.cn/" + "a" * 500}, "接收地址最长 500 个字符"),
        ({"url": ""}, "请填写接收地址"),
        ({"name": "  "}, "请填写名称"),
        ({"actions": ["dispatch", "explode"]}, "未知的事件动作：explode"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_creates_nothing(client_for, sysadmin, form, message):
    values = {"name": "热线平台", "url": "https://example.gov.cn/hook", "actions": ["dispatch"], **form}
    response = client_for(sysadmin).post("/webhooks/new/", values)
    assert response.status_code == 200 and message in text(response)
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="webhook.").exists()
    assert 'value="dispatch" checked' in text(response)  # what was chosen stays chosen


# -- the delivery log ------------------------------------------------------------------------------


@pytest.fixture
def busy_log():
    """Two endpoints, 120 deliveries: 100 delivered, 15 pending after failures, 5 given up."""
    hotline = WebhookEndpoint.objects.create(name="热线", url="https://a.example/h", secret="s")
    city = WebhookEndpoint.objects.create(name="市平台", url="https://b.example/h", secret="s")
    now = TUESDAY
    rows = [
        WebhookDelivery(
            endpoint=hotline if n % 2 else city,
            action="dispatch",
            event_number=f"YK2026112400{n:04d}",
            payload={},
            state=WebhookDelivery.State.DELIVERED,
            attempts=1,
            last_status=200,
        )
        for n in range(100)
    ]
    rows += [
        WebhookDelivery(
            endpoint=hotline,
            action="close",
            event_number=f"YK2026112401{n:04d}",
            payload={},
            attempts=3,
            last_status=503,
            last_error="HTTP Error 503: Service Unavailable",
            next_attempt_at=now + timedelta(minutes=2),
        )
        for n in range(15)
    ]
    rows += [
        WebhookDelivery(
            endpoint=city,
            action="close",
            event_number=f"YK2026112402{n:04d}",
            payload={},
            state=WebhookDelivery.State.FAILED,
            attempts=8,
            last_error="<urlopen error [Errno 111] Connection refused>",
        )
        for n in range(5)
    ]
    WebhookDelivery.objects.bulk_create(rows)
    return hotline, city


def test_the_delivery_log_pages_through_every_delivery_within_a_query_budget(
    client_for, sysadmin, busy_log, django_assert_max_num_queries
):
    client = client_for(sysadmin)
    with django_assert_max_num_queries(9):
        first = client.get("/webhooks/deliveries/")
    assert first.context["paginator"].count == 120 and len(first.context["deliveries"]) == 50
    assert "第 1 / 3 页" in text(first) and "page=2" in text(first)
    last = client.get("/webhooks/deliveries/", {"page": 3})
    assert len(last.context["deliveries"]) == 20


def test_the_log_shows_attempts_next_retry_response_code_and_error(client_for, sysadmin, busy_log):
    page = text(client_for(sysadmin).get("/webhooks/deliveries/", {"state": "pending"}))
    assert "3/8" in page and "11-24 09:02:00" in page and "503" in page and "Service Unavailable" in page
    given_up = client_for(sysadmin).get("/webhooks/deliveries/", {"state": "failed"})
    assert given_up.context["paginator"].count == 5
    assert "已放弃" in text(given_up) and "Connection refused" in text(given_up)


def test_the_log_filters_by_endpoint_and_event(client_for, sysadmin, busy_log):
    hotline, city = busy_log
    client = client_for(sysadmin)
    assert client.get("/webhooks/deliveries/", {"endpoint": city.pk}).context["paginator"].count == 55
    assert client.get(f"/webhooks/{hotline.pk}/").context["paginator"].count == 65
    by_event = client.get("/webhooks/deliveries/", {"event": "YK20261124000007"}).context["deliveries"]
    assert [d.endpoint for d in by_event] == [hotline]


def test_the_endpoint_list_counts_deliveries_by_state_within_a_query_budget(
    client_for, sysadmin, busy_log, django_assert_max_num_queries
):
    client = client_for(sysadmin)
    with django_assert_max_num_queries(8):
        response = client.get("/webhooks/")
    counts = {e.name: (e.pending, e.failed, e.delivered) for e in response.context["endpoints"]}
    assert counts == {"热线": (15, 0, 50), "市平台": (0, 5, 50)}


def test_an_unknown_endpoint_is_404(client_for, sysadmin):
    client = client_for(sysadmin)
    assert client.get("/webhooks/999999/").status_code == 404
    assert client.post("/webhooks/999999/active/", {"active": "0"}).status_code == 404


# -- who gets in ----------------------------------------------------------------------------------

PAGES = ["/webhooks/", "/webhooks/new/", "/webhooks/deliveries/"]


@pytest.mark.parametrize("path", PAGES)
def test_other_roles_get_403(client_for, path, county_dispatcher, dispatcher_a, leader, grid_worker):
    for user in (county_dispatcher, dispatcher_a, leader, grid_worker):
        assert client_for(user).get(path).status_code == 403


def test_a_township_administrator_gets_403_and_changes_nothing(client_for):
    township_admin = User.objects.create_user(
        "dongcheng_admin", unit=Unit.objects.get(code="t001-command"), role=Role.ADMINISTRATOR
    )
    client = client_for(township_admin)
    assert client.get("/webhooks/").status_code == 403
    response = client.post("/webhooks/new/", {"name": "x", "url": "https://example.gov.cn/h"})
    assert response.status_code == 403 and not WebhookEndpoint.objects.exists()


def test_others_cannot_disable_an_endpoint(client_for, county_dispatcher):
    endpoint = WebhookEndpoint.objects.create(name="热线", url="https://a.example/h", secret="s")
    assert (
        client_for(county_dispatcher).post(f"/webhooks/{endpoint.pk}/active/", {"active": "0"}).status_code
        == 403
    )
    endpoint.refresh_from_db()
    assert endpoint.is_active


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_go_to_the_login_page(path):
    response = Client().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
