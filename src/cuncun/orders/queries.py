"""Reads of carts and orders, from what each actor may see: a buyer their own, a seller their
shop's, a point's operator what is picked up or bought at their point, staff their area's."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.accounts.roles import Role
from cuncun.catalog.queries import serving_stock
from cuncun.core.errors import NotAllowed, NotFound
from cuncun.core.glances import Glance
from cuncun.core.money import format_yuan
from cuncun.core.reach import Reached
from cuncun.core.scoping import scope_of
from cuncun.logistics.models import EventState
from cuncun.logistics.queries import carrier_parcel
from cuncun.merchants.models import Merchant
from cuncun.network.models import PickupMode, Site, SiteService
from cuncun.orders.models import (
    Cart,
    CartLine,
    Checkout,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    PreorderOffer,
    PreorderStatus,
    Refund,
    RefundStatus,
    Villager,
    follows_area_orders,
)
from cuncun.promotions.models import Campaign
from cuncun.regions.models import RegionUnit


def merchants_with_sales(since=None):
    """Ids of merchants with at least one paid order (not refunded), paid on or after `since`
    (a date or a datetime) when given. The training app counts these as "selling"."""
    orders = Order.objects.filter(status__in=OrderStatus.SOLD)
    if since is not None:
        if isinstance(since, date) and not isinstance(since, datetime):
            since = timezone.make_aware(datetime.combine(since, time.min))
        orders = orders.filter(paid_at__gte=since)
    return orders.order_by().values_list("merchant_id", flat=True).distinct()


def _orders():
    """Orders with what their pages and the API show: lines, and the vouchers that explain the
    total and the pickup fee left to pay at the counter (`Order.pickup_fee_due`)."""
    return Order.objects.select_related(
        "merchant", "checkout", "checkout__pickup_site", "checkout__buyer", "carrier"
    ).prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")), "discounts")


def cart_of(user) -> list[CartLine]:
    """The buyer's cart lines with product, merchant and units free now, grouped by merchant
    in the template."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        CartLine.objects.filter(cart__buyer=user)
        .select_related("sku", "sku__product", "sku__product__merchant")
        .order_by("sku__product__merchant__name", "added_at", "id")
    )


def cart_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Cart.objects.filter(buyer=user).aggregate(n=Sum("lines__quantity"))["n"] or 0


def buyer_orders(user):
    return _orders().filter(checkout__buyer=user).order_by("-id")


def buyer_checkout(user, pk: int) -> Checkout:
    checkout = (
        Checkout.objects.filter(buyer=user, pk=pk)
        .select_related("pickup_site", "assisted_site")
        .prefetch_related(
            Prefetch("orders", queryset=_orders().order_by("pk")),
            Prefetch("payments", queryset=Payment.objects.order_by("-id")),
        )
        .first()
    )
    if checkout is None:
        raise NotFound(details={"checkout": pk})
    return checkout


def seller_orders(user, status: str = ""):
    orders = _orders().filter(merchant__in=Merchant.objects.acted_for_by(user))
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-id")


def orders_at_point(site: Site, status: str = ""):
    """Orders to be picked up at, or bought through, a service point."""
    orders = _orders().filter(Q(checkout__pickup_site=site) | Q(checkout__assisted_site=site))
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-id")


def pending_cash_payments(site: Site):
    return pending_cash_payments_at([site])


def pending_cash_payments_at(sites):
    return (
        Payment.objects.filter(site__in=sites, provider="offline", status=PaymentStatus.PENDING)
        .select_related("checkout", "checkout__buyer")
        .order_by("id")
    )


def visible_order(user, pk: int) -> Order:
    """One order, if the user may see it: as its buyer, its seller, the point's operator, or
    staff whose area holds its merchant."""
    order = _orders().filter(pk=pk).first()
    if order is None or not may_see(user, order):
        raise NotFound(details={"order": pk})
    return order


