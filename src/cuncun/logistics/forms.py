from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.logistics.models import ConsentBasis, EventKind
from cuncun.logistics.services import MAX_VAN_PARCELS, MAX_VANS
from cuncun.network.models import Carrier


class ScanAction:
    """What a scan at a hub or point means."""

    ARRIVED = EventKind.ARRIVED_HUB
    DEPARTED = EventKind.DEPARTED_HUB
    OUT_FOR_DELIVERY = EventKind.OUT_FOR_DELIVERY
    FAILED = EventKind.FAILED_ATTEMPT
    EXCEPTION = EventKind.EXCEPTION
    CHECK_IN = "check_in"  # at a point: onto the shelf, code sent to the recipient

    choices = [
        (CHECK_IN, _("check in for pickup (onto the shelf)")),
        (ARRIVED, _("arrived at this hub")),
        (DEPARTED, _("departed this hub")),
        (OUT_FOR_DELIVERY, _("out for delivery")),
        (FAILED, _("failed delivery attempt")),
        (EXCEPTION, _("exception (damaged, address unknown …)")),
    ]


class ScanForm(forms.Form):
    site = forms.ChoiceField(label=_("Where"))
    action = forms.ChoiceField(label=_("Scan"), choices=ScanAction.choices)
    carrier = forms.ModelChoiceField(
        label=_("Carrier"),
        queryset=Carrier.objects.filter(is_active=True),
        required=False,
        empty_label=_("(find by waybill)"),
    )
    waybill = forms.CharField(label=_("Waybill number"), max_length=40)
    consent = forms.ChoiceField(
        label=_("Consent to leave it at the point"),
        choices=[("", "—"), *ConsentBasis.choices],
        required=False,
    )
    destination = forms.ChoiceField(
        label=_("Bound for (if the parcel is new here)"),
        required=False,
        help_text=_("The village point or station on the address label."),
    )
    name = forms.CharField(
        label=_("Recipient (if the parcel is new here)"), required=False, max_length=50
    )
    phone = forms.CharField(label=_("Recipient's mobile"), required=False, max_length=20)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, sites=(), destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sites, self.destinations = sites, destinations
        self.fields["site"].choices = [
            (str(s.pk), f"{s.name}（{s.get_kind_display()}）") for s in sites
        ]
        self.fields["destination"].choices = [("", "—")] + [
            (str(s.pk), f"{s.name}（{s.code}）") for s in destinations
        ]


class HandoverForm(forms.Form):
    waybill = forms.CharField(label=_("Waybill number"), max_length=40)
    code = forms.CharField(label=_("Pickup code"), max_length=12, required=False)
    id_number = forms.CharField(
        label=_("ID card number (instead of the code)"), max_length=18, required=False
    )
    id_name = forms.CharField(label=_("Name on the ID card"), max_length=50, required=False)
    proxy_name = forms.CharField(
        label=_("Collected by (if not the recipient)"), max_length=50, required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("apply", pgettext_lazy("flagged event", "Apply")),
            ("dismiss", pgettext_lazy("flagged event", "Dismiss")),
        ]
    )
    note = forms.CharField(label=pgettext_lazy("flagged event", "Why"), max_length=200)


class ManifestForm(forms.Form):
    hub = forms.ChoiceField(label=_("Arrived at"))
    file = forms.FileField(label=_("Manifest (CSV or Excel)"))
    good_rows_only = forms.BooleanField(
        label=_("Import the good rows, skip the bad ones"), required=False
    )

    def __init__(self, *args, hubs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hub"].choices = [(str(s.pk), s.name) for s in hubs]


class PlanForm(forms.Form):
    day = forms.DateField(
        label=_("Day"),
        # A date input takes ISO dates only, whatever the page's language.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # The service's bounds, so that the form refuses what it would.
    vehicles = forms.IntegerField(
        label=_("Vans available"), min_value=1, max_value=MAX_VANS, required=False
    )
    capacity = forms.IntegerField(
        label=_("Parcels per van"), min_value=1, max_value=MAX_VAN_PARCELS, initial=400
    )


class CarrierForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=16, help_text=_("As the carrier's own systems write it.")
    )
    name = forms.CharField(label=pgettext_lazy("carrier", "Name"), max_length=50)
