from django import forms
from django.contrib.auth.forms import AuthenticationForm

from cuncun.accounts.services import authenticate_with_lockout
from cuncun.core.errors import DomainError


class LoginForm(AuthenticationForm):
    """Django's login form, with the lockout rule of accounts.services."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = authenticate_with_lockout(
                    request=self.request, username=username, password=password
                )
            except DomainError as error:
                raise forms.ValidationError(str(error.message), code=error.code) from error
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
