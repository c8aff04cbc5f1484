"""The main path of the loop: triage and dispatch, acceptance, joint handling, verification,
closure, rating and reopening; plus returns, rework, merging and rejection. Each function is one
transaction on a locked event row, with a history row and an audit row."""

from datetime import timedelta

from django.db import transaction
from django.http import Http404

from gridgov.accounts.choices import Role, UnitKind
from gridgov.accounts.models import Citizen, Unit
from gridgov.audit.actor import Actor
from gridgov.core import clock
from gridgov.matters.choices import LEVEL_ORDER, HandlingLevel, Stage
from gridgov.matters.lookup import matter_by_code
from gridgov.matters.routing import RoutingError, route

from ..choices import OPEN_STATES, AssignmentRole, AssignmentState, EventState, PhotoKind, Rating
from ..deadlines import start_stage
from ..errors import BadRequest, Conflict, NotYourTurn
from ..models import Assignment, Event
from ..notify import notify, notify_unit
from ..photos import attach_photo, check_photo
from .base import (
    DISPATCH_ROLES,
    HANDLING_ROLES,
    acting_unit,
    county_centre,
    lock_event,
    require_state,
    township_command_of,
    transition,
)

LEVEL_OF_KIND = {
    UnitKind.GRID: HandlingLevel.GRID,
    UnitKind.VILLAGE: HandlingLevel.VILLAGE,
    UnitKind.TOWNSHIP_COMMAND: HandlingLevel.TOWNSHIP,
    UnitKind.TOWNSHIP_PLATFORM: HandlingLevel.TOWNSHIP,
    UnitKind.ENFORCEMENT_TEAM: HandlingLevel.TOWNSHIP,
    UnitKind.COUNTY_CENTRE: HandlingLevel.COUNTY,
    UnitKind.DEPARTMENT: HandlingLevel.COUNTY,
}


REOPEN_DAYS = 7  # a citizen may reopen an event they rated unsatisfied within a week of closing


def _need_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest(f"请填写{what}")
    if len(reason) > 500:
        raise BadRequest(f"{what}不能超过 500 字")
    return reason


def _check_targets(dispatcher: Unit, event: Event, lead: Unit, co: list[Unit]) -> None:
    """Township units handle only events of their own township; only the county centre may send
    an event to a county department."""
    if lead in co:
        raise BadRequest("主办单位不能同时是协办单位")
    for unit in [lead, *co]:
        if not unit.is_active:
            raise BadRequest(f"{unit.name} 已停用")
        if unit.kind in (UnitKind.COUNTY_CENTRE, UnitKind.TOWNSHIP_COMMAND):
            raise BadRequest(f"{unit.name} 是调度单位，不能作为处置单位")
        in_township = unit.territory.code.startswith(event.grid.code[:9])
        if unit.kind != UnitKind.DEPARTMENT and not in_township:
            raise BadRequest(f"{unit.name} 不在事件所在乡镇（街道），不能承办")
        if dispatcher.kind == UnitKind.TOWNSHIP_COMMAND and unit.kind == UnitKind.DEPARTMENT:
            raise BadRequest(
                f"乡镇不能直接派遣县级部门（{unit.name}）：本事项需县级部门办理或协办，请上报县级社会治理中心统筹派遣"
            )


