from django.urls import path

from cuncun.orders import preorder_views, views

app_name = "orders"
URL_PREFIX = "market/"
urlpatterns = [
    path("", views.market, name="market"),
    path("p/<int:pk>/", views.product_page, name="product"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/<int:pk>/", views.checkout_detail, name="checkout_detail"),
    path("checkout/<int:pk>/return/", views.checkout_return, name="checkout_return"),
    path("checkout/<int:pk>/pay/", views.checkout_pay, name="checkout_pay"),
    path("checkout/<int:pk>/cancel/", views.checkout_cancel, name="checkout_cancel"),
    path("orders/", views.hub, name="hub"),
    path("orders/mine/", views.mine, name="mine"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/step/", views.order_step, name="order_step"),
    path("sell/", views.sell, name="sell"),
    path("sell/slips/", views.packing_slips, name="slips"),
    path("point/", views.point, name="point"),
    path("assisted/", views.assisted, name="assisted"),
    path("assisted/end/", views.assisted_end, name="assisted_end"),
    path("point/cash/<str:reference>/", views.confirm_cash, name="confirm_cash"),
    path("office/", views.office, name="office"),
    path("office/refunds/<int:pk>/retry/", views.retry_refund, name="retry_refund"),
    path("preorders/<int:pk>/", preorder_views.preorder, name="preorder"),
    path("preorders/<int:pk>/harvest/", preorder_views.harvest, name="preorder_harvest"),
    path("sandbox-gateway/<str:token>/", views.sandbox_gateway, name="sandbox_gateway"),
]
