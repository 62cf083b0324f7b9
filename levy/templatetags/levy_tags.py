"""Display of money and headcounts on the levy and relief pages."""

from decimal import Decimal, InvalidOperation

from django import template

from levy.calculator import format_percent

register = template.Library()


@register.filter
def yuan(value) -> str:
    """``11,700,000.00``: yuan with thousands separators and 2 decimals ('' for None)."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


@register.filter
def num(value, places: int = 4) -> str:
    """A headcount or ratio: up to ``places`` decimals, no trailing zeros (``1.3333``, ``15``)."""
    if value is None or value == "":
        return ""
    try:
        text = f"{Decimal(value):.{int(places)}f}"
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def rate_percent(value) -> str:
    """``Decimal("0.5")`` → ``50%``."""
    if value is None:
        return ""
    return f"{num(Decimal(value) * 100, 2)}%"


@register.filter
def percent(value) -> str:
    """A ratio in percent, the one way every page shows it: ``0.8083`` → ``0.81%`` ('' for None)."""
    if value is None or value == "":
        return ""
    try:
        return format_percent(Decimal(value))
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
