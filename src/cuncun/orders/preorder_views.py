"""The pre-order pages: a buyer books (then pays as at checkout); the merchant confirms the
harvest. Thin: every rule is in orders.preorders."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cuncun.catalog.services import stocking_sites
from cuncun.core.errors import DomainError
from cuncun.merchants.services import may_sell_for
from cuncun.orders import queries
from cuncun.orders.forms import CheckoutForm
from cuncun.orders.models import Fulfilment, PreorderOffer, PreorderStatus
from cuncun.orders.preorders import book_preorder, confirm_harvest
from cuncun.orders.services import CheckoutRequest
from cuncun.orders.views import _pay


class BookingForm(CheckoutForm):
    quantity = forms.IntegerField(label=gettext_lazy("Units"), min_value=1, initial=1)


class HarvestForm(forms.Form):
    quantity = forms.IntegerField(label=gettext_lazy("Units harvested"), min_value=0)
    grade = forms.CharField(label=gettext_lazy("Grade"), max_length=20, required=False)
    site = forms.TypedChoiceField(label=gettext_lazy("Where they are"), coerce=int)

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, s.name) for s in sites]


def _offer(pk: int) -> PreorderOffer:
    return get_object_or_404(
        PreorderOffer.objects.select_related("sku__product__merchant", "merchant"), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def preorder(request, pk: int):
    offer = _offer(pk)
    points = queries.pickup_points([offer.sku_id])
    initial = {
        "idempotency_key": uuid.uuid4().hex,
        "fulfilment": Fulfilment.PICKUP,
        "payment_provider": "offline",
        "recipient_phone": request.user.phone,
        "recipient_name": request.user.display_name,
    }
    form = BookingForm(request.POST or None, points=points, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            booked = book_preorder(
                actor=request.user,
                offer=offer,
                quantity=d["quantity"],
                request=CheckoutRequest(
                    **form.delivery(),
                ),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            return _pay(request, booked.order.checkout)
    harvest = None
    if may_sell_for(request.user, offer.merchant) and offer.status == PreorderStatus.OPEN:
        harvest = HarvestForm(sites=stocking_sites(request.user, offer.merchant))
    return render(
        request,
        "orders/preorder.html",
        {"offer": offer, "form": form, "harvest": harvest, "bookings": _bookings(offer, request)},
    )


def _bookings(offer, request):
    if not may_sell_for(request.user, offer.merchant):
        return []
    return offer.preorders.select_related("order__checkout").order_by("pk")


@login_required
@require_http_methods(["POST"])
def harvest(request, pk: int):
    offer = _offer(pk)
    form = HarvestForm(request.POST, sites=stocking_sites(request.user, offer.merchant))
    if not form.is_valid():
        messages.error(request, _("Give the units harvested, their grade and where they are."))
        return redirect("orders:preorder", pk=pk)
    d = form.cleaned_data
    site = stocking_sites(request.user, offer.merchant).get(pk=d["site"])
    try:
        counts = confirm_harvest(
            actor=request.user, offer=offer, quantity=d["quantity"], grade=d["grade"], site=site
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(filled)d bookings filled, %(refunded)d refunded, %(cancelled)d never paid.")
            % counts,
        )
    return redirect("orders:preorder", pk=pk)
