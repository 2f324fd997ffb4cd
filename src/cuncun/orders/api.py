"""/api/cart/, /api/checkout/, /api/orders/ and /api/payments/: the buyer's cart and checkout
(with an Idempotency-Key header), the order steps for sellers and pickup points, payments, and the
sandbox gateway's callback."""

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Header, Router, Status
from ninja.security import django_auth

from cuncun.catalog.models import Sku
from cuncun.core.errors import InvalidInput, NotFound
from cuncun.network.models import Carrier, Site
from cuncun.orders import queries, services
from cuncun.orders.models import Checkout, Order, OrderStatus, Payment, PaymentStatus
from cuncun.orders.schemas import (
    CartLineIn,
    CartOut,
    CheckoutIn,
    CheckoutOut,
    ConfirmIn,
    OrderOut,
    OutcomeOut,
    PaymentIn,
    PaymentOut,
    PickupIn,
    QuantityIn,
    ReasonIn,
    ShipIn,
)

cart_router = Router(tags=["cart"], auth=django_auth)
checkout_router = Router(tags=["checkout"], auth=django_auth)
orders_router = Router(tags=["orders"], auth=django_auth)
payments_router = Router(tags=["payments"])


# --- cart -----------------------------------------------------------------------------------


def _cart(user) -> dict:
    lines = queries.cart_of(user)
    return {
        "lines": [
            {
                "sku": line.sku_id,
                "product": line.sku.product.name,
                "variant": line.sku.name,
                "merchant": line.sku.product.merchant.name,
                "unit_price": line.sku.price,
                "quantity": line.quantity,
            }
            for line in lines
        ],
        "total": sum((line.sku.price * line.quantity for line in lines), 0),
    }


def _sku(sku_id: int) -> Sku:
    sku = Sku.objects.filter(pk=sku_id).first()
    if sku is None:
        raise NotFound(details={"sku": sku_id})
    return sku


@cart_router.get("/", response=CartOut, summary="The caller's cart")
def get_cart(request):
    return _cart(request.user)


@cart_router.post("/lines/", response=CartOut, summary="Put a SKU in the cart")
def add_line(request, data: CartLineIn):
    services.add_to_cart(actor=request.user, sku=_sku(data.sku), quantity=data.quantity)
    return _cart(request.user)


@cart_router.put("/lines/{sku_id}/", response=CartOut, summary="Change a quantity (0 removes)")
def set_line(request, sku_id: int, data: QuantityIn):
    services.set_cart_quantity(actor=request.user, sku=_sku(sku_id), quantity=data.quantity)
    return _cart(request.user)


# --- checkout -------------------------------------------------------------------------------


def _site_id(code: str | None) -> int | None:
    if not code:
        return None
    site_id = Site.objects.filter(code=code).values_list("pk", flat=True).first()
    if site_id is None:
        raise InvalidInput(_("There is no site %s.") % code, details={"site": code})
    return site_id


def order_out(order: Order, lines=None) -> dict:
    checkout = order.checkout
    return {
        "id": order.pk,
        "number": order.number,
        "checkout": order.checkout_id,
        "merchant_id": order.merchant_id,
        "merchant": order.merchant.name,
        "status": order.status,
        "total": order.total,
        "pickup_fee": order.pickup_fee,
        "pickup_fee_due": order.pickup_fee_due,
        "fulfilment": checkout.fulfilment,
        "pickup_site": checkout.pickup_site.code if checkout.pickup_site_id else None,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "tracking_number": order.tracking_number,
        "lines": [
            {
                "sku": line.sku_id,
                "product": line.product_name,
                "variant": line.sku_name,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "list_price": line.list_price,
                "quantity": line.quantity,
                "total": line.total,
                "site": line.stock.site.code,
            }
            for line in (order.lines.all() if lines is None else lines)
        ],
    }


