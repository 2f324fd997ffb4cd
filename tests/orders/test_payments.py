import json
import logging
from datetime import timedelta

import pytest

from cuncun.catalog.models import Stock
from cuncun.core.errors import NotAllowed
from cuncun.orders.models import (
    Allocation,
    Order,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Reservation,
    SandboxCharge,
)
from cuncun.orders.payments import PROVIDERS, BadSignature
from cuncun.orders.services import (
    ReservationExpired,
    TransitionRefused,
    confirm_offline_payment,
    place_order,
    receive_gateway_callback,
    refresh_payment,
    release_expired_reservations,
    start_payment,
    transition_order,
)
from tests.orders.conftest import delivery_request, pickup_request

gateway = PROVIDERS["sandbox"]


def placed_online(market, lines=None):
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=delivery_request(lines or [(market.tea.pk, 2), (market.coffee.pk, 1)]),
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout, return_url="/back/")
    return placed, payment


def callback(charge):
    body, signature = gateway.notification(charge)
    return receive_gateway_callback(provider_code="sandbox", body=body, signature=signature)


def statuses():
    return set(Order.objects.values_list("status", flat=True))


def test_cash_is_confirmed_by_the_points_operator_and_the_orders_become_paid(market):
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 2)]),
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    assert payment.site == market.point and payment.redirect_url == ""

    with pytest.raises(NotAllowed):
        confirm_offline_payment(actor=market.tea_owner, payment=payment)
    assert statuses() == {OrderStatus.PENDING_PAYMENT}

    confirm_offline_payment(actor=market.operator, payment=payment, amount="100.00")

    assert statuses() == {OrderStatus.PAID}
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED
    assert not Reservation.objects.exists() and Allocation.objects.count() == 1
    stock = Stock.objects.get(sku=market.tea, site=market.warehouse)
    assert (stock.quantity, stock.quantity_allocated) == (10, 2)


def test_no_path_marks_an_order_paid_without_a_provider(market):
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    with pytest.raises(TransitionRefused, match="支付确认"):
        transition_order(actor=market.tea_owner, order=placed.orders[0], to=OrderStatus.PAID)
    assert statuses() == {OrderStatus.PENDING_PAYMENT}


def test_the_sandbox_gateway_redirects_and_its_signed_callback_pays(market):
    placed, payment = placed_online(market)
    assert payment.redirect_url.startswith("/market/sandbox-gateway/")
    charge = SandboxCharge.objects.get(merchant_reference=payment.reference)
    assert charge.amount == placed.checkout.total == 180

    charge = gateway.decide(charge.token, pay=True)
    assert statuses() == {OrderStatus.PENDING_PAYMENT}  # nothing until the notification arrives

    assert callback(charge) == PaymentEvent.Outcome.APPLIED
    assert statuses() == {OrderStatus.PAID}
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED


def test_a_duplicate_callback_is_harmless(market):
    _placed, _payment = placed_online(market)
    charge = gateway.decide(SandboxCharge.objects.get().token, pay=True)
    callback(charge)
    audit_rows = Order.objects.count()

    assert callback(charge) == PaymentEvent.Outcome.DUPLICATE
    assert statuses() == {OrderStatus.PAID}
    assert Allocation.objects.count() == 2 and audit_rows == 2


def test_an_out_of_order_callback_is_ignored(market):
    _placed, _payment = placed_online(market)
    charge = SandboxCharge.objects.get()
    stale_body, stale_signature = gateway.notification(charge)  # "pending", sequence 0
    charge = gateway.decide(charge.token, pay=True)
    callback(charge)

    outcome = receive_gateway_callback(
        provider_code="sandbox", body=stale_body, signature=stale_signature
    )

    assert outcome == PaymentEvent.Outcome.STALE
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED


def test_a_callback_with_a_bad_signature_is_refused_and_logged(market, caplog):
    _placed, _payment = placed_online(market)
    charge = gateway.decide(SandboxCharge.objects.get().token, pay=True)
    body, _signature = gateway.notification(charge)
    forged = json.loads(body)
    forged["amount"] = "0.01"

    with caplog.at_level(logging.WARNING), pytest.raises(BadSignature):
        receive_gateway_callback(
            provider_code="sandbox", body=json.dumps(forged).encode(), signature="0" * 64
        )

    assert "bad signature" in caplog.text
    event = PaymentEvent.objects.get()
    assert event.outcome == PaymentEvent.Outcome.REFUSED and not event.signature_valid
    assert statuses() == {OrderStatus.PENDING_PAYMENT}


def test_a_failed_payment_leaves_the_order_waiting_and_a_new_attempt_can_pay(market):
    placed, payment = placed_online(market)
    charge = gateway.decide(SandboxCharge.objects.get().token, pay=False)
    callback(charge)
    assert Payment.objects.get().status == PaymentStatus.FAILED
    assert statuses() == {OrderStatus.PENDING_PAYMENT}

    second = start_payment(actor=market.buyer, checkout=placed.checkout)
    assert second.pk != payment.pk
    charge = gateway.decide(
        SandboxCharge.objects.get(merchant_reference=second.reference).token, pay=True
    )
    callback(charge)
    assert statuses() == {OrderStatus.PAID}


def test_the_return_page_asks_the_gateway_when_no_callback_came(market):
    _placed, payment = placed_online(market)
    gateway.decide(SandboxCharge.objects.get().token, pay=True)
    payment = refresh_payment(actor=market.buyer, payment=payment)
    assert payment.status == PaymentStatus.SUCCEEDED and statuses() == {OrderStatus.PAID}


def test_a_payment_under_way_is_asked_about_before_its_checkout_expires(market):
    placed, _payment = placed_online(market)
    gateway.decide(SandboxCharge.objects.get().token, pay=True)  # its callback is lost

    release_expired_reservations(now=placed.checkout.reserved_until + timedelta(seconds=1))

    assert statuses() == {OrderStatus.PAID}


def test_an_expired_checkout_closes_its_charge_at_the_gateway(market):
    placed, _payment = placed_online(market)
    release_expired_reservations(now=placed.checkout.reserved_until + timedelta(seconds=1))
    assert statuses() == {OrderStatus.CANCELLED}
    assert SandboxCharge.objects.get().status == SandboxCharge.Status.CLOSED
    assert Payment.objects.get().status == PaymentStatus.CANCELLED


def test_money_arriving_after_the_checkout_expired_is_refunded_in_full(
    market, django_capture_on_commit_callbacks
):
    placed, payment = placed_online(market)
    release_expired_reservations(now=placed.checkout.reserved_until + timedelta(seconds=1))
    # The gateway took the buyer's money in the same instant as it closed the charge.
    charge = SandboxCharge.objects.get()
    SandboxCharge.objects.filter(pk=charge.pk).update(
        status=SandboxCharge.Status.PAID, sequence=charge.sequence + 1
    )

    with django_capture_on_commit_callbacks(execute=True):
        callback(SandboxCharge.objects.get())

    payment = Payment.objects.get()
    assert statuses() == {OrderStatus.CANCELLED}
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_amount == payment.amount
    assert SandboxCharge.objects.get().status == SandboxCharge.Status.REFUNDED


def test_an_operator_cannot_take_cash_for_an_expired_order(market):
    placed = place_order(
        actor=market.buyer,
        idempotency_key="k",
        request=pickup_request(market, [(market.tea.pk, 1)]),
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    release_expired_reservations(now=placed.checkout.reserved_until)
    with pytest.raises(ReservationExpired, match="请不要收取现金"):
        confirm_offline_payment(actor=market.operator, payment=payment)
    assert statuses() == {OrderStatus.CANCELLED}
