from django.urls import path

from cuncun.network import views

app_name = "network"
urlpatterns = [
    path("", views.finder, name="finder"),
    path("s/<str:code>/", views.site_page, name="site"),
    path("s/<str:code>/qr.svg", views.site_qr, name="site_qr"),
    path("s/<str:code>/sign/", views.site_sign, name="site_sign"),
    path("files/photos/<int:pk>/", views.site_photo, name="site_photo"),
    path("coverage/", views.coverage, name="coverage"),
    path("report/daily/", views.daily_report, name="daily_report"),
    path("manage/", views.manage, name="manage"),
    path("manage/apply/", views.apply, name="apply"),
    path("manage/import/", views.import_sites, name="import"),
    path("manage/import/<int:pk>/", views.import_job, name="import_job"),
    path("manage/import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("manage/export.xlsx", views.export_sites, name="export"),
    path("manage/<int:pk>/", views.manage_site, name="manage_site"),
    path("manage/<int:pk>/transition/", views.transition, name="transition"),
    path("manage/<int:pk>/acceptance/", views.acceptance, name="acceptance"),
    path("manage/<int:pk>/profile/", views.profile, name="profile"),
    path("manage/<int:pk>/fee/", views.fee, name="fee"),
    path("manage/<int:pk>/commission/", views.commission, name="commission"),
    path("manage/<int:pk>/ledger/", views.ledger, name="ledger"),
    path("mine/", views.my_point, name="mine"),
    path("manage/carriers/", views.carriers, name="carriers"),
]
