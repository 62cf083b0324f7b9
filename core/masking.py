"""Masking of ID and certificate numbers wherever they are listed (domain.md §4). Pure; the one place that masks.

The rule depends on the kind of number, read from its shape (callers need not say which kind it is):

- a resident ID (18 characters: 17 digits and a digit or ``X``) and a 残疾人证 number (the holder's ID followed by
  category, grade and an optional reissue suffix): the first 6 and the last 4 characters stay visible,
  ``339011********1539``;
- any other number (残疾军人证 numbers are free text, old 15-digit IDs, passports): at least half of the characters
  are hidden and at most 3 leading and 4 trailing ones stay visible, ``军4******205``.

Used by the ``masked`` template filter, the admin lists, the notices, the audit trail and the PDFs.
"""

from __future__ import annotations

import re

RESIDENT_ID = "resident_id"
DISABILITY_CERT = "disability_cert"
OTHER = "other"

_ID_SHAPED = re.compile(r"^[0-9]{17}[0-9X]", re.IGNORECASE)  # a resident ID, alone or leading a 残疾人证 number
_LONG_LEADING, _LONG_TRAILING = 6, 4
_SHORT_LEADING, _SHORT_TRAILING = 3, 4


def number_kind(value: str) -> str:
    """``resident_id``, ``disability_cert`` (an ID followed by more characters) or ``other``."""
    if _ID_SHAPED.match(value):
        return RESIDENT_ID if len(value) == 18 else DISABILITY_CERT
    return OTHER


def visible_ends(length: int, kind: str) -> tuple[int, int]:
    """How many leading and trailing characters of a number of ``length`` characters stay visible."""
    if kind in (RESIDENT_ID, DISABILITY_CERT):
        return _LONG_LEADING, _LONG_TRAILING
    visible = min(length // 2, _SHORT_LEADING + _SHORT_TRAILING)
    trailing = min(_SHORT_TRAILING, (visible + 1) // 2)
    return visible - trailing, trailing


def mask_number(value: str | None) -> str:
    """The number with its middle replaced by ``*`` (one per character hidden); ``""`` for an empty value."""
    if not value:
        return ""
    value = str(value)
    leading, trailing = visible_ends(len(value), number_kind(value))
    hidden = len(value) - leading - trailing
    return value[:leading] + "*" * hidden + (value[len(value) - trailing :] if trailing else "")
