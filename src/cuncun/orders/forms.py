from django import forms
from django.utils.translation import gettext_lazy as _

from cuncun.core.money import to_money
from cuncun.orders.models import Fulfilment
from cuncun.orders.payments import provider_choices
from cuncun.promotions.models import VoucherKind
from cuncun.regions.models import Level


class CheckoutForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    fulfilment = forms.ChoiceField(
        label=_("How do you get it?"), choices=Fulfilment.choices, widget=forms.RadioSelect
    )
    pickup_site = forms.TypedChoiceField(
        label=_("Pickup point"), coerce=int, required=False, empty_value=None
    )
    recipient_name = forms.CharField(label=_("Recipient"), max_length=50, required=False)
    recipient_phone = forms.CharField(
        label=_("Recipient's mobile phone"), max_length=20, required=False
    )
    address = forms.CharField(label=_("Delivery address"), max_length=200, required=False)
    payment_provider = forms.ChoiceField(
        label=_("Payment"), choices=provider_choices, widget=forms.RadioSelect
    )
    vouchers = forms.TypedMultipleChoiceField(
        label=_("Vouchers"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, points=(), vouchers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vouchers"].choices = [(v.pk, voucher_label(v)) for v in vouchers]
        self.fields["pickup_site"].choices = [("", _("— choose a pickup point —"))] + [
            (township, [(p.pk, point_label(p)) for p in in_township])
            for township, in_township in points_by_township(points).items()
        ]

    def delivery(self) -> dict:
        """How the goods reach the buyer, as `CheckoutRequest` takes it: the point only for a
        pickup, the address only for a delivery."""
        d = self.cleaned_data
        pickup = d["fulfilment"] == Fulfilment.PICKUP
        return {
            "fulfilment": d["fulfilment"],
            "payment_provider": d["payment_provider"],
            "pickup_site_id": d["pickup_site"] if pickup else None,
            "recipient_name": d["recipient_name"],
            "recipient_phone": d["recipient_phone"],
            "address": d["address"] if d["fulfilment"] == Fulfilment.DELIVERY else "",
        }


def points_by_township(points) -> dict[str, list]:
    """The points under the name of their township (a county-level site under the county's),
    in the order given, so that a buyer finds theirs by township, then village."""
    groups: dict[str, list] = {}
    for point in points:
        township = point.region.parent if point.region.level == Level.VILLAGE else point.region
        groups.setdefault(township.name, []).append(point)
    return groups


def point_label(point) -> str:
    """曼达村服务点（曼达村委会） and, when it charges one, its fee for handing an order over."""
    label = f"{point.name}（{point.region.name}）"
    fee = getattr(point, "service_fee", None)
    if not fee:
        return label
    return _("%(point)s · pickup fee ¥%(fee)s") % {"point": label, "fee": to_money(fee)}


def voucher_label(batch) -> str:
    """满100减20 · 刘家茶园: what it takes off, on what, and who pays it."""
    if batch.kind == VoucherKind.THRESHOLD:
        terms = _("¥%(amount)s off from ¥%(threshold)s") % {
            "amount": batch.amount,
            "threshold": batch.threshold,
        }
    elif batch.kind == VoucherKind.FREE_PICKUP:
        terms = _("pays the point's pickup fee, up to ¥%s an order") % batch.amount
    else:
        terms = _("¥%s off") % batch.amount
    where = batch.merchant.name if batch.merchant_id else _("any shop, paid by the program")
    on_goods = batch.kind in VoucherKind.MONEY_OFF
    festival = "" if batch.with_festival_prices or not on_goods else _(", not on festival prices")
    return f"{batch.name}（{terms} · {where}{festival}）"


class ShipForm(forms.Form):
    carrier = forms.CharField(required=False, max_length=16)
    tracking_number = forms.CharField(required=False, max_length=40)


class VillagerForm(forms.Form):
    """A villager the point buys for: no account, just who they are and where they live."""

    name = forms.CharField(label=_("Villager's name"), max_length=50)
    phone = forms.CharField(label=_("Villager's mobile phone"), max_length=20, required=False)
    village = forms.ModelChoiceField(label=_("Village"), queryset=None, empty_label=None)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
