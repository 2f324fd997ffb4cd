import json
import logging
from datetime import timedelta

import pytest

from cuncun.catalog.models import Stock
from cuncun.core.errors import InvalidInput, NotAllowed
from cuncun.core.models import AuditEntry
from cuncun.orders.models import (
    Allocation,
    Order,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
    RefundStatus,
    Reservation,
    SandboxCharge,
    SandboxRefund,
)
from cuncun.orders.payments import PROVIDERS, BadSignature
from cuncun.orders.services import (
    REFUND_RETRY_AFTER,
    GatewayUnavailable,
    ReservationExpired,
    TransitionRefused,
    confirm_offline_payment,
    place_order,
    receive_gateway_callback,
    refresh_payment,
    refund_order,
    release_expired_reservations,
    retry_refund,
    start_payment,
    transition_order,
)
from cuncun.orders.tasks import send_refund
from tests.orders.conftest import delivery_request, pickup_request

gateway = PROVIDERS["sandbox"]


def queued_refunds() -> list[int]:
    """The refunds waiting in the task queue for their provider, by refund id."""
    from django_tasks_db.models import DBTaskResult

    return [
        row.args_kwargs["args"][0]
        for row in DBTaskResult.objects.filter(task_path__endswith="send_refund").order_by("id")
    ]


def gateway_unreachable(monkeypatch, *methods):
    """The gateway (outside the system) does not answer these calls."""

    def down(*args, **kwargs):
        raise ConnectionError("gateway unreachable")

    for method in methods:
        monkeypatch.setattr(gateway, method, down)


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
    audit_rows = AuditEntry.objects.count()

    assert callback(charge) == PaymentEvent.Outcome.DUPLICATE
    assert statuses() == {OrderStatus.PAID}
    assert Allocation.objects.count() == 2
    assert AuditEntry.objects.count() == audit_rows  # nothing audited twice


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
    refund = Refund.objects.get(payment=payment)
    assert refund.order is None and refund.amount == payment.amount
    assert queued_refunds() == [refund.pk]  # paid back by the task queue, not inline

    assert send_refund.call(refund.pk) == RefundStatus.SENT
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


def cash_or_online_checkout(market):
    """A pickup checkout, so that it may be paid online or in cash at the point."""
    return place_order(
        actor=market.buyer,
        idempotency_key="switch",
        request=pickup_request(market, [(market.tea.pk, 2)], provider="sandbox"),
    ).checkout


def test_money_the_gateway_took_before_the_buyer_switched_to_cash_pays_the_order(
    market, monkeypatch, django_capture_on_commit_callbacks
):
    checkout = cash_or_online_checkout(market)
    online = start_payment(actor=market.buyer, checkout=checkout)
    # The buyer pays on the gateway's page; its notification is still in the queue …
    charge = gateway.decide(SandboxCharge.objects.get().token, pay=True)
    # … when they go back and choose cash, while the gateway cannot be reached.
    with monkeypatch.context() as m:
        gateway_unreachable(m, "cancel", "query")
        cash = start_payment(actor=market.buyer, checkout=checkout, provider_code="offline")
    assert Payment.objects.get(pk=online.pk).status == PaymentStatus.CANCELLED
    assert cash.status == PaymentStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        assert callback(charge) == PaymentEvent.Outcome.APPLIED

    assert statuses() == {OrderStatus.PAID}
    assert Payment.objects.get(pk=online.pk).status == PaymentStatus.SUCCEEDED
    assert Payment.objects.get(pk=cash.pk).status == PaymentStatus.CANCELLED
    assert Stock.objects.get(sku=market.tea, site=market.warehouse).quantity_allocated == 2
    withdrawn = AuditEntry.objects.for_object(cash).get(action="payment.cancel")
    assert withdrawn.before == {"status": "pending"} and withdrawn.reason
    assert not Refund.objects.exists()
    with pytest.raises(ReservationExpired):
        confirm_offline_payment(actor=market.operator, payment=cash)  # no cash taken twice


