"""The summary behind 统计分析 (``declarations.models.UnitYearFigures``): per unit and business year, the persons and
month figures, computed through the counting querysets (``placements.querysets``: ``counted()``,
``measure_aggregate``, ``measure_q`` — the one definition) and kept with the fingerprint of the unit's placements
they were computed at.

A refresh (:func:`summary_refresh`) reads the fingerprints of the region's units (one grouped query over their
placements), recomputes only the units whose fingerprint changed (grouped queries over their months, by chunks of
units, through the placement index) and deletes the rows of units that have no placement of the year any more. The
fingerprint is the one the unit's list header trusts (count, Σ version, max id, last change): every service that
changes a placement or its months bumps its version, adds or deletes one, and a background grid recompute sets the
unit's year's ``placements.models.GridChange`` (inside a transaction a placement's ``updated_at``:
``placements.grid.marks.mark_changed``), which the last change takes when later than the placements'
``updated_at``.

Who refreshes: the statistics page, for a district (cheap: a few thousand units at most), before it reads; for a
city, a province or the country, ``manage.py refresh_statistics`` (cron, every 10 minutes) — the page says when it
ran.

The levy estimate (应缴保障金, 实际安排比例 against the province's 规定比例) is the levy app's: ``levy`` sits above
``declarations`` in the layers, so it registers an estimator here when its app is ready
(:func:`register_levy_estimator`, ``levy.apps`` → ``levy.statistics``). A refresh hands it every unit's 一二级 /
三四级 months; it answers, for each unit that stated its staff figures for the year, the figures computed by the
calculator and a key of the inputs they were computed from — a unit whose key is unchanged is not recomputed. Units
that stated nothing get no estimate (无法估算), never 0. ADR 0019.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from declarations.models import UnitYearFigures
from placements import counting
from placements.models import GridChange, Placement, PlacementMonth
from placements.querysets import measure_aggregate, measure_q

CHUNK = 2000  # units recomputed per months query
AS_OF_SECONDS = 7 * 24 * 3600
FINGERPRINT = ("placements", "version_sum", "top_id", "last_change")
MONTH_FIGURES = ("persons_counted", "confirmed", "approved", "severe", "other")
LEVY_FIGURES = ("staff_count", "ratio_percent", "levy_cents", "levy_key")
FIELDS = (*FINGERPRINT, *MONTH_FIGURES, *LEVY_FIGURES)
NO_PLACEMENTS = (0, 0, 0, None)  # the fingerprint of a unit without placements of the year
NO_MONTHS = dict.fromkeys(MONTH_FIGURES, 0)


@dataclass(frozen=True)
class LevyFigures:
    """A unit's levy estimate as the levy app computes it. ``levy_cents`` None: 无法估算."""

    key: str  # the inputs it was computed from ("" = none)
    staff_count: Decimal | None = None
    ratio_percent: Decimal | None = None
    levy_cents: int | None = None

    def values(self) -> dict:
        return {"staff_count": self.staff_count, "ratio_percent": self.ratio_percent, "levy_cents": self.levy_cents}


NO_ESTIMATE = LevyFigures("")

# estimator(year=, region=, months={unit: (一二级, 三四级)}, known={unit: key stored}) → {unit: LevyFigures, or None
# when the key is the one stored} for every unit of ``region`` with the inputs of an estimate.
LevyEstimator = Callable[..., Mapping[int, LevyFigures | None]]
_estimators: list[LevyEstimator] = []


def register_levy_estimator(estimator: LevyEstimator) -> None:
    """Called by ``levy.apps`` when the app is ready (the levy rules live above this layer)."""
    _estimators[:] = [estimator]


def levy_estimator() -> LevyEstimator | None:
    return _estimators[0] if _estimators else None


@dataclass(frozen=True)
class RefreshResult:
    units: int  # units of the region with placements of the year
    recomputed: int  # rows written (months recomputed or estimate changed)
    removed: int
    seconds: float
    estimated: int = 0  # levy estimates (re)computed


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
    # The last change: the placements' latest updated_at, or the year's last recompute change when later.
    changes = dict(
        GridChange.objects.filter(year=year, **_inside("employer__", region)).values_list("employer", "changed_at")
    )
    out = {}
    for employer, n, v, top, last in rows:
        changed = changes.get(employer)
        out[employer] = (
            n,
            int(v or 0),
            top,
            changed if changed is not None and (last is None or changed > last) else last,
        )
    return out


