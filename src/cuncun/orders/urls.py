from django.urls import path

from cuncun.orders import consignment_views as consign
from cuncun.orders import festival_views, preorder_views, views

app_name = "orders"
URL_PREFIX = "market/"
urlpatterns = [
    path("", views.market, name="market"),
    path("p/<int:pk>/", views.product_page, name="product"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("checkout/", views.checkout, name="checkout"),
    path("buy-now/", views.buy_now, name="buy_now"),
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
    path("consign/", consign.home, name="consign"),
    path("consign/farmer/<int:farmer>/receive/", consign.receive, name="consign_receive"),
    path("consign/farmer/<int:farmer>/", consign.farmer_ledger, name="consign_farmer"),
    path("consign/farmer/<int:farmer>/pay/", consign.pay, name="consign_pay"),
    path("consign/intake/<int:pk>/", consign.receipt, name="consign_receipt"),
    path("consign/payout/<int:pk>/", consign.slip, name="consign_slip"),
    path("consign/points/", consign.points, name="consign_points"),
    path("consign/points/<str:code>/statement.xlsx", consign.statement, name="consign_statement"),
    path("office/", views.office, name="office"),
    path("office/refunds/<int:pk>/retry/", views.retry_refund, name="retry_refund"),
    path("preorders/<int:pk>/", preorder_views.preorder, name="preorder"),
    path("preorders/<int:pk>/harvest/", preorder_views.harvest, name="preorder_harvest"),
    path("festivals/", festival_views.festivals, name="festivals"),
    path("festivals/<int:pk>/", festival_views.festival, name="festival"),
    path("festivals/<int:pk>/results.xlsx", festival_views.festival_export, name="festival_export"),
    path("sandbox-gateway/<str:token>/", views.sandbox_gateway, name="sandbox_gateway"),
]
