from django.urls import path

from .views import desk as views

app_name = "desk"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("map/", views.event_map, name="map"),
    path("map.json", views.map_data, name="map_data"),
    path("export.xlsx", views.export, name="export"),
    path("bulk/", views.bulk, name="bulk"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/<slug:action>/", views.act, name="act"),
]
