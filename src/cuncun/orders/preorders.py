"""Pre-orders (预售): a seasonal product booked and paid before its harvest, up to a quota; at
harvest the merchant confirms the real quantity and grade, the bookings are filled first come
first served from the harvest's stock, and those the harvest cannot cover are refunded in full
through the provider that took the money. Each buyer is told by SMS at every step.

The money is paid at booking, for the whole booking (the price in full is the deposit: a second
payment of a balance is not part of this model); paying, refunding and their audit rows are the
orders app's own (`start_payment`, the providers, `refund_order`).
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.catalog.models import Sku, Stock
from cuncun.catalog.services import StockRequest, adjust_stock, reserve_stock
from cuncun.core import audit
from cuncun.core.checks import quantity_problem, texts_too_long
from cuncun.core.errors import Conflict, InvalidInput
from cuncun.core.money import to_money
from cuncun.core.sms import send_sms
from cuncun.merchants.services import require_seller
from cuncun.network.models import Site
from cuncun.orders import locks
from cuncun.orders.models import (
    Allocation,
    Checkout,
    Order,
    OrderLine,
    OrderStatus,
    Preorder,
    PreorderOffer,
    PreorderOutcome,
    PreorderStatus,
)
from cuncun.orders.payments import get_provider
from cuncun.orders.services import (
    CheckoutRequest,
    _authenticated,
    _cancel_unpaid,
    _check_request,
    _withdraw_at_providers,
    point_fee,
    refund_order,
)

MAX_QUOTA = 100_000


def open_preorder(
    *,
    actor,
    sku: Sku,
    price,
    quota: int,
    closes_at: datetime,
    expected_harvest: date,
    expected_grade: str = "",
) -> PreorderOffer:
    """A merchant opens one of its SKUs for pre-order at a price, up to a quota of units."""
    merchant = sku.product.merchant
    require_seller(actor, merchant)
    problems = texts_too_long(PreorderOffer, {"expected_grade": expected_grade.strip()})
    try:
        price = to_money(str(price).strip())
    except ValueError:
        price = None
    if price is None or price <= 0:
        problems.append(_("give the pre-order price"))
    if problem := quantity_problem(quota, most=MAX_QUOTA):
        problems.append(problem)
    if not closes_at or closes_at <= timezone.now():
        problems.append(_("bookings must close in the future"))
    elif expected_harvest < timezone.localdate(closes_at):
        problems.append(_("the harvest comes after bookings close"))
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    with transaction.atomic():
        offer = PreorderOffer.objects.create(
            sku=sku,
            merchant=merchant,
            price=price,
            quota=quota,
            closes_at=closes_at,
            expected_harvest=expected_harvest,
            expected_grade=expected_grade.strip(),
        )
        audit.record(actor=actor, action="preorder.open", obj=offer, after=audit.snapshot(offer))
    return offer


def book_preorder(
    *, actor, offer: PreorderOffer, quantity: int, request: CheckoutRequest
) -> Preorder:
    """A buyer books units of an open offer (pickup point or address as at checkout); the
    quota is taken with a conditional update, so it is never overbooked. The booking's checkout
    is then paid as any other (start_payment)."""
    _authenticated(actor)
    if problem := quantity_problem(quantity, most=MAX_QUOTA):
        raise InvalidInput(problem)
    now = timezone.now()
    provider = get_provider(request.payment_provider)
    pickup_site, _assisted = _check_request(actor, request, provider)
    total = to_money(offer.price * quantity)
    with transaction.atomic():
        booked = PreorderOffer.objects.filter(
            pk=offer.pk,
            status=PreorderStatus.OPEN,
            closes_at__gt=now,
            booked__lte=F("quota") - quantity,
        ).update(booked=F("booked") + quantity)
        if not booked:
            offer.refresh_from_db()
            raise Conflict(
                _("Only %d units are left to book.") % offer.left
                if offer.status == PreorderStatus.OPEN and offer.closes_at > now
                else _("Bookings for this pre-order are closed."),
                details={"left": offer.left},
            )
        checkout = Checkout.objects.create(
            buyer=actor,
            fulfilment=request.fulfilment,
            pickup_site=pickup_site,
            recipient_name=request.recipient_name.strip(),
            recipient_phone=request.recipient_phone.strip(),
            address=request.address.strip(),
            total=total,
            payment_provider=provider.code,
            reserved_until=now + timedelta(minutes=provider.reservation_minutes),
        )
        order = Order.objects.create(
            checkout=checkout,
            merchant=offer.merchant,
            total=total,
            # Handed over at a point, it pays the point's fee there as any market order.
            pickup_fee=point_fee(pickup_site),
        )
        preorder = Preorder.objects.create(offer=offer, order=order, quantity=quantity)
        audit.record(
            actor=actor,
            action="preorder.book",
            obj=preorder,
            after={"offer": offer.pk, "quantity": quantity, "total": str(total)},
        )
        _text(
            checkout,
            _("Pre-order %(order)s: %(n)d × %(sku)s booked, ¥%(total)s to pay.")
            % {"order": order.number, "n": quantity, "sku": offer.sku, "total": total},
        )
    return preorder


def confirm_harvest(
    *, actor, offer: PreorderOffer, quantity: int, grade: str, site: Site
) -> dict[str, int]:
    """The harvest is in: `quantity` units of `grade` arrive at `site`. Paid bookings are filled
    in the order they were made (a booking larger than what is left is skipped, and later
    smaller ones still filled), each with its line and units allocated from the harvest; the
    others are refunded in full; bookings never paid are cancelled. Answers the counts."""
    require_seller(actor, offer.merchant)
    if problem := quantity_problem(quantity, most=MAX_QUOTA, allow_zero=True):
        raise InvalidInput(problem)
    grade = grade.strip()
    if problems := texts_too_long(PreorderOffer, {"harvested_grade": grade}):
        raise InvalidInput("; ".join(problems))
    counts = {"filled": 0, "refunded": 0, "cancelled": 0}
    withdrawn = []
    with transaction.atomic():
        offer = PreorderOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status != PreorderStatus.OPEN:
            raise Conflict(_("This harvest was already confirmed."))
        stock = None
        if quantity:
            stock = adjust_stock(
                actor=actor,
                sku=offer.sku,
                site=site,
                change=quantity,
                reason=_("pre-order harvest, grade %s") % (grade or "—"),
            )
        left = quantity
        for preorder in offer.preorders.select_related("order__checkout").order_by("pk"):
            order = preorder.order
            if order.status == OrderStatus.PENDING_PAYMENT:
                withdrawn += (
                    _cancel_unpaid(
                        order.checkout_id, actor=actor, reason=_("pre-order never paid"), now=None
                    )
                    or []
                )
                _settle(preorder, PreorderOutcome.CANCELLED, counts, "cancelled")
            elif order.status == OrderStatus.PAID and preorder.quantity <= left:
                _fill(preorder, offer, stock, grade)
                left -= preorder.quantity
                _settle(preorder, PreorderOutcome.FILLED, counts, "filled")
            elif order.status == OrderStatus.PAID:
                refund_order(actor=actor, order=order, reason=_("the harvest did not cover it"))
                _text(
                    order.checkout,
                    _("Pre-order %(order)s: the harvest fell short; ¥%(total)s is refunded.")
                    % {"order": order.number, "total": order.total},
                )
                _settle(preorder, PreorderOutcome.REFUNDED, counts, "refunded")
        offer.status = PreorderStatus.HARVESTED
        offer.harvested_quantity = quantity
        offer.harvested_grade = grade
        offer.harvest_stock = stock
        offer.save(
            update_fields=[
                "status",
                "harvested_quantity",
                "harvested_grade",
                "harvest_stock",
                "updated_at",
            ]
        )
        audit.record(
            actor=actor,
            action="preorder.harvest",
            obj=offer,
            after={"quantity": quantity, "grade": grade, **counts},
        )
    _withdraw_at_providers(withdrawn)
    return counts


def _fill(preorder: Preorder, offer: PreorderOffer, stock: Stock, grade: str) -> None:
    order = locks.lock_order(preorder.order_id)
    sku = offer.sku
    line = OrderLine.objects.create(
        order=order,
        sku=sku,
        product_name=sku.product.name,
        sku_name=" ".join(x for x in (sku.name, grade) if x),
        unit=sku.unit,
        category=sku.product.category.name,
        unit_price=offer.price,
        list_price=sku.price,
        quantity=preorder.quantity,
        total=order.total,
        stock=stock,
    )
    reserve_stock(
        [
            StockRequest(
                stock_id=stock.pk,
                quantity=preorder.quantity,
                name=str(sku),
                sku_id=sku.pk,
                site_name=stock.site.name,
            )
        ]
    )
    Allocation.objects.create(line=line, stock=stock, quantity=preorder.quantity)
    _text(
        order.checkout,
        _("Pre-order %(order)s: harvested, grade %(grade)s; your %(n)d are set aside for you.")
        % {"order": order.number, "grade": grade or "—", "n": preorder.quantity},
    )


def _settle(preorder: Preorder, outcome: str, counts: dict, key: str) -> None:
    preorder.outcome = outcome
    preorder.save(update_fields=["outcome"])
    counts[key] += 1


def _text(checkout: Checkout, text: str) -> None:
    """The buyer's SMS, in the outbox with the step (sent once it commits)."""
    if phone := checkout.contact_phone:
        send_sms(to=phone, text=text, reference="preorder")
