from decimal import Decimal

from django import template

from cuncun.core.money import format_yuan

register = template.Library()


@register.filter
def plain_number(value) -> str:
    """100.0000 → 100, 0.3000 → 0.3: figures as the plan writes them."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"


@register.filter
def comparison_sign(comparison: str) -> str:
    return {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}.get(comparison, comparison)


@register.filter
def percent(share) -> str:
    return "" if share is None else f"{(Decimal(share) * 100).normalize():f}%"


@register.filter
def yuan(amount) -> str:
    return "" if amount is None else format_yuan(amount)
