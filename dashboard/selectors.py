"""Reads for the home page (首页, domain.md §9): everything it shows, in a fixed number of queries.

One request costs at most 12 queries whatever the number of placements, months or notices (session and user
included): the unit with its latest 缓减免申请 figures (1), the province's filing windows and the unit's own
extended windows (2), the years with
placements (1), the declarations (1), the year's months grouped (1), the 安排比例 and 社会平均工资 (2), the notices with
the unread count (1) and the persons with a reminder (1). The facts are folded by ``dashboard.rules``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)

from core import filing, prepared
from core.kept import Kept
from core.models import FilingExtension, FilingWindow
from core.numbers import ascii_int
from core.prepared import PreparedQuery
from dashboard import homecache, rules
from dashboard.levy_estimate import LevyEstimate, levy_estimate
from declarations.models import Declaration
from declarations.transitions import State
from employers.models import Employer
from feeds.constants import CertStatus
from feeds.models import Certificate
from levy.models import StaffFigures
from notices.models import Notice
from notices.selectors import notices_in_scope, unit_scope
from placements.constants import DocumentReview
from placements.models import HandCertificate, Placement, PlacementMonth
from placements.querysets import counted_q
from relief.models import ReliefApplication

HOME_NOTICES = 7
REMINDER_NAMES = 10  # names listed per reminder; the rest are counted
# Hand-added certificates that count or may soon count (a rejected one never will).
_HAND_COUNTING = (DocumentReview.APPROVED, DocumentReview.PENDING, DocumentReview.NOT_REQUIRED)


# --- the unit -------------------------------------------------------------------------------------------------------


def _home_employer(user_id: int):
    latest = ReliefApplication.objects.filter(employer=OuterRef("pk")).order_by("-year", "-created_at", "-id")
    units = (
        Employer.objects.select_related("federation_region", "tax_region", "registration_region")
        .filter(accounts__user_id=user_id)
        .annotate(
            relief_staff=Subquery(latest.values("staff_count")[:1]),
            relief_wage=Subquery(latest.values("avg_monthly_wage")[:1]),
            relief_year=Subquery(latest.values("year")[:1]),
        )
    )
    return (units if units.ordered else units.order_by("pk"))[:1]  # what .first() reads


_home_employer_prepared = PreparedQuery(_home_employer, ((-740001,), (-740002,)))


def home_employer(user) -> Employer | None:
    """The user's unit with its regions, and the figures of its latest 缓减免申请 (``relief_staff``,
    ``relief_wage``, ``relief_year``; None without one). One query, compiled once (core.prepared); None for a
    login without a unit."""
    if not user.is_authenticated:
        return None
    found = _home_employer_prepared(user.pk)
    return found[0] if found else None


# --- the year -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearContext:
    year: int
    years: tuple[int, ...]  # the picker's years, newest first
    filing_year: int  # the current filing year of the unit's province
    window: filing.Window  # the filing window of ``year``
    state: State  # the declaration's state of ``year``
    persons: int  # placements of ``year`` (安置登记人数)
    persons_confirmed: int  # counted placements with a confirmed month (安置确认人数, placements.counting)
    contract_salary: Decimal | None  # the mean 合同月薪 of the year's contracts (the calculator's 残疾员工月薪)
    stated: tuple[Decimal, Decimal] | None = None  # 职工人数, 月平均工资 stated for ``year`` (levy.StaffFigures)


def _unit_year_rows(employer: Employer) -> tuple[dict[int, date], dict[int, tuple[Decimal, Decimal]]]:
    """The unit's filing-window extensions (year → closing day) and the staff figures it stated (year → (人数,
    月平均工资)), in one query (a UNION ALL of the two small per-unit tables)."""
    qn = connection.ops.quote_name
    ext, fig = (qn(m._meta.db_table) for m in (FilingExtension, StaffFigures))
    sql = (
        f"SELECT 'e', {qn('year')}, {qn('closes_on')}, NULL, NULL FROM {ext} WHERE {qn('employer_id')} = %s "
        f"UNION ALL SELECT 'f', {qn('year')}, NULL, {qn('staff_count')}, {qn('avg_monthly_wage')} FROM {fig} "
        f"WHERE {qn('employer_id')} = %s"
    )
    extended: dict[int, date] = {}
    stated: dict[int, tuple[Decimal, Decimal]] = {}
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, [employer.pk, employer.pk])
        for kind, year, closes_on, staff, wage in cursor.fetchall():
            if kind == "e":  # SQLite hands raw dates and decimals back as text or numbers
                extended[int(year)] = closes_on if isinstance(closes_on, date) else date.fromisoformat(str(closes_on))
            else:
                stated[int(year)] = (_exact(staff), _exact(wage))
    return extended, stated


def _exact(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _windows(province: str) -> list[filing.Window]:
    """Every filing window of the province (one row per business year: one short query)."""
    rows = FilingWindow.objects.filter(province_code=province).values_list(
        "province_code", "business_year", "opens_on", "closes_on"
    )
    return [filing.Window(code, year, opens, closes, configured=True) for code, year, opens, closes in rows]


@dataclass(frozen=True)
class UnitRows:
    """The unit's own rows :func:`year_context` folds (cached by dashboard.homecache): extensions (year → closing
    day), stated staff figures (year → (人数, 月平均工资)), per year (persons, mean contract salary, persons confirmed),
    the declarations (year → (status, previous status))."""

    extended: dict[int, date]
    stated: dict[int, tuple[Decimal, Decimal]]
    per_year: dict[int, tuple[int, Decimal | None, int]]
    states: dict[int, tuple[str, str]]


def unit_rows(employer: Employer) -> UnitRows:
    """Three queries: the extensions with the staff figures, the placements per year, the declarations."""
    extended, stated = _unit_year_rows(employer)
    has_confirmed = Exists(PlacementMonth.objects.filter(placement=OuterRef("pk")).confirmed())
    per_year = {
        year: (n, salary, n_confirmed)
        for year, n, salary, n_confirmed in Placement.objects.filter(employer=employer)
        .order_by()
        .values("year")
        .annotate(
            n=Count("pk", distinct=True),
            salary=Avg("contracts__monthly_salary"),
            n_confirmed=Count("pk", distinct=True, filter=counted_q() & Q(has_confirmed)),
        )
        .values_list("year", "n", "salary", "n_confirmed")
    }
    states = {
        year: (status, previous)
        for year, status, previous in Declaration.objects.filter(employer=employer).values_list(
            "year", "status", "previous_status"
        )
    }
    return UnitRows(extended, stated, per_year, states)


def year_context(
    employer: Employer,
    requested: str | int | None,
    today: date,
    rows: UnitRows | None = None,
    windows: list[filing.Window] | None = None,
) -> YearContext:
    """The year shown (``?year=`` when the picker offers it, else the current filing year) and its facts.

    Four queries: the unit's filing-window extensions, the province's filing windows, the placements (and their
    mean contract salary) per year, the declarations; none for what ``rows`` and ``windows`` already hold.
    The picker offers the years with placements or a declaration, and the current filing year.
    """
    province = filing.province_of(employer.federation_region_id)
    rows = rows if rows is not None else unit_rows(employer)
    by_year = {w.business_year: w for w in (windows if windows is not None else _windows(province))}
    windows = [
        filing.extend(by_year.get(year) or filing.default_window(province, year), rows.extended.get(year))
        for year in sorted({*by_year, *rows.extended})
    ]
    filing_year = filing.pick_filing_year(windows, today)
    per_year, states = rows.per_year, {year: State(*state) for year, state in rows.states.items()}
    years = tuple(sorted({filing_year, *per_year, *states}, reverse=True))
    year = _int(requested)
    if year not in years:
        year = filing_year
    window = next(
        (w for w in windows if w.business_year == year),
        filing.default_window(province, year),
    )
    return YearContext(
        year=year,
        years=years,
        filing_year=filing_year,
        stated=rows.stated.get(year),
        window=window,
        state=states.get(year, State()),
        persons=per_year.get(year, (0, None, 0))[0],
        persons_confirmed=per_year.get(year, (0, None, 0))[2],
        contract_salary=_money(per_year.get(year, (0, None, 0))[1]),
    )


def _money(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _int(value) -> int | None:
    return ascii_int(str(value).strip()[:6])


def month_rows(employer: Employer, year: int) -> list[tuple]:
    """The selected months of the placements counted in the year (placements.counting), grouped in the database
    (one query, at most 12 months × 5 states × 3 weights × 2 rows)."""
    return list(
        PlacementMonth.objects.counted()
        .filter(placement__employer=employer, placement__year=year, selected=True)
        .order_by()
        .values("month", "review_state", "weight", "evidence_missing")
        .annotate(n=Count("pk"))
        .values_list("month", "review_state", "weight", "evidence_missing", "n")
    )


def year_figures(employer: Employer, year: int, persons: int, persons_confirmed: int) -> rules.YearFigures:
    """The year's totals and the month chart (:func:`month_rows`, one query)."""
    return rules.year_figures(persons, persons_confirmed, month_rows(employer, year))


