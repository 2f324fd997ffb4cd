from django import template

from cuncun.funds.rules import category_name

register = template.Library()


@register.filter
def category_label(key: str) -> str:
    """A plan fund category by its name in the page's language."""
    return category_name(key)
