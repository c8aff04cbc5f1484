from django.contrib import admin

from .models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "is_active", "actions")

    def save_model(self, request, obj, form, change):
        from .webhooks import forget_endpoints

        super().save_model(request, obj, form, change)
        forget_endpoints()


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only."""

    list_display = ("created_at", "endpoint", "action", "event_number", "state", "attempts", "last_status")
    list_filter = ("state", "endpoint", "action")
    search_fields = ("event_number",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
