"""The dispatcher's and the handler's workbench: the queue with filters and counts, bulk actions, the
map of open events, the event page with its timeline and every action its state allows, and the
Excel export of the filtered list. Views are thin: parse, call one service or selector, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gridgov.accounts.choices import Role
from gridgov.audit.actor import Actor
from gridgov.audit.services import record
from gridgov.core.keyset import keyset_page
from gridgov.core.views import staff_required
from gridgov.regions.selectors import root_regions_for

from .. import services
from ..choices import OPEN_STATES, EventState
from ..errors import EventError
from ..exporting import MAX_EXPORT_ROWS, events_workbook
from ..selectors import events_for, get_event_for_user
from ..sla import sla_annotation
from .desk_actions import ACTIONS, event_page_context
from .desk_filters import QueueFilters

PAGE_SIZE = 50
MAP_LIMIT = 5000


def _filtered(request) -> tuple[QueueFilters, object]:
    filters = QueueFilters.from_request(request)
    try:
        return filters, events_for(request.user, **filters.selector_kwargs(request.user))
    except EventError as exc:
        messages.error(request, str(exc))
        defaults = QueueFilters.defaults_for(request.user)
        return defaults, events_for(request.user, **defaults.selector_kwargs(request.user))


@staff_required
def queue(request):
    filters, events = _filtered(request)
    # Counts by state ignore the state filter, so the row of counts doubles as a state switcher.
    counts = {
        row["state"]: row["n"]
        for row in events_for(request.user, **filters.selector_kwargs(request.user, all_states=True))
        .order_by()
        .values("state")
        .annotate(n=Count("id"))
    }
    page = keyset_page(events, request.GET.get("after"), field="reported_at", size=PAGE_SIZE)
    state_counts = [
        {
            "state": value,
            "label": label,
            "count": counts.get(value, 0),
            "query": filters.as_query(state=value),
        }
        for value, label in EventState.choices
        if counts.get(value) or value in OPEN_STATES
    ]
    return render(
        request,
        "events/desk/queue.html",
        {
            "page": page,
            "filters": filters,
            "options": filters.options(request.user),
            "state_counts": state_counts,
            "total": sum(counts.values()),
            "all_states_query": filters.as_query(state="all"),
            "all_scope_query": filters.as_query(scope="all"),
            "may_dispatch": _may_dispatch(request.user),
        },
    )


def _may_dispatch(user) -> bool:
    return user.is_superuser or user.role in (Role.DISPATCHER, Role.ADMINISTRATOR)


@staff_required
def event_map(request):
    filters = QueueFilters.from_request(request)
    return render(
        request,
        "events/desk/map.html",
        {
            "filters": filters,
            "options": filters.options(request.user),
            "limit": MAP_LIMIT,
            "roots": root_regions_for(request.user),
        },
    )


@staff_required
def map_data(request):
    """Open events as points with their SLA colour, newest first, at most MAP_LIMIT."""
    _, events = _filtered(request)
    rows = (
        events.filter(state__in=OPEN_STATES)
        .annotate(sla=sla_annotation())
        .order_by("-reported_at", "-id")
        .values("number", "lon", "lat", "state", "sla", "matter__name", "description")[:MAP_LIMIT]
    )
    labels = dict(EventState.choices)
    points = [
        {
            "number": r["number"],
            "lon": r["lon"],
            "lat": r["lat"],
            "sla": r["sla"],
            "state": labels[r["state"]],
            "matter": r["matter__name"],
            "text": r["description"][:60],
            "url": reverse("desk:detail", args=[r["number"]]),
        }
        for r in rows
    ]
    return JsonResponse({"points": points, "limit": MAP_LIMIT})


@staff_required
def export(request):
    filters, events = _filtered(request)
    rows = list(events.select_related("lead_unit").annotate(sla=sla_annotation())[: MAX_EXPORT_ROWS + 1])
    truncated = len(rows) > MAX_EXPORT_ROWS
    content = events_workbook(rows[:MAX_EXPORT_ROWS], filters.describe(), truncated=truncated)
    record(
        Actor.from_request(request),
        "events.export",
        ("events.event", "list"),
        reason=filters.describe(),
        summary={"rows": min(len(rows), MAX_EXPORT_ROWS)},
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="events.xlsx"'
    return response


@staff_required
def detail(request, number: str):
    event = get_event_for_user(request.user, number)
    return render(request, "events/desk/detail.html", event_page_context(request.user, event))


@staff_required
@require_POST
def act(request, number: str, action: str):
    """One action on one event: the form's fields go to the service named by `action`."""
    event = get_event_for_user(request.user, number)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("未知的操作")
    try:
        done = handler(Actor.from_request(request), event, request)
    except EventError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("desk:detail", number=number)


def _safe_back(path: str) -> str:
    """Only a path of the queue itself: never an address elsewhere (open redirect) or a script."""
    queue_path = reverse("desk:queue")
    return path if path.startswith(queue_path) and "//" not in path else queue_path


@staff_required
@require_POST
def bulk(request):
    """Bulk dispatch (by the catalogue's route) or merge. The first POST shows what will happen;
    only the second, with `confirm`, does it, one transaction per event."""
    if not _may_dispatch(request.user):
        raise PermissionDenied("只有调度员可以批量操作")
    back = _safe_back(request.POST.get("back", ""))
    action = request.POST.get("action")
    if action not in ("dispatch", "merge"):
        messages.error(request, "请选择批量操作")
        return redirect(back)
    numbers = request.POST.getlist("numbers")[:200]
    events = list(events_for(request.user).filter(number__in=numbers).select_related("lead_unit"))
    into = None
    if action == "merge":
        into_number = (request.POST.get("into") or "").strip()
        into = events_for(request.user).filter(number=into_number).first()
        if into is None:
            messages.error(request, f"未找到要合并到的事件 {into_number or '（未填写）'}")
            return redirect(back)
        events = [e for e in events if e.pk != into.pk]
    if not events:
        messages.error(request, "请先勾选事件")
        return redirect(back)
    context = {"action": action, "events": events, "into": into, "back": back}
    if request.POST.get("confirm") != "1":
        return render(request, "events/desk/bulk_confirm.html", context)
    actor = Actor.from_request(request)
    results = []
    for event in events:
        try:
            if action == "dispatch":
                services.dispatch_event(actor, event.pk, reason="批量按清单派遣")
            else:
                services.merge_event(actor, event.pk, into.pk, reason="批量合并重复事件")
            results.append((event, True, "完成"))
        except (EventError, Http404) as exc:
            results.append((event, False, str(exc)))
    return render(request, "events/desk/bulk_done.html", {**context, "results": results})
