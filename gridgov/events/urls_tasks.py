from django.urls import path  # noqa: F401

from .views import tasks as views  # noqa: F401

app_name = "tasks"
urlpatterns = []
