"""What the event page offers and what each of its forms does.

`event_page_context` gathers the page (timeline, route, suggestions, duplicates, sub-tasks,
requests, orders) and `available_actions` decides which forms to show. The services decide what is
allowed; the page only avoids offering what would certainly be refused.
"""

from django.http import Http404

from gridgov.accounts.choices import Role, UnitKind
from gridgov.accounts.models import Unit
from gridgov.matters.lookup import current_version
from gridgov.matters.routing import RoutingError, route

from .. import services
from ..choices import (
    DISPATCH_STAGE_STATES,
    OPEN_STATES,
    AssignmentState,
    EventState,
    RequestState,
    SupervisionState,
)
from ..duplicates import find_duplicates
from ..errors import BadRequest
from ..selectors import events_for, history_of
from ..services.handling import has_unsatisfied_rating

MAX_UPLOAD_PHOTOS = 9
DISPATCHER_ROLES = {Role.DISPATCHER, Role.ADMINISTRATOR}
SUPERVISOR_ROLES = {Role.LEADER, Role.SUPERVISOR}


def _photos(request) -> list[tuple[str, bytes]]:
    files = request.FILES.getlist("photos")
    if len(files) > MAX_UPLOAD_PHOTOS:
        raise BadRequest(f"一次最多上传 {MAX_UPLOAD_PHOTOS} 张照片")
    return [(f.name or "photo", f.read()) for f in files]


def _unit_by_code(request, field: str) -> Unit | None:
    code = (request.POST.get(field) or "").strip()
    if not code:
        return None
    unit = Unit.objects.filter(code=code, is_active=True).select_related("territory").first()
    if unit is None:
        raise BadRequest(f"未找到单位 {code}")
    return unit


def _dispatch(actor, event, request) -> str:
    lead = _unit_by_code(request, "lead")
    co_codes = [c for c in request.POST.getlist("co") if c.strip()]
    co = [Unit.objects.filter(code=c, is_active=True).select_related("territory").first() for c in co_codes]
    if any(u is None for u in co):
        raise BadRequest("协办单位中有未找到的单位")
    if lead is None and co:
        raise BadRequest("指定协办单位时请同时指定主办单位")
    done = services.dispatch_event(
        actor, event.pk, lead=lead, co=co or None, reason=request.POST.get("reason", "")
    )
    return f"已派遣：主办 {done.lead_unit.name}"


def _reason(request) -> str:
    return request.POST.get("reason", "")


def _merge(actor, event, request) -> str:
    number = (request.POST.get("into") or "").strip()
    into = events_for(actor.user).filter(number=number).first()
    if into is None:
        raise BadRequest(f"未找到事件 {number or '（未填写）'}")
    services.merge_event(actor, event.pk, into.pk, _reason(request))
    return f"已合并到 {into.number}"


def _decide(actor, event, request) -> str:
    request_id = request.POST.get("request_id", "")
    pending = event.requests.filter(pk=int(request_id) if request_id.isdigit() else 0).first()
    if pending is None:
        raise Http404("未找到该申请")
    approve = request.POST.get("approve") == "1"
    services.decide_request(actor, pending.pk, approve=approve, note=request.POST.get("note", ""))
    return "已批准" if approve else "已退回申请"


def _answer(actor, event, request) -> str:
    order_id = request.POST.get("order_id", "")
    order = event.supervision_orders.filter(pk=int(order_id) if order_id.isdigit() else 0).first()
    if order is None:
        raise Http404("未找到该督办单")
    services.answer_supervision(actor, order.pk, request.POST.get("response", ""))
    return "督办已反馈"


def _supervise(actor, event, request) -> str:
    services.issue_supervision(
        actor,
        event.pk,
        request.POST.get("instructions", ""),
        (request.POST.get("within") or "").strip(),
        to_unit=_unit_by_code(request, "to_unit"),
    )
    return "督办单已发出"


def _extension(actor, event, request) -> str:
    services.request_extension(actor, event.pk, (request.POST.get("amount") or "").strip(), _reason(request))
    return "延期申请已提交，等待审批"


def _verify(actor, event, request) -> str:
    passed = request.POST.get("passed") == "1"
    services.verify_event(actor, event.pk, passed=passed, reason=_reason(request))
    return "核查通过，已结案" if passed else "已退回返工"


def _done(service, message: str, *fields: str, photos: bool = False):
    """A form action that passes the named POST fields (and the uploaded photos) to `service` and
    answers with a fixed message."""

    def run(actor, event, request) -> str:
        values = [request.POST.get(name, "") for name in fields]
        if photos:
            values.append(_photos(request))
        service(actor, event.pk, *values)
        return message

    return run


