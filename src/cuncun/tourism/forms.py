from django import forms
from django.utils.translation import gettext_lazy as _

from cuncun.orders.payments import PROVIDERS

# A homestay's guest pays cash to the host, not at a service point.
PAYMENT_LABELS = {"offline": _("cash to the host on arrival")}


class BookingForm(forms.Form):
    room = forms.TypedChoiceField(label=_("Room"), coerce=int)
    arrival = forms.DateField(label=_("Arrival"), widget=forms.DateInput(attrs={"type": "date"}))
    nights = forms.IntegerField(label=_("Nights"), min_value=1, max_value=30, initial=1)
    guest_name = forms.CharField(label=_("Guest's name"), max_length=50)
    guest_phone = forms.CharField(label=_("Mobile number"), max_length=20)
    provider = forms.ChoiceField(label=_("Pay by"))

    def __init__(self, *args, rooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [(r.pk, f"{r.name} · ¥{r.price}") for r in rooms]
        self.fields["provider"].choices = [
            (code, PAYMENT_LABELS.get(code, p.name)) for code, p in PROVIDERS.items()
        ]
