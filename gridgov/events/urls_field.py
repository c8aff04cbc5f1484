from django.urls import path  # noqa: F401

from .views import field as views  # noqa: F401

app_name = "field"
urlpatterns = []
