"""统计分析: per business year, the units of a region broken down by sub-region (the level below the region shown,
down to the unit list of a district), by 行业类别 or by 单位性质 — units that must file, started, declared, certified
(审核认定书 issued), sent to tax, withdrawn (a withdrawal approved); persons registered and counted; 安置确认 /
安置核定 person-months; 实际安排人数.

Every count of months and persons comes from the summary ``UnitYearFigures`` (``declarations.statistics_summary``),
which computes them through ``placements.querysets`` (the compiled ``placements.counting`` rules:
``PlacementMonth.objects.counted()``, ``measure_aggregate``, ``measure_q``); nothing here restates a rule. One
grouped statement (and one for the row names) whatever the number of units, plus the summary's refresh when asked.

``scope`` is the reviewer's region prefix ('' = the whole country); ``region`` the prefix drilled into, always
inside ``scope`` (:func:`clamp_region`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from django.db.models import Count, F, FilteredRelation, Q, Sum
from django.db.models.functions import Substr

from core.models import Region
from declarations.constants import WithdrawalState
from declarations.models import Withdrawal, actual_employed
from declarations.statistics_summary import summary_refresh
from employers.constants import Industry, UnitKind
from employers.declaration_states import LOCKED_STATUSES
from employers.models import Employer

UNIT_REGION = "federation_region"  # its key is the six-digit code

# by= values: what one row of the table stands for.
DIMENSIONS = {"region": "地区", "industry": "行业类别", "unit_kind": "单位性质", "unit": "单位"}

# The figures of a row, in table order, with their column headings (the page, the export and the chart use these).
FIGURES = (
    ("units", "应申报单位"),
    ("started", "已开始登记"),
    ("declared", "已完成申报"),
    ("certified", "已出具认定书"),
    ("sent", "已发送税务"),
    ("withdrawn", "已批准撤回"),
    ("persons", "安置登记人数"),
    ("persons_counted", "安置确认人数"),
    ("confirmed", "安置确认(人月)"),
    ("approved", "安置核定(人月)"),
)
FIGURE_NAMES = tuple(name for name, _ in FIGURES)


@dataclass
class StatRow:
    key: str
    name: str
    units: int = 0
    started: int = 0
    declared: int = 0
    certified: int = 0
    sent: int = 0
    withdrawn: int = 0
    persons: int = 0
    persons_counted: int = 0
    confirmed: int = 0
    approved: int = 0
    drill: str = ""  # region: the prefix to drill into (a district: its unit list); unit: the unit's pk

    @property
    def actual_employed(self) -> Decimal:
        """实际安排人数 = 安置核定月数 / 12, not rounded (declarations.models.actual_employed)."""
        return actual_employed(self.approved)

    def figures(self) -> list[int]:
        return [getattr(self, name) for name in FIGURE_NAMES]


# Kept for the callers of the first version (one row per sub-region).
RegionRow = StatRow


def group_length(prefix: str) -> int:
    """The length of the region code prefix one row stands for: the level below ``prefix`` (a district: itself)."""
    return min(len(prefix) + 2, 6)


def clamp_region(scope: str, region: str) -> str:
    """``region`` when it is a region prefix (2, 4 or 6 digits) inside ``scope``, else ``scope``."""
    region = (region or "").strip()
    if region.isdigit() and len(region) in (2, 4, 6) and region.startswith(scope):
        return region
    return scope


def clamp_dimension(by: str, region: str) -> str:
    """The unit list only inside a district (bounded); anything unknown: by sub-region."""
    if by not in DIMENSIONS or (by == "unit" and len(region) < 6):
        return "region"
    return by


def _key(by: str, path: str, length: int):
    """The GROUP BY expression of dimension ``by`` for a queryset reaching the unit through ``path``."""
    if by == "region":
        return Substr(f"{path}{UNIT_REGION}", 1, length)
    if by == "unit":
        return F(f"{path}id")
    return F(f"{path}{by}")


def _grouped(qs, key, **aggregates) -> dict[str, dict]:
    rows = qs.values(key=key).annotate(**aggregates).order_by("key")
    return {str(row.pop("key")): row for row in rows}


def _names(by: str, keys: list[str]) -> dict[str, tuple[str, str]]:
    """key → (name shown, drill-down target)."""
    if by == "region":
        regions = dict(Region.objects.filter(code__in=[k.ljust(6, "0") for k in keys]).values_list("code", "name"))
        return {k: (regions.get(k.ljust(6, "0"), k), k) for k in keys}
    if by == "unit":
        units = Employer.objects.filter(pk__in=[int(k) for k in keys]).values_list("pk", "name", "uscc")
        return {str(pk): (f"{name}（{uscc}）", str(pk)) for pk, name, uscc in units}
    labels = dict(Industry.choices if by == "industry" else UnitKind.choices)
    return {k: (labels.get(k, k or "未填写"), "") for k in keys}


def statistics(*, scope: str, region: str, year: int, by: str = "region", refresh: bool = True) -> list[StatRow]:
    """The rows of ``region`` (clamped into ``scope``) for business ``year``, one per value of dimension ``by``.
    ``refresh``: bring the region's summary up to date first (else read it as the last refresh left it)."""
    region = clamp_region(scope, region)
    by = clamp_dimension(by, region)
    length = group_length(region)

    def inside(path: str) -> dict:
        return {f"{path}{UNIT_REGION}__code__startswith": region} if region else {}

    if refresh:
        summary_refresh(year=year, region=region)
    # One statement: the region's units, each joined to its row of the year in the summary (persons and months,
    # declarations.statistics_summary), in DeclarationState (declared, sent) and in Declaration (certified,
    # withdrawn) — each unique per unit and year, so nothing is counted twice.
    locked = sorted(LOCKED_STATUSES)
    withdrawn_ids = Withdrawal.objects.filter(state=WithdrawalState.APPROVED).values("declaration_id")
    units = Employer.objects.filter(**inside("")).annotate(
        fig=FilteredRelation("year_figures", condition=Q(year_figures__year=year)),
        st=FilteredRelation("declaration_states", condition=Q(declaration_states__year=year)),
        dec=FilteredRelation("declarations", condition=Q(declarations__year=year)),
    )
    certified = Q(dec__status__in=locked, dec__current__certificate_issued_at__isnull=False)
    grouped = _grouped(
        units,
        _key(by, "", length),
        units=Count("pk"),
        started=Count("pk", filter=Q(fig__placements__gt=0)),
        persons=Sum("fig__placements"),
        persons_counted=Sum("fig__persons_counted"),
        confirmed=Sum("fig__confirmed"),
        approved=Sum("fig__approved"),
        declared=Count("pk", filter=Q(st__status__in=locked)),
        sent=Count("pk", filter=Q(st__status__in=locked, st__sent_to_tax_at__isnull=False)),
        certified=Count("pk", filter=certified),
        withdrawn=Count("pk", filter=Q(dec__pk__in=withdrawn_ids)),
    )
    keys = sorted(grouped)
    names = _names(by, keys)
    result = []
    for key in keys:
        name, drill = names.get(key, (key, ""))
        row = StatRow(key=key, name=name, drill=drill if (by == "unit" or len(key) > len(region)) else "")
        for figure in FIGURE_NAMES:
            setattr(row, figure, int(grouped[key].get(figure) or 0))
        result.append(row)
    if by == "region" and len(region) == 6:  # a district is its own single row: drill into its unit list
        for row in result:
            row.drill = row.key
    return result


def region_statistics(*, prefix: str, year: int) -> list[StatRow]:
    """By sub-region of the reviewer's region ``prefix`` (the first version's entry point)."""
    return statistics(scope=prefix, region=prefix, year=year, by="region")


def total_row(rows: list[StatRow]) -> StatRow:
    total = StatRow(key="", name="合计")
    for field in fields(StatRow):
        if field.name in FIGURE_NAMES:
            setattr(total, field.name, sum(getattr(row, field.name) for row in rows))
    return total


def drill_path(scope: str, region: str) -> list[tuple[str, str]]:
    """(prefix, name) from the reviewer's region down to ``region`` (the breadcrumbs of the drill-down), one query."""
    prefixes = [region[:n] for n in (2, 4, 6) if n <= len(region) and len(region[:n]) >= len(scope)]
    if scope == "":
        prefixes = ["", *prefixes]
    codes = [p.ljust(6, "0") for p in prefixes if p]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [(p, names.get(p.ljust(6, "0"), p) if p else "全国") for p in prefixes]
