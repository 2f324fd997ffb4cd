"""Row locks of the orders app, always in one order so that two transactions cannot deadlock:
payments, then the checkout, then its orders (by primary key), then promotions' counters
(campaign items, voucher budgets, buyers' tallies, each by primary key, taken by its conditional
updates), then stock rows (by primary key, taken by catalog's conditional updates)."""

from cuncun.orders.models import Checkout, Order, Payment


def lock_payments(ids) -> list[Payment]:
    return list(Payment.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk"))


def lock_checkout(checkout_id: int) -> Checkout:
    return Checkout.objects.select_for_update().get(pk=checkout_id)


def lock_orders(ids) -> list[Order]:
    return list(Order.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk"))


def lock_order(order_id: int) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)
