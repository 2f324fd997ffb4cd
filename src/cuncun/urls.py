from django.contrib import admin
from django.urls import include, path

from cuncun.api import api

urlpatterns = [
    path("", include("cuncun.portal.urls")),
    path("accounts/", include("cuncun.accounts.urls")),
    path("regions/", include("cuncun.regions.urls")),
    path("plan/", include("cuncun.plans.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler400 = "cuncun.portal.views.bad_request"
handler403 = "cuncun.portal.views.forbidden"
handler404 = "cuncun.portal.views.not_found"
handler500 = "cuncun.portal.views.server_error"
