from django.urls import path

from cuncun.catalog import views

app_name = "catalog"
urlpatterns = [
    path("console/", views.console, name="console"),
    path("console/new/", views.new_product, name="new_product"),
    path("console/p/<int:pk>/", views.manage_product, name="manage_product"),
    path("console/p/<int:pk>/edit/", views.edit_product, name="edit_product"),
    path("console/p/<int:pk>/sku/", views.new_sku, name="new_sku"),
    path("console/p/<int:pk>/stock/", views.stock, name="stock"),
    path("console/p/<int:pk>/price/", views.price, name="price"),
    path("console/p/<int:pk>/low-stock/", views.low_stock, name="low_stock"),
    path("console/p/<int:pk>/on-sale/", views.on_sale, name="on_sale"),
    path("console/p/<int:pk>/seasons/", views.seasons, name="seasons"),
    path("console/p/<int:pk>/status/", views.status, name="status"),
    path("console/p/<int:pk>/photo/", views.photo, name="photo"),
    path("files/photos/<int:pk>/", views.product_photo, name="product_photo"),
]
