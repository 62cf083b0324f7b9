"""The summary behind 统计分析 (``declarations.models.UnitYearFigures``): per unit and business year, the persons and
month figures, computed through the counting querysets (``placements.querysets``: ``counted()``,
``measure_aggregate``, ``measure_q`` — the one definition) and kept with the fingerprint of the unit's placements
they were computed at.

A refresh (:func:`summary_refresh`) reads the fingerprints of the region's units (one grouped query over their
placements), recomputes only the units whose fingerprint changed (grouped queries over their months, by chunks of
units, through the placement index) and deletes the rows of units that have no placement of the year any more. The
fingerprint is the one the unit's list header trusts (count, Σ version, max id, last change): every service that
changes a placement or its months bumps its version or, for a background grid recompute, its ``updated_at``
(``placements.services._touch_changed``), adds or deletes one.

Who refreshes: the statistics page, for a district (cheap: a few thousand units at most), before it reads; for a
city, a province or the country, ``manage.py refresh_statistics`` (cron, every 10 minutes) — the page says when it
ran.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from declarations.models import UnitYearFigures
from placements import counting
from placements.models import Placement, PlacementMonth
from placements.querysets import measure_aggregate, measure_q

CHUNK = 2000  # units recomputed per months query
AS_OF_SECONDS = 7 * 24 * 3600
FIELDS = ("placements", "version_sum", "top_id", "last_change", "persons_counted", "confirmed", "approved")


@dataclass(frozen=True)
class RefreshResult:
    units: int  # units of the region with placements of the year
    recomputed: int
    removed: int
    seconds: float


def _inside(path: str, region: str) -> dict:
    return {f"{path}federation_region__code__startswith": region} if region else {}


def _fingerprints(year: int, region: str) -> dict[int, tuple]:
    rows = (
        Placement.objects.filter(year=year, **_inside("employer__", region))
        .values("employer")
        .annotate(n=Count("pk"), v=Sum("version"), top=Max("pk"), last=Max("updated_at"))
        .order_by()
        .values_list("employer", "n", "v", "top", "last")
    )
    return {employer: (n, int(v or 0), top, last) for employer, n, v, top, last in rows}


def _months(year: int, employers: list[int]) -> dict[int, dict]:
    """安置确认 / 安置核定 months and 安置确认人数 of ``employers`` (counted placements only: counting's rule)."""
    confirmed = counting.measure("confirmed")
    rows = (
        PlacementMonth.objects.filter(year=year, placement__employer__in=employers)
        .counted()
        .values("placement__employer")
        .annotate(
            confirmed=measure_aggregate(confirmed),
            approved=measure_aggregate(counting.measure("approved")),
            persons_counted=Count("placement", distinct=True, filter=measure_q(confirmed)),
        )
        .order_by()
    )
    return {row.pop("placement__employer"): row for row in rows}


def summary_refresh(*, year: int, region: str = "", dry_run: bool = False) -> RefreshResult:
    """Bring the summary rows of ``region``'s units (prefix; '' = everywhere) for ``year`` up to date (``dry_run``:
    only count what would be recomputed and removed)."""
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        current = _fingerprints(year, region)
        stored = {
            row[0]: tuple(row[1:])
            for row in UnitYearFigures.objects.filter(year=year, **_inside("employer__", region)).values_list(
                "employer", "placements", "version_sum", "top_id", "last_change"
            )
        }
        changed = sorted(employer for employer, fp in current.items() if stored.get(employer) != fp)
        removed = [employer for employer in stored if employer not in current]
        if dry_run:
            return RefreshResult(len(current), len(changed), len(removed), time.perf_counter() - started)
        for start in range(0, len(changed), CHUNK):
            chunk = changed[start : start + CHUNK]
            months = _months(year, chunk)
            rows = []
            for employer in chunk:
                n, version_sum, top, last = current[employer]
                facts = months.get(employer, {})
                rows.append(
                    UnitYearFigures(
                        employer_id=employer,
                        year=year,
                        placements=n,
                        version_sum=version_sum,
                        top_id=top,
                        last_change=last,
                        persons_counted=facts.get("persons_counted", 0),
                        confirmed=int(facts.get("confirmed") or 0),
                        approved=int(facts.get("approved") or 0),
                        refreshed_at=now,
                    )
                )
            UnitYearFigures.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["employer", "year"],
                update_fields=[*FIELDS, "refreshed_at"],
            )
        if removed:
            UnitYearFigures.objects.filter(year=year, employer__in=removed).delete()
    cache.set(_as_of_key(year, region), now, AS_OF_SECONDS)  # after the commit (callers do not nest it)
    return RefreshResult(len(current), len(changed), len(removed), time.perf_counter() - started)


def _as_of_key(year: int, region: str) -> str:
    return f"statistics:refreshed:{year}:{region}"


def summary_as_of(*, year: int, region: str = ""):
    """When the summary of ``region`` was last brought up to date: the latest refresh of the region or of a region
    containing it (None: not known — never, or the cache forgot). No query."""
    keys = [_as_of_key(year, region[:n]) for n in (0, 2, 4, 6) if n <= len(region)]
    found = [value for value in cache.get_many(keys).values() if value is not None]
    return max(found) if found else None
