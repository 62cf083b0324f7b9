"""Reads of the reviewers' workplace: the queue (what awaits review, bounded per page) and one placement's review
page (grid, evidence, documents). Every function here runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.db import connection
from django.db.models import BooleanField, Expression, F, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull
from django.utils import timezone

from core import calendar as workdays
from core import prepared
from core.months import YearMonth, month_label
from core.selectors import calendar_data
from placements import counting
from placements.constants import DocumentReview
from placements.grid.checks import CHECK_LABELS, CHECKS, EVIDENCE_KINDS, reasons_by_check
from placements.models import Contract, Evidence, HandCertificate, Placement, PlacementMonth
from placements.querysets import measure_sql
from placements.review.rules import Waiting, last_overdue_day, waiting, waiting_many, working_day

DOCUMENTS = "documents"  # the queue's check filter value for pending certificates / dispatch agreements


# --- the queue ---------------------------------------------------------------------------------------------------


def _has(qs) -> Q:
    """The placement has a row in ``qs`` (correlated on ``placement``).

    Written as ``(SELECT id … LIMIT 1) IS NOT NULL`` rather than EXISTS: PostgreSQL may turn an OR of EXISTS into
    hashed subplans that read *every* pending row to build a hash, whereas the queue only needs to probe the few
    placements of one page in submission order (an index probe each).
    """
    first = Subquery(qs.filter(placement=OuterRef("pk")).order_by().values("pk")[:1])
    return Q(IsNull(first, False))


def _awaiting(row: PlacementMonth) -> bool:
    """A month a reviewer can decide now (counting's measure ``awaiting_review``)."""
    return bool(counting.month_measure(counting.measure("awaiting_review"), counting.state_of(row)))


def _months_awaiting(**extra) -> Q:
    return _has(PlacementMonth.objects.in_measure("awaiting_review").filter(**extra))


def _documents_awaiting() -> Q:
    return _has(HandCertificate.objects.filter(review_state=DocumentReview.PENDING)) | _has(
        Contract.objects.filter(is_dispatched=True, review_state=DocumentReview.PENDING)
    )


class Precompiled(Expression):
    """A condition on the placement whose subqueries correlate on its pk only, compiled to SQL once per database
    connection instead of on every query: the outer pk is this expression's one column, the rest is text.

    The review queue filters by :func:`awaiting_review_q` on every view; resolving its three subqueries against the
    page's query and compiling them were ~1.7 ms of the page's CPU (bench/page_cpu.py). The SQL is what the ORM
    gives for ``make_q()``, with the inner tables' aliases renamed (``"U0"`` → ``"RQ0"``) so that the outer query
    may itself be nested under Django's own ``U``/``V``/… aliases (tests/placements/review/test_queue_speed.py)."""

    _OUTER = "\x00pk\x00"

    def __init__(self, make_q, pk=None) -> None:
        super().__init__(output_field=BooleanField())
        self.make_q = make_q
        self.pk = F("pk") if pk is None else pk

    def __repr__(self) -> str:
        return f"Precompiled({self.make_q.__name__}, {self.pk!r})"

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs) -> None:
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):
        pk_sql, pk_params = compiler.compile(self.pk)
        template, params = self._template(connection)
        if pk_params:  # a column has none; anything else would break the parameters' order
            raise ValueError("Precompiled: the outer key must be a column")
        return template.replace(self._OUTER, pk_sql), params

    def _template(self, connection) -> tuple[str, tuple]:
        kept = vars(connection).setdefault("_precompiled_conditions", {})
        hit = kept.get(self.make_q)
        if hit is None:
            hit = kept[self.make_q] = self.compile_once(self.make_q, connection)
        return hit

    @classmethod
    def compile_once(cls, make_q, connection) -> tuple[str, tuple]:
        query = Placement.objects.all().query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.compile(query.build_where(make_q()))
        qn = compiler.quote_name
        table, pk = Placement._meta.db_table, Placement._meta.pk.column
        sql = sql.replace(f"{qn(table)}.{qn(pk)}", cls._OUTER)
        if qn(table) in sql:
            raise ValueError("Precompiled: the condition uses the placement table other than by its pk")
        sql = re.sub(r'"U(\d+)"', r'"RQ\1"', sql)
        literals = [_literal(p) for p in params]
        if params and all(literals):
            # The condition's values are the code's own constants ('pending'): written into the text, a prepared
            # statement's generic plan can use the partial indexes they match (pm_pending_idx); as parameters,
            # PostgreSQL re-planned the queue's statement on every execution (0 generic plans of 12).
            return f"({(sql % tuple(literals)).replace('%', '%%')})", ()
        return f"({sql})", tuple(params)


