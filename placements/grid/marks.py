"""The mark a grid write leaves on the units and years it changed (docs/adr/0001-month-grid.md, sessions 8–9): what
makes every cache of a unit's figures — the list header, 首页, the statistics summary — follow a recompute at once,
whoever runs it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.utils import timezone

from placements.grid.facts import in_clause
from placements.models import GridChange, Placement, PlacementMonth

TABLE = PlacementMonth._meta.db_table


def mark_changed(placement_ids: list[int], stamp: datetime, copied: Iterable[int] = (), *, scan: bool = True) -> int:
    """Mark the units and years whose months the write changed with the time now, never lowered: the placements
    ``copied`` (PostgreSQL: their new rows were COPYed, :func:`_copy_new`) and, with ``scan``, those among
    ``placement_ids`` with a row the upsert stamped with ``stamp``. Returns the number of marks written.

    Every cache of a unit's figures is keyed by a fingerprint whose *last change* is the later of the unit's
    placements' latest ``updated_at`` and its year's :class:`~placements.models.GridChange` — the list's totals
    (listing.selectors.list_header), the statistics summary, the home page (dashboard.homecache) — so this is what
    makes a background recompute show in them at once. ``stamp`` is taken before the chunk's facts were read, and a
    clerk may have changed a placement of the unit (and a cache been filled) since: so the mark is a fresh time,
    later than anything a cache can hold. ``placement_ids`` are the chunk's, in id order; the statement uses their
    range, so its size does not depend on the chunk's.

    Two marks, by where it runs (docs/adr/0001-month-grid.md, session 8):

    - **A pass on its own** (a year's recompute, its worker processes, a task outside a transaction: called after
      each chunk's transaction has committed) upserts the unit's year's ``GridChange``: one narrow row, updated in
      place (HOT: ``changed_at`` is not indexed), in key order, in a statement of its own — no lock outlives it.
      Marking a placement instead went through the placement table's eight indexes: ~10 s and 1.2 GB of WAL of a
      province's first pass.
    - **Inside a caller's transaction** (a clerk's or reviewer's action, the pending-recompute drain, a bulk import,
      导入上一年) it sets the ``updated_at`` of the unit's highest changed placement, as before: a ``GridChange`` row
      would stay locked until that transaction commits and make every other writer of the unit's year wait for it
      (and two drains deadlock across their chunks), while those callers already hold the placements (the drain
      locks them in id order first; an import's are its own new rows). On PostgreSQL the placements are locked in
      id order; ``version`` is left alone, so a clerk's open form is not made stale by a recompute.

    ``copied``: a year's first recompute COPYs every row as new, and its rows carry the database's time, not
    ``stamp``; the placements are known without a scan of the month rows.
    """
    copied = list(copied)
    if not placement_ids or not (copied or scan):
        return 0
    qn = connection.ops.quote_name
    placement_table = qn(Placement._meta.db_table)
    # One SELECT a kind, joined by UNION: an OR of the two conditions made PostgreSQL scan the whole placement table.
    select = f"SELECT q.id, q.employer_id, q.year FROM {placement_table} q WHERE "
    parts, params = [], []
    if copied:
        where, in_params = in_clause("q.id", copied)
        parts.append(select + where)
        params += in_params
    if scan:
        parts.append(
            select + f"q.id IN (SELECT m.placement_id FROM {TABLE} m WHERE m.placement_id BETWEEN %s AND %s "
            f"AND m.updated_at = %s)"
        )
        params += [min(placement_ids), max(placement_ids), stamp]
    changed = " UNION ".join(parts)
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            highest = f"SELECT MAX(c.id) FROM ({changed}) c GROUP BY c.employer_id, c.year"
            if connection.vendor == "postgresql":
                highest = f"SELECT p.id FROM {placement_table} p WHERE p.id IN ({highest}) ORDER BY p.id FOR UPDATE"
            cursor.execute(
                f"UPDATE {placement_table} SET updated_at = CASE WHEN updated_at < %s THEN %s ELSE updated_at END "
                f"WHERE id IN ({highest})",
                [now, now, *params],
            )
            return cursor.rowcount
        table = qn(GridChange._meta.db_table)
        if connection.vendor == "postgresql":
            # Always forward, even past a later time another node's clock wrote: the fingerprint must change.
            later = f"GREATEST(excluded.changed_at, {table}.changed_at + INTERVAL '1 microsecond')"
        else:
            later = (
                f"CASE WHEN {table}.changed_at < excluded.changed_at THEN excluded.changed_at "
                f"ELSE {table}.changed_at END"
            )
        cursor.execute(
            f"INSERT INTO {table} (employer_id, year, changed_at) SELECT c.employer_id, c.year, %s FROM ({changed}) c "
            f"WHERE 1 = 1 GROUP BY c.employer_id, c.year ORDER BY c.employer_id, c.year "
            f"ON CONFLICT (employer_id, year) DO UPDATE SET changed_at = {later}",
            [connection.ops.adapt_datetimefield_value(now), *params],
        )
        return cursor.rowcount
