from django.urls import path

from .views import inbox as views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("<int:pk>/open/", views.open_notification, name="open"),
]
