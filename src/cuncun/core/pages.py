"""What every app's pages share when they carry out a service for a person."""

from datetime import date

from django.contrib import messages
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cuncun.core.errors import DomainError, InvalidInput


def carry_out(request, action, success: str = "") -> bool:
    """Run a service for a page: its DomainError becomes the page's error message (never a
    traceback), success a message of its own (if any). Answers whether it was done."""
    try:
        action()
    except DomainError as error:
        messages.error(request, str(error.message))
        return False
    if success:
        messages.success(request, success)
    return True


def safe_next(request) -> str:
    """The `next` address a form was given, if it stays on this site; "" otherwise (no open
    redirects)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


def confirm_page(
    request,
    *,
    title: str,
    consequences: list[str],
    button: str,
    back: str,
    reason_label: str = "",
    reason: str = "",
    offline_label: str = "",
):
    """The page an action that moves money, parcels or status at one tap shows first: it says
    what will happen and posts to its own address (the action itself) only when confirmed; a
    reason is asked for where the ledger keeps one. With an `offline_label` (what the queue
    calls the action) the confirmation is kept on the phone when there is no connection and sent
    later (core/offline.py)."""
    from django.shortcuts import render

    return render(
        request,
        "core/confirm.html",
        {
            "title": title,
            "consequences": consequences,
            "button": button,
            "back": safe_next(request) or back,
            "reason_label": reason_label,
            "reason": reason,
            "offline_label": offline_label,
        },
    )


def day_param(value: str | None) -> date:
    """A day a page was asked for (`?day=`, `?on=`) as YYYY-MM-DD; today when none was given."""
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(_("The date must be written as YYYY-MM-DD.")) from error
