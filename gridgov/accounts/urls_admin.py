from django.urls import path

from . import views_admin as views

app_name = "staff"
urlpatterns = [
    path("", views.index, name="index"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_active"),
    path("users/<int:pk>/password/", views.user_reset_password, name="user_password"),
    path("users/<int:pk>/tokens/", views.token_issue, name="token_issue"),
    path("users/<int:pk>/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("units/options/", views.unit_options, name="unit_options"),
]