@checkout_router.post(
    "/",
    response={201: CheckoutOut, 200: CheckoutOut},
    summary="Submit the cart (or buy now): one order per merchant, stock reserved",
)
def submit_checkout(
    request, data: CheckoutIn, idempotency_key: str = Header("", alias="Idempotency-Key")
):
    """Send a fresh `Idempotency-Key` header per submission; a retry with the same key answers
    the first result (200, `replayed`). A shortfall answers 409 `insufficient_stock` with every
    short line in `details.lines`; nothing is reserved then."""
    placed = services.place_order(
        actor=request.user,
        idempotency_key=idempotency_key,
        request=services.CheckoutRequest(
            fulfilment=data.fulfilment,
            payment_provider=data.payment_provider,
            pickup_site_id=_site_id(data.pickup_site),
            recipient_name=data.recipient_name,
            recipient_phone=data.recipient_phone,
            address=data.address,
            lines=[(line.sku, line.quantity) for line in data.lines]
            if data.lines is not None
            else None,
            assisted_site_id=_site_id(data.assisted_site),
            on_behalf_of_name=data.on_behalf_of_name,
            on_behalf_of_phone=data.on_behalf_of_phone,
            voucher_ids=data.vouchers,
        ),
    )
    checkout = placed.checkout
    # One statement for the vouchers of the orders with a pickup fee: what each leaves to pay
    # (none for a delivery, as in a flash sale).
    prefetch_related_objects([o for o in placed.orders if o.pickup_fee], "discounts")
    body = {
        "checkout": checkout.pk,
        "total": checkout.total,
        "reserved_until": checkout.reserved_until,
        "payment_provider": checkout.payment_provider,
        "replayed": placed.replayed,
        "orders": [order_out(o, placed.lines.get(o.pk, [])) for o in placed.orders],
    }
    return Status(200 if placed.replayed else 201, body)


@checkout_router.get("/pickup-points/", summary="Points where these SKUs can be picked up")
def pickup_points(request, skus: str = ""):
    try:
        sku_ids = [int(x) for x in skus.split(",") if x.strip()]
    except ValueError as error:
        raise InvalidInput(_("skus is a comma-separated list of SKU ids.")) from error
    return [
        {
            "code": site.code,
            "name": site.name,
            "kind": site.kind,
            "region": site.region.name,
            "address": site.address,
            "pickup_mode": site.pickup_mode,
            "opening_hours": site.opening_hours,
        }
        for site in queries.pickup_points(sku_ids)
    ]


# --- orders ---------------------------------------------------------------------------------


def _order(request, order_id: int) -> Order:
    return queries.visible_order(request.user, order_id)


@orders_router.get("/", response=list[OrderOut], summary="Orders: bought, to sell, or at a point")
def list_orders(request, role: str = "buyer", status: str = "", site: str = ""):
    """`role`: buyer (default) | seller | point (with `site`, a code) | office."""
    if status and status not in dict(OrderStatus.choices):
        raise InvalidInput(_("Unknown status %s.") % status)
    if role == "buyer":
        orders = queries.buyer_orders(request.user)
        orders = orders.filter(status=status) if status else orders
    elif role == "seller":
        orders = queries.seller_orders(request.user, status)
    elif role == "point":
        point = Site.objects.operated_by(request.user).filter(code=site).first()
        if point is None:
            raise NotFound(details={"site": site})
        orders = queries.orders_at_point(point, status)
    elif role == "office":
        orders = queries.office_orders(request.user, status=status)
    else:
        raise InvalidInput(_("role is buyer, seller, point or office."))
    return [order_out(o) for o in orders.prefetch_related("lines__stock__site")[:200]]


@orders_router.get("/{order_id}/", response=OrderOut, summary="One order")
def get_order(request, order_id: int):
    return order_out(_order(request, order_id))


def _step(request, order_id: int, step, **kwargs) -> dict:
    order = _order(request, order_id)
    step(actor=request.user, order=order, **kwargs)
    return order_out(queries.visible_order(request.user, order_id))


@orders_router.post("/{order_id}/pack/", response=OrderOut, summary="Seller: packed")
def pack(request, order_id: int):
    return _step(request, order_id, services.pack_order)


@orders_router.post("/{order_id}/ship/", response=OrderOut, summary="Seller: shipped")
def ship(request, order_id: int, data: ShipIn):
    carrier = None
    if data.carrier:
        carrier = Carrier.objects.filter(code=data.carrier).first()
        if carrier is None:
            raise InvalidInput(_("Unknown carrier %s.") % data.carrier)
    return _step(
        request,
        order_id,
        services.ship_order,
        carrier=carrier,
        tracking_number=data.tracking_number,
    )


@orders_router.post("/{order_id}/arrive/", response=OrderOut, summary="Point: checked in")
def arrive(request, order_id: int):
    return _step(request, order_id, services.receive_at_point)


@orders_router.post("/{order_id}/deliver/", response=OrderOut, summary="Seller: delivered")
def deliver(request, order_id: int):
    return _step(request, order_id, services.confirm_delivery)


