from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cuncun.network.models import ACCEPTANCE_ITEMS, Carrier, PickupMode, SiteKind, SiteService
from cuncun.network.spreadsheet import MAX_REGISTER_ROWS
from cuncun.regions.models import Kind, RegionUnit


def date_input():
    # A phone's date picker needs ISO dates, whatever the language's date format.
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ApplicationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SiteKind.choices)
    region = forms.TypedChoiceField(label=_("Township or village"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200)
    host = forms.CharField(label=_("Hosted in"), max_length=100, required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=100, required=False)
    services = forms.MultipleChoiceField(
        label=_("Services"),
        choices=SiteService.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    floor_area = forms.DecimalField(label=_("Floor area (m²)"), min_value=0, required=False)
    operator_name = forms.CharField(label=_("Operator"), max_length=50, required=False)
    operator_phone = forms.CharField(label=_("Operator's mobile"), max_length=20, required=False)
    applied_on = forms.DateField(
        label=_("Applied on"),
        initial=timezone.localdate,
        widget=date_input(),
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions


class TransitionForm(forms.Form):
    to_status = forms.CharField(widget=forms.HiddenInput)
    effective_on = forms.DateField(
        label=_("Effective on"),
        initial=timezone.localdate,
        widget=date_input(),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcceptanceForm(forms.Form):
    checked_on = forms.DateField(
        label=_("Checked on"),
        initial=timezone.localdate,
        widget=date_input(),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = forms.FileField(
        label=_("Photos"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in ACCEPTANCE_ITEMS:
            self.fields[f"item_{key}"] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"item_{key}")) for key, _label in ACCEPTANCE_ITEMS}


class ProfileForm(forms.Form):
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=100, required=False)
    public_phone = forms.CharField(
        label=_("Contact number to publish"),
        max_length=20,
        required=False,
        help_text=_("Shown in full on the point's public page and door sign."),
    )
    services = forms.MultipleChoiceField(
        label=_("Services"),
        choices=SiteService.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ManagerProfileForm(ProfileForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200)
    pickup_mode = forms.ChoiceField(label=_("Pickup"), choices=PickupMode.choices)
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6
    )
    handling_minutes = forms.IntegerField(
        label=_("Handling time per delivery (minutes)"),
        required=False,
        help_text=_("Route planning keeps the van this long here; empty: estimated from parcels."),
    )


class FeeForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"), choices=SiteService.choices)
    amount = forms.DecimalField(label=_("Fee (yuan)"), decimal_places=2, max_digits=8)
    per = forms.CharField(label=_("Per"), max_length=20, initial="件")


class CommissionForm(forms.Form):
    percent = forms.DecimalField(
        label=_("Commission (%)"), min_value=0, max_value=100, decimal_places=2, max_digits=5
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class LedgerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=SiteService.choices)
    day = forms.DateField(label=_("Day"), initial=timezone.localdate, widget=date_input())
    category = forms.CharField(label=_("Goods category"), max_length=50, required=False)
    quantity = forms.IntegerField(label=_("Orders / items"), initial=1)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), decimal_places=2, max_digits=12, initial=0
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CarrierServiceForm(forms.Form):
    carrier = forms.ModelChoiceField(
        label=_("Carrier"), queryset=Carrier.objects.filter(is_active=True)
    )
    township = forms.ModelChoiceField(
        label=_("Township"),
        required=False,
        queryset=RegionUnit.objects.townships().filter(kind__in=Kind.WITH_VILLAGES),
    )
    site = forms.CharField(
        label=_("or township station / village point (site code)"), required=False
    )
    since = forms.DateField(label=_("Since"), initial=timezone.localdate, widget=date_input())


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    good_rows_only = forms.BooleanField(
        label=_("Import the good rows and skip the bad ones"), required=False
    )
    update_existing = forms.BooleanField(
        label=_(
            "A row without a code that names a registered site (same village, kind and name) "
            "updates that site"
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext("At most %(n)d rows; split a larger register.") % {
            "n": MAX_REGISTER_ROWS
        }
