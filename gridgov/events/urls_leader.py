from django.urls import path  # noqa: F401

from .views import leader as views  # noqa: F401

app_name = "leader"
urlpatterns = []
