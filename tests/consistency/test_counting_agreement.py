"""Every page that shows a unit's year agrees with ``placements.counting`` (issue 11: a consistency property test).

Property: for any unit and business year — placements submitted (完成登记), drafts never submitted, placements
reopened by 重新登记, placements deleted; month grids with unselected, auto, pending (some still lacking evidence),
confirmed and rejected months of weight 1 or 2 (certificates of grade 1–4); dispatch agreements awaiting review —
every figure the system shows or sends equals what ``placements.counting`` computes from the same PlacementMonth
rows: ``year_totals`` for the year, ``count_months`` / ``placement_status`` for one placement. Namely:

- the placement list: ``placement_totals``, ``list_header`` (its cached totals and ids by status, read twice), the rows
  of ``list_page`` (unfiltered and per status), ``placement_list_rows`` and ``placement_with_status``;
- 首页 (``dashboard.selectors.home_page``): 安置登记 / 安置确认 (人), the month totals, pending and missing-evidence
  months, the 1–2 级 / 3–4 级 months, the twelve bars and the chart's series, the levy estimate's 实际安排人数;
- the levy calculator's defaults (``confirmed_person_months``, ``calculator_defaults``): severe × 2 + other = 核定;
- the declaration: ``declaration_snapshot`` and ``declaration_blockers`` (exactly the placements 资料待完善 / 待审核);
  when nothing blocks, the real 完成申报 (``declaration_declare``): its Submission, the 审核认定书's and the 承诺书's
  context, and the row of the tax export file (安置核定月数, 实际安排人数); when something blocks, 完成申报 is refused.

Each hypothesis example runs in its own transaction (``hypothesis.extra.django.TestCase``) on a fresh unit (beside
a placement of the unit's previous year and another unit's placement, which no figure may include) and starts with
the list header's cache cleared; the header is then read after every step, so the final check also shows that its
cache's fingerprint followed every service's change. Placements are built two ways: month rows written directly (any
combination of states, like ``tests/placements/listing/test_totals.py``), and through the services a clerk and a
reviewer use (grid recompute from registry certificates and monthly facts → ``months_register`` → evidence recorded with
``months_evidence_record`` → ``placement_finish`` → ``month_decide`` → a feed correction and recompute →
``placement_reregister`` → again → ``placement_delete``). Two fixed units (``@example``) cover every path and every
审核状态 on each run; ``--hypothesis-show-statistics`` shows what the generated ones covered.
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from core.review import APPROVE, REJECT
from dashboard.selectors import home_page
from declarations import exports, taxfile
from declarations.documents import certificate_context, commitment_context
from declarations.models import Submission, TaxRecord
from declarations.selectors import certificate_available_from, declaration_snapshot, submission_people
from declarations.services import DeclarationBlocked, declaration_blockers, declaration_declare
from employers.services import reviewer_group_ensure
from feeds.models import PensionContribution
from levy.selectors import calculator_defaults, confirmed_person_months
from placements import counting
from placements.constants import DocumentReview, PlacementStatus
from placements.errors import SubmitError
from placements.grid import services as grid_services
from placements.grid.checks import EVIDENCE_KINDS
from placements.grid.recompute import grid_recompute
from placements.grid.services import months_evidence_record
from placements.listing.selectors import list_header, list_page
from placements.models import Contract, Placement, PlacementMonth
from placements.registration import lifecycle as registration_lifecycle
from placements.registration.selectors import placement_with_status
from placements.review.services import month_decide
from placements.selectors import placement_list_rows, placement_totals
from tests import factories
from tests.factories import placements as pf

YEAR = pf.YEAR  # 2025
TODAY = date(2026, 9, 30)  # inside business year 2025's default filing window (2026-03-01 … 2026-10-31)
MAX_EXAMPLES = 50
STATES = (counting.NONE, counting.AUTO, counting.PENDING, counting.CONFIRMED, counting.REJECTED)
ROW_MEASURES = ("registered", "confirmed", "approved", "rejected")


def _weight(grade: int) -> int:
    """残疾人证 1–2 级 → 2, 3–4 级 → 1 (domain.md §5.3)."""
    return 2 if grade <= 2 else 1


# --- what hypothesis generates ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectSpec:
    """A placement whose month rows are written directly. ``kind``: ``submitted`` (完成登记), ``reopened`` (重新登记:
    back in the wizard, the months as last submitted) or ``draft`` (never submitted)."""

    kind: str
    months: tuple[tuple[str, int, bool], ...]  # (review state, certificate grade, evidence missing) for months 1–12
    pending_agreement: bool
    deleted: bool


@dataclass(frozen=True)
class ServiceSpec:
    """A placement built through the services. ``facts`` per month: ``ok`` (wage, pension and medical rows),
    ``no_pension`` or ``none``; a registry certificate of ``grade`` (ending after month ``cert_ends`` when given)
    and maybe a second one (grade, first month); ``tick``: which failing months the clerk ticks; ``evidence``: which
    ticked failing months get their evidence; ``stage``: how far the wizard gets; ``decisions``: the reviewer's per
    month (approve / reject / leave); then maybe a feed correction and recompute (``lose_facts``), maybe 重新登记, maybe
    registered and finished again, maybe deleted."""

    facts: tuple[str, ...]
    grade: int
    cert_ends: int | None
    second: tuple[int, int] | None
    tick: tuple[bool, ...]
    evidence: tuple[bool, ...]
    stage: str
    decisions: tuple[str, ...]
    lose_facts: bool
    reopen: bool
    resubmit: bool
    deleted: bool


def _twelve(strategy):
    return st.lists(strategy, min_size=12, max_size=12).map(tuple)


_rare = st.integers(0, 5).map(lambda n: n == 5)  # about one in six; shrinks to False
_sometimes = st.integers(0, 2).map(lambda n: n == 2)  # about one in three
_grades = st.integers(1, 4)


def _palette(draw, choices):
    """A placement's grid mixes only some states (or decisions): without this nearly every random grid would mix
    them all, and 审核通过(系统) / 审核不通过 / 待审核 would hardly occur."""
    return st.sampled_from(sorted(draw(st.sets(st.sampled_from(choices), min_size=1))))


@st.composite
def direct_specs(draw, settled: bool) -> DirectSpec:
    if settled:  # submitted, every selected month decided, evidence complete: 完成申报 is possible
        states = _palette(draw, STATES[:2] + STATES[3:])
        months = list(draw(_twelve(st.tuples(states, _grades, st.just(False)))))
        if all(state == counting.NONE for state, _, _ in months):
            months[0] = (counting.AUTO, months[0][1], False)
        return DirectSpec("submitted", tuple(months), False, draw(_rare))
    kind = draw(st.sampled_from(("submitted", "reopened", "draft")))
    # A draft was never reviewed: its months are unselected, auto or pending.
    states = _palette(draw, STATES[:3] if kind == "draft" else STATES)
    lacking = st.booleans() if draw(_sometimes) else st.just(False)  # some pending months lack evidence
    months = draw(_twelve(st.tuples(states, _grades, lacking)))
    return DirectSpec(kind, months, draw(_rare), draw(_rare))


@st.composite
def service_specs(draw, settled: bool) -> ServiceSpec:
    facts = draw(_twelve(_palette(draw, ("ok", "no_pension", "none"))))
    grade = draw(_grades)
    cert_ends = draw(st.none() | st.integers(1, 11))
    second = draw(st.none() | st.tuples(_grades, st.integers(2, 12)))
    tick = draw(_twelve(st.booleans()))
    if settled:
        return ServiceSpec(
            facts,
            grade,
            cert_ends,
            second,
            tick if any(tick) else (True,) * 12,
            (True,) * 12,
            "submitted",
            draw(_twelve(_palette(draw, (APPROVE, REJECT)))),
            False,
            False,
            False,
            draw(_rare),
        )
    return ServiceSpec(
        facts,
        grade,
        cert_ends,
        second,
        tick,
        draw(_twelve(st.booleans())) if draw(_sometimes) else (True,) * 12,
        draw(st.sampled_from(("draft", "registered", "submitted", "submitted"))),
        draw(_twelve(_palette(draw, (APPROVE, REJECT, "leave")))),
        draw(_rare),
        draw(st.booleans()),
        draw(st.booleans()),
        draw(_rare),
    )


@st.composite
def units(draw) -> tuple[bool, list[DirectSpec | ServiceSpec]]:
    """A unit's year: ``settled`` units have every placement decided (so they can usually be declared)."""
    settled = draw(_sometimes)
    specs = draw(st.lists(st.one_of(direct_specs(settled), service_specs(settled)), max_size=6))
    return settled, specs


