from django.urls import path  # noqa: F401

from .views import desk as views  # noqa: F401

app_name = "desk"
urlpatterns = []
