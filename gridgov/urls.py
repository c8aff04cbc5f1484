from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from gridgov.accounts import views as account_views
from gridgov.core.api import api
from gridgov.integration.open311 import views as open311_views

admin.site.site_header = "基层治理平台 管理后台"
admin.site.site_title = "基层治理平台"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("gridgov.accounts.urls")),
    path("territory/", include("gridgov.regions.urls")),
    path("catalogue/", include("gridgov.matters.urls")),
    path("audit/", include("gridgov.audit.urls")),
    path("staff/", include("gridgov.accounts.urls_admin")),
    path("calendar/", include("gridgov.workcal.urls")),
    path("webhooks/", include("gridgov.integration.urls")),
    path("ladder/", include("gridgov.events.urls_ladder")),
    path("events/", include("gridgov.events.urls_desk")),
    path("field/", include("gridgov.events.urls_field")),
    path("tasks/", include("gridgov.events.urls_tasks")),
    path("inbox/", include("gridgov.events.urls_inbox")),
    path("leader/", include("gridgov.events.urls_leader")),
    path("citizen/", include("gridgov.citizens.urls")),
    path("open311/v2/", include("gridgov.integration.open311.urls")),
    # Open311 clients look for the discovery document one level above the version.
    re_path(r"^open311/discovery\.(?P<fmt>[A-Za-z0-9]+)$", open311_views.discovery),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
