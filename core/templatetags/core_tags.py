from django import template

from core.masking import mask_number

register = template.Library()


@register.filter
def masked(value: str | None) -> str:
    """An ID or certificate number as lists show it (:func:`core.masking.mask_number`): ``339011********1539``."""
    return mask_number(value)