def may_see(user, order: Order) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or order.checkout.buyer_id == user.pk:
        return True
    if user.pk in {order.merchant.owner_id, order.merchant.represented_by_id}:
        return True
    site_ids = {order.checkout.pickup_site_id, order.checkout.assisted_site_id} - {None}
    if site_ids and Site.objects.operated_by(user).filter(pk__in=site_ids).exists():
        return True
    return follows_area_orders(user) and scope_of(user).covers(order.merchant.region.path)


def area_orders(user):
    """The orders of the merchants in the area of staff who follow them; none for anyone else
    (a merchant's account has a township too, but sees only its own sales)."""
    return Order.objects.visible_to(user)


def office_orders(user, *, status: str = "", merchant_id: int | None = None):
    """The county office's (or a township's) view: orders of the merchants in their area."""
    orders = _orders().filter(pk__in=area_orders(user).values("pk"))
    if status:
        orders = orders.filter(status=status)
    if merchant_id:
        orders = orders.filter(merchant_id=merchant_id)
    return orders.order_by("-id")


def office_summary(user) -> dict:
    """Totals for the office's order page: by status, and sales by merchant."""
    orders = area_orders(user)
    by_status = dict(orders.values_list("status").annotate(n=Count("id")).order_by())
    sold = orders.filter(status__in=OrderStatus.SOLD)
    totals = sold.aggregate(n=Count("id"), amount=Sum("total"))
    top = (
        sold.values("merchant__name")
        .annotate(n=Count("id"), amount=Sum("total"))
        .order_by("-amount")[:10]
    )
    return {
        "by_status": [(code, label, by_status.get(code, 0)) for code, label in OrderStatus.choices],
        "sold": totals["n"] or 0,
        "amount": totals["amount"] or 0,
        "top_merchants": list(top),
    }


def pickup_points(sku_ids=()):
    """Serving points that take pickups, each with its fee for handing an order over
    (`service_fee`); for points that take their own stock only, only those that hold every SKU
    asked for."""
    points = (
        Site.objects.serving()
        .with_fee(SiteService.PICKUP)
        .exclude(pickup_mode=PickupMode.DISABLED)
        .select_related("region", "region__parent")
        .order_by("region__path", "name")
    )
    sku_ids = list(sku_ids)
    if not sku_ids:
        return list(points)
    stocked: dict[int, set[int]] = {}
    for site_id, sku_id in (
        serving_stock().filter(sku_id__in=sku_ids).values_list("site_id", "sku_id")
    ):
        stocked.setdefault(site_id, set()).add(sku_id)
    return [
        p
        for p in points
        if p.pickup_mode == PickupMode.ANY_SITE or stocked.get(p.pk, set()) >= set(sku_ids)
    ]


def refunds_not_paid_back(user):
    """Refunds the providers have not paid back yet (failed, or still waiting), of the orders in
    the user's area, oldest first: the county office sends them again."""
    in_area = Q(order__in=area_orders(user)) | Q(payment__checkout__orders__in=area_orders(user))
    return (
        Refund.objects.exclude(status=RefundStatus.SENT)
        .filter(in_area)
        .distinct()
        .select_related("order", "order__merchant", "payment")
        .order_by("created_at", "id")
    )


def tracking_events(order: Order) -> list:
    """The scans of the parcel carrying a shipped order, oldest first, when logistics knows its
    carrier and waybill: the events of its timeline (a scan flagged for review is not shown until
    a person has applied it). A parcel that logistics ties to another order is not this one's."""
    if order.carrier_id is None or not order.tracking_number:
        return []
    try:
        parcel = carrier_parcel(order.carrier, order.tracking_number)
    except NotFound:
        return []
    if parcel.order_ref and parcel.order_ref != order.number:
        return []
    return sorted(
        (e for e in parcel.events.all() if e.state in EventState.IN_TIMELINE),
        key=lambda e: (e.occurred_at, e.pk),
    )