# Two units that run on every test run whatever hypothesis draws: every path of the builders and every 审核状态.
_OK, _MIXED = ("ok",) * 12, ("ok",) * 4 + ("no_pension",) * 4 + ("none",) * 4
_ALL, _NONE_TICKED = (True,) * 12, (False,) * 12


def _service(facts=_MIXED, grade=2, *, decisions=(APPROVE,) * 12, stage="submitted", **fields) -> ServiceSpec:
    defaults = {"cert_ends": None, "second": None, "tick": _ALL, "evidence": _ALL, "lose_facts": False, "reopen": False}
    return ServiceSpec(
        facts, grade, stage=stage, decisions=decisions, **{**defaults, "resubmit": False, "deleted": False, **fields}
    )


def _direct(kind, states, grade=2, *, missing=False, **fields) -> DirectSpec:
    months = tuple((state, grade, missing and state == counting.PENDING) for state in states)
    return DirectSpec(kind, months, fields.get("pending_agreement", False), fields.get("deleted", False))


OPEN_UNIT = (
    False,
    [
        _service(decisions=(APPROVE, REJECT, "leave") * 4, reopen=True),  # 重新登记: back in the wizard
        _service(grade=3, cert_ends=9, second=(1, 6), decisions=(REJECT, APPROVE) * 6, reopen=True, resubmit=True),
        _service(grade=4, stage="registered", evidence=_NONE_TICKED),  # ticked ✗ months lacking their evidence
        _service(_OK, 1, tick=_NONE_TICKED, deleted=True),
        _service(_OK, 2, lose_facts=True),  # submitted, then months 1–3 lose their facts: 资料待完善, still counted
        _service(stage="draft"),
        _direct("reopened", (counting.CONFIRMED, counting.REJECTED, counting.AUTO) * 4),
        _direct("draft", (counting.AUTO, counting.PENDING, counting.NONE) * 4, missing=True),
        _direct("submitted", (counting.AUTO,) * 12, 3, pending_agreement=True),  # 待审核: the dispatch agreement
        _direct("submitted", (counting.PENDING, counting.CONFIRMED) * 6, 1),  # 待审核
    ],
)
SETTLED_UNIT = (
    True,
    [
        _service(grade=2, cert_ends=6, second=(4, 7), decisions=(APPROVE, REJECT) * 6),  # 部分审核不通过
        _service(_OK, 3),  # 审核通过(系统)
        _direct("submitted", (counting.CONFIRMED, counting.AUTO, counting.NONE) * 4, 1),  # 审核通过(人工)
        _direct("submitted", (counting.REJECTED, counting.NONE) * 6, 4),  # 审核不通过
        _direct("submitted", (counting.AUTO,) * 12, deleted=True),
    ],
)