def dispatch_event(
    actor: Actor, event_id: int, *, lead: Unit | None = None, co: list[Unit] | None = None, reason: str = ""
) -> Event:
    """Send the event to a lead unit and co-units (defaults: the catalogue's route)."""
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.REPORTED, EventState.ESCALATED)
        dispatcher = acting_unit(actor, event.owner_unit, roles=DISPATCH_ROLES)
        if lead is None:
            try:
                planned = route(event.matter, event.grid)
            except RoutingError as exc:
                raise BadRequest(str(exc)) from exc
            lead, co = planned.lead, planned.co if co is None else co
            why = planned.reason
        else:
            why = f"调度员指定：{reason}" if reason else "调度员指定"
        co = list(co or [])
        _check_targets(dispatcher, event, lead, co)
        event.assignments.filter(state__in=[AssignmentState.PENDING, AssignmentState.ACCEPTED]).update(
            state=AssignmentState.WITHDRAWN
        )
        start_stage(event, Stage.HANDLE, now)
        for unit, role in [(lead, AssignmentRole.LEAD), *[(u, AssignmentRole.CO) for u in co]]:
            Assignment.objects.create(event=event, unit=unit, role=role, deadline=event.stage_deadline)
        event.owner_unit = lead
        event.lead_unit = lead
        event.dispatched_by_unit = dispatcher
        event.level = LEVEL_OF_KIND.get(lead.kind, HandlingLevel.TOWNSHIP)
        event.route_reason = why[:300]
        transition(
            event,
            actor,
            "dispatch",
            to_state=EventState.DISPATCHED,
            unit=dispatcher,
            reason=reason or why,
            data={"lead": lead.code, "co": [u.code for u in co]},
            fields=[*_STAGE_FIELDS, "owner_unit", "lead_unit", "dispatched_by_unit", "level", "route_reason"],
            now=now,
        )
        notify_unit(lead, "new_task", f"新派遣（主办）：{event.matter.name} {event.number}", event)
        for unit in co:
            notify_unit(unit, "new_task", f"新派遣（协办）：{event.matter.name} {event.number}", event)
    return event


_STAGE_FIELDS = [
    "stage",
    "stage_started_at",
    "stage_deadline",
    "warn_at",
    "warned",
    "overdue",
    "escalation_step",
    "next_due_at",
]


def reclassify_event(actor: Actor, event_id: int, matter_code: str, reason: str = "") -> Event:
    """The dispatcher corrects the matter at triage; the route is worked out again, and the change
    counts against the classifier when it departs from its top suggestion."""
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.REPORTED, EventState.ESCALATED)
        unit = acting_unit(actor, event.owner_unit, roles=DISPATCH_ROLES)
        matter = matter_by_code(event.version, matter_code)
        if matter is None:
            raise BadRequest(f"未知的事项编码 {matter_code!r}（清单 v{event.version.number}）")
        if matter.pk == event.matter_id:
            raise Conflict(f"事件已是「{matter.name}」")
        old = event.matter
        top = event.suggestions[0]["code"] if event.suggestions else None
        event.matter = matter
        event.matter_overridden = top is not None and top != matter.code
        try:
            planned = route(matter, event.grid)
            event.route_rule, event.route_reason = planned.rule, planned.reason[:300]
        except RoutingError:
            event.route_rule, event.route_reason = "", "未能按清单自动确定处置单位，请调度员指定"
        start_stage(event, event.stage, event.stage_started_at)
        transition(
            event,
            actor,
            "reclassify",
            unit=unit,
            reason=reason or f"事项由「{old.name}」改为「{matter.name}」",
            data={"from": old.code, "to": matter.code},
            fields=[*_STAGE_FIELDS, "matter", "matter_overridden", "route_rule", "route_reason"],
            now=now,
        )
    return event


def escalate_to_county(actor: Actor, event_id: int, reason: str) -> Event:
    """The township cannot solve it: the county centre takes over the dispatch (升级上报)."""
    reason = _need_reason(reason, "上报县级的理由")
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.REPORTED)
        unit = acting_unit(actor, event.owner_unit, roles=DISPATCH_ROLES)
        if unit.kind != UnitKind.TOWNSHIP_COMMAND:
            raise NotYourTurn("只有乡镇（街道）指挥室可以上报县级")
        centre = county_centre()
        event.owner_unit = centre
        event.level = HandlingLevel.COUNTY
        start_stage(event, Stage.DISPATCH, now)
        transition(
            event,
            actor,
            "escalate",
            to_state=EventState.ESCALATED,
            unit=unit,
            reason=reason,
            fields=[*_STAGE_FIELDS, "owner_unit", "level"],
            now=now,
        )
        notify_unit(centre, "new_event", f"乡镇上报县级：{event.matter.name} {event.number}", event, reason)
    return event


def _assignment_of(event: Event, unit: Unit, *states: str) -> Assignment:
    assignment = (
        event.assignments.select_for_update()
        .filter(unit=unit, state__in=states or list(AssignmentState.values))
        .first()
    )
    if assignment is None:
        raise NotYourTurn(f"{unit.name} 在此事件中没有待办任务")
    return assignment


