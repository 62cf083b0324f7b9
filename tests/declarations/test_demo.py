"""declarations.demo.load_demo: declares an earlier year with placements, never the demo year; idempotent."""

import pytest

from declarations.demo import load_demo
from declarations.models import Declaration, Submission
from tests.declarations import factories as df

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
