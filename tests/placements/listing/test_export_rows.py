"""导出 (issue 13), the fast rows: the sheets equal what the per-person grid code wrote before (grid_rows on every
month, kept here as the reference), on months of every kind; grid_rows runs once per combination; the months are
consumed as the rows are written; the queries do not grow with the persons."""

import io
import random
from datetime import date
from itertools import groupby

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from core.masking import mask_number
from placements import counting
from placements.grid.checks import CHECKS, REASONS
from placements.grid.selectors import grid_rows
from placements.listing import export_rows
from placements.listing.export import (
    GRID_COLUMNS,
    PERSON_COLUMNS,
    SHEET_GRID,
    SHEET_PERSONS,
    write_placements_workbook,
)
from placements.listing.labels import status_text
from placements.listing.selectors import ListFilters, filtered_placements
from placements.models import PlacementMonth
from tests.factories import placements as pf
from tests.placements.listing.test_views_list import with_months

pytestmark = pytest.mark.django_db
STATES = ("auto", "pending", "confirmed", "rejected")
CERT_TYPES = ("残疾人证", "残疾军人证", "")
TODAY = date(2026, 11, 28)  # the header's one query guesses the previous calendar year


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _random_month(rng: random.Random, p, m: int, *, fresh: bool) -> PlacementMonth:
    oks = {f"{c}_ok": rng.random() < 0.7 for c in CHECKS}
    codes = rng.sample(sorted(REASONS), rng.randint(0, 3))
    selected = not fresh and rng.random() < 0.6
    state = rng.choice(STATES) if selected else "none"
    return PlacementMonth(
        placement=p,
        id_number=p.id_number,
        year=2025,
        month=202500 + m,
        **oks,
        taken_elsewhere="taken_elsewhere" in codes or rng.random() < 0.1,
        verified=all(oks.values()),
        reasons=",".join(codes),
        cert_type=rng.choice(CERT_TYPES),
        cert_grade=rng.choice((None, 1, 2, 4, 9, 10)),
        cert_no=f"{p.id_number}4{m % 4 + 1}" if m % 5 else "",
        weight=rng.choice((0, 1, 2)),
        selected=selected,
        review_state=state,
        decision_reason=rng.choice(("", "工资证明已核", " 材料<不全> & 待补 ", "=核对\r\n再议")),
    )


@pytest.fixture
def varied(employer, other_employer):
    """Persons whose months cover the checks, the reasons, the certificates, the review states and fresh grids
    (nothing selected yet); one without months; names to escape; another unit's person."""
    rng = random.Random(13)
    names = ["张三", " 李 四 ", "王<五>&六", "赵钱", "孙李", "周吴", "郑王", "冯陈"]
    people = []
    for i, name in enumerate(names):
        p = pf.placement(employer, name=name, wizard_completed=i % 3 != 2)
        PlacementMonth.objects.bulk_create(
            _random_month(rng, p, m, fresh=i in (3, 6)) for m in range(1, 13) if not (i == 5 and m > 8)
        )
        people.append(p)
    people.append(pf.placement(employer, name="无月份"))
    with_months(other_employer, ["auto"] * 12, name="别家人")
    return people


def _reference(employer, filters: ListFilters, full_ids: bool) -> tuple[list[tuple], list[tuple]]:
    """The two sheets' rows as the export wrote them before issue 13's speed-up: grid_rows per person."""
    number = (lambda v: v or "") if full_ids else mask_number
    rows = filtered_placements(employer, 2025, filters)
    persons = [
        (
            n,
            p.name,
            number(p.id_number),
            number(p.cert_no) or "—",
            int(p.n_registered),
            int(p.n_confirmed),
            int(p.n_approved),
            int(p.n_rejected),
            status_text(p.status),
        )
        for n, p in enumerate(rows, start=1)
    ]
    months = PlacementMonth.objects.filter(placement__in=[p.pk for p in rows]).order_by("placement_id", "month")
    grids = {pk: list(group) for pk, group in groupby(months, key=lambda m: m.placement_id)}
    grid = []
    for p in rows:
        for row in grid_rows(p, grids.get(p.pk, [])):
            if row.review_state in counting.CONFIRMED_STATES:
                review = f"✓ {row.review_label}"
            elif row.review_state == counting.REJECTED:
                review = f"✗ {row.review_label}"
            else:
                review = row.review_label
            grid.append(
                (
                    p.name,
                    number(p.id_number),
                    row.label,
                    *("✓" if c.ok else f"✗ {c.reason}" for c in row.cells),
                    row.cert_type or None,
                    row.cert_grade or None,
                    row.weight,
                    review or None,
                    row.decision_reason or None,
                    "；".join(row.reasons) or None,
                )
            )
    return persons, grid


