from django.urls import path

from cuncun.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.home, name="home"),
    path("check/", views.check, name="check"),
    path("awards/", views.awards, name="awards"),
    path("awards/apply/", views.award_apply, name="award_apply"),
    path("allocation/", views.allocation, name="allocation"),
    path("allocation/export.xlsx", views.allocation_export, name="allocation_export"),
    path("allocation/propose/", views.allocation_propose, name="allocation_propose"),
    path("export/<str:what>.xlsx", views.export, name="export"),
    path("support-requests/<int:pk>/", views.support_request, name="support_request"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<str:code>/", views.project_detail, name="project"),
    path("projects/<str:code>/edit/", views.project_edit, name="project_edit"),
    path("projects/<str:code>/documents/", views.project_document, name="project_document"),
    path("projects/<str:code>/cancel/", views.project_cancel, name="project_cancel"),
    path("projects/<str:code>/disburse/", views.disbursement_new, name="disbursement_new"),
    path("disbursements/<int:pk>/", views.disbursement_detail, name="disbursement"),
    path("disbursements/<int:pk>/pay/", views.disbursement_pay, name="disbursement_pay"),
    path("disbursements/<int:pk>/amend/", views.disbursement_amend, name="disbursement_amend"),
    path("disbursements/<int:pk>/<str:step>/", views.disbursement_step, name="disbursement_step"),
    path("files/documents/<int:pk>/", views.document_file, name="document_file"),
    path("files/evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
]