def test_money_arriving_for_a_checkout_paid_in_cash_meanwhile_goes_back_through_the_gateway(
    market, monkeypatch, django_capture_on_commit_callbacks
):
    checkout = cash_or_online_checkout(market)
    online = start_payment(actor=market.buyer, checkout=checkout)
    charge = gateway.decide(SandboxCharge.objects.get().token, pay=True)
    with monkeypatch.context() as m:
        gateway_unreachable(m, "cancel", "query")
        cash = start_payment(actor=market.buyer, checkout=checkout, provider_code="offline")
    confirm_offline_payment(actor=market.operator, payment=cash)

    with django_capture_on_commit_callbacks(execute=True):
        assert callback(charge) == PaymentEvent.Outcome.APPLIED

    assert statuses() == {OrderStatus.PAID}  # paid once, in cash
    online = Payment.objects.get(pk=online.pk)
    assert online.status == PaymentStatus.REFUNDED and online.refunded_amount == online.amount
    assert AuditEntry.objects.for_object(online).filter(action="payment.refund_late").exists()
    refund = Refund.objects.get(payment=online)
    assert send_refund.call(refund.pk) == RefundStatus.SENT
    assert SandboxCharge.objects.get().status == SandboxCharge.Status.REFUNDED


def test_switching_to_cash_withdraws_the_online_payment_with_an_audit_row(market):
    checkout = cash_or_online_checkout(market)
    online = start_payment(actor=market.buyer, checkout=checkout)

    start_payment(actor=market.buyer, checkout=checkout, provider_code="offline")

    entry = AuditEntry.objects.for_object(online).get(action="payment.cancel")
    assert (entry.before, entry.after) == ({"status": "pending"}, {"status": "cancelled"})
    assert entry.actor == market.buyer
    assert SandboxCharge.objects.get().status == SandboxCharge.Status.CLOSED


def test_a_buyer_who_paid_the_instant_they_switched_gets_the_order_paid_at_once(market):
    checkout = cash_or_online_checkout(market)
    start_payment(actor=market.buyer, checkout=checkout)
    gateway.decide(SandboxCharge.objects.get().token, pay=True)  # its notification is lost

    cash = start_payment(actor=market.buyer, checkout=checkout, provider_code="offline")

    assert statuses() == {OrderStatus.PAID}  # the withdrawal asked the gateway, which said paid
    assert Payment.objects.get(pk=cash.pk).status == PaymentStatus.CANCELLED


def test_a_gateway_that_does_not_answer_the_start_is_asked_again_by_the_next_click(
    market, monkeypatch
):
    placed = place_order(
        actor=market.buyer, idempotency_key="k", request=delivery_request([(market.tea.pk, 1)])
    )
    with monkeypatch.context() as m:
        gateway_unreachable(m, "start")
        with pytest.raises(GatewayUnavailable) as error:
            start_payment(actor=market.buyer, checkout=placed.checkout, return_url="/back/")
    assert error.value.http_status == 503
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.PENDING and payment.redirect_url == ""

    again = start_payment(actor=market.buyer, checkout=placed.checkout, return_url="/back/")

    assert again.pk == payment.pk
    assert again.redirect_url.startswith("/market/sandbox-gateway/")
    assert Payment.objects.get().redirect_url == again.redirect_url
    assert start_payment(actor=market.buyer, checkout=placed.checkout).pk == payment.pk
    assert SandboxCharge.objects.count() == 1


def test_a_return_address_on_another_site_is_refused(market):
    placed = place_order(
        actor=market.buyer, idempotency_key="k", request=delivery_request([(market.tea.pk, 1)])
    )
    for url in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]:
        with pytest.raises(InvalidInput):
            start_payment(actor=market.buyer, checkout=placed.checkout, return_url=url)
    assert not Payment.objects.exists()


