"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) on top of our event services.

Mounted at /open311/v2/; every resource ends in `.json` or `.xml` (docs/open311.md)."""

from django.urls import re_path

from . import views

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.service_requests, name="requests"),
    re_path(r"^requests/(?P<number>[^/]+?)" + FMT, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token, name="token"),
]
