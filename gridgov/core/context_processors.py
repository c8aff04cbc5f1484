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
        {"label": label, "url": reverse(name)}
        for label, name, roles in NAVIGATION
        if _shown(user, role, roles)
    ]
    # The entry whose address is the longest prefix of this page is the current one.
    matches = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    current = max(matches, key=lambda i: len(i["url"]), default=None)
    for item in items:
        item["active"] = item is current
    return {"nav_items": items}
