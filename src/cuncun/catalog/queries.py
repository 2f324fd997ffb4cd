"""Reads of the catalog: the market front, a product page, a seller's products and stock, and what
a checkout needs to know about SKUs and stock, each in a fixed number of queries."""

from datetime import date

from django.db.models import (
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cuncun.catalog.models import (
    Category,
    Product,
    ProductPhoto,
    SeasonWindow,
    Sku,
    Stock,
    month_day,
)
from cuncun.core.errors import NotFound
from cuncun.network.models import SiteStatus

PAGE_SIZE = 24


def serving_stock():
    """Stock at sites that are open: only these can supply an order."""
    return Stock.objects.filter(site__status__in=SiteStatus.SERVING)


def _available_subquery(outer: str):
    return Coalesce(
        Subquery(
            serving_stock()
            .filter(**{outer: OuterRef("pk")})
            .values(outer)
            .annotate(n=Sum(F("quantity") - F("quantity_allocated")))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def categories():
    return Category.objects.filter(parent__isnull=True).prefetch_related("children")


def market_products(
    user=None, *, q: str = "", category: Category | None = None, day: date | None = None
):
    """What the market front lists: listed products of active sellers, with their lowest price,
    units available at open sites and whether they are in season today."""
    day = day or timezone.localdate()
    products = (
        Product.objects.on_market()
        .with_season(day)
        .select_related("merchant", "category", "origin", "origin__parent")
        .annotate(
            min_price=Min("skus__price", filter=Q(skus__is_active=True)),
            available=_available_subquery("sku__product"),
        )
        .prefetch_related(Prefetch("photos", queryset=ProductPhoto.objects.order_by("position")))
        .filter(min_price__isnull=False)
    )
    if category is not None:
        products = products.filter(Q(category=category) | Q(category__parent=category))
    if q:
        products = products.filter(
            Q(name__icontains=q)
            | Q(description__icontains=q)
            | Q(merchant__name__icontains=q)
            | Q(origin__name__icontains=q)
        )
    return products.order_by("-in_season_flag", "-available", "name", "id")


def market_product(pk: int, day: date | None = None) -> Product:
    day = day or timezone.localdate()
    product = (
        Product.objects.on_market()
        .with_season(day)
        .select_related("merchant", "merchant__region", "category", "origin", "origin__parent")
        .prefetch_related(
            Prefetch(
                "skus",
                queryset=Sku.objects.filter(is_active=True)
                .annotate(available=_available_subquery("sku"))
                .order_by("price", "id"),
            ),
            "season_windows",
            Prefetch("photos", queryset=ProductPhoto.objects.order_by("position")),
        )
        .filter(pk=pk)
        .first()
    )
    if product is None:
        raise NotFound(details={"product": pk})
    return product


def seller_products(merchants):
    """A seller's console: all their products (any status) with SKUs and stock per site."""
    return (
        Product.objects.filter(merchant__in=merchants)
        .select_related("merchant", "category")
        .prefetch_related(
            Prefetch(
                "skus",
                queryset=Sku.objects.order_by("price", "id").prefetch_related(
                    Prefetch(
                        "stocks",
                        queryset=Stock.objects.select_related("site").order_by("site__code"),
                    )
                ),
            ),
            "season_windows",
            Prefetch("photos", queryset=ProductPhoto.objects.order_by("position")),
        )
        .order_by("status", "name", "id")
    )


def seller_product(merchants, pk: int) -> Product:
    product = seller_products(merchants).filter(pk=pk).first()
    if product is None:
        raise NotFound(details={"product": pk})
    return product


def skus_for_checkout(sku_ids, day: date):
    """The SKUs of a checkout with product, category, merchant and an `in_season_flag`, in one
    query."""
    md = month_day(day)
    within = SeasonWindow.objects.filter(product=OuterRef("product_id")).filter(
        (Q(starts__lte=F("ends")) & Q(starts__lte=md, ends__gte=md))
        | (Q(starts__gt=F("ends")) & (Q(starts__lte=md) | Q(ends__gte=md)))
    )
    any_window = SeasonWindow.objects.filter(product=OuterRef("product_id"))
    return (
        Sku.objects.filter(pk__in=list(sku_ids))
        .select_related("product", "product__merchant", "product__category")
        .annotate(in_season_flag=Exists(within) | ~Exists(any_window))
    )


def stock_candidates(sku_ids, site_ids=None):
    """Stock rows with units free at open sites, for choosing where each line comes from."""
    stocks = (
        serving_stock()
        .filter(sku_id__in=list(sku_ids), quantity__gt=F("quantity_allocated"))
        .select_related("site")
    )
    if site_ids is not None:
        stocks = stocks.filter(site_id__in=list(site_ids))
    return stocks
