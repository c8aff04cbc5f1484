from django.urls import path, re_path

from . import views

app_name = "citizens"
urlpatterns = [
    path("", views.index, name="index"),
    path("login/", views.sign_in_page, name="sign_in"),
    path("login/code/", views.verify_page, name="verify"),
    path("logout/", views.sign_out_page, name="sign_out"),
    path("report/", views.report_page, name="report"),
    path("report/suggest/", views.suggest, name="suggest"),
    path("report/place/", views.place, name="place"),
    path("report/outline.geojson", views.outline, name="outline"),
    path("reports/", views.my_reports, name="my_reports"),
    path("reports/<str:number>/", views.report_detail, name="detail"),
    path("reports/<str:number>/rate/", views.rate, name="rate"),
    path("reports/<str:number>/reopen/", views.reopen, name="reopen"),
    re_path(
        r"^reports/(?P<number>[^/]+)/photos/(?P<photo_id>[0-9]+)/(?P<size>thumb|full)/$",
        views.photo,
        name="photo",
    ),
]
