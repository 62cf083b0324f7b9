"""The home page's per-unit cache (issue 16): the unit's aggregates kept in Django's cache (Redis in production).

What 首页 computes from the unit's rows — the years with placements and their counts, the declarations' states, the
filing-window extensions and stated staff figures, the year's months grouped for the totals and the chart, the
persons with a reminder — costs most of the page (the grouped months alone were 119 ms of 156 ms for a unit with 908
placements). It is kept under a key made of the unit, the day, the year asked for and a **fingerprint** of every
table it is computed from, read in ONE query (:func:`lookup`) together with the province's filing windows (which
the page needs anyway):

* the unit's placements: count, Σ ``version``, largest id, last ``updated_at``. Every clerk's or reviewer's action on
  a placement, its months, contracts and certificates bumps its ``version`` (placements.writes.bump_version), adds
  or removes a placement;
* the background grid recomputes' changes to the unit's months (a feed import): the count and last ``changed_at``
  of its ``placements.models.GridChange`` rows, one per year (inside a transaction a recompute marks a placement's
  ``updated_at`` instead: placements.grid.marks.mark_changed) — the list page's totals rely on the same;
* the unit's declarations (count, Σ ``version``, largest id, last ``updated_at``), its filing-window extensions and
  its stated staff figures (count, largest id, last ``updated_at``);
* the feed imports (count, largest id): the reminders read the registry's certificates;
* the province's filing windows themselves (every row).

So a write shows on the next request, on every node, without the writing services knowing about this cache; the
entries also expire after :data:`SECONDS`, which bounds what a direct SQL edit bypassing all of the above could
show. :func:`bump` is there for a write the fingerprint cannot see: it moves the unit to a new key at once.

Fresh on every request, never cached: the unit itself and its latest 缓减免申请 (one query, it also names the page),
the 安排比例 and 社会平均工资 (reference data edited in the admin), the notices and their unread count, and every rule
that depends on the day.

Only with a shared cache (``django.core.cache.backends.redis``) unless ``settings.DASHBOARD_HOME_CACHE`` says
otherwise: the per-process memory cache of development and tests would keep entries across test databases, whose
reused ids and frozen clocks can make two different units' tables look alike.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from core import prepared
from core.models import FilingExtension, FilingWindow
from declarations.models import Declaration
from employers.models import Employer
from feeds.models import FeedImport
from levy.models import StaffFigures
from placements.models import GridChange, Placement

SECONDS = 600
KEY_VERSION = 1  # bump when the cached value's shape changes (a deploy with old entries still in Redis)


def enabled() -> bool:
    explicit = getattr(settings, "DASHBOARD_HOME_CACHE", None)
    if explicit is not None:
        return bool(explicit)
    return "redis" in settings.CACHES.get("default", {}).get("BACKEND", "").lower()


@lru_cache(maxsize=4)
def _fingerprint_sql(vendor: str) -> str:
    """The fingerprint statement: columns kind, n, v, m, u (a time), d1, d2 (dates). Parameters: the province,
    then the unit five times."""
    qn = connection.ops.quote_name
    per_unit = []
    for kind, model, versioned in (
        ("p", Placement, True),
        ("d", Declaration, True),
        ("e", FilingExtension, False),
        ("f", StaffFigures, False),
    ):
        version = f"COALESCE(SUM({qn('version')}), 0)" if versioned else "0"
        per_unit.append(
            f"SELECT '{kind}', COUNT(*), {version}, COALESCE(MAX({qn('id')}), 0), MAX({qn('updated_at')}), "
            f"NULL, NULL FROM {qn(model._meta.db_table)} WHERE {qn('employer_id')} = %s"
        )
    # The background recomputes' changes to the unit's months (placements.models.GridChange): count and last time.
    per_unit.append(
        f"SELECT 'g', COUNT(*), 0, 0, MAX({qn('changed_at')}), NULL, NULL FROM {qn(GridChange._meta.db_table)} "
        f"WHERE {qn('employer_id')} = %s"
    )
    feeds = (
        f"SELECT 'i', COUNT(*), 0, COALESCE(MAX({qn('id')}), 0), NULL, NULL, NULL FROM {qn(FeedImport._meta.db_table)}"
    )
    windows = (
        f"SELECT 'w', {qn('business_year')}, 0, 0, NULL, {qn('opens_on')}, {qn('closes_on')} "
        f"FROM {qn(FilingWindow._meta.db_table)} WHERE {qn('province_code')} = %s"
    )
    # The windows first: their dates and the placements' time give the columns their types (PostgreSQL resolves a
    # UNION's types branch by branch, and NULLs before them would be text).
    return " UNION ALL ".join([windows, *per_unit, feeds])


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def lookup(employer: Employer, province: str, requested: int | None, today: date) -> tuple[str, list, Any]:
    """(the key, the province's filing windows as (year, opens_on, closes_on), the cached value or None). One
    query."""
    with connection.cursor() as cursor:
        prepared.execute(cursor, _fingerprint_sql(connection.vendor), [province] + [employer.pk] * 5)
        rows = [tuple(row) for row in cursor.fetchall()]
    windows = sorted((int(r[1]), _date(r[5]), _date(r[6])) for r in rows if r[0] == "w")
    facts = sorted((r[0], int(r[1] or 0), int(r[2] or 0), int(r[3] or 0), _stamp(r[4])) for r in rows if r[0] != "w")
    digest = hashlib.sha1(repr((facts, windows)).encode(), usedforsecurity=False).hexdigest()
    version = cache.get(_version_key(employer.pk), 0)
    key = f"dashboard:home:{KEY_VERSION}:{employer.pk}:{version}:{digest}:{today.isoformat()}:{requested or ''}"
    return key, windows, cache.get(key)


def _stamp(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def store(key: str, value: Any) -> None:
    cache.set(key, value, SECONDS)


def _version_key(employer_id: int) -> str:
    return f"dashboard:home-version:{employer_id}"


def bump(employer_id: int) -> None:
    """Move the unit's home page to a new key now (for a write the fingerprint does not see)."""
    key = _version_key(employer_id)
    if not cache.add(key, 1, None):
        try:
            cache.incr(key)
        except ValueError:  # expired or evicted between add and incr
            cache.set(key, 1, None)
