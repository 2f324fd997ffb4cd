"""Every write of the catalog: categories, products, SKUs, prices, seasons, photos and stock.

Stock moves two ways. A seller counts or receives stock (`set_stock`, `adjust_stock`, audited), at
the sites they may keep goods at (`stocking_sites`). An order takes and gives back units through
`reserve_stock`, `release_stock` and `ship_stock`, called inside the orders app's own transaction
(which writes the audit row for the order): each is a conditional UPDATE in primary-key order, so
no unit is promised twice and no two checkouts can deadlock. No stock row is locked up front.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from cuncun.catalog.models import (
    Category,
    CategoryKind,
    Product,
    ProductPhoto,
    ProductStatus,
    SeasonWindow,
    Sku,
    Stock,
    Unit,
)
from cuncun.core import audit, holds
from cuncun.core.checks import (
    number_out_of_range,
    quantity_problem,
    text_too_long,
    texts_too_long,
)
from cuncun.core.errors import Conflict, InvalidInput, NotAllowed
from cuncun.core.money import to_money
from cuncun.merchants.models import Merchant
from cuncun.merchants.services import require_seller
from cuncun.network.models import Site, SiteKind
from cuncun.regions.models import Level, RegionUnit

# Sites where goods may be kept for the market.
STOCKING_SITE_KINDS = {
    SiteKind.COUNTY_WAREHOUSE,
    SiteKind.COUNTY_CENTER,
    SiteKind.TOWNSHIP_STATION,
    SiteKind.VILLAGE_POINT,
    SiteKind.PICKUP_STORE,
}
# The county's shared facilities, open to every merchant of the county: the plan's public
# warehousing and logistics platform (城乡仓储物流平台) at the county warehouse, and the public
# service center. Township stations, village points and partner stores are somebody's counter:
# goods are kept there only by the people who run them.
SHARED_STOCKING_KINDS = {SiteKind.COUNTY_WAREHOUSE, SiteKind.COUNTY_CENTER}
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024
MAX_QUANTITY = 1_000_000
# Far above any farm product's unit price, and low enough that no order of the largest size
# comes near the money columns' fourteen digits.
MAX_PRICE = Decimal("100000.00")
MIN_PRICE = Decimal("0.01")  # one fen
# The lightest unit its column holds (a gram); the heaviest is what the column holds.
MIN_WEIGHT_KG = Decimal("0.001")


class InsufficientStock(Conflict):
    """Some lines cannot be had in the quantity asked; `details["lines"]` lists every one."""

    code = "insufficient_stock"

    def __init__(self, lines: list[dict]):
        described = "; ".join(
            _("%(name)s: asked %(asked)d, %(left)d left")
            % {"name": line["name"], "asked": line["requested"], "left": line["available"]}
            for line in lines
        )
        super().__init__(
            _("Not enough stock for %(n)d line(s): %(lines)s.")
            % {"n": len(lines), "lines": described},
            details={"lines": lines},
        )
        self.lines = lines


# --- categories --------------------------------------------------------------------------------


def ensure_category(
    *, actor, code: str, name: str, kind: str, parent: Category | None = None, position: int = 0
) -> Category:
    """The county office keeps the category tree; the same code twice changes nothing."""
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed(_("Only the county office manages categories."))
    if kind not in dict(CategoryKind.choices):
        raise InvalidInput(_("unknown kind of category %s") % kind)
    if not re.fullmatch(r"[a-z0-9-]{1,40}", code or ""):
        raise InvalidInput(_("A category code is 1 to 40 lower-case letters, digits or dashes."))
    if not name.strip():
        raise InvalidInput(_("The category name is empty."))
    with transaction.atomic():
        category, created = Category.objects.get_or_create(
            code=code,
            defaults={"name": name.strip(), "kind": kind, "parent": parent, "position": position},
        )
        if created:
            audit.record(
                actor=actor,
                action="category.create",
                obj=category,
                after={"code": code, "name": category.name, "kind": kind},
            )
    return category


# --- products and SKUs ---------------------------------------------------------------------------


@dataclass
class SkuDetails:
    unit: str
    price: object
    name: str = ""
    grade: str = ""
    net_weight_kg: object = None
    code: str = ""


@dataclass
class ProductDetails:
    name: str
    category: Category
    description: str = ""
    origin: object = None  # a RegionUnit (the village it comes from)
    skus: tuple[SkuDetails, ...] = ()
    seasons: tuple[tuple[int, int], ...] = ()  # (MMDD from, MMDD to)
    listed: bool = True
    is_demo: bool = False


def create_product(*, actor, merchant: Merchant, details: ProductDetails) -> Product:
    """A seller (or the operator who lists for a farmer, 代售) puts a product on the market."""
    d = details
    require_seller(actor, merchant)
    if not merchant.is_active:
        raise Conflict(_("%s is stopped and cannot list products.") % merchant.name)
    problems = _product_problems(d.name, d.category, d.origin)
    if not d.skus:
        problems.append(_("a product needs at least one SKU (unit and price)"))
    sku_values = []
    for number, sku in enumerate(d.skus, start=1):
        try:
            sku_values.append(_clean_sku(sku))
        except InvalidInput as error:
            problems.append(_("SKU %(n)d: %(problem)s") % {"n": number, "problem": error.message})
    try:
        seasons = [_clean_season(*window) for window in d.seasons]
    except InvalidInput as error:
        problems.append(str(error.message))
        seasons = []
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    with transaction.atomic():
        product = Product.objects.create(
            merchant=merchant,
            category=d.category,
            name=d.name.strip(),
            description=d.description.strip(),
            origin=d.origin,
            status=ProductStatus.LISTED if d.listed else ProductStatus.DRAFT,
            is_demo=d.is_demo,
        )
        for values in sku_values:
            _create_sku(product, values)
        SeasonWindow.objects.bulk_create(
            SeasonWindow(product=product, starts=s, ends=e) for s, e in seasons
        )
        audit.record(
            actor=actor,
            action="product.create",
            obj=product,
            after={
                "merchant": merchant.pk,
                "status": product.status,
                "skus": [{"unit": v["unit"], "price": str(v["price"])} for v in sku_values],
            },
        )
    return product


def update_product(*, actor, product: Product, changes: dict) -> Product:
    """The seller changes what a product is called, its category, description or origin."""
    allowed = {"name", "description", "category", "origin"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(_("unknown field(s): %s") % ", ".join(sorted(unknown)))
    changes = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    with transaction.atomic():
        product = _lock_product(product)
        require_seller(actor, product.merchant)
        problems = _product_problems(
            *(changes.get(name, getattr(product, name)) for name in ("name", "category", "origin"))
        )
        if problems:
            raise InvalidInput("; ".join(problems), details={"problems": problems})
        changed = {k: v for k, v in changes.items() if getattr(product, k) != v}
        if not changed:
            return product
        fields = [Product._meta.get_field(k).attname for k in changed]
        before = audit.snapshot(product, fields)
        for name, value in changed.items():
            setattr(product, name, value)
        product.save(update_fields=[*changed, "updated_at"])
        audit.record(
            actor=actor,
            action="product.update",
            obj=product,
            before=before,
            after=audit.snapshot(product, fields),
        )
    return product


def set_product_status(*, actor, product: Product, status: str) -> Product:
    """List a product on the market or take it off (what is already ordered stays ordered)."""
    if status not in dict(ProductStatus.choices):
        raise InvalidInput(_("unknown product status %s") % status)
    with transaction.atomic():
        product = _lock_product(product)
        require_seller(actor, product.merchant)
        if product.status == status:
            return product
        if status == ProductStatus.LISTED and not product.skus.filter(is_active=True).exists():
            raise Conflict(_("Add a SKU on sale before listing this product."))
        if status == ProductStatus.LISTED and (held := holds.listing_refusal(product)):
            raise Conflict(held)
        before = product.status
        product.status = status
        product.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action="product.status",
            obj=product,
            before={"status": before},
            after={"status": status},
        )
    return product


def add_sku(*, actor, product: Product, details: SkuDetails) -> Sku:
    """One more way to buy a product: another unit, grade or pack size."""
    values = _clean_sku(details)
    with transaction.atomic():
        product = _lock_product(product)
        require_seller(actor, product.merchant)
        sku = _create_sku(product, values)
        audit.record(
            actor=actor,
            action="sku.create",
            obj=sku,
            after={"code": sku.code, "unit": sku.unit, "price": str(sku.price)},
        )
    return sku


def set_sku_price(*, actor, sku: Sku, price) -> Sku:
    """A new price applies to orders placed from now on; placed orders keep theirs."""
    price = _price(price)
    with transaction.atomic():
        sku = _lock_sku(sku)
        require_seller(actor, sku.product.merchant)
        if sku.price == price:
            return sku
        before = str(sku.price)
        sku.price = price
        sku.save(update_fields=["price"])
        audit.record(
            actor=actor,
            action="sku.price",
            obj=sku,
            before={"price": before},
            after={"price": str(price)},
        )
    return sku


def set_low_stock_level(*, actor, sku: Sku, level: int | None) -> Sku:
    """The seller's warning line for a SKU: warned when a site's free units fall to it; None
    goes back to the default line."""
    if level is not None:
        level = _quantity(level, allow_zero=True)
    with transaction.atomic():
        sku = _lock_sku(sku)
        require_seller(actor, sku.product.merchant)
        if sku.low_stock_at == level:
            return sku
        before = sku.low_stock_at
        sku.low_stock_at = level
        sku.save(update_fields=["low_stock_at"])
        audit.record(
            actor=actor,
            action="sku.low_stock",
            obj=sku,
            before={"low_stock_at": before},
            after={"low_stock_at": level},
        )
    return sku


def set_sku_on_sale(*, actor, sku: Sku, on_sale: bool) -> Sku:
    """Take a SKU off sale (sold out for the season, a pack size dropped) or back on. What is
    already ordered stays ordered."""
    with transaction.atomic():
        sku = _lock_sku(sku)
        require_seller(actor, sku.product.merchant)
        if sku.is_active != on_sale:
            sku.is_active = on_sale
            sku.save(update_fields=["is_active"])
            audit.record(
                actor=actor,
                action="sku.on_sale" if on_sale else "sku.off_sale",
                obj=sku,
                before={"is_active": not on_sale},
                after={"is_active": on_sale},
            )
    return sku


def set_seasons(*, actor, product: Product, windows: list[tuple[int, int]]) -> Product:
    """Replace a product's seasons; an empty list means it sells all year."""
    cleaned = [_clean_season(*w) for w in windows]
    with transaction.atomic():
        product = _lock_product(product)
        require_seller(actor, product.merchant)
        before = [[w.starts, w.ends] for w in product.season_windows.all()]
        if before == [list(w) for w in cleaned]:
            return product
        product.season_windows.all().delete()
        SeasonWindow.objects.bulk_create(
            SeasonWindow(product=product, starts=s, ends=e) for s, e in cleaned
        )
        audit.record(
            actor=actor,
            action="product.seasons",
            obj=product,
            before={"seasons": before},
            after={"seasons": [list(w) for w in cleaned]},
        )
    return product


