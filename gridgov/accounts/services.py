"""State changes of units, users and API tokens. Each writes an audit row in its transaction."""

from django.db import transaction
from django.utils import timezone

from gridgov.audit.actor import Actor
from gridgov.audit.services import record

from .models import ApiToken, Citizen, Unit, User, hash_token

UNIT_FIELDS = ("name", "short_name", "kind", "line", "parent_id", "territory_id", "is_active")


def upsert_unit(actor: Actor, *, code: str, **values) -> tuple[Unit, bool]:
    """Create the unit `code` or bring it to `values`; returns (unit, changed). Changes nothing if equal."""
    with transaction.atomic():
        unit = Unit.objects.select_for_update().filter(code=code).first()
        if unit is None:
            unit = Unit.objects.create(code=code, **values)
            record(actor, "unit.create", unit, after={k: values.get(k) for k in UNIT_FIELDS if k in values})
            return unit, True
        before = {k: getattr(unit, k) for k in values}
        changed = [k for k, v in values.items() if getattr(unit, k) != v]
        if not changed:
            return unit, False
        for name in changed:
            setattr(unit, name, values[name])
        unit.save(update_fields=[*changed, "updated_at"])
        record(actor, "unit.update", unit, before=before, after=values)
        return unit, True


def create_staff_user(
    actor: Actor,
    *,
    username: str,
    password: str,
    unit: Unit | None,
    role: str,
    display_name: str = "",
    phone: str = "",
    is_superuser: bool = False,
) -> User:
    with transaction.atomic():
        user = User(
            username=username,
            unit=unit,
            role=role,
            display_name=display_name,
            phone=phone,
            is_superuser=is_superuser,
            is_staff=is_superuser,
        )
        user.set_password(password)
        user.save()
        transaction.on_commit(_staff_changed)
        record(
            actor,
            "user.create",
            user,
            after={
                "username": username,
                "unit": unit.code if unit else "",
                "role": role,
                "superuser": is_superuser,
            },
        )
    return user


def _staff_changed() -> None:
    """Who acts for a unit is cached by the event notifications; tell them staff changed."""
    from gridgov.events.notify import forget_actors

    forget_actors()


def ensure_citizen(actor: Actor, phone: str) -> Citizen:
    with transaction.atomic():
        citizen, created = Citizen.objects.get_or_create(phone=phone)
        if created:
            record(actor, "citizen.create", citizen)
    return citizen


def create_api_token(actor: Actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns the row and the raw token, which is never stored."""
    raw = ApiToken.new_raw_token()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, token_hash=hash_token(raw), hint=raw[-4:])
        record(actor, "api_token.create", token, after={"user": user.username, "name": name})
    return token, raw


def revoke_api_token(actor: Actor, token: ApiToken) -> None:
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            record(actor, "api_token.revoke", token)


def user_for_token(raw: str) -> User | None:
    """The active user behind a raw token, or None. Marks the token used (at most once a minute)."""
    if not raw or not raw.startswith(ApiToken.PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__unit__territory")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
