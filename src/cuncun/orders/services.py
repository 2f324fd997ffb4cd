"""Every write of the orders app: the cart, checkout (split per merchant, stock reserved with
conditional updates), payment through a provider, the order state machine, pickup with a one-time
code, refunds, and releasing reservations that expired.

Locks are always taken in one order (orders.locks): payments, checkout, orders, then stock rows.
Providers (payment gateways) are called outside our transactions, and every call to them may be
repeated (see orders.payments).
"""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cuncun.accounts.roles import Role
from cuncun.catalog.models import Sku, Stock
from cuncun.catalog.queries import checkout_items
from cuncun.catalog.services import (
    InsufficientStock,
    StockRequest,
    release_stock,
    reserve_stock,
    ship_stock,
)
from cuncun.core import audit
from cuncun.core.checks import quantity_problem, text_too_long, texts_too_long
from cuncun.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from cuncun.core.idempotency import run_once, stored_result
from cuncun.core.money import to_money
from cuncun.core.personal import is_valid_phone, mask_phone
from cuncun.core.sales import sales_changed
from cuncun.core.sms import send_sms
from cuncun.merchants.services import may_sell_for, require_seller
from cuncun.network.models import PickupMode, ServiceRecord, Site, SiteKind, SiteService
from cuncun.network.services import correct_service, is_operator_of, record_service
from cuncun.orders import consignment, locks
from cuncun.orders.models import (
    Allocation,
    Cart,
    CartLine,
    Checkout,
    Fulfilment,
    Order,
    OrderDiscount,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
    RefundStatus,
    Reservation,
    Villager,
)
from cuncun.orders.payments import (
    PROVIDERS,
    BadSignature,
    Notification,
    PaymentProvider,
    get_provider,
    other_payable,
)
from cuncun.promotions import queries as promotions_queries
from cuncun.promotions import services as promotions
from cuncun.promotions.models import Funder, VoucherKind
from cuncun.promotions.pricing import LineToPrice, OrderPrice, price_orders
from cuncun.trace import services as trace
from cuncun.trace.models import BizStep

logger = logging.getLogger(__name__)

S = OrderStatus
# The state machine: which status may follow which, and the name of the step (audited as
# "order.<step>"). "pay" and "pick_up" have no public door: only a payment provider's confirmed
# payment, or the right pickup code, take them.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.PENDING_PAYMENT: {S.PAID: "pay", S.CANCELLED: "cancel"},
    S.PAID: {S.PACKED: "pack", S.REFUNDED: "refund"},
    S.PACKED: {S.SHIPPED: "ship", S.AT_PICKUP_POINT: "ready", S.REFUNDED: "refund"},
    S.SHIPPED: {S.AT_PICKUP_POINT: "arrive", S.DELIVERED: "deliver"},
    S.AT_PICKUP_POINT: {S.COMPLETED: "pick_up", S.REFUNDED: "refund"},
    S.DELIVERED: {S.COMPLETED: "complete"},
    S.COMPLETED: {},
    S.CANCELLED: {},
    S.REFUNDED: {},
}
MAX_LINE_QUANTITY = 999
MAX_LINES = 50
PICKUP_CODE_DAYS = 7
PICKUP_CODE_MAX_FAILURES = 5
PLACE_ATTEMPTS = 3
# How many times a checkout short of stock frees expired reservations and looks again.
PREPARE_ATTEMPTS = 2
IDEMPOTENCY_SCOPE = "orders.place_order"
RELEASE_GRACE = timedelta(seconds=5)  # lets a payment notified at the last second land first
# A payment the gateway says was paid counts from any of these (a withdrawn or failed one too:
# the money is there); one already succeeded or refunded is never settled again.
SETTLEABLE = {PaymentStatus.PENDING, PaymentStatus.CANCELLED, PaymentStatus.FAILED}
# A refund the provider could not pay is asked again after these waits, then left to a person.
REFUND_RETRY_AFTER = [timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1)]
# A return address is not a column of ours: it is handed to the gateway (the sandbox keeps it
# beside its charge), so it is held to the length of the gateway address we keep for a payment,
# and refused with the return-address rule, not a column's message.
RETURN_URL_MAX = Payment._meta.get_field("redirect_url").max_length


class TransitionRefused(Conflict):
    code = "transition_refused"


class ReservationExpired(Conflict):
    code = "reservation_expired"


class PickupRefused(DomainError):
    """A pickup code was refused; `code` says why (wrong, used, expired, locked)."""

    http_status = 400


class GatewayUnavailable(DomainError):
    """The payment provider did not answer; nothing was lost and the buyer may try again."""

    code = "gateway_unavailable"
    http_status = 503


# --- who is who ---------------------------------------------------------------------------------


