"""What the market sells: categories, products and their SKUs, when they are in season, and stock
per site (`Stock(site, sku)`, shaped like Saleor's warehouse stock).

A stock row's `quantity_allocated` counts every unit promised to an order: reserved for an order
awaiting payment (with an expiry) or allocated to a paid one. The database refuses a row where
more is promised than is on hand, whatever the code above it does.
"""

from datetime import date

from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cuncun.core.files import ProtectedFileField
from cuncun.core.models import MoneyField, Timestamped
from cuncun.core.scoping import ScopedQuerySet


class CategoryKind:
    FARM_PRODUCT = "farm_product"  # 农特产品: sold out of the county
    CONSUMER_GOODS = "consumer_goods"  # 日用消费品: sold into the villages
    SERVICE = "service"  # 服务: bills, tickets, tourism

    choices = [
        (FARM_PRODUCT, _("farm products")),
        (CONSUMER_GOODS, _("consumer goods")),
        (SERVICE, _("services")),
    ]


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=16, choices=CategoryKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["kind", "position", "code"]

    def __str__(self):
        return self.name


class ProductStatus:
    DRAFT = "draft"  # being prepared, not on the market
    LISTED = "listed"  # on the market
    DELISTED = "delisted"  # taken off the market by its seller

    choices = [(DRAFT, _("draft")), (LISTED, _("listed")), (DELISTED, _("delisted"))]


def month_day(day: date) -> int:
    """Seasons are written as month*100+day (0501 = 1 May), so a window is two integers."""
    return day.month * 100 + day.day


class ProductQuerySet(ScopedQuerySet):
    region_path_lookup = "merchant__region__path"

    def public(self):
        return self.on_market()

    def on_market(self):
        """Listed products of active merchants: what the market front shows (`Product.is_on_market`
        says the same of one product already loaded)."""
        return self.filter(status=ProductStatus.LISTED, merchant__is_active=True)

    def with_season(self, day: date):
        """Annotate `in_season_flag`: no window at all, or one that contains `day` (wrapping the
        year end when it starts after it ends, as a Nov–Feb window does). The season rule is
        written here and once more in SQL in `queries.checkout_items`, for the checkout's speed;
        tests/catalog/test_seasons.py proves the two agree."""
        md = month_day(day)
        within = SeasonWindow.objects.filter(product=OuterRef("pk")).filter(
            (Q(starts__lte=F("ends")) & Q(starts__lte=md, ends__gte=md))
            | (Q(starts__gt=F("ends")) & (Q(starts__lte=md) | Q(ends__gte=md)))
        )
        has_windows = SeasonWindow.objects.filter(product=OuterRef("pk"))
        return self.annotate(in_season_flag=Exists(within) | ~Exists(has_windows))


