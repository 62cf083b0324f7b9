"""统计分析: per business year, the units of a region broken down by sub-region (the level below the region shown,
down to the unit list of a district), by 行业类别 or by 单位性质 — units that must file, started, declared, certified
(审核认定书 issued), sent to tax, withdrawn (a withdrawal approved); persons registered and counted; 安置确认 /
安置核定 person-months; 实际安排人数; the 实际安排比例 against the province's 规定比例 and the 应缴保障金 estimate.

Every count of months and persons comes from the summary ``UnitYearFigures`` (``declarations.statistics_summary``),
which computes them through ``placements.querysets`` (the compiled ``placements.counting`` rules:
``PlacementMonth.objects.counted()``, ``measure_aggregate``, ``measure_q``); nothing here restates a rule. One
grouped statement (and one for the row names) whatever the number of units, plus the summary's refresh when asked.

The levy figures are the summary's too: each unit's estimate was computed by the levy app's calculator
(``levy.statistics``, registered with the summary at app ready — ``levy`` is a layer above this one) from the staff
figures the unit stated. A row adds up its units: Σ 应缴保障金 over the units with an estimate, the others counted as
无法估算 (never as 0); 实际安排比例 = Σ 实际安排人数 / Σ 在职职工人数 × 100 over the units with an estimate; 规定比例:
the ratio their estimates used (their province's for the year; a range when a row spans provinces with different
ones), else, for a row inside one province, the province's (``core.selectors.employment_ratio``).

``scope`` is the reviewer's region prefix ('' = the whole country); ``region`` the prefix drilled into, always
inside ``scope`` (:func:`clamp_region`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, FilteredRelation, Max, Min, Q, Sum
from django.db.models.functions import Substr

from core.models import Region
from core.selectors import employment_ratio
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
# The levy columns after 实际安排人数 (page, export): (attribute, heading).
LEVY_COLUMNS = (
    ("actual_ratio_text", "实际安排比例"),
    ("required_ratio_text", "规定比例"),
    ("levy_payable_text", "应缴保障金估算（元）"),
    ("levy_units", "可估算单位"),
    ("levy_unknown", "无法估算单位"),
)
# Summed over the units of a row, like FIGURES (levy_units: units with an estimate).
LEVY_SUMS = ("levy_units", "levy_cents", "staff", "approved_known")
HUNDRED = Decimal(100)


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
    # The levy estimate of the units that have one (the others: 无法估算).
    levy_units: int = 0
    levy_cents: int = 0
    staff: Decimal = Decimal(0)  # Σ 在职职工人数
    approved_known: int = 0  # Σ 安置核定月数
    ratio_min: Decimal | None = None  # 规定比例 (%) of the units' provinces
    ratio_max: Decimal | None = None

    @property
    def actual_employed(self) -> Decimal:
        """实际安排人数 = 安置核定月数 / 12, not rounded (declarations.models.actual_employed)."""
        return actual_employed(self.approved)

    @property
    def levy_unknown(self) -> int:
        """Units without an estimate (无法估算: no staff figures stated for the year)."""
        return self.units - self.levy_units

    @property
    def levy_payable(self) -> Decimal | None:
        """Σ 应缴保障金 of the units with an estimate, in yuan (None: no unit has one)."""
        return Decimal(self.levy_cents).scaleb(-2) if self.levy_units else None

    @property
    def levy_payable_text(self) -> str:
        """``11,700,000.00`` as the levy pages show money (levy_tags.yuan), or 无法估算."""
        return "无法估算" if self.levy_payable is None else f"{self.levy_payable:,.2f}"

    @property
    def actual_ratio(self) -> Decimal | None:
        """实际安排比例 (%) of the units with an estimate: Σ 实际安排人数 / Σ 在职职工人数 × 100, not rounded."""
        if not self.levy_units or self.staff <= 0:
            return None
        return actual_employed(self.approved_known) / self.staff * HUNDRED

    @property
    def actual_ratio_text(self) -> str:
        return "无法估算" if self.actual_ratio is None else _percent(self.actual_ratio)

    @property
    def required_ratio_text(self) -> str:
        if self.ratio_min is None:
            return "—"
        if self.ratio_min == self.ratio_max:
            return _percent(self.ratio_min)
        return f"{_percent(self.ratio_min)}–{_percent(self.ratio_max)}"

    @property
    def below_required(self) -> bool | None:
        """实际安排比例 below the (lowest) 规定比例; None when either is unknown."""
        if self.actual_ratio is None or self.ratio_min is None:
            return None
        return self.actual_ratio < self.ratio_min

    def figures(self) -> list[int]:
        return [getattr(self, name) for name in FIGURE_NAMES]


def _percent(value: Decimal) -> str:
    """A ratio in percent as the levy pages show it (levy.calculator.format_percent): 2 decimals, half up."""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


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
    estimated = Q(fig__levy_cents__isnull=False)
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
        levy_units=Count("pk", filter=estimated),
        levy_cents=Sum("fig__levy_cents", filter=estimated),
        staff=Sum("fig__staff_count", filter=estimated),
        approved_known=Sum("fig__approved", filter=estimated),
        ratio_min=Min("fig__ratio_percent", filter=estimated),
        ratio_max=Max("fig__ratio_percent", filter=estimated),
    )
    keys = sorted(grouped)
    names = _names(by, keys)
    result = []
    for key in keys:
        name, drill = names.get(key, (key, ""))
        row = StatRow(key=key, name=name, drill=drill if (by == "unit" or len(key) > len(region)) else "")
        values = grouped[key]
        for figure in (*FIGURE_NAMES, "levy_units", "levy_cents", "approved_known"):
            setattr(row, figure, int(values.get(figure) or 0))
        row.staff = Decimal(values.get("staff") or 0)
        row.ratio_min, row.ratio_max = values.get("ratio_min"), values.get("ratio_max")
        result.append(row)
    _province_ratio_where_missing(result, by=by, region=region, year=year)
    if by == "region" and len(region) == 6:  # a district is its own single row: drill into its unit list
        for row in result:
            row.drill = row.key
    return result


def _province_ratio_where_missing(rows: list[StatRow], *, by: str, region: str, year: int) -> None:
    """A row without any estimate still shows its province's 规定比例 when it lies in one province (one query per
    province: one inside a province, at most one per province for the country by region)."""
    ratios: dict[str, Decimal] = {}
    for row in rows:
        if row.ratio_min is not None:
            continue
        province = region[:2] or (row.key[:2] if by == "region" else "")
        if not province:
            continue  # the country by 行业类别 / 单位性质: rows span provinces
        if province not in ratios:
            ratios[province] = employment_ratio(province, year).ratio_percent
        row.ratio_min = row.ratio_max = ratios[province]


def region_statistics(*, prefix: str, year: int) -> list[StatRow]:
    """By sub-region of the reviewer's region ``prefix`` (the first version's entry point)."""
    return statistics(scope=prefix, region=prefix, year=year, by="region")


def total_row(rows: list[StatRow]) -> StatRow:
    total = StatRow(key="", name="合计")
    for field in fields(StatRow):
        if field.name in FIGURE_NAMES or field.name in LEVY_SUMS:
            setattr(total, field.name, sum((getattr(row, field.name) for row in rows), field.default))
    ratios = [r for row in rows for r in (row.ratio_min, row.ratio_max) if r is not None]
    total.ratio_min, total.ratio_max = (min(ratios), max(ratios)) if ratios else (None, None)
    return total


def drill_path(scope: str, region: str) -> list[tuple[str, str]]:
    """(prefix, name) from the reviewer's region down to ``region`` (the breadcrumbs of the drill-down), one query."""
    prefixes = [region[:n] for n in (2, 4, 6) if n <= len(region) and len(region[:n]) >= len(scope)]
    if scope == "":
        prefixes = ["", *prefixes]
    codes = [p.ljust(6, "0") for p in prefixes if p]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return [(p, names.get(p.ljust(6, "0"), p) if p else "全国") for p in prefixes]
