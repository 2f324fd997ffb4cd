from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cuncun.accounts import queries, services
from cuncun.accounts.forms import AccountForm, LoginForm, NewAccountForm, PasswordForm, SignUpForm
from cuncun.accounts.models import Role
from cuncun.core.errors import DomainError
from cuncun.core.pages import carry_out, safe_next
from cuncun.core.ratelimit import client_address, count_attempt


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        count_attempt("login", client_address(request))
        return super().post(request, *args, **kwargs)


def sign_up(request):
    """A buyer's account, to order from the market; staff accounts are made by the office."""
    if request.user.is_authenticated:
        return redirect("accounts:me")
    if request.method == "POST":
        count_attempt("signup", client_address(request))
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_buyer(**form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! You can order from the market now."))
            return redirect(safe_next(request) or "orders:market")
    return render(request, "accounts/sign_up.html", {"form": form, "next": safe_next(request)})


@login_required
def me(request):
    return render(request, "accounts/me.html", {"account": request.user})


def _require_account_manager(request) -> None:
    if not queries.may_manage_accounts(request.user):
        raise PermissionDenied


def _form(form_class, request, **kwargs):
    return form_class(
        request.POST or None,
        roles=queries.assignable_roles(request.user),
        regions=queries.assignable_regions(request.user),
        **kwargs,
    )


@login_required
def manage(request):
    _require_account_manager(request)
    role = request.GET.get("role", "")
    search = request.GET.get("q", "")
    return render(
        request,
        "accounts/manage.html",
        {
            "accounts": queries.manageable_users(request.user, role=role, search=search)[:300],
            "roles": queries.assignable_roles(request.user),
            "role": role,
            "q": search,
        },
    )


@login_required
def new_account(request):
    _require_account_manager(request)
    form = _form(NewAccountForm, request, initial={"role": Role.VILLAGE_OPERATOR})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.create_user(
                actor=request.user,
                username=data["username"].strip(),
                password=data["password"],
                role=data["role"],
                region=data["region"],
                display_name=data["display_name"].strip(),
                phone=data["phone"].strip(),
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Account %s created.") % account.username)
            return redirect("accounts:account", account.pk)
    return render(request, "accounts/account_form.html", {"form": form, "account": None})


@login_required
def account(request, pk: int):
    _require_account_manager(request)
    user = queries.manageable_user(request.user, pk)
    initial = {
        "display_name": user.display_name,
        "phone": "",  # never shown in full: typed anew to change it
        "role": user.role,
        "region": user.region_id,
    }
    form = _form(AccountForm, request, initial=initial)
    if user.phone:
        form.fields["phone"].help_text = _("Now %(masked)s; leave empty to keep it.") % {
            "masked": user.masked_phone
        }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                actor=request.user,
                user=user,
                role=data["role"],
                region=data["region"],
                display_name=data["display_name"],
                phone=data["phone"] or user.phone,
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:account", user.pk)
    return render(
        request,
        "accounts/account_form.html",
        {"form": form, "account": user, "password_form": PasswordForm()},
    )


@login_required
@require_POST
def account_action(request, pk: int, action: str):
    """Close or open an account, unlock it, give it a new password."""
    _require_account_manager(request)
    user = queries.manageable_user(request.user, pk)
    actor, form = request.user, request.POST
    actions = {
        "close": (
            lambda: services.set_user_active(
                actor=actor, user=user, active=False, reason=form.get("reason", "")
            ),
            _("The account is closed."),
        ),
        "open": (
            lambda: services.set_user_active(actor=actor, user=user, active=True),
            _("The account is open again."),
        ),
        "unlock": (
            lambda: services.unlock_user(actor=actor, user=user),
            _("The account is unlocked."),
        ),
        "password": (
            lambda: services.set_user_password(
                actor=actor, user=user, password=form.get("password", "")
            ),
            _("The new password is set; give it to the person."),
        ),
    }
    if action not in actions:
        raise PermissionDenied
    carry_out(request, *actions[action])
    return redirect("accounts:account", user.pk)
