from django.urls import path

from cuncun.tourism import views

app_name = "tourism"
urlpatterns = [
    path("", views.homestay_list, name="list"),
    path("h/<int:pk>/", views.homestay_page, name="homestay"),
    path("bookings/", views.my_bookings, name="mine"),
    path("bookings/<str:reference>/", views.booking_page, name="booking"),
    path("bookings/<str:reference>/cancel/", views.cancel, name="cancel"),
    path("bookings/<str:reference>/cash/", views.confirm_cash, name="confirm_cash"),
    path("bookings/<str:reference>/pay/", views.pay, name="pay"),
    path("host/", views.host, name="host"),
    path("routes/", views.route_list, name="routes"),
    path("routes/<slug:code>/", views.route_page, name="route"),
    path("manage/", views.manage, name="manage"),
    path("manage/<int:pk>/status/", views.change_status, name="change_status"),
]
