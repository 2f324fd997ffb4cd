from django import forms
from django.utils.translation import gettext_lazy as _

from cuncun.financing.models import Decision


def _date(label, **kwargs):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


class ApplicationForm(forms.Form):
    merchant = forms.TypedChoiceField(label=_("Business"), coerce=int)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=60)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, merchants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].choices = [(m.pk, m.name) for m in merchants]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    note = forms.CharField(
        label=_("Note to the applicant"), widget=forms.Textarea(attrs={"rows": 2})
    )
    # The bank's approval is its loan.
    principal = forms.DecimalField(
        label=_("Principal (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    annual_rate_percent = forms.DecimalField(
        label=_("Annual rate (%)"), max_digits=5, decimal_places=2, required=False
    )
    lent_on = _date(_("Lent on"), required=False)
    due_on = _date(_("Due on"), required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 3}))


class RepaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount repaid (yuan)"), max_digits=14, decimal_places=2)
    paid_on = _date(_("Repaid on"))