def _months(year: int, employers: list[int]) -> dict[int, dict]:
    """安置确认 / 安置核定 months, 安置确认人数 and the 一二级 / 三四级 confirmed months (the calculator's input) of
    ``employers`` (counted placements only: counting's rule)."""
    confirmed = counting.measure("confirmed")
    rows = (
        PlacementMonth.objects.filter(year=year, placement__employer__in=employers)
        .counted()
        .values("placement__employer")
        .annotate(
            confirmed=measure_aggregate(confirmed),
            approved=measure_aggregate(counting.measure("approved")),
            persons_counted=Count("placement", distinct=True, filter=measure_q(confirmed)),
            severe=measure_aggregate(counting.measure("severe")),
            other=measure_aggregate(counting.measure("other")),
        )
        .order_by()
    )
    return {row.pop("placement__employer"): row for row in rows}


def summary_refresh(*, year: int, region: str = "", dry_run: bool = False) -> RefreshResult:
    """Bring the summary rows of ``region``'s units (prefix; '' = everywhere) for ``year`` up to date (``dry_run``:
    only count the units whose placements changed and the rows that would be removed)."""
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        current = _fingerprints(year, region)
        stored = {
            row.pop("employer"): row
            for row in UnitYearFigures.objects.filter(year=year, **_inside("employer__", region)).values(
                "employer", *FIELDS
            )
        }
        changed = sorted(e for e, fp in current.items() if e not in stored or _fingerprint(stored[e]) != fp)
        if dry_run:
            removed = [e for e in stored if e not in current]
            return RefreshResult(len(current), len(changed), len(removed), time.perf_counter() - started)
        months = {}
        for start in range(0, len(changed), CHUNK):
            months.update(_months(year, changed[start : start + CHUNK]))
        changed_set = set(changed)
        facts = {e: {**NO_MONTHS, **months.get(e, {})} if e in changed_set else stored[e] for e in current}
        estimator = levy_estimator()
        levy = (
            estimator(
                year=year,
                region=region,
                months={e: (int(f["severe"] or 0), int(f["other"] or 0)) for e, f in facts.items()},
                known={e: row["levy_key"] for e, row in stored.items()},
            )
            if estimator is not None
            else {}
        )
        rows = []
        for employer in sorted(set(current) | set(levy)):
            old = stored.get(employer)
            fingerprint = current.get(employer, NO_PLACEMENTS)
            estimate = levy.get(employer, NO_ESTIMATE)  # None: the estimate stored is still right
            months_changed = old is None or _fingerprint(old) != fingerprint
            levy_changed = estimate is not None and (old is None or estimate.key != old["levy_key"])
            if not (months_changed or levy_changed):
                continue
            if estimate is None:
                estimate = LevyFigures(old["levy_key"], old["staff_count"], old["ratio_percent"], old["levy_cents"])
            month_figures = facts.get(employer, NO_MONTHS)
            n, version_sum, top, last = fingerprint
            rows.append(
                UnitYearFigures(
                    employer_id=employer,
                    year=year,
                    placements=n,
                    version_sum=version_sum,
                    top_id=top,
                    last_change=last,
                    **{k: int(month_figures[k] or 0) for k in MONTH_FIGURES},
                    **estimate.values(),
                    levy_key=estimate.key,
                    refreshed_at=now,
                )
            )
        for start in range(0, len(rows), CHUNK):
            UnitYearFigures.objects.bulk_create(
                rows[start : start + CHUNK],
                update_conflicts=True,
                unique_fields=["employer", "year"],
                update_fields=[*FIELDS, "refreshed_at"],
            )
        removed = [e for e in stored if e not in current and e not in levy]
        if removed:
            UnitYearFigures.objects.filter(year=year, employer__in=removed).delete()
    estimated = sum(1 for figures in levy.values() if figures is not None)
    cache.set(_as_of_key(year, region), now, AS_OF_SECONDS)  # after the commit (callers do not nest it)
    return RefreshResult(len(current), len(rows), len(removed), time.perf_counter() - started, estimated)


def _fingerprint(row: Mapping) -> tuple:
    return tuple(row[k] for k in FINGERPRINT)


def _as_of_key(year: int, region: str) -> str:
    return f"statistics:refreshed:{year}:{region}"


def summary_as_of(*, year: int, region: str = ""):
    """When the summary of ``region`` was last brought up to date: the latest refresh of the region or of a region
    containing it (None: not known — never, or the cache forgot). No query."""
    keys = [_as_of_key(year, region[:n]) for n in (0, 2, 4, 6) if n <= len(region)]
    found = [value for value in cache.get_many(keys).values() if value is not None]
    return max(found) if found else None
