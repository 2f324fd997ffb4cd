from django.urls import path

from cuncun.merchants import views

app_name = "merchants"
urlpatterns = [
    path("", views.merchant_list, name="list"),
    path("new/", views.register, name="register"),
    path("<int:pk>/", views.merchant_page, name="merchant"),
    path("<int:pk>/shops/", views.add_shop, name="add_shop"),
]