class Product(Timestamped):
    merchant = models.ForeignKey(
        "merchants.Merchant",
        verbose_name=_("merchant"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    origin = models.ForeignKey(
        "regions.RegionUnit",
        verbose_name=_("origin village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        help_text=_("Where it is grown or made (产地)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "category"])]

    def __str__(self):
        return self.name

    @property
    def is_on_market(self) -> bool:
        """What `ProductQuerySet.on_market` filters, for a product already loaded with its
        merchant."""
        return self.status == ProductStatus.LISTED and self.merchant.is_active


class ProductPhoto(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    image = ProtectedFileField(
        _("photo"), upload_to="products/%Y/%m/", served_by="catalog:product_photo"
    )
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")
        ordering = ["position", "id"]

    def __str__(self):
        return self.caption or self.image.name


class SeasonWindow(models.Model):
    """When a product can be sold (上市季节): from a month-day to a month-day, every year."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="season_windows")
    starts = models.PositiveSmallIntegerField(_("from (MMDD)"))
    ends = models.PositiveSmallIntegerField(_("to (MMDD)"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        ordering = ["starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts__gte=101, starts__lte=1231, ends__gte=101, ends__lte=1231),
                name="season_window_month_days",
            )
        ]

    def __str__(self):
        return f"{self.starts // 100}/{self.starts % 100}–{self.ends // 100}/{self.ends % 100}"

    @property
    def as_text(self) -> str:
        """0501-0831: how the seller's console writes a window."""
        return f"{self.starts:04d}-{self.ends:04d}"


class Unit:
    JIN = "jin"  # 斤 (500 g), how produce is priced in the market
    KG = "kg"  # 千克
    BOX = "box"  # 箱
    PIECE = "piece"  # 件 / 个

    choices = [(JIN, _("jin (500 g)")), (KG, _("kg")), (BOX, _("box")), (PIECE, _("piece"))]
    short = {JIN: "斤", KG: "kg", BOX: "箱", PIECE: "件"}

    @classmethod
    def named(cls, text: str) -> str | None:
        """The unit a seller wrote, by its code (`piece`) or its short name (`件`)."""
        text = (text or "").strip()
        by_short = {name: code for code, name in cls.short.items()}
        return text if text in cls.short else by_short.get(text)


# A seller is warned when a site has this many free units of a SKU or fewer, unless they set their
# own line: a village shop restocks weekly and sells a few a day, so five gives a week's notice.
LOW_STOCK_DEFAULT = 5


class Sku(models.Model):
    """One thing a buyer can put in the cart: a product in a unit, grade and pack size."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    code = models.CharField(_("SKU code"), max_length=40, unique=True)
    name = models.CharField(_("variant"), max_length=60, blank=True, help_text=_("e.g. 一级 5斤装"))
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    net_weight_kg = models.DecimalField(
        _("net weight (kg)"), max_digits=8, decimal_places=3, null=True, blank=True
    )
    price = MoneyField(_("price (yuan)"))
    is_active = models.BooleanField(_("on sale"), default=True)
    # The seller's own warning line; empty: LOW_STOCK_DEFAULT.
    low_stock_at = models.PositiveIntegerField(
        _("warn when free stock is at or below"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["product", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="sku_price_positive"),
            models.CheckConstraint(
                condition=Q(net_weight_kg__isnull=True) | Q(net_weight_kg__gt=0),
                name="sku_weight_positive",
            ),
        ]

    def __str__(self):
        return f"{self.product.name} {self.name}".strip()

    @property
    def unit_short(self) -> str:
        return Unit.short.get(self.unit, self.unit)

    @property
    def low_stock_level(self) -> int:
        return LOW_STOCK_DEFAULT if self.low_stock_at is None else self.low_stock_at

    @property
    def is_on_sale(self) -> bool:
        """A buyer may put it in the cart: on sale itself, its product on the market."""
        return self.is_active and self.product.is_on_market


class StockQuerySet(ScopedQuerySet):
    region_path_lookup = "site__region__path"

    def with_free(self):
        """Annotate `free`: units on hand not promised to any order."""
        return self.annotate(free=F("quantity") - F("quantity_allocated"))


class Stock(models.Model):
    """How many of a SKU a site holds, and how many of those are promised to orders."""

    site = models.ForeignKey(
        "network.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="stocks"
    )
    sku = models.ForeignKey(
        Sku, verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="stocks"
    )
    quantity = models.PositiveIntegerField(_("on hand"), default=0)
    quantity_allocated = models.PositiveIntegerField(_("promised to orders"), default=0)

    objects = StockQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["site", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["site", "sku"], name="stock_once_per_site_and_sku"),
            # The invariant of the whole market: never promise more than is on hand.
            models.CheckConstraint(
                condition=Q(quantity_allocated__lte=F("quantity")),
                name="stock_allocation_within_quantity",
            ),
        ]

    def __str__(self):
        return f"{self.sku} @ {self.site}"

    @property
    def available(self) -> int:
        return self.quantity - self.quantity_allocated
