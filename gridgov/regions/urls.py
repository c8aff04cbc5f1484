from django.urls import path, re_path

from . import views

app_name = "regions"
urlpatterns = [
    path("", views.territory_map, name="map"),
    path("import/", views.import_page, name="import"),
    re_path(r"^export\.(?P<fmt>geojson|xlsx)$", views.export, name="export"),
    path("<str:code>/", views.region_detail, name="detail"),
    path("<str:code>/children/", views.region_children, name="children"),
]
