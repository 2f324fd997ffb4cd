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
    path("host/register/", views.register, name="register"),
    path("host/h/<int:pk>/", views.host_homestay, name="host_homestay"),
    path("host/h/<int:pk>/rooms/", views.room_add, name="room_add"),
    path("host/h/<int:pk>/rules/", views.rules, name="rules"),
    path("host/h/<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("host/rooms/<int:room_id>/", views.room_change, name="room_change"),
    path("host/rooms/<int:room_id>/seasons/", views.season_add, name="season_add"),
    path("host/seasons/<int:season_id>/remove/", views.season_remove, name="season_remove"),
    path("host/photos/<int:photo_id>/remove/", views.photo_remove, name="photo_remove"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("routes/", views.route_list, name="routes"),
    path("routes/<slug:code>/", views.route_page, name="route"),
    path("manage/", views.manage, name="manage"),
    path("manage/<int:pk>/status/", views.change_status, name="change_status"),
]
