"""Money in CNY as Decimal with two places."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
CENT = Decimal("0.01")


def to_money(value) -> Decimal:
    """Exact CNY amount rounded half-up to the fen; floats are refused, they are never exact."""
    if isinstance(value, float):
        raise TypeError("money is never a float; pass a str, int or Decimal")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc


def format_yuan(amount: Decimal) -> str:
    """¥1,234.50 — what a receipt and a table show."""
    return f"¥{to_money(amount):,.2f}"