def _authenticated(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAllowed(_("Log in first."))


def is_buyer(actor, checkout: Checkout) -> bool:
    return actor is not None and getattr(actor, "pk", None) == checkout.buyer_id


def _require_buyer_or_office(actor, checkout: Checkout) -> None:
    if actor is None or is_buyer(actor, checkout) or actor.manages_reference_data:
        return
    raise NotAllowed(_("Only the buyer or the county office may do this."))


def may_retry_refunds(actor) -> bool:
    """Who sends again a refund the provider has not paid back: the county office (and the
    system itself)."""
    if actor is None:
        return True
    return getattr(actor, "is_authenticated", False) and actor.manages_reference_data


def _require_refund_sender(actor) -> None:
    if may_retry_refunds(actor):
        return
    raise NotAllowed(_("Only the county office may do this."))


def _require_point_staff(actor, site: Site) -> None:
    if actor is None or actor.is_superuser or is_operator_of(actor, site):
        return
    raise NotAllowed(
        _("Only the operator of %(site)s may do this.") % {"site": site.name},
        details={"site": site.pk},
    )


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- the cart -----------------------------------------------------------------------------------


def add_to_cart(*, actor, sku: Sku, quantity: int = 1) -> CartLine:
    """Put units of a SKU in the buyer's cart, on top of what it already holds. More than one
    order's worth of a SKU is refused, not cut down: the buyer is told how many fit."""
    _authenticated(actor)
    _check_quantity(quantity)
    with transaction.atomic():
        sku = Sku.objects.select_related("product__merchant").get(pk=sku.pk)
        if not sku.is_on_sale:
            raise Conflict(_("%s is not on sale.") % sku, details={"sku": sku.pk})
        cart, _created = Cart.objects.get_or_create(buyer=actor)
        if not _add_units(cart, sku, quantity):
            try:
                with transaction.atomic():
                    CartLine.objects.create(cart=cart, sku=sku, quantity=quantity)
            except IntegrityError:
                # The same SKU was added at the same moment (another tab, a double tap).
                if not _add_units(cart, sku, quantity):
                    raise
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return CartLine.objects.get(cart=cart, sku=sku)


def _add_units(cart: Cart, sku: Sku, quantity: int) -> bool:
    """Add to the cart's line of this SKU with one conditional UPDATE, so that two additions at
    once both count. Answers False when the cart has no such line yet; refuses a line that would
    pass the most one order takes."""
    added = CartLine.objects.filter(
        cart=cart, sku=sku, quantity__lte=MAX_LINE_QUANTITY - quantity
    ).update(quantity=F("quantity") + quantity)
    if added:
        return True
    held = CartLine.objects.filter(cart=cart, sku=sku).values_list("quantity", flat=True).first()
    if held is None:
        return False
    raise InvalidInput(
        _(
            "Your cart already holds %(held)d of %(sku)s; one order takes at most %(max)d, "
            "so at most %(more)d more."
        )
        % {"held": held, "sku": sku, "max": MAX_LINE_QUANTITY, "more": MAX_LINE_QUANTITY - held},
        details={"held": held, "max": MAX_LINE_QUANTITY},
    )


def set_cart_quantity(*, actor, sku: Sku, quantity: int) -> None:
    """Change how many of a SKU the cart holds; 0 removes the line."""
    _authenticated(actor)
    _check_quantity(quantity, allow_zero=True)
    if quantity == 0:
        CartLine.objects.filter(cart__buyer=actor, sku=sku).delete()
        return
    if not CartLine.objects.filter(cart__buyer=actor, sku=sku).update(quantity=quantity):
        add_to_cart(actor=actor, sku=sku, quantity=quantity)  # not in the cart yet


def _check_quantity(quantity, *, allow_zero: bool = False) -> None:
    """A line holds a whole number of units, 1 (or 0 to remove it) to MAX_LINE_QUANTITY."""
    problem = quantity_problem(quantity, most=MAX_LINE_QUANTITY, allow_zero=allow_zero)
    if problem is None:
        return
    details = {"quantity": quantity}
    if isinstance(quantity, int) and quantity > MAX_LINE_QUANTITY:
        details["max"] = MAX_LINE_QUANTITY
    raise InvalidInput(problem, details=details)


# --- checkout -----------------------------------------------------------------------------------


@dataclass
class CheckoutRequest:
    """What the buyer submits. `lines` [(sku id, quantity)] buys these now; None buys the cart."""

    fulfilment: str
    payment_provider: str
    pickup_site_id: int | None = None
    recipient_name: str = ""
    recipient_phone: str = ""
    address: str = ""
    lines: list[tuple[int, int]] | None = None
    # 代购: an operator buying for a villager at their point.
    assisted_site_id: int | None = None
    on_behalf_of_name: str = ""
    on_behalf_of_phone: str = ""
    # …for a villager the point registered (register_villager): the name and phone are theirs.
    villager_id: int | None = None
    # Voucher batches the buyer chose (promotions.pricing says how they stack).
    voucher_ids: list[int] = field(default_factory=list)

    def fingerprint(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k not in ("lines", "voucher_ids")}
        data["lines"] = sorted(self.lines) if self.lines is not None else "cart"
        if self.voucher_ids:
            data["voucher_ids"] = sorted(self.voucher_ids)
        return data


@dataclass
class Placement:
    checkout: Checkout
    orders: list[Order] = field(default_factory=list)
    lines: dict[int, list[OrderLine]] = field(default_factory=dict)  # by order id
    replayed: bool = False


class _LostRace(Exception):
    """A stock row chosen from a fresh read was taken meanwhile, or a festival offer read changed:
    read and choose again."""

    def __init__(self, error: DomainError):
        self.error = error


def place_order(*, actor, idempotency_key: str, request: CheckoutRequest) -> Placement:
    """Submit a cart (or a "buy now" list): one checkout, one order per merchant, every unit
    reserved until the reservation expires. Retried with the same key, it answers the first
    result. A shortfall raises InsufficientStock listing every short line; nothing is kept."""
    _authenticated(actor)
    if not idempotency_key:
        raise InvalidInput(_("An idempotency key of 1 to 128 characters is required."))
    key = f"{actor.pk}:{idempotency_key}"
    payload = request.fingerprint()
    for attempt in range(PLACE_ATTEMPTS):
        written: dict = {}
        try:
            # Reads and checks happen before the transaction, which then only writes.
            prepared = _prepare(actor, request)
            result, replayed = run_once(
                scope=IDEMPOTENCY_SCOPE,
                key=key,
                actor=actor,
                payload=payload,
                write=lambda p=prepared, w=written: _write(actor, request, p, w),
                look_first=False,  # one statement less on every checkout of a flash sale
            )
        except _LostRace as lost:
            if attempt < PLACE_ATTEMPTS - 1:
                continue
            refusal = lost.error
        except DomainError as error:
            refusal = error
        else:
            if replayed:
                return _placement(result, replayed=True)
            return Placement(
                checkout=written["checkout"], orders=written["orders"], lines=written["lines"]
            )
        # A retry of a checkout that went through finds its cart empty, its stock or its limit
        # taken (by the first delivery): it is answered with the first result, not the refusal.
        stored = stored_result(scope=IDEMPOTENCY_SCOPE, key=key, payload=payload)
        if stored is not None:
            return _placement(stored, replayed=True)
        raise refusal
    raise AssertionError("unreachable")


def _placement(result: dict, *, replayed: bool) -> Placement:
    checkout = Checkout.objects.select_related("pickup_site").get(pk=result["checkout"])
    orders = list(
        Order.objects.filter(pk__in=result["orders"]).select_related("merchant").order_by("pk")
    )
    lines: dict[int, list[OrderLine]] = {o.pk: [] for o in orders}
    for line in OrderLine.objects.filter(order__in=orders).select_related("stock__site"):
        lines[line.order_id].append(line)
    return Placement(checkout=checkout, orders=orders, lines=lines, replayed=replayed)


@dataclass
class _Line:
    sku: Sku
    quantity: int
    stock: Stock | None = None
    # The campaign whose festival price this line was read at (None: the list price).
    offer: object = None

    @property
    def unit_price(self) -> Decimal:
        return self.offer.festival_price if self.offer is not None else self.sku.price


@dataclass
class _Prepared:
    now: datetime
    provider: PaymentProvider
    pickup_site: Site | None
    assisted_site: Site | None
    lines: list[_Line]
    prices: dict[int, OrderPrice] = field(default_factory=dict)  # by merchant id
    vouchers: dict = field(default_factory=dict)  # VoucherBatch by id


def _prepare(actor, request: CheckoutRequest) -> _Prepared:
    """Check the request and choose the stock row of every line, from one read. A line short of
    stock may be held by checkouts never paid: those are freed and the read made again, a
    bounded number of times."""
    now = timezone.now()
    day = timezone.localdate(now)
    provider = get_provider(request.payment_provider)
    pickup_site, assisted_site = _check_request(actor, request, provider)
    wanted = _requested_lines(actor, request)
    own_only = pickup_site is not None and pickup_site.pickup_mode == PickupMode.OWN_STOCK
    site_ids = [pickup_site.pk] if own_only else None
    for _attempt in range(PREPARE_ATTEMPTS):
        skus, stocks = checkout_items(wanted, day, site_ids=site_ids)
        lines = _check_lines(wanted, skus)
        short = _choose_stock(lines, stocks, pickup_site, own_only)
        if not short:
            prepared = _Prepared(now, provider, pickup_site, assisted_site, lines)
            _price(prepared, request.voucher_ids)
            return prepared
        if not _free_expired_units([x["sku"] for x in short], now):
            break
    raise InsufficientStock(short)


def _price(p: _Prepared, voucher_ids: list[int]) -> None:
    """The price in force of every line (a running campaign's festival price, else the list
    price), the pickup point's fee for handing an order over (网订店取: its published fee for
    order pickup) and the vouchers chosen, order by order (promotions.pricing's rules)."""
    offers = promotions_queries.offers_in_force([line.sku.pk for line in p.lines], p.now)
    for line in p.lines:
        line.offer = offers.get(line.sku.pk)
    batches = promotions_queries.vouchers_chosen(voucher_ids, p.now)
    p.vouchers = {b.pk: b for b in batches}
    p.prices = price_orders(
        [
            LineToPrice(
                sku_id=line.sku.pk,
                merchant_id=line.sku.product.merchant_id,
                list_price=line.sku.price,
                quantity=line.quantity,
                festival_price=line.offer.festival_price if line.offer else None,
            )
            for line in p.lines
        ],
        [promotions_queries.terms_of(b) for b in batches],
        pickup_fee=point_fee(p.pickup_site),
    )


def point_fee(pickup_site: Site | None) -> Decimal:
    """What a point chosen for pickup charges for handing an order over (`Site.with_fee`); 0 for
    a delivery or a point that publishes no fee."""
    fee = pickup_site.service_fee if pickup_site is not None else None
    return to_money(fee) if fee else Decimal("0.00")


def _take_promotions(actor, p: _Prepared) -> None:
    """Festival units, voucher budgets and the buyer's limits, taken at the moment of the
    reservation (inside the checkout's transaction, before the stock rows)."""
    items = [
        promotions.ItemTake(item=line.offer, quantity=line.quantity)
        for line in p.lines
        if line.offer is not None
    ]
    vouchers = [
        promotions.VoucherTake(batch=p.vouchers[terms.id], amount=amount)
        for price in p.prices.values()
        for terms, amount in price.taken
    ]
    if not items and not vouchers:
        return
    try:
        promotions.take_for_checkout(buyer_id=actor.pk, items=items, vouchers=vouchers, now=p.now)
    except promotions.OfferChanged as error:
        raise _LostRace(error) from None


def _write(actor, request: CheckoutRequest, p: _Prepared, written: dict) -> dict:
    """Inside run_once's transaction. Everything but the stock is written first, so that the hot
    stock rows stay locked for as short a time as possible (from the conditional UPDATE to the
    commit)."""
    lines = p.lines
    reserved_until = p.now + timedelta(minutes=p.provider.reservation_minutes)
    total = sum((price.total for price in p.prices.values()), Decimal("0"))
    villager = Villager.objects.get(pk=request.villager_id) if request.villager_id else None
    checkout = Checkout.objects.create(
        buyer=actor,
        assisted_site=p.assisted_site,
        villager=villager,
        on_behalf_of_name=villager.name if villager else request.on_behalf_of_name.strip(),
        on_behalf_of_phone=villager.phone if villager else request.on_behalf_of_phone.strip(),
        fulfilment=request.fulfilment,
        pickup_site=p.pickup_site,
        recipient_name=request.recipient_name.strip(),
        recipient_phone=request.recipient_phone.strip(),
        address=request.address.strip(),
        total=to_money(total),
        payment_provider=p.provider.code,
        reserved_until=reserved_until,
    )
    by_merchant: dict[int, list[_Line]] = {}
    for line in lines:
        by_merchant.setdefault(line.sku.product.merchant_id, []).append(line)
    orders = Order.objects.bulk_create(
        Order(
            checkout=checkout,
            merchant=group[0].sku.product.merchant,
            total=to_money(p.prices[merchant_id].total),
            pickup_fee=p.prices[merchant_id].pickup_fee,
        )
        for merchant_id, group in sorted(by_merchant.items())
    )
    order_lines = []
    for order in orders:
        for line in by_merchant[order.merchant_id]:
            order_lines.append(
                OrderLine(
                    order=order,
                    sku=line.sku,
                    product_name=line.sku.product.name,
                    sku_name=line.sku.name,
                    unit=line.sku.unit,
                    category=line.sku.product.category.name,
                    unit_price=line.unit_price,
                    list_price=line.sku.price,
                    campaign_item=line.offer,
                    quantity=line.quantity,
                    total=to_money(line.unit_price * line.quantity),
                    stock=line.stock,
                )
            )
    order_lines = OrderLine.objects.bulk_create(order_lines)
    Reservation.objects.bulk_create(
        Reservation(line=ol, stock=ol.stock, quantity=ol.quantity, expires_at=reserved_until)
        for ol in order_lines
    )
    discounts = [
        OrderDiscount(
            order=order,
            voucher_id=terms.id,
            name=terms.name,
            funder=terms.funder,
            amount=amount,
            on_pickup_fee=terms.kind == VoucherKind.FREE_PICKUP,
        )
        for order in orders
        for terms, amount in p.prices[order.merchant_id].taken
    ]
    if discounts:
        OrderDiscount.objects.bulk_create(discounts)
    for order in orders:
        audit.record(
            actor=actor,
            action="order.place",
            obj=order,
            after={
                "status": order.status,
                "total": str(order.total),
                "lines": [
                    [ol.sku_id, ol.quantity, ol.stock_id] for ol in order_lines if ol.order == order
                ],
                "reserved_until": reserved_until.isoformat(),
                **({"pickup_fee": str(order.pickup_fee)} if order.pickup_fee else {}),
            },
        )
    if request.lines is None:
        CartLine.objects.filter(cart__buyer=actor, sku__in=[x.sku for x in lines]).delete()
    batches = trace.batches_for_sale([line.stock.pk for line in lines])
    _take_promotions(actor, p)
    try:
        reserve_stock(
            [
                StockRequest(
                    stock_id=line.stock.pk,
                    quantity=line.quantity,
                    name=str(line.sku),
                    sku_id=line.sku.pk,
                    site_name=line.stock.site.name,
                )
                for line in lines
            ]
        )
    except InsufficientStock as error:
        raise _LostRace(error) from None
    for order in orders:
        stock_ids = [ol.stock_id for ol in order_lines if ol.order is order]
        trace.record_order_step(
            order_ref=order.number,
            stock_ids=stock_ids,
            step=BizStep.RETAIL_SELLING,
            batches=sorted(
                {b.pk: b for s in stock_ids for b in batches.get(s, [])}.values(),
                key=lambda b: b.pk,
            ),
        )
    _schedule_release(reserved_until)
    written.update(
        checkout=checkout,
        orders=orders,
        lines={o.pk: [ol for ol in order_lines if ol.order is o] for o in orders},
    )
    return {"checkout": checkout.pk, "orders": [o.pk for o in orders]}


# The texts of a checkout, each checked against its column.
CHECKOUT_TEXTS = ("recipient_name", "recipient_phone", "address", "on_behalf_of_name")


def _check_request(actor, r: CheckoutRequest, provider: PaymentProvider):
    problems = texts_too_long(Checkout, {name: getattr(r, name).strip() for name in CHECKOUT_TEXTS})
    pickup_site = assisted_site = None
    if r.fulfilment == Fulfilment.PICKUP:
        pickup_site = (
            Site.objects.with_fee(SiteService.PICKUP)
            .select_related("region")
            .filter(pk=r.pickup_site_id)
            .first()
        )
        if pickup_site is None:
            problems.append(_("choose a pickup point"))
        elif not pickup_site.is_serving or pickup_site.pickup_mode == PickupMode.DISABLED:
            problems.append(_("%s does not take pickups") % pickup_site.name)
    elif r.fulfilment == Fulfilment.DELIVERY:
        if not r.address.strip():
            problems.append(_("give a delivery address"))
        if not r.recipient_name.strip():
            problems.append(_("give the recipient's name"))
    else:
        problems.append(_("choose delivery or pickup"))
    if r.recipient_phone and not is_valid_phone(r.recipient_phone.strip()):
        problems.append(_("the recipient's phone is not a mobile phone number"))
    if r.fulfilment == Fulfilment.DELIVERY and not r.recipient_phone.strip():
        problems.append(_("give the recipient's phone"))
    if r.assisted_site_id is not None:
        assisted_site = Site.objects.filter(pk=r.assisted_site_id).first()
        if assisted_site is None or not is_operator_of(actor, assisted_site):
            raise NotAllowed(_("Only the operator of a point may buy for a villager there."))
        if not assisted_site.is_serving:
            problems.append(_("%s is not operating") % assisted_site.name)
        problems += _villager_problems(r)
    elif r.villager_id is not None or _names_someone_else(actor, r):
        raise NotAllowed(
            _(
                "An operator orders in someone else's name only as an assisted purchase: "
                "choose the villager first, then shop for them."
            )
        )
    # Said only of a delivery: with pickup chosen, a missing point is the one thing to fix.
    if provider.in_person and r.fulfilment == Fulfilment.DELIVERY and assisted_site is None:
        problems.append(
            _("cash is paid at a service point: choose pickup at a point, or pay online")
        )
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    return pickup_site, assisted_site


def _villager_problems(r: CheckoutRequest) -> list[str]:
    if r.villager_id is not None:
        if not Villager.objects.filter(pk=r.villager_id, site_id=r.assisted_site_id).exists():
            return [_("the villager is not one of this point's; choose them again")]
        return []
    problems = []
    if not r.on_behalf_of_name.strip():
        problems.append(_("give the name of the villager you are buying for"))
    if r.on_behalf_of_phone and not is_valid_phone(r.on_behalf_of_phone.strip()):
        problems.append(_("the villager's phone is not a mobile phone number"))
    return problems


def _names_someone_else(actor, r: CheckoutRequest) -> bool:
    """A village operator's own order names nobody but themselves: an order for a villager goes
    through 代购, so that it, its pickup SMS and its receipt are the villager's."""
    if actor.role != Role.VILLAGE_OPERATOR:
        return False
    name, phone = r.recipient_name.strip(), r.recipient_phone.strip()
    return (phone not in ("", actor.phone)) or (
        name not in ("", actor.display_name, actor.username)
    )


def _requested_lines(actor, r: CheckoutRequest) -> dict[int, int]:
    if r.lines is None:
        raw = list(CartLine.objects.filter(cart__buyer=actor).values_list("sku_id", "quantity"))
        if not raw:
            raise InvalidInput(_("Your cart is empty."))
    else:
        raw = list(r.lines)
        if not raw:
            raise InvalidInput(_("Choose at least one product."))
    if len(raw) > MAX_LINES:
        raise InvalidInput(_("At most %d lines in one order.") % MAX_LINES)
    wanted: dict[int, int] = {}
    for sku_id, quantity in raw:
        _check_quantity(quantity)
        wanted[int(sku_id)] = wanted.get(int(sku_id), 0) + quantity
    for quantity in wanted.values():
        _check_quantity(quantity)
    return wanted


def _check_lines(wanted: dict[int, int], skus: dict[int, Sku]) -> list[_Line]:
    problems = []
    for sku_id in wanted:
        sku = skus.get(sku_id)
        if sku is None:
            problems.append(_("product %s does not exist") % sku_id)
        elif not sku.is_on_sale:
            problems.append(_("%s is not on sale") % sku)
        elif not sku.in_season_flag:
            problems.append(_("%s is out of season") % sku)
    if problems:
        raise Conflict("; ".join(problems), details={"problems": problems})
    return [_Line(sku=skus[sku_id], quantity=q) for sku_id, q in sorted(wanted.items())]


def _choose_stock(lines: list[_Line], stocks: list[Stock], pickup_site, own_only: bool) -> list:
    """Pick the site each line comes from: the pickup point's own stock when it has it (and only
    it, when the point takes pickups of its own stock only), else the county warehouse, else the
    site with most units free. A line is taken whole from one site. Answers the short lines (as
    InsufficientStock lists them); none when every line has its stock."""
    by_sku: dict[int, list[Stock]] = {}
    for stock in stocks:
        by_sku.setdefault(stock.sku_id, []).append(stock)

    def preference(stock: Stock):
        return (
            0 if pickup_site is not None and stock.site_id == pickup_site.pk else 1,
            0 if stock.site.kind == SiteKind.COUNTY_WAREHOUSE else 1,
            -stock.available,
            stock.pk,
        )

    short = []
    for line in lines:
        options = sorted(by_sku.get(line.sku.pk, []), key=preference)
        line.stock = next((s for s in options if s.available >= line.quantity), None)
        if line.stock is None:
            short.append(
                {
                    "sku": line.sku.pk,
                    "name": str(line.sku),
                    "site": pickup_site.name if own_only else "",
                    "requested": line.quantity,
                    "available": max((s.available for s in options), default=0),
                }
            )
    return short


# --- cancelling and expiry ----------------------------------------------------------------------


def cancel_checkout(*, actor, checkout: Checkout, reason: str = "") -> Checkout:
    """The buyer withdraws an unpaid checkout: its orders are cancelled and the stock freed."""
    _require_buyer_or_office(actor, checkout)
    payments = _cancel_unpaid(
        checkout.pk, actor=actor, reason=reason or _("cancelled by the buyer"), now=None
    )
    if payments is None:
        raise TransitionRefused(_("Only an order awaiting payment can be cancelled."))
    _withdraw_at_providers(payments)
    return Checkout.objects.get(pk=checkout.pk)


def _schedule_release(reserved_until: datetime) -> None:
    """Ask the task queue to release this reservation once it has expired, so that stock held by
    an abandoned checkout comes back without cron. (Checkout also frees expired units of the SKUs
    it is short of, so a busy SKU never waits for the queue.) Queued inside the checkout's own
    transaction: with the database queue the task row commits with the order or not at all, and
    costs no second commit in a flash sale; a queue elsewhere may run it early, which is harmless
    (it releases only what has expired, and `cuncun release_expired_reservations` sweeps).

    One task per minute of expiry is enough, since each releases everything expired by then: in
    a flash sale the checkouts of a minute share one task instead of writing one row each. The
    cache remembers the minutes whose task has committed (marked on commit, so a checkout rolled
    back with its row never stands for the others; checkouts racing before the first commit may
    queue a few twins, which release nothing more)."""
    from cuncun.orders.tasks import release_expired_reservations as release

    if not release.get_backend().supports_defer:
        return
    minute = reserved_until.replace(second=0, microsecond=0) + timedelta(minutes=1)
    queued = f"orders.release-queued.{minute:%Y%m%d%H%M}"
    if cache.get(queued):
        return
    release.using(run_after=minute + RELEASE_GRACE).enqueue()
    timeout = max(60, int((minute - timezone.now()).total_seconds()) + 60)
    transaction.on_commit(lambda: cache.set(queued, True, timeout))


def _free_expired_units(sku_ids: list[int], now: datetime) -> int:
    """A checkout short of these SKUs frees the units that checkouts never paid still hold.
    Answers how many checkouts were released.

    Sold out, every refused checkout would look for expired reservations again. No reservation
    can expire before the earliest one held now, nor before a reservation made from now on
    would (the shortest any provider holds units): until then the look is skipped, remembered
    per SKU in the cache (shared by the servers when the cache is; a hint only, never needed for
    correctness: the task queue releases every reservation when it expires)."""
    keys = {sku_id: f"orders.no-expiry-before.{sku_id}" for sku_id in sku_ids}
    known = cache.get_many(list(keys.values()))
    if all(known.get(key, now) > now for key in keys.values()):
        return 0
    held = Reservation.objects.filter(stock__sku_id__in=sku_ids)
    earliest = held.aggregate(earliest=Min("expires_at"))["earliest"]
    if earliest is not None and earliest <= now:
        return release_expired_reservations(now=now, sku_ids=sku_ids)
    soonest_new = now + timedelta(minutes=min(p.reservation_minutes for p in PROVIDERS.values()))
    quiet_until = min(earliest, soonest_new) if earliest else soonest_new
    cache.set_many(
        {key: quiet_until for key in keys.values()},
        timeout=(quiet_until - now).total_seconds(),
    )
    return 0


def release_expired_reservations(
    *, now: datetime | None = None, sku_ids=None, limit: int = 500
) -> int:
    """Cancel checkouts left unpaid past their reservation and give their stock back. Before
    cancelling, an online payment still under way is asked about once: paid wins."""
    now = now or timezone.now()
    expired = Reservation.objects.filter(expires_at__lte=now)
    if sku_ids is not None:
        expired = expired.filter(stock__sku_id__in=list(sku_ids))
    checkout_ids = sorted(
        set(expired.values_list("line__order__checkout_id", flat=True).order_by()[:limit])
    )
    released = 0
    for checkout_id in checkout_ids:
        for payment in Payment.objects.filter(
            checkout_id=checkout_id, status=PaymentStatus.PENDING
        ):
            refresh_payment(actor=None, payment=payment)
        payments = _cancel_unpaid(
            checkout_id, actor=None, reason=_("the reservation expired unpaid"), now=now
        )
        if payments is not None:
            _withdraw_at_providers(payments)
            released += 1
    return released


def _cancel_unpaid(checkout_id: int, *, actor, reason: str, now) -> list[Payment] | None:
    """Cancel a checkout's orders if they are all still unpaid (and, when `now` is given, their
    reservation has expired by then). Answers the payments withdrawn; None if nothing was done."""
    with transaction.atomic():
        payments = locks.lock_payments(
            Payment.objects.filter(
                checkout_id=checkout_id, status=PaymentStatus.PENDING
            ).values_list("pk", flat=True)
        )
        checkout = locks.lock_checkout(checkout_id)
        orders = locks.lock_orders(checkout.orders.values_list("pk", flat=True))
        if not orders or any(o.status != S.PENDING_PAYMENT for o in orders):
            return None
        reservations = list(Reservation.objects.filter(line__order__checkout=checkout))
        if now is not None and any(r.expires_at > now for r in reservations):
            return None
        _give_back_promotions(checkout.buyer_id, orders)
        release_stock([(r.stock_id, r.quantity) for r in reservations])
        Reservation.objects.filter(pk__in=[r.pk for r in reservations]).delete()
        for order in orders:
            _move(order, S.CANCELLED, actor=actor, reason=reason)
        for payment in payments:
            _withdraw(payment, actor=actor, reason=reason)
    return payments


def _give_back_promotions(buyer_id: int, orders: list[Order]) -> None:
    """Orders cancelled or refunded give their festival units, voucher budgets and the buyer's
    limits back (before the stock rows, as the checkout took them)."""
    items = list(
        OrderLine.objects.filter(order__in=orders, campaign_item__isnull=False).values_list(
            "campaign_item_id", "quantity"
        )
    )
    vouchers = list(
        OrderDiscount.objects.filter(order__in=orders).values_list("voucher_id", "amount")
    )
    if not items and not vouchers:
        return
    # A voucher is used once a checkout: its use ends when no other live order of the checkout
    # holds it (a free pickup paying two orders, one of them refunded, is still used).
    still_held = set(
        OrderDiscount.objects.filter(order__checkout_id__in={o.checkout_id for o in orders})
        .exclude(order__in=orders)
        .exclude(order__status__in=[S.CANCELLED, S.REFUNDED])
        .values_list("voucher_id", flat=True)
    )
    uses = sorted({voucher_id for voucher_id, _amount in vouchers} - still_held)
    promotions.give_back(buyer_id=buyer_id, items=items, vouchers=vouchers, uses=uses)


def _withdraw(payment: Payment, *, actor, reason: str) -> None:
    """A payment under way may no longer be paid (its row locked by the caller): cancelled here
    and audited; its provider is told after the commit (`_withdraw_at_providers`)."""
    before = payment.status
    payment.status = PaymentStatus.CANCELLED
    payment.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="payment.cancel",
        obj=payment,
        before={"status": before},
        after={"status": payment.status},
        reason=reason,
    )


