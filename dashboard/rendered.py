"""首页's content kept rendered under a fingerprint of everything it is rendered from (issue 16: the template was
about half of the page's CPU).

``templates/dashboard/_index.html`` reads ``home`` (dashboard.selectors.HomePage) and nothing else — no request, no
user, no token: the page's frame (base.html) is rendered on every request around it. The content is a function of
``home``, the language and the time zone, so it is kept in the process under a digest of exactly those:
:func:`fingerprint` walks ``home`` — its dataclasses field by field, the model instances it holds (the unit, the
notices) with every attribute and related object loaded, the numbers, texts, dates, tuples and dicts with their
types — and anything else makes it give up (the content is then rendered, not kept). ``home`` is read from the
database (and dashboard.homecache) on every request as before, so whatever changes what the page shows changes the
digest: nothing needs to be told of a change, and the kept content is never stale, only unused.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum

from django.db.models import Model
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

KEPT = 256  # contents per process (a few kB each)
TEMPLATE = "dashboard/_index.html"

_kept: OrderedDict[tuple, SafeString] = OrderedDict()  # fingerprint → content (compared whole, not by hash)
_lock = threading.Lock()
_LEAVES = frozenset({str, int, float, bool, date, type(None)})  # equal only when written alike (with their type)
_BY_TEXT = frozenset({Decimal, datetime, time, timedelta})


class Unknown(Exception):
    """A value the fingerprint does not know how to take: the content is rendered and not kept."""


def fingerprint(value) -> tuple:
    """Everything ``value`` holds, as nested tuples of types and values, equal only for values written alike: 1,
    True and "1" differ by their type, Decimal("1.0") and Decimal("1.00") by their text."""
    kind = type(value)
    if kind in _LEAVES:
        return (kind, value)
    if kind in _BY_TEXT or isinstance(value, Enum):  # equal values written differently: Decimal 1.0 and 1.00, …
        return (kind, repr(value))
    if kind is list or kind is tuple:
        return (kind, *[fingerprint(v) for v in value])
    if kind is dict:
        return (kind, *[(fingerprint(k), fingerprint(v)) for k, v in value.items()])
    if isinstance(value, Model):
        attrs = [(k, fingerprint(v)) for k, v in sorted(vars(value).items()) if k != "_state"]
        related = [(k, fingerprint(v)) for k, v in sorted(value._state.fields_cache.items())]
        return (kind, *attrs, "related", *related)
    names = _FIELDS.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(kind):
            raise Unknown(kind.__qualname__)
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return (kind, *[fingerprint(getattr(value, name)) for name in names])


_FIELDS: dict[type, tuple[str, ...]] = {}


def home_content(home) -> SafeString:
    """The rendered content of ``home``: kept, or rendered now (and kept when its fingerprint could be taken)."""
    try:
        key = (fingerprint(home), get_language(), timezone.get_current_timezone_name())
    except Unknown:
        key = None
    if key is not None:
        with _lock:
            content = _kept.get(key)
            if content is not None:
                _kept.move_to_end(key)
                return content
    content = mark_safe(get_template(TEMPLATE).render({"home": home}))  # the template escapes what it writes
    if key is not None:
        with _lock:
            _kept[key] = content
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
    return content


def forget() -> None:
    """Drop every kept content (tests)."""
    with _lock:
        _kept.clear()
