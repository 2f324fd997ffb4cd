"""Checks of input every app's services make before writing, so that a value the database would
refuse gets a message a person can act on instead of a database error."""

from django.utils.translation import gettext as _


def text_too_long(model, field: str, value: str) -> str | None:
    """The problem with a text longer than its column, in words; None when it fits."""
    limit = model._meta.get_field(field).max_length
    if limit is None or not value or len(value) <= limit:
        return None
    return _("%(field)s is %(n)d characters long; at most %(max)d") % {
        "field": model._meta.get_field(field).verbose_name,
        "n": len(value),
        "max": limit,
    }


def texts_too_long(model, values: dict) -> list[str]:
    """Every text of `values` (field name → text) longer than its column."""
    return [p for name, value in values.items() if (p := text_too_long(model, name, value))]
