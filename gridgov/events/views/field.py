"""The grid worker's mobile workbench (/field/): what waits for me today, report an event from the
street (camera, phone GPS or a tap on my grid's map, matter suggestions while typing), resolve it on
the spot with photo evidence, verify a fix, and the list of my reports.

Views stay thin (ARCHITECTURE rule 3): parse the form, check access, call one service, render.
Errors the services raise are shown next to the form that caused them, with what was typed kept.
Every POST answers a plain browser with a redirect, and the page script (`static/js/field_submit.js`,
header `X-Field-Submit`) with `{"url": …}`, so a form can be retried after a lost response.
"""

import math
import uuid
from datetime import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gridgov.accounts.choices import Role
from gridgov.audit.actor import Actor
from gridgov.audit.models import ACTION_LABELS
from gridgov.core import clock
from gridgov.core.keyset import keyset_page
from gridgov.matters.classifier import MAX_TEXT, classify
from gridgov.matters.lookup import current_version, matter_by_code

from ..choices import (
    FINAL_STATES,
    HANDLE_STAGE_STATES,
    OPEN_STATES,
    AssignmentState,
    Channel,
    EventState,
    PhotoKind,
    SubTaskState,
    Urgency,
)
from ..errors import BadRequest, EventError
from ..models import Assignment, DownwardSubTask, Event
from ..photos import MAX_BYTES, attach_photo
from ..selectors import get_event_for_user, history_of
from ..services import (
    Report,
    accept_event,
    finish_event,
    report_event,
    resolve_on_spot,
    verify_event,
)
from ..services.intake import MAX_DESCRIPTION, MAX_PHOTOS

SECTION_LIMIT = 50  # rows per section of "today"; a grid rarely has more open at once
PAGE_SIZE = 20  # my reports, per page
LAST_REPORT = "field_last_report"  # session key: the outcome of my latest report, for its page
SUBMIT_HEADER = "X-Field-Submit"


