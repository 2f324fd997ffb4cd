"""Pages of the market: the front and product pages, cart and checkout, the buyer's orders, the
seller's orders to pack (with packing slips), the pickup point's counter, the county office's
order views, and the sandbox gateway's hosted page. Thin: rules in services.py, reads in
queries.py."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cuncun.catalog import queries as catalog
from cuncun.catalog.models import Category, Sku
from cuncun.catalog.services import InsufficientStock
from cuncun.core import offline
from cuncun.core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from cuncun.core.models import AuditEntry
from cuncun.core.pages import carry_out, confirm_page, safe_next
from cuncun.merchants.services import may_sell_for
from cuncun.network.models import Carrier, Site
from cuncun.orders import queries, services
from cuncun.orders.context import ASSISTED_VILLAGER, assisted_villager
from cuncun.orders.forms import CheckoutForm, ShipForm, VillagerForm
from cuncun.orders.models import (
    Fulfilment,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    SandboxCharge,
)
from cuncun.orders.payments import PROVIDERS
from cuncun.promotions import queries as promotions_queries
from cuncun.trace import queries as trace_queries

S = OrderStatus
PICKUP_PATH = [S.PENDING_PAYMENT, S.PAID, S.PACKED, S.SHIPPED, S.AT_PICKUP_POINT, S.COMPLETED]
DELIVERY_PATH = [S.PENDING_PAYMENT, S.PAID, S.PACKED, S.SHIPPED, S.DELIVERED, S.COMPLETED]


# --- the market front -----------------------------------------------------------------------


def market(request):
    q = request.GET.get("q", "").strip()[:50]
    code = request.GET.get("category", "")
    category = Category.objects.filter(code=code).first() if code else None
    products = catalog.market_products(request.user, q=q, category=category)
    page = Paginator(products, catalog.MARKET_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/market.html",
        {
            "q": q,
            "category": category,
            "categories": Category.objects.filter(parent__isnull=False).order_by(
                "kind", "position"
            ),
            "page": page,
            "cart_count": queries.cart_count(request.user),
            "campaigns": promotions_queries.market_campaigns(timezone.now()),
            "preorders": queries.open_preorders(timezone.now()),
        },
    )


def product_page(request, pk: int):
    product = catalog.market_product(pk)
    return render(
        request,
        "orders/product.html",
        {
            "product": product,
            "cart_count": queries.cart_count(request.user),
            "certificate": trace_queries.current_certificate(product),
        },
    )


# --- cart and checkout ----------------------------------------------------------------------


@login_required
def cart(request):
    lines = queries.cart_of(request.user)
    groups: dict = {}
    for line in lines:
        groups.setdefault(line.sku.product.merchant, []).append(line)
    total = sum((line.sku.price * line.quantity for line in lines), 0)
    return render(
        request,
        "orders/cart.html",
        {"groups": groups, "total": total, "max_quantity": services.MAX_LINE_QUANTITY},
    )


@login_required
@require_POST
def cart_add(request):
    sku = get_object_or_404(Sku, pk=_int(request.POST.get("sku")))
    added = carry_out(
        request,
        lambda: services.add_to_cart(
            actor=request.user, sku=sku, quantity=_int(request.POST.get("quantity", 1))
        ),
        _("%s is in your cart.") % sku,
    )
    if not added:
        return redirect("orders:product", pk=sku.product_id)
    return redirect(safe_next(request) or reverse("orders:product", args=[sku.product_id]))


@login_required
@require_POST
def cart_update(request):
    """Change a line's quantity (0, or the remove button, takes it out). A missing or garbled
    quantity is refused: it never empties the line by accident."""
    sku = get_object_or_404(Sku, pk=_int(request.POST.get("sku")))
    carry_out(
        request,
        lambda: services.set_cart_quantity(
            actor=request.user, sku=sku, quantity=_int(request.POST.get("quantity"))
        ),
    )
    return redirect("orders:cart")


def _int(value) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError) as error:
        raise InvalidInput(_("A whole number is needed here.")) from error


def _buy_now(request) -> list[tuple[int, int]] | None:
    """A "buy now" checkout carries its one line in the form; otherwise the cart is bought."""
    source = request.POST if request.method == "POST" else request.GET
    if not source.get("sku"):
        return None
    return [(_int(source.get("sku")), _int(source.get("quantity", 1)))]


@login_required
@require_POST
def buy_now(request):
    """The product page's 立即购买 shares its form (and so its CSRF token) with 加入购物车: it is
    posted here and sent on to the checkout of that one line, rather than sent as a GET form that
    would put the token in the address, and from there in logs."""
    line = _buy_now(request)
    if line is None:
        return redirect("orders:market")
    [(sku, quantity)] = line
    query = urlencode({"sku": sku, "quantity": quantity})
    return redirect(f"{reverse('orders:checkout')}?{query}")


def _price_in_force(sku, offers):
    offer = offers.get(sku.pk)
    return offer.festival_price if offer else sku.price


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    buy_now = _buy_now(request)
    if buy_now is None:
        lines = [(line.sku, line.quantity) for line in queries.cart_of(request.user)]
    else:
        skus = {
            s.pk: s
            for s in Sku.objects.select_related("product__merchant").filter(pk=buy_now[0][0])
        }
        lines = [(skus[sku_id], q) for sku_id, q in buy_now if sku_id in skus]
    if not lines:
        messages.error(request, _("Your cart is empty."))
        return redirect("orders:market")
    points = queries.pickup_points([sku.pk for sku, _q in lines])
    villager = assisted_villager(request)
    my_site = (
        villager.site if villager else Site.objects.operated_by(request.user).serving().first()
    )
    recipient = villager or request.user
    initial = {
        "idempotency_key": uuid.uuid4().hex,
        "fulfilment": Fulfilment.PICKUP,
        "payment_provider": "offline",
        "recipient_phone": recipient.phone,
        "recipient_name": villager.name if villager else request.user.display_name,
    }
    if my_site is not None and any(p.pk == my_site.pk for p in points):
        initial["pickup_site"] = my_site.pk
    now = timezone.now()
    vouchers = promotions_queries.vouchers_open(now, {sku.product.merchant_id for sku, _q in lines})
    form = CheckoutForm(request.POST or None, points=points, vouchers=vouchers, initial=initial)
    shortfall = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            placed = services.place_order(
                actor=request.user,
                idempotency_key=d["idempotency_key"],
                request=services.CheckoutRequest(
                    **form.delivery(),
                    lines=buy_now,
                    assisted_site_id=villager.site_id if villager else None,
                    villager_id=villager.pk if villager else None,
                    voucher_ids=d["vouchers"],
                ),
            )
        except InsufficientStock as error:
            shortfall = error.lines
            form.add_error(None, str(error.message))
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            request.session.pop(ASSISTED_VILLAGER, None)  # the next 代购 chooses its villager
            return _pay(request, placed.checkout)
    offers = promotions_queries.offers_in_force([sku.pk for sku, _q in lines], now)
    prefetch_related_objects(list(offers.values()), "campaign")  # its name is shown
    rows = [(sku, q, _price_in_force(sku, offers) * q, offers.get(sku.pk)) for sku, q in lines]
    total = sum((amount for _s, _q, amount, _o in rows), 0)
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "rows": rows,
            "total": total,
            "buy_now": buy_now,
            "shortfall": shortfall,
            "villager": villager,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assisted(request):
    """代购 starts here: the operator chooses the villager (or writes a new one down); the market,
    cart and checkout then carry that villager until the order is placed."""
    sites = list(Site.objects.operated_by(request.user).serving().select_related("region"))
    if not sites:
        raise NotAllowed(_("You do not run a service point that is operating."))
    site = sites[0]
    q = request.GET.get("q", "").strip()
    villages = queries.villages_around(site)
    form = VillagerForm(
        request.POST if "name" in request.POST else None,
        villages=villages,
        initial={"village": site.region},
    )
    villager = None
    if "villager" in request.POST:
        villager = queries.villagers_of(site).filter(pk=request.POST["villager"]).first()
    elif form.is_bound and form.is_valid():
        try:
            villager = services.register_villager(
                actor=request.user, site=site, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
    if villager is not None:
        request.session[ASSISTED_VILLAGER] = villager.pk
        messages.success(request, _("Buying for %(name)s: choose the goods.") % {"name": villager})
        return redirect("orders:market")
    return render(
        request,
        "orders/assisted.html",
        {"site": site, "q": q, "villagers": queries.villagers_of(site, q)[:30], "form": form},
    )


@login_required
@require_POST
def assisted_end(request):
    request.session.pop(ASSISTED_VILLAGER, None)
    messages.success(
        request, _("The assisted purchase ended: you are shopping for yourself again.")
    )
    return redirect(settings.LOGIN_REDIRECT_URL)  # back to one's own work


def _pay(request, checkout):
    """Open the payment and send the buyer where its provider says (the gateway, or back to the
    checkout page with the cash instructions)."""
    try:
        payment = services.start_payment(
            actor=request.user,
            checkout=checkout,
            return_url=reverse("orders:checkout_return", args=[checkout.pk]),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("orders:checkout_detail", pk=checkout.pk)
    if payment.redirect_url:
        return redirect(payment.redirect_url)
    return redirect("orders:checkout_detail", pk=checkout.pk)


@login_required
def checkout_detail(request, pk: int):
    checkout = queries.buyer_checkout(request.user, pk)
    orders = list(checkout.orders.all())
    payments = list(checkout.payments.all())
    live = next(
        (p for p in payments if p.status in {PaymentStatus.PENDING, PaymentStatus.SUCCEEDED}),
        None,
    )
    unpaid = all(o.status == S.PENDING_PAYMENT for o in orders)
    return render(
        request,
        "orders/checkout_detail.html",
        {
            "checkout": checkout,
            "orders": orders,
            "payment": live,
            "unpaid": unpaid,
            "provider": PROVIDERS.get(checkout.payment_provider),
        },
    )


@login_required
def checkout_return(request, pk: int):
    """Where the gateway sends the buyer back: ask it how the payment stands."""
    checkout = queries.buyer_checkout(request.user, pk)
    for payment in checkout.payments.all():
        if payment.status == PaymentStatus.PENDING:
            services.refresh_payment(actor=request.user, payment=payment)
    return redirect("orders:checkout_detail", pk=pk)


@login_required
@require_POST
def checkout_pay(request, pk: int):
    return _pay(request, queries.buyer_checkout(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def checkout_cancel(request, pk: int):
    checkout = queries.buyer_checkout(request.user, pk)
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Cancel this order?"),
            consequences=[
                _("Orders %(numbers)s are cancelled and cannot be paid any more.")
                % {"numbers": "、".join(o.number for o in checkout.orders.all())},
                _("The goods kept for you go back on sale."),
                _("To buy them again, you order again."),
            ],
            button=_("Cancel the order"),
            back=reverse("orders:checkout_detail", args=[pk]),
        )
    carry_out(
        request,
        lambda: services.cancel_checkout(actor=request.user, checkout=checkout),
        _("Cancelled; the goods were released."),
    )
    return redirect("orders:checkout_detail", pk=pk)


# --- orders ---------------------------------------------------------------------------------


@login_required
def hub(request):
    """Where each person finds the orders that concern them."""
    user = request.user
    return render(
        request,
        "orders/hub.html",
        {
            "recent": queries.buyer_orders(user)[:5],
            "sells": queries.seller_orders(user).exists()
            or user.merchants.exists()
            or user.represented_merchants.exists(),
            "to_pack": queries.seller_orders(user, S.PAID).count(),
            "points": list(Site.objects.operated_by(user).serving()),
            "office": queries.follows_area_orders(user),
        },
    )


@login_required
def mine(request):
    page = Paginator(queries.buyer_orders(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "orders/mine.html", {"page": page})


@login_required
def order_detail(request, pk: int):
    order = queries.visible_order(request.user, pk)
    checkout = order.checkout
    user = request.user
    is_buyer = checkout.buyer_id == user.pk
    sells = may_sell_for(user, order.merchant)
    at_point = bool(
        checkout.pickup_site_id
        and Site.objects.operated_by(user).filter(pk=checkout.pickup_site_id).exists()
    )
    path = PICKUP_PATH if checkout.fulfilment == Fulfilment.PICKUP else DELIVERY_PATH
    reached = path.index(order.status) if order.status in path else -1
    history = [
        (entry, HISTORY_LABELS.get(entry.action, entry.action))
        for entry in AuditEntry.objects.for_object(order)
        .select_related("actor")
        .order_by("at", "id")
    ]
    status, delivery = order.status, checkout.fulfilment == Fulfilment.DELIVERY
    available = {
        "pack": sells and status == S.PAID,
        "ship": sells and status == S.PACKED,
        "deliver": sells and delivery and status == S.SHIPPED,
        "arrive": at_point and status == S.SHIPPED,
        "pickup": at_point and status == S.AT_PICKUP_POINT,
        "receive": is_buyer and status == S.DELIVERED,
        "refund": (is_buyer and status == S.PAID) or (sells and status in {S.PAID, S.PACKED}),
    }
    return render(
        request,
        "orders/order.html",
        {
            "order": order,
            "checkout": checkout,
            "is_buyer": is_buyer,
            "sells": sells,
            "at_point": at_point,
            "steps": [
                (status, dict(S.choices)[status], i < reached, i == reached)
                for i, status in enumerate(path)
            ],
            "history": history,
            "carriers": Carrier.objects.filter(is_active=True),
            "show_code": is_buyer and order.status == S.AT_PICKUP_POINT,
            "available": {name for name, ok in available.items() if ok},
            "tracking": queries.tracking_events(order),
            "refund": Refund.objects.filter(order=order).first(),
        },
    )


HISTORY_LABELS = {
    "order.place": gettext_lazy("Ordered"),
    "order.pay": gettext_lazy("Paid"),
    "order.pack": gettext_lazy("Packed"),
    "order.ship": gettext_lazy("Shipped"),
    "order.ready": gettext_lazy("On the point's shelf"),
    "order.arrive": gettext_lazy("Checked in at the point"),
    "order.pick_up": gettext_lazy("Picked up with the code"),
    "order.deliver": gettext_lazy("Delivered"),
    "order.complete": gettext_lazy("Receipt confirmed"),
    "order.cancel": gettext_lazy("Cancelled"),
    "order.refund": gettext_lazy("Refunded"),
    "order.pickup_code.wrong": gettext_lazy("A wrong pickup code was tried"),
    "order.pickup_code.reissue": gettext_lazy("A new pickup code was sent"),
}
STEPS = {
    "pack": services.pack_order,
    "ship": services.ship_order,
    "arrive": services.receive_at_point,
    "deliver": services.confirm_delivery,
    "receive": services.confirm_receipt,
    "pickup": services.pick_up_order,
    "new_code": services.reissue_pickup_code,
    "refund": services.refund_order,
}
DONE = {
    "pack": gettext_lazy("Packed."),
    "ship": gettext_lazy("Shipped."),
    "arrive": gettext_lazy("Checked in at the point; the buyer has been sent the pickup code."),
    "deliver": gettext_lazy("Marked as delivered."),
    "receive": gettext_lazy("Thank you: the order is completed."),
    "pickup": gettext_lazy("Handed over: the order is completed."),
    "new_code": gettext_lazy("A new pickup code was sent."),
    "refund": gettext_lazy("Refunded."),
}


@login_required
@require_POST
def order_step(request, pk: int):
    order = queries.visible_order(request.user, pk)
    step = request.POST.get("step", "")
    if step not in STEPS:
        raise NotFound(details={"step": step})
    kwargs = {}
    if step == "ship":
        form = ShipForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(safe_next(request) or reverse("orders:order", args=[pk]))
        code = form.cleaned_data["carrier"]
        kwargs = {
            "carrier": Carrier.objects.filter(code=code).first() if code else None,
            "tracking_number": form.cleaned_data["tracking_number"],
        }
    elif step == "pickup":
        kwargs = {"code": request.POST.get("code", "")}
    elif step == "refund":
        kwargs = {"reason": request.POST.get("reason", "")}
    done = str(DONE[step])
    if step == "pickup" and order.pickup_fee:
        done = f"{done} {pickup_fee_to_collect(order)}"
    carry_out(request, lambda: STEPS[step](actor=request.user, order=order, **kwargs), done)
    return redirect(safe_next(request) or reverse("orders:order", args=[pk]))


def pickup_fee_to_collect(order) -> str:
    """What the counter collects for handing an order over: the point's fee, or what a
    free-pickup voucher leaves of it."""
    due = order.pickup_fee_due
    if not due:
        return _("The pickup fee is paid by a voucher: collect nothing.")
    return _("Collect the pickup fee of ¥%s.") % due


# --- the seller -----------------------------------------------------------------------------


@login_required
def sell(request):
    status = request.GET.get("status", S.PAID)
    if status not in dict(S.choices):
        status = S.PAID
    orders = queries.seller_orders(request.user, status)
    counts = {
        s: queries.seller_orders(request.user, s).count() for s in (S.PAID, S.PACKED, S.SHIPPED)
    }
    return render(
        request,
        "orders/sell.html",
        {
            "orders": orders[:200],
            "status": status,
            "tabs": [
                (s, dict(S.choices)[s], counts.get(s))
                for s in (S.PAID, S.PACKED, S.SHIPPED, S.AT_PICKUP_POINT, S.COMPLETED)
            ],
            "carriers": Carrier.objects.filter(is_active=True),
        },
    )


@login_required
def packing_slips(request):
    ids = [int(x) for x in request.GET.getlist("order") if x.isdigit()]
    orders = queries.seller_orders(request.user).filter(pk__in=ids)
    if not orders:
        raise NotFound(_("Choose the orders to print."))
    return render(request, "orders/slips.html", {"orders": orders})


# --- the pickup point's counter -------------------------------------------------------------


@login_required
def point(request):
    sites = list(Site.objects.operated_by(request.user).serving())
    if not sites:
        raise NotAllowed(_("You do not run a service point that is operating."))
    site = next((s for s in sites if s.code == request.GET.get("site")), sites[0])
    orders = queries.orders_at_point(site)
    return render(
        request,
        "orders/point.html",
        {
            "site": site,
            "sites": sites,
            "cash": queries.pending_cash_payments(site),
            "incoming": orders.filter(status=S.SHIPPED, checkout__pickup_site=site),
            "waiting": [
                (order, pickup_fee_to_collect(order) if order.pickup_fee else "")
                for order in orders.filter(status=S.AT_PICKUP_POINT, checkout__pickup_site=site)
            ],
            "recent": orders.filter(status=S.COMPLETED)[:10],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def confirm_cash(request, reference: str):
    if offline.is_queued(request):
        return offline.answer_once(
            request, scope="orders.cash", act=lambda: _take_cash(request, reference)
        )
    payment = get_object_or_404(Payment, reference=reference, provider="offline")
    if request.method == "GET":
        return _confirm_cash_page(request, payment)
    carry_out(
        request, lambda: _take_cash(request, reference), _("Cash received: the orders are paid.")
    )
    return redirect(safe_next(request) or reverse("orders:point"))


def _take_cash(request, reference: str) -> str:
    """Cash confirmed now or from the offline queue; what the operator is told."""
    payment = Payment.objects.filter(reference=reference, provider="offline").first()
    if payment is None:
        raise NotFound(_("There is no cash payment %s.") % reference)
    services.confirm_offline_payment(actor=request.user, payment=payment)
    return _("Cash received: %(amount)s yuan, the orders are paid.") % {"amount": payment.amount}


def _confirm_cash_page(request, payment):
    """Cash counted in the hand is confirmed once: the page says what the tap will do."""
    waiting = queries.pending_cash_payments_at(Site.objects.operated_by(request.user))
    if not waiting.filter(pk=payment.pk).exists():
        raise NotFound()
    checkout = payment.checkout
    return confirm_page(
        request,
        title=_("Cash received: %(amount)s yuan?") % {"amount": payment.amount},
        consequences=[
            _("You confirm that you hold %(amount)s yuan in cash from %(payer)s.")
            % {
                "amount": payment.amount,
                "payer": checkout.on_behalf_of_name or checkout.buyer,
            },
            _("Orders %(numbers)s become paid and their sellers start packing.")
            % {"numbers": "、".join(o.number for o in checkout.orders.all())},
            _("The cash is the point's to hand on; a mistake is put right by a refund."),
        ],
        button=_("Cash received"),
        back=reverse("orders:point"),
        offline_label=_("Cash received: %(amount)s yuan from %(payer)s")
        % {"amount": payment.amount, "payer": checkout.on_behalf_of_name or checkout.buyer},
    )


# --- the county office ----------------------------------------------------------------------


@login_required
def office(request):
    user = request.user
    if not queries.follows_area_orders(user):
        raise NotAllowed(_("These order views are for the county office and township staff."))
    status = request.GET.get("status", "")
    if status not in dict(S.choices):
        status = ""
    page = Paginator(queries.office_orders(user, status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "orders/office.html",
        {
            "page": page,
            "status": status,
            "status_label": dict(S.choices).get(status, ""),
            "summary": queries.office_summary(user),
            "refunds": queries.refunds_not_paid_back(user)[:50],
            "may_retry": services.may_retry_refunds(user),
        },
    )


@login_required
@require_POST
def retry_refund(request, pk: int):
    refund = get_object_or_404(queries.refunds_not_paid_back(request.user), pk=pk)
    carry_out(
        request,
        lambda: services.retry_refund(actor=request.user, refund=refund),
        _("The refund is being sent again."),
    )
    return redirect("orders:office")


# --- the sandbox gateway's hosted page ------------------------------------------------------


@require_http_methods(["GET", "POST"])
def sandbox_gateway(request, token: str):
    """The sandbox gateway's own page (it stands for the outside payment company's site)."""
    charge = get_object_or_404(SandboxCharge, token=token)
    if request.method == "POST":
        charge = PROVIDERS["sandbox"].decide(token, pay=request.POST.get("decision") == "pay")
        # The gateway's own entry: the address it keeps is checked again here, as an outside
        # gateway would only send the buyer to the site that opened the charge.
        back = charge.return_url
        safe = url_has_allowed_host_and_scheme(back, {request.get_host()})
        return redirect(back if back and safe else "/")
    return render(request, "orders/sandbox_gateway.html", {"charge": charge})
