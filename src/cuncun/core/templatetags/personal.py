"""Personal data on a page: masked. Full numbers come only through core.reveal (audited)."""

from django import template

from cuncun.core.personal import mask_phone as _mask_phone

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    return _mask_phone(value)


@register.filter
def mask_name(value: str) -> str:
    """玉** : the family name, enough to tell people apart on a list."""
    return value[:1] + "**" if value else ""
