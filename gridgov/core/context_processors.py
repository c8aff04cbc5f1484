"""Navigation by role: each entry is shown only to the roles that use it."""

from django.urls import reverse

from gridgov.accounts.choices import Role

ALL = set(Role.values)
NAVIGATION = [
    ("我的工作", "home", ALL),
    ("区划地图", "regions:map", ALL),
    ("单位", "accounts:units", ALL),
    ("区划导入导出", "regions:import", {Role.ADMINISTRATOR}),
    ("审计日志", "audit:list", {Role.ADMINISTRATOR}),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = Role.ADMINISTRATOR if user.is_superuser else user.role
    path = request.path
    items = []
    for label, name, roles in NAVIGATION:
        if role in roles:
            url = reverse(name)
            active = path == url if name == "home" else path.startswith(url)
            items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
