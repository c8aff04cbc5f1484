from django.urls import path

from . import views

app_name = "matters"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("import/", views.import_version, name="import"),
    path("v<int:number>/", views.version_detail, name="version"),
    path("v<int:number>/export.xlsx", views.export, name="export"),
    path("v<int:number>/publish/", views.publish, name="publish"),
]
