"""The unit pages' reads compiled once (core.prepared, issue 16 round 2): employers.selectors.year_locked and
year_actions' state, core.filing's unit filing year and window, levy.selectors' ratio, social wage, confirmed months
and stated staff figures. Each gives what the ORM query it replaced gives (the old code is written out here as the
reference), on data with every case the old query tells apart, and in no more queries."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from core import filing
from core import selectors as core_selectors
from core.models import EmploymentRatio, FilingExtension, FilingWindow, SocialAverageWage
from core.selectors import DEFAULT_RATIO_PERCENT, RatioSetting
from employers import selectors as employer_selectors
from employers.declaration_states import DECLARED, FILLING, LOCKED_STATUSES, SENT, WITHDRAWING
from employers.models import DeclarationState
from levy import selectors as levy_selectors
from levy.models import StaffFigures
from placements.models import PlacementMonth
from tests import factories
from tests.factories.levy import add_months

pytestmark = pytest.mark.django_db(transaction=False)


# --- the replaced code, as it was (the reference) --------------------------------------------------------------------


def _orm_year_locked(employer_id: int, year: int) -> bool:
    return DeclarationState.objects.filter(employer_id=employer_id, year=year, status__in=LOCKED_STATUSES).exists()


def _orm_filing_window(province_code: str, year: int) -> filing.Window:
    province = filing.province_of(province_code)
    row = FilingWindow.objects.filter(province_code=province, business_year=year).first()
    return filing._window_from_row(row) if row is not None else filing.default_window(province, year)


def _orm_unit_filing_window(employer, year: int) -> filing.Window:
    extended_to = FilingExtension.objects.filter(employer=employer, year=year).values_list("closes_on", flat=True)
    return filing.extend(_orm_filing_window(employer.federation_region_id, year), next(iter(extended_to), None))


def _orm_unit_filing_year(employer, today: date) -> int:
    extended = FilingExtension.objects.filter(employer=employer, closes_on__gte=today).values_list("year", flat=True)
    province = filing.province_of(employer.federation_region_id)
    rows = FilingWindow.objects.filter(province_code=province, opens_on__lte=today, closes_on__gte=today)
    windows = [filing._window_from_row(r) for r in rows]
    windows += [filing.Window(province, y, today, today, configured=True) for y in extended]
    return filing.pick_filing_year(windows, today)


def _orm_social_average_wage(province_code: str, year: int) -> levy_selectors.WageSetting:
    row = (
        SocialAverageWage.objects.filter(province_code=province_code, year__lte=year)
        .order_by("-year")
        .values("year", "annual_amount")
        .first()
    )
    if row is None:
        return levy_selectors.WageSetting(None, None, "本省未设置社会平均工资，不计算工资上限")
    note = f"本省 {row['year']} 年社会平均工资"
    if row["year"] != year:
        note += f"（{year} 年尚未公布，暂用最近一年）"
    return levy_selectors.WageSetting(row["annual_amount"], row["year"], note)


def _typed(value):
    """A value with its type and, for a dataclass, each field's (Decimal('1.5') == Decimal('1.50'), 1 == True)."""
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return (type(value), {name: _typed(getattr(value, name)) for name in fields})
    return (type(value), str(value))


def _model_state(obj) -> dict | None:
    if obj is None:
        return None
    return {k: (type(v), v) for k, v in vars(obj).items() if k != "_state"} | {"db": obj._state.db}


# --- data ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def units():
    return [factories.employer(region_code=code) for code in ("110105", "110108", "310101")]


def test_year_locked_and_the_state_row_as_the_orm(units, django_assert_num_queries):
    now = timezone.make_aware(datetime(2026, 4, 2, 10, 30))
    statuses = [FILLING, DECLARED, SENT, WITHDRAWING]
    for i, unit in enumerate(units):
        for j, status in enumerate(statuses[i:]):
            DeclarationState.objects.create(
                employer=unit,
                year=2022 + j,
                status=status,
                declared_at=now if status != FILLING else None,
                previous_status=DECLARED if status == WITHDRAWING else "",
            )
    cases = [(unit, year) for unit in units for year in range(2021, 2027)]
    for unit, year in cases:
        with django_assert_num_queries(1):
            got = employer_selectors.year_locked(unit, year)
        assert got is _orm_year_locked(unit.pk, year), (unit, year)
        assert employer_selectors.year_locked(unit.pk, year) is got
        found = employer_selectors._state_row_prepared(unit.pk, year)
        want = DeclarationState.objects.filter(employer=unit, year=year).first()
        assert _model_state(found[0] if found else None) == _model_state(want)
    # the data has both answers: 3 + 3 + 2 locked years of 18
    assert sum(_orm_year_locked(unit.pk, year) for unit, year in cases) == 8