def add_product_photo(*, actor, product: Product, upload, caption: str = "") -> ProductPhoto:
    content_type = getattr(upload, "content_type", "")
    if content_type not in PHOTO_TYPES:
        raise InvalidInput(_("A photo must be a JPEG, PNG or WebP image."))
    if upload.size > PHOTO_MAX_BYTES:
        raise InvalidInput(_("A photo may be at most 5 MB."))
    caption = caption.strip()
    if problem := text_too_long(ProductPhoto, "caption", caption):
        raise InvalidInput(problem)
    with transaction.atomic():
        product = _lock_product(product)
        require_seller(actor, product.merchant)
        position = product.photos.count()
        photo = ProductPhoto.objects.create(
            product=product, image=upload, caption=caption, position=position
        )
        audit.record(
            actor=actor, action="product.photo", obj=product, after={"photo": photo.image.name}
        )
    return photo


def _lock_product(product: Product) -> Product:
    return (
        Product.objects.select_for_update()
        .select_related("merchant", "category")
        .get(pk=product.pk)
    )


def _lock_sku(sku: Sku) -> Sku:
    return Sku.objects.select_for_update().select_related("product__merchant").get(pk=sku.pk)


def _product_problems(name, category, origin=None) -> list[str]:
    problems = []
    name = (name or "").strip()
    if not name:
        problems.append(_("the product name is empty"))
    elif problem := text_too_long(Product, "name", name):
        problems.append(problem)
    if not isinstance(category, Category):
        problems.append(_("choose a category"))
    if origin is not None and not (
        isinstance(origin, RegionUnit) and origin.level in {Level.TOWNSHIP, Level.VILLAGE}
    ):
        problems.append(_("the origin is a township or village of the county"))
    return problems


