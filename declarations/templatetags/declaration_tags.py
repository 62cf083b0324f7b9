from django import template

from declarations.months import months_label

register = template.Library()


@register.filter(name="months_label")
def months_label_filter(value: str) -> str:
    """``"1-8,10"`` → ``"1—8月、10月"``."""
    return months_label(value or "")
