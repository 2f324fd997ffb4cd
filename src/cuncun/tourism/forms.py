from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegistrationForm(forms.Form):
    """A host applies for the homestay's certification as an e-commerce homestay point."""

    merchant = forms.TypedChoiceField(label=_("Run by (your business)"), coerce=int)
    name = forms.CharField(label=_("Homestay's name"), max_length=100)
    region = forms.TypedChoiceField(label=_("Village"), coerce=int)
    address = forms.CharField(label=_("Address"), max_length=200)
    description = forms.CharField(
        label=_("About the homestay"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    house_rules = forms.CharField(
        label=_("House rules"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, merchants=(), villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].choices = [(m.pk, m.name) for m in merchants]
        self.fields["region"].choices = villages


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Room's name"), max_length=60)
    price = forms.DecimalField(
        label=_("Usual price a night (yuan)"), max_digits=10, decimal_places=2, min_value=0.01
    )
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=20, initial=1)
    guests = forms.IntegerField(label=_("Guests at most"), min_value=1, max_value=40, initial=2)
    is_open = forms.BooleanField(label=_("Open for booking"), required=False, initial=True)


class SeasonForm(forms.Form):
    name = forms.CharField(label=_("Season"), max_length=60, help_text=_("e.g. 泼水节"))
    starts_on = forms.DateField(label=pgettext_lazy("season", "From"), widget=DATE)
    ends_on = forms.DateField(label=_("To (included)"), widget=DATE)
    price = forms.DecimalField(
        label=_("Price a night (yuan)"), max_digits=10, decimal_places=2, min_value=0.01
    )


RULE_ROWS = 3


class RulesForm(forms.Form):
    """House rules and up to three cancellation rules (days before arrival → percent back)."""

    house_rules = forms.CharField(
        label=_("House rules"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(RULE_ROWS):
            self.fields[f"days_{i}"] = forms.IntegerField(
                label=_("Cancelled at least … days before"),
                min_value=0,
                max_value=365,
                required=False,
            )
            self.fields[f"percent_{i}"] = forms.IntegerField(
                label=_("… percent refunded"), min_value=0, max_value=100, required=False
            )

    def rule_rows(self):
        return [(self[f"days_{i}"], self[f"percent_{i}"]) for i in range(RULE_ROWS)]

    def rules(self) -> list[tuple[int, int]]:
        rows = [
            (self.cleaned_data.get(f"days_{i}"), self.cleaned_data.get(f"percent_{i}"))
            for i in range(RULE_ROWS)
        ]
        return [(d, p) for d, p in rows if d is not None and p is not None]


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo (JPEG, PNG or WebP, at most 5 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)
