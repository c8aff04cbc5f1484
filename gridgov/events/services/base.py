"""What every event service shares: locking the row, checking who may act, writing the
transition (state, history row, audit row) in the caller's transaction."""

from django.http import Http404

from gridgov.accounts.choices import Role, UnitKind
from gridgov.accounts.jurisdiction import Action
from gridgov.accounts.models import Unit
from gridgov.audit.actor import Actor
from gridgov.audit.services import record
from gridgov.core import clock
from gridgov.integration import webhooks
from gridgov.matters.targets import township_command

from ..choices import EventState
from ..errors import Conflict, NotYourTurn
from ..models import Event, EventHistory


def lock_event(actor: Actor, event_id: int, action: str = Action.CHANGE) -> Event:
    """The event row, locked for this transaction, if the actor may act on it; 404 otherwise.

    Re-checks jurisdiction inside the transaction (ARCHITECTURE rule 4): a citizen or system actor
    (no user) is trusted by the caller, which has already checked ownership.
    """
    # Lock only the event row (`of=self`): PostgreSQL refuses FOR UPDATE across the nullable side of
    # an outer join, and a join on a column the winner of a race changes (owner_unit) would make the
    # waiting transaction miss the row (404) instead of seeing the new state (Conflict). The joined
    # matter and grid never change.
    events = Event.objects.select_for_update(of=("self",)).select_related("matter", "grid")
    if actor.user is not None:
        events = events.restrict(actor.user, action)
    try:
        return events.get(pk=event_id)
    except Event.DoesNotExist as exc:
        raise Http404("未找到该事件") from exc


def require_state(event: Event, *states: str) -> None:
    if event.state not in states:
        allowed = "、".join(EventState(s).label for s in states)
        raise Conflict(
            f"操作未执行：事件 {event.number} 当前为「{event.get_state_display()}」，只有「{allowed}」时可以这样做"
            "（可能已被他人处理，请刷新后再试）"
        )


def acting_unit(actor: Actor, *units: Unit | None, roles: set[str] | None = None) -> Unit | None:
    """The unit the actor acts for, which must be one of `units`; superusers act for the first.
    System actors (scheduler, upper-level systems) act for the first unit."""
    allowed = [u for u in units if u is not None]
    user = actor.user
    if user is None or user.is_superuser:
        return allowed[0] if allowed else None
    if roles is not None and user.role not in roles:
        raise NotYourTurn(f"您的角色（{user.get_role_display()}）不能执行此操作")
    for unit in allowed:
        if user.unit_id == unit.id:
            return unit
    names = "、".join(u.name for u in allowed) or "相应单位"
    raise NotYourTurn(
        f"此步骤应由{names}办理，您所在的{user.unit.name if user.unit else '（无单位）'}不能操作"
    )


def transition(
    event: Event,
    actor: Actor,
    action: str,
    *,
    to_state: str | None = None,
    unit: Unit | None = None,
    reason: str = "",
    data: dict | None = None,
    fields: list[str] = (),
    now=None,
) -> EventHistory:
    """Apply a state change already decided by the caller: save the listed fields, write the
    history row and the audit row. `to_state=None` records an action without a state change."""
    now = now or clock.now()
    old = event.state
    if to_state is not None:
        event.state = to_state
    event.revision += 1
    event.save(update_fields=sorted({*fields, "state", "revision", "updated_at"}))
    return write_history(event, actor, action, from_state=old, unit=unit, reason=reason, data=data, now=now)


def write_history(
    event: Event,
    actor: Actor,
    action: str,
    *,
    from_state: str,
    unit: Unit | None = None,
    reason: str = "",
    data: dict | None = None,
    now=None,
) -> EventHistory:
    """The rows every transition leaves once the event row holds its new state: the history row,
    the audit row and the queued webhooks. `transition` calls it after its UPDATE; intake calls it
    after the INSERT that created the event in its first state (no second write of the row)."""
    now = now or clock.now()
    user = actor.user if actor.user is not None and getattr(actor.user, "pk", None) else None
    history = EventHistory.objects.create(
        event=event,
        action=action,
        from_state=from_state,
        to_state=event.state,
        actor=user,
        actor_label=str(actor)[:80],
        unit=unit,
        reason=reason[:500],
        data=data or {},
        at=now,
    )
    record(
        actor,
        f"event.{action}",
        event,
        before={"state": from_state},
        after={"state": event.state},
        reason=reason,
    )
    webhooks.queue(action, event, history)
    return history


def township_command_of(event: Event) -> Unit:
    return township_command(event.grid.code)


def county_centre() -> Unit:
    return Unit.objects.filter(kind=UnitKind.COUNTY_CENTRE, is_active=True).order_by("id").first()


DISPATCH_ROLES = {Role.DISPATCHER, Role.ADMINISTRATOR}
HANDLING_ROLES = {Role.HANDLER, Role.DISPATCHER, Role.GRID_WORKER, Role.ADMINISTRATOR}
SUPERVISION_ROLES = {Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER}
