"""The seller's console: their products, SKUs, prices, seasons, photos and stock per site.
Thin: rules in services.py, reads in queries.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cuncun.catalog import queries, services
from cuncun.catalog.forms import (
    LowStockForm,
    OnSaleForm,
    PhotoForm,
    PriceForm,
    ProductEditForm,
    ProductForm,
    SeasonsForm,
    SkuForm,
    StatusForm,
    StockForm,
)
from cuncun.catalog.models import LOW_STOCK_DEFAULT, Product, Sku
from cuncun.core.errors import DomainError, NotAllowed
from cuncun.core.files import stored_file_response
from cuncun.core.pages import carry_out
from cuncun.merchants.queries import merchants_of


def _merchants(user):
    merchants = list(merchants_of(user))
    if not merchants:
        raise NotAllowed(_("You do not sell for any merchant."))
    return merchants


def _product(request, pk: int) -> Product:
    return queries.seller_product(_merchants(request.user), pk)


def _sku_details(d: dict) -> services.SkuDetails:
    return services.SkuDetails(
        unit=d["unit"],
        price=d["price"],
        name=d["variant"],
        grade=d["grade"],
        net_weight_kg=d["net_weight_kg"],
        code=d.get("code", ""),
    )


@login_required
def console(request):
    merchants = _merchants(request.user)
    return render(
        request,
        "catalog/console.html",
        {"merchants": merchants, "products": queries.seller_products(merchants)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_product(request):
    merchants = _merchants(request.user)
    form = ProductForm(request.POST or None, merchants=merchants)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        merchant = next(m for m in merchants if m.pk == d["merchant"])
        seasons = ()
        if d["season_from"] and d["season_to"]:
            seasons = ((d["season_from"], d["season_to"]),)
        try:
            product = services.create_product(
                actor=request.user,
                merchant=merchant,
                details=services.ProductDetails(
                    name=d["name"],
                    category=d["category"],
                    description=d["description"],
                    origin=d["origin"],
                    skus=(_sku_details(d),),
                    seasons=seasons,
                ),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("%s is on the market.") % product.name)
            return redirect("catalog:manage_product", pk=product.pk)
    return render(request, "catalog/new_product.html", {"form": form})


@login_required
def manage_product(request, pk: int):
    product = _product(request, pk)
    return render(
        request,
        "catalog/manage_product.html",
        {
            "product": product,
            "sites": list(services.stocking_sites(request.user, product.merchant)),
            "photo_form": PhotoForm(),
            "low_stock_default": LOW_STOCK_DEFAULT,
            "seasons_form": SeasonsForm(
                initial={"windows": ", ".join(w.as_text for w in product.season_windows.all())}
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_product(request, pk: int):
    product = _product(request, pk)
    form = ProductEditForm(
        request.POST or None,
        initial={
            "name": product.name,
            "category": product.category,
            "description": product.description,
            "origin": product.origin,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_product(actor=request.user, product=product, changes=form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("catalog:manage_product", pk=pk)
    return render(request, "catalog/product_form.html", {"form": form, "product": product})


@login_required
@require_http_methods(["GET", "POST"])
def new_sku(request, pk: int):
    product = _product(request, pk)
    form = SkuForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sku = services.add_sku(
                actor=request.user, product=product, details=_sku_details(form.cleaned_data)
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("%s added.") % sku)
            return redirect("catalog:manage_product", pk=pk)
    return render(request, "catalog/sku_form.html", {"form": form, "product": product})


def _sku_of(product: Product, sku_id) -> Sku:
    sku = next((s for s in product.skus.all() if s.pk == sku_id), None)
    if sku is None:
        raise NotAllowed(_("This SKU is not one of your products."))
    return sku


def _done(request, pk: int, call, success: str):
    carry_out(request, call, success)
    return redirect("catalog:manage_product", pk=pk)


@login_required
@require_POST
def stock(request, pk: int):
    product = _product(request, pk)
    sites = list(services.stocking_sites(request.user, product.merchant))
    form = StockForm(request.POST, sites=sites)
    if not form.is_valid():
        messages.error(request, _("Choose one of your sites and give a whole number."))
        return redirect("catalog:manage_product", pk=pk)
    sku = _sku_of(product, form.cleaned_data["sku"])
    site = next(s for s in sites if s.pk == form.cleaned_data["site"])
    return _done(
        request,
        pk,
        lambda: services.set_stock(
            actor=request.user, sku=sku, site=site, quantity=form.cleaned_data["quantity"]
        ),
        _("Stock recorded."),
    )


@login_required
@require_POST
def low_stock(request, pk: int):
    form = LowStockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The warning line is a whole number of units, or empty."))
        return redirect("catalog:manage_product", pk=pk)
    sku = _sku_of(_product(request, pk), form.cleaned_data["sku"])
    return _done(
        request,
        pk,
        lambda: services.set_low_stock_level(
            actor=request.user, sku=sku, level=form.cleaned_data["level"]
        ),
        _("Warning line saved."),
    )


@login_required
@require_POST
def price(request, pk: int):
    form = PriceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A price is an amount in yuan."))
        return redirect("catalog:manage_product", pk=pk)
    sku = _sku_of(_product(request, pk), form.cleaned_data["sku"])
    return _done(
        request,
        pk,
        lambda: services.set_sku_price(
            actor=request.user, sku=sku, price=form.cleaned_data["price"]
        ),
        _("Price changed."),
    )


@login_required
@require_POST
def on_sale(request, pk: int):
    form = OnSaleForm(request.POST)
    if not form.is_valid():
        return redirect("catalog:manage_product", pk=pk)
    sku = _sku_of(_product(request, pk), form.cleaned_data["sku"])
    selling = form.cleaned_data["on_sale"]
    return _done(
        request,
        pk,
        lambda: services.set_sku_on_sale(actor=request.user, sku=sku, on_sale=selling),
        _("%s is on sale again.") % sku if selling else _("%s is off sale.") % sku,
    )


@login_required
@require_POST
def seasons(request, pk: int):
    product = _product(request, pk)
    form = SeasonsForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("windows", [])))
        return redirect("catalog:manage_product", pk=pk)
    return _done(
        request,
        pk,
        lambda: services.set_seasons(
            actor=request.user, product=product, windows=form.cleaned_data["windows"]
        ),
        _("Seasons saved."),
    )


@login_required
@require_POST
def status(request, pk: int):
    product = _product(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return redirect("catalog:manage_product", pk=pk)
    return _done(
        request,
        pk,
        lambda: services.set_product_status(
            actor=request.user, product=product, status=form.cleaned_data["status"]
        ),
        _("Saved."),
    )


def product_photo(request, pk: int):
    """A product's photo: public while the product is on the market, else for its seller."""
    photo = queries.product_photo_for(request.user, pk)
    return stored_file_response(photo.image, public=photo.product.is_on_market)


@login_required
@require_POST
def photo(request, pk: int):
    product = _product(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo to upload."))
        return redirect("catalog:manage_product", pk=pk)
    return _done(
        request,
        pk,
        lambda: services.add_product_photo(
            actor=request.user, product=product, upload=form.cleaned_data["image"]
        ),
        _("Photo added."),
    )