# Found by this test on CI: a one-placement recompute (a feed correction) that changed months left the placement
# list's cached header totals stale — grid_recompute did not mark the placement changed (grid.marks.mark_changed).
STALE_HEADER_UNIT = (
    False,
    [
        _direct("submitted", (counting.NONE,) * 12, 1),
        _direct("submitted", (counting.NONE,) * 12, 1),
        _service(_OK, 1, stage="registered", tick=_NONE_TICKED, lose_facts=True),
    ],
)


# --- building the unit's year -----------------------------------------------------------------------------------------


def _key(month: int) -> int:
    return YEAR * 100 + month


def _build_direct(employer, spec: DirectSpec, clerk, *, year: int = YEAR, noise: bool = False) -> None:
    submitted = spec.kind != "draft"
    p = pf.placement(
        employer,
        year=year,
        wizard_completed=spec.kind == "submitted",
        wizard_step={"submitted": 4, "reopened": 1, "draft": 2}[spec.kind],
        submitted_at=timezone.now() if submitted else None,
    )
    rows = []
    for m, (state, grade, missing) in enumerate(spec.months, start=1):
        selected = state != counting.NONE
        auto = state == counting.AUTO
        rows.append(
            PlacementMonth(
                placement=p,
                id_number=p.id_number,
                year=year,
                month=year * 100 + m,
                wage_ok=auto,
                pension_ok=auto,
                medical_ok=auto,
                cert_ok=True,
                age_ok=True,
                contract_ok=True,
                verified=auto,
                reasons="" if auto else "wage_missing",
                cert_type="残疾人证",
                cert_grade=grade,
                cert_no=f"{p.id_number}4{grade}",
                weight=_weight(grade),
                selected=selected,
                review_state=state,
                evidence_missing=state == counting.PENDING and missing,
                # PlacementMonth.held: selected, not rejected, of a placement submitted at least once.
                held=selected and state != counting.REJECTED and submitted,
            )
        )
    PlacementMonth.objects.bulk_create(rows)
    if spec.pending_agreement:
        pf.contract(p, is_dispatched=True, contract_type="dispatch", review_state=DocumentReview.PENDING)
    if not noise:
        event(f"built directly: {spec.kind}{', deleted' if spec.deleted else ''}")
    if spec.deleted:
        registration_lifecycle.placement_delete(placement=p, by=clerk, expected_version=None)