# --- notices --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeNotices:
    items: list[Notice]  # each with ``is_read``
    unread_total: int  # every unread notice of the unit (the navigation badge), not only these


def _latest_notices(employer_id: int, codes: tuple[str, ...], now: datetime):
    """:func:`latest_notices`' statement from plain values (``codes``: notices.selectors.unit_scope)."""
    unread = Sum(Case(When(is_read=False, then=Value(1)), default=Value(0), output_field=IntegerField()))
    return (
        notices_in_scope(employer_id, codes, now)
        .with_read_flag(employer_id)
        .annotate(unread_total=Window(unread))
        .only("id", "title", "kind", "publish_at", "pinned", "employer_id")[:HOME_NOTICES]
    )


_latest_notices_prepared = PreparedQuery(
    _latest_notices,
    ((-740011, "~a", datetime(2001, 2, 3, 4, 5, 6, 7, UTC)), (-740012, "~b", datetime(2002, 3, 4, 5, 6, 7, 8, UTC))),
)


def latest_notices(employer: Employer, now: datetime) -> HomeNotices:
    """The unit's latest notices in the list page's order, with the read flag and, in the same query (a window
    over every visible notice), how many are unread. One query, compiled once (core.prepared)."""
    rows = _latest_notices_prepared(employer.pk, unit_scope(employer), now)
    return HomeNotices(items=rows, unread_total=int(rows[0].unread_total or 0) if rows else 0)