def _withdraw_at_providers(payments: list[Payment]) -> None:
    """Tell the providers (outside our transactions) that these payments may no longer be paid,
    then ask each once how it stands: a buyer who paid in the same instant gets the payment
    settled or refunded now rather than when (if ever) the gateway's notification arrives. A
    provider that cannot be reached is logged; its late notification is still applied."""
    for payment in payments:
        provider = PROVIDERS[payment.provider]
        try:
            provider.cancel(payment)
            notification = provider.query(payment)
        except Exception:  # the provider is outside the system: its failure is not the buyer's
            logger.exception("could not withdraw payment %s at %s", payment.pk, provider.code)
            continue
        if notification is not None:
            apply_payment_notification(provider=provider, notification=notification, source="query")


# --- payment ------------------------------------------------------------------------------------


def start_payment(
    *, actor, checkout: Checkout, provider_code: str | None = None, return_url: str = ""
) -> Payment:
    """Open a payment for an unpaid checkout with its provider. The provider is called after our
    transaction, holding no stock lock: the reservation keeps the units meanwhile. Choosing
    another provider withdraws the payment under way (audited). Asked again, it answers the
    payment under way, opening it with its provider if that failed the first time."""
    _require_buyer_or_office(actor, checkout)
    provider = get_provider(provider_code or checkout.payment_provider)
    return_url = _checked_return_url(return_url)
    site = checkout.assisted_site or checkout.pickup_site
    if provider.in_person and site is None:
        raise InvalidInput(_("Cash is paid at a service point; this order has none."))
    withdrawn = []
    with transaction.atomic():
        live = locks.lock_payments(
            Payment.objects.filter(
                checkout=checkout, status__in=[PaymentStatus.PENDING, PaymentStatus.SUCCEEDED]
            ).values_list("pk", flat=True)
        )
        checkout = locks.lock_checkout(checkout.pk)
        if any(p.status == PaymentStatus.SUCCEEDED for p in live):
            raise Conflict(_("This order is paid already."))
        statuses = set(checkout.orders.values_list("status", flat=True))
        if statuses != {S.PENDING_PAYMENT}:
            raise ReservationExpired(
                _("This order can no longer be paid: it was cancelled or its reservation expired.")
            )
        payment = next((p for p in live if p.provider == provider.code), None)
        if payment is None:
            for other in live:
                _withdraw(other, actor=actor, reason=_("the buyer chose to pay another way"))
                withdrawn.append(other)
            payment = Payment.objects.create(
                checkout=checkout,
                provider=provider.code,
                reference=secrets.token_hex(12),
                amount=checkout.total,
                site=site if provider.in_person else None,
            )
            if checkout.payment_provider != provider.code:
                Checkout.objects.filter(pk=checkout.pk).update(payment_provider=provider.code)
            audit.record(
                actor=actor,
                action="payment.start",
                obj=payment,
                after={
                    "provider": provider.code,
                    "amount": str(payment.amount),
                    "checkout": checkout.pk,
                },
            )
    _withdraw_at_providers(withdrawn)
    return _open_at_provider(provider, payment, return_url)


