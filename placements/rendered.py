"""A page's content kept rendered under a fingerprint of everything it is rendered from (issue 16: the templates
of 首页 and the grid page were about half of their CPU).

A content template (``dashboard/_index.html``, ``placements/_detail.html``) reads its context and nothing else — no
request, no user, no token: the page's frame (base.html) is rendered on every request around it. Its output is a
function of the context, the language and the time zone, so :class:`KeptContent` keeps it in the process under
exactly those: :func:`fingerprint` walks the context — dataclasses field by field, model instances with every
attribute and every related object loaded with them, numbers, texts, dates, tuples and dicts with their types —
and anything else makes it give up (the content is then rendered, not kept). A render that queries the database
(a relation read lazily, whose row the fingerprint cannot see) is not kept either. The context is read from the
database on every request as before, so whatever changes what the page shows changes the fingerprint: nothing
needs to be told of a change, and a kept content is never stale, only unused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum

from django.db import connection
from django.db.models import Model
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core.kept import Kept

_LEAVES = frozenset({str, SafeString, int, float, bool, type(None)})  # equal only when written alike (and typed)
_BY_TEXT = frozenset({Decimal, date, datetime, time, timedelta})  # equal values written differently: 1.0, 1.00


class Unknown(Exception):
    """A value the fingerprint does not know how to take: the content is rendered and not kept."""


def fingerprint(value) -> tuple:
    """Everything ``value`` holds, as nested tuples of types and values, equal only for values written alike: 1,
    True and "1" differ by their type, Decimal("1.0") and Decimal("1.00") by their text."""
    kind = type(value)
    if kind in _LEAVES:
        return (kind, value)
    if kind in _BY_TEXT or isinstance(value, Enum):
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


class KeptContent:
    """``KeptContent(template).render(context)``: the template's output for ``context``, kept for the next equal
    context (the last ``kept`` of them, per process: each page's owner bounds it by the size of its content and key)."""

    def __init__(self, template: str, kept: int = 256) -> None:
        self.template = template
        self._contents = Kept(kept)  # keys compared whole, not by hash

    def render(self, context: dict, *, build: Callable[[], dict] | None = None) -> SafeString:
        """The content of ``context``; with ``build``, ``context`` is only the key — values that determine the
        content entirely — and ``build()`` gives the context to render when nothing is kept under it."""
        try:
            key = (fingerprint(context), get_language(), timezone.get_current_timezone_name())
        except (Unknown, RecursionError):  # RecursionError: a cycle (an object that refers back to its parent)
            key = None
        if key is not None:
            content = self._contents.find(key)
            if content is not None:
                return content
        queried: list[str] = []

        def note(execute, sql, params, many, ctx):
            queried.append(sql)
            return execute(sql, params, many, ctx)

        with connection.execute_wrapper(note):
            rendered = build() if build is not None else context
            content = mark_safe(get_template(self.template).render(rendered))  # the template escapes what it writes
        if key is not None and not queried:
            self._contents.keep(key, content)
        return content

    def forget(self) -> None:
        """Drop every kept content (tests)."""
        self._contents.clear()
