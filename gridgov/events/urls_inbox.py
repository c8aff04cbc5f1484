from django.urls import path  # noqa: F401

from .views import inbox as views  # noqa: F401

app_name = "inbox"
urlpatterns = []