@orders_router.post("/{order_id}/receive/", response=OrderOut, summary="Buyer: received")
def receive(request, order_id: int):
    return _step(request, order_id, services.confirm_receipt)


@orders_router.post("/{order_id}/pickup/", response=OrderOut, summary="Point: hand over by code")
def pickup(request, order_id: int, data: PickupIn):
    return _step(request, order_id, services.pick_up_order, code=data.code)


@orders_router.post("/{order_id}/pickup-code/", response=OrderOut, summary="Buyer: a new code")
def new_pickup_code(request, order_id: int):
    return _step(request, order_id, services.reissue_pickup_code)


@orders_router.post("/{order_id}/refund/", response=OrderOut, summary="Refund in full")
def refund(request, order_id: int, data: ReasonIn):
    return _step(request, order_id, services.refund_order, reason=data.reason)


@orders_router.post("/{order_id}/cancel/", response=OrderOut, summary="Buyer: cancel unpaid")
def cancel(request, order_id: int, data: ReasonIn):
    order = _order(request, order_id)
    services.cancel_checkout(actor=request.user, checkout=order.checkout, reason=data.reason)
    return order_out(queries.visible_order(request.user, order_id))


# --- payments -------------------------------------------------------------------------------


def payment_out(payment: Payment) -> dict:
    return {
        "reference": payment.reference,
        "checkout": payment.checkout_id,
        "provider": payment.provider,
        "amount": payment.amount,
        "status": payment.status,
        "redirect_url": payment.redirect_url,
        "site": payment.site.code if payment.site_id else None,
        "orders": list(
            Order.objects.filter(checkout_id=payment.checkout_id)
            .order_by("pk")
            .values("id", "status")
        ),
    }


def _payment(request, reference: str) -> Payment:
    payment = Payment.objects.select_related("checkout", "site").filter(reference=reference).first()
    if payment is None:
        raise NotFound(details={"payment": reference})
    user = request.user
    allowed = payment.checkout.buyer_id == user.pk or user.manages_reference_data
    if not allowed and payment.site_id:
        allowed = Site.objects.operated_by(user).filter(pk=payment.site_id).exists()
    if not allowed:
        raise NotFound(details={"payment": reference})
    return payment


@payments_router.post(
    "/", response={201: PaymentOut}, auth=django_auth, summary="Start paying a checkout"
)
def start(request, data: PaymentIn):
    """Answers the payment; for an online provider, send the buyer to `redirect_url`.
    `return_url`, where the gateway sends the buyer back, is a path of this site ("/…"); any
    other address is refused (400). A gateway that does not answer gives 503: ask again."""
    checkout = Checkout.objects.filter(pk=data.checkout, buyer=request.user).first()
    if checkout is None:
        raise NotFound(details={"checkout": data.checkout})
    payment = services.start_payment(
        actor=request.user,
        checkout=checkout,
        provider_code=data.provider,
        return_url=data.return_url,
    )
    return Status(201, payment_out(Payment.objects.select_related("site").get(pk=payment.pk)))


@payments_router.get(
    "/{reference}/", response=PaymentOut, auth=django_auth, summary="A payment, asked afresh"
)
def get_payment(request, reference: str):
    payment = _payment(request, reference)
    if payment.status == PaymentStatus.PENDING:
        payment = services.refresh_payment(actor=request.user, payment=payment)
    return payment_out(payment)


@payments_router.post(
    "/{reference}/confirm/",
    response=PaymentOut,
    auth=django_auth,
    summary="Point operator: cash received",
)
def confirm(request, reference: str, data: ConfirmIn):
    payment = _payment(request, reference)
    services.confirm_offline_payment(actor=request.user, payment=payment, amount=data.amount)
    return payment_out(Payment.objects.select_related("site").get(pk=payment.pk))


@payments_router.post(
    "/sandbox/callback/", response=OutcomeOut, summary="The sandbox gateway's notification"
)
def sandbox_callback(request, x_sandbox_signature: str = Header("", alias="X-Sandbox-Signature")):
    """Signed with HMAC-SHA256 over the raw body. A bad signature is refused (400) and logged;
    a duplicate or out-of-order notification answers 200 and changes nothing."""
    outcome = services.receive_gateway_callback(
        provider_code="sandbox", body=request.body, signature=x_sandbox_signature
    )
    return {"outcome": outcome}


routes = [
    ("/cart/", cart_router),
    ("/checkout/", checkout_router),
    ("/orders/", orders_router),
    ("/payments/", payments_router),
]