# action name → function(actor, event, request) → the message shown after success
ACTIONS = {
    "dispatch": _dispatch,
    "reclassify": _done(services.reclassify_event, "已改判事项", "matter", "reason"),
    "escalate": _done(services.escalate_to_county, "已上报县级社会治理中心", "reason"),
    "reject": _done(services.reject_event, "已不予受理", "reason"),
    "merge": _merge,
    "accept": _done(services.accept_event, "已签收"),
    "return": _done(services.return_event, "已回退调度单位", "reason"),
    "progress": _done(services.report_event_progress, "进展已记录", "note", photos=True),
    "finish": _done(services.finish_event, "已办结", "note", photos=True),
    "extension": _extension,
    "parking": _done(services.request_parking, "挂账申请已提交，等待审批", "reason"),
    "decide": _decide,
    "unpark": _done(services.unpark_event, "已恢复办理", "reason"),
    "verify": _verify,
    "reopen": _done(services.reopen_event, "已重办", "reason"),
    "supervise": _supervise,
    "answer": _answer,
}


def available_actions(user, event, assignments) -> set[str]:
    """The forms worth showing this user for this event in its current state."""
    role = Role.ADMINISTRATOR if user.is_superuser else user.role
    mine = user.is_superuser or event.owner_unit_id == user.unit_id
    dispatcher = role in DISPATCHER_ROLES
    acts = set()
    if event.state in DISPATCH_STAGE_STATES and dispatcher and mine:
        acts |= {"dispatch", "reclassify", "reject", "merge"}
        if event.state == EventState.REPORTED and (user.unit and user.unit.kind == UnitKind.TOWNSHIP_COMMAND):
            acts.add("escalate")
    my_parts = {a.state for a in assignments if a.unit_id == user.unit_id}
    handling = event.state in (EventState.DISPATCHED, EventState.IN_PROGRESS)
    is_lead = event.lead_unit_id is not None and event.lead_unit_id == user.unit_id
    if AssignmentState.PENDING in my_parts and handling:
        acts.add("accept")  # a co-unit accepts its own part, also after the lead has
    if is_lead and handling and my_parts & {AssignmentState.PENDING, AssignmentState.ACCEPTED}:
        acts.add("return")
    if AssignmentState.ACCEPTED in my_parts and event.state == EventState.IN_PROGRESS:
        acts |= {"progress", "finish"}
        if is_lead:
            acts |= {"extension", "parking"}
    if event.state == EventState.HANDLED and mine:
        acts.add("verify")
    if event.state == EventState.PARKED and (dispatcher or event.lead_unit_id == user.unit_id):
        acts.add("unpark")
    if event.state == EventState.CLOSED and dispatcher and has_unsatisfied_rating(event):
        acts.add("reopen")
    if event.state in OPEN_STATES and (
        role in SUPERVISOR_ROLES
        or (role == Role.DISPATCHER and user.unit and user.unit.kind == UnitKind.COUNTY_CENTRE)
    ):
        acts.add("supervise")
    return acts


def _route_preview(event):
    try:
        return route(event.matter, event.grid), ""
    except RoutingError as exc:
        return None, str(exc)


def dispatch_targets(user, event) -> list[Unit]:
    """Units a dispatcher may choose as lead or co-unit: the event's township units (not its
    command room), plus the county departments when the county centre dispatches."""
    township_prefix = event.grid.code[:9]
    kinds = [UnitKind.TOWNSHIP_PLATFORM, UnitKind.ENFORCEMENT_TEAM, UnitKind.VILLAGE]
    units = Unit.objects.filter(is_active=True, kind__in=kinds, territory__code__startswith=township_prefix)
    if user.is_superuser or (user.unit and user.unit.kind == UnitKind.COUNTY_CENTRE):
        units = units | Unit.objects.filter(is_active=True, kind=UnitKind.DEPARTMENT)
    return list(units.order_by("kind", "code").only("code", "name", "kind"))


def event_page_context(user, event) -> dict:
    assignments = list(event.assignments.select_related("unit").order_by("role", "id"))
    acts = available_actions(user, event, assignments)
    context = {
        "event": event,
        "history": list(history_of(event)),
        "assignments": assignments,
        "requests": list(event.requests.select_related("unit").order_by("-created_at")),
        "orders": list(event.supervision_orders.select_related("to_unit", "issuing_unit")),
        "photos": list(event.photos.order_by("created_at")),
        "actions": acts,
        "may_decide": _may_decide(user, event),
        "my_open_orders": [],
        "RequestState": RequestState,
    }
    context["my_open_orders"] = [
        o for o in context["orders"] if o.state == SupervisionState.OPEN and o.to_unit_id == user.unit_id
    ]
    if acts & {"dispatch", "merge"}:
        context["route"], context["route_error"] = _route_preview(event)
        context["targets"] = dispatch_targets(user, event)
        version = current_version()
        context["matters"] = (
            list(version.matters.order_by("code").values_list("code", "name")) if version else []
        )
        context["duplicates"] = find_duplicates(
            event.matter.code,
            event.lon,
            event.lat,
            event.description,
            event.matter.duplicate_radius_m,
            event.reported_at,
            exclude_id=event.pk,
        )
    return context


def _may_decide(user, event) -> bool:
    """The dispatching unit approves extension and parking requests."""
    if user.is_superuser:
        return True
    return user.role in DISPATCHER_ROLES and user.unit_id == event.dispatched_by_unit_id
