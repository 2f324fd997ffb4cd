"""Periodic data the county collects (enterprises' monthly sales reports, reported indicator
values) and the monthly rollups the statistics and the dashboard read.

A report is never overwritten: a correction is a new revision of the same merchant and month,
with its reason. The office accepts or returns each revision; the figures count the latest
accepted one (`counts`), so a pending correction never hides the accepted figures.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.core.files import ProtectedFileField
from cuncun.core.models import MoneyField
from cuncun.core.scoping import ScopedQuerySet
from cuncun.merchants.models import MerchantKind, Platform


class ReviewStatus:
    SUBMITTED = "submitted"  # 待审核: waiting for the office
    ACCEPTED = "accepted"  # 已接收: the office accepted it; the latest accepted one counts
    RETURNED = "returned"  # 已退回: sent back with a note; the reporter submits a revision

    # With a context: the shared catalogue's "accepted" is a site's acceptance check (已验收).
    choices = [
        (SUBMITTED, pgettext_lazy("report review", "waiting for review")),
        (ACCEPTED, pgettext_lazy("report review", "accepted")),
        (RETURNED, pgettext_lazy("report review", "returned")),
    ]


class Goods:
    """The split every sales figure carries. Online retail (to consumers) is farm products (the
    plan's 农产品网络销售) or other goods; business-to-business online sales are counted in the
    e-commerce transaction volume but not in online retail."""

    FARM = "farm"
    OTHER = "other"
    B2B = "b2b"
    choices = [(FARM, _("farm products")), (OTHER, _("other goods")), (B2B, _("B2B"))]
    RETAIL = (FARM, OTHER)


# The platform code of this market's own sales: filled in from its orders, never typed.
MARKET = "market"
SALES_CHANNELS = [(MARKET, _("this market")), *Platform.choices]


class SalesReportQuerySet(ScopedQuerySet):
    region_path_lookup = "merchant__region__path"

    def counted(self):
        """The revisions the figures read: the latest accepted one of each merchant and month."""
        return self.filter(counts=True)

    def current(self):
        """The newest revision of each merchant and month, whatever its review."""
        return self.filter(superseded_by__isnull=True)


class SalesReport(models.Model):
    """One revision of a business's online sales for one month (企业电商销售月报)."""

    merchant = models.ForeignKey(
        "merchants.Merchant",
        verbose_name=_("merchant"),
        on_delete=models.PROTECT,
        related_name="sales_reports",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    reason = models.TextField(_("reason for the revision"), blank=True)
    status = models.CharField(
        _("review"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.SUBMITTED
    )
    counts = models.BooleanField(_("counted in the figures"), default=False)
    due_on = models.DateField(_("due on"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = SalesReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales report")
        verbose_name_plural = _("sales reports")
        ordering = ["-month", "merchant_id", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "month", "revision"], name="sales_report_revision_once"
            ),
            models.UniqueConstraint(
                fields=["merchant", "month"],
                condition=Q(counts=True),
                name="sales_report_one_counted_per_month",
            ),
            models.CheckConstraint(
                condition=Q(counts=False) | Q(status=ReviewStatus.ACCEPTED),
                name="sales_report_counted_only_when_accepted",
            ),
        ]
        indexes = [models.Index(fields=["month", "counts"])]

    def __str__(self):
        return f"{self.merchant} {self.month:%Y-%m} r{self.revision}"

    @property
    def is_late(self) -> bool:
        return self.submitted_at.date() > self.due_on


class SalesReportLine(models.Model):
    """A report's figures for one outside platform. The market's own sales are not typed: they
    are read from its orders (monitoring.queries.market_sales)."""

    report = models.ForeignKey(SalesReport, on_delete=models.CASCADE, related_name="lines")
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    farm_sales = MoneyField(_("farm products sold online (yuan)"))
    other_sales = MoneyField(_("other goods sold online (yuan)"))
    # In context: a count here (订单数), the orders themselves elsewhere.
    orders = models.PositiveIntegerField(pgettext_lazy("sales report", "orders"))
    b2b_sales = MoneyField(_("business-to-business sales (yuan)"), default=0)

    class Meta:
        verbose_name = _("sales report line")
        verbose_name_plural = _("sales report lines")
        ordering = ["platform"]
        constraints = [
            models.UniqueConstraint(fields=["report", "platform"], name="report_line_per_platform"),
            models.CheckConstraint(
                condition=Q(farm_sales__gte=0, other_sales__gte=0, b2b_sales__gte=0),
                name="report_line_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.report} {self.platform}"

    @property
    def retail(self):
        return self.farm_sales + self.other_sales


class ReportedValueQuerySet(models.QuerySet):
    def counted(self):
        return self.filter(status=ReviewStatus.ACCEPTED)


class ReportedValue(models.Model):
    """A target's value the records cannot hold (such as broadband capacity), entered
    for a period by the member unit the plan makes responsible, with its evidence, and accepted
    by the office (the DHIS2 data element). Corrections are new rows; the newest accepted one of
    a period counts."""

    indicator = models.CharField(_("indicator"), max_length=64, db_index=True)
    period_start = models.DateField(_("period starts on"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    evidence = ProtectedFileField(
        _("evidence"), upload_to="monitoring/evidence/%Y/", served_by="monitoring:evidence_file"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        _("review"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.SUBMITTED
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = ReportedValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("reported indicator value")
        verbose_name_plural = _("reported indicator values")
        ordering = ["-period_start", "-id"]

    def __str__(self):
        return f"{self.indicator} {self.period_start} {self.value}"


class MonthlySalesQuerySet(ScopedQuerySet):
    region_path_lookup = "region_path"


class MonthlySales(models.Model):
    """The rollup: online sales of one month, summed per township, kind of business, poverty
    flags, channel and goods. Rebuilt month by month from the records (monitoring.rollups)."""

    month = models.DateField(_("month"), db_index=True)
    region = models.ForeignKey(
        "regions.RegionUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("division")
    )
    region_path = models.CharField(max_length=255, db_index=True)
    township = models.ForeignKey(
        "regions.RegionUnit", null=True, on_delete=models.CASCADE, related_name="+"
    )
    merchant_kind = models.CharField(max_length=16, choices=MerchantKind.choices)
    poverty_registered = models.BooleanField()
    poor_village = models.BooleanField()
    channel = models.CharField(max_length=16, choices=SALES_CHANNELS)
    goods = models.CharField(max_length=8, choices=Goods.choices)
    amount = MoneyField(_("amount (yuan)"))
    rolled_up_at = models.DateTimeField(auto_now=True)

    objects = MonthlySalesQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly sales rollup")
        verbose_name_plural = _("monthly sales rollups")
        indexes = [models.Index(fields=["month", "region_path"])]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.region_path} {self.channel} {self.goods}"


class DailyParcelsQuerySet(ScopedQuerySet):
    region_path_lookup = "region_path"


class DailyParcels(models.Model):
    """The parcels rollup: parcels delivered (signed for) on one day, per division of the
    parcel (its village) and direction; a parcel counts on the day of its first delivery.
    Daily, because the dashboard charts the last weeks day by day; a month is the sum of its
    days. Rebuilt day by day from the tracking events (monitoring.rollups)."""

    day = models.DateField(_("day"))
    region = models.ForeignKey(
        "regions.RegionUnit", on_delete=models.CASCADE, related_name="+", verbose_name=_("division")
    )
    region_path = models.CharField(max_length=255)
    township = models.ForeignKey(
        "regions.RegionUnit", null=True, on_delete=models.CASCADE, related_name="+"
    )
    direction = models.CharField(max_length=10)
    parcels = models.PositiveIntegerField(_("parcels delivered"))
    rolled_up_at = models.DateTimeField(auto_now=True)

    objects = DailyParcelsQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily parcels rollup")
        verbose_name_plural = _("daily parcels rollups")
        indexes = [models.Index(fields=["day", "region_path"])]

    def __str__(self):
        return f"{self.day} {self.region_path} {self.direction} {self.parcels}"


class RollupVersion(models.Model):
    """How many times the rollups were rebuilt, and when last: moved in the same transaction
    as the rows, so a reader keyed on it (the dashboard's cached figures) never serves figures
    older than the rows, whichever process rebuilt them."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("rollup version")
        verbose_name_plural = _("rollup versions")

    def __str__(self):
        return f"v{self.version}"
