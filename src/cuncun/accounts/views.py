from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cuncun.accounts import queries, services
from cuncun.accounts.forms import AccountForm, LoginForm, NewAccountForm, PasswordForm, SignUpForm
from cuncun.accounts.models import Role
from cuncun.core.errors import DomainError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def sign_up(request):
    """A buyer's account, to order from the market; staff accounts are made by the office."""
    if request.user.is_authenticated:
        return redirect("accounts:me")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_buyer(**form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! You can order from the market now."))
            return redirect(_safe_next(request) or "orders:market")
    return render(request, "accounts/sign_up.html", {"form": form, "next": _safe_next(request)})


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


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
        "phone": user.phone,
        "role": user.role,
        "region": user.region_id,
    }
    form = _form(AccountForm, request, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_user(
                actor=request.user,
                user=user,
                role=data["role"],
                region=data["region"],
                display_name=data["display_name"],
                phone=data["phone"],
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
    try:
        if action == "close":
            services.set_user_active(
                actor=request.user, user=user, active=False, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The account is closed."))
        elif action == "open":
            services.set_user_active(actor=request.user, user=user, active=True)
            messages.success(request, _("The account is open again."))
        elif action == "unlock":
            services.unlock_user(actor=request.user, user=user)
            messages.success(request, _("The account is unlocked."))
        elif action == "password":
            services.set_user_password(
                actor=request.user, user=user, password=request.POST.get("password", "")
            )
            messages.success(request, _("The new password is set; give it to the person."))
        else:
            raise PermissionDenied
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("accounts:account", user.pk)
