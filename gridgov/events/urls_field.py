from django.urls import path

from .views import field as views

app_name = "field"
urlpatterns = [
    path("", views.today, name="today"),
    path("report/", views.report, name="report"),
    path("report/suggest/", views.suggest, name="suggest"),
    path("mine/", views.mine, name="mine"),
    path("events/<str:number>/", views.event_page, name="event"),
    path("events/<str:number>/resolve/", views.resolve, name="resolve"),
    path("events/<str:number>/accept/", views.accept, name="accept"),
    path("events/<str:number>/finish/", views.finish, name="finish"),
    path("events/<str:number>/verify/", views.verify, name="verify"),
]