def _checked_return_url(url: str) -> str:
    """Where the gateway sends the buyer back: a page of this site, never another one."""
    url = (url or "").strip()
    if not url:
        return ""
    if (
        len(url) > RETURN_URL_MAX
        or not url.startswith("/")
        or not url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    ):
        raise InvalidInput(
            _("The return address must be a page of this site, such as /market/orders/mine/."),
            details={"return_url": url[:RETURN_URL_MAX]},
        )
    return url


def _open_at_provider(provider: PaymentProvider, payment: Payment, return_url: str) -> Payment:
    """Open the payment with its provider, outside our transaction. If the provider does not
    answer, the payment stays under way without an address to send the buyer to, and the next
    try opens it again (a provider opens one charge per payment, however often asked)."""
    if payment.redirect_url:
        return payment
    try:
        redirect_url = provider.start(payment, return_url=return_url)
    except Exception as error:  # the provider is outside the system
        logger.exception("payment %s: %s did not open it", payment.pk, provider.code)
        raise GatewayUnavailable(
            _(
                "The payment service did not answer. Your order is kept until %(until)s; "
                "try paying again in a moment."
            )
            % {"until": timezone.localtime(payment.checkout.reserved_until).strftime("%H:%M")},
            details={"payment": payment.reference},
        ) from error
    if redirect_url:
        Payment.objects.filter(pk=payment.pk).update(redirect_url=redirect_url)
        payment.redirect_url = redirect_url
    return payment


