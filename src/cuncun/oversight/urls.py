from django.urls import path

from cuncun.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.home, name="home"),
    path("milestones/", views.milestones, name="milestones"),
    path("milestones/<slug:key>/complete/", views.complete_milestone, name="complete_milestone"),
    path(
        "milestones/completions/<int:pk>/<str:verdict>/",
        views.review_completion,
        name="review_completion",
    ),
    path("reports/", views.reports, name="reports"),
    path("reports/<slug:form_key>/<str:period>/", views.report, name="report"),
    path("submissions/<int:pk>/", views.submission, name="submission"),
    path("submissions/<int:pk>/<str:verdict>/", views.review_report, name="review_report"),
    path("reporting/", views.reporting, name="reporting"),
    path("reporting/notice/", views.notice, name="notice"),
    path("assessment/<int:year>/", views.assessment, name="assessment"),
    path("evaluation/<int:year>/pack/", views.pack, name="pack"),
    path("evaluation/packs/<int:pk>/", views.pack_build, name="pack_build"),
    path("evaluation/packs/<int:pk>/progress/", views.pack_progress, name="pack_progress"),
    path("evaluation/packs/<int:pk>/pack.zip", views.pack_download, name="pack_download"),
    path("assessment/<int:year>/publish/", views.publish, name="publish"),
    path("assessment/<int:year>/export.xlsx", views.assessment_xlsx, name="assessment_xlsx"),
    path("assessment/<int:year>/<str:kind>/<str:code>/", views.score_sheet, name="sheet"),
    path("assessment/<int:year>/<str:kind>/<str:code>/score/", views.score_item, name="score"),
    path("files/attachments/<int:pk>/", views.attachment_file, name="attachment_file"),
    path(
        "files/milestone-evidence/<int:pk>/",
        views.completion_evidence_file,
        name="completion_evidence_file",
    ),
    path("files/score-evidence/<int:pk>/", views.score_evidence_file, name="score_evidence_file"),
]
