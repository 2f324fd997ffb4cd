"""Forms of the fund's pages. They only shape input: every rule is in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.funds.models import FundSource
from cuncun.funds.rules import category_name, plan_categories
from cuncun.funds.services import ProjectDraft
from cuncun.merchants.models import Merchant
from cuncun.network.models import Site
from cuncun.plans.queries import fund_rules

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


def _owner_choices(plan) -> list:
    """Owners picked by name, in three groups: the plan's units, the county's businesses, sites."""
    return [
        ("", _("— choose the owner —")),
        (
            pgettext_lazy("member unit", "Units"),
            [(f"unit:{u.pk}", u.name) for u in plan.member_units.order_by("id")],
        ),
        (
            _("Businesses"),
            [(f"merchant:{m.pk}", m.name) for m in Merchant.objects.order_by("name")[:500]],
        ),
        (_("Sites"), [(f"site:{s.pk}", s.name) for s in Site.objects.order_by("name")[:500]]),
    ]


def _site_choices() -> list:
    return [("", _("— none —"))] + [
        (s.pk, f"{s.name}（{s.code}）") for s in Site.objects.order_by("name")[:500]
    ]


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("Project"), max_length=200)
    category = forms.ChoiceField(label=_("Fund category"))
    owner = forms.ChoiceField(label=_("Owner"))
    site = forms.TypedChoiceField(label=_("Site"), coerce=int, required=False, empty_value=None)
    total_investment = forms.DecimalField(label=_("Total investment (yuan)"), **MONEY)
    support = forms.DecimalField(label=_("Fund support (yuan)"), **MONEY)
    source = forms.ChoiceField(label=_("Source"), choices=FundSource.choices)
    use = forms.CharField(label=_("Use of the support"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["category"].choices = [
            (key, category_name(key)) for key in plan_categories(fund_rules(plan))
        ]
        self.fields["owner"].choices = _owner_choices(plan)
        self.fields["site"].choices = _site_choices()

    @staticmethod
    def initial_for(project) -> dict:
        owner = (
            f"unit:{project.owner_unit_id}"
            if project.owner_unit_id
            else f"merchant:{project.owner_merchant_id}"
            if project.owner_merchant_id
            else f"site:{project.owner_site_id}"
        )
        fields = ["name", "category", "total_investment", "support", "source", "use"]
        return {name: getattr(project, name) for name in fields} | {
            "owner": owner,
            "site": project.site_id,
        }

    def draft(self) -> ProjectDraft:
        data = self.cleaned_data
        kind, _sep, pk = data["owner"].partition(":")
        owners = {
            "unit": ("owner_unit", self.plan.member_units),
            "merchant": ("owner_merchant", Merchant.objects),
            "site": ("owner_site", Site.objects),
        }
        field, rows = owners[kind]
        return ProjectDraft(
            name=data["name"],
            category=data["category"],
            total_investment=data["total_investment"],
            support=data["support"],
            source=data["source"],
            use=data["use"],
            site=Site.objects.filter(pk=data["site"]).first() if data["site"] else None,
            **{field: rows.filter(pk=pk).first()},
        )


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))


class DisbursementForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), **MONEY)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}))


class AmendForm(DisbursementForm):
    reason = forms.CharField(label=_("Why it is amended"), max_length=500)


class PaymentForm(forms.Form):
    voucher_number = forms.CharField(label=_("Voucher number"), max_length=50)
    paid_on = forms.DateField(label=pgettext_lazy("fund payment", "Paid on"), widget=DATE)
    attachment = forms.FileField(label=_("Payment evidence (bank slip, voucher scan)"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class BudgetFileForm(forms.Form):
    file = forms.FileField(label=_("Budget file (.xlsx)"))
