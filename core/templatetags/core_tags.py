from django import template

from core.masking import mask_number

register = template.Library()


@register.filter
def masked(value: str | None) -> str:
    """``339011********1539``: the first 6 and last 4 characters of an ID or certificate number."""
    return mask_number(value)
