import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from cuncun.catalog.demo import load_demo as catalog_demo
from cuncun.catalog.models import Product, Stock
from cuncun.merchants.demo import load_demo as merchants_demo
from cuncun.merchants.models import Merchant
from cuncun.orders.demo import load_demo as orders_demo
from cuncun.orders.models import Order, OrderStatus, PaymentEvent, Reservation, SandboxCharge
from cuncun.orders.payments import PROVIDERS
from cuncun.orders.services import place_order, start_payment
from cuncun.orders.tasks import deliver_sandbox_notification, release_expired_reservations
from tests.orders.conftest import delivery_request


def test_the_expiry_task_and_command_release_unpaid_checkouts(market):
    place_order(
        actor=market.buyer, idempotency_key="a", request=delivery_request([(market.tea.pk, 2)])
    )
    assert release_expired_reservations.call() == 0
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    out = io.StringIO()
    call_command("release_expired_reservations", stdout=out)

    assert out.getvalue().strip() == "1 checkout(s) released"
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert Stock.objects.get(sku=market.tea).quantity_allocated == 0


def test_the_sandbox_gateway_notifies_through_the_task_queue(
    market, django_capture_on_commit_callbacks
):
    placed = place_order(
        actor=market.buyer, idempotency_key="a", request=delivery_request([(market.tea.pk, 1)])
    )
    payment = start_payment(actor=market.buyer, checkout=placed.checkout)
    charge = SandboxCharge.objects.get(merchant_reference=payment.reference)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        PROVIDERS["sandbox"].decide(charge.token, pay=True)
    assert len(callbacks) == 1  # the notification was queued, not sent inline

    assert deliver_sandbox_notification.call(charge.pk) == PaymentEvent.Outcome.APPLIED
    assert Order.objects.get().status == OrderStatus.PAID
    assert deliver_sandbox_notification.call(charge.pk) == PaymentEvent.Outcome.DUPLICATE


def test_the_demo_can_run_twice_without_the_network_demo(county, make_user):
    from cuncun.accounts.models import Role
    from tests.conftest import township, village

    make_user("merchant", Role.MERCHANT, township("勐龙镇"))
    make_user("operator", Role.VILLAGE_OPERATOR, village("嘎洒镇", "曼达村委会"))
    for _ in range(2):
        merchants_demo()
        catalog_demo()
        orders_demo()
    assert Merchant.objects.filter(is_demo=True).count() == 10
    assert Product.objects.filter(is_demo=True).count() >= 30
    assert Merchant.objects.get(name="刘家茶园").owner.username == "merchant"
    assert not Order.objects.exists()  # no sites, no stock: no demo orders


def test_a_checkout_asks_the_queue_to_release_it_when_its_reservation_expires(
    market, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        placed = place_order(
            actor=market.buyer, idempotency_key="a", request=delivery_request([(market.tea.pk, 1)])
        )

    queued = DBTaskResult.objects.get(task_path__endswith="release_expired_reservations")
    assert queued.run_after > placed.checkout.reserved_until


def test_the_checkouts_of_one_minute_share_one_release_task(
    market, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    placed = []
    for key in ("a", "b", "c"):
        with django_capture_on_commit_callbacks(execute=True):
            placed.append(
                place_order(
                    actor=market.buyer,
                    idempotency_key=key,
                    request=delivery_request([(market.tea.pk, 1)]),
                )
            )

    queued = DBTaskResult.objects.filter(task_path__endswith="release_expired_reservations")
    expiries = {p.checkout.reserved_until.replace(second=0, microsecond=0) for p in placed}
    assert queued.count() == len(expiries)  # one per minute of expiry, not one per checkout
    assert all(any(t.run_after > p.checkout.reserved_until for t in queued) for p in placed)
