from django.urls import path

from . import views

app_name = "workcal"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/", views.year_page, name="year"),
    path("day/", views.change_day, name="day"),
    path("provisional/", views.provisional_year, name="provisional"),
]
