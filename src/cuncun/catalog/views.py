"""The seller's console: their products, SKUs, prices, seasons, photos and stock per site.
Thin: rules in services.py, reads in queries.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cuncun.catalog import queries, services
from cuncun.catalog.forms import PhotoForm, PriceForm, ProductForm, StatusForm, StockForm
from cuncun.catalog.models import Sku
from cuncun.core.errors import DomainError, NotAllowed
from cuncun.merchants.queries import merchants_of
from cuncun.network.models import Site


def _merchants(user):
    merchants = list(merchants_of(user))
    if not merchants:
        raise NotAllowed(_("You do not sell for any merchant."))
    return merchants


def stock_sites():
    return (
        Site.objects.serving()
        .filter(kind__in=services.STOCKING_SITE_KINDS)
        .select_related("region")
        .order_by("kind", "region__path", "name")
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
                    skus=(
                        services.SkuDetails(
                            unit=d["unit"],
                            price=d["price"],
                            name=d["variant"],
                            grade=d["grade"],
                            net_weight_kg=d["net_weight_kg"],
                        ),
                    ),
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
    merchants = _merchants(request.user)
    product = queries.seller_product(merchants, pk)
    sites = list(stock_sites())
    return render(
        request,
        "catalog/manage_product.html",
        {
            "product": product,
            "sites": sites,
            "photo_form": PhotoForm(),
            "statuses": StatusForm.base_fields["status"].choices,
        },
    )


def _sku_of(request, pk: int, sku_id) -> Sku:
    product = queries.seller_product(_merchants(request.user), pk)
    sku = next((s for s in product.skus.all() if s.pk == sku_id), None)
    if sku is None:
        raise NotAllowed(_("This SKU is not one of your products."))
    return sku


def _done(request, pk: int, call, success: str):
    try:
        call()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("catalog:manage_product", pk=pk)


@login_required
@require_POST
def stock(request, pk: int):
    form = StockForm(request.POST, sites=stock_sites())
    if not form.is_valid():
        messages.error(request, _("Choose a site and give a whole number."))
        return redirect("catalog:manage_product", pk=pk)
    sku = _sku_of(request, pk, form.cleaned_data["sku"])
    site = Site.objects.get(pk=form.cleaned_data["site"])
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
def price(request, pk: int):
    form = PriceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A price is an amount in yuan."))
        return redirect("catalog:manage_product", pk=pk)
    sku = _sku_of(request, pk, form.cleaned_data["sku"])
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
def status(request, pk: int):
    product = queries.seller_product(_merchants(request.user), pk)
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


@login_required
@require_POST
def photo(request, pk: int):
    product = queries.seller_product(_merchants(request.user), pk)
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
