"""Cash confirmed at the counter with no connection is sent later from the phone's queue with
its idempotency key: applied once, and a refusal (the order expired meanwhile) comes back."""

from django.test import Client
from django.urls import reverse

from cuncun.core.models import IdempotencyKey
from cuncun.orders.models import PaymentStatus
from cuncun.orders.services import cancel_checkout
from tests.orders.test_confirmations import cash_waiting


def queued(client, url: str, key: str, **fields):
    return client.post(url, fields, HTTP_IDEMPOTENCY_KEY=key).json()


def test_cash_confirmed_from_the_queue_is_applied_once(market):
    # Given cash waiting at the point, confirmed offline and sent twice
    _placed, payment = cash_waiting(market)
    client = Client()
    client.force_login(market.operator)
    url = reverse("orders:confirm_cash", args=[payment.reference])

    first = queued(client, url, "k-1", next="/market/point/")
    second = queued(client, url, "k-1", next="/market/point/")

    # Then the payment is confirmed once, and the second sending is told it is a replay
    assert first["outcome"] == "done" and first["replayed"] is False
    assert second == {**first, "replayed": True}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert IdempotencyKey.objects.filter(scope="orders.cash").count() == 1


def test_cash_for_an_order_cancelled_meanwhile_comes_back_refused(market):
    placed, payment = cash_waiting(market)
    cancel_checkout(actor=market.buyer, checkout=placed.checkout)
    client = Client()
    client.force_login(market.operator)

    answer = queued(
        client, reverse("orders:confirm_cash", args=[payment.reference]), "k-2", next="/"
    )

    assert answer["outcome"] == "refused" and "不要收" in answer["message"]
    payment.refresh_from_db()
    assert payment.status != PaymentStatus.SUCCEEDED
