from django.contrib import admin

from .models import EscalationStep, Event, EventHistory


@admin.register(EscalationStep)
class EscalationStepAdmin(admin.ModelAdmin):
    """The escalation ladder is data: administrators edit it here."""

    list_display = ("order", "after", "target")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: events change only through their service functions (ARCHITECTURE rule 2)."""

    list_display = ("number", "state", "matter", "owner_unit", "reported_at", "overdue")
    list_filter = ("state", "channel", "overdue")
    search_fields = ("number", "description")
    raw_id_fields = ("grid", "matter", "owner_unit", "lead_unit", "merged_into", "dispatched_by_unit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EventHistory)
class EventHistoryAdmin(admin.ModelAdmin):
    list_display = ("event", "action", "from_state", "to_state", "actor_label", "at")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
