from .jurisdiction import Action, get_object_for_user
from .models import Unit


def get_unit_for_user(user, code: str, action: str = Action.VIEW) -> Unit:
    return get_object_for_user(Unit.objects.select_related("territory", "parent"), user, action, code=code)


def units_for(user, *, kind: str | None = None, territory_code: str | None = None):
    units = Unit.objects.restrict(user).select_related("territory", "parent")
    if kind:
        units = units.filter(kind=kind)
    if territory_code:
        units = units.filter(territory__code=territory_code)
    return units
