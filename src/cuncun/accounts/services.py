"""Account writes: creating users in a role and area, closing, unlocking (accounts.lockout)."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cuncun.accounts.lockout import clear_failures
from cuncun.accounts.models import Role, User
from cuncun.core import audit
from cuncun.core.checks import text_too_long
from cuncun.core.errors import InvalidInput, NotAllowed
from cuncun.core.personal import is_valid_phone, mask_phone
from cuncun.core.scoping import require_in_scope


def unlock_user(*, actor, user: User) -> None:
    """Forget the account's wrong passwords (django-axes' record of them): it may log in again
    at once. The lock of an address that guessed many accounts stays until it runs out."""
    _check_may_manage(actor, user)
    with transaction.atomic():
        cleared = clear_failures(user.username)
        audit.record(
            actor=actor, action="account.unlock", obj=user, after={"attempts_cleared": cleared}
        )


def record_lockout(*, username: str, ip_address: str | None) -> None:
    """The audit row of an account reaching the failure limit (axes has just locked it); the
    actor is nobody, since who typed the passwords is not known. Guesses at names that are no
    account stay in axes' own record (admin: Axes), not in the audit log of accounts."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return
    with transaction.atomic():
        audit.record(
            actor=None,
            action="account.lock",
            obj=user,
            after={"address": ip_address or ""},
            reason=_("%(n)d wrong passwords") % {"n": settings.CUNCUN_LOGIN_MAX_FAILURES},
        )


def create_user(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    region,
    display_name: str = "",
    phone: str = "",
) -> User:
    """A new account in a role, scoped to a region of the level the role works at.

    The county office creates anyone; township staff may create operators in their township.
    """
    _check_may_create(actor, role, region)
    _check_role_fits_region(role, region)
    if phone and not is_valid_phone(phone):
        raise InvalidInput(_("%s is not a mobile phone number.") % phone)
    _check_display_name(display_name)
    candidate = User(username=username, role=role, region=region, display_name=display_name)
    _check_password(password, candidate)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise InvalidInput(_("The user name %s is taken.") % username)
        candidate.phone = phone
        candidate.set_password(password)
        candidate.save()
        audit.record(
            actor=actor,
            action="account.create",
            obj=candidate,
            after={"username": username, "role": role, "region": region.pk if region else None},
        )
    return candidate


def register_buyer(*, phone: str, password: str, display_name: str = "") -> User:
    """Anyone may open a buyer's account (to order from the market and follow their orders): the
    mobile number is the user name, as people expect on a phone. A buyer has no role and no area;
    staff accounts are made by the county office or the township."""
    phone = phone.strip()
    if not is_valid_phone(phone):
        raise InvalidInput(_("%s is not a mobile phone number.") % phone)
    _check_display_name(display_name)
    candidate = User(username=phone, display_name=display_name.strip(), phone=phone)
    _check_password(password, candidate)
    with transaction.atomic():
        if User.objects.filter(username=phone).exists():
            raise InvalidInput(_("This number already has an account: log in with it."))
        candidate.set_password(password)
        candidate.save()
        audit.record(
            actor=candidate,
            action="account.register",
            obj=candidate,
            after={"username": mask_phone(phone), "role": ""},
        )
    return candidate


def _check_may_create(actor, role: str, region) -> None:
    if actor is None or actor.manages_reference_data:
        return
    if actor.role == Role.TOWNSHIP_STAFF and role in Role.MANAGED_BY_TOWNSHIP:
        require_in_scope(actor, region.path if region else None, what=str(region))
        return
    raise NotAllowed(_("Your role may not create accounts of this kind."))


def _check_role_fits_region(role: str, region) -> None:
    if role not in dict(Role.choices):
        raise InvalidInput(_("Unknown role %s.") % role)
    if region is None:
        raise InvalidInput(_("Every account needs an area of responsibility."))
    expected = Role.REGION_LEVEL.get(role)
    if expected and region.level != expected:
        raise InvalidInput(
            _("A %(role)s account must be scoped to a %(level)s unit, not to %(region)s.")
            % {"role": dict(Role.choices)[role], "level": expected, "region": region.name}
        )


def update_user(
    *, actor, user: User, role: str, region, display_name: str = "", phone: str = ""
) -> User:
    """Change who an account is and where it acts. The same rules as creating it: the county
    office changes anyone; township staff only the operators of their township, and only into
    operators of their township."""
    _check_may_manage(actor, user)
    _check_may_create(actor, role, region)
    _check_role_fits_region(role, region)
    phone = phone.strip()
    if phone and not is_valid_phone(phone):
        raise InvalidInput(_("%s is not a mobile phone number.") % phone)
    _check_display_name(display_name)
    wanted = {"role": role, "region": region, "display_name": display_name.strip(), "phone": phone}
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        changed = {k: v for k, v in wanted.items() if getattr(user, k) != v}
        if not changed:
            return user
        before = _account_snapshot(user, changed)
        for name, value in changed.items():
            setattr(user, name, value)
        user.save(update_fields=list(changed))
        audit.record(
            actor=actor,
            action="account.update",
            obj=user,
            before=before,
            after=_account_snapshot(user, changed),
        )
    return user


def set_user_active(*, actor, user: User, active: bool, reason: str = "") -> User:
    """Close an account (a point operator who left) or open it again; closed accounts cannot log
    in, and nothing they did is deleted."""
    _check_may_manage(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise InvalidInput(_("You cannot close your own account."))
    if not active and not reason.strip():
        raise InvalidInput(_("Say why the account is closed."))
    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk, is_active=not active).update(is_active=active)
        if changed:
            audit.record(
                actor=actor,
                action="account.open" if active else "account.close",
                obj=user,
                before={"is_active": not active},
                after={"is_active": active},
                reason=reason.strip(),
            )
    user.refresh_from_db(fields=["is_active"])
    return user


def set_user_password(*, actor, user: User, password: str) -> None:
    """A new password given by whoever manages the account (a forgotten one); the audit row says
    that it changed, never what it is."""
    _check_may_manage(actor, user)
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        clear_failures(user.username)
        audit.record(actor=actor, action="account.password", obj=user, after={})


def _check_password(password: str, user: User) -> None:
    """Django's password validators, their reasons said as one message."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from error


def _check_display_name(name: str) -> None:
    if problem := text_too_long(User, "display_name", name.strip()):
        raise InvalidInput(problem)


def _check_may_manage(actor, user: User) -> None:
    if actor is None or actor.manages_reference_data:
        if user.is_superuser and actor is not None and not actor.is_superuser:
            raise NotAllowed(_("Only an administrator may change an administrator's account."))
        return
    if actor.role == Role.TOWNSHIP_STAFF and user.role in Role.MANAGED_BY_TOWNSHIP:
        require_in_scope(actor, user.region.path if user.region else None, what=str(user))
        return
    raise NotAllowed(_("Your role may not change this account."))


def _account_snapshot(user: User, fields) -> dict:
    """Before/after of an account change; the phone is kept masked (personal data stays out of
    the audit log)."""
    values = {
        "role": user.role,
        "region": user.region_id,
        "display_name": user.display_name,
        "phone": user.masked_phone,
    }
    return {k: values[k] for k in fields}
