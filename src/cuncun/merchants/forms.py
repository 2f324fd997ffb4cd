from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.accounts.models import User
from cuncun.merchants.models import (
    Merchant,
    MerchantKind,
    Platform,
    Tenancy,
    TenancyProgramme,
    TenancyStage,
    TenantServiceKind,
)
from cuncun.network.models import Site, SiteKind


class MerchantForm(forms.Form):
    """A merchant's details. `fields` says which the person may fill in (the services decide);
    the others are left out of the form."""

    name = forms.CharField(label=pgettext_lazy("business", "Name"), max_length=100)
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
    owner = forms.CharField(
        label=_("Owner's account (user name)"),
        max_length=150,
        required=False,
        help_text=_("Links the account that runs this shop; empty for a farmer without one."),
    )
    is_incubated = forms.BooleanField(label=_("Incubated"), required=False)
    incubated_since = forms.DateField(
        label=_("Incubated since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    is_park_tenant = forms.BooleanField(label=_("E-commerce park tenant"), required=False)

    def __init__(self, *args, regions=(), fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in set(self.fields) - set(fields):
            del self.fields[name]
        if "region" in self.fields:
            self.fields["region"].choices = [
                (r.pk, f"{r.parent.name if r.parent_id else ''}{r.name}") for r in regions
            ]

    def clean_owner(self):
        """The account named; whether it may own a shop is the services' to say."""
        username = self.cleaned_data["owner"].strip()
        if not username:
            return None
        owner = User.objects.filter(username=username).first()
        if owner is None:
            raise ValidationError(_("There is no account %(name)s."), params={"name": username})
        return owner


class PlatformShopForm(forms.Form):
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    shop_id = forms.CharField(label=_("Shop id"), max_length=64)
    url = forms.URLField(label=_("Shop URL"), required=False, assume_scheme="https")


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class TenancyForm(forms.Form):
    """A merchant moving into the incubation center or a park: both chosen by name."""

    site = forms.ModelChoiceField(label=_("Center or park"), queryset=None)
    merchant = forms.ModelChoiceField(label=_("Tenant"), queryset=None)
    programme = forms.ChoiceField(label=_("Programme"), choices=TenancyProgramme.choices)
    space = forms.CharField(label=_("Space"), max_length=60)
    lease_from = forms.DateField(
        label=_("Lease from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    lease_to = forms.DateField(label=_("Lease to"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(kind=SiteKind.INCUBATOR)
        self.fields["merchant"].queryset = Merchant.objects.filter(is_active=True)


class TenantServiceForm(forms.Form):
    tenancy = forms.ModelChoiceField(label=_("Tenant"), queryset=None)
    kind = forms.ChoiceField(label=_("Service"), choices=TenantServiceKind.choices)
    delivered_on = forms.DateField(
        label=_("Delivered on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenancy"].queryset = Tenancy.objects.filter(
            stage=TenancyStage.INCUBATING
        ).select_related("merchant", "site")


class SupportRequestForm(forms.Form):
    """The incubation center or a park asks the special fund for support."""

    site = forms.ModelChoiceField(label=_("Center or park"), queryset=None)
    purpose = forms.CharField(
        label=_("What the support is for"), widget=forms.Textarea(attrs={"rows": 3})
    )
    total_investment = forms.DecimalField(
        label=_("Total investment (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )
    amount = forms.DecimalField(
        label=_("Support asked for (yuan)"), max_digits=14, decimal_places=2, min_value=0.01
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(kind=SiteKind.INCUBATOR)
