"""Pages of 代售: the operator's intake with its printed receipt, each farmer's ledger with a
confirmed payout and its printed slip, and the monthly statement of a point (xlsx) for the
township and the county office. Thin: the rules are in orders.consignment."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cuncun.catalog.models import Sku
from cuncun.core import exports
from cuncun.core.errors import DomainError, NotAllowed, NotFound
from cuncun.core.pages import confirm_page
from cuncun.network.models import Site
from cuncun.orders import consignment
from cuncun.orders.models import ConsignmentIntake, FarmerEntry, FarmerEntryKind, PayoutMethod


class IntakeForm(forms.Form):
    farmer = forms.IntegerField(widget=forms.HiddenInput)
    sku = forms.TypedChoiceField(label=gettext_lazy("Produce"), coerce=int)
    quantity = forms.IntegerField(label=gettext_lazy("Quantity (weighed or counted)"), min_value=1)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class PayoutForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("Amount (yuan)"), decimal_places=2)
    method = forms.ChoiceField(
        label=gettext_lazy("Paid by"), choices=PayoutMethod.choices, widget=forms.RadioSelect
    )
    receipt_number = forms.CharField(
        label=gettext_lazy("Transaction number (for a transfer)"), max_length=40, required=False
    )
    key = forms.CharField(widget=forms.HiddenInput)


def _operated_site(request) -> Site:
    sites = list(Site.objects.operated_by(request.user).serving())
    if not sites:
        raise NotAllowed(_("You do not run a service point that is operating."))
    code = request.GET.get("site") or request.POST.get("site")
    return next((s for s in sites if s.code == code), sites[0])


def _skus_of(farmer):
    return Sku.objects.filter(product__merchant=farmer, is_active=True).select_related("product")


@login_required
def home(request):
    """The operator's 代售 page: the point's farmers with what it owes them, and the intake."""
    site = _operated_site(request)
    rate = consignment.rate_in_force(site)
    farmers = consignment.farmers_with_balances(site)
    return render(
        request,
        "orders/consign/home.html",
        {"site": site, "rate": rate, "farmers": farmers},
    )


@login_required
@require_http_methods(["GET", "POST"])
def receive(request, farmer: int):
    site = _operated_site(request)
    farmer = consignment.represented_farmer(site, farmer)
    form = IntakeForm(request.POST or None, initial={"farmer": farmer.pk})
    form.fields["sku"].choices = [
        (s.pk, f"{s} · ¥{s.price}/{s.unit_short}") for s in _skus_of(farmer)
    ]
    if request.method == "POST" and form.is_valid():
        sku = _skus_of(farmer).filter(pk=form.cleaned_data["sku"]).first()
        try:
            intake = consignment.receive_consignment(
                actor=request.user,
                site=site,
                farmer=farmer,
                sku=sku,
                quantity=form.cleaned_data["quantity"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Received: print the receipt for the farmer."))
            return redirect("orders:consign_receipt", pk=intake.pk)
    return render(
        request,
        "orders/consign/receive.html",
        {
            "site": site,
            "farmer": farmer,
            "form": form,
            "rate": consignment.rate_in_force(site),
            "intakes": consignment.intakes_of(farmer, site)[:5],
        },
    )


@login_required
def receipt(request, pk: int):
    sites = consignment.consignment_sites(request.user)
    intake = get_object_or_404(
        ConsignmentIntake.objects.select_related("site", "farmer", "sku__product", "received_by"),
        pk=pk,
        site__in=sites,
    )
    return render(request, "orders/consign/receipt.html", {"intake": intake})


@login_required
def farmer_ledger(request, farmer: int):
    site = _operated_site(request)
    farmer = consignment.represented_farmer(site, farmer)
    balance = consignment.balance_of(farmer, site)
    form = PayoutForm(
        initial={"amount": balance.payable, "method": PayoutMethod.CASH, "key": uuid.uuid4().hex}
    )
    return render(
        request,
        "orders/consign/farmer.html",
        {
            "site": site,
            "farmer": farmer,
            "balance": balance,
            "form": form,
            "entries": consignment.ledger_of(farmer, site)[:50],
            "rate": consignment.rate_in_force(site),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, farmer: int):
    """The payout form asks with GET: the page says what will happen; confirmed, it posts to
    this same address (with the same query) and pays, once however often it is sent."""
    site = _operated_site(request)
    farmer = consignment.represented_farmer(site, farmer)
    form = PayoutForm(request.GET)
    back = reverse("orders:consign_farmer", args=[farmer.pk]) + f"?site={site.code}"
    if not form.is_valid():
        messages.error(request, _("Check the amount and how it is paid."))
        return redirect(back)
    data = form.cleaned_data
    if request.method == "GET":
        return _payout_confirmation(request, site, farmer, data, back)
    try:
        entry = consignment.pay_farmer(
            actor=request.user,
            site=site,
            farmer=farmer,
            amount=data["amount"],
            method=data["method"],
            receipt_number=data["receipt_number"],
            idempotency_key=data["key"],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(back)
    messages.success(request, _("Paid: print the slip and have the farmer sign it."))
    return redirect("orders:consign_slip", pk=entry.pk)


def _payout_confirmation(request, site, farmer, data, back):
    method = dict(PayoutMethod.choices)[data["method"]]
    balance = consignment.balance_of(farmer, site)
    return confirm_page(
        request,
        title=_("Pay %(farmer)s %(amount)s yuan?")
        % {"farmer": farmer.name, "amount": data["amount"]},
        consequences=[
            _("You hand %(farmer)s %(amount)s yuan (%(method)s) from the point's money.")
            % {"farmer": farmer.name, "amount": data["amount"], "method": method},
            _("What the point owes them falls from %(before)s to %(after)s yuan.")
            % {"before": balance.payable, "after": balance.payable - data["amount"]},
            _("The payout stays in the ledger; a slip is printed for the farmer to sign."),
        ],
        button=_("Paid"),
        back=back,
    )


@login_required
def slip(request, pk: int):
    sites = consignment.consignment_sites(request.user)
    entry = get_object_or_404(
        FarmerEntry.objects.select_related("site", "farmer", "recorded_by"),
        pk=pk,
        kind=FarmerEntryKind.PAYOUT,
        site__in=sites,
    )
    owed_after = consignment.owed_after(entry)
    sales = (
        FarmerEntry.objects.filter(farmer=entry.farmer, site=entry.site, id__lt=entry.pk)
        .exclude(kind=FarmerEntryKind.PAYOUT)
        .select_related("order")
        .order_by("-id")[:20]
    )
    return render(
        request,
        "orders/consign/slip.html",
        {"entry": entry, "paid": -entry.amount, "owed_after": owed_after, "sales": sales},
    )


@login_required
def points(request):
    """The township's and the office's list of points with their statements."""
    sites = consignment.consignment_sites(request.user).filter(
        pk__in=FarmerEntry.objects.values("site_id")
    )
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    return render(request, "orders/consign/points.html", {"sites": sites, "month": month})


@login_required
def statement(request, code: str):
    site = consignment.visible_site(request.user, code)
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    try:
        rows = consignment.monthly_statement(site, month)
    except DomainError as error:
        raise NotFound(str(error.message)) from error
    header = [
        _("Farmer"),
        _("Units sold"),
        _("Sales (yuan)"),
        _("Refunded (yuan)"),
        _("Commission (yuan)"),
        _("Owed (yuan)"),
        _("Paid in cash (yuan)"),
        _("Paid by transfer (yuan)"),
        _("Owed at month end (yuan)"),
    ]
    body = [
        [
            r.farmer.name,
            r.units,
            r.sales,
            r.refunded,
            r.commission,
            r.owed,
            r.paid_cash,
            r.paid_transfer,
            r.balance,
        ]
        for r in rows
    ]
    return exports.xlsx_response(
        f"consignment-{site.code}-{month}.xlsx", {_("Consignment"): (header, body)}
    )
