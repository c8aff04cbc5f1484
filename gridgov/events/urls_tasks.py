from django.urls import path

from .views import tasks as views

app_name = "tasks"
urlpatterns = [
    path("", views.task_list, name="list"),
    path("new/", views.task_new, name="new"),
    path("units/", views.unit_search, name="unit_search"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("subtasks/<int:pk>/", views.subtask_detail, name="subtask"),
    path("subtasks/<int:pk>/receive/", views.subtask_receive, name="receive"),
    path("subtasks/<int:pk>/progress/", views.subtask_progress, name="progress"),
    path("subtasks/<int:pk>/complete/", views.subtask_complete, name="complete"),
]