def _sheets(employer, filters: ListFilters, full_ids: bool) -> tuple[list[tuple], list[tuple]]:
    stream = io.BytesIO()
    write_placements_workbook(employer, 2025, stream, filters=filters, full_ids=full_ids, today=TODAY)
    book = load_workbook(io.BytesIO(stream.getvalue()), read_only=True)
    return tuple(
        [tuple(r) for r in book[sheet].iter_rows(min_row=2, max_col=len(columns), values_only=True)]
        for sheet, columns in ((SHEET_PERSONS, PERSON_COLUMNS), (SHEET_GRID, GRID_COLUMNS))
    )


@pytest.mark.parametrize("full_ids", [False, True])
@pytest.mark.parametrize("filters", [ListFilters(), ListFilters(search="李"), ListFilters(status="incomplete")])
def test_sheets_equal_the_per_person_grid_code(employer, varied, filters, full_ids):
    persons, grid = _sheets(employer, filters, full_ids)
    expected_persons, expected_grid = _reference(employer, filters, full_ids)
    assert persons == expected_persons
    assert grid == expected_grid
    if filters == ListFilters():
        assert len(persons) == 9 and len(grid) == 12 * 8 - 4
        kinds = {(r[3], r[12]) for r in grid}  # wage cell, review: ✓ and ✗ with reasons, fresh and not
        assert {"✓", "—", "未登记"} <= {v for k in kinds for v in k}
        assert any(r[13] for r in grid) and any(r[14] for r in grid)  # 审核意见, 未通过原因


def test_grid_rows_runs_once_per_combination(employer, varied, monkeypatch):
    calls = []

    def counted(placement, months):
        calls.append(months[0].month)
        return grid_rows(placement, months)

    monkeypatch.setattr(export_rows, "grid_rows", counted)
    rows = filtered_placements(employer, 2025, ListFilters())
    months = list(export_rows.month_values(employer, 2025))
    assert len(list(export_rows.grid_values(rows, months, mask_number))) == len(months) == 12 * 8 - 4
    field = export_rows.MONTH_FIELDS.index
    fresh = {pk: not any(m[field("selected")] for m in g) for pk, g in groupby(months, key=lambda m: m[0])}
    depends_on = slice(field("wage_ok"), field("weight"))  # the checks, reasons, certificate
    distinct = {(*m[depends_on], m[field("selected")], m[field("review_state")], fresh[m[0]]) for m in months}
    assert len(calls) == len(distinct) < len(months)


def test_months_are_consumed_as_the_rows_are_written(employer):
    people = [with_months(employer, ["auto"] * 12, name=f"员工{i}") for i in range(5)]
    taken = []

    def months():
        for m in export_rows.month_values(employer, 2025):
            taken.append(m)
            yield m

    rows = export_rows.grid_values(people, months(), mask_number)
    first = next(rows)
    assert first[0] == "员工0" and first[2] == "2025年1月"
    assert len(taken) <= 13  # the first person's months and one more, not the 60
    assert len(list(rows)) == 59 and len(taken) == 60


@pytest.mark.parametrize("filters", [{}, {"q": "员工"}, {"status": "pending"}])
def test_export_queries_are_constant_in_the_persons(employer, django_assert_num_queries, filters):
    with_months(employer, ["auto", "pending"], name="员工0")
    stream = io.BytesIO()
    with django_assert_num_queries(3) as small:  # the header, the rows, the months
        assert write_placements_workbook(employer, 2025, stream, filters=filters, today=TODAY) == 1
    for i in range(1, 40):
        with_months(employer, ["auto", "pending"], name=f"员工{i}")
    cache.clear()
    with django_assert_num_queries(len(small.captured_queries)):
        assert write_placements_workbook(employer, 2025, io.BytesIO(), filters=filters, today=TODAY) == 40
