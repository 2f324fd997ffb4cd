from django.urls import path

from cuncun.logistics import views

app_name = "logistics"
urlpatterns = [
    path("", views.home, name="home"),
    path("scan/", views.scan, name="scan"),
    path("points/<int:pk>/", views.counter, name="counter"),
    path("points/<int:pk>/handover/", views.handover, name="handover"),
    path("parcels/<int:pk>/", views.parcel, name="parcel"),
    path("parcels/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("parcels/<int:pk>/remind/", views.remind, name="remind"),
    path("parcels/<int:pk>/new-code/", views.resend_code, name="resend_code"),
    path("parcels/<int:pk>/return/", views.send_back, name="send_back"),
    path("parcels/<int:pk>/undo/", views.undo, name="undo"),
    path("review/", views.review, name="review"),
    path("carriers/", views.carriers, name="carriers"),
    path("manifest/", views.manifest, name="manifest"),
    path("routes/", views.routes, name="routes"),
    path("routes/<int:pk>/", views.route_sheet, name="route_sheet"),
]
