from django.urls import path

from cuncun.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_detail, name="current"),
    path("<slug:code>/", views.plan_detail, name="detail"),
]