def _actor_assignment_unit(actor: Actor, event: Event, *states: str) -> Unit:
    units = [a.unit for a in event.assignments.select_related("unit").filter(state__in=states)]
    if not units:
        raise Conflict(f"事件 {event.number} 当前没有可办理的任务")
    return acting_unit(actor, *units, roles=HANDLING_ROLES)


def _refuse_second_acceptance(actor: Actor, event: Event) -> None:
    user = actor.user
    if user is None or not user.unit_id:
        return
    mine = event.assignments.filter(unit_id=user.unit_id)
    pending = mine.filter(state=AssignmentState.PENDING).exists()
    if not pending and mine.filter(state__in=[AssignmentState.ACCEPTED, AssignmentState.DONE]).exists():
        raise Conflict(f"{user.unit.name} 已签收事件 {event.number}，无需重复签收")


def accept_event(actor: Actor, event_id: int) -> Event:
    """签收: the lead or a co-unit accepts its task; the lead's acceptance starts the handling."""
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.DISPATCHED, EventState.IN_PROGRESS)
        _refuse_second_acceptance(actor, event)
        unit = _actor_assignment_unit(actor, event, AssignmentState.PENDING)
        assignment = _assignment_of(event, unit, AssignmentState.PENDING)
        assignment.state, assignment.accepted_at = AssignmentState.ACCEPTED, now
        assignment.save(update_fields=["state", "accepted_at", "updated_at"])
        # Only the lead's acceptance moves the event; a co-unit's acceptance is its own sub-task's.
        is_lead = assignment.role == AssignmentRole.LEAD and event.state == EventState.DISPATCHED
        to_state = EventState.IN_PROGRESS if is_lead else None
        transition(
            event, actor, "accept", to_state=to_state, unit=unit, data={"role": assignment.role}, now=now
        )
    return event


def return_event(actor: Actor, event_id: int, reason: str) -> Event:
    """回退: the lead unit says it was wrongly dispatched; the dispatcher gets it back (counted)."""
    reason = _need_reason(reason, "回退理由")
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.DISPATCHED, EventState.IN_PROGRESS)
        unit = acting_unit(actor, event.lead_unit, roles=HANDLING_ROLES)
        dispatcher = event.dispatched_by_unit or township_command_of(event)
        event.assignments.filter(state__in=[AssignmentState.PENDING, AssignmentState.ACCEPTED]).update(
            state=AssignmentState.WITHDRAWN
        )
        back_to = EventState.ESCALATED if dispatcher.kind == UnitKind.COUNTY_CENTRE else EventState.REPORTED
        event.owner_unit = dispatcher
        event.lead_unit = None
        event.level = LEVEL_OF_KIND[dispatcher.kind]
        event.returns += 1
        start_stage(event, Stage.DISPATCH, now)
        transition(
            event,
            actor,
            "return",
            to_state=back_to,
            unit=unit,
            reason=reason,
            fields=[*_STAGE_FIELDS, "owner_unit", "lead_unit", "level", "returns"],
            now=now,
        )
        notify_unit(dispatcher, "returned", f"事件被回退：{event.number}", event, reason)
    return event


def finish_event(actor: Actor, event_id: int, note: str, photos: list[tuple[str, bytes]] = ()) -> Event:
    """A co-unit signs off its part; the lead completes the event only after every co-unit has.
    `photos` (evidence of the handling) are attached in the same transaction."""
    note = _need_reason(note, "处置情况说明")
    for name, content in photos:
        check_photo(name, content)
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.IN_PROGRESS)
        unit = _actor_assignment_unit(actor, event, AssignmentState.ACCEPTED)
        assignment = _assignment_of(event, unit, AssignmentState.ACCEPTED)
        for name, content in photos:
            attach_photo(event, PhotoKind.EVIDENCE, name, content, str(actor))
        if assignment.role == AssignmentRole.CO:
            assignment.state, assignment.finished_at, assignment.note = AssignmentState.DONE, now, note
            assignment.save(update_fields=["state", "finished_at", "note", "updated_at"])
            transition(event, actor, "co_finish", unit=unit, reason=note, data={"unit": unit.code}, now=now)
            notify_unit(event.lead_unit, "co_done", f"协办单位已完成：{unit.name}（{event.number}）", event)
            return event
        open_co = event.assignments.filter(role=AssignmentRole.CO).exclude(
            state__in=[AssignmentState.DONE, AssignmentState.WITHDRAWN]
        )
        if open_co.exists():
            names = "、".join(a.unit.name for a in open_co.select_related("unit"))
            raise Conflict(f"协办单位尚未完成：{names}。全部协办完成后主办单位才能办结")
        assignment.state, assignment.finished_at, assignment.note = AssignmentState.DONE, now, note
        assignment.save(update_fields=["state", "finished_at", "note", "updated_at"])
        verifier = _verifier(event)
        event.owner_unit = verifier
        event.handled_at = now
        start_stage(event, Stage.VERIFY, now)
        transition(
            event,
            actor,
            "finish",
            to_state=EventState.HANDLED,
            unit=unit,
            reason=note,
            fields=[*_STAGE_FIELDS, "owner_unit", "handled_at"],
            now=now,
        )
        notify_unit(verifier, "verify", f"待核查：{event.matter.name} {event.number}", event, note)
    return event


