"""Showing personal data as the viewer may see it, and the plan's figures."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def id_number_for(trainee, unmasked: bool) -> str:
    """The ID number in full for the training office, masked for everyone else."""
    return trainee.id_number if unmasked else trainee.masked_id_number


@register.filter
def phone_for(person, unmasked: bool) -> str:
    return person.phone if unmasked else person.masked_phone


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
