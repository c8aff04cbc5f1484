from django.contrib import admin

from .models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Read-only: territory changes go through the staged import, which validates and audits them."""

    list_display = ("code", "name", "level", "parent", "residents", "synthetic")
    list_filter = ("level", "synthetic")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    readonly_fields = [f.name for f in Region._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
