"""Reads of the month grid: the twelve rows of a placement, the rows of the 信息校验 page, who holds a month."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.prepared import PreparedQuery
from placements import counting
from placements.constants import MonthReview
from placements.grid.checks import CHECK_LABELS, CHECKS, TAKEN_ELSEWHERE, grade_label, reasons_by_check
from placements.grid.selection import is_locked, month_option, unselectable_reason
from placements.models import Placement, PlacementMonth


def held_elsewhere(id_number: str, year: int, *, exclude_placement: int | None = None) -> dict[int, int]:
    """month → placement pk holding it, for a person in a year (other than ``exclude_placement``)."""
    rows = PlacementMonth.objects.held().filter(id_number=id_number, year=year)
    if exclude_placement is not None:
        rows = rows.exclude(placement_id=exclude_placement)
    return dict(rows.values_list("month", "placement_id"))


# --- the month grid (step 2) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    check: str
    label: str  # column header, e.g. 工资信息
    ok: bool
    reason: str  # why it failed ("" when ok)
    accessible_name: str  # e.g. "2025年3月 工资信息 未通过：工资低于最低工资标准"
    dom_id: str


@dataclass
class GridRow:
    month: int
    label: str  # 2025年3月
    cells: list[GridCell]
    cert_type: str
    cert_grade: str
    weight: int
    verified: bool
    taken_elsewhere: bool
    locked: bool  # auto-verified, not dispatched: ticked and cannot be unticked
    selectable: bool
    not_selectable_reason: str
    selected: bool  # current selection (or, for a fresh grid, the default)
    checked: bool  # what the checkbox shows (may differ from ``selected`` after a refused POST)
    review_state: str
    review_label: str
    reasons: list[str] = field(default_factory=list)
    decision_reason: str = ""  # the reviewer's reason (审核意见) of a decided month

    @property
    def failing(self) -> bool:
        return not self.verified


def _grade_text(cert_type: str, grade: int | None) -> str:
    return grade_label(cert_type, grade) if grade else ""


def grid_rows(placement: Placement, months: list[PlacementMonth], requested: set[int] | None = None) -> list[GridRow]:
    """The grid of §5 as rows for the template. ``requested``: the months the clerk ticked in a refused POST (to
    show them again); otherwise the current selection, or — before anything was selected — the auto-verified months
    (the system ticks them by default, §5.2)."""
    fresh = not any(m.selected for m in months)
    review_labels = dict(MonthReview.choices)
    rows = []
    for m in months:
        option = month_option(m)
        label = str(m.year_month)
        by_check = reasons_by_check(m.reasons)
        cells = []
        for check in CHECKS:
            ok = getattr(m, f"{check}_ok")
            reason = "" if ok else by_check.get(check, "未通过")
            name = f"{label} {CHECK_LABELS[check]} " + ("通过" if ok else f"未通过：{reason}")
            cells.append(GridCell(check, CHECK_LABELS[check], ok, reason, name, f"r{m.month}-{check}"))
        locked = is_locked(option)
        why = "" if locked else (unselectable_reason(option) or "")
        selected_default = m.verified if fresh else m.selected
        checked = locked or (m.month in requested if requested is not None else selected_default)
        reasons = [f"{c.label}：{c.reason}" for c in cells if not c.ok]
        if m.taken_elsewhere:
            reasons.append(by_check.get(TAKEN_ELSEWHERE, "已在其他单位登记"))
        rows.append(
            GridRow(
                month=m.month,
                label=label,
                cells=cells,
                cert_type=m.cert_type,
                cert_grade=_grade_text(m.cert_type, m.cert_grade),
                weight=m.weight,
                verified=m.verified,
                taken_elsewhere=m.taken_elsewhere,
                locked=locked,
                selectable=not why,
                not_selectable_reason=why,
                selected=m.selected,
                checked=checked and not why,
                review_state=m.review_state,
                review_label=review_labels.get(m.review_state, "") if m.selected else ("—" if fresh else "未登记"),
                reasons=reasons,
                decision_reason=m.decision_reason if m.review_state in counting.DECIDED_STATES else "",
            )
        )
    return rows


def _months(placement_id: int):
    return PlacementMonth.objects.filter(placement_id=placement_id).order_by("month")


_months_prepared = PreparedQuery(_months, ((-730021,), (-730022,)))


def month_grid(placement: Placement) -> list[PlacementMonth]:
    """The placement's twelve months by month (one query, compiled once: core.prepared)."""
    return _months_prepared(placement.pk)