def confirm_offline_payment(*, actor, payment: Payment, amount=None) -> Payment:
    """The point's operator took the cash: the checkout's orders become paid.

    Not undoable, unlike a parcel's check-in or handover (logistics.services.UNDO_WINDOW): the
    sellers start packing at once and the stock is committed to the buyer, so a mistake is put
    right by a refund, which the money's ledger keeps. Confirming again is harmless: a confirmed
    payment is answered as it is (an offline queue may send it twice)."""
    _authenticated(actor)
    provider = get_provider(payment.provider)
    if not provider.in_person:
        raise InvalidInput(_("Only a cash payment is confirmed by hand."))
    with transaction.atomic():
        payment = locks.lock_payments([payment.pk])[0]
        site = Site.objects.get(pk=payment.site_id)
        _require_point_staff(actor, site)
        if payment.status == PaymentStatus.SUCCEEDED:
            return payment  # confirmed already
        if payment.status != PaymentStatus.PENDING:
            raise ReservationExpired(
                _("This payment was %(status)s: do not take the cash.")
                % {"status": payment.get_status_display()}
            )
        if amount is not None and to_money(amount) != payment.amount:
            raise InvalidInput(
                _("The amount due is %(due)s, not %(given)s.")
                % {"due": payment.amount, "given": to_money(amount)}
            )
        checkout, orders = _lock_unpaid_orders(payment)
        if orders is None:
            raise ReservationExpired(
                _("This order expired and its goods were released: do not take the cash.")
            )
        # A pending payment is the checkout's only live one (payment_one_live_per_checkout).
        _pay_orders(payment, checkout, orders, actor=actor, rivals=[])
        PaymentEvent.objects.create(
            provider=provider.code,
            event_id=f"confirm:{payment.pk}",
            payment=payment,
            source="confirm",
            outcome=PaymentEvent.Outcome.APPLIED,
            status=PaymentStatus.SUCCEEDED,
        )
    return payment


def receive_gateway_callback(*, provider_code: str, body: bytes, signature: str) -> str:
    """A gateway's asynchronous notification. A bad signature is refused and logged; a
    duplicate or out-of-order one changes nothing. Answers the outcome."""
    provider = get_provider(provider_code)
    try:
        notification = provider.verify(body, signature)
    except BadSignature:
        logger.warning("payment callback refused: bad signature (provider %s)", provider.code)
        PaymentEvent.objects.create(
            provider=provider.code,
            source="callback",
            outcome=PaymentEvent.Outcome.REFUSED,
            signature_valid=False,
            detail="bad signature",
            payload={"body": body[:2000].decode("utf-8", "replace")},
        )
        raise
    return apply_payment_notification(
        provider=provider, notification=notification, source="callback"
    )


def refresh_payment(*, actor, payment: Payment) -> Payment:
    """Ask the provider how a payment stands (when the buyer comes back from the gateway, or
    before an unpaid checkout expires) and apply the answer like a callback."""
    provider = get_provider(payment.provider)
    notification = provider.query(payment)
    if notification is not None:
        apply_payment_notification(provider=provider, notification=notification, source="query")
    return Payment.objects.get(pk=payment.pk)


def apply_payment_notification(*, provider, notification: Notification, source: str) -> str:
    """Apply what a provider says about one payment. Money received is never lost: it pays the
    checkout if its orders still await payment (whichever of its payments it came through), and
    is refunded otherwise."""
    apply_elsewhere = other_payable(notification.reference)
    if apply_elsewhere is not None:  # not an order's payment: the app that owns it applies it
        return apply_elsewhere(provider=provider, notification=notification, source=source)
    n = notification
    refused = None
    withdrawn: list[Payment] = []
    with transaction.atomic():
        found = (
            Payment.objects.filter(reference=n.reference, provider=provider.code)
            .values_list("pk", "checkout_id")
            .first()
        )
        payment, rivals = None, []
        if found is not None:
            # Every payment of the checkout, in key order: settling this one withdraws the others.
            locked = locks.lock_payments(
                Payment.objects.filter(checkout_id=found[1]).values_list("pk", flat=True)
            )
            payment = next(p for p in locked if p.pk == found[0])
            rivals = [p for p in locked if p.pk != payment.pk and p.status == PaymentStatus.PENDING]
        outcome, detail = _judge(provider, payment, n)
        if outcome == PaymentEvent.Outcome.APPLIED:
            before = payment.status
            payment.gateway_sequence = n.sequence
            payment.gateway_reference = n.gateway_reference
            payment.save(update_fields=["gateway_sequence", "gateway_reference", "updated_at"])
            if n.status == "succeeded" and before in SETTLEABLE:
                checkout, orders = _lock_unpaid_orders(payment)
                if orders is None:
                    _refund_late_money(payment)
                else:
                    _pay_orders(payment, checkout, orders, actor=None, rivals=rivals)
                    withdrawn = rivals
            elif n.status in {"failed", "cancelled"} and before == PaymentStatus.PENDING:
                payment.status = (
                    PaymentStatus.FAILED if n.status == "failed" else PaymentStatus.CANCELLED
                )
                payment.save(update_fields=["status", "updated_at"])
                audit.record(
                    actor=None,
                    action=f"payment.{payment.status}",
                    obj=payment,
                    before={"status": before},
                    after={"status": payment.status},
                )
            detail = detail or f"{before}→{payment.status}"
        PaymentEvent.objects.create(
            provider=provider.code,
            event_id=n.event_id if outcome == PaymentEvent.Outcome.APPLIED else n.event_id[:80],
            payment=payment,
            source=source,
            outcome=outcome,
            status=n.status,
            detail=detail[:200],
            payload=n.raw,
        )
        if outcome == PaymentEvent.Outcome.REFUSED:
            refused = detail
    if refused:
        logger.warning("payment notification refused: %s", refused)
        raise Conflict(refused, code="notification_refused")
    _withdraw_at_providers(withdrawn)
    return outcome


