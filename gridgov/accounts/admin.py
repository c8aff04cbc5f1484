from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from gridgov.audit.actor import Actor
from gridgov.audit.services import record

from .models import ApiToken, Citizen, Unit, User
from .services import UNIT_FIELDS, upsert_unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "line", "territory", "is_active")
    list_filter = ("kind", "line", "is_active")
    search_fields = ("name", "code")
    raw_id_fields = ("parent", "territory")
    list_select_related = ("territory",)

    def save_model(self, request, obj, form, change):
        values = {name: getattr(obj, name) for name in UNIT_FIELDS}
        saved, _ = upsert_unit(Actor.from_request(request), code=obj.code, **values)
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # units are deactivated, never deleted: events and history point at them


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "unit", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("username", "display_name", "unit__name")
    raw_id_fields = ("unit",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("单位与角色", {"fields": ("display_name", "phone", "unit", "role")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = sorted(form.changed_data) if form else []
        if "password" in changed:
            changed = [*(c for c in changed if c != "password"), "password（已更改，不记录内容）"]
        record(
            Actor.from_request(request),
            "user.update" if change else "user.create",
            obj,
            summary={"fields": changed},
        )


@admin.register(Citizen)
class CitizenAdmin(admin.ModelAdmin):
    list_display = ("__str__", "is_blocked", "last_seen_at", "created_at")
    list_filter = ("is_blocked",)
    readonly_fields = ("phone", "last_seen_at", "created_at", "updated_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "hint", "last_used_at", "revoked_at", "created_at")
    readonly_fields = ("user", "name", "hint", "last_used_at", "created_at", "updated_at")
    fields = ("user", "name", "hint", "last_used_at", "revoked_at", "created_at")

    def has_add_permission(self, request):
        return False  # issued by `manage.py create_api_token`, which shows the token once
