from django.core.exceptions import PermissionDenied
from django.utils.dateparse import parse_date

from gridgov.core.views import ScopedListView

from .models import AuditEntry


class AuditListView(ScopedListView):
    """Administrators only: `AuditEntry.objects.restrict` gives everyone else an empty list."""

    model = AuditEntry
    template_name = "audit/list.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_administrator:
            raise PermissionDenied("仅系统管理员可查看审计日志")
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        entries = AuditEntry.objects.all()
        params = self.request.GET
        if actor := params.get("actor", "").strip():
            entries = entries.filter(actor_label__contains=actor)
        if action := params.get("action", "").strip():
            entries = entries.filter(action__startswith=action)
        if object_type := params.get("object_type", "").strip():
            entries = entries.filter(object_type=object_type)
        if object_id := params.get("object_id", "").strip():
            entries = entries.filter(object_id=object_id)
        if since := parse_date(params.get("since", "") or ""):
            entries = entries.filter(created_at__date__gte=since)
        if until := parse_date(params.get("until", "") or ""):
            entries = entries.filter(created_at__date__lte=until)
        return entries

    def get_context_data(self, **kwargs):
        types = AuditEntry.objects.values_list("object_type", flat=True).distinct().order_by("object_type")
        return super().get_context_data(object_types=list(types), **kwargs)
