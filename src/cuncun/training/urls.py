from django.urls import path

from cuncun.training import views

app_name = "training"
urlpatterns = [
    path("", views.home, name="home"),
    path("talents/", views.talents, name="talents"),
    path("courses/", views.courses, name="courses"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<str:code>/", views.session_detail, name="session"),
    path("sessions/<str:code>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<str:code>/attendance/", views.record_attendance, name="record_attendance"),
    path("sessions/<str:code>/checkin-code/", views.checkin_code, name="checkin_code"),
    path("sessions/<str:code>/roster/", views.roster_upload, name="roster_upload"),
    path("sessions/<str:code>/roster-template.xlsx", views.roster_template, name="roster_template"),
    path("sessions/<str:code>/certificates/", views.session_certificates, name="certificates"),
    path("sessions/<str:code>/certificates/issue/", views.issue_certificates, name="issue"),
    path("roster-template.xlsx", views.roster_template, name="blank_roster_template"),
    path("imports/<int:pk>/", views.roster_import, name="import"),
    path("imports/<int:pk>/progress/", views.roster_import_progress, name="import_progress"),
    path("imports/<int:pk>/good-rows/", views.roster_import_good_rows, name="import_good_rows"),
    path("imports/<int:pk>/retry/", views.roster_import_retry, name="import_retry"),
    path("imports/<int:pk>/discard/", views.roster_import_discard, name="import_discard"),
    path("trainees/", views.trainees, name="trainees"),
    path("follow-up/", views.followup, name="followup"),
    path("trainees/<int:pk>/", views.trainee_detail, name="trainee"),
    path("certificates/<str:number>/", views.certificate, name="certificate"),
    path("certificates/<str:number>/revoke/", views.revoke_certificate, name="revoke"),
    path("verify/<str:number>/<str:check>/", views.verify, name="verify"),
    path("checkin/<str:code>/<str:day>/<str:token>/", views.checkin, name="checkin"),
]
