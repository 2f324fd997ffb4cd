"""Reads of the catalog: the market front, a product page, a seller's products and stock, and what
a checkout needs to know about SKUs and stock, each in a fixed number of queries."""

from datetime import date

from django.db import connection
from django.db.models import (
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
    LOW_STOCK_DEFAULT,
    Category,
    Product,
    ProductPhoto,
    ProductStatus,
    SeasonWindow,
    Sku,
    Stock,
    month_day,
)
from cuncun.core.errors import NotFound
from cuncun.core.money import to_money
from cuncun.merchants.models import Merchant
from cuncun.network.models import Site, SiteStatus

# Products per page of the market front, on its pages and in its API.
MARKET_PAGE_SIZE = 24
# Far past any county's market (240,000 products), and an offset every database can hold.
MARKET_MAX_PAGE = 10_000


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
    """A seller's console: all their products (any status) with SKUs, stock per site and whether
    they are in season today."""
    return (
        Product.objects.filter(merchant__in=merchants)
        .with_season(timezone.localdate())
        .select_related("merchant", "category", "origin", "origin__parent")
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


def low_stock(merchants):
    """The seller's stock that runs low: at each open site, a SKU on the market whose free units
    are at or below its warning line (the seller's own, else LOW_STOCK_DEFAULT), fewest first."""
    return (
        serving_stock()
        .with_free()
        .filter(
            sku__product__merchant__in=merchants,
            sku__product__status=ProductStatus.LISTED,
            sku__is_active=True,
        )
        .annotate(level=Coalesce("sku__low_stock_at", Value(LOW_STOCK_DEFAULT)))
        .filter(free__lte=F("level"))
        .select_related("site", "sku__product")
        .order_by("free", "sku__product__name", "sku_id", "site__name")
    )


def product_photo_for(user, pk: int) -> ProductPhoto:
    """A product's photo: anyone's while the product is on the market, otherwise only its
    seller's (a draft or withdrawn product is nobody else's business)."""
    photo = (
        ProductPhoto.objects.filter(
            Q(product__in=Product.objects.on_market())
            | Q(product__merchant__in=Merchant.objects.acted_for_by(user))
        )
        .select_related("product__merchant")
        .filter(pk=pk)
        .first()
    )
    if photo is None:
        raise NotFound(details={"photo": pk})
    return photo


def seller_product(merchants, pk: int) -> Product:
    product = seller_products(merchants).filter(pk=pk).first()
    if product is None:
        raise NotFound(details={"product": pk})
    return product


def checkout_items(sku_ids, day: date, site_ids=None) -> tuple[dict[int, Sku], list[Stock]]:
    """Everything a checkout reads, in one query: the SKUs asked for (with product, merchant,
    category and `in_season_flag`) and, for each, the stock rows with units free at open sites
    (with their site).

    Written in SQL because it runs on every checkout of a flash sale, where building this query
    through the ORM (four joins, two EXISTS) cost more CPU than everything else the read does.
    The rows come back as model instances, unsaved-looking but complete for what checkout uses.
    """
    sku_ids = [int(pk) for pk in sku_ids]
    if not sku_ids:
        return {}, []
    md = month_day(day)
    t = {
        "sku": Sku._meta.db_table,
        "product": Product._meta.db_table,
        "merchant": Merchant._meta.db_table,
        "category": Category._meta.db_table,
        "season": SeasonWindow._meta.db_table,
        "stock": Stock._meta.db_table,
        "site": Site._meta.db_table,
    }
    serving = sorted(SiteStatus.SERVING)
    site_filter = ""
    params: list = [md, md, md, md, *serving]
    if site_ids is not None:
        site_ids = [int(pk) for pk in site_ids] or [0]
        site_filter = f" AND st.site_id IN ({', '.join(['%s'] * len(site_ids))})"
        params += site_ids
    params += sku_ids
    sql = f"""
        SELECT k.id, k.name, k.unit, k.price, k.is_active, k.code,
               p.id, p.name, p.status, m.id, m.name, m.is_active, m.represented_by_id,
               c.id, c.name,
               (EXISTS (SELECT 1 FROM {t["season"]} w WHERE w.product_id = p.id AND (
                    (w.starts <= w.ends AND w.starts <= %s AND w.ends >= %s)
                    OR (w.starts > w.ends AND (w.starts <= %s OR w.ends >= %s))))
                OR NOT EXISTS (SELECT 1 FROM {t["season"]} w2 WHERE w2.product_id = p.id)),
               st.id, st.quantity, st.quantity_allocated, s.id, s.code, s.name, s.kind, s.status
        FROM {t["sku"]} k
        JOIN {t["product"]} p ON p.id = k.product_id
        JOIN {t["merchant"]} m ON m.id = p.merchant_id
        JOIN {t["category"]} c ON c.id = p.category_id
        LEFT JOIN ({t["stock"]} st JOIN {t["site"]} s
                   ON s.id = st.site_id AND s.status IN ({", ".join(["%s"] * len(serving))}))
          ON st.sku_id = k.id AND st.quantity > st.quantity_allocated{site_filter}
        WHERE k.id IN ({", ".join(["%s"] * len(sku_ids))})
        ORDER BY k.id, st.id
    """
    skus: dict[int, Sku] = {}
    stocks: list[Stock] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for row in rows:
        (sku_id, sku_name, unit, price, sku_active, code, product_id, product_name, status,
         merchant_id, merchant_name, merchant_active, represented_by_id, category_id,
         category_name, in_season, stock_id, quantity, allocated, site_id, site_code, site_name,
         site_kind, site_status) = row  # fmt: skip
        sku = skus.get(sku_id)
        if sku is None:
            product = Product(
                id=product_id,
                name=product_name,
                status=status,
                merchant_id=merchant_id,
                category_id=category_id,
            )
            product.merchant = Merchant(
                id=merchant_id,
                name=merchant_name,
                is_active=bool(merchant_active),
                represented_by_id=represented_by_id,
            )
            product.category = Category(id=category_id, name=category_name)
            sku = Sku(
                id=sku_id,
                product_id=product_id,
                name=sku_name,
                unit=unit,
                code=code,
                price=to_money(str(price)),
                is_active=bool(sku_active),
            )
            sku.product = product
            sku.in_season_flag = bool(in_season)
            skus[sku_id] = sku
        if stock_id is not None:
            stock = Stock(
                id=stock_id, sku_id=sku_id, site_id=site_id, quantity=quantity,
                quantity_allocated=allocated,
            )  # fmt: skip
            stock.sku = sku
            stock.site = Site(
                id=site_id, code=site_code, name=site_name, kind=site_kind, status=site_status
            )
            stocks.append(stock)
    return skus, stocks
