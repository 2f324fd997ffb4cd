from django.urls import path

from cuncun.plans import views

app_name = "plans"
URL_PREFIX = "plan/"
urlpatterns = [
    path("", views.plan_detail, name="current"),
    path("<slug:code>/", views.plan_detail, name="detail"),
]