def reached_orders(order_refs: list[str]) -> list[Reached]:
    """For a recall (core.reach): each market order of these numbers and who it was for (the
    villager an operator bought for, the recipient, or the buyer)."""
    ids = [int(ref.rsplit("-", 1)[-1]) for ref in order_refs if ref.rsplit("-", 1)[-1].isdigit()]
    found = []
    for order in Order.objects.filter(pk__in=ids).select_related(
        "checkout__buyer", "checkout__pickup_site"
    ):
        c = order.checkout
        if order.number in order_refs:
            found.append(
                Reached(
                    kind="order",
                    order_ref=order.number,
                    reference=order.number,
                    status=order.get_status_display(),
                    place=c.pickup_site.name if c.pickup_site_id else c.address,
                    person=c.on_behalf_of_name or c.recipient_name or str(c.buyer),
                    phone=c.on_behalf_of_phone or c.recipient_phone or c.buyer.phone,
                )
            )
    return found


def villagers_of(site: Site, q: str = ""):
    """The villagers a point buys for, found by name or phone."""
    villagers = Villager.objects.filter(site=site).select_related("village")
    if q:
        villagers = villagers.filter(Q(name__contains=q) | Q(phone__contains=q))
    return villagers


def assisted_villager(user, pk: int) -> Villager | None:
    """The villager an operator is buying for, while they still run that villager's point."""
    return (
        Villager.objects.filter(pk=pk, site__in=Site.objects.operated_by(user).serving())
        .select_related("site", "village")
        .first()
    )


def villages_around(site: Site):
    """The villages of a point's township, where the villagers it buys for live."""
    return RegionUnit.objects.filter(parent_id=site.region.township_id).order_by("name")


def open_preorders(now):
    """Pre-orders buyers may still book, for the market front."""
    return (
        PreorderOffer.objects.filter(status=PreorderStatus.OPEN, closes_at__gt=now)
        .select_related("sku__product", "merchant")
        .order_by("closes_at", "pk")
    )


# --- festival results: what a campaign sold, by merchant, township, poor village and
# poverty-registered household (promotions may not read orders, so the reads live here)


@dataclass
class FestivalTally:
    """Orders, buyers (distinct), units and sales (what was paid for the campaign's lines) of one
    group of a campaign's paid, not refunded orders."""

    name: str
    orders: set = field(default_factory=set)
    buyers: set = field(default_factory=set)
    units: int = 0
    sales: Decimal = Decimal("0")

    def add(self, order_id: int, buyer_id: int, quantity: int, total: Decimal) -> None:
        self.orders.add(order_id)
        self.buyers.add(buyer_id)
        self.units += quantity
        self.sales += total

    def as_row(self) -> dict:
        return {
            "name": self.name,
            "orders": len(self.orders),
            "buyers": len(self.buyers),
            "units": self.units,
            "sales": self.sales,
        }


@dataclass
class FestivalResults:
    campaign: Campaign
    total: dict
    by_merchant: list[dict]
    by_township: list[dict]
    by_poor_village: list[dict]
    by_poverty_household: list[dict]


def may_read_festival_results(user) -> bool:
    """The county office reads every campaign's results, township staff their own fairs'."""
    return getattr(user, "is_authenticated", False) and user.role in {
        Role.COUNTY_OFFICE,
        Role.TOWNSHIP_STAFF,
    }


def festivals_visible_to(user):
    """Campaigns whose results this person may read: all for the office, a township's fairs for
    its staff (a campaign's area is the county or one township)."""
    if not may_read_festival_results(user):
        raise NotAllowed(_("Festival results are read by the county office and township staff."))
    campaigns = Campaign.objects.filter(cancelled_at__isnull=True).select_related("region")
    if user.role == Role.COUNTY_OFFICE:
        return campaigns
    return campaigns.filter(region_id=user.region_id)


def festival_visible(user, pk: int) -> Campaign:
    campaign = festivals_visible_to(user).filter(pk=pk).first()
    if campaign is None:
        raise NotFound(_("There is no such festival in your area."))
    return campaign


