from django.urls import path

from .views import ladder as views

app_name = "ladder"
urlpatterns = [
    path("", views.ladder, name="index"),
    path("add/", views.add, name="add"),
    path("<int:pk>/", views.change, name="change"),
    path("<int:pk>/remove/", views.remove, name="remove"),
]
