"""Forms of trace's pages: they read what a person typed; the services judge it."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.catalog.models import Product
from cuncun.regions.models import RegionUnit
from cuncun.trace.models import Certification, InputKind, ProductionBase, TestingStation
from cuncun.trace.services import CertificateBasis

DATE = forms.DateInput(attrs={"type": "date"})


class BaseForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    village = forms.ModelChoiceField(
        label=_("village"), queryset=RegionUnit.objects.filter(level="village").order_by("path")
    )
    area_mu = forms.DecimalField(label=_("area (mu)"), max_digits=9, decimal_places=2)
    latitude = forms.DecimalField(label=_("latitude"), max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("longitude"), max_digits=9, decimal_places=6)
    crops = forms.CharField(label=_("crops"), max_length=100)
    certification = forms.ChoiceField(label=_("certification"), choices=Certification.choices)
    certificate_number = forms.CharField(
        label=_("certificate number"), max_length=40, required=False
    )
    certified_until = forms.DateField(label=_("certified until"), required=False, widget=DATE)


class InputForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=InputKind.choices)
    product_name = forms.CharField(label=_("input product"), max_length=100)
    dose = forms.CharField(label=_("dose"), max_length=50)
    applied_on = forms.DateField(label=_("applied on"), widget=DATE)
    safe_interval_days = forms.IntegerField(
        label=_("safe interval (days)"), min_value=0, max_value=365, initial=0
    )


class BatchForm(forms.Form):
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.none())
    base = forms.ModelChoiceField(
        label=_("production base"), queryset=ProductionBase.objects.none()
    )
    harvested_on = forms.DateField(label=_("harvest date"), widget=DATE)
    quantity = forms.DecimalField(label=_("quantity"), max_digits=10, decimal_places=2)
    unit = forms.CharField(label=_("unit"), max_length=8, initial="斤")
    gtin = forms.CharField(label=_("GTIN (if the product has one)"), max_length=14, required=False)

    def __init__(self, *args, products, bases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        self.fields["base"].queryset = bases


class CertificateForm(forms.Form):
    basis = forms.MultipleChoiceField(
        label=_("based on"), choices=CertificateBasis.choices, widget=forms.CheckboxSelectMultiple
    )
    issuer = forms.CharField(label=_("issuer"), max_length=50)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20)


class InspectionForm(forms.Form):
    station = forms.ModelChoiceField(
        label=_("testing station"), queryset=TestingStation.objects.order_by("name")
    )
    item = forms.CharField(label=_("test item"), max_length=60)
    method = forms.CharField(label=_("method"), max_length=60, initial="酶抑制率法（速测卡）")
    value = forms.DecimalField(
        label=pgettext_lazy("inspection", "value"), max_digits=9, decimal_places=3
    )
    limit = forms.DecimalField(label=_("limit"), max_digits=9, decimal_places=3, initial=50)
    value_unit = forms.CharField(label=_("unit"), max_length=20, initial="%")
    inspector = forms.CharField(label=_("inspector"), max_length=50)
    inspected_on = forms.DateField(label=_("inspected on"), widget=DATE)
    photo = forms.FileField(label=_("photo of the strip"), required=False)


class RecallForm(forms.Form):
    lot = forms.CharField(label=_("lot"), max_length=20)
    reason = forms.CharField(label=_("why"), max_length=200)
