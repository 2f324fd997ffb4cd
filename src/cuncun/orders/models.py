"""Carts, checkouts split into orders per merchant, the order state machine, stock held for orders
(reservations with an expiry, allocations once paid), payments and what the gateways told us.

One cart may hold goods of several sellers. Submitting it makes one `Checkout` (paid at once) and
one `Order` per merchant; each order line holds its units through a `Reservation` (unpaid, expires)
that becomes an `Allocation` when the checkout is paid. Both count in
`catalog.Stock.quantity_allocated`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.accounts.roles import Role
from cuncun.core.models import MoneyField, Timestamped
from cuncun.core.personal import mask_phone
from cuncun.core.scoping import ScopedQuerySet


class OrderStatus:
    PENDING_PAYMENT = "pending_payment"  # 待付款: stock reserved until the reservation expires
    PAID = "paid"  # 已付款: stock allocated, the seller may pack
    PACKED = "packed"  # 已打包
    SHIPPED = "shipped"  # 已发货: on its way (to the address or the pickup point)
    AT_PICKUP_POINT = "at_pickup_point"  # 待取货: at the point, the buyer has a pickup code
    DELIVERED = "delivered"  # 已送达: delivered to the address
    COMPLETED = "completed"  # 已完成: picked up with the code, or receipt confirmed
    CANCELLED = "cancelled"  # 已取消: never paid (cancelled, or the reservation expired)
    REFUNDED = "refunded"  # 已退款: paid, then refunded in full

    choices = [
        (PENDING_PAYMENT, _("awaiting payment")),
        (PAID, _("paid")),
        (PACKED, _("packed")),
        (SHIPPED, _("shipped")),
        (AT_PICKUP_POINT, _("at the pickup point")),
        (DELIVERED, _("delivered")),
        (COMPLETED, _("completed")),
        (CANCELLED, _("cancelled")),
        (REFUNDED, _("refunded")),
    ]
    # A sale happened: paid and not refunded (what "a merchant is selling" counts).
    SOLD = {PAID, PACKED, SHIPPED, AT_PICKUP_POINT, DELIVERED, COMPLETED}
    # Units are still held at the site (reserved or allocated), not shipped yet.
    HOLDING = {PENDING_PAYMENT, PAID, PACKED}
    FINAL = {COMPLETED, CANCELLED, REFUNDED}


class Fulfilment:
    DELIVERY = "delivery"  # 送货上门: to an address
    PICKUP = "pickup"  # 网订店取: at a service point or partner store, with a pickup code

    choices = [(DELIVERY, _("delivery to an address")), (PICKUP, _("pickup at a service point"))]


class Cart(models.Model):
    buyer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self):
        return f"cart of {self.buyer}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="cart_line_once_per_sku"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku_id}"


class Villager(models.Model):
    """A villager a point's operator buys for (代购): no account, known to that point by name,
    phone and village; chosen before the checkout so the order, its SMS and receipt are theirs."""

    site = models.ForeignKey("network.Site", on_delete=models.PROTECT, related_name="villagers")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)  # 姓名, not 名称
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    village = models.ForeignKey(
        "regions.RegionUnit", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("villager")
        verbose_name_plural = _("villagers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "phone"], condition=~Q(phone=""), name="villager_phone_once_a_point"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Checkout(models.Model):
    """One submission of a cart: paid at once, split into one order per merchant."""

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkouts"
    )
    # 代购: a village operator bought for a villager at their point.
    assisted_site = models.ForeignKey(
        "network.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of_name = models.CharField(_("bought for"), max_length=50, blank=True)
    on_behalf_of_phone = models.CharField(_("their phone"), max_length=20, blank=True)
    villager = models.ForeignKey(
        Villager, null=True, blank=True, on_delete=models.PROTECT, related_name="checkouts"
    )
    fulfilment = models.CharField(_("fulfilment"), max_length=10, choices=Fulfilment.choices)
    pickup_site = models.ForeignKey(
        "network.Site",
        verbose_name=_("pickup point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipient_name = models.CharField(_("recipient"), max_length=50, blank=True)
    recipient_phone = models.CharField(_("recipient phone"), max_length=20, blank=True)
    address = models.CharField(_("delivery address"), max_length=200, blank=True)
    total = MoneyField(_("total (yuan)"))
    payment_provider = models.CharField(_("payment method"), max_length=16)
    reserved_until = models.DateTimeField(_("reserved until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(fulfilment=Fulfilment.PICKUP) & Q(pickup_site__isnull=False))
                | (Q(fulfilment=Fulfilment.DELIVERY) & ~Q(address="")),
                name="checkout_pickup_point_or_address",
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="checkout_total_positive"),
        ]

    def __str__(self):
        return f"checkout {self.pk}"

    @property
    def contact_phone(self) -> str:
        """Who gets the pickup SMS: the villager for an assisted purchase, else the buyer."""
        return self.on_behalf_of_phone or self.recipient_phone or self.buyer.phone


# Staff who follow the orders of the merchants in their area: the county office, the member
# departments (county-wide) and township staff (their township). The same people read training's
# records (training.access.READER_ROLES): one shared Role set is the lead's to add.
AREA_ORDER_ROLES = frozenset({Role.COUNTY_OFFICE, Role.MEMBER_DEPARTMENT, Role.TOWNSHIP_STAFF})


def follows_area_orders(user) -> bool:
    """Whether the user reads the orders of the merchants in their area (the office's views)."""
    return getattr(user, "is_authenticated", False) and (
        user.is_superuser or user.role in AREA_ORDER_ROLES
    )


class OrderQuerySet(ScopedQuerySet):
    # Staff see the sales of the merchants in their area.
    region_path_lookup = "merchant__region__path"

    def visible_to(self, user):
        """The orders of the merchants in the area of staff who follow them; none for anyone
        else. A merchant's or an operator's account has a region too, yet reads only its own
        sales and its point's orders, and a buyer their own (each through its own query)."""
        if not follows_area_orders(user):
            return self.none()
        return super().visible_to(user)

    def sold(self):
        return self.filter(status__in=OrderStatus.SOLD)

    def of_buyer(self, user):
        return self.filter(checkout__buyer=user)


class Order(Timestamped):
    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING_PAYMENT,
        db_index=True,
    )
    total = MoneyField(_("total (yuan)"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    carrier = models.ForeignKey(
        "network.Carrier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    # The one-time pickup code (取货码), issued when the goods reach the pickup point.
    pickup_code = models.CharField(_("pickup code"), max_length=8, blank=True)
    pickup_code_expires_at = models.DateTimeField(null=True, blank=True)
    pickup_code_used_at = models.DateTimeField(null=True, blank=True)
    pickup_code_failures = models.PositiveSmallIntegerField(default=0)
    # 网订店取: what the pickup point charges for handing this order over, as it published it when
    # the order was placed. Not part of `total`: it is the point's, paid there at the handover,
    # unless a free-pickup voucher pays it (a discount `on_pickup_fee`).
    pickup_fee = MoneyField(_("pickup fee (yuan)"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("market", "order")
        verbose_name_plural = _("orders")
        ordering = ["-id"]
        indexes = [models.Index(fields=["merchant", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="order_total_positive"),
            models.CheckConstraint(
                condition=Q(pickup_fee__gte=0), name="order_pickup_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=False)
                | Q(status__in=[OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED]),
                name="order_paid_states_have_paid_at",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        """260512-000123: the local day it was placed and its id."""
        if not self.created_at:
            return str(self.pk)
        return f"{timezone.localtime(self.created_at):%y%m%d}-{self.pk:06d}"

    @property
    def is_pickup(self) -> bool:
        return self.checkout.fulfilment == Fulfilment.PICKUP

    # What the order's discounts explain (read from `discounts.all()`, prefetched for a list).
    @property
    def goods_discounts(self) -> list["OrderDiscount"]:
        return [d for d in self.discounts.all() if not d.on_pickup_fee]

    @property
    def pickup_fee_paid(self) -> list["OrderDiscount"]:
        """The free-pickup voucher that pays the point's fee in the buyer's place, if any."""
        return [d for d in self.discounts.all() if d.on_pickup_fee]

    @property
    def pickup_fee_due(self):
        """What the buyer pays the point when the order is handed over."""
        if not self.pickup_fee:
            return self.pickup_fee  # no fee, no voucher paying it to read
        return self.pickup_fee - sum(d.amount for d in self.pickup_fee_paid)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    # Copied at purchase: later edits of the product do not change what was bought.
    product_name = models.CharField(_("product"), max_length=100)
    sku_name = models.CharField(_("variant"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=8)
    category = models.CharField(_("category"), max_length=50, blank=True)
    unit_price = MoneyField(_("unit price"))
    # The SKU's list price at purchase; the unit price is lower when a campaign's festival price
    # was in force the moment the units were reserved (`campaign_item` says which).
    list_price = MoneyField(_("list price"), null=True, blank=True)
    campaign_item = models.ForeignKey(
        "promotions.CampaignItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    total = MoneyField(_("line total"))
    stock = models.ForeignKey(
        "catalog.Stock",
        verbose_name=_("from stock"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The site the units come from."),
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="order_line_price_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name} {self.sku_name}".strip()

    @property
    def unit_short(self) -> str:
        from cuncun.catalog.models import Unit

        return Unit.short.get(self.unit, self.unit)


class OrderDiscount(models.Model):
    """A voucher used on an order: the order's total is its lines less those off the goods; one
    `on_pickup_fee` pays the pickup point's fee instead of the buyer. Kept with the voucher's
    name and funder as they were, so the order explains itself line by line."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="discounts")
    voucher = models.ForeignKey(
        "promotions.VoucherBatch", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("voucher"), max_length=60)
    funder = models.CharField(_("funded by"), max_length=10)
    amount = MoneyField(_("amount off (yuan)"))
    on_pickup_fee = models.BooleanField(_("pays the pickup fee"), default=False)

    class Meta:
        verbose_name = _("order discount")
        verbose_name_plural = _("order discounts")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="order_discount_positive"),
            models.UniqueConstraint(fields=["order", "voucher"], name="order_discount_once"),
        ]

    def __str__(self):
        return f"-{self.amount} {self.name}"


class Reservation(models.Model):
    """Units held for an order awaiting payment, until `expires_at` (the bridge to the payment)."""

    line = models.OneToOneField(OrderLine, on_delete=models.CASCADE, related_name="reservation")
    stock = models.ForeignKey("catalog.Stock", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="reservation_quantity_positive"
            )
        ]

    def __str__(self):
        return f"{self.quantity} of stock {self.stock_id} until {self.expires_at:%H:%M}"


class Allocation(models.Model):
    """Units promised to a paid order line, until they are shipped (or refunded)."""

    line = models.OneToOneField(OrderLine, on_delete=models.CASCADE, related_name="allocation")
    stock = models.ForeignKey("catalog.Stock", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_positive")
        ]

    def __str__(self):
        return f"{self.quantity} of stock {self.stock_id}"


class PaymentStatus:
    PENDING = "pending"  # started, no answer yet (cash not yet taken, gateway not yet paid)
    SUCCEEDED = "succeeded"  # money received
    FAILED = "failed"  # the gateway said no
    CANCELLED = "cancelled"  # withdrawn before anything was paid (the order expired)
    REFUNDED = "refunded"  # money given back in full

    choices = [
        (PENDING, _("pending")),
        (SUCCEEDED, _("succeeded")),
        (FAILED, _("failed")),
        (CANCELLED, _("cancelled")),
        (REFUNDED, _("refunded")),
    ]


class Payment(Timestamped):
    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("provider"), max_length=16)
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    amount = MoneyField(_("amount (yuan)"))
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    gateway_reference = models.CharField(_("gateway reference"), max_length=64, blank=True)
    gateway_sequence = models.PositiveIntegerField(default=0)
    redirect_url = models.CharField(max_length=300, blank=True)
    # Offline payments: the point where the cash is paid, and who confirmed it.
    site = models.ForeignKey(
        "network.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    succeeded_at = models.DateTimeField(null=True, blank=True)
    refunded_amount = MoneyField(_("refunded (yuan)"), default=0)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
            # At most one payment of a checkout may be under way or done at a time.
            models.UniqueConstraint(
                fields=["checkout"],
                condition=Q(status__in=[PaymentStatus.PENDING, PaymentStatus.SUCCEEDED]),
                name="payment_one_live_per_checkout",
            ),
        ]

    def __str__(self):
        return self.reference


class PaymentEvent(models.Model):
    """What a gateway told us (callbacks, answers to our queries), including what we refused."""

    class Outcome:
        APPLIED = "applied"  # changed the payment
        DUPLICATE = "duplicate"  # the same event again: nothing to do
        STALE = "stale"  # older than what we know (arrived out of order): ignored
        REFUSED = "refused"  # bad signature, unknown payment or wrong amount

        choices = [
            (APPLIED, pgettext_lazy("payment notification", "applied")),
            (DUPLICATE, _("duplicate")),
            (STALE, _("out of order, ignored")),
            (REFUSED, _("refused")),
        ]

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=80, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    source = models.CharField(max_length=10)  # callback | query | confirm | refund
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    signature_valid = models.BooleanField(default=True)
    status = models.CharField(max_length=16, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"],
                condition=Q(outcome="applied"),
                name="payment_event_applied_once",
            )
        ]

    def __str__(self):
        return f"{self.provider} {self.event_id} {self.outcome}"


class RefundStatus:
    PENDING = "pending"  # recorded here; the provider has not yet paid it back (a task is queued)
    SENT = "sent"  # the provider paid it back (its reference is kept)
    FAILED = "failed"  # the provider refused or could not be reached, every retry: needs a person

    choices = [
        (PENDING, _("being paid back")),
        (SENT, _("paid back")),
        (FAILED, _("not paid back: the provider failed")),
    ]


class Refund(models.Model):
    """Money given back: a refunded order, or a payment that arrived when nothing was left to
    pay for (then `order` is empty: it covers the whole checkout). The order is refunded when
    this row is written; `status` says whether the provider has paid the money back yet."""

    order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="refund"
    )
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField(_("amount (yuan)"))
    reason = models.CharField(_("reason"), max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    gateway_reference = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(_("paid back at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive"),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=False) | ~Q(status=RefundStatus.SENT),
                name="refund_sent_has_sent_at",
            ),
        ]

    def __str__(self):
        return f"refund {self.amount} for {self.order_id or self.payment_id}"

    @property
    def reference(self) -> str:
        """Our reference for it at the provider, which pays each reference back once."""
        return f"refund-{self.pk}"


class SandboxCharge(models.Model):
    """The sandbox gateway's own books: it stands for the outside payment company, so orders code
    reaches it only through `payments.SandboxGateway` and its signed notifications."""

    class Status:
        OPEN = "open"
        PAID = "paid"
        FAILED = "failed"
        CLOSED = "closed"
        REFUNDED = "refunded"

        choices = [(s, s) for s in (OPEN, PAID, FAILED, CLOSED, REFUNDED)]

    token = models.CharField(max_length=40, unique=True)
    # One charge per payment of ours, as a real gateway takes each merchant order number once.
    merchant_reference = models.CharField(max_length=40, unique=True)
    amount = MoneyField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    sequence = models.PositiveIntegerField(default=0)
    return_url = models.CharField(max_length=300, blank=True)
    refunded_amount = MoneyField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sandbox gateway charge")
        verbose_name_plural = _("sandbox gateway charges")

    def __str__(self):
        return self.token


class SandboxRefund(models.Model):
    """The sandbox gateway's record of a refund it paid, so that the same refund asked for again
    (a retried task) is paid once, as real gateways do with a merchant's refund number."""

    charge = models.ForeignKey(SandboxCharge, on_delete=models.PROTECT, related_name="refunds")
    merchant_reference = models.CharField(max_length=40, unique=True)
    amount = MoneyField()
    gateway_reference = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox gateway refund")
        verbose_name_plural = _("sandbox gateway refunds")

    def __str__(self):
        return self.gateway_reference


class PreorderStatus:
    OPEN = "open"  # 预售中: buyers book and pay until it closes or the quota is booked
    HARVESTED = "harvested"  # 已收获: the merchant confirmed quantity and grade; filled, refunded
    choices = [(OPEN, _("open for pre-order")), (HARVESTED, _("harvested"))]


class PreorderOffer(Timestamped):
    """A seasonal product sold before its harvest (预售): buyers pay ahead for up to `quota`
    units; at harvest the merchant says how many there really are and of what grade."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="preorder_offers"
    )
    price = MoneyField(_("pre-order price (yuan)"))
    quota = models.PositiveIntegerField(_("quota"))
    booked = models.PositiveIntegerField(_("booked"), default=0)
    closes_at = models.DateTimeField(_("booking closes at"))
    expected_harvest = models.DateField(_("expected harvest"))
    expected_grade = models.CharField(_("expected grade"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PreorderStatus.choices, default=PreorderStatus.OPEN
    )
    harvested_quantity = models.PositiveIntegerField(_("harvested units"), null=True, blank=True)
    harvested_grade = models.CharField(_("harvested grade"), max_length=20, blank=True)
    harvest_stock = models.ForeignKey(
        "catalog.Stock", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("pre-order offer")
        verbose_name_plural = _("pre-order offers")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="preorder_price_positive"),
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("quota")), name="preorder_booked_within_quota"
            ),
        ]

    def __str__(self):
        return f"预售 {self.sku_id}"

    @property
    def left(self) -> int:
        return self.quota - self.booked


class PreorderOutcome:
    BOOKED = "booked"  # 已预订: awaiting payment, or paid and waiting for the harvest
    FILLED = "filled"  # 已分配: the harvest covers it; the order goes on as any paid order
    REFUNDED = "refunded"  # 未分到: the harvest ran short; the money went back in full
    CANCELLED = "cancelled"  # never paid by the harvest
    choices = [
        (BOOKED, _("booked")),
        (FILLED, _("filled from the harvest")),
        (REFUNDED, _("not filled, refunded")),
        (CANCELLED, pgettext_lazy("pre-order", "cancelled, never paid")),
    ]


class Preorder(models.Model):
    """One buyer's booking: its order (one merchant, no lines until the harvest fills it) is
    paid through the usual providers; at harvest it gets its line from the harvest's stock."""

    offer = models.ForeignKey(PreorderOffer, on_delete=models.PROTECT, related_name="preorders")
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="preorder")
    quantity = models.PositiveIntegerField(_("quantity"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=PreorderOutcome.choices, default=PreorderOutcome.BOOKED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pre-order")
        verbose_name_plural = _("pre-orders")
        ordering = ["id"]  # first come, first served
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="preorder_quantity_positive")
        ]

    def __str__(self):
        return f"{self.quantity} × {self.offer_id}"


# --- 代售: a point sells a farmer's produce and owes them the proceeds less its commission --------


class ConsignmentIntake(models.Model):
    """Produce a farmer brought to a point (代售 收货): weighed or counted by the operator and put
    into the point's stock of the farmer's SKU. Its number is on the receipt the farmer keeps,
    with the commission the point charged that day."""

    site = models.ForeignKey("network.Site", on_delete=models.PROTECT, related_name="+")
    farmer = models.ForeignKey(
        "merchants.Merchant",
        verbose_name=_("farmer"),
        on_delete=models.PROTECT,
        related_name="consignments",
    )
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    stock = models.ForeignKey("catalog.Stock", on_delete=models.PROTECT, related_name="intakes")
    quantity = models.PositiveIntegerField(_("quantity"))
    commission_percent = models.DecimalField(_("commission (%)"), max_digits=5, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consignment intake")
        verbose_name_plural = _("consignment intakes")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="intake_quantity_positive")
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        """DS260512-00012: the local day it was received and its id."""
        return f"DS{timezone.localtime(self.received_at):%y%m%d}-{self.pk:05d}"


class FarmerEntryKind:
    SALE = "sale"  # 货款: a consigned line was paid for; owed to the farmer less the commission
    REVERSAL = "reversal"  # 退款冲回: that line was refunded, so it is owed no more
    PAYOUT = "payout"  # 付款: the point paid the farmer, in cash or by transfer

    choices = [
        (SALE, pgettext_lazy("consignment", "sale")),
        (REVERSAL, _("refund reversal")),
        (PAYOUT, _("payout")),
    ]


class PayoutMethod:
    CASH = "cash"  # 现金: the farmer signs the printed slip
    TRANSFER = "transfer"  # 转账: with the bank's or the wallet's transaction number

    choices = [(CASH, _("cash")), (TRANSFER, _("bank or mobile transfer"))]


class FarmerEntry(models.Model):
    """One line of a farmer's payout ledger at a point, append-only: `amount` is what it adds to
    what the point owes them (a sale +, a reversal or a payout −). A correction is a new entry."""

    farmer = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="farmer_entries"
    )
    site = models.ForeignKey("network.Site", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=FarmerEntryKind.choices)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order_line = models.ForeignKey(
        OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    gross = MoneyField(_("sold for (yuan)"), default=0)
    commission_percent = models.DecimalField(
        _("commission (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    commission = MoneyField(_("commission (yuan)"), default=0)
    amount = MoneyField(_("amount (yuan)"))
    method = models.CharField(_("paid by"), max_length=10, choices=PayoutMethod.choices, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("farmer ledger entry")
        verbose_name_plural = _("farmer ledger entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["farmer", "site"])]
        constraints = [
            # A line is owed once and reversed at most once, however often a step is retried.
            models.UniqueConstraint(
                fields=["order_line", "kind"],
                condition=Q(order_line__isnull=False),
                name="farmer_entry_once_per_line_and_kind",
            ),
            models.CheckConstraint(
                condition=(Q(kind=FarmerEntryKind.SALE) & Q(amount__gt=0))
                | (~Q(kind=FarmerEntryKind.SALE) & Q(amount__lt=0)),
                name="farmer_entry_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind=FarmerEntryKind.PAYOUT) | ~Q(method=""),
                name="farmer_entry_payout_has_method",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        """FK260512-00012 (付款 slips and ledger lines): the local day and the id."""
        return f"FK{timezone.localtime(self.created_at):%y%m%d}-{self.pk:05d}"
