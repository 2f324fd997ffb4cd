"""The register of merchants: a list with flags and counts for the county's reports, a merchant's
page (contacts masked), registering one and recording its outside shops."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cuncun.core.errors import DomainError, NotAllowed
from cuncun.merchants import queries, services
from cuncun.merchants.forms import MerchantForm, PlatformShopForm
from cuncun.merchants.models import MerchantKind
from cuncun.regions.models import RegionUnit

FLAGS = [
    ("poverty", gettext_lazy("poverty-registered")),
    ("poor_village", gettext_lazy("in a poor village")),
    ("incubated", gettext_lazy("incubated")),
    ("park", gettext_lazy("park tenant")),
    ("platform", gettext_lazy("on outside platforms")),
]


def merchant_list(request):
    kind = request.GET.get("kind", "")
    flag = request.GET.get("flag", "")
    q = request.GET.get("q", "").strip()[:50]
    merchants = queries.merchant_list(request.user, kind=kind, q=q, flag=flag)
    staff = request.user.is_authenticated and request.user.region_id is not None
    return render(
        request,
        "merchants/list.html",
        {
            "merchants": merchants[:300],
            "kinds": MerchantKind.choices,
            "flags": [(code, str(label)) for code, label in FLAGS],
            "kind": kind,
            "flag": flag,
            "q": q,
            "summary": queries.summary(request.user) if staff else None,
            "may_register": request.user.is_authenticated
            and request.user.region_id is not None
            and services.may_manage_merchants_in(request.user, request.user.region),
        },
    )


def merchant_page(request, pk: int):
    merchant = queries.visible_merchant(request.user, pk)
    user = request.user
    sees_contact = user.is_authenticated and (
        user.manages_reference_data or services.may_sell_for(user, merchant)
    )
    return render(
        request,
        "merchants/merchant.html",
        {
            "merchant": merchant,
            "sees_contact": sees_contact,
            "may_edit": user.is_authenticated
            and (
                services.may_sell_for(user, merchant)
                or (user.region_id and services.may_manage_merchants_in(user, merchant.region))
            ),
            "shop_form": PlatformShopForm(),
        },
    )


def _regions(user):
    return (
        RegionUnit.objects.visible_to(user)
        .exclude(level="county")
        .select_related("parent")
        .order_by("path")
    )


@login_required
def register(request):
    if request.user.region_id is None or not services.may_manage_merchants_in(
        request.user, request.user.region
    ):
        raise NotAllowed(_("Your role may not register merchants."))
    regions = list(_regions(request.user))
    form = MerchantForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = next(r for r in regions if r.pk == d["region"])
        try:
            merchant = services.register_merchant(
                actor=request.user,
                details=services.MerchantDetails(
                    name=d["name"],
                    kind=d["kind"],
                    region=region,
                    address=d["address"],
                    contact_name=d["contact_name"],
                    contact_phone=d["contact_phone"],
                    id_number=d["id_number"],
                    is_poverty_registered=d["is_poverty_registered"],
                    description=d["description"],
                ),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("%s is registered.") % merchant.name)
            return redirect("merchants:merchant", pk=merchant.pk)
    return render(request, "merchants/register.html", {"form": form})


@login_required
@require_POST
def add_shop(request, pk: int):
    merchant = queries.visible_merchant(request.user, pk)
    form = PlatformShopForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the platform, the shop id and a valid web address."))
        return redirect("merchants:merchant", pk=pk)
    try:
        services.add_platform_shop(actor=request.user, merchant=merchant, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Shop recorded."))
    return redirect("merchants:merchant", pk=pk)