def grid_worker_required(view):
    """The workbench is for grid workers: anonymous users log in first; other staff (dispatchers,
    handlers, leaders, administrators) go to 我的工作, where their own work is."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.role != Role.GRID_WORKER or not user.unit_id:
            messages.info(request, "现场工作台供网格员使用；您的待办事项请在「我的工作」中查看。")
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapper


def _done(request, url: str):
    """Success: the page script gets the address as JSON (it navigates itself), a browser a redirect."""
    if request.headers.get(SUBMIT_HEADER):
        return JsonResponse({"url": url})
    return redirect(url)


def _remaining(deadline: datetime | None, now: datetime) -> str:
    """Time left as read at a glance on the phone: 还剩 2 小时 5 分, or 已超 1 天 3 小时 (wall clock)."""
    if deadline is None:
        return ""
    seconds = int((deadline - now).total_seconds())
    minutes = abs(seconds) // 60
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        text = f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    elif hours:
        text = f"{hours} 小时 {mins} 分" if mins else f"{hours} 小时"
    else:
        text = f"{max(mins, 1)} 分钟"
    return f"还剩 {text}" if seconds >= 0 else f"已超 {text}"


def _with_remaining(events, now):
    events = list(events)
    for event in events:
        event.remaining = _remaining(event.stage_deadline, now)
        event.is_final = event.state in FINAL_STATES
    return events


URGENT_FIRST = Case(
    When(urgency=Urgency.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField()
)


def _by_deadline(events):
    """Most pressing first: the earliest stage deadline (overdue ones are earliest), urgent before
    normal at the same deadline, events with no running clock last."""
    return events.annotate(urgent_rank=URGENT_FIRST).order_by(
        F("stage_deadline").asc(nulls_last=True), "urgent_rank", "reported_at", "id"
    )


# -- 1. my tasks today ---------------------------------------------------------------------------


@grid_worker_required
def today(request):
    user = request.user
    now = clock.now()
    mine = Event.objects.restrict(user).select_related("matter", "owner_unit")
    to_verify = _with_remaining(
        _by_deadline(mine.filter(owner_unit_id=user.unit_id, state=EventState.HANDLED))[:SECTION_LIMIT], now
    )
    to_handle = _with_remaining(
        _by_deadline(
            mine.filter(
                state__in=HANDLE_STAGE_STATES,
                assignments__unit_id=user.unit_id,
                assignments__state__in=[AssignmentState.PENDING, AssignmentState.ACCEPTED],
            ).distinct()
        )[:SECTION_LIMIT],
        now,
    )
    to_resolve = _with_remaining(
        _by_deadline(
            mine.filter(
                state=EventState.REPORTED,
                grid_id=user.unit.territory_id,
                matter__self_resolvable=True,
            )
        )[:SECTION_LIMIT],
        now,
    )
    shown = {e.pk for e in [*to_verify, *to_handle, *to_resolve]}
    waiting = [
        e
        for e in _with_remaining(
            _by_deadline(mine.filter(reporter_user=user, state__in=OPEN_STATES))[
                : SECTION_LIMIT + len(shown)
            ],
            now,
        )
        if e.pk not in shown
    ][:SECTION_LIMIT]
    subtasks = list(
        DownwardSubTask.objects.filter(unit_id=user.unit_id)
        .exclude(state=SubTaskState.DONE)
        .select_related("task")
        .order_by("task__due_at", "id")[:SECTION_LIMIT]
    )
    for subtask in subtasks:
        subtask.remaining = _remaining(subtask.task.due_at, now)
        subtask.late = subtask.task.due_at <= now
    return render(
        request,
        "events/field/today.html",
        {
            "tab": "today",
            "to_verify": to_verify,
            "to_handle": to_handle,
            "to_resolve": to_resolve,
            "waiting": waiting,
            "subtasks": subtasks,
            "nothing": not (to_verify or to_handle or to_resolve or waiting or subtasks),
        },
    )


# -- 2. report an event --------------------------------------------------------------------------


def _report_values(data) -> dict:
    return {
        "description": data.get("description", "").strip(),
        "address": data.get("address", "").strip(),
        "urgency": data.get("urgency", Urgency.NORMAL),
        "lon": data.get("lon", "").strip(),
        "lat": data.get("lat", "").strip(),
        "matter_code": data.get("matter_code", "").strip(),
        "key": data.get("key", "").strip(),
    }


def _coordinate(text: str, name: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise BadRequest(f"{name}“{text}”不是数字，请重新定位") from exc
    if not math.isfinite(value) or abs(value) > limit:
        raise BadRequest(f"{name}“{text}”超出范围，请重新定位")
    return value


def _uploaded_photos(request, field: str = "photos") -> list[tuple[str, bytes]]:
    """(name, content) of the chosen photos; size and count are checked before anything is read.
    Their type is checked by the service (`photos.check_photo`), from the content."""
    files = request.FILES.getlist(field)
    if len(files) > MAX_PHOTOS:
        raise BadRequest(f"一次最多上传 {MAX_PHOTOS} 张照片（选了 {len(files)} 张）")
    photos = []
    for upload in files:
        if upload.size > MAX_BYTES:
            raise BadRequest(f"照片 {upload.name} 超过 {MAX_BYTES // 1024 // 1024} MB")
        photos.append((upload.name or "photo.jpg", upload.read()))
    return photos


def _suggestion_context(text: str, chosen: str) -> dict:
    """The top three matters for the text, plus the worker's own choice if it is not among them."""
    suggestions = classify(text[:MAX_TEXT]) if text.strip() else []
    extra = None
    if chosen and chosen not in {s.code for s in suggestions}:
        version = current_version()
        matter = matter_by_code(version, chosen) if version else None
        extra = {"code": chosen, "name": matter.name if matter else chosen}
    return {
        "suggestions": [
            {"code": s.code, "name": s.name, "percent": round(s.score * 100)} for s in suggestions
        ],
        "chosen": chosen,
        "extra": extra,
        "has_text": bool(text.strip()),
    }


def _grid_context(user) -> dict:
    grid = user.unit.territory
    return {
        "grid": grid,
        "grid_feature": {
            "type": "Feature",
            "properties": {"code": grid.code, "name": grid.name},
            "geometry": grid.geometry,
        }
        if grid.geometry
        else None,
    }


def _render_report(request, values: dict, error: str = "", status: int = 200, fresh: bool = False):
    context = {
        "tab": "report",
        "values": values,
        "error": error,
        "fresh": fresh,
        # A plain form post loses the chosen files on an error; the page script keeps them.
        "photos_lost": bool(request.FILES) and not request.headers.get(SUBMIT_HEADER),
        "urgencies": Urgency.choices,
        "max_description": MAX_DESCRIPTION,
        "max_photos": MAX_PHOTOS,
        **_grid_context(request.user),
        **_suggestion_context(values["description"], values["matter_code"]),
    }
    return render(request, "events/field/report.html", context, status=status)