def report_event_progress(
    actor: Actor, event_id: int, note: str, photos: list[tuple[str, bytes]] = ()
) -> Event:
    """进展: a unit handling the event records what it has done so far, with photos; the state and
    the clock do not change."""
    note = _need_reason(note, "进展说明")
    for name, content in photos:
        check_photo(name, content)
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.IN_PROGRESS)
        unit = _actor_assignment_unit(actor, event, AssignmentState.ACCEPTED)
        for name, content in photos:
            attach_photo(event, PhotoKind.EVIDENCE, name, content, str(actor))
        transition(event, actor, "progress", unit=unit, reason=note, data={"photos": len(photos)}, now=now)
    return event


def _verifier(event: Event) -> Unit:
    """The reporting grid worker's grid verifies when the matter may close at grid or village level;
    otherwise the township command room (DOMAIN §5: 核查结案)."""
    reporter = event.reporter_user
    may_close_low = LEVEL_ORDER[event.matter.close_level] <= LEVEL_ORDER[HandlingLevel.VILLAGE]
    if reporter and reporter.role == Role.GRID_WORKER and reporter.unit_id and may_close_low:
        return reporter.unit
    return township_command_of(event)


def verify_event(actor: Actor, event_id: int, *, passed: bool, reason: str = "") -> Event:
    """核查: pass → closed; fail → rework by the lead unit with a fresh handling deadline (counted)."""
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.HANDLED)
        unit = acting_unit(actor, event.owner_unit, roles=HANDLING_ROLES)
        if passed:
            _close(event, actor, unit, reason or "核查通过", now)
        else:
            reason = _need_reason(reason, "返工原因")
            lead = event.lead_unit
            event.assignments.filter(unit=lead, role=AssignmentRole.LEAD).update(
                state=AssignmentState.ACCEPTED, finished_at=None
            )
            event.owner_unit = lead
            event.reworks += 1
            start_stage(event, Stage.HANDLE, now)
            transition(
                event,
                actor,
                "rework",
                to_state=EventState.IN_PROGRESS,
                unit=unit,
                reason=reason,
                fields=[*_STAGE_FIELDS, "owner_unit", "reworks"],
                now=now,
            )
            notify_unit(lead, "rework", f"核查未通过，需返工：{event.number}", event, reason)
    return event


def _close(event: Event, actor: Actor, unit: Unit | None, reason: str, now) -> None:
    event.closed_at = now
    event.closed_on_time = not event.was_overdue
    event.next_due_at = None
    event.assignments.filter(state__in=[AssignmentState.PENDING, AssignmentState.ACCEPTED]).update(
        state=AssignmentState.WITHDRAWN
    )
    transition(
        event,
        actor,
        "close",
        to_state=EventState.CLOSED,
        unit=unit,
        reason=reason,
        fields=["closed_at", "closed_on_time", "next_due_at"],
        now=now,
    )
    _tell_reporters(event, f"您反映的问题已办结：{event.matter.name}（{event.number}）")


def _tell_reporters(event: Event, title: str) -> None:
    """Every reporter of the event and of the duplicates merged into it hears the outcome."""
    users = [
        e.reporter_user for e in [event, *event.merged.select_related("reporter_user")] if e.reporter_user
    ]
    notify(users, "outcome", title, event)


