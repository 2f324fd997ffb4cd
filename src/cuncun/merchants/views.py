"""The register of merchants: a list with flags and counts for the county's reports, a merchant's
page (contacts masked), registering and editing one, stopping or resuming it, and recording or
removing its outside shops. Thin: the rules are in services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cuncun.core.errors import DomainError, NotAllowed
from cuncun.core.pages import carry_out
from cuncun.merchants import queries, services
from cuncun.merchants.forms import (
    ActiveForm,
    MerchantForm,
    PlatformShopForm,
    SupportRequestForm,
    TenancyForm,
    TenantServiceForm,
)
from cuncun.merchants.models import (
    MerchantKind,
    MerchantPlatformShop,
    Tenancy,
    TenancyStage,
    TenantServiceKind,
)
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


@require_http_methods(["GET", "POST"])
def merchant_page(request, pk: int):
    """The merchant's page; its contact phone masked, opened in full by a POST (audited)."""
    merchant = queries.visible_merchant(request.user, pk)
    user = request.user
    revealed = {}
    if request.method == "POST":
        carry_out(
            request,
            lambda: revealed.update(
                phone=services.reveal_contact_phone(actor=user, merchant=merchant)
            ),
        )
    return render(
        request,
        "merchants/merchant.html",
        {
            "merchant": merchant,
            "revealed_phone": revealed.get("phone", ""),
            "sees_contact": services.sees_contact(user, merchant),
            "may_edit": user.is_authenticated and bool(services.editable_fields(user, merchant)),
            "may_record_shops": services.may_record_shops(user, merchant),
            "manages": services.may_manage_merchants_in(user, merchant.region),
            "sees_owner": services.sees_owner(user),
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


def _details(form: MerchantForm, regions) -> dict:
    """What the form says, as the services take it: the division as a region unit."""
    d = dict(form.cleaned_data)
    if "region" in d:
        d["region"] = next(r for r in regions if r.pk == d["region"])
    return d


@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.region_id is None or not services.may_manage_merchants_in(
        request.user, request.user.region
    ):
        raise NotAllowed(_("Your role may not register merchants."))
    regions = list(_regions(request.user))
    form = MerchantForm(
        request.POST or None,
        regions=regions,
        fields=services.registration_fields(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            merchant = services.register_merchant(
                actor=request.user,
                details=services.MerchantDetails(**_details(form, regions)),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("%s is registered.") % merchant.name)
            return redirect("merchants:merchant", pk=merchant.pk)
    return render(request, "merchants/register.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    merchant = queries.visible_merchant(request.user, pk)
    fields = services.editable_fields(request.user, merchant)
    if not fields:
        raise NotAllowed(_("You may not change this merchant."))
    regions = list(_regions(request.user))
    initial = {name: getattr(merchant, name) for name in fields}
    # Personal numbers are never shown in full here: typed anew to change them.
    kept = {"id_number": merchant.masked_id_number, "contact_phone": merchant.masked_phone}
    initial.update(
        region=merchant.region_id,
        owner=merchant.owner.username if merchant.owner_id else "",
        **dict.fromkeys(kept, ""),
    )
    form = MerchantForm(request.POST or None, regions=regions, fields=fields, initial=initial)
    for name, masked in kept.items():
        if masked and name in form.fields:
            form.fields[name].help_text = _("Now %(masked)s; leave empty to keep it.") % {
                "masked": masked
            }
    if request.method == "POST" and form.is_valid():
        changes = _details(form, regions)
        for name in kept:
            if not changes.get(name):
                changes.pop(name, None)
        try:
            services.update_merchant(actor=request.user, merchant=merchant, changes=changes)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("merchants:merchant", pk=pk)
    return render(request, "merchants/edit.html", {"form": form, "merchant": merchant})


def _done(request, pk: int, call, success: str):
    carry_out(request, call, success)
    return redirect("merchants:merchant", pk=pk)


@login_required
@require_POST
def set_active(request, pk: int):
    merchant = queries.visible_merchant(request.user, pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        return redirect("merchants:merchant", pk=pk)
    active = form.cleaned_data["active"]
    return _done(
        request,
        pk,
        lambda: services.set_merchant_active(
            actor=request.user, merchant=merchant, active=active, reason=form.cleaned_data["reason"]
        ),
        _("%s sells on the market again.") % merchant.name
        if active
        else _("%s is stopped: its products left the market.") % merchant.name,
    )


@login_required
@require_POST
def add_shop(request, pk: int):
    merchant = queries.visible_merchant(request.user, pk)
    form = PlatformShopForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the platform, the shop id and a valid web address."))
        return redirect("merchants:merchant", pk=pk)
    return _done(
        request,
        pk,
        lambda: services.add_platform_shop(
            actor=request.user, merchant=merchant, **form.cleaned_data
        ),
        _("Shop recorded."),
    )


@login_required
@require_POST
def remove_shop(request, pk: int, shop_pk: int):
    merchant = queries.visible_merchant(request.user, pk)
    shop = get_object_or_404(MerchantPlatformShop, pk=shop_pk, merchant=merchant)
    return _done(
        request,
        pk,
        lambda: services.remove_platform_shop(actor=request.user, shop=shop),
        _("Shop removed."),
    )


# --- the incubation center's and the parks' tenants -------------------------------------------


@login_required
def tenancies(request):
    """Staff see the tenants, their lease and stage and the services delivered; the county office
    and the public service center record them."""
    if request.user.region_id is None and not request.user.is_superuser:
        raise NotAllowed()
    keeper = services.may_keep_tenancies(request.user)
    if request.method == "POST" and keeper:
        _tenancy_post(request, TenancyForm, TenantServiceForm)
        return redirect("merchants:tenancies")
    totals = queries.tenant_service_totals()
    return render(
        request,
        "merchants/tenancies.html",
        {
            "tenancies": queries.incubator_tenancies(),
            "totals": [(label, totals.get(code, 0)) for code, label in TenantServiceKind.choices],
            "keeper": keeper,
            "tenancy_form": TenancyForm(),
            "service_form": TenantServiceForm(),
            "stages": [(TenancyStage.GRADUATED, _("graduated")), (TenancyStage.LEFT, _("left"))],
            "support_form": SupportRequestForm(),
            "support_requests": queries.support_requests()[:50],
        },
    )


def _tenancy_post(request, tenancy_form, service_form):
    action = request.POST.get("action")
    if action == "support":
        _support_post(request)
        return
    if action == "stage":
        tenancy = Tenancy.objects.filter(pk=request.POST.get("tenancy")).first()
        if tenancy is not None:
            carry_out(
                request,
                lambda: services.change_tenancy_stage(
                    actor=request.user,
                    tenancy=tenancy,
                    stage=request.POST.get("stage", ""),
                    on=timezone.localdate(),
                ),
                _("Recorded."),
            )
        return
    form = (tenancy_form if action == "tenancy" else service_form)(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form: %s") % form.errors.as_text())
        return
    data = form.cleaned_data
    record = services.record_tenancy if action == "tenancy" else services.record_tenant_service
    carry_out(request, lambda: record(actor=request.user, **data), _("Recorded."))


def _support_post(request):
    form = SupportRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form: %s") % form.errors.as_text())
        return
    carry_out(
        request,
        lambda: services.request_park_support(actor=request.user, **form.cleaned_data),
        _("Request filed: the special fund's proposers will take it into the budget or answer."),
    )
