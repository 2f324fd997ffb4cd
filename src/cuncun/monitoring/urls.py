from django.urls import path

from cuncun.monitoring import views

app_name = "monitoring"
URL_PREFIX = ""
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/data/", views.dashboard_data, name="dashboard_data"),
    path("monitoring/reports/", views.report_list, name="reports"),
    path("monitoring/reports/new/", views.report_new, name="report_new"),
    path("monitoring/reports/template.xlsx", views.import_template, name="import_template"),
    path("monitoring/reports/import/", views.import_reports, name="import"),
    path("monitoring/reports/<int:pk>/", views.report_page, name="report"),
    path(
        "monitoring/reports/<int:pk>/accept/", views.review, {"decision": "accept"}, name="accept"
    ),
    path(
        "monitoring/reports/<int:pk>/return/", views.review, {"decision": "return"}, name="return"
    ),
    path("monitoring/exports/monthly.xlsx", views.monthly_statistics, name="monthly_statistics"),
    path(
        "monitoring/exports/enterprises.xlsx",
        views.enterprise_compilation,
        name="enterprise_compilation",
    ),
    path("monitoring/statistics/<str:by>/", views.statistics, name="statistics"),
    path("monitoring/values/", views.reported_values, name="reported_values"),
    path("monitoring/files/evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
]
