"""Events through the API: list, detail with history, intake from every channel, each transition."""

from datetime import datetime

from django.http import Http404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from gridgov.accounts.models import Unit
from gridgov.accounts.selectors import get_unit_for_user
from gridgov.audit.actor import Actor
from gridgov.core.api import InvalidInput, api

from . import services
from .choices import Channel, PhotoKind, Rating, Urgency
from .errors import BadRequest, Conflict, NotYourTurn
from .models import EventRequest, Notification, SupervisionOrder
from .photos import attach_photo
from .selectors import events_for, get_event_for_user, history_of

router = Router(tags=["事件"])


@api.exception_handler(Conflict)
def conflict(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(NotYourTurn)
def not_your_turn(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=403)


@api.exception_handler(BadRequest)
def bad_request(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=422)


class EventOut(Schema):
    number: str
    state: str
    state_label: str
    matter_code: str
    matter_name: str
    channel: str
    urgency: str
    description: str
    address: str
    lon: float
    lat: float
    grid_code: str
    reported_at: datetime
    owner_unit: str
    stage: str
    stage_deadline: datetime | None
    warned: bool
    overdue: bool

    @staticmethod
    def resolve_state_label(e):
        return e.get_state_display()

    @staticmethod
    def resolve_matter_code(e):
        return e.matter.code

    @staticmethod
    def resolve_matter_name(e):
        return e.matter.name

    @staticmethod
    def resolve_grid_code(e):
        return e.grid.code

    @staticmethod
    def resolve_owner_unit(e):
        return e.owner_unit.name


class HistoryOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str = Field(alias="actor_label")
    unit: str | None
    reason: str
    at: datetime

    @staticmethod
    def resolve_unit(h):
        return h.unit.name if h.unit_id else None


class AssignmentOut(Schema):
    unit: str
    unit_code: str
    role: str
    state: str
    deadline: datetime | None
    note: str

    @staticmethod
    def resolve_unit(a):
        return a.unit.name

    @staticmethod
    def resolve_unit_code(a):
        return a.unit.code


class RequestOut(Schema):
    id: int
    kind: str
    state: str
    reason: str
    amount: str
    until: datetime | None


class SupervisionOut(Schema):
    id: int
    to_unit: str
    instructions: str
    deadline: datetime
    state: str
    response: str

    @staticmethod
    def resolve_to_unit(o):
        return o.to_unit.name


class EventDetailOut(EventOut):
    version: int
    route_rule: str
    route_reason: str
    suggestions: list[dict]
    extensions: int
    returns: int
    reworks: int
    reopens: int
    rating: str
    merged_into: str | None
    history: list[HistoryOut]
    assignments: list[AssignmentOut]
    requests: list[RequestOut]
    supervision_orders: list[SupervisionOut]
    photos: list[dict]

    @staticmethod
    def resolve_version(e):
        return e.version.number

    @staticmethod
    def resolve_merged_into(e):
        return e.merged_into.number if e.merged_into_id else None

    @staticmethod
    def resolve_history(e):
        return list(history_of(e))

    @staticmethod
    def resolve_assignments(e):
        return list(e.assignments.select_related("unit"))

    @staticmethod
    def resolve_requests(e):
        return list(e.requests.all())

    @staticmethod
    def resolve_supervision_orders(e):
        return list(e.supervision_orders.select_related("to_unit"))

    @staticmethod
    def resolve_photos(e):
        return [{"kind": p.kind, "url": p.image.url, "thumbnail": p.thumbnail.url} for p in e.photos.all()]


class IntakeIn(Schema):
    channel: Channel
    description: str = Field(..., max_length=20000)
    lon: float
    lat: float
    crs: str = "wgs84"
    address: str = ""
    urgency: Urgency = Urgency.NORMAL
    matter_code: str | None = None
    reported_at: datetime | None = None
    idempotency_key: str | None = Field(None, max_length=80)
    reporter_label: str = Field("", max_length=80)


class DuplicateOut(Schema):
    number: str
    distance_m: float
    similarity: float


class IntakeOut(Schema):
    created: bool
    event: EventOut
    route_reason: str
    suggestions: list[dict]
    duplicates: list[DuplicateOut]


class ReasonIn(Schema):
    reason: str = ""


class DispatchIn(Schema):
    lead: str | None = Field(None, description="主办单位编码；不填则按清单路由")
    co: list[str] | None = None
    reason: str = ""


class NoteIn(Schema):
    note: str


class VerifyIn(Schema):
    passed: bool
    reason: str = ""


class RateIn(Schema):
    rating: Rating
    comment: str = Field("", max_length=500)


class MergeIn(Schema):
    into: str
    reason: str = ""


class ExtensionIn(Schema):
    amount: str = Field(..., description="如 2d、8h")
    reason: str


class ParkingIn(Schema):
    reason: str
    until: datetime | None = None


class DecideIn(Schema):
    approve: bool
    note: str = ""


class SuperviseIn(Schema):
    instructions: str
    within: str = Field("1d", description="督办时限，如 4h、2d")
    to_unit: str | None = None


class AnswerIn(Schema):
    response: str


def _actor(request) -> Actor:
    return Actor.from_request(request)


def _detail(request, number: str):
    return get_event_for_user(request.user, number)


def _unit(request, code: str) -> Unit:
    try:
        return get_unit_for_user(request.user, code)
    except Http404 as exc:
        # A department is outside a township user's territory but still a valid dispatch target.
        unit = Unit.objects.filter(code=code, is_active=True).first()
        if unit is None:
            raise InvalidInput(f"未知的单位编码 {code!r}") from exc
        return unit


@router.get("", response=list[EventOut], summary="事件列表（本人管辖范围内）")
@paginate(LimitOffsetPagination)
def list_events(
    request,
    state: str | None = None,
    matter: str | None = None,
    channel: str | None = None,
    township: str | None = None,
    overdue: bool | None = None,
    open_only: bool = False,
    q: str | None = None,
):
    return events_for(
        request.user,
        state=state,
        matter=matter,
        channel=channel,
        township=township,
        overdue=overdue,
        open_only=open_only,
        q=q,
    )


@router.post("", response={201: IntakeOut, 200: IntakeOut}, summary="上报事件（各渠道）")
def create_event(request, payload: IntakeIn):
    key = payload.idempotency_key or request.headers.get("Idempotency-Key")
    if key is not None and len(key) > 80:
        raise InvalidInput("Idempotency-Key 不能超过 80 个字符")
    result = services.report_event(
        _actor(request),
        services.Report(
            channel=payload.channel,
            description=payload.description,
            lon=payload.lon,
            lat=payload.lat,
            crs=payload.crs,
            address=payload.address,
            urgency=payload.urgency,
            matter_code=payload.matter_code,
            reported_at=payload.reported_at,
            idempotency_key=key,
            reporter_label=payload.reporter_label,
        ),
    )
    body = {
        "created": result.created,
        "event": result.event,
        "route_reason": result.event.route_reason,
        "suggestions": result.event.suggestions,
        "duplicates": [
            {"number": d.event.number, "distance_m": d.distance_m, "similarity": d.similarity}
            for d in result.duplicates
        ],
    }
    return Status(201 if result.created else 200, body)


@router.get("/{number}", response=EventDetailOut, summary="事件详情（含流转记录）")
def event_detail(request, number: str):
    return _detail(request, number)


@router.post("/{number}/photos", summary="上传照片（上报、处置或核查）")
def upload_photo(request, number: str, kind: Form[PhotoKind], file: File[UploadedFile]):
    event = _detail(request, number)
    photo = attach_photo(event, kind, file.name or "photo", file.read(), str(_actor(request)))
    return {"kind": photo.kind, "url": photo.image.url, "thumbnail": photo.thumbnail.url}


def _transition(request, number: str, action, *args, **kwargs):
    event = _detail(request, number)
    action(_actor(request), event.pk, *args, **kwargs)
    return get_event_for_user(request.user, number)


@router.post("/{number}/dispatch", response=EventDetailOut, summary="派遣（主办 + 协办）")
def dispatch(request, number: str, payload: DispatchIn):
    lead = _unit(request, payload.lead) if payload.lead else None
    co = [_unit(request, c) for c in payload.co] if payload.co is not None else None
    return _transition(request, number, services.dispatch_event, lead=lead, co=co, reason=payload.reason)


class ReclassifyIn(Schema):
    matter_code: str
    reason: str = ""


@router.post("/{number}/reclassify", response=EventDetailOut, summary="改判事项（受理阶段）")
def reclassify(request, number: str, payload: ReclassifyIn):
    return _transition(request, number, services.reclassify_event, payload.matter_code, payload.reason)


@router.post("/{number}/escalate", response=EventDetailOut, summary="乡镇上报县级")
def escalate(request, number: str, payload: ReasonIn):
    return _transition(request, number, services.escalate_to_county, payload.reason)


@router.post("/{number}/accept", response=EventDetailOut, summary="签收")
def accept(request, number: str):
    return _transition(request, number, services.accept_event)


@router.post("/{number}/return", response=EventDetailOut, summary="回退（派遣有误）")
def return_(request, number: str, payload: ReasonIn):
    return _transition(request, number, services.return_event, payload.reason)


@router.post(
    "/{number}/finish", response=EventDetailOut, summary="办结（协办单位完成本单位任务；主办单位办结事件）"
)
def finish(request, number: str, payload: NoteIn):
    return _transition(request, number, services.finish_event, payload.note)


@router.post("/{number}/resolve-on-spot", response=EventDetailOut, summary="网格就地解决（需先上传处置照片）")
def resolve(request, number: str, payload: NoteIn):
    return _transition(request, number, services.resolve_on_spot, payload.note)


@router.post("/{number}/verify", response=EventDetailOut, summary="核查：通过则结案，不通过则返工")
def verify(request, number: str, payload: VerifyIn):
    return _transition(request, number, services.verify_event, passed=payload.passed, reason=payload.reason)


@router.post("/{number}/rate", response=EventDetailOut, summary="上报人评价")
def rate(request, number: str, payload: RateIn):
    return _transition(request, number, services.rate_event, payload.rating, payload.comment)


@router.post("/{number}/reopen", response=EventDetailOut, summary="不满意重办")
def reopen(request, number: str, payload: ReasonIn):
    return _transition(request, number, services.reopen_event, payload.reason)


@router.post("/{number}/merge", response=EventDetailOut, summary="合并重复事件")
def merge(request, number: str, payload: MergeIn):
    target = get_event_for_user(request.user, payload.into)
    return _transition(request, number, services.merge_event, target.pk, payload.reason)


@router.post("/{number}/reject", response=EventDetailOut, summary="不予受理")
def reject(request, number: str, payload: ReasonIn):
    return _transition(request, number, services.reject_event, payload.reason)


@router.post("/{number}/extension", response=RequestOut, summary="申请延期")
def extension(request, number: str, payload: ExtensionIn):
    return services.request_extension(
        _actor(request), _detail(request, number).pk, payload.amount, payload.reason
    )


@router.post("/{number}/parking", response=RequestOut, summary="申请挂账")
def parking(request, number: str, payload: ParkingIn):
    return services.request_parking(
        _actor(request), _detail(request, number).pk, payload.reason, payload.until
    )


@router.post("/{number}/unpark", response=EventDetailOut, summary="恢复挂账事件")
def unpark(request, number: str, payload: ReasonIn):
    return _transition(request, number, services.unpark_event, payload.reason)


@router.post("/{number}/supervise", response=SupervisionOut, summary="督办")
def supervise(request, number: str, payload: SuperviseIn):
    to_unit = _unit(request, payload.to_unit) if payload.to_unit else None
    event = _detail(request, number)
    return services.issue_supervision(
        _actor(request), event.pk, payload.instructions, payload.within, to_unit
    )


@router.post("/requests/{request_id}/decide", response=RequestOut, summary="审批延期或挂账申请")
def decide(request, request_id: int, payload: DecideIn):
    pending = EventRequest.objects.filter(pk=request_id).select_related("event").first()
    if pending is None:
        raise Http404
    _detail(request, pending.event.number)  # 404 when the event is out of scope
    return services.decide_request(_actor(request), request_id, approve=payload.approve, note=payload.note)


@router.post("/supervision/{order_id}/answer", response=SupervisionOut, summary="反馈督办")
def answer(request, order_id: int, payload: AnswerIn):
    order = SupervisionOrder.objects.filter(pk=order_id).select_related("event").first()
    if order is None:
        raise Http404
    _detail(request, order.event.number)
    return services.answer_supervision(_actor(request), order_id, payload.response)


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    event: str | None
    read: bool
    created_at: datetime

    @staticmethod
    def resolve_event(n):
        return n.event.number if n.event_id else None

    @staticmethod
    def resolve_read(n):
        return n.read_at is not None


inbox = Router(tags=["通知"])


@inbox.get("", response=list[NotificationOut], summary="我的通知")
@paginate(LimitOffsetPagination)
def my_notifications(request, unread: bool = False):
    rows = Notification.objects.filter(user=request.user).select_related("event")
    return rows.filter(read_at__isnull=True) if unread else rows


@inbox.post("/{notification_id}/read", summary="标记已读")
def mark_read(request, notification_id: int):
    from django.utils import timezone

    updated = Notification.objects.filter(pk=notification_id, user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if not updated and not Notification.objects.filter(pk=notification_id, user=request.user).exists():
        raise Http404
    return {"ok": True}