def test_year_actions_reads_the_state_once(units, django_assert_max_num_queries):
    DeclarationState.objects.create(employer=units[0], year=2025, status=SENT, declared_at=timezone.now())
    with django_assert_max_num_queries(4):  # the state, the unit's extension, the window, the calendar
        actions = employer_selectors.year_actions(units[0], 2025, today=date(2026, 5, 1))
    assert (actions.status, actions.locked, actions.sent) == (SENT, True, True)
    assert employer_selectors.year_actions(units[1], 2025, today=date(2026, 5, 1)).status == FILLING


@pytest.fixture
def windows(units):
    """Beijing's windows of 2023-2025 (one ending early), Shanghai's of 2025; unit 0's extension of 2024 and 2025."""
    for year, closes in ((2023, date(2024, 10, 31)), (2024, date(2025, 6, 30)), (2025, date(2026, 10, 31))):
        FilingWindow.objects.create(
            province_code="11", business_year=year, opens_on=date(year + 1, 3, 1), closes_on=closes
        )
    FilingWindow.objects.create(
        province_code="31", business_year=2025, opens_on=date(2026, 2, 1), closes_on=date(2026, 9, 30)
    )
    for year, closes in ((2024, date(2025, 12, 31)), (2025, date(2026, 6, 30))):  # 2025's: earlier, changes nothing
        FilingExtension.objects.create(employer=units[0], year=year, closes_on=closes, reason="系统故障")


def test_unit_filing_window_and_year_as_the_orm(units, windows, django_assert_num_queries):
    days = [date(2025, 2, 28), date(2025, 3, 1), date(2025, 7, 1), date(2025, 12, 31), date(2026, 1, 1)]
    days += [date(2026, 2, 15), date(2026, 3, 1), date(2026, 10, 31), date(2026, 11, 1)]
    for unit in units:
        for year in range(2022, 2027):
            with django_assert_num_queries(2):
                got = filing.unit_filing_window(unit, year)
            assert _typed(got) == _typed(_orm_unit_filing_window(unit, year)), (unit, year)
            assert _typed(filing.filing_window(unit.federation_region_id, year)) == _typed(
                _orm_filing_window(unit.federation_region_id, year)
            )
        for today in days:
            with django_assert_num_queries(2):
                got = filing.unit_filing_year(unit, today)
            assert got == _orm_unit_filing_year(unit, today), (unit, today)
    assert filing.unit_filing_window(units[0], 2024).extended  # the data has an extended window
    # a year open only through the unit's extension; outside every window: last year
    assert filing.unit_filing_year(units[0], date(2025, 7, 1)) == 2025
    assert filing.unit_filing_year(units[1], date(2025, 7, 1)) == 2024


def orm_employment_ratio(province_code: str, year: int) -> RatioSetting:
    """core.selectors.employment_ratio as the ORM read it before it was compiled once (the reference)."""
    row = (
        EmploymentRatio.objects.filter(province_code=province_code, year__lte=year)
        .order_by("-year")
        .values("year", "ratio_percent", "source", "effective_from", "confirmed")
        .first()
    )
    if row is None:
        return RatioSetting(DEFAULT_RATIO_PERCENT, None, "本省未设置安排比例，按默认 1.5% 计算")
    note = f"本省 {row['year']} 年规定比例"
    if row["year"] != year:
        note += f"（{year} 年未设置，沿用最近一年）"
    return RatioSetting(row["ratio_percent"], row["year"], note, row["source"], row["effective_from"], row["confirmed"])


