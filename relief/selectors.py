"""Reads for the relief pages, and the levy estimate the 减免 limit is checked against."""

from decimal import Decimal

from django.db.models import QuerySet

from levy import selectors as levy_selectors
from levy.calculator import LevyInput, LevyResult, calculate
from relief.models import ReliefApplication


def levy_estimate(*, employer, year: int, staff_count: Decimal, avg_monthly_wage: Decimal) -> LevyResult:
    """One year's levy estimate of the unit for business ``year`` (the 减免 ceiling), ≤ 3 queries.

    Inputs, defined once here:
    - 在职职工人数 and 月平均工资: the figures the unit states in its application (the previous year's annual
      averages, as in its levy declaration to the tax office);
    - 安排比例 and 社会平均工资: the province's settings for ``year`` (``levy.selectors``);
    - 安置人月数: the unit's confirmed person-months of ``year`` (1–2 级 counted twice);
    - 单位性质: the unit's profile;
    - rules: those of levy year ``year + 1`` (ADR 0004). The result's ``payable`` is the estimate.

    Raises ``levy.calculator.LevyInputError`` for impossible figures.
    """
    province = levy_selectors.province_code_of(employer)
    ratio = levy_selectors.employment_ratio(province, year)
    wage = levy_selectors.social_average_wage(province, year)
    months = levy_selectors.confirmed_person_months(employer=employer, year=year)
    return calculate(
        LevyInput(
            staff_count=staff_count,
            ratio_percent=ratio.ratio_percent,
            avg_monthly_wage=avg_monthly_wage,
            disabled_monthly_wage=Decimal(0),
            severe_person_months=months.severe,
            other_person_months=months.other,
            unit_kind=employer.unit_kind,
            social_avg_annual_wage=wage.annual_amount,
            year=levy_selectors.levy_year_for(year),
        )
    )


def applications_of(employer) -> QuerySet[ReliefApplication]:
    """The unit's applications for its list page (one query, no per-row queries)."""
    return (
        ReliefApplication.objects.of(employer)
        .only(
            "id",
            "employer_id",
            "year",
            "kind",
            "state",
            "amount_requested",
            "months_requested",
            "submitted_at",
            "decided_at",
            "created_at",
        )
        .order_by("-year", "-created_at", "-id")
    )


def application_detail(employer, pk: int) -> ReliefApplication:
    """The unit's own application with its files (one query); another unit's id raises DoesNotExist."""
    return ReliefApplication.objects.select_related(
        "employer", "application_letter", "loss_proof", "audited_accounts"
    ).get(pk=pk, employer=employer)


def public_years() -> list[int]:
    """Business years with at least one approved application, newest first (one query)."""
    return list(ReliefApplication.objects.approved().order_by("-year").values_list("year", flat=True).distinct())
