"""领导总览: the supervision orders I or my unit issued, and per township of my territory the open
events, the overdue open ones and the on-time close rate of the last 30 days, each figure a link
to the event list filtered accordingly. Two grouped queries, whatever the number of townships."""

from datetime import timedelta
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Q
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from gridgov.accounts.choices import Role, UnitKind
from gridgov.core import clock
from gridgov.core.views import staff_required
from gridgov.regions.choices import KEY_DIGITS, SIGNIFICANT_DIGITS, Level
from gridgov.regions.models import Region

from ..choices import OPEN_STATES, EventState, SupervisionState
from ..models import Event, SupervisionOrder
from .inbox import event_url

WINDOW_DAYS = 30
ON_TIME_TARGET = 0.70  # Jinhua: 按期结案率 full marks from 70 % (DOMAIN §6)
ORDERS_PER_PAGE = 20
# A township's key is its 9 significant digits followed by zeros: key // scale names it.
TOWNSHIP_SCALE = 10 ** (KEY_DIGITS - SIGNIFICANT_DIGITS[Level.TOWNSHIP])
ORDER_TABS = [("open", "督办中"), ("answered", "已反馈"), ("closed", "已办结"), ("all", "全部")]


def may_lead(user) -> bool:
    """Leaders and supervisors anywhere, the county centre's dispatchers, superusers."""
    if user.is_superuser or user.role in (Role.LEADER, Role.SUPERVISOR):
        return True
    return user.role == Role.DISPATCHER and user.unit is not None and user.unit.kind == UnitKind.COUNTY_CENTRE


def queue_url(**params) -> str:
    """The event list (desk:queue) with GET filters."""
    try:
        base = reverse("desk:queue")
    except NoReverseMatch:
        base = "/events/"
    return f"{base}?{urlencode(params)}" if params else base


def township_rows(user, now) -> tuple[list[dict], dict]:
    """One row per township of the user's territory, and the totals."""
    townships = list(
        Region.objects.restrict(user)
        .filter(level=Level.TOWNSHIP)
        .order_by("key")
        .values("code", "name", "key")
    )
    since = now - timedelta(days=WINDOW_DAYS)
    closed = Q(state=EventState.CLOSED, closed_at__gte=since)
    open_ = Q(state__in=OPEN_STATES)
    grouped = (
        Event.objects.restrict(user)
        .filter(open_ | closed)
        .annotate(township=ExpressionWrapper(F("grid_key") / TOWNSHIP_SCALE, output_field=BigIntegerField()))
        .values("township")
        .annotate(
            open=Count("id", filter=open_),
            overdue=Count("id", filter=open_ & Q(overdue=True)),
            closed=Count("id", filter=closed),
            on_time=Count("id", filter=closed & Q(closed_on_time=True)),
        )
        .order_by()
    )
    figures = {row["township"]: row for row in grouped}
    rows = []
    totals = {"open": 0, "overdue": 0, "closed": 0, "on_time": 0}
    for t in townships:
        f = figures.get(t["key"] // TOWNSHIP_SCALE, {})
        row = {
            "code": t["code"],
            "name": t["name"],
            **{k: f.get(k, 0) for k in totals},
            "open_url": queue_url(township=t["code"]),
            "overdue_url": queue_url(township=t["code"], overdue=1),
            "closed_url": queue_url(township=t["code"], state=EventState.CLOSED, closed_days=WINDOW_DAYS),
        }
        for k in totals:
            totals[k] += row[k]
        rows.append(_with_rate(row))
    return rows, _with_rate(totals)


def _with_rate(row: dict) -> dict:
    row["rate"] = row["on_time"] / row["closed"] if row["closed"] else None
    row["below_target"] = row["rate"] is not None and row["rate"] < ON_TIME_TARGET
    return row


def supervision_orders(user):
    """Orders the user or the user's unit issued."""
    mine = Q(issued_by=user)
    if user.unit_id:
        mine |= Q(issuing_unit_id=user.unit_id)
    return SupervisionOrder.objects.filter(mine)


@staff_required
def overview(request):
    user = request.user
    if not may_lead(user):
        raise PermissionDenied("领导总览供领导、督查员和县级社会治理中心使用")
    now = clock.now()
    rows, totals = township_rows(user, now)
    orders = supervision_orders(user)
    counts = orders.aggregate(
        open=Count("id", filter=Q(state=SupervisionState.OPEN)),
        overdue=Count("id", filter=Q(state=SupervisionState.OPEN, deadline__lt=now)),
        answered=Count("id", filter=Q(state=SupervisionState.ANSWERED)),
        closed=Count("id", filter=Q(state=SupervisionState.CLOSED)),
        all=Count("id"),
    )
    tab = request.GET.get("orders", "open")
    if tab not in dict(ORDER_TABS):
        tab = "open"
    if tab != "all":
        orders = orders.filter(state=tab)
    listed = orders.select_related("event", "event__matter", "to_unit").order_by("deadline", "-id")
    page = Paginator(listed, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    for order in page.object_list:
        order.late = (order.state == SupervisionState.OPEN and order.deadline < now) or (
            order.answered_at is not None and order.answered_at > order.deadline
        )
        order.event_url = event_url(order.event.number)
    return render(
        request,
        "events/leader/overview.html",
        {
            "rows": rows,
            "totals": totals,
            "window_days": WINDOW_DAYS,
            "target": int(ON_TIME_TARGET * 100),
            "order_tabs": [(key, label, counts[key]) for key, label in ORDER_TABS],
            "order_tab": tab,
            "order_counts": counts,
            "page_obj": page,
            "now": now,
            "overdue_all_url": queue_url(overdue=1),
            "open_all_url": queue_url(),
        },
    )
