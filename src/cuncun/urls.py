from django.contrib import admin
from django.urls import include, path

from cuncun.api import api
from cuncun.core.observability import metrics_view
from cuncun.core.rooms import modules_named

# Each app's urls.py is mounted at its URL_PREFIX (default "<label>/"); the portal at the root.
urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("metrics", metrics_view, name="metrics"),
    *(
        path(getattr(module, "URL_PREFIX", f"{config.label}/"), include(module.__name__))
        for config, module in modules_named("urls")
    ),
]

handler400 = "cuncun.portal.views.bad_request"
handler403 = "cuncun.portal.views.forbidden"
handler404 = "cuncun.portal.views.not_found"
handler500 = "cuncun.portal.views.server_error"
