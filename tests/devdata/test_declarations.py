"""devdata.declarations.load_demo: declares an earlier year with placements, never the demo year; idempotent."""

import pytest

from core.models import FilingExtension
from declarations.models import Declaration, Submission
from devdata.declarations import load_demo
from employers.selectors import year_actions
from tests.factories import declarations as df

pytestmark = pytest.mark.django_db


def test_demo_declares_an_earlier_year_once_and_leaves_the_demo_year(employer, employer_user, traveller):
    df.placement(employer, year=2024)
    df.placement(employer, year=2025)
    ctx = {"employer": employer, "employer_user": employer_user, "year": 2025}
    first = load_demo(ctx)
    assert "2024年度已完成申报" in first
    assert list(Declaration.objects.values_list("year", "status")) == [(2024, "declared")]
    second = load_demo(ctx)
    assert "2024年度已有申报记录" in second
    assert Submission.objects.count() == 1


def test_demo_without_earlier_placements_creates_nothing(employer, employer_user, traveller):
    df.placement(employer, year=2025)
    message = load_demo({"employer": employer, "employer_user": employer_user, "year": 2025})
    assert "保持「填报中」" in message
    assert not Declaration.objects.exists()


def test_demo_skips_an_earlier_year_that_cannot_be_declared(employer, employer_user, traveller):
    df.placement(employer, year=2024, review="pending")
    message = load_demo({"employer": employer, "employer_user": employer_user, "year": 2025})
    assert "2024年度未申报" in message
    assert not Submission.objects.exists()


def test_demo_extends_the_demo_units_window_once_it_has_closed(employer, employer_user, reviewer, traveller):
    df.placement(employer, year=2025)
    ctx = {"employer": employer, "employer_user": employer_user, "reviewer": reviewer, "year": 2025}
    assert "延长" not in load_demo(ctx)  # 2026-09-30: the window is open
    assert not FilingExtension.objects.exists()
    traveller.move_to(df.at(2026, 11, 28, 9, 0))
    assert "演示审核员已将演示单位的申报期延长至 2027年01月27日" in load_demo(ctx)
    assert year_actions(employer, 2025).can_declare
    assert "延长" not in load_demo(ctx)  # open again: nothing more to do
    assert FilingExtension.objects.count() == 1
