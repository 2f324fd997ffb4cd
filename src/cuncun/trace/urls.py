from django.urls import path, re_path

from cuncun.trace import views

app_name = "trace"
# Mounted at the root: GS1 Digital Link URIs live at /01/… and the resolver's description at
# /.well-known/gs1resolver, as the standard places them; trace's own pages under /trace/.
URL_PREFIX = ""
urlpatterns = [
    re_path(r"^01/(?P<rest>.+)$", views.resolve, name="resolve"),
    path(".well-known/gs1resolver", views.resolver_description, name="resolver_description"),
    path("trace/b/<str:lot>/", views.public_page, name="public"),
    path("trace/b/<str:lot>/qr.svg", views.batch_qr, name="qr"),
    path("trace/console/", views.console, name="console"),
    path("trace/console/bases/new/", views.new_base, name="new_base"),
    path("trace/console/bases/<int:pk>/inputs/", views.new_input, name="new_input"),
    path("trace/console/batches/new/", views.new_batch, name="new_batch"),
    path("trace/console/batches/<int:pk>/", views.batch_page, name="batch"),
    path("trace/console/batches/<int:pk>/certificate/", views.issue_certificate, name="certify"),
    path("trace/console/batches/<int:pk>/label/", views.certificate_label, name="label"),
    path("trace/office/", views.office, name="office"),
    path("trace/office/batches/<int:pk>/inspect/", views.inspect, name="inspect"),
    path("trace/office/recall/", views.recall, name="recall"),
    path("trace/files/inspections/<int:pk>/", views.inspection_photo, name="inspection_photo"),
]
