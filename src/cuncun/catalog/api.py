"""/api/catalog/: the market's categories and products (public), and a seller's writes
(products, prices, stock counts)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.security import django_auth

from cuncun.catalog import queries, services
from cuncun.catalog.models import Category, Sku
from cuncun.catalog.schemas import (
    CategoryOut,
    PriceIn,
    ProductIn,
    ProductOut,
    ProductPage,
    StockIn,
    StockOut,
)
from cuncun.core.errors import InvalidInput, NotFound
from cuncun.merchants.models import Merchant
from cuncun.network.models import Site
from cuncun.regions.models import RegionUnit

router = Router(tags=["catalog"])


@router.get("/categories/", response=list[CategoryOut], summary="Categories of the market")
def list_categories(request):
    return list(Category.objects.order_by("kind", "position", "code"))


@router.get("/products/", response=ProductPage, summary="Products on the market")
def list_products(
    request,
    q: str = "",
    category: str = "",
    page: int = Query(1, ge=1, le=queries.MARKET_MAX_PAGE),
):
    """Listed products of active sellers, in season and in stock first. `category` is a code;
    pages are numbered from 1 (a page past the last is empty, past MARKET_MAX_PAGE refused)."""
    cat = None
    if category:
        cat = Category.objects.filter(code=category).first()
        if cat is None:
            raise InvalidInput(_("Unknown category %s.") % category, details={"category": category})
    products = queries.market_products(request.user, q=q.strip()[:50], category=cat)
    count = products.count()
    size = queries.MARKET_PAGE_SIZE
    items = products[(page - 1) * size : page * size]
    return {
        "count": count,
        "page": page,
        "items": [
            {
                "id": p.id,
                "name": p.name,
                "category": p.category.name,
                "merchant_id": p.merchant_id,
                "merchant": p.merchant.name,
                "origin": p.origin.name if p.origin_id else None,
                "min_price": p.min_price,
                "available": max(0, p.available),
                "in_season": p.in_season_flag,
            }
            for p in items
        ],
    }


@router.get("/products/{product_id}/", response=ProductOut, summary="A product and its SKUs")
def get_product(request, product_id: int):
    p = queries.market_product(product_id)
    return _product_out(p)


def _product_out(p):
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "category": p.category.name,
        "merchant_id": p.merchant_id,
        "merchant": p.merchant.name,
        "origin": p.origin.name if p.origin_id else None,
        "in_season": p.in_season_flag,
        "seasons": [
            {
                "starts": f"{w.starts // 100:02d}-{w.starts % 100:02d}",
                "ends": f"{w.ends // 100:02d}-{w.ends % 100:02d}",
            }
            for w in p.season_windows.all()
        ],
        "photos": [reverse("catalog:product_photo", args=[photo.pk]) for photo in p.photos.all()],
        "skus": [
            {
                "id": s.id,
                "code": s.code,
                "name": s.name,
                "unit": s.unit,
                "grade": s.grade,
                "net_weight_kg": s.net_weight_kg,
                "price": s.price,
                "available": max(0, getattr(s, "available", 0) or 0),
            }
            for s in p.skus.all()
        ],
    }


@router.post(
    "/products/", response={201: ProductOut}, auth=django_auth, summary="List a new product"
)
def create_product(request, data: ProductIn):
    merchant = Merchant.objects.filter(pk=data.merchant).first()
    if merchant is None:
        raise NotFound(details={"merchant": data.merchant})
    category = Category.objects.filter(code=data.category).first()
    if category is None:
        raise InvalidInput(_("Unknown category %s.") % data.category)
    origin = RegionUnit.objects.filter(pk=data.origin).first() if data.origin else None
    if data.origin and origin is None:
        raise InvalidInput(
            _("There is no division %s.") % data.origin, details={"origin": data.origin}
        )
    product = services.create_product(
        actor=request.user,
        merchant=merchant,
        details=services.ProductDetails(
            name=data.name,
            category=category,
            description=data.description,
            origin=origin,
            skus=tuple(services.SkuDetails(**sku.dict()) for sku in data.skus),
            seasons=tuple(tuple(w) for w in data.seasons),
            listed=data.listed,
        ),
    )
    return Status(201, _product_out(queries.seller_product([merchant], product.pk)))


def _sku(sku_id: int) -> Sku:
    sku = Sku.objects.select_related("product__merchant").filter(pk=sku_id).first()
    if sku is None:
        raise NotFound(details={"sku": sku_id})
    return sku


@router.put(
    "/skus/{sku_id}/stock/", response=StockOut, auth=django_auth, summary="Record a stock count"
)
def put_stock(request, sku_id: int, data: StockIn):
    site = Site.objects.filter(code=data.site).first()
    if site is None:
        raise NotFound(details={"site": data.site})
    stock = services.set_stock(
        actor=request.user, sku=_sku(sku_id), site=site, quantity=data.quantity
    )
    return {
        "sku": sku_id,
        "site": site.code,
        "quantity": stock.quantity,
        "quantity_allocated": stock.quantity_allocated,
        "available": stock.available,
    }


@router.put("/skus/{sku_id}/price/", auth=django_auth, summary="Change a price")
def put_price(request, sku_id: int, data: PriceIn):
    sku = services.set_sku_price(actor=request.user, sku=_sku(sku_id), price=data.price)
    return {"sku": sku.pk, "price": str(sku.price)}


routes = [("/catalog/", router)]