def resolve_on_spot(actor: Actor, event_id: int, note: str) -> Event:
    """就地解决: the grid worker of the event's grid fixed it, with photo evidence already attached."""
    note = _need_reason(note, "处置情况说明")
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.REPORTED)
        user = actor.user
        if (
            user is None
            or user.role != Role.GRID_WORKER
            or not user.unit
            or user.unit.territory_id != event.grid_id
        ):
            raise NotYourTurn("只有本网格的网格员可以就地解决")
        if not event.matter.self_resolvable:
            raise BadRequest(f"事项「{event.matter.name}」不允许网格就地解决，请等待指挥室派遣")
        if not event.photos.filter(kind=PhotoKind.EVIDENCE).exists():
            raise BadRequest("就地解决需要上传处置后的照片作为证据")
        event.self_resolved = True
        event.lead_unit = user.unit
        event.handled_at = now
        event.level = HandlingLevel.GRID
        Assignment.objects.create(
            event=event,
            unit=user.unit,
            role=AssignmentRole.LEAD,
            state=AssignmentState.DONE,
            accepted_at=now,
            finished_at=now,
            note=note,
        )
        if event.matter.close_level == HandlingLevel.GRID:
            transition(
                event,
                actor,
                "resolve_on_spot",
                unit=user.unit,
                reason=note,
                fields=["self_resolved", "lead_unit", "handled_at", "level"],
                now=now,
            )
            _close(event, actor, user.unit, "网格就地解决，按清单可由网格结案", now)
        else:
            verifier = township_command_of(event)
            event.owner_unit = verifier
            start_stage(event, Stage.VERIFY, now)
            transition(
                event,
                actor,
                "resolve_on_spot",
                to_state=EventState.HANDLED,
                unit=user.unit,
                reason=note,
                fields=[*_STAGE_FIELDS, "self_resolved", "lead_unit", "handled_at", "level", "owner_unit"],
                now=now,
            )
            notify_unit(verifier, "verify", f"网格就地解决，待核查：{event.number}", event, note)
    return event


def rate_event(
    actor: Actor, event_id: int, rating: str, comment: str = "", *, citizen: Citizen | None = None
) -> Event:
    """The reporter rates the outcome once: 满意 / 基本满意 / 不满意."""
    if rating not in Rating.values:
        raise BadRequest(f"评价应为 {'、'.join(Rating.labels)} 之一")
    now = clock.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            raise Http404("未找到该事件")
        is_reporter = (citizen is not None and event.reporter_citizen_id == citizen.pk) or (
            actor.user is not None and event.reporter_user_id == actor.user.pk
        )
        if not is_reporter:
            raise NotYourTurn("只有上报人可以评价")
        if event.state == EventState.MERGED:
            # A merged report shares the handling of the event it went into; its reporter rates
            # that outcome on their own report, so every reporter's opinion counts once.
            if final_event(event).state != EventState.CLOSED:
                raise Conflict("您的反映已与同一问题合并办理，办结后才能评价")
        else:
            require_state(event, EventState.CLOSED)
        if event.rating:
            raise Conflict("已经评价过了")
        event.rating, event.rating_comment, event.rated_at = rating, (comment or "")[:500], now
        transition(
            event,
            actor,
            "rate",
            reason=comment or Rating(rating).label,
            data={"rating": rating},
            fields=["rating", "rating_comment", "rated_at"],
            now=now,
        )
        if rating == Rating.UNSATISFIED:
            final = final_event(event)
            notify_unit(
                township_command_of(final), "unsatisfied", f"群众不满意：{final.number}", final, comment
            )
    return event


def final_event(event: Event) -> Event:
    """The event a merged report ended up in (merges may chain)."""
    for _ in range(20):
        if event.merged_into_id is None:
            break
        event = Event.objects.select_related("matter", "grid").get(pk=event.merged_into_id)
    return event


def has_unsatisfied_rating(event: Event) -> bool:
    return event.rating == Rating.UNSATISFIED or event.merged.filter(rating=Rating.UNSATISFIED).exists()


