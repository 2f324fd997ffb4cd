from django.urls import path

from cuncun.portal import views

app_name = "portal"
URL_PREFIX = ""
urlpatterns = [path("", views.home, name="home")]
