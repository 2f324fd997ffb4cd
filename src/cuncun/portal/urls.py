from django.urls import path

from cuncun.portal import offline, views

app_name = "portal"
URL_PREFIX = ""
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("console/", views.console, name="console"),
    path("township/", views.township, name="township"),
    path("shop/", views.shop, name="shop"),
    # At the root, so that its scope covers the console and the counters it links to.
    path("sw.js", offline.service_worker, name="service_worker"),
]
