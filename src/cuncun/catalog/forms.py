from django import forms
from django.utils.translation import gettext_lazy as _

from cuncun.catalog.models import Category, ProductStatus, Unit


class ProductForm(forms.Form):
    merchant = forms.TypedChoiceField(label=_("Merchant"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(parent__isnull=False)
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    price = forms.DecimalField(label=_("Price (yuan)"), min_value=0, decimal_places=2)
    variant = forms.CharField(label=_("Variant"), max_length=60, required=False)
    grade = forms.CharField(label=_("Grade"), max_length=20, required=False)
    net_weight_kg = forms.DecimalField(label=_("Net weight (kg)"), required=False, decimal_places=3)
    season_from = forms.IntegerField(label=_("In season from (MMDD)"), required=False)
    season_to = forms.IntegerField(label=_("to (MMDD)"), required=False)

    def __init__(self, *args, merchants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].choices = [(m.pk, m.name) for m in merchants]


class StockForm(forms.Form):
    sku = forms.IntegerField(widget=forms.HiddenInput)
    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    quantity = forms.IntegerField(label=_("Units on hand"), min_value=0)

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, s.name) for s in sites]


class PriceForm(forms.Form):
    sku = forms.IntegerField(widget=forms.HiddenInput)
    price = forms.DecimalField(label=_("Price (yuan)"), min_value=0, decimal_places=2)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ProductStatus.choices)


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo"))