def _judge(provider, payment: Payment | None, n: Notification) -> tuple[str, str]:
    kinds = PaymentEvent.Outcome
    if payment is None:
        return kinds.REFUSED, "unknown payment reference"
    if n.amount != payment.amount:
        return kinds.REFUSED, f"amount {n.amount} differs from {payment.amount}"
    if PaymentEvent.objects.filter(
        provider=provider.code, event_id=n.event_id, outcome=kinds.APPLIED
    ).exists():
        return kinds.DUPLICATE, ""
    if n.sequence <= payment.gateway_sequence:
        return kinds.STALE, f"sequence {n.sequence} ≤ {payment.gateway_sequence}"
    return kinds.APPLIED, ""


def _lock_unpaid_orders(payment: Payment) -> tuple[Checkout, list[Order] | None]:
    """Lock the payment's checkout and its orders (after the payments, which the caller holds);
    the orders only if all of them still await payment, else None."""
    checkout = locks.lock_checkout(payment.checkout_id)
    orders = locks.lock_orders(checkout.orders.values_list("pk", flat=True))
    if orders and all(o.status == S.PENDING_PAYMENT for o in orders):
        return checkout, orders
    return checkout, None


def _pay_orders(
    payment: Payment, checkout: Checkout, orders: list[Order], *, actor, rivals: list[Payment]
) -> None:
    """Money for `payment` was received and its checkout's orders await payment: they become
    paid and their reservations allocations. The checkout's other payments still under way are
    withdrawn first (the buyer switched to cash while the gateway was taking the money: the money
    is there, so it wins); the caller tells their providers after the commit."""
    for rival in rivals:
        _withdraw(rival, actor=actor, reason=_("another payment of this order succeeded"))
    now = timezone.now()
    before = payment.status
    reservations = list(Reservation.objects.filter(line__order__checkout=checkout))
    Allocation.objects.bulk_create(
        Allocation(line_id=r.line_id, stock_id=r.stock_id, quantity=r.quantity)
        for r in reservations
    )
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).delete()
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = now
    payment.confirmed_by = _person(actor)
    payment.save(update_fields=["status", "succeeded_at", "confirmed_by", "updated_at"])
    audit.record(
        actor=actor,
        action="payment.succeed",
        obj=payment,
        before={"status": before},
        after={"status": payment.status, "amount": str(payment.amount)},
    )
    for order in orders:
        order.paid_at = now
        _move(order, S.PAID, actor=actor, extra_fields=["paid_at"])
    sales_changed(now)  # the month's sales rollup is rebuilt after the commit
    _record_assisted_trade(checkout, orders)
    consignment.record_consigned_sales(orders, actor=actor)


def _refund_late_money(payment: Payment) -> None:
    """Money arrived for a checkout with nothing left to pay for (cancelled after its reservation
    expired, or paid another way): it is recorded as received and refunded in full, through the
    provider, by a retried task."""
    before = payment.status
    payment.status = PaymentStatus.REFUNDED
    payment.succeeded_at = timezone.now()
    payment.refunded_amount = payment.amount
    payment.save(update_fields=["status", "succeeded_at", "refunded_amount", "updated_at"])
    reason = _("paid after the order was cancelled or paid otherwise: refunded in full")
    audit.record(
        actor=None,
        action="payment.refund_late",
        obj=payment,
        before={"status": before},
        after={"status": payment.status, "refunded": str(payment.amount)},
        reason=reason,
    )
    refund = Refund.objects.create(payment=payment, amount=payment.amount, reason=reason[:200])
    _queue_refund(refund)


def _record_assisted_trade(checkout: Checkout, orders: list[Order]) -> None:
    """代购 and 代售 go in the point's service ledger once paid."""
    day = timezone.localdate()
    if checkout.assisted_site_id:
        site = Site.objects.get(pk=checkout.assisted_site_id)
        for order in orders:
            _ledger(site, SiteService.ASSISTED_PURCHASE, order, day, checkout.buyer, order.total)
    merchants = {
        o.merchant_id: o.merchant
        for o in Order.objects.filter(pk__in=[o.pk for o in orders]).select_related("merchant")
    }
    for order in orders:
        merchant = merchants[order.merchant_id]
        if merchant.represented_by_id is None:
            continue
        site = (
            Site.objects.serving()
            .filter(operators__user_id=merchant.represented_by_id, operators__until__isnull=True)
            .order_by("pk")
            .first()
        )
        if site is not None:
            _ledger(
                site, SiteService.ASSISTED_SALE, order, day, merchant.represented_by, order.total
            )


def _ledger(site: Site, kind: str, order: Order, day, actor, amount, note: str = "") -> None:
    """A row of the point's ledger for this order: the trade's value for 代购/代售, the fee the
    point earns for a pickup."""
    if not site.is_serving:
        logger.info(
            "site %s not serving: %s of order %s not in its ledger", site.pk, kind, order.pk
        )
        return
    category = order.lines.values_list("category", flat=True).first() or ""
    record_service(
        actor=actor,
        site=site,
        kind=kind,
        day=day,
        amount=amount,
        category=category[:50],
        quantity=1,
        reference=_ledger_reference(order),
        note=note,
        authorized_by_caller=True,
    )


def _pickup_fee_note(order: Order) -> str:
    """Who pays the point's fee for a handover in the buyer's place, for the point's ledger: the
    free-pickup voucher and its funder (the shop, or the program's budget line), from whom the
    point has the money to claim, and what was collected at the counter."""
    notes = []
    for paid in order.discounts.filter(on_pickup_fee=True).select_related("voucher"):
        funded_by = (
            _("the program's budget line %s") % paid.voucher.budget_line
            if paid.funder == Funder.PROGRAM
            else order.merchant.name
        )
        notes.append(
            _("voucher “%(name)s” pays ¥%(amount)s, funded by %(funder)s")
            % {"name": paid.name, "amount": paid.amount, "funder": funded_by}
        )
    if notes:
        notes.append(_("¥%s collected at the counter") % order.pickup_fee_due)
    return "; ".join(notes)[: ServiceRecord._meta.get_field("note").max_length]


def _ledger_reference(order: Order) -> str:
    return f"orders.Order:{order.pk}"


def _take_back_assisted_trade(order: Order, actor, reason: str) -> None:
    """A refunded 代购/代售 is taken back in the point's ledger by a correcting row (the ledger is
    append-only), so the day's report no longer counts it."""
    rows = ServiceRecord.objects.filter(
        reference=_ledger_reference(order),
        kind__in=[SiteService.ASSISTED_PURCHASE, SiteService.ASSISTED_SALE],
        corrects__isnull=True,
    ).select_related("site")
    for row in rows:
        correct_service(
            actor=actor,
            site=row.site,
            kind=row.kind,
            reference=row.reference,
            reason=_("refunded: %s") % reason,
        )


# --- the state machine --------------------------------------------------------------------------


def _move(order: Order, to: str, *, actor, reason: str = "", extra_fields=(), after=None) -> None:
    """Take one allowed step (the order row is locked by the caller) and audit it."""
    allowed = TRANSITIONS.get(order.status, {})
    if to not in allowed:
        raise TransitionRefused(
            _("An order that is %(now)s cannot become %(to)s.")
            % {
                "now": dict(S.choices)[order.status],
                "to": dict(S.choices).get(to, to),
            },
            details={"from": order.status, "to": to, "allowed": sorted(allowed)},
        )
    before = order.status
    order.status = to
    order.save(update_fields=["status", "updated_at", *extra_fields])
    audit.record(
        actor=actor,
        action=f"order.{allowed[to]}",
        obj=order,
        before={"status": before},
        after={"status": to, **(after or {})},
        reason=reason,
    )


