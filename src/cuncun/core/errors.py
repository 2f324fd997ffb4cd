"""DomainError: a rule said no. It carries a code, a message a person can act on, and data.

Pages show the message; the API answers `{"code", "message", "details"}` with `http_status`.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    http_status = 400
    default_message = _("The request cannot be carried out.")

    def __init__(self, message: Any = None, *, details: Any = None, code: str | None = None):
        self.message = message if message is not None else self.default_message
        self.details = details if details is not None else {}
        if code:
            self.code = code
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "details": self.details}


def row_problem(row: int | str, code: str, reason: str) -> dict:
    """One bad row of an imported file: where it is (a line number, or a place in the file), a
    stable code for programs and a reason in the user's language for people."""
    return {"row": row, "code": code, "reason": str(reason)}


class InvalidInput(DomainError):
    code = "invalid_input"
    default_message = _("Some of the input is not valid.")


class OutOfScope(DomainError):
    """The actor may not see or change this: it lies outside their region, site or shop."""

    code = "out_of_scope"
    http_status = 403
    default_message = _("This is outside the area you are responsible for.")


class NotAllowed(DomainError):
    """The actor's role may not take this action at all."""

    code = "not_allowed"
    http_status = 403
    default_message = _("Your role may not do this.")


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    default_message = _("Not found.")


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = _("This conflicts with the current state.")
