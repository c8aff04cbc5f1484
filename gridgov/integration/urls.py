from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("deliveries/", views.delivery_log, name="deliveries"),
    path("<int:pk>/", views.endpoint_detail, name="detail"),
    path("<int:pk>/active/", views.endpoint_set_active, name="active"),
    path("<int:pk>/secret/", views.endpoint_rotate_secret, name="secret"),
]
