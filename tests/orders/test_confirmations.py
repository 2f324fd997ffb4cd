"""Cash received and cancelling an order first say what will happen; only the confirmation acts."""

from django.test import Client
from django.urls import reverse

from cuncun.orders.models import OrderStatus, PaymentStatus
from cuncun.orders.services import place_order, start_payment
from tests.orders.conftest import pickup_request


def cash_waiting(market):
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    return placed, start_payment(actor=market.buyer, checkout=placed.checkout)


def test_cash_received_first_says_what_will_happen_and_changes_nothing(market):
    placed, payment = cash_waiting(market)
    client = Client()
    client.force_login(market.operator)

    page = client.get(reverse("orders:confirm_cash", args=[payment.reference]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "50.00" in text and placed.orders[0].number in text and "变为已付款" in text
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_cash_received_once_confirmed_pays_the_orders(market):
    placed, payment = cash_waiting(market)
    client = Client()
    client.force_login(market.operator)

    client.post(reverse("orders:confirm_cash", args=[payment.reference]))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert placed.orders[0].__class__.objects.get(pk=placed.orders[0].pk).status == OrderStatus.PAID


def test_someone_who_does_not_keep_the_point_cannot_see_its_cash(market, office_user):
    _placed, payment = cash_waiting(market)
    client = Client()
    client.force_login(office_user)
    assert client.get(reverse("orders:confirm_cash", args=[payment.reference])).status_code == 404


def test_cancelling_an_order_first_says_what_will_happen(market):
    placed, _payment = cash_waiting(market)
    client = Client()
    client.force_login(market.buyer)
    url = reverse("orders:checkout_cancel", args=[placed.checkout.pk])

    text = client.get(url).content.decode()

    assert "不能再付款" in text and placed.orders[0].number in text
    order = placed.orders[0].__class__.objects.get(pk=placed.orders[0].pk)
    assert order.status == OrderStatus.PENDING_PAYMENT
    client.post(url)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
