from django.urls import path

from cuncun.merchants import views

app_name = "merchants"
urlpatterns = [
    path("", views.merchant_list, name="list"),
    path("new/", views.register, name="register"),
    path("tenancies/", views.tenancies, name="tenancies"),
    path("<int:pk>/", views.merchant_page, name="merchant"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/active/", views.set_active, name="set_active"),
    path("<int:pk>/shops/", views.add_shop, name="add_shop"),
    path("<int:pk>/shops/<int:shop_pk>/remove/", views.remove_shop, name="remove_shop"),
]
