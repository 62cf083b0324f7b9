"""Declarations, and placements ready (or not) for 完成申报: a placement and its selected months."""

from datetime import datetime
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from declarations.models import Declaration
from employers.models import Employer
from placements.models import Placement
from tests.factories.core import chinese_name, make_id_number
from tests.factories.employers import EmployerFactory
from tests.factories.placements import PlacementFactory, selected_months

YEAR = 2025
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime(*args, tzinfo=SHANGHAI)


def person_id(male: bool = True) -> str:
    return make_id_number(male=male)  # the shared sequence (tests.factories.placements.person_id says why)


class DeclarationFactory(DjangoModelFactory):
    """A unit's declaration of a year, 填报中 unless ``status`` says otherwise."""

    class Meta:
        model = Declaration

    employer = factory.SubFactory(EmployerFactory)
    year = YEAR
    status = "filling"
    previous_status = ""


def placement(
    employer: Employer,
    *,
    year: int = YEAR,
    months=range(1, 13),
    weight: int = 1,
    review: str = "auto",
    completed: bool = True,
    evidence_missing: bool = False,
    name: str | None = None,
) -> Placement:
    """A placement whose ``months`` are selected in review state ``review`` (auto / confirmed / pending / rejected)."""
    p = PlacementFactory(
        employer=employer,
        year=year,
        id_number=person_id(),
        name=name or chinese_name(),
        wizard_step=4 if completed else 2,
        wizard_completed=completed,
    )
    grade = 2 if weight == 2 else 3
    selected_months(
        p,
        months,
        review_state=review,
        verified=review == "auto",
        weight=weight,
        cert_type="残疾人证",
        cert_grade=grade,
        cert_no=f"{p.id_number}4{grade}",
        evidence_missing=evidence_missing,
    )
    return p


def declaration(employer, status: str, *, previous: str = "", year: int = YEAR) -> Declaration:
    return DeclarationFactory(employer=employer, year=year, status=status, previous_status=previous)
