"""Placements ready (or not) for 完成申报, built directly with the ORM: a placement and its selected months."""

from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

from employers.models import Employer
from placements.models import Placement, PlacementMonth
from tests import factories

YEAR = 2025
SHANGHAI = ZoneInfo("Asia/Shanghai")
_seq = count(5000)


def at(*args) -> datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime(*args, tzinfo=SHANGHAI)


def person_id(male: bool = True) -> str:
    return factories.make_id_number(male=male, seq=next(_seq))


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
    id_number = person_id()
    p = Placement.objects.create(
        employer=employer,
        year=year,
        id_number=id_number,
        name=name or factories.chinese_name(),
        wizard_step=4 if completed else 2,
        wizard_completed=completed,
    )
    PlacementMonth.objects.bulk_create(
        PlacementMonth(
            placement=p,
            id_number=id_number,
            year=year,
            month=year * 100 + m,
            selected=True,
            review_state=review,
            verified=review == "auto",
            weight=weight,
            cert_type="残疾人证",
            cert_grade=2 if weight == 2 else 3,
            cert_no=f"{id_number}4{2 if weight == 2 else 3}",
            evidence_missing=evidence_missing,
        )
        for m in months
    )
    return p
