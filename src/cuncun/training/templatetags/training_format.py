"""The plan's figures as people read them."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure(value, unit: str = "") -> str:
    """An indicator's value as people read it: counts without decimals, fractions as %."""
    if value is None:
        return "—"
    value = Decimal(value)
    if unit == "fraction":
        return f"{(value * 100).quantize(Decimal('0.1')).normalize():f}%"
    if unit == "cny":
        return f"¥{value:,.2f}"
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():f}"


@register.filter
def get(mapping, key):
    return mapping.get(key, "") if mapping else ""
