"""Forms of the training pages. They only shape input: every rule is in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.regions.models import Level, RegionUnit
from cuncun.training.models import Course, CourseKind, FundingSource, TraineeCategory
from cuncun.training.roster import ETHNIC_GROUPS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def township_choices(county: RegionUnit) -> list[tuple[int, str]]:
    townships = RegionUnit.objects.within(county).townships().order_by("path")
    return [(county.pk, _("county-wide") + f" ({county.name})")] + [
        (t.pk, t.name) for t in townships
    ]


def village_choices(county: RegionUnit) -> list:
    """Villages grouped by township, for a <select> with optgroups; a township unit without
    villages (a state farm) is its own choice."""
    units = (
        RegionUnit.objects.within(county)
        .exclude(level=Level.COUNTY)
        .order_by("path")
        .values_list("pk", "name", "level", "parent_id")
    )
    groups: dict[int, tuple[str, list]] = {}
    for pk, name, level, parent_id in units:
        if level == Level.TOWNSHIP:
            groups[pk] = (name, [])
        else:
            groups[parent_id][1].append((pk, name))
    choices: list = [("", _("— choose your village —"))]
    for township_pk, (name, villages) in groups.items():
        choices.append((name, villages or [(township_pk, name)]))
    return choices


class CourseForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=32, help_text=_("e.g. awareness-basic"))
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.order_by("code"))
    code = forms.CharField(
        label=_("Session code"),
        max_length=32,
        required=False,
        help_text=_("Leave empty for the next number of the year, e.g. 2017-004."),
    )
    title = forms.CharField(
        label=pgettext_lazy("training", "Title"), max_length=150, required=False
    )
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=150)
    region = forms.TypedChoiceField(label=_("Township"), coerce=int)
    trainer = forms.CharField(label=_("Trainer"), max_length=100, required=False)
    institution = forms.CharField(label=_("Training institution"), max_length=150, required=False)
    funding_source = forms.ChoiceField(label=_("Funding source"), choices=FundingSource.choices)
    cost = forms.DecimalField(label=_("Cost (yuan)"), min_value=0, decimal_places=2, initial=0)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, required=False)
    certificate_min_days = forms.IntegerField(
        label=_("Days needed for a certificate"),
        min_value=1,
        required=False,
        help_text=_("Empty: every day of the session."),
    )

    def __init__(self, *args, county: RegionUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = township_choices(county)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster (.xlsx)"),
        help_text=_(
            "Columns: 姓名, 身份证号, 性别, 民族, 联系电话, 乡镇, 村委会, 人员类别, 培训日期. "
            "A title row above the header is fine."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    good_rows_only = forms.BooleanField(
        label=_("If some rows are bad, import the good rows anyway"), required=False
    )


class AttendanceForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    day = forms.DateField(label=_("Day"), widget=DATE)


class CheckInForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    name = forms.CharField(label=_("Full name"), max_length=50)


class RegistrationForm(forms.Form):
    """Asked only of someone checking in for the first time."""

    village = forms.TypedChoiceField(label=_("Village"), coerce=int)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    ethnicity = forms.ChoiceField(
        label=_("Ethnicity"), choices=[("", "—"), *[(g, g) for g in ETHNIC_GROUPS]], required=False
    )
    categories = forms.MultipleChoiceField(
        label=_("I am"),
        choices=[c for c in TraineeCategory.choices if c[0] in TraineeCategory.STORED],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, county: RegionUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = village_choices(county)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