@grid_worker_required
def report(request):
    if request.method != "POST":
        values = _report_values({})
        values["key"] = uuid.uuid4().hex  # a retry of this very form finds the event it created
        return _render_report(request, values, fresh=True)
    values = _report_values(request.POST)
    try:
        if not values["lon"] or not values["lat"]:
            raise BadRequest("请先确定事件位置：点「使用手机定位」，或在地图上点选事件地点")
        if not values["key"]:
            raise BadRequest("表单已失效，请刷新页面后重新填写")
        result = report_event(
            Actor.from_request(request),
            Report(
                channel=Channel.GRID_PATROL,
                description=values["description"],
                lon=_coordinate(values["lon"], "经度", 180),
                lat=_coordinate(values["lat"], "纬度", 90),
                address=values["address"],
                urgency=values["urgency"],
                matter_code=values["matter_code"] or None,
                idempotency_key=values["key"],
                photos=_uploaded_photos(request),
            ),
        )
    except EventError as exc:
        return _render_report(request, values, error=str(exc), status=422)
    event = result.event
    previous = request.session.get(LAST_REPORT) or {}
    duplicates = [
        {"number": d.event.number, "distance_m": round(d.distance_m), "similarity": round(d.similarity)}
        for d in result.duplicates
    ]
    if not result.created and previous.get("number") == event.number:
        duplicates = previous.get("duplicates", [])  # the retry of a lost response keeps what we found
    request.session[LAST_REPORT] = {
        "number": event.number,
        "created": result.created,
        "duplicates": duplicates,
        "chosen": bool(values["matter_code"]),
        "key": values["key"],
    }
    if not result.created and event.state != EventState.REPORTED:
        messages.info(request, f"这份上报此前已提交（{event.number}），未重复创建。")
    return _done(request, reverse("field:event", args=[event.number]))


@grid_worker_required
@require_POST
def suggest(request):
    """htmx: the matter suggestions for the description typed so far."""
    context = _suggestion_context(
        request.POST.get("description", ""), request.POST.get("matter_code", "").strip()
    )
    return render(request, "events/field/_suggestions.html", context)


# -- 5. my reports -------------------------------------------------------------------------------

FILTERS = {
    "open": ("办理中", Q(state__in=OPEN_STATES)),
    "done": ("已办结", Q(state__in=FINAL_STATES)),
    "all": ("全部", Q()),
}


@grid_worker_required
def mine(request):
    user = request.user
    chosen = request.GET.get("show", "open")
    if chosen not in FILTERS:
        chosen = "open"
    events = (
        Event.objects.restrict(user)
        .filter(reporter_user=user)
        .filter(FILTERS[chosen][1])
        .select_related("matter", "owner_unit")
    )
    page = keyset_page(events, request.GET.get("after", ""), field="reported_at", size=PAGE_SIZE)
    rows = _with_remaining(page.rows, clock.now())
    return render(
        request,
        "events/field/mine.html",
        {
            "tab": "mine",
            "events": rows,
            "filters": [(key, label) for key, (label, _) in FILTERS.items()],
            "show": chosen,
            "next_cursor": page.next_cursor or "",
            "paged": not page.is_first,
        },
    )


# -- the event page: state, timeline, photos and what I can do now (3. resolve, 4. verify) ---------


def _my_assignment(event, user) -> Assignment | None:
    return (
        event.assignments.filter(
            unit_id=user.unit_id, state__in=[AssignmentState.PENDING, AssignmentState.ACCEPTED]
        )
        .order_by("id")
        .first()
    )


def _visible_numbers(user, numbers: list[str]) -> set[str]:
    if not numbers:
        return set()
    return set(Event.objects.restrict(user).filter(number__in=numbers).values_list("number", flat=True))


