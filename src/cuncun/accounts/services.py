"""Account writes: creating users in a role and area, and logging in with lockout."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cuncun.accounts.models import Role, User
from cuncun.core import audit
from cuncun.core.errors import DomainError, InvalidInput, NotAllowed
from cuncun.core.personal import is_valid_phone
from cuncun.core.scoping import require_in_scope


class BadCredentials(DomainError):
    code = "bad_credentials"
    http_status = 401


class AccountLocked(DomainError):
    code = "account_locked"
    http_status = 403


def authenticate_with_lockout(*, request, username: str, password: str) -> User:
    """Check a password; after too many wrong ones in a row the account is locked for a while."""
    user = User.objects.filter(username=username).first()
    now = timezone.now()
    if user is not None and user.is_locked(now):
        raise AccountLocked(_locked_message(user, now))
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is None:
        if user is not None:
            _count_failure(user, now)
        raise BadCredentials(_("The user name or password is wrong."))
    if authenticated.failed_logins:
        User.objects.filter(pk=authenticated.pk).update(failed_logins=0, locked_until=None)
    return authenticated


def _locked_message(user: User, now) -> str:
    minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
    return _(
        "Too many wrong passwords: this account is locked. Try again in %(minutes)d minute(s), "
        "or ask the county e-commerce office to unlock it."
    ) % {"minutes": minutes}


def _count_failure(user: User, now) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= settings.CUNCUN_LOGIN_MAX_FAILURES:
            locked_until = now + timedelta(minutes=settings.CUNCUN_LOGIN_LOCKOUT_MINUTES)
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=locked_until)
            audit.record(
                actor=None,
                action="account.lock",
                obj=user,
                after={"locked_until": locked_until.isoformat()},
                reason=_("%(n)d wrong passwords in a row")
                % {"n": settings.CUNCUN_LOGIN_MAX_FAILURES},
            )


def unlock_user(*, actor, user: User) -> None:
    if actor is not None and not actor.manages_reference_data:
        raise NotAllowed()
    with transaction.atomic():
        before = {"locked_until": user.locked_until.isoformat() if user.locked_until else None}
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit.record(actor=actor, action="account.unlock", obj=user, before=before, after={})


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
    candidate = User(username=username, role=role, region=region, display_name=display_name)
    try:
        validate_password(password, candidate)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from error
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


def _check_may_create(actor, role: str, region) -> None:
    if actor is None or actor.manages_reference_data:
        return
    if actor.role == Role.TOWNSHIP_STAFF and role == Role.VILLAGE_OPERATOR:
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
