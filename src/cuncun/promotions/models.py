"""Shopping festivals, seasonal campaigns and township fairs (促销活动), the SKUs merchants bring to
them at a festival price, and vouchers (优惠券) funded by a merchant or by the program.

What a checkout took is counted here with conditional updates (a campaign SKU's units, a voucher
batch's budget, each buyer's share in `BuyerTally`), so that limits hold under parallel
checkouts. What an order paid, line by line, is kept by the orders app on the order itself.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cuncun.core.models import MoneyField, Timestamped
from cuncun.core.scoping import ScopedQuerySet


class CampaignKind:
    FESTIVAL = "festival"  # 网络购物节: county-wide, many products
    SEASONAL = "seasonal"  # 季节性促销: one product in its season (mangoes, new tea)
    FAIR = "fair"  # 乡镇农产品节: a township's own fair

    choices = [
        (FESTIVAL, _("shopping festival")),
        (SEASONAL, _("seasonal campaign")),
        (FAIR, _("township fair")),
    ]


class CampaignQuerySet(ScopedQuerySet):
    region_path_lookup = "region__path"

    def running(self, now):
        return self.filter(starts_at__lte=now, ends_at__gt=now, cancelled_at__isnull=True)

    def coming_or_running(self, now):
        return self.filter(ends_at__gt=now, cancelled_at__isnull=True)


class Campaign(Timestamped):
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=CampaignKind.choices)
    # The county for the office's campaigns, a township for its fair: merchants of that area join.
    region = models.ForeignKey(
        "regions.RegionUnit", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    organised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="campaign_ends_after_start"
            )
        ]

    def __str__(self):
        return self.name


class CampaignItem(models.Model):
    """A merchant's SKU in a campaign: its festival price, how many units each buyer may take,
    and the units set aside for it (`taken` counts those reserved or sold, never above)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="items")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+")
    festival_price = MoneyField(_("festival price (yuan)"))
    per_buyer_limit = models.PositiveIntegerField(_("limit per buyer"))
    set_aside = models.PositiveIntegerField(_("units set aside"))
    taken = models.PositiveIntegerField(_("units taken"), default=0)
    joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign item")
        verbose_name_plural = _("campaign items")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sku"], name="campaign_item_once"),
            models.CheckConstraint(
                condition=Q(festival_price__gt=0), name="campaign_item_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(per_buyer_limit__gt=0), name="campaign_item_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(taken__lte=F("set_aside")), name="campaign_item_taken_within_set_aside"
            ),
        ]

    def __str__(self):
        return f"{self.campaign}: {self.sku_id}"

    @property
    def left(self) -> int:
        return self.set_aside - self.taken


class VoucherKind:
    THRESHOLD = "threshold"  # 满减: so much off once the goods reach a threshold
    DIRECT = "direct"  # 直降: so much off, no threshold
    # 免取件费: pays the pickup point's fee for handing an order over (网订店取), up to its
    # amount, so the buyer pays the point nothing; it takes nothing off the goods.
    FREE_PICKUP = "free_pickup"

    choices = [
        (THRESHOLD, _("money off above a threshold")),
        (DIRECT, _("money off")),
        (FREE_PICKUP, _("free pickup fee")),
    ]
    MONEY_OFF = (THRESHOLD, DIRECT)


class Funder:
    MERCHANT = "merchant"  # the merchant gives it on its own goods (店铺券)
    PROGRAM = "program"  # the program pays it from a budget line of the special fund (平台券)

    choices = [(MERCHANT, _("the merchant")), (PROGRAM, _("the program's budget line"))]


class VoucherBatch(Timestamped):
    """A run of vouchers with one set of terms. Stacking rules (promotions.pricing): an order
    takes at most one money-off voucher of its merchant and a checkout at most one of the
    program; both may stack; a batch not `with_festival_prices` counts only goods at list price.
    A checkout takes at most one free-pickup voucher besides. `amount` is what one voucher takes
    off (a free-pickup voucher: the most it pays of one order's pickup fee)."""

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=VoucherKind.choices)
    funder = models.CharField(_("funded by"), max_length=10, choices=Funder.choices)
    merchant = models.ForeignKey(
        "merchants.Merchant", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="vouchers"
    )
    threshold = MoneyField(_("spend at least (yuan)"), default=0)
    amount = MoneyField(_("amount off (yuan)"))
    budget = MoneyField(_("budget (yuan)"))
    spent = MoneyField(_("spent (yuan)"), default=0)
    per_buyer_limit = models.PositiveSmallIntegerField(_("uses per buyer"), default=1)
    with_festival_prices = models.BooleanField(_("also on festival prices"), default=False)
    # The special fund's budget line (its project code) that pays a program voucher: the funds
    # app checks at issue that the line has the budget left, counts the budget as committed and
    # `spent` as paid out (promotions never imports funds: it asks through core.commitments).
    budget_line = models.CharField(_("budget line"), max_length=40, blank=True)
    starts_at = models.DateTimeField(_("valid from"))
    ends_at = models.DateTimeField(_("valid until"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("voucher batch")
        verbose_name_plural = _("voucher batches")
        ordering = ["-starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_amount_positive"),
            models.CheckConstraint(condition=Q(threshold__gte=0), name="voucher_threshold_sign"),
            models.CheckConstraint(
                condition=Q(spent__gte=0, spent__lte=F("budget")), name="voucher_within_budget"
            ),
            models.CheckConstraint(
                condition=(Q(funder=Funder.MERCHANT) & Q(merchant__isnull=False))
                | (Q(funder=Funder.PROGRAM) & Q(merchant__isnull=True) & ~Q(budget_line="")),
                name="voucher_funder_named",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="voucher_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def left(self):
        return self.budget - self.spent


class BuyerTally(models.Model):
    """How much of one limited thing a buyer holds now: units of a campaign item
    (`item:<id>`) or uses of a voucher batch (`voucher:<id>`). Raised with a conditional update
    when a checkout reserves, lowered when its order is cancelled or refunded."""

    scope = models.CharField(max_length=30)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "buyer"], name="buyer_tally_once"),
        ]

    def __str__(self):
        return f"{self.scope} {self.buyer_id}: {self.used}"
