"""Exception paths that need someone's approval or order: extension (延期), parking (挂账),
supervision orders (督办)."""

from datetime import datetime

from django.db import transaction

from gridgov.accounts.choices import Role, UnitKind
from gridgov.accounts.models import Unit
from gridgov.audit.actor import Actor
from gridgov.core import clock
from gridgov.matters.limits import LimitError, parse_limit
from gridgov.workcal.calendar import add_working_time

from ..choices import EventState, RequestKind, RequestState, SupervisionState
from ..deadlines import add_limit, refresh_next_due, remaining_working_seconds, set_deadline
from ..errors import BadRequest, Conflict, NotYourTurn
from ..models import EventRequest, SupervisionOrder
from ..notify import notify_unit
from .base import (
    DISPATCH_ROLES,
    HANDLING_ROLES,
    SUPERVISION_ROLES,
    acting_unit,
    lock_event,
    require_state,
    township_command_of,
    transition,
)
from .handling import _STAGE_FIELDS, _need_reason

MAX_EXTENSION_DAYS = 60


def request_extension(actor: Actor, event_id: int, amount: str, reason: str) -> EventRequest:
    reason = _need_reason(reason, "延期理由")
    try:
        limit = parse_limit(amount)
    except LimitError as exc:
        raise BadRequest(str(exc)) from exc
    too_long = (limit.unit == "days" and limit.amount > MAX_EXTENSION_DAYS) or (
        limit.unit in ("hours", "minutes")
        and limit.amount > MAX_EXTENSION_DAYS * 7 * (60 if limit.unit == "minutes" else 1)
    )
    if too_long:
        raise BadRequest(f"一次延期不能超过 {MAX_EXTENSION_DAYS} 个工作日；更长的工作请申请挂账")
    return _request(actor, event_id, RequestKind.EXTENSION, reason, amount=amount)


def request_parking(actor: Actor, event_id: int, reason: str, until: datetime | None = None) -> EventRequest:
    reason = _need_reason(reason, "挂账理由")
    if until is not None and until <= clock.now():
        raise BadRequest("挂账截止时间应晚于现在")
    return _request(actor, event_id, RequestKind.PARKING, reason, until=until)


def _request(actor: Actor, event_id: int, kind: str, reason: str, **values) -> EventRequest:
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.DISPATCHED, EventState.IN_PROGRESS)
        unit = acting_unit(actor, event.lead_unit, roles=HANDLING_ROLES)
        if event.requests.filter(kind=kind, state=RequestState.PENDING).exists():
            raise Conflict(f"已有一项{RequestKind(kind).label}申请在审批中")
        request = EventRequest.objects.create(
            event=event, kind=kind, unit=unit, requested_by=actor.user, reason=reason, **values
        )
        transition(
            event,
            actor,
            f"request_{kind}",
            unit=unit,
            reason=reason,
            data={"request": request.pk, **{k: str(v) for k, v in values.items()}},
            now=now,
        )
        approver = event.dispatched_by_unit or township_command_of(event)
        notify_unit(
            approver, "approval", f"{RequestKind(kind).label}申请待审批：{event.number}", event, reason
        )
    return request


def decide_request(actor: Actor, request_id: int, *, approve: bool, note: str = "") -> EventRequest:
    """The dispatching unit approves or refuses; approval of an extension moves the deadline,
    approval of parking pauses the clock."""
    now = clock.now()
    with transaction.atomic():
        request = EventRequest.objects.select_for_update().get(pk=request_id)
        event = lock_event(actor, request.event_id)
        if request.state != RequestState.PENDING:
            raise Conflict(f"该申请{request.get_state_display()}，不能再次审批")
        approver = acting_unit(
            actor, event.dispatched_by_unit or township_command_of(event), roles=DISPATCH_ROLES
        )
        if not approve and not (note or "").strip():
            raise BadRequest("不批准时请填写审批意见")
        request.state = RequestState.APPROVED if approve else RequestState.REFUSED
        request.decided_by, request.decided_at, request.decision_note = actor.user, now, (note or "")[:500]
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
        if not approve:
            transition(event, actor, f"refuse_{request.kind}", unit=approver, reason=note, now=now)
        elif request.kind == RequestKind.EXTENSION:
            require_state(event, EventState.DISPATCHED, EventState.IN_PROGRESS)
            set_deadline(event, add_limit(event.stage_deadline or now, parse_limit(request.amount)), now)
            event.assignments.filter(unit=event.lead_unit).update(deadline=event.stage_deadline)
            event.extensions += 1
            transition(
                event,
                actor,
                "extend",
                unit=approver,
                reason=note or request.reason,
                data={"amount": request.amount, "deadline": event.stage_deadline.isoformat()},
                fields=[*_STAGE_FIELDS, "extensions"],
                now=now,
            )
        else:
            require_state(event, EventState.DISPATCHED, EventState.IN_PROGRESS)
            event.paused_remaining_seconds = remaining_working_seconds(event, now)
            event.park_until = request.until
            refresh_next_due(event, state=EventState.PARKED)
            transition(
                event,
                actor,
                "park",
                to_state=EventState.PARKED,
                unit=approver,
                reason=note or request.reason,
                fields=["paused_remaining_seconds", "park_until", "next_due_at"],
                now=now,
            )
        notify_unit(
            request.unit,
            "decision",
            f"{request.get_kind_display()}申请{request.get_state_display()}：{event.number}",
            event,
            note,
        )
    return request


