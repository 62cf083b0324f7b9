"""The rows of the export's 安置人员 and 月度核验 sheets as plain values (issue 13), streamed.

The 月度核验 sheet shows each month as the month grid does (placements.grid.selectors.grid_rows, the one
definition). Before, grid_rows ran for every month of every person on model instances — a PlacementMonth per month,
six GridCell objects, the reason codes parsed each time: about a quarter of a 5,000-person export's time (openpyxl's
per-cell writing was most of the rest, see placements.listing.xlsx_stream). The cells of a month only depend on a
few of its fields (the six checks, the reason codes, the certificate, the selection and review state, and whether
the person's grid is still fresh), and those combinations are few: :class:`GridCells` asks grid_rows once per
combination met and keeps its answer for the rest of the export, and the months arrive as plain tuples from one
streamed query (:func:`month_values`), one person's twelve at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter

from core.months import month_label
from employers.models import Employer
from placements import counting
from placements.grid.checks import CHECKS
from placements.grid.selectors import GridRow, grid_rows
from placements.listing.labels import status_text
from placements.models import Placement, PlacementMonth

# The month fields the sheet needs, in this order (MONTH_FIELDS[i] is the tuple's i-th value).
OK_FIELDS = tuple(f"{check}_ok" for check in CHECKS)
MONTH_FIELDS = (
    "placement_id",
    "month",
    *OK_FIELDS,
    "taken_elsewhere",
    "reasons",
    "cert_type",
    "cert_grade",
    "weight",
    "selected",
    "review_state",
    "decision_reason",
)
_PK, _MONTH, _CERT_TYPE, _WEIGHT, _SELECTED, _STATE, _DECISION = map(
    MONTH_FIELDS.index, ("placement_id", "month", "cert_type", "weight", "selected", "review_state", "decision_reason")
)
_KEY = slice(MONTH_FIELDS.index(OK_FIELDS[0]), _WEIGHT)  # the checks, taken_elsewhere, reasons and the certificate
_SHOWN = "\x00shown\x00"  # a decision reason no reviewer writes: marks where grid_rows shows it
CHUNK_SIZE = 2000


def month_values(employer: Employer, year: int, placement_ids: list[int] | None = None) -> Iterator[tuple]:
    """The month rows of the unit's placements of ``year`` (only of ``placement_ids`` when given) as tuples of
    :data:`MONTH_FIELDS`, by placement then month; one query, read in chunks (a server-side cursor on PostgreSQL)."""
    qs = PlacementMonth.objects.filter(placement__employer=employer, placement__year=year)
    if placement_ids is not None:
        qs = qs.filter(placement_id__in=placement_ids)
    return qs.order_by("placement_id", "month").values_list(*MONTH_FIELDS).iterator(chunk_size=CHUNK_SIZE)


def person_values(rows: Iterable[Placement], number: Callable[[str], str]) -> Iterator[list]:
    """The 安置人员 rows: the list's columns, numbers shown through ``number`` (masked, or in full)."""
    for n, p in enumerate(rows, start=1):
        yield [
            n,
            p.name,
            number(p.id_number),
            number(p.cert_no) or "—",
            int(p.n_registered),
            int(p.n_confirmed),
            int(p.n_approved),
            int(p.n_rejected),
            status_text(p.status),
        ]


def review_text(row: GridRow) -> str:
    """登记 / 审核状态 with ✓ / ✗ as text (colour is never the only sign)."""
    if row.review_state in counting.CONFIRMED_STATES:
        return f"✓ {row.review_label}"
    if row.review_state == counting.REJECTED:
        return f"✗ {row.review_label}"
    return row.review_label


class GridCells:
    """The cells of a month row that grid_rows decides, computed once per combination of what they depend on."""

    def __init__(self) -> None:
        self._cells: dict[tuple, tuple] = {}
        self._placement = Placement()  # grid_rows does not read it

    def __call__(self, month: tuple, fresh: bool) -> tuple:
        """(the six check cells, 残疾证等级 or None, 登记 / 审核状态, whether 审核意见 shows, 未通过原因 or None)."""
        key = (*month[_KEY], month[_SELECTED], month[_STATE], fresh)
        cells = self._cells.get(key)
        if cells is None:
            cells = self._cells[key] = self._compute(month, fresh)
        return cells

    def _compute(self, month: tuple, fresh: bool) -> tuple:
        fields = dict(zip(MONTH_FIELDS[2:], month[2:], strict=True))
        fields.update(weight=0, decision_reason=_SHOWN)
        m = PlacementMonth(year=month[_MONTH] // 100, month=month[_MONTH], **fields)
        months = [m]
        if not fresh and not m.selected:  # another month of the grid is selected: grid_rows is told so
            months.append(PlacementMonth(year=m.year, month=m.month, selected=True, review_state=counting.PENDING))
        row = grid_rows(self._placement, months)[0]
        return (
            tuple("✓" if c.ok else f"✗ {c.reason}" for c in row.cells),
            row.cert_grade or None,
            review_text(row),
            row.decision_reason == _SHOWN,
            "；".join(row.reasons) or None,  # with 已在其他单位登记 (grid_rows adds it)
        )


def grid_values(rows: Iterable[Placement], months: Iterable[tuple], number: Callable[[str], str]) -> Iterator[list]:
    """The 月度核验 rows: each month of the placements in ``rows`` (``months``: :func:`month_values`, by placement
    then month; months of other placements are skipped), in the order of ``rows`` (by id, as the months)."""
    persons = {p.pk: (p.name, number(p.id_number)) for p in rows}
    cells_of = GridCells()
    labels: dict[int, str] = {}
    for pk, group in groupby(months, key=itemgetter(_PK)):
        person = persons.get(pk)
        if person is None:
            continue
        name, id_number = person
        grid = list(group)  # twelve months at most
        fresh = not any(m[_SELECTED] for m in grid)
        for m in grid:
            checks, grade, review, shows_decision, reasons = cells_of(m, fresh)
            label = labels.get(m[_MONTH])
            if label is None:
                label = labels[m[_MONTH]] = month_label(m[_MONTH])
            yield [
                name,
                id_number,
                label,
                *checks,
                m[_CERT_TYPE] or None,
                grade,
                m[_WEIGHT],
                review,
                (m[_DECISION] or None) if shows_decision else None,
                reasons,
            ]