def _render_event(request, event: Event, *, form: str = "", error: str = "", values=None, status: int = 200):
    user = request.user
    photos = list(event.photos.all())
    history = list(history_of(event))
    for row in history:
        row.label = ACTION_LABELS.get(f"event.{row.action}", row.action)
    assignment = _my_assignment(event, user) if event.state in HANDLE_STAGE_STATES else None
    can_verify = event.state == EventState.HANDLED and event.owner_unit_id == user.unit_id
    handling_notes = (
        list(
            event.assignments.filter(state=AssignmentState.DONE).select_related("unit").order_by("role", "id")
        )
        if event.state == EventState.HANDLED or event.self_resolved
        else []
    )
    last = request.session.get(LAST_REPORT) or {}
    just_reported = None
    if last.get("number") == event.number and event.state == EventState.REPORTED:
        visible = _visible_numbers(user, [d["number"] for d in last.get("duplicates", [])])
        just_reported = {
            **last,
            "duplicates": [{**d, "visible": d["number"] in visible} for d in last.get("duplicates", [])],
        }
    can_resolve = (
        event.state == EventState.REPORTED
        and event.grid_id == user.unit.territory_id
        and event.matter.self_resolvable
    )
    can_accept = assignment is not None and assignment.state == AssignmentState.PENDING
    can_finish = (
        assignment is not None
        and assignment.state == AssignmentState.ACCEPTED
        and event.state == EventState.IN_PROGRESS
    )
    shown = {"resolve": can_resolve, "accept": can_accept, "finish": can_finish, "verify": can_verify}
    context = {
        "tab": "",
        "event": event,
        "remaining": _remaining(event.stage_deadline, clock.now()),
        "is_final": event.state in FINAL_STATES,
        "report_photos": [p for p in photos if p.kind == PhotoKind.REPORT],
        "evidence_photos": [p for p in photos if p.kind == PhotoKind.EVIDENCE],
        "verify_photos": [p for p in photos if p.kind == PhotoKind.VERIFY],
        "history": list(reversed(history)),
        "just_reported": just_reported,
        "can_resolve": can_resolve,
        "resolve_refused": event.state == EventState.REPORTED and not event.matter.self_resolvable,
        "can_accept": can_accept,
        "can_finish": can_finish,
        "assignment": assignment,
        "can_verify": can_verify,
        "handling_notes": handling_notes,
        "form": form,
        "error": error,
        # A refusal for a form the page no longer offers (someone acted first) is shown on top.
        "page_error": error if error and not shown.get(form) else "",
        "values": values or {},
        "max_photos": MAX_PHOTOS,
        "grid_feature": _grid_context(user)["grid_feature"]
        if event.grid_id == user.unit.territory_id
        else None,
    }
    return render(request, "events/field/event.html", context, status=status)


@grid_worker_required
def event_page(request, number):
    return _render_event(request, get_event_for_user(request.user, number))


def _attach_then(event: Event, actor: Actor, kind: str, photos, service) -> None:
    """Attach the photos and run the service in one transaction: if the service refuses, neither
    the photo rows nor their files are left behind."""
    saved = []
    try:
        with transaction.atomic():
            for name, content in photos:
                saved.append(attach_photo(event, kind, name, content, str(actor)))
            service()
    except BaseException:
        for photo in saved:
            photo.image.delete(save=False)
            photo.thumbnail.delete(save=False)
        raise


def _action(request, number, form: str, run, success: str, fields=("note",)):
    """Shared shape of the event page's POSTs: find the event in my scope (404 otherwise), run,
    redirect with a message; on a refusal show the event page again with the message and the text
    typed, and change nothing."""
    event = get_event_for_user(request.user, number)
    values = {name: request.POST.get(name, "") for name in fields}
    try:
        run(event, Actor.from_request(request), values)
    except EventError as exc:
        return _render_event(request, event, form=form, error=str(exc), values=values, status=422)
    messages.success(request, success)
    return _done(request, reverse("field:event", args=[event.number]))


@grid_worker_required
@require_POST
def resolve(request, number):
    """就地解决: photos of the fixed spot and a note; the service checks the matter allows it."""

    def run(event, actor, values):
        photos = _uploaded_photos(request)
        _attach_then(
            event, actor, PhotoKind.EVIDENCE, photos, lambda: resolve_on_spot(actor, event.pk, values["note"])
        )

    return _action(request, number, "resolve", run, "已就地解决，处置照片和说明已记录。")


@grid_worker_required
@require_POST
def accept(request, number):
    return _action(
        request,
        number,
        "accept",
        lambda event, actor, _: accept_event(actor, event.pk),
        "已签收，请尽快处置。",
        (),
    )


@grid_worker_required
@require_POST
def finish(request, number):
    def run(event, actor, values):
        photos = _uploaded_photos(request)
        _attach_then(
            event, actor, PhotoKind.EVIDENCE, photos, lambda: finish_event(actor, event.pk, values["note"])
        )

    return _action(request, number, "finish", run, "已办结，等待核查。")


@grid_worker_required
@require_POST
def verify(request, number):
    """核查: pass closes the event; rework needs a reason and sends it back to the lead unit."""
    decision = request.POST.get("decision", "")

    def run(event, actor, values):
        if decision not in ("pass", "rework"):
            raise BadRequest("请选择「核查通过」或「退回返工」")
        photos = _uploaded_photos(request)
        passed = decision == "pass"
        _attach_then(
            event,
            actor,
            PhotoKind.VERIFY,
            photos,
            lambda: verify_event(actor, event.pk, passed=passed, reason=values["reason"]),
        )

    success = "核查通过，事件已结案。" if decision == "pass" else "已退回返工，处置单位会收到通知。"
    return _action(request, number, "verify", run, success, ("reason",))