def _price(value) -> Decimal:
    """A price in yuan, from one fen to MAX_PRICE."""
    if isinstance(value, float) or value in (None, ""):
        raise InvalidInput(_("%s is not a price") % value)
    if problem := number_out_of_range(Sku, "price", value, low=MIN_PRICE, high=MAX_PRICE):
        raise InvalidInput(problem)
    return to_money(str(value))


def _clean_sku(sku: SkuDetails) -> dict:
    problems = []
    unit = Unit.named(sku.unit)
    if unit is None:
        problems.append(_("unknown unit %s (use 斤, kg, 箱 or 件)") % sku.unit)
    try:
        price = _price(sku.price)
    except InvalidInput as error:
        problems.append(str(error.message))
        price = None
    weight = None
    if problem := number_out_of_range(Sku, "net_weight_kg", sku.net_weight_kg, low=MIN_WEIGHT_KG):
        problems.append(problem)
    elif sku.net_weight_kg not in (None, ""):
        weight = Decimal(str(sku.net_weight_kg))
    name, grade = (sku.name or "").strip(), (sku.grade or "").strip()
    problems += texts_too_long(Sku, {"name": name, "grade": grade})
    code = (sku.code or "").strip()
    if code and not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", code):
        problems.append(_("a SKU code is letters, digits, dots or dashes"))
    if problems:
        raise InvalidInput("; ".join(problems), details={"problems": problems})
    return {
        "unit": unit,
        "price": price,
        "name": name,
        "grade": grade,
        "net_weight_kg": weight,
        "code": code,
    }


