"""Display helpers of the placements pages (no queries)."""

from django import template

from core import months
from feeds.certificates import CATEGORY_NAMES, GRADE_NAMES

register = template.Library()


@register.filter
def grade_name(grade) -> str:
    """2 → 二级."""
    try:
        return GRADE_NAMES.get(int(grade), "")
    except (TypeError, ValueError):
        return ""


@register.filter
def category_name(category) -> str:
    """4 → 肢体残疾."""
    try:
        name = CATEGORY_NAMES.get(int(category), "")
    except (TypeError, ValueError):
        return ""
    return f"{name}残疾" if name else ""


@register.filter
def month_label(month) -> str:
    """202503 → 2025年3月."""
    try:
        month = int(month)
    except (TypeError, ValueError):
        return ""
    return months.month_label(month)