def _literal(value) -> str:
    """``value`` written as an SQL literal if it is a plain word or a whole number, else ""."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value) if value >= 0 else ""  # a negative one next to a "-" would open a comment ("--5")
    text = str(value)  # a TextChoices member: its value
    return f"'{text}'" if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_]+", text) else ""


def _awaiting_subqueries() -> Q:
    return _months_awaiting() | _documents_awaiting()


@lru_cache(maxsize=1)
def awaiting_review_q() -> Q:
    """Placements with something for a reviewer: months awaiting review (their evidence complete), a hand-added
    certificate or a dispatch agreement awaiting review. Only registrations the unit has finished (submitted).

    Built once per process (it depends on nothing that changes); its three subqueries are :class:`Precompiled`.
    A query that uses it resolves copies of its expressions, never the objects themselves
    (tests/placements/review/test_admin_review.py uses it twice and compares the SQL)."""
    return Q(wizard_completed=True, frozen=False) & Q(Precompiled(_awaiting_subqueries))


def failing_check_q(check: str) -> Q:
    """Placements with a month awaiting review that fails ``check`` (or, for ``documents``, a pending document)."""
    if check == DOCUMENTS:
        return _documents_awaiting()
    if check not in CHECKS:
        return Q()
    return _months_awaiting(**{f"{check}_ok": False})


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def working_calendar(start: date, end: date, *, cache: dict | None = None) -> workdays.CalendarData:
    """The admin calendar table for the whole years ``start``…``end`` (one query), reused from ``cache`` (a dict
    living as long as one request) when it already covers those years."""
    if cache is not None and (have := cache.get("calendar")) and have[0] <= start.year and end.year <= have[1]:
        return have[2]
    data = calendar_data(start, end)
    if cache is not None:
        cache["calendar"] = (start.year, end.year, data)
    return data


def overdue_q(overdue: bool, *, today: date | None = None, cache: dict | None = None) -> Q:
    """Submitted more than five working days ago (``overdue``) or not."""
    today = today or timezone.localdate()
    data = working_calendar(date(today.year - 1, 1, 1), today, cache=cache)
    cutoff = _local_midnight(last_overdue_day(today, lambda d: working_day(d, data)) + timedelta(days=1))
    return Q(submitted_at__lt=cutoff) if overdue else Q(submitted_at__gte=cutoff)


@dataclass(slots=True)
class QueueStats:
    """What the queue shows of one placement beside its own columns."""

    pending: int = 0
    first: int | None = None
    last: int | None = None
    failing: list[str] = field(default_factory=list)  # check labels
    certificates: int = 0  # hand-added certificates awaiting review
    agreements: int = 0  # dispatch agreements awaiting review
    waiting: Waiting | None = None

    @property
    def months_text(self) -> str:
        if not self.pending:
            return "—"
        span = (
            month_label(self.first)
            if self.first == self.last
            else f"{month_label(self.first)}–{YearMonth.from_key(self.last).month}月"
        )
        return f"{self.pending} 个月（{span}）"

    @property
    def documents_text(self) -> str:
        parts = []
        if self.certificates:
            parts.append(f"补录残疾证 {self.certificates} 份")
        if self.agreements:
            parts.append(f"劳务派遣协议 {self.agreements} 份")
        return "、".join(parts) or "—"


@lru_cache(maxsize=64)
def _stats_sql(n: int) -> str:
    """One UNION ALL over the page's pending months (count, first and last month, failures per check), pending
    hand-added certificates and pending dispatch agreements, grouped by placement. Plain SQL (PostgreSQL and
    SQLite): it runs on every queue page, and building the equivalent ORM union costs more than running it."""
    ids = ", ".join(["%s"] * n)
    fails = ", ".join(f"SUM(CASE WHEN {c}_ok THEN 0 ELSE 1 END)" for c in CHECKS)
    zeros = ", ".join("0" for _ in CHECKS)
    months, certs, contracts = (m._meta.db_table for m in (PlacementMonth, HandCertificate, Contract))
    return (
        f"SELECT placement_id, 1, COUNT(*), MIN(month), MAX(month), {fails} FROM {months} "
        f"WHERE placement_id IN ({ids}) AND {measure_sql(counting.measure('awaiting_review'))} GROUP BY placement_id "
        f"UNION ALL SELECT placement_id, 2, COUNT(*), 0, 0, {zeros} FROM {certs} "
        f"WHERE placement_id IN ({ids}) AND review_state = '{DocumentReview.PENDING}' GROUP BY placement_id "
        f"UNION ALL SELECT placement_id, 3, COUNT(*), 0, 0, {zeros} FROM {contracts} "
        f"WHERE placement_id IN ({ids}) AND is_dispatched AND review_state = '{DocumentReview.PENDING}' "
        f"GROUP BY placement_id"
    )


def queue_stats(placements: list, *, today: date | None = None, cache: dict | None = None) -> dict[int, QueueStats]:
    """The stats of a page of placements (anything with their ``pk`` and ``submitted_at``): two queries
    (:func:`_stats_sql`, prepared on the server: planning it was twice its run; and the working calendar unless
    ``cache`` holds it)."""
    pks = [p.pk for p in placements]
    out = {pk: QueueStats() for pk in pks}
    if not pks:
        return out
    size = 1 << (len(pks) - 1).bit_length()  # 1, 2, 4 … 64 ids (the first repeated): a few statements, not one a size
    ids = pks + pks[:1] * (size - len(pks))
    with connection.cursor() as cursor:
        prepared.execute(cursor, _stats_sql(size), [*ids, *ids, *ids])
        rows = cursor.fetchall()
    for pk, kind, n, first, last, *fails in rows:
        stats = out[pk]
        if kind == 1:
            stats.pending, stats.first, stats.last = n, first, last
            stats.failing = [CHECK_LABELS[c] for c, k in zip(CHECKS, fails, strict=True) if k]
        elif kind == 2:
            stats.certificates = n
        else:
            stats.agreements = n
    today = today or timezone.localdate()
    submitted = {p.pk: timezone.localdate(p.submitted_at) for p in placements if p.submitted_at}
    if submitted:
        data = working_calendar(min(min(submitted.values()), date(today.year - 1, 1, 1)), today, cache=cache)
        waited = waiting_many(submitted.values(), today, lambda d: working_day(d, data))
        for pk, day in submitted.items():
            out[pk].waiting = waited[day]
    return out


# --- one placement's review page ---------------------------------------------------------------------------------


@dataclass(slots=True)
class EvidenceItem:
    evidence: Evidence
    months: list[int]
    pending_months: list[int]  # the months it covers that a reviewer can decide now
    decided_months: list[tuple[str, str]]  # (month label, state label) of those already decided

    @property
    def is_image(self) -> bool:
        return self.evidence.file.content_type.startswith("image/")

    @property
    def months_text(self) -> str:
        return "、".join(month_label(m) for m in self.months)

    @property
    def decision_legend(self) -> str:
        months = "、".join(month_label(m) for m in self.pending_months)
        return f"据此材料审核其涉及的待审核月份（{len(self.pending_months)} 个：{months}）"


@dataclass(slots=True)
class CheckCell:
    check: str
    label: str
    ok: bool
    reason: str = ""
    evidence: list[EvidenceItem] = field(default_factory=list)


@dataclass(slots=True)
class MonthRow:
    row: PlacementMonth
    cells: list[CheckCell]
    taken_text: str = ""

    @property
    def label(self) -> str:
        return month_label(self.row.month)

    @property
    def decidable(self) -> bool:
        return _awaiting(self.row)

    @property
    def failing(self) -> list[CheckCell]:
        return [c for c in self.cells if not c.ok]


@dataclass(slots=True)
class ReviewPage:
    placement: Placement
    months: list[MonthRow]
    evidence: list[EvidenceItem]
    withdrawn: list[Evidence]
    certificates: list[HandCertificate]
    agreements: list[Contract]
    waiting: Waiting | None

    @property
    def pending(self) -> list[MonthRow]:
        return [m for m in self.months if m.decidable]

    @property
    def needing_evidence(self) -> list[MonthRow]:
        r = [m for m in self.months if m.row.selected and m.row.evidence_missing]
        return r

    @property
    def pending_certificates(self) -> list[HandCertificate]:
        return [c for c in self.certificates if c.review_state == DocumentReview.PENDING]

    @property
    def pending_agreements(self) -> list[Contract]:
        return [c for c in self.agreements if c.review_state == DocumentReview.PENDING]


def review_page(placement: Placement, *, today: date | None = None) -> ReviewPage:
    """Everything the review page shows of one placement (whose employer is loaded): five queries — months,
    evidence, hand-added certificates, dispatch agreements, and the working calendar."""
    rows = list(PlacementMonth.objects.filter(placement=placement).select_related("decided_by").order_by("month"))
    uploads = list(Evidence.objects.filter(placement=placement).select_related("file").order_by("uploaded_at", "pk"))
    certificates = list(
        HandCertificate.objects.filter(placement=placement).select_related("image", "reviewed_by").order_by("pk")
    )
    agreements = list(
        Contract.objects.filter(placement=placement, is_dispatched=True)
        .select_related("contract_file", "dispatch_unit", "reviewed_by")
        .order_by("start", "pk")
    )
    state = {r.month: r for r in rows}
    decidable = {r.month for r in rows if _awaiting(r)}
    items: list[EvidenceItem] = []
    by_kind_month: dict[tuple[str, int], list[EvidenceItem]] = defaultdict(list)
    for ev in uploads:
        if ev.withdrawn:
            continue
        months = sorted(int(m) for m in ev.months)
        item = EvidenceItem(
            evidence=ev,
            months=months,
            pending_months=[m for m in months if m in decidable],
            decided_months=[
                (month_label(m), state[m].get_review_state_display())
                for m in months
                if m in state and state[m].review_state in counting.DECIDED_STATES
            ],
        )
        items.append(item)
        for m in months:
            by_kind_month[(ev.kind, m)].append(item)

    month_rows = []
    for r in rows:
        texts = reasons_by_check(r.reasons)
        cells = [
            CheckCell(
                check=c,
                label=CHECK_LABELS[c],
                ok=getattr(r, f"{c}_ok"),
                reason=texts.get(c, ""),
                evidence=by_kind_month.get((c, r.month), []) if c in EVIDENCE_KINDS else [],
            )
            for c in CHECKS
        ]
        month_rows.append(MonthRow(row=r, cells=cells, taken_text=texts.get("taken_elsewhere", "")))

    waited = None
    if placement.submitted_at:
        today = today or timezone.localdate()
        submitted = timezone.localdate(placement.submitted_at)
        data = calendar_data(submitted, today)
        waited = waiting(submitted, today, lambda d: working_day(d, data))
    return ReviewPage(
        placement=placement,
        months=month_rows,
        evidence=items,
        withdrawn=[ev for ev in uploads if ev.withdrawn],
        certificates=certificates,
        agreements=agreements,
        waiting=waited,
    )