def _record_evidence(p: Placement, wanted: tuple[bool, ...], clerk) -> None:
    """One upload per evidence kind covering the pending months ``wanted`` says, recorded as the upload service
    records it (``months_evidence_record``; the stored file itself is left out)."""
    pending = [
        m
        for m in PlacementMonth.objects.filter(placement=p, review_state=counting.PENDING)
        if wanted[m.month % 100 - 1]
    ]
    for kind in EVIDENCE_KINDS:
        months = [m.month for m in pending if not getattr(m, f"{kind}_ok")]
        if months:
            months_evidence_record(placement=p, months=months, checks=[kind], by=clerk)


def _decide(p: Placement, decisions: tuple[str, ...], reviewer) -> None:
    pending = PlacementMonth.objects.filter(placement=p, review_state=counting.PENDING, evidence_missing=False)
    by_decision = defaultdict(list)
    for pk, month in pending.values_list("pk", "month"):
        by_decision[decisions[month % 100 - 1]].append(pk)
    if by_decision[APPROVE]:
        month_decide(month_ids=by_decision[APPROVE], placement=p, decision=APPROVE, by=reviewer)
    if by_decision[REJECT]:
        month_decide(month_ids=by_decision[REJECT], placement=p, decision=REJECT, reason_code="unclear", by=reviewer)


def _register_and_finish(p: Placement, spec: ServiceSpec, clerk, reviewer, step, *, finish: bool) -> Placement:
    """Tick the verified months and the failing months ``spec.tick`` names, record the evidence, then 完成登记 (a
    refusal for missing evidence leaves the placement in the wizard) and the reviewer's decisions. ``step()`` after
    each action."""
    rows = PlacementMonth.objects.filter(placement=p)
    ticked = sorted(m.month for m in rows if m.verified or spec.tick[m.month % 100 - 1])
    if not ticked:
        return p  # nothing to register: stays at step 2 (资料待完善)
    p = grid_services.months_register(placement=p, months=ticked, by=clerk, expected_version=None)
    step()
    _record_evidence(p, spec.evidence, clerk)
    step()
    p.refresh_from_db()
    if not finish:
        return p
    if not p.wizard_completed:
        try:
            p = registration_lifecycle.placement_finish(placement=p, by=clerk, expected_version=None)
        except SubmitError:
            return p  # some ticked ✗ month still lacks its evidence
        step()
    _decide(p, spec.decisions, reviewer)
    step()
    p.refresh_from_db()
    return p