def test_ratio_and_wage_as_the_orm(django_assert_num_queries):
    EmploymentRatio.objects.create(province_code="11", year=2023, ratio_percent=Decimal("1.60"), source="京政发")
    EmploymentRatio.objects.create(
        province_code="11",
        year=2025,
        ratio_percent=Decimal("1.70"),
        source="京残发",
        effective_from=date(2025, 1, 1),
        confirmed=True,
    )
    EmploymentRatio.objects.create(province_code="31", year=2024, ratio_percent=Decimal("1.50"))
    SocialAverageWage.objects.create(province_code="11", year=2023, annual_amount=Decimal("120000.50"))
    SocialAverageWage.objects.create(province_code="11", year=2025, annual_amount=Decimal("146000"))
    for province in ("11", "31", "44"):
        for year in range(2021, 2028):
            with django_assert_num_queries(1):
                ratio = levy_selectors.employment_ratio(province, year)
            assert _typed(ratio) == _typed(orm_employment_ratio(province, year)), (province, year)
            assert ratio.basis == orm_employment_ratio(province, year).basis
            with django_assert_num_queries(1):
                wage = levy_selectors.social_average_wage(province, year)
            assert _typed(wage) == _typed(_orm_social_average_wage(province, year)), (province, year)


def test_confirmed_months_and_stated_figures_as_the_orm(units, django_assert_num_queries):
    unit, other = units[0], units[2]
    add_months(unit, 2025, weight=2, months=[1, 2, 3], state="auto")
    add_months(unit, 2025, weight=1, months=[1, 2, 3, 4, 5], state="confirmed")
    add_months(unit, 2025, weight=1, months=[6], state="pending")
    add_months(unit, 2025, weight=1, months=[8], selected=False)
    add_months(unit, 2025, weight=2, months=[9, 10], state="auto", submitted=False)
    add_months(unit, 2024, weight=1, months=[1, 2])
    add_months(other, 2025, weight=2, months=[1, 2])
    StaffFigures.objects.create(employer=unit, year=2025, staff_count=120, avg_monthly_wage=Decimal("8000.50"))
    for employer in units:
        for year in (2023, 2024, 2025):
            with django_assert_num_queries(1):
                months = levy_selectors.confirmed_person_months(employer=employer, year=year)
            want = (
                PlacementMonth.objects.counted()
                .filter(placement__employer=employer, placement__year=year)
                .totals("severe", "other")
            )
            assert _typed(months) == _typed(levy_selectors.PersonMonths(want["severe"], want["other"]))
            found = levy_selectors._stated_prepared(employer.pk, year)
            want_row = StaffFigures.objects.filter(employer=employer, year=year).first()
            assert _model_state(found[0] if found else None) == _model_state(want_row)
    assert levy_selectors.confirmed_person_months(employer=unit, year=2025) == levy_selectors.PersonMonths(3, 5)


def test_calculator_defaults_in_no_more_queries(units, windows, django_assert_num_queries):
    EmploymentRatio.objects.create(province_code="11", year=2025, ratio_percent=Decimal("1.70"))
    SocialAverageWage.objects.create(province_code="11", year=2025, annual_amount=Decimal("146000"))
    StaffFigures.objects.create(employer=units[0], year=2025, staff_count=80, avg_monthly_wage=Decimal("9000"))
    add_months(units[0], 2025, weight=2, months=[1, 2])
    with django_assert_num_queries(6):  # filing year (2), ratio, wage, months, stated figures: as before
        defaults = levy_selectors.calculator_defaults(employer=units[0], today=date(2025, 12, 1))
    assert defaults.business_year == 2025  # open through the unit's extension
    assert (defaults.initial["ratio"], defaults.initial["social_wage"]) == (Decimal("1.70"), Decimal("146000"))
    assert (defaults.initial["staff"], defaults.initial["severe"]) == (80, 2)


def test_every_read_is_prepared_not_run_through_the_orm(units, windows):
    """A read that cannot be prepared falls back to the ORM (right, but no faster): each of these must prepare."""
    unit = units[0]
    employer_selectors.year_locked(unit, 2025)
    employer_selectors.year_actions(unit, 2025, today=date(2026, 5, 1))
    filing.unit_filing_year(unit, date(2026, 5, 1))
    levy_selectors.calculator_defaults(employer=unit, today=date(2026, 5, 1))
    queries = [
        employer_selectors._locked_state_prepared,
        employer_selectors._state_row_prepared,
        filing._open_windows_prepared,
        filing._extended_years_prepared,
        filing._extended_to_prepared,
        filing._window_row_prepared,
        core_selectors._ratio_prepared,
        levy_selectors._wage_prepared,
        levy_selectors._month_totals_prepared,
        levy_selectors._stated_prepared,
    ]
    plans = vars(connections[DEFAULT_DB_ALIAS])["_prepared_plans"]
    for query in queries:
        assert list(plans[query].values()) and all(plans[query].values()), query.build.__name__
