"""What every app's pages share when they carry out a service for a person."""

from django.contrib import messages

from cuncun.core.errors import DomainError


def carry_out(request, action, success: str) -> bool:
    """Run a service for a page: its DomainError becomes the page's error message (never a
    traceback), success a message of its own. Answers whether it was done."""
    try:
        action()
    except DomainError as error:
        messages.error(request, str(error.message))
        return False
    messages.success(request, success)
    return True