def _build_via_services(employer, spec: ServiceSpec, clerk, reviewer, step) -> None:
    p = pf.placement(employer)
    pf.contract(p)
    ends = date(YEAR, spec.cert_ends + 1, 1) - date.resolution if spec.cert_ends else date(2030, 12, 31)
    pf.registry_cert(p.id_number, grade=spec.grade, valid_to=ends)
    if spec.second is not None:
        grade, first = spec.second
        pf.registry_cert(p.id_number, grade=grade, cert_no=f"{p.id_number}4{grade}B1", valid_from=date(YEAR, first, 1))
    for facts, pension in (("ok", True), ("no_pension", False)):
        months = [m for m, f in enumerate(spec.facts, start=1) if f == facts]
        if months:
            pf.monthly_facts(p.id_number, employer.uscc, year=YEAR, months=months, pension=pension)
    grid_recompute(placement=p)
    step()
    path = "grid only"
    if spec.stage != "draft":
        p = _register_and_finish(p, spec, clerk, reviewer, step, finish=spec.stage == "submitted")
        path = "submitted" if p.wizard_completed else "registered, not finished"
        if spec.lose_facts:
            # A feed correction removes the pension rows of months 1–3: the recompute turns those auto-verified
            # months into pending ones lacking evidence (资料待完善, though still submitted).
            PensionContribution.objects.filter(id_number=p.id_number, month__lte=_key(3)).delete()
            grid_recompute(placement=p)
            step()
            path += ", facts lost"
        if spec.reopen and p.wizard_completed:
            p = registration_lifecycle.placement_reregister(placement=p, by=clerk, expected_version=None)
            step()
            path += ", 重新登记"
            if spec.resubmit:
                p = _register_and_finish(p, spec, clerk, reviewer, step, finish=True)
                path += ", submitted again" if p.wizard_completed else ", registered again"
    event(f"via services: {path}{', deleted' if spec.deleted else ''}")
    if spec.deleted:
        registration_lifecycle.placement_delete(placement=p, by=clerk, expected_version=None)
    step()


# --- what counting says of the rows -----------------------------------------------------------------------------------


@dataclass
class Expected:
    placements: list[Placement]
    counts: dict[int, dict[str, int]]  # placement pk → counting.count_months
    status: dict[int, str]  # placement pk → counting.placement_status
    year: dict[str, int]  # counting.year_totals

    @property
    def blocking(self) -> list[int]:
        return [pk for pk, s in self.status.items() if s in counting.BLOCKING_STATUSES]

    def header_totals(self) -> dict[str, int]:
        """The list header's / placement_totals' dict: the year's figures and one counter per status."""
        by_status = Counter(self.status.values())
        return {
            **{name: self.year[name] for name in ("persons", "persons_confirmed", *counting.YEAR_TOTALS)},
            **{f"status_{value}": by_status[value] for value in PlacementStatus.values},
        }

    def ids_by_status(self) -> dict[str, list[int]]:
        return {value: sorted(pk for pk, s in self.status.items() if s == value) for value in PlacementStatus.values}


def expected_from_rows(employer) -> Expected:
    placements = list(Placement.objects.filter(employer=employer, year=YEAR).order_by("id"))
    months = defaultdict(list)
    for m in PlacementMonth.objects.filter(placement__employer=employer, placement__year=YEAR):
        months[m.placement_id].append(counting.state_of(m))
    agreements = set(
        Contract.objects.filter(
            placement__employer=employer, is_dispatched=True, review_state=DocumentReview.PENDING
        ).values_list("placement_id", flat=True)
    )
    counts = {p.pk: counting.count_months(months[p.pk]) for p in placements}
    status = {
        p.pk: counting.placement_status(
            completed=p.wizard_completed, months=months[p.pk], pending_agreement=p.pk in agreements
        )
        for p in placements
    }
    year = counting.year_totals((p.wizard_completed, months[p.pk]) for p in placements)
    return Expected(placements, counts, status, year)


def _row_counts(row) -> tuple[int, ...]:
    return tuple(getattr(row, f"n_{name}") for name in ROW_MEASURES)


def _expected_row(expected: Expected, pk: int) -> tuple[int, ...]:
    return tuple(expected.counts[pk][name] for name in ROW_MEASURES)


