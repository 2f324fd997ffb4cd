from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cuncun.regions.models import Level


class LoginForm(AuthenticationForm):
    """Django's login form; the lockout lives in authentication (accounts.lockout), so a wrong
    password, an unknown name, a closed and a locked account all read the same sentence."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name or password is wrong."),
    }


class AccountForm(forms.Form):
    """Who an account is and where it acts. The choices offered are the actor's; the services
    decide what is allowed (a role at the wrong level, another township's village)."""

    display_name = forms.CharField(
        label=pgettext_lazy("person", "Name"), max_length=50, required=False
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Role"))
    region = forms.ModelChoiceField(label=_("Area of responsibility"), queryset=None)

    def __init__(self, *args, roles, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["region"].queryset = regions
        self.fields["region"].label_from_instance = _region_label


class NewAccountForm(AccountForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(
        label=_("First password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Give it to the person; they should change it."),
    )
    field_order = ["username", "display_name", "phone", "role", "region", "password"]


class PasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)


def _region_label(unit) -> str:
    return f"{unit.parent.name} / {unit.name}" if unit.level == Level.VILLAGE else unit.name


class SignUpForm(forms.Form):
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    display_name = forms.CharField(
        label=pgettext_lazy("person", "Name"), max_length=50, required=False
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
