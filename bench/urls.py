"""The project's URLs plus `/bench/bare`: a bare ninja endpoint that inserts one row, the
baseline for `intake_throughput`."""

from django.urls import path
from ninja import NinjaAPI

from gridgov.audit.models import AuditEntry
from gridgov.core.api import BearerToken
from gridgov.urls import urlpatterns as project_urls

bare = NinjaAPI(urls_namespace="bench", auth=BearerToken(), docs_url=None)


@bare.post("/bare")
def insert_one_row(request):
    entry = AuditEntry.objects.create(
        actor_label="bench", action="bench.bare", object_type="bench", object_id="1"
    )
    return {"id": entry.pk}


urlpatterns = [*project_urls, path("bench/", bare.urls)]
