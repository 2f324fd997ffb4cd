from django.urls import path

from cuncun.portal import views

app_name = "portal"
URL_PREFIX = ""
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("console/", views.console, name="console"),
    path("township/", views.township, name="township"),
    path("shop/", views.shop, name="shop"),
]
