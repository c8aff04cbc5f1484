"""The one access path (ARCHITECTURE rule 4 and 5).

Every scoped model's queryset inherits `ScopedQuerySet` and so has `restrict(user, action)`:
the rows a user may see or act on are those (a) whose model policy lets the user's role do
`action`, and (b) whose territory key lies in the subtree the user's unit covers. Views and API
routers call `restrict`; single objects come through `get_<noun>_for_user()`, built on
`get_object_for_user`, which answers 404 alike for "missing" and "not yours".
"""

from collections.abc import Collection
from enum import StrEnum

from django.db import models
from django.http import Http404

from gridgov.regions.codes import KeyRange

from .choices import Role


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"
    ADMINISTER = "administer"


STAFF_ROLES: frozenset[str] = frozenset(Role.values)
ADMIN_ROLES: frozenset[str] = frozenset({Role.ADMINISTRATOR})

# Whole installation: superusers and administrators of the county-level unit.
EVERYWHERE = KeyRange(0, 10**18)
NOWHERE = KeyRange(0, 0)


def territory_of(user) -> KeyRange:
    """The key range the user's unit covers (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return NOWHERE
    cached = getattr(user, "_gridgov_territory", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        result = EVERYWHERE
    elif user.unit_id is None:
        result = NOWHERE
    else:
        result = user.unit.territory.subtree
    user._gridgov_territory = result
    return result


def role_may(user, action: str, policy: dict[str, Collection[str]]) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    return getattr(user, "role", None) in policy.get(action, ())


class ScopedQuerySet(models.QuerySet):
    """Base for every queryset whose rows belong to a place.

    Subclasses set `territory_key_field` (an integer region key on the model, or a path such as
    "grid__key") and the model sets `access_policy = {action: roles}`.
    """

    territory_key_field = "key"

    def restrict(self, user, action: str = Action.VIEW):
        policy = getattr(self.model, "access_policy", {})
        if not role_may(user, action, policy):
            return self.none()
        scope = territory_of(user)
        if scope == EVERYWHERE:
            return self
        if scope == NOWHERE:
            return self.none()
        field = self.territory_key_field
        return self.filter(**{f"{field}__gte": scope.low, f"{field}__lt": scope.high})


def get_object_for_user(queryset: ScopedQuerySet, user, action: str = Action.VIEW, **lookup):
    """One object the user may `action`, or Http404 whether it is missing or out of scope."""
    try:
        return queryset.restrict(user, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到") from exc