# --- reminders ------------------------------------------------------------------------------------------------------


def reminder_people(employer: Employer, year: int) -> list[rules.PersonFacts]:
    """The year's placements that may need a reminder — a certificate ending in the year, an age that may reach
    retirement in the year, months lacking evidence — with those facts (one query; correlated subqueries, no
    per-row queries). ``dashboard.rules.reminders`` decides."""
    registry_end = (
        Certificate.objects.filter(id_number=OuterRef("id_number"), status=CertStatus.VALID)
        .order_by()
        .values("id_number")
        .annotate(last=Max("valid_to"))
        .values("last")
    )
    hand_end = (
        HandCertificate.objects.filter(placement=OuterRef("pk"), review_state__in=_HAND_COUNTING)
        .order_by()
        .values("placement")
        .annotate(last=Max("valid_to"))
        .values("last")
    )
    missing = (
        PlacementMonth.objects.filter(placement=OuterRef("pk"), selected=True, evidence_missing=True)
        .order_by()
        .values("placement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    ages = rules.birth_years_reaching_retirement(year)
    may_retire = Q()
    for gender, (first, last) in ages.items():
        may_retire |= Q(gender=gender, birth_date__gte=date(first, 1, 1), birth_date__lte=date(last, 12, 31))
    in_year = {"gte": date(year, 1, 1), "lte": date(year, 12, 31)}
    rows = (
        Placement.objects.of(employer, year)
        .annotate(
            registry_end=Subquery(registry_end),
            hand_end=Subquery(hand_end),
            n_missing=Subquery(missing, output_field=IntegerField()),
        )
        .filter(
            Q(n_missing__gt=0)
            | Q(registry_end__gte=in_year["gte"], registry_end__lte=in_year["lte"])
            | Q(hand_end__gte=in_year["gte"], hand_end__lte=in_year["lte"])
            | may_retire
        )
        .order_by("id")
        .values_list(
            "pk", "name", "birth_date", "gender", "retirement_baseline", "n_missing", "registry_end", "hand_end"
        )
    )
    return [
        rules.PersonFacts(
            placement_id=pk,
            name=name,
            birth_date=birth,
            gender=gender,
            baseline=baseline,
            missing_months=n_missing or 0,
            certificate_ends=tuple(d for d in (registry_end, hand_end) if d is not None),
        )
        for pk, name, birth, gender, baseline, n_missing, registry_end, hand_end in rows
    ]


# --- the page -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomePage:
    employer: Employer
    year: YearContext
    progress: rules.Progress
    figures: rules.YearFigures
    levy: LevyEstimate
    notices: HomeNotices
    reminders: rules.Reminders
    chart_label: str
    reminder_names: int = REMINDER_NAMES
    chart: dict = field(default_factory=dict)


FIGURES_KEPT = 256
_FIGURES = Kept(FIGURES_KEPT)  # the last FIGURES_KEPT foldings


def folded_figures(persons: int, persons_confirmed: int, months: list[tuple]) -> rules.YearFigures:
    """``rules.year_figures(persons, persons_confirmed, months)``, kept in the process for the last
    :data:`FIGURES_KEPT` inputs (issue 16: the fold of the year's grouped months, ~0.25 ms of every home page). The
    fold is a pure function of these values, which are read (or taken from the home cache) on every request; the
    key is their text (``repr``: True and 1 apart)."""
    key = repr((persons, persons_confirmed, months))
    return _FIGURES.find_or_make(key, lambda: rules.year_figures(persons, persons_confirmed, months))


def home_page(*, employer: Employer, requested_year: str | int | None, today: date, now: datetime) -> HomePage:
    """Everything the home page shows for ``employer`` (already read with :func:`home_employer`). 9 queries; 5 when
    the unit's aggregates are in the cache (dashboard.homecache: its fingerprint with the filing windows, the ratio,
    the social wage, the notices)."""
    windows, cached = None, None
    if homecache.enabled():
        province = filing.province_of(employer.federation_region_id)
        requested = _int(requested_year)
        requested = requested if requested is not None and 1990 <= requested <= today.year + 1 else None
        key, rows, cached = homecache.lookup(employer, province, requested, today)
        windows = [filing.Window(province, y, opens, closes, configured=True) for y, opens, closes in rows]
    if cached is None:
        rows = unit_rows(employer)
        ctx = year_context(employer, requested_year, today, rows, windows)
        months, people = month_rows(employer, ctx.year), reminder_people(employer, ctx.year)
        if windows is not None:
            homecache.store(key, (rows, ctx.year, months, people))
    else:
        rows, year, months, people = cached
        ctx = year_context(employer, year, today, rows, windows)
    figures = folded_figures(ctx.persons, ctx.persons_confirmed, months)
    deadline = rules.deadline_note(ctx.window, today, declared=ctx.state.locked)
    return HomePage(
        employer=employer,
        year=ctx,
        progress=rules.progress(ctx.year, ctx.state, has_placements=ctx.persons > 0),
        figures=figures,
        levy=levy_estimate(employer, ctx.year, figures, disabled_wage=ctx.contract_salary, stated=ctx.stated),
        notices=latest_notices(employer, now),
        reminders=rules.reminders(people, ctx.year, deadline),
        chart_label=rules.chart_summary(figures, ctx.year),
        chart={
            "months": [bar.label for bar in figures.months],
            "confirmed": [bar.confirmed for bar in figures.months],
            "approved": [bar.approved for bar in figures.months],
        },
    )
