from django.contrib import admin

from .models import CatalogueVersion, Matter, RoutingRule


class ReadOnlyAdmin(admin.ModelAdmin):
    """Catalogue rows change only by importing a new version and publishing it."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "note", "source", "published_at")


@admin.register(Matter)
class MatterAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "version", "category_major", "platform", "lead", "close_level")
    list_filter = ("version", "platform", "close_level", "category_major")
    search_fields = ("code", "name")


@admin.register(RoutingRule)
class RoutingRuleAdmin(ReadOnlyAdmin):
    list_display = ("version", "matter_code", "township_kind", "township_code", "lead", "reason")
