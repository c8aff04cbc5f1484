from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [path("units/", views.UnitListView.as_view(), name="units")]
