from django import forms
from django.utils.translation import gettext_lazy as _

from cuncun.merchants.models import MerchantKind, Platform


class MerchantForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=MerchantKind.choices)
    region = forms.TypedChoiceField(label=_("Division"), coerce=int)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    id_number = forms.CharField(
        label=_("Resident ID number (individuals only)"), max_length=18, required=False
    )
    is_poverty_registered = forms.BooleanField(
        label=_("Poverty-registered household"), required=False
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            (r.pk, f"{r.parent.name if r.parent_id else ''}{r.name}") for r in regions
        ]


class PlatformShopForm(forms.Form):
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    shop_id = forms.CharField(label=_("Shop id"), max_length=64)
    url = forms.URLField(label=_("Shop URL"), required=False, assume_scheme="https")