def _create_sku(product: Product, values: dict) -> Sku:
    values = dict(values)
    code = values.pop("code") or f"P{product.pk}-{product.skus.count() + 1}"
    taken = Conflict(_("The SKU code %s is taken.") % code, details={"code": code})
    if Sku.objects.filter(code=code).exists():
        raise taken
    try:
        with transaction.atomic():
            return Sku.objects.create(product=product, code=code, **values)
    except IntegrityError:
        raise taken from None  # the same code chosen at the same moment by another seller


def _clean_season(starts: int, ends: int) -> tuple[int, int]:
    for value in (starts, ends):
        try:
            date(2000, int(value) // 100, int(value) % 100)  # 2000: a leap year allows 0229
        except (TypeError, ValueError, OverflowError) as error:
            raise InvalidInput(
                _("%s is not a month and day (write 0501 for 1 May)") % value
            ) from error
    return int(starts), int(ends)


# --- stock counted by the seller --------------------------------------------------------------


def stocking_sites(actor, merchant: Merchant):
    """The operating sites where `actor` may keep `merchant`'s goods. Its owner: the county's
    shared warehouse and service center, and any site the owner runs (a shop that is a partner
    pickup store, a point of their own). The village operator who sells for a farmer (代售):
    only the point they run, where the farmer brings the produce. The system itself (a loader,
    the demo) and superusers: every stocking site. Nobody else."""
    sites = Site.objects.serving().filter(kind__in=STOCKING_SITE_KINDS)
    if actor is None or actor.is_superuser:
        return sites
    runs = Q(pk__in=Site.objects.operated_by(actor).values("pk"))
    if actor.pk == merchant.owner_id:
        return sites.filter(runs | Q(kind__in=SHARED_STOCKING_KINDS))
    if actor.pk == merchant.represented_by_id:
        return sites.filter(runs)
    return sites.none()


def set_stock(*, actor, sku: Sku, site: Site, quantity: int, reason: str = "") -> Stock:
    """Record a stock count at a site. It cannot fall below what is already promised to orders."""
    quantity = _quantity(quantity, allow_zero=True)
    return _change_stock(
        actor,
        sku,
        site,
        action="stock.count",
        reason=reason,
        allowed=Q(quantity_allocated__lte=quantity),
        update={"quantity": quantity},
        refusal=lambda stock: Conflict(
            _("%(n)d are already promised to orders; the count cannot be lower than that.")
            % {"n": stock.quantity_allocated},
            details={"allocated": stock.quantity_allocated},
        ),
    )


def adjust_stock(*, actor, sku: Sku, site: Site, change: int, reason: str) -> Stock:
    """Goods received (+) or written off (−). A write-off cannot touch promised units, and no
    site holds more than MAX_QUANTITY of one SKU."""
    # A change is a count of goods either way: received (+) or written off (−).
    if problem := quantity_problem(
        abs(change) if type(change) is int else change, most=MAX_QUANTITY
    ):
        raise InvalidInput(problem, details={"change": change})
    if not reason.strip():
        raise InvalidInput(_("Say why the stock changes (received, damaged, counted …)."))
    return _change_stock(
        actor,
        sku,
        site,
        action="stock.adjust",
        reason=reason,
        allowed=Q(quantity__gte=F("quantity_allocated") - change)
        & Q(quantity__lte=MAX_QUANTITY - change),
        update={"quantity": F("quantity") + change},
        refusal=lambda stock: (
            Conflict(
                _("Only %(n)d are free to write off; the rest are promised to orders.")
                % {"n": stock.available},
                details={"available": stock.available},
            )
            if change < 0
            else InvalidInput(
                _("%(site)s would hold more than %(max)d of this SKU.")
                % {"site": site.name, "max": MAX_QUANTITY}
            )
        ),
    )


def _change_stock(actor, sku, site, *, action, reason, allowed: Q, update: dict, refusal) -> Stock:
    """The seller's own change of a stock row, as one conditional UPDATE: the database, not a
    read before it, decides whether promised units would be touched (checkouts run at once)."""
    _check_site(site)
    with transaction.atomic():
        sku = Sku.objects.select_related("product__merchant").get(pk=sku.pk)
        merchant = sku.product.merchant
        require_seller(actor, merchant)
        if not stocking_sites(actor, merchant).filter(pk=site.pk).exists():
            raise _not_a_site_for(actor, merchant, site)
        stock, _created = Stock.objects.get_or_create(site=site, sku=sku)
        before = {"quantity": stock.quantity, "quantity_allocated": stock.quantity_allocated}
        changed = Stock.objects.filter(allowed, pk=stock.pk).update(**update)
        stock.refresh_from_db()
        if not changed:
            raise refusal(stock)
        audit.record(
            actor=actor,
            action=action,
            obj=stock,
            before=before,
            after={"quantity": stock.quantity, "quantity_allocated": stock.quantity_allocated},
            reason=reason.strip(),
        )
    return stock


def _not_a_site_for(actor, merchant: Merchant, site: Site) -> NotAllowed:
    if actor.pk == merchant.owner_id:
        message = _(
            "%(merchant)s's goods may be kept at the county's shared warehouse or service center, "
            "or at a site you run; not at %(site)s."
        )
    else:
        message = _(
            "You may keep %(merchant)s's goods only at the service point you run; not at %(site)s."
        )
    return NotAllowed(
        message % {"merchant": merchant.name, "site": site.name},
        details={"site": site.pk, "merchant": merchant.pk},
    )


def _quantity(value, *, allow_zero=False) -> int:
    if problem := quantity_problem(value, most=MAX_QUANTITY, allow_zero=allow_zero):
        raise InvalidInput(problem, details={"quantity": value})
    return value


def _check_site(site: Site) -> None:
    if site.kind not in STOCKING_SITE_KINDS:
        raise InvalidInput(_("%s does not keep goods for the market.") % site.name)
    if not site.is_serving:
        raise Conflict(_("%s is not operating.") % site.name)


# --- stock taken and given back by orders (inside the caller's transaction) ----------------------


@dataclass(frozen=True)
class StockRequest:
    stock_id: int
    quantity: int
    name: str  # how the line is called in a message ("普洱茶 一级 357g")
    sku_id: int = 0
    site_name: str = ""


def reserve_stock(requests: list[StockRequest]) -> None:
    """Promise units to an order: one conditional UPDATE per stock row, in primary-key order.

    A row changes only if it still has the units free, so two checkouts can never both take the
    last one; the database's check constraint stands behind it. Every short line is collected
    and reported in one InsufficientStock; the caller's transaction then rolls back whatever
    this call already took.
    """
    _require_transaction()
    short = []
    for request in sorted(requests, key=lambda r: r.stock_id):
        taken = Stock.objects.filter(
            pk=request.stock_id, quantity__gte=F("quantity_allocated") + request.quantity
        ).update(quantity_allocated=F("quantity_allocated") + request.quantity)
        if not taken:
            short.append(request)
    if short:
        available = dict(
            Stock.objects.filter(pk__in=[r.stock_id for r in short])
            .with_free()
            .values_list("pk", "free")
        )
        raise InsufficientStock(
            [
                {
                    "sku": r.sku_id,
                    "name": r.name,
                    "site": r.site_name,
                    "requested": r.quantity,
                    "available": max(0, available.get(r.stock_id, 0)),
                }
                for r in short
            ]
        )


def release_stock(holds: list[tuple[int, int]]) -> None:
    """Give back promised units [(stock id, quantity)], e.g. for an order never paid: they stay
    on hand and are free again."""
    _unpromise(holds, leave_site=False)


def ship_stock(holds: list[tuple[int, int]]) -> None:
    """Promised units leave the site: on hand and promised both go down."""
    _unpromise(holds, leave_site=True)


def _unpromise(holds: list[tuple[int, int]], *, leave_site: bool) -> None:
    """Lower the promised units of each stock row (and, when the goods leave, those on hand), as
    one conditional UPDATE per row in primary-key order. A row promising fewer units than asked
    means an order's books are wrong: that is a bug, not a person's mistake, so it fails loudly
    and the caller's transaction rolls back."""
    _require_transaction()
    for stock_id, quantity in _merged(holds):
        update = {"quantity_allocated": F("quantity_allocated") - quantity}
        if leave_site:
            update["quantity"] = F("quantity") - quantity
        changed = Stock.objects.filter(pk=stock_id, quantity_allocated__gte=quantity).update(
            **update
        )
        if not changed:
            raise IntegrityError(f"stock {stock_id} has fewer than {quantity} units promised")


def _merged(holds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    totals: dict[int, int] = {}
    for stock_id, quantity in holds:
        totals[stock_id] = totals.get(stock_id, 0) + quantity
    return sorted(totals.items())


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock moves run inside the order service's transaction")
