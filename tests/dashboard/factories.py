"""Rows the home page reads, built directly with the ORM."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from declarations.models import Declaration
from notices.constants import NoticeKind
from notices.models import Notice, NoticeRead
from placements.models import HandCertificate, Placement
from relief.models import ReliefApplication
from tests import factories
from tests.declarations.factories import placement  # noqa: F401 - re-exported: a placement with selected months
from tests.placements.factories import contract, registry_cert  # noqa: F401

YEAR = 2025


def person(employer, *, birth: date, male: bool = True, year: int = YEAR, baseline: str = "", **fields) -> Placement:
    """A placement of a person born on ``birth`` (no months)."""
    return Placement.objects.create(
        employer=employer,
        year=year,
        id_number=factories.make_id_number(birth=birth, male=male),
        name=fields.pop("name", factories.chinese_name()),
        retirement_baseline=baseline,
        **fields,
    )


def hand_cert(p: Placement, *, valid_to: date, review_state: str = "approved") -> HandCertificate:
    return HandCertificate.objects.create(
        placement=p,
        cert_no=f"{p.id_number}43",
        cert_type="残疾人证",
        valid_from=date(2021, 1, 1),
        valid_to=valid_to,
        grade=3,
        review_state=review_state,
    )


def declaration(employer, status: str, *, previous: str = "", year: int = YEAR) -> Declaration:
    return Declaration.objects.create(employer=employer, year=year, status=status, previous_status=previous)


def notice(employer=None, *, title: str, minutes_ago: int = 10, read_by=None, **fields) -> Notice:
    """A system notice to ``employer`` (or a national 公告 when None), optionally already read by ``read_by``."""
    data = {
        "title": title,
        "body": "<p>正文</p>",
        "publish_at": timezone.now() - timedelta(minutes=minutes_ago),
        "kind": NoticeKind.REVIEW_RESULT if employer is not None else NoticeKind.ANNOUNCEMENT,
        "employer": employer,
    }
    data.update(fields)
    n = Notice(**data)
    n.save()
    if read_by is not None:
        NoticeRead.objects.create(notice=n, employer=read_by)
    return n


def relief(employer, *, staff: str, wage: str, year: int = YEAR, **fields) -> ReliefApplication:
    data = {
        "employer": employer,
        "year": year,
        "kind": "deferral",
        "months_requested": 3,
        "reason": "受暴雨灾害影响，厂房受损停产。",
        "loss_amount": Decimal("500000.00"),
        "loss_description": "厂房及设备受损。",
        "staff_count": Decimal(staff),
        "avg_monthly_wage": Decimal(wage),
    }
    data.update(fields)
    return ReliefApplication.objects.create(**data)
