"""The lockout after wrong passwords, on every door that checks a password.

django-axes counts the failures in the database (so every app server sees the same count), per
account and, on its own, per address; its backend stands first in AUTHENTICATION_BACKENDS and
refuses a locked account or address inside `authenticate()`, which the login page, the admin's
login and any API that takes a password all go through. Settings: CUNCUN_LOGIN_MAX_FAILURES and
CUNCUN_LOGIN_LOCKOUT_MINUTES (settings.py hands them to axes).

What a locked account is answered is what a wrong password is answered, as slowly: nobody can
tell from outside whether an account exists, is locked, or was only mistyped.
"""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db.models import BooleanField, Case, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone


class LockoutBackend(AxesStandaloneBackend):
    """Axes' refusal, after the same password hashing a real check costs (Django's ModelBackend
    hashes for an unknown account too), so that a locked account does not answer faster."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            # No door from outside: a management command or a test client's login(). Every
            # door people reach (a page, the admin, the API) has a request and is counted.
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            make_password(password)
            raise


def locked_out(request, response, credentials=None):
    """Axes' answer to a locked-out attempt: the very page or error the door gave a wrong
    password (its own "user name or password is wrong"), not a page of its own."""
    return response


def _recent_attempts():
    """The attempts axes still counts (it forgets them the cool-off time after they began)."""
    return AccessAttempt.objects.filter(
        attempt_time__gt=timezone.now() - settings.AXES_COOLOFF_TIME
    )


def with_lock_state(users):
    """Users annotated with `is_locked`: their account has reached the failure limit within the
    lockout time (one query for a whole list)."""
    failures = (
        _recent_attempts()
        .filter(username=OuterRef("username"))
        .values("username")
        .annotate(n=Sum("failures_since_start"))
        .values("n")
    )
    return users.annotate(
        recent_failures=Coalesce(Subquery(failures, output_field=IntegerField()), 0)
    ).annotate(
        is_locked=Case(
            When(recent_failures__gte=settings.CUNCUN_LOGIN_MAX_FAILURES, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def clear_failures(username: str) -> int:
    """Forget an account's wrong passwords (the office unlocks it, or gives it a new one)."""
    deleted, _by_kind = AccessAttempt.objects.filter(username=username).delete()
    return deleted
