"""Navigation by role: each entry is shown only to the roles that use it (a set of roles, or a
function of the user for entries that depend on the unit too)."""

from django.urls import reverse
from django.utils.module_loading import import_string

from gridgov.accounts.choices import Role

ALL = set(Role.values)
NAVIGATION = [
    ("现场工作台", "field:today", {Role.GRID_WORKER}),
    ("我的工作", "home", ALL - {Role.GRID_WORKER}),
    ("事件", "desk:queue", ALL),
    ("任务下派", "tasks:list", ALL),
    ("领导总览", "leader:overview", "gridgov.events.views.leader.may_lead"),
    ("区划地图", "regions:map", ALL),
    ("单位", "accounts:units", ALL),
    ("事项清单", "matters:catalogue", ALL),
    # One entry for the administrator: the index links to accounts, calendar, webhooks, ladder,
    # territory import, catalogue and audit log.
    ("系统管理", "staff:index", {Role.ADMINISTRATOR}),
]
# Pages reached from an entry's index that live under other addresses: the entry stays highlighted.
ALSO_UNDER = {"staff:index": ("/calendar/", "/webhooks/", "/ladder/", "/audit/", "/territory/import/")}


def _shown(user, role, roles) -> bool:
    if isinstance(roles, str):
        return import_string(roles)(user)
    return role in roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = Role.ADMINISTRATOR if user.is_superuser else user.role
    items = [
        {"label": label, "url": reverse(name), "prefixes": (reverse(name), *ALSO_UNDER.get(name, ()))}
        for label, name, roles in NAVIGATION
        if _shown(user, role, roles)
    ]
    # The entry with the longest address prefix of this page is the current one.
    matches = [
        (len(prefix), i)
        for i in items
        for prefix in i["prefixes"]
        if request.path == prefix or (prefix != "/" and request.path.startswith(prefix))
    ]
    current = max(matches, key=lambda m: m[0], default=(0, None))[1]
    for item in items:
        item["active"] = item is current
    return {"nav_items": items}
