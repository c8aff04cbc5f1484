from django.urls import path

from .views import leader as views

app_name = "leader"
urlpatterns = [path("", views.overview, name="overview")]