def unpark_event(actor: Actor, event_id: int, reason: str = "") -> object:
    """Resume a parked event: the clock restarts with the working time that was left."""
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.PARKED)
        unit = acting_unit(
            actor, event.lead_unit, event.dispatched_by_unit, roles=HANDLING_ROLES | DISPATCH_ROLES
        )
        seconds = event.paused_remaining_seconds or 0
        deadline = add_working_time(now, seconds // 60, "minutes") if seconds >= 60 else now
        set_deadline(event, deadline, now, state=EventState.IN_PROGRESS)
        event.paused_remaining_seconds, event.park_until = None, None
        transition(
            event,
            actor,
            "unpark",
            to_state=EventState.IN_PROGRESS,
            unit=unit,
            reason=reason or "恢复办理",
            fields=[*_STAGE_FIELDS, "paused_remaining_seconds", "park_until"],
            now=now,
        )
        notify_unit(event.lead_unit, "unpark", f"挂账事件恢复办理：{event.number}", event)
    return event


def issue_supervision(
    actor: Actor, event_id: int, instructions: str, within: str, to_unit: Unit | None = None
) -> SupervisionOrder:
    """督办 by a leader or the county centre, with its own deadline."""
    instructions = _need_reason(instructions, "督办要求")
    try:
        limit = parse_limit(within)
    except LimitError as exc:
        raise BadRequest(str(exc)) from exc
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        if event.state in (EventState.CLOSED, EventState.MERGED, EventState.REJECTED):
            raise Conflict(f"事件{event.get_state_display()}，无需督办")
        user = actor.user
        if user is not None and not user.is_superuser:
            county_level = user.unit and user.unit.kind == UnitKind.COUNTY_CENTRE
            if user.role not in SUPERVISION_ROLES or (user.role == Role.DISPATCHER and not county_level):
                raise NotYourTurn("督办由领导、督查员或县级社会治理中心发出")
        issuing = user.unit if user is not None and user.unit else township_command_of(event)
        target = to_unit or event.owner_unit
        order = SupervisionOrder.objects.create(
            event=event,
            issued_by=user,
            issuing_unit=issuing,
            to_unit=target,
            instructions=instructions,
            deadline=add_limit(now, limit),
        )
        transition(
            event,
            actor,
            "supervise",
            unit=issuing,
            reason=instructions,
            data={"order": order.pk, "to": target.code, "deadline": order.deadline.isoformat()},
            now=now,
        )
        notify_unit(target, "supervision", f"督办：{event.matter.name} {event.number}", event, instructions)
    return order


def answer_supervision(actor: Actor, order_id: int, response: str) -> SupervisionOrder:
    response = _need_reason(response, "督办反馈")
    now = clock.now()
    with transaction.atomic():
        order = SupervisionOrder.objects.select_for_update().get(pk=order_id)
        event = lock_event(actor, order.event_id)
        if order.state != SupervisionState.OPEN:
            raise Conflict("该督办单已反馈")
        unit = acting_unit(actor, order.to_unit)
        order.state, order.response, order.answered_at = SupervisionState.ANSWERED, response[:1000], now
        order.save(update_fields=["state", "response", "answered_at", "updated_at"])
        transition(
            event, actor, "answer_supervision", unit=unit, reason=response, data={"order": order.pk}, now=now
        )
        if order.issued_by:
            from ..notify import notify

            notify(
                [order.issued_by], "supervision_answer", f"督办已反馈：{event.number}", event, response[:200]
            )
    return order