def reopen_event(actor: Actor, event_id: int, reason: str, *, citizen: Citizen | None = None) -> Event:
    """重办: after an unsatisfied rating (of the event or of a report merged into it) the dispatcher
    sends it back to the lead unit (counted). The citizen who reported it and rated it unsatisfied
    may reopen it too, within REOPEN_DAYS of the closing."""
    reason = _need_reason(reason, "重办理由")
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.CLOSED)
        if citizen is not None:
            if event.reporter_citizen_id != citizen.pk:
                raise NotYourTurn("只有上报人可以申请重办")
            if event.rating != Rating.UNSATISFIED:
                raise Conflict("评价为不满意后才能申请重办")
            if event.closed_at and now - event.closed_at > timedelta(days=REOPEN_DAYS):
                raise Conflict(f"结案已超过 {REOPEN_DAYS} 天，请重新上报")
            unit = township_command_of(event)
        else:
            if not has_unsatisfied_rating(event):
                raise Conflict("只有评价为不满意的事件可以重办")
            unit = acting_unit(
                actor, event.dispatched_by_unit or township_command_of(event), roles=DISPATCH_ROLES
            )
        lead = event.lead_unit
        Assignment.objects.create(
            event=event, unit=lead, role=AssignmentRole.LEAD, state=AssignmentState.ACCEPTED, accepted_at=now
        )
        event.owner_unit = lead
        event.reopens += 1
        event.closed_at = None
        event.closed_on_time = None
        event.rating, event.rating_comment, event.rated_at = "", "", None
        start_stage(event, Stage.HANDLE, now)
        transition(
            event,
            actor,
            "reopen",
            to_state=EventState.IN_PROGRESS,
            unit=unit,
            reason=reason,
            fields=[
                *_STAGE_FIELDS,
                "owner_unit",
                "reopens",
                "closed_at",
                "closed_on_time",
                "rating",
                "rating_comment",
                "rated_at",
            ],
            now=now,
        )
        notify_unit(lead, "reopen", f"群众不满意，事件重办：{event.number}", event, reason)
    return event


def merge_event(actor: Actor, event_id: int, into_id: int, reason: str = "") -> Event:
    """The duplicate is closed as merged; the other event carries the handling for every reporter."""
    if event_id == into_id:
        raise BadRequest("不能把事件合并到它自己")
    now = clock.now()
    with transaction.atomic():
        # Fixed lock order (lower id first) so that two opposite merges cannot deadlock.
        first, second = sorted([event_id, into_id])
        locked = {first: lock_event(actor, first), second: lock_event(actor, second)}
        event, target = locked[event_id], locked[into_id]
        require_state(event, EventState.REPORTED, EventState.ESCALATED)
        if target.state not in OPEN_STATES:
            raise Conflict(f"目标事件 {target.number} {target.get_state_display()}，只能合并到办理中的事件")
        unit = acting_unit(actor, event.owner_unit, roles=DISPATCH_ROLES)
        event.merged_into = target
        event.next_due_at = None
        transition(
            event,
            actor,
            "merge",
            to_state=EventState.MERGED,
            unit=unit,
            reason=reason or f"与 {target.number} 重复，合并办理",
            data={"into": target.number},
            fields=["merged_into", "next_due_at"],
            now=now,
        )
        transition(
            target,
            actor,
            "absorb",
            unit=unit,
            reason=f"合并了重复上报 {event.number}",
            data={"merged": event.number},
            now=now,
        )
        if event.reporter_user:
            notify([event.reporter_user], "merged", f"您的上报已与 {target.number} 合并办理", target)
    return event


def reject_event(actor: Actor, event_id: int, reason: str) -> Event:
    reason = _need_reason(reason, "不予受理的理由")
    now = clock.now()
    with transaction.atomic():
        event = lock_event(actor, event_id)
        require_state(event, EventState.REPORTED, EventState.ESCALATED)
        unit = acting_unit(actor, event.owner_unit, roles=DISPATCH_ROLES)
        event.next_due_at = None
        transition(
            event,
            actor,
            "reject",
            to_state=EventState.REJECTED,
            unit=unit,
            reason=reason,
            fields=["next_due_at"],
            now=now,
        )
        _tell_reporters(event, f"您的上报未予受理：{reason[:60]}")
    return event
