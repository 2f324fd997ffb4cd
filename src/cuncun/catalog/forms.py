"""The seller console's forms: they read what a person typed; the rules are in services.py."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.catalog.models import Category, ProductStatus, Unit
from cuncun.regions.models import Level, RegionUnit


class OriginChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} {obj.name}" if obj.level == Level.VILLAGE else obj.name


class ProductEditForm(forms.Form):
    """What a product is: its name, category, description and the village it comes from."""

    name = forms.CharField(label=pgettext_lazy("product", "Name"), max_length=100)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(parent__isnull=False)
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    origin = OriginChoiceField(
        label=_("Origin (township or village)"),
        required=False,
        queryset=RegionUnit.objects.filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
        .select_related("parent")
        .order_by("path"),
    )


class SkuForm(forms.Form):
    """One way to buy a product: unit, price, variant, grade, weight and an optional code."""

    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    price = forms.DecimalField(label=_("Price (yuan)"), min_value=0, decimal_places=2)
    variant = forms.CharField(label=_("Variant"), max_length=60, required=False)
    grade = forms.CharField(label=_("Grade"), max_length=20, required=False)
    net_weight_kg = forms.DecimalField(label=_("Net weight (kg)"), required=False, decimal_places=3)
    code = forms.CharField(
        label=_("SKU code (optional)"), max_length=40, required=False, help_text=_("e.g. PE-357")
    )


class ProductForm(ProductEditForm, SkuForm):
    """A new product with its first SKU and, optionally, one season."""

    merchant = forms.TypedChoiceField(label=_("Merchant"), coerce=int)
    season_from = forms.IntegerField(label=_("In season from (MMDD)"), required=False)
    season_to = forms.IntegerField(label=_("to (MMDD)"), required=False)
    field_order = ["merchant", "name", "category", "origin", "description"]

    def __init__(self, *args, merchants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].choices = [(m.pk, m.name) for m in merchants]
        self.fields.pop("code")  # the first SKU gets its code from the product


# "0501-0831": from 1 May to 31 August; several windows separated by commas or spaces.
SEASON_WINDOW = re.compile(r"(\d{3,4})\s*(?:-|–|—|~|至|到)\s*(\d{3,4})")
SEASON_SEPARATORS = re.compile(r"[\s,，;；、]+")


class SeasonsForm(forms.Form):
    windows = forms.CharField(
        label=_("In season (MMDD-MMDD)"),
        required=False,
        max_length=200,
        help_text=_("e.g. 0501-0831, 1101-0228; leave empty if it sells all year."),
    )

    def clean_windows(self) -> list[tuple[int, int]]:
        text = self.cleaned_data["windows"].strip()
        windows = []
        for part in SEASON_SEPARATORS.split(SEASON_WINDOW.sub(r"\1-\2", text)):
            if not part:
                continue
            match = re.fullmatch(r"(\d{3,4})-(\d{3,4})", part)
            if match is None:
                raise ValidationError(
                    _("“%(part)s” is not a season; write it as 0501-0831."),
                    params={"part": part},
                )
            windows.append((int(match[1]), int(match[2])))
        return windows


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


class LowStockForm(forms.Form):
    sku = forms.IntegerField(widget=forms.HiddenInput)
    level = forms.IntegerField(label=_("Warn at"), min_value=0, required=False)


class OnSaleForm(forms.Form):
    sku = forms.IntegerField(widget=forms.HiddenInput)
    on_sale = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ProductStatus.choices)


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo"))
