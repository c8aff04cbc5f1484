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


# -- staff accounts from the administrator's pages (/staff/) -----------------------------------------

GENERATED_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I
GENERATED_PASSWORD_LENGTH = 14


class StaffChangeRefused(ValueError):
    """A change to a staff account that is not allowed; the message says why, in Chinese."""


def generate_password() -> str:
    """A random password that is easy to read out and type (no look-alike characters)."""
    import secrets

    return "".join(secrets.choice(GENERATED_PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_LENGTH))


def _acting_user_id(actor: Actor):
    return getattr(actor.user, "pk", None)


def _check_may_manage(actor: Actor, user: User) -> None:
    """Only a superuser changes a superuser: an administrator must not be able to take over one."""
    if user.is_superuser and not getattr(actor.user, "is_superuser", False):
        raise StaffChangeRefused("超级管理员账号只能由超级管理员修改")


def set_user_active(actor: Actor, user: User, active: bool) -> bool:
    """Deactivate or reactivate a staff account; returns whether anything changed.

    A deactivated user can no longer log in, their sessions stop working and their API tokens are
    refused (`user_for_token` checks `is_active`); nothing of theirs is deleted.
    """
    if not active and _acting_user_id(actor) == user.pk:
        raise StaffChangeRefused("不能停用自己的账号")
    _check_may_manage(actor, user)
    from gridgov.core import clock

    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk, is_active=not active).update(
            is_active=active, updated_at=clock.now()
        )
        if changed:
            record(
                actor,
                "user.reactivate" if active else "user.deactivate",
                user,
                before={"is_active": not active},
                after={"is_active": active},
            )
            transaction.on_commit(_staff_changed)
    user.is_active = active
    return bool(changed)


def reset_password(actor: Actor, user: User) -> str:
    """Give `user` a new generated password and return it (it is stored only as a hash).

    The user's other sessions end (Django checks the password hash on every request) and failed
    logins recorded against the username are forgotten, so a locked-out user can log in at once.
    """
    _check_may_manage(actor, user)
    raw = generate_password()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(raw)
        locked.save(update_fields=["password", "updated_at"])
        record(actor, "user.reset_password", locked)
        username = locked.username
        transaction.on_commit(lambda: _forget_failed_logins(username))
    user.password = locked.password
    return raw


def _forget_failed_logins(username: str) -> None:
    from axes.utils import reset

    reset(username=username)


def update_staff_user(
    actor: Actor, user: User, *, unit: Unit | None, role: str, display_name: str, phone: str
) -> bool:
    """Move a staff member to another unit or role, or correct their name and phone; returns
    whether anything changed. Administrators cannot change their own role or unit (no self-lockout)."""
    _check_may_manage(actor, user)
    if _acting_user_id(actor) == user.pk and (role != user.role or unit != user.unit):
        raise StaffChangeRefused("不能修改自己的角色或单位，请另一位系统管理员操作")
    with transaction.atomic():
        locked = User.objects.select_for_update(of=("self",)).select_related("unit").get(pk=user.pk)
        values = {"unit": unit, "role": role, "display_name": display_name, "phone": phone}
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        if not changed:
            return False

        def shown(name, value):
            return value.code if name == "unit" and value is not None else (value or "")

        before = {name: shown(name, getattr(locked, name)) for name in changed}
        for name in changed:
            setattr(locked, name, values[name])
        locked.save(update_fields=[*changed, "updated_at"])
        record(
            actor,
            "user.update",
            locked,
            before=before,
            after={name: shown(name, values[name]) for name in changed},
        )
        transaction.on_commit(_staff_changed)
    for name, value in values.items():
        setattr(user, name, value)
    return True
