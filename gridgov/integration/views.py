"""Webhook subscription pages (/webhooks/): the endpoints, adding one (its signing secret shown
once), disabling and enabling, a new secret, and the delivery log with paging."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts.views_admin import county_administrator_required, no_store, pop_shown_once, show_once
from gridgov.audit.actor import Actor

from .models import WebhookDelivery, WebhookEndpoint
from .services import WebhookInputError, create_endpoint, event_actions, rotate_secret, set_endpoint_active
from .webhooks import MAX_ATTEMPTS

PAGE_SIZE = 50
State = WebhookDelivery.State


def _endpoint(pk: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=pk).first()
    if endpoint is None:
        raise Http404("没有这个 Webhook 订阅")
    return endpoint


def _deliveries_page(request, deliveries):
    """The delivery log filtered by ?state= and ?event=, one page of it."""
    state = request.GET.get("state", "")
    if state in State.values:
        deliveries = deliveries.filter(state=state)
    if number := request.GET.get("event", "").strip():
        deliveries = deliveries.filter(event_number=number)
    page = Paginator(deliveries.select_related("endpoint"), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = event_actions()
    for delivery in page.object_list:
        delivery.action_label = labels.get(delivery.action, delivery.action)
    return {
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "deliveries": page.object_list,
        "states": State.choices,
        "max_attempts": MAX_ATTEMPTS,
    }


def _labels(actions: list[str]) -> list[str]:
    known = event_actions()
    return [known.get(a, a) for a in actions]


@county_administrator_required
@require_GET
def endpoint_list(request):
    endpoints = list(
        WebhookEndpoint.objects.annotate(
            pending=Count("deliveries", filter=Q(deliveries__state=State.PENDING)),
            failed=Count("deliveries", filter=Q(deliveries__state=State.FAILED)),
            delivered=Count("deliveries", filter=Q(deliveries__state=State.DELIVERED)),
            last_delivery=Max("deliveries__created_at"),
        ).order_by("-is_active", "name")
    )
    for endpoint in endpoints:
        endpoint.action_labels = _labels(endpoint.actions)
    return render(request, "integration/endpoint_list.html", {"endpoints": endpoints})


@county_administrator_required
def endpoint_create(request):
    actions = event_actions()
    values = {"name": "", "url": "", "actions": []}
    error = None
    if request.method == "POST":
        values = {
            "name": request.POST.get("name", ""),
            "url": request.POST.get("url", ""),
            "actions": request.POST.getlist("actions"),
        }
        try:
            endpoint, secret = create_endpoint(Actor.from_request(request), **values)
        except WebhookInputError as exc:
            error = str(exc)
        else:
            show_once(request, f"webhook-{endpoint.pk}", "签名密钥", secret)
            messages.success(request, f"已添加 Webhook 订阅“{endpoint.name}”。请把签名密钥配置到接收方。")
            return redirect("webhooks:detail", pk=endpoint.pk)
    return render(
        request,
        "integration/endpoint_form.html",
        {"values": values, "error": error, "actions": list(actions.items())},
    )


@county_administrator_required
@require_GET
def endpoint_detail(request, pk: int):
    endpoint = _endpoint(pk)
    endpoint.action_labels = _labels(endpoint.actions)
    context = _deliveries_page(request, endpoint.deliveries.all())
    context.update(
        endpoint=endpoint,
        secret=pop_shown_once(request, f"webhook-{endpoint.pk}"),
        counts=endpoint.deliveries.aggregate(
            pending=Count("pk", filter=Q(state=State.PENDING)),
            failed=Count("pk", filter=Q(state=State.FAILED)),
            delivered=Count("pk", filter=Q(state=State.DELIVERED)),
        ),
    )
    return no_store(render(request, "integration/endpoint_detail.html", context))


@county_administrator_required
@require_POST
def endpoint_set_active(request, pk: int):
    endpoint = _endpoint(pk)
    active = request.POST.get("active") == "1"
    if not set_endpoint_active(Actor.from_request(request), endpoint, active):
        messages.info(request, "订阅状态没有变化。")
    elif active:
        messages.success(request, f"已启用“{endpoint.name}”：此后的事件变化会推送给它。")
    else:
        messages.success(request, f"已停用“{endpoint.name}”：不再产生新的投递。")
    return redirect("webhooks:detail", pk=endpoint.pk)


@county_administrator_required
@require_POST
def endpoint_rotate_secret(request, pk: int):
    endpoint = _endpoint(pk)
    secret = rotate_secret(Actor.from_request(request), endpoint)
    show_once(request, f"webhook-{endpoint.pk}", "新的签名密钥", secret)
    messages.success(request, "已更换签名密钥：旧密钥立即失效，尚未发出的投递也用新密钥签名。")
    return redirect("webhooks:detail", pk=endpoint.pk)


@county_administrator_required
@require_GET
def delivery_log(request):
    deliveries = WebhookDelivery.objects.all()
    endpoints = list(WebhookEndpoint.objects.order_by("name"))
    chosen = request.GET.get("endpoint", "")
    if chosen.isdigit():
        deliveries = deliveries.filter(endpoint_id=int(chosen))
    context = _deliveries_page(request, deliveries)
    context.update(endpoints=endpoints, chosen=chosen)
    return render(request, "integration/delivery_log.html", context)