def test_a_success_notification_for_a_refunded_payment_refunds_nothing_twice(market):
    placed, payment = placed_online(market, [(market.tea.pk, 1)])
    charge = gateway.decide(SandboxCharge.objects.get().token, pay=True)
    body, _signature = gateway.notification(charge)
    callback(charge)
    (order,) = placed.orders
    refund_order(actor=market.buyer, order=order, reason="买错了")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    # The same success, re-sent by the gateway under a new event id and a later sequence.
    resent = json.loads(body)
    resent.update(event_id="resent", sequence=resent["sequence"] + 5)
    resent_body = json.dumps(resent).encode()

    receive_gateway_callback(
        provider_code="sandbox", body=resent_body, signature=gateway.sign(resent_body)
    )

    assert Payment.objects.get().status == PaymentStatus.REFUNDED
    assert Refund.objects.count() == 1 and Order.objects.get().status == OrderStatus.REFUNDED


def paid_online_order(market):
    placed, _payment = placed_online(market, [(market.tea.pk, 2)])
    callback(gateway.decide(SandboxCharge.objects.get().token, pay=True))
    return placed.orders[0]


def test_a_refund_is_paid_back_by_a_task_once_however_often_it_runs(
    market, django_capture_on_commit_callbacks
):
    order = paid_online_order(market)
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(actor=market.buyer, order=order, reason="不要了")
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.PENDING and queued_refunds() == [refund.pk]

    assert send_refund.call(refund.pk) == RefundStatus.SENT
    assert send_refund.call(refund.pk) == RefundStatus.SENT

    refund.refresh_from_db()
    assert refund.gateway_reference and refund.sent_at and refund.attempts == 1
    charge = SandboxCharge.objects.get()
    assert charge.refunded_amount == refund.amount == 100
    assert SandboxRefund.objects.count() == 1
    assert AuditEntry.objects.for_object(refund).filter(action="refund.sent").count() == 1


def test_the_gateway_pays_a_refund_reference_once_even_when_our_record_was_lost(market):
    order = paid_online_order(market)
    refund_order(actor=market.buyer, order=order, reason="不要了")
    refund = Refund.objects.get()
    payment = refund.payment

    first = gateway.refund(payment, refund.amount, reference=refund.reference)
    # The task died before writing "sent"; it runs again.
    assert send_refund.call(refund.pk) == RefundStatus.SENT

    assert Refund.objects.get().gateway_reference == first
    assert SandboxCharge.objects.get().refunded_amount == 100


def test_a_refund_the_gateway_keeps_refusing_is_retried_then_left_failed_for_the_office(
    market, monkeypatch, office_user, django_capture_on_commit_callbacks
):
    order = paid_online_order(market)
    refund_order(actor=market.buyer, order=order, reason="不要了")
    refund = Refund.objects.get()
    with monkeypatch.context() as m:
        gateway_unreachable(m, "refund")
        for attempt in range(1, len(REFUND_RETRY_AFTER) + 1):
            with django_capture_on_commit_callbacks(execute=True):
                assert send_refund.call(refund.pk) == RefundStatus.PENDING
            assert Refund.objects.get().attempts == attempt
        assert len(queued_refunds()) == len(REFUND_RETRY_AFTER)  # each retry queued for later
        assert send_refund.call(refund.pk) == RefundStatus.FAILED

    refund.refresh_from_db()
    assert "gateway unreachable" in refund.last_error
    assert AuditEntry.objects.for_object(refund).filter(action="refund.failed").exists()
    assert Order.objects.get().status == OrderStatus.REFUNDED  # the order shows it; the row too
    assert SandboxCharge.objects.get().refunded_amount == 0

    with pytest.raises(NotAllowed):
        retry_refund(actor=market.buyer, refund=refund)
    retry_refund(actor=office_user, refund=refund)
    assert send_refund.call(refund.pk) == RefundStatus.SENT
    assert SandboxCharge.objects.get().refunded_amount == 100
