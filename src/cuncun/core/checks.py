"""Checks of input every app's services make before writing, so that a value the database would
refuse gets a message a person can act on instead of a database error."""

from decimal import Decimal, InvalidOperation

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


def number_out_of_range(model, field: str, value, low=None, high=None) -> str | None:
    """What is wrong with a number for a decimal column: not a number, or outside [low, high]
    and what the column can hold. None when it is fine or empty."""
    if value in (None, ""):
        return None
    column = model._meta.get_field(field)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        return _("%(field)s is not a number: %(value)s") % {
            "field": column.verbose_name,
            "value": value,
        }
    largest = Decimal(10) ** (column.max_digits - column.decimal_places) - Decimal(10) ** (
        -column.decimal_places
    )
    low = -largest if low is None else Decimal(low)
    high = largest if high is None else min(Decimal(high), largest)
    if not low <= number <= high:
        return _("%(field)s must be from %(low)s to %(high)s") % {
            "field": column.verbose_name,
            "low": low,
            "high": high,
        }
    return None


def quantity_problem(value, *, most: int, allow_zero: bool = False) -> str | None:
    """What is wrong with a count of goods (a cart line, a stock count): not a whole number,
    negative, zero where zero means nothing, or more than `most`. None when it is fine."""
    if not isinstance(value, int) or isinstance(value, bool):
        return _("A quantity is a whole number.")
    if value < 0:
        return _("A quantity cannot be negative.")
    if value == 0 and not allow_zero:
        return _("A quantity is at least 1.")
    if value > most:
        return _("At most %(max)d (not %(quantity)d).") % {"max": most, "quantity": value}
    return None
