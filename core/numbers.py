"""Whole numbers typed by people or sent in a query string, read without surprises.

``str.isdigit()`` is True for '²' and '٣' (which ``int`` refuses or reads as another digit) and for a string of
10,000 nines, which ``int`` refuses since Python 3.11 (the 4,300-digit limit) — both were 500s in the hostile-input
walk. :func:`ascii_int` takes only ASCII digits and only as many as a value of its kind can have.
"""


def ascii_int(value: object, *, digits: int = 18) -> int | None:
    """The integer written in ``value`` with 1 to ``digits`` ASCII digits (surrounding spaces allowed), else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not (0 < len(text) <= digits and text.isascii() and text.isdigit()):
        return None
    return int(text)
