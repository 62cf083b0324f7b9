"""统计分析: per region (the level below the reviewer's region) and business year — units that must file, started,
declared, sent to tax; persons registered and counted; 安置确认 / 安置核定 person-months; 实际安排人数.

Every count of months and persons is read through ``placements.querysets`` (the compiled ``placements.counting``
rules: ``PlacementMonth.objects.counted()``, ``measure_aggregate``, ``measure_q``); nothing here restates a rule.
Five grouped queries whatever the number of units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Substr

from core.models import Region
from declarations.models import actual_employed
from employers.declaration_states import LOCKED_STATUSES
from employers.models import DeclarationState, Employer
from placements import counting
from placements.models import Placement, PlacementMonth
from placements.querysets import measure_aggregate, measure_q

UNIT_REGION = "federation_region"  # its key is the six-digit code


@dataclass
class RegionRow:
    code: str
    name: str
    units: int = 0
    started: int = 0
    declared: int = 0
    sent: int = 0
    persons: int = 0
    persons_counted: int = 0
    confirmed: int = 0
    approved: int = 0

    @property
    def actual_employed(self) -> Decimal:
        """实际安排人数 = 安置核定月数 / 12, not rounded (declarations.models.actual_employed)."""
        return actual_employed(self.approved)


def group_length(prefix: str) -> int:
    """The length of the region code prefix one row stands for: the level below ``prefix`` (a district: itself)."""
    return min(len(prefix) + 2, 6)


def _grouped(qs, lookup: str, length: int, **aggregates) -> dict[str, dict]:
    rows = qs.values(key=Substr(lookup, 1, length)).annotate(**aggregates).order_by("key")
    return {row.pop("key"): row for row in rows}


def region_statistics(*, prefix: str, year: int) -> list[RegionRow]:
    """The rows of the reviewer's region ``prefix`` ('' = the whole country) for business ``year``, by code."""
    length = group_length(prefix)
    scope = {f"{UNIT_REGION}__code__startswith": prefix} if prefix else {}
    employer_scope = {f"employer__{UNIT_REGION}__code__startswith": prefix} if prefix else {}
    month_scope = {f"placement__employer__{UNIT_REGION}__code__startswith": prefix} if prefix else {}

    units = _grouped(Employer.objects.filter(**scope), UNIT_REGION, length, n=Count("pk"))
    started = _grouped(
        Placement.objects.filter(year=year, **employer_scope),
        f"employer__{UNIT_REGION}",
        length,
        units=Count("employer", distinct=True),
        persons=Count("pk"),
    )
    states = _grouped(
        DeclarationState.objects.filter(year=year, status__in=LOCKED_STATUSES, **employer_scope),
        f"employer__{UNIT_REGION}",
        length,
        declared=Count("pk"),
        sent=Count("pk", filter=Q(sent_to_tax_at__isnull=False)),
    )
    months = _grouped(
        PlacementMonth.objects.filter(year=year, **month_scope).counted(),
        f"placement__employer__{UNIT_REGION}",
        length,
        confirmed=measure_aggregate(counting.measure("confirmed")),
        approved=measure_aggregate(counting.measure("approved")),
        persons_counted=Count("placement", distinct=True, filter=measure_q(counting.measure("confirmed"))),
    )
    codes = sorted(set(units) | set(started) | set(states) | set(months))
    names = dict(Region.objects.filter(code__in=[c.ljust(6, "0") for c in codes]).values_list("code", "name"))
    result = []
    for code in codes:
        row = RegionRow(code=code, name=names.get(code.ljust(6, "0"), code))
        row.units = units.get(code, {}).get("n", 0)
        row.started = started.get(code, {}).get("units", 0)
        row.persons = started.get(code, {}).get("persons", 0)
        row.declared = states.get(code, {}).get("declared", 0)
        row.sent = states.get(code, {}).get("sent", 0)
        facts = months.get(code, {})
        row.confirmed = int(facts.get("confirmed") or 0)
        row.approved = int(facts.get("approved") or 0)
        row.persons_counted = facts.get("persons_counted", 0)
        result.append(row)
    return result


def total_row(rows: list[RegionRow]) -> RegionRow:
    total = RegionRow(code="", name="合计")
    sums: dict[str, int] = defaultdict(int)
    for row in rows:
        for name in ("units", "started", "declared", "sent", "persons", "persons_counted", "confirmed", "approved"):
            sums[name] += getattr(row, name)
    for name, value in sums.items():
        setattr(total, name, value)
    return total