def transition_order(*, actor, order: Order, to: str, **kwargs) -> Order:
    """The public door to the state machine: each step through its own rules. Paying and picking
    up are refused here: they happen only through a payment provider or the pickup code."""
    steps = {
        S.PACKED: pack_order,
        S.SHIPPED: ship_order,
        S.AT_PICKUP_POINT: receive_at_point,
        S.DELIVERED: confirm_delivery,
        S.COMPLETED: confirm_receipt,
        S.REFUNDED: refund_order,
    }
    if to == S.CANCELLED:
        cancel_checkout(actor=actor, checkout=order.checkout, **kwargs)
        return Order.objects.get(pk=order.pk)
    if to not in steps:
        raise TransitionRefused(
            _("An order becomes paid only through a confirmed payment.")
            if to == S.PAID
            else _("This step cannot be taken directly."),
            details={"to": to},
        )
    return steps[to](actor=actor, order=order, **kwargs)


def pack_order(*, actor, order: Order) -> Order:
    with transaction.atomic():
        order = locks.lock_order(order.pk)
        require_seller(actor, order.merchant)
        _move(order, S.PACKED, actor=actor)
    return order


def ship_order(*, actor, order: Order, carrier=None, tracking_number: str = "") -> Order:
    """The seller sends a packed order. Goods leave their site's stock. An order picked up at the
    point whose own stock it came from goes straight onto the shelf there (pickup code sent)."""
    tracking_number = tracking_number.strip()
    if problem := text_too_long(Order, "tracking_number", tracking_number):
        raise InvalidInput(problem)
    with transaction.atomic():
        order = locks.lock_order(order.pk)
        require_seller(actor, order.merchant)
        if order.status != S.PACKED:
            _move(order, S.SHIPPED, actor=actor)  # refused with the state machine's message
        checkout = order.checkout
        allocations = list(
            Allocation.objects.filter(line__order=order).select_related("stock__site__region")
        )
        trace.refuse_held_stock([a.stock_id for a in allocations])
        ship_stock([(a.stock_id, a.quantity) for a in allocations])
        for a in allocations:
            trace.record_order_step(
                order_ref=order.number,
                stock_ids=[a.stock_id],
                step=BizStep.SHIPPING,
                place=a.stock.site.name,
                region=a.stock.site.region,
            )
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
        at_point = checkout.fulfilment == Fulfilment.PICKUP and all(
            a.stock.site_id == checkout.pickup_site_id for a in allocations
        )
        order.carrier = carrier
        order.tracking_number = tracking_number
        extra = {"carrier": carrier.code if carrier else "", "tracking": order.tracking_number}
        if at_point:
            _issue_pickup_code(order)
            _move(
                order,
                S.AT_PICKUP_POINT,
                actor=actor,
                extra_fields=["carrier", "tracking_number", *PICKUP_FIELDS],
                after=extra,
            )
            _send_pickup_sms(order, checkout)
        else:
            _move(
                order,
                S.SHIPPED,
                actor=actor,
                extra_fields=["carrier", "tracking_number"],
                after=extra,
            )
    return order


def receive_at_point(*, actor, order: Order) -> Order:
    """The pickup point checks a shipped order in: the buyer gets a one-time pickup code."""
    with transaction.atomic():
        order = locks.lock_order(order.pk)
        checkout = order.checkout
        if checkout.fulfilment != Fulfilment.PICKUP:
            raise TransitionRefused(_("This order is delivered to an address, not to a point."))
        _require_point_staff(actor, checkout.pickup_site)
        if order.status != S.SHIPPED:
            raise TransitionRefused(
                _("Only a shipped order can be checked in at the point (this one is %s).")
                % order.get_status_display()
            )
        _issue_pickup_code(order)
        _move(order, S.AT_PICKUP_POINT, actor=actor, extra_fields=PICKUP_FIELDS)
        _send_pickup_sms(order, checkout)
    return order


def confirm_delivery(*, actor, order: Order) -> Order:
    """The seller (or the county office) records that the carrier delivered to the address."""
    with transaction.atomic():
        order = locks.lock_order(order.pk)
        if order.checkout.fulfilment != Fulfilment.DELIVERY:
            raise TransitionRefused(_("This order is picked up at a point, with its code."))
        if not (
            actor is None or actor.manages_reference_data or may_sell_for(actor, order.merchant)
        ):
            raise NotAllowed(_("Only the seller or the county office may confirm delivery."))
        _move(order, S.DELIVERED, actor=actor)
    return order


def confirm_receipt(*, actor, order: Order) -> Order:
    """The buyer confirms they received a delivered order."""
    with transaction.atomic():
        order = locks.lock_order(order.pk)
        if order.status == S.AT_PICKUP_POINT:
            raise TransitionRefused(_("An order at a pickup point is completed with its code."))
        _require_buyer_or_office(actor, order.checkout)
        _move(order, S.COMPLETED, actor=actor)
    return order


PICKUP_FIELDS = [
    "pickup_code",
    "pickup_code_expires_at",
    "pickup_code_used_at",
    "pickup_code_failures",
]


def _issue_pickup_code(order: Order) -> None:
    order.pickup_code = f"{secrets.randbelow(10**6):06d}"
    order.pickup_code_expires_at = timezone.now() + timedelta(days=PICKUP_CODE_DAYS)
    order.pickup_code_used_at = None
    order.pickup_code_failures = 0


def _send_pickup_sms(order: Order, checkout: Checkout) -> None:
    phone = checkout.contact_phone
    if not phone:
        return  # no phone: the code is on the buyer's order page
    site = checkout.pickup_site
    text = _(
        "[Cuncun] Order %(number)s is at %(site)s. Pickup code %(code)s, valid until "
        "%(until)s. Do not give the code to anyone but the point's operator."
    ) % {
        "number": order.number,
        "site": site.name,
        "code": order.pickup_code,
        "until": timezone.localtime(order.pickup_code_expires_at).strftime("%m-%d %H:%M"),
    }
    if order.pickup_fee:
        due = order.pickup_fee_due
        text += (
            _("Pickup fee ¥%s, to pay at the point.") % due
            if due
            else _("The pickup fee is paid by your voucher.")
        )
    send_sms(to=phone, text=text, reference=f"orders.Order:{order.pk}")


def reissue_pickup_code(*, actor, order: Order) -> Order:
    """The buyer asks for a new code (lost, expired, or locked after wrong tries)."""
    with transaction.atomic():
        order = locks.lock_order(order.pk)
        _require_buyer_or_office(actor, order.checkout)
        if order.status != S.AT_PICKUP_POINT:
            raise TransitionRefused(_("Only an order waiting at a pickup point has a code."))
        _issue_pickup_code(order)
        order.save(update_fields=[*PICKUP_FIELDS, "updated_at"])
        audit.record(actor=actor, action="order.pickup_code.reissue", obj=order, after={})
        _send_pickup_sms(order, order.checkout)
    return order


def pick_up_order(*, actor, order: Order, code: str) -> Order:
    """The point's operator hands the goods over against the buyer's one-time code. A wrong,
    used, expired or locked code is refused with a message saying which."""
    refusal = None
    with transaction.atomic():
        order = locks.lock_order(order.pk)
        checkout = order.checkout
        if checkout.fulfilment != Fulfilment.PICKUP:
            raise TransitionRefused(_("This order is delivered to an address, not picked up."))
        _require_point_staff(actor, checkout.pickup_site)
        trace.refuse_held_order(order.number)
        now = timezone.now()
        if order.pickup_code_used_at is not None:
            raise PickupRefused(
                _("This code was already used on %(when)s: the order has been picked up.")
                % {
                    "when": timezone.localtime(order.pickup_code_used_at).strftime("%Y-%m-%d %H:%M")
                },
                code="pickup_code_used",
            )
        if order.status != S.AT_PICKUP_POINT:
            raise TransitionRefused(
                _("This order is not waiting at the point (it is %s).") % order.get_status_display()
            )
        if order.pickup_code_failures >= PICKUP_CODE_MAX_FAILURES:
            raise PickupRefused(
                _(
                    "Too many wrong codes: the code is locked. "
                    "The buyer can get a new one on their order page."
                ),
                code="pickup_code_locked",
            )
        if order.pickup_code_expires_at and now > order.pickup_code_expires_at:
            raise PickupRefused(
                _("This code expired on %(when)s. The buyer can get a new one on their order page.")
                % {
                    "when": timezone.localtime(order.pickup_code_expires_at).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                },
                code="pickup_code_expired",
            )
        if not constant_time_compare((code or "").strip(), order.pickup_code):
            Order.objects.filter(pk=order.pk).update(
                pickup_code_failures=F("pickup_code_failures") + 1
            )
            left = PICKUP_CODE_MAX_FAILURES - order.pickup_code_failures - 1
            audit.record(
                actor=actor, action="order.pickup_code.wrong", obj=order, after={"left": left}
            )
            refusal = PickupRefused(
                _("The pickup code is wrong. %(left)d tries left.") % {"left": left}
                if left
                else _(
                    "The pickup code is wrong. The code is now locked; the buyer can get a new one."
                ),
                code="pickup_code_wrong",
                details={"tries_left": left},
            )
        else:
            order.pickup_code_used_at = now
            fee = (
                {"pickup_fee": str(order.pickup_fee), "collected": str(order.pickup_fee_due)}
                if order.pickup_fee
                else {}
            )
            _move(order, S.COMPLETED, actor=actor, extra_fields=["pickup_code_used_at"], after=fee)
            # The point earns its whole fee: the buyer pays what no voucher pays.
            _ledger(
                checkout.pickup_site,
                SiteService.PICKUP,
                order,
                timezone.localdate(),
                actor,
                order.pickup_fee,
                note=_pickup_fee_note(order),
            )
    if refusal is not None:
        raise refusal  # after the commit: the wrong try is counted
    return order