def _two_decimals(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- the property -----------------------------------------------------------------------------------------------------


class CountingAgreementTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        factories.min_wage("11", "2420.00")
        cls.clerk = factories.UserFactory()
        cls.reviewer = factories.reviewer_user("110000")
        cls.reviewer.groups.add(reviewer_group_ensure())
        # Rows no figure of the unit's year may include: another unit's placement of the same year.
        other = factories.employer(name="北京另一家单位有限公司")
        _build_direct(other, _direct("submitted", (counting.CONFIRMED,) * 12), cls.clerk, noise=True)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,  # nothing written to the working tree; a failure prints its @reproduce_failure blob
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(unit=units())
    @example(unit=OPEN_UNIT)
    @example(unit=SETTLED_UNIT)
    @example(unit=STALE_HEADER_UNIT)
    def test_every_page_agrees_with_counting(self, unit):
        settled, specs = unit
        event("settled unit" if settled else "unit with open work")
        cache.clear()  # list_header keeps its totals 30 s under the unit's key: each example starts without
        employer = factories.employer()
        # The list header is read after every step (as a clerk reloading the list would), so its cache is warm
        # throughout: the final check also proves the cache's fingerprint noticed every service's change.
        step = partial(list_header, employer, YEAR, TODAY)
        step()
        _build_direct(employer, _direct("submitted", (counting.AUTO,) * 12), self.clerk, year=YEAR - 1, noise=True)
        for spec in specs:
            if isinstance(spec, DirectSpec):
                _build_direct(employer, spec, self.clerk)  # writes rows directly: read the header only after it
            else:
                _build_via_services(employer, spec, self.clerk, self.reviewer, step)
            step()
        expected = expected_from_rows(employer)
        for status in sorted(set(expected.status.values())):
            event(f"a placement {status}")  # shown by --hypothesis-show-statistics

        self.check_placement_list(employer, expected)
        self.check_home(employer, expected)
        self.check_levy(employer, expected)
        self.check_declaration(employer, expected)

    # --- the placement list ---

    def check_placement_list(self, employer, expected: Expected) -> None:
        totals = expected.header_totals()
        assert placement_totals(employer, YEAR) == totals

        header = list_header(employer, YEAR, TODAY)
        assert header.year == YEAR
        assert header.totals == totals
        assert header.status_ids == expected.ids_by_status()
        again = list_header(employer, YEAR, TODAY)  # the cached totals while nothing changed
        assert again.totals == totals
        assert again.status_ids == header.status_ids

        page = list_page(employer, YEAR, totals=header.totals, status_ids=header.status_ids)
        assert page.count == len(expected.placements)
        assert [r.pk for r in page.rows] == [p.pk for p in expected.placements]
        for row in page.rows:
            assert (row.status, _row_counts(row)) == (expected.status[row.pk], _expected_row(expected, row.pk))
        for value, ids in expected.ids_by_status().items():
            filtered = list_page(employer, YEAR, status=value, totals=header.totals, status_ids=header.status_ids)
            assert filtered.count == len(ids)
            assert [r.pk for r in filtered.rows] == ids
            assert all(_row_counts(r) == _expected_row(expected, r.pk) for r in filtered.rows)

        for p in expected.placements[:1]:  # a search (its count comes from a window over the same query)
            found = list_page(employer, YEAR, search=p.id_number, totals=header.totals, status_ids=header.status_ids)
            assert (found.count, [r.pk for r in found.rows]) == (1, [p.pk])
            assert _row_counts(found.rows[0]) == _expected_row(expected, p.pk)
        for row in placement_list_rows(employer, YEAR):
            assert (row.status, _row_counts(row)) == (expected.status[row.pk], _expected_row(expected, row.pk))
        for p in expected.placements:
            detail = placement_with_status(employer, p.pk)
            assert (detail.status, _row_counts(detail)) == (expected.status[p.pk], _expected_row(expected, p.pk))

    # --- 首页 ---

    def check_home(self, employer, expected: Expected) -> None:
        year = expected.year
        page = home_page(employer=employer, requested_year=YEAR, today=TODAY, now=timezone.now())
        assert page.year.year == YEAR
        assert (page.year.persons, page.year.persons_confirmed) == (year["persons"], year["persons_confirmed"])
        figures = page.figures
        assert (figures.persons, figures.persons_confirmed) == (year["persons"], year["persons_confirmed"])
        assert (figures.registered, figures.confirmed, figures.approved, figures.rejected) == tuple(
            year[name] for name in ROW_MEASURES
        )
        assert (figures.pending, figures.evidence_missing) == (year["pending"], year["missing_evidence"])
        assert (figures.severe_months, figures.other_months) == (year["severe"], year["other"])
        assert sum(bar.confirmed for bar in figures.months) == year["confirmed"]
        assert sum(bar.approved for bar in figures.months) == year["approved"]
        assert (sum(page.chart["confirmed"]), sum(page.chart["approved"])) == (year["confirmed"], year["approved"])
        assert figures.placed_persons == Decimal(year["approved"]) / 12
        assert page.levy.placed_persons == Decimal(year["approved"]) / 12
        assert page.progress.steps[0].state == ("current" if year["persons"] else "not_started")

    # --- the levy calculator ---

    def check_levy(self, employer, expected: Expected) -> None:
        year = expected.year
        months = confirmed_person_months(employer=employer, year=YEAR)
        assert (months.severe, months.other) == (year["severe"], year["other"])
        assert months.severe * 2 + months.other == year["approved"]
        assert months.severe + months.other == year["confirmed"]  # every month generated here has weight 1 or 2
        defaults = calculator_defaults(employer=employer, today=TODAY)
        assert defaults.business_year == YEAR
        assert (defaults.initial["severe"], defaults.initial["other"]) == (year["severe"], year["other"])

    # --- 年审申报 ---

    def check_declaration(self, employer, expected: Expected) -> None:
        year = expected.year
        people, snapshot = declaration_snapshot(employer, YEAR)
        declared = {name: year[name] for name in ("registered", "confirmed", "approved")}
        assert snapshot == {**declared, "persons": year["persons_confirmed"]}
        counted = [p for p in expected.placements if counting.counts_toward_year(completed=p.wizard_completed)]
        listed = [p.pk for p in counted if expected.counts[p.pk]["confirmed"]]
        assert [row["placement_id"] for row in people] == listed
        for row in people:
            counts = expected.counts[row["placement_id"]]
            assert (row["registered_months"], row["confirmed_months"], row["approved_months"]) == (
                counts["registered"],
                counts["confirmed"],
                counts["approved"],
            )

        blockers = declaration_blockers(employer, YEAR)
        assert [label for _, _, label in blockers] == [
            PlacementStatus(expected.status[pk]).label for pk in expected.blocking
        ]
        if expected.blocking or not expected.placements:
            with pytest.raises(DeclarationBlocked) as refused:
                declaration_declare(employer=employer, year=YEAR, by=self.clerk, today=TODAY)
            assert refused.value.blockers == blockers
            assert not Submission.objects.filter(declaration__employer=employer).exists()
            event("完成申报 refused")
            return

        submission = declaration_declare(employer=employer, year=YEAR, by=self.clerk, today=TODAY)
        event("完成申报 done")
        assert (submission.persons, submission.registered_months) == (year["persons_confirmed"], year["registered"])
        assert (submission.confirmed_months, submission.approved_months) == (year["confirmed"], year["approved"])
        actual = _two_decimals(Decimal(year["approved"]) / 12)  # 实际安排人数 = 核定 / 12, shown with 2 decimals
        assert submission.actual_employed == Decimal(year["approved"]) / 12
        frozen_people = submission_people(submission)
        assert [(p.placement_id, p.confirmed_months, p.approved_months) for p in frozen_people] == [
            (row["placement_id"], row["confirmed_months"], row["approved_months"]) for row in people
        ]

        ctx = certificate_context(submission, frozen_people, certified_on=certificate_available_from(submission).date)
        assert ctx["year"] == YEAR and ctx["actual_employed"] == actual
        assert (ctx["s"].persons, ctx["s"].confirmed_months, ctx["s"].approved_months) == (
            year["persons_confirmed"],
            year["confirmed"],
            year["approved"],
        )
        assert len(ctx["rows"]) == year["persons_confirmed"]
        assert sum(r["confirmed"] for r in ctx["rows"]) == year["confirmed"]
        assert sum(r["approved"] for r in ctx["rows"]) == year["approved"]
        commitment = commitment_context(submission, frozen_people)
        assert sum(r["approved"] for r in commitment["rows"]) == year["approved"]

        with tempfile.TemporaryDirectory() as out:
            result = exports.tax_export(authority=employer.tax_region_id, output_dir=Path(out))
            rows = taxfile.check(result.path.read_bytes())
        queued = TaxRecord.objects.filter(submission=submission).values_list(*exports.ROW_FIELDS).get()
        assert [r for r in rows if r[1] == employer.uscc] == [list(taxfile.row_values(*queued))]
        (row,) = [dict(zip(taxfile.HEADER, r, strict=True)) for r in rows if r[1] == employer.uscc]
        assert (row["record_type"], row["year"]) == ("DECLARE", str(YEAR))
        assert (int(row["approved_months"]), Decimal(row["actual_employed"])) == (year["approved"], actual)

        # Declaring froze the year; it changed no figure.
        assert placement_totals(employer, YEAR) == expected.header_totals()