CENT = Decimal("0.01")


def _paid_share_of_goods(order_ids) -> dict[int, Decimal]:
    """Per order, what was paid over what its goods cost: 1 without a voucher, less with one, so
    that a festival line counts what the buyer paid for it after the order's vouchers (those off
    its goods: a free-pickup voucher pays the point, not the goods)."""
    orders = (
        Order.objects.filter(pk__in=order_ids)
        .annotate(off=Sum("discounts__amount", filter=Q(discounts__on_pickup_fee=False)))
        .values_list("pk", "total", "off")
    )
    return {pk: total / (total + (off or 0)) for pk, total, off in orders}


def festival_results(campaign: Campaign) -> FestivalResults:
    """Count the campaign's lines on paid, not refunded orders (an order line keeps the campaign
    item whose festival price it was sold at), each at what was paid for it. Grouped in Python:
    buyers are counted once per group, so a group's buyers are not a sum of merchants' buyers."""
    lines = list(
        OrderLine.objects.filter(
            campaign_item__campaign=campaign, order__status__in=OrderStatus.SOLD
        ).values_list(
            "order_id", "order__checkout__buyer_id", "order__merchant_id", "quantity", "total"
        )
    )
    paid_share = _paid_share_of_goods({line[0] for line in lines})
    merchants = {
        m.pk: m
        for m in Merchant.objects.with_flags()
        .filter(pk__in={line[2] for line in lines})
        .select_related("region")
    }
    townships = dict(
        RegionUnit.objects.filter(
            pk__in={m.region.township_id for m in merchants.values()}
        ).values_list("pk", "name")
    )
    total = FestivalTally(str(campaign))
    groups: dict[str, dict] = {
        "merchant": {},
        "township": {},
        "poor_village": {},
        "poverty_household": {},
    }
    for order_id, buyer_id, merchant_id, quantity, goods in lines:
        amount = (goods * paid_share[order_id]).quantize(CENT)
        merchant = merchants[merchant_id]
        keys = {
            "merchant": merchant.name,
            "township": townships.get(merchant.region.township_id, merchant.region.name),
            "poor_village": _("in a poor village")
            if merchant.in_poor_village
            else _("not in a poor village"),
            "poverty_household": _("poverty-registered household")
            if merchant.is_poverty_registered
            else _("other sellers"),
        }
        total.add(order_id, buyer_id, quantity, amount)
        for group, key in keys.items():
            tally = groups[group].setdefault(str(key), FestivalTally(str(key)))
            tally.add(order_id, buyer_id, quantity, amount)

    def rows(group: str) -> list[dict]:
        tallies = sorted(groups[group].values(), key=lambda t: (-t.sales, t.name))
        return [t.as_row() for t in tallies]

    return FestivalResults(
        campaign=campaign,
        total=total.as_row(),
        by_merchant=rows("merchant"),
        by_township=rows("township"),
        by_poor_village=rows("poor_village"),
        by_poverty_household=rows("poverty_household"),
    )


def glance_festival(user):
    """The running festival, else the latest to have started, among those the person reads."""
    if not may_read_festival_results(user):
        return None
    now = timezone.now()
    started = festivals_visible_to(user).filter(starts_at__lte=now)
    return started.order_by("-starts_at", "-id").first()


def festival_glance(user) -> Glance | None:
    """The running or latest festival's orders, sales and buyers on the program dashboard
    (registered in `core.glances`)."""
    campaign = glance_festival(user)
    if campaign is None:
        return None
    total = festival_results(campaign).total
    running = campaign.starts_at <= timezone.now() < campaign.ends_at
    what = _("running") if running else _("ended")
    return Glance(
        title=f"{campaign.name} · {what}",
        url=reverse("orders:festival", args=[campaign.pk]),
        figures=[
            (str(_("orders")), str(total["orders"])),
            (str(_("sales")), format_yuan(total["sales"])),
            (str(_("buyers")), str(total["buyers"])),
        ],
        warnings=[],
    )