# --- refunds ------------------------------------------------------------------------------------


def refund_order(*, actor, order: Order, reason: str) -> Order:
    """Give a paid order's money back in full. The buyer may before it is packed; the seller
    before it ships; the pickup point's operator while it waits there; the county office any
    time it is refundable. Units not shipped yet go back to stock. The provider pays the money
    back after the commit, by a task retried until it is sent (`send_refund`)."""
    _authenticated(actor)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give a reason for the refund."))
    if problem := text_too_long(Refund, "reason", reason):
        raise InvalidInput(problem)
    payment_id = (
        Payment.objects.filter(checkout_id=order.checkout_id, status=PaymentStatus.SUCCEEDED)
        .values_list("pk", flat=True)
        .first()
    )
    with transaction.atomic():
        payments = locks.lock_payments([payment_id] if payment_id else [])
        checkout = locks.lock_checkout(order.checkout_id)
        order = locks.lock_order(order.pk)
        _require_refunder(actor, order, checkout)
        if S.REFUNDED not in TRANSITIONS.get(order.status, {}):
            _move(order, S.REFUNDED, actor=actor)  # refused with the state machine's message
        payment = payments[0] if payments else None
        if payment is None or payment.status != PaymentStatus.SUCCEEDED:
            raise Conflict(_("No received payment to refund."))
        allocations = list(Allocation.objects.filter(line__order=order))
        _give_back_promotions(checkout.buyer_id, [order])
        release_stock([(a.stock_id, a.quantity) for a in allocations])
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
        refund = Refund.objects.create(
            order=order,
            payment=payment,
            amount=order.total,
            reason=reason,
            requested_by=_person(actor),
        )
        payment.refunded_amount += order.total
        if payment.refunded_amount == payment.amount:
            payment.status = PaymentStatus.REFUNDED
        payment.save(update_fields=["refunded_amount", "status", "updated_at"])
        _move(
            order,
            S.REFUNDED,
            actor=actor,
            reason=reason,
            after={"refund": str(order.total), "provider": payment.provider},
        )
        _take_back_assisted_trade(order, actor, reason)
        consignment.reverse_consigned_sales(order, actor=actor, reason=reason)
        _queue_refund(refund)
        sales_changed(order.paid_at)  # the month's sales rollup is rebuilt after the commit
    return order


def _queue_refund(refund: Refund, *, after: timedelta | None = None) -> None:
    """Once the refund is committed, ask the task queue to have the provider pay it back. A
    queue that cannot take it leaves the refund "being paid back", listed on the county office's
    order page, where it can be sent again."""
    from cuncun.orders.tasks import send_refund as task

    def enqueue():
        if after is not None and task.get_backend().supports_defer:
            task.using(run_after=timezone.now() + after).enqueue(refund.pk)
        else:
            task.enqueue(refund.pk)

    transaction.on_commit(enqueue, robust=True)


def send_refund(*, refund_id: int) -> str:
    """Have the provider pay a refund back (the task's work). Safe to run again and at once: the
    provider pays each refund reference once, and a refund marked sent is not sent again. A
    provider that fails is asked again later (REFUND_RETRY_AFTER), then the refund is marked
    failed, audited and logged for a person to see. Answers the refund's status."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status == RefundStatus.SENT:
        return refund.status
    provider = PROVIDERS[refund.payment.provider]
    try:
        gateway_reference = provider.refund(
            refund.payment, refund.amount, reference=refund.reference
        )
    except Exception as error:  # the provider is outside the system: its failure is recorded
        logger.exception("refund %s: %s did not pay it back", refund.pk, provider.code)
        return _refund_not_sent(refund_id, error)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != RefundStatus.SENT:
            before = refund.status
            refund.status = RefundStatus.SENT
            refund.gateway_reference = (gateway_reference or "")[:64]
            refund.sent_at = timezone.now()
            refund.attempts += 1
            refund.save(update_fields=["status", "gateway_reference", "sent_at", "attempts"])
            audit.record(
                actor=None,
                action="refund.sent",
                obj=refund,
                before={"status": before},
                after={"status": refund.status, "gateway_reference": refund.gateway_reference},
            )
    return refund.status


def _refund_not_sent(refund_id: int, error: Exception) -> str:
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != RefundStatus.PENDING:
            return refund.status  # sent meanwhile by another run
        refund.attempts += 1
        refund.last_error = f"{type(error).__name__}: {error}"[:200]
        retry = refund.attempts <= len(REFUND_RETRY_AFTER)
        if not retry:
            refund.status = RefundStatus.FAILED
            audit.record(
                actor=None,
                action="refund.failed",
                obj=refund,
                before={"status": RefundStatus.PENDING},
                after={"status": refund.status, "attempts": refund.attempts},
                reason=refund.last_error,
            )
            logger.error(
                "refund %s failed %d times; left to the county office", refund.pk, refund.attempts
            )
        refund.save(update_fields=["attempts", "last_error", "status"])
        if retry:
            _queue_refund(refund, after=REFUND_RETRY_AFTER[refund.attempts - 1])
    return refund.status


def retry_refund(*, actor, refund: Refund) -> Refund:
    """The county office sends again a refund the provider has not paid back (failed, or left
    waiting by a queue that lost it)."""
    _require_refund_sender(actor)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == RefundStatus.SENT:
            raise Conflict(_("This refund was paid back already."))
        before = refund.status
        refund.status = RefundStatus.PENDING
        refund.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="refund.retry",
            obj=refund,
            before={"status": before, "attempts": refund.attempts},
            after={"status": refund.status},
        )
        _queue_refund(refund)
    return refund


def _require_refunder(actor, order: Order, checkout: Checkout) -> None:
    if actor.manages_reference_data:
        return
    if order.status == S.PAID and is_buyer(actor, checkout):
        return
    if order.status in {S.PAID, S.PACKED} and may_sell_for(actor, order.merchant):
        return
    if (
        order.status == S.AT_PICKUP_POINT
        and checkout.pickup_site_id
        and is_operator_of(actor, checkout.pickup_site)
    ):
        return
    raise NotAllowed(_("You may not refund this order at this stage."))


# --- 代购: the villagers a point buys for ---------------------------------------------------------


def register_villager(*, actor, site: Site, name: str, phone: str, village) -> Villager:
    """The operator writes down a villager they buy for (no account needed): the name, the
    mobile phone that gets the pickup SMS, and their village in the point's township. A phone the
    point already knows gives back that villager."""
    name, phone = name.strip(), phone.strip()
    problems = texts_too_long(Villager, {"name": name, "phone": phone})
    if not name:
        problems.append(_("give the villager's name"))
    if phone and not is_valid_phone(phone):
        problems.append(_("the villager's phone is not a mobile phone number"))
    if village is None or village.parent_id != site.region.township_id:
        problems.append(_("choose the villager's village in the point's township"))
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    with transaction.atomic():
        if not is_operator_of(actor, site):
            raise NotAllowed(_("Only the operator of a point may buy for a villager there."))
        known = Villager.objects.filter(site=site, phone=phone).first() if phone else None
        if known is not None:
            return known
        villager = Villager.objects.create(
            site=site, name=name, phone=phone, village=village, registered_by=actor
        )
        audit.record(
            actor=actor,
            action="villager.register",
            obj=villager,
            after={
                "site": site.pk,
                "name": name,
                "phone": mask_phone(phone),
                "village": village.pk,
            },
        )
    return villager
