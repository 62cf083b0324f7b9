"""Rows the home page reads, built directly with the ORM."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from notices.constants import NoticeKind
from notices.models import Notice
from placements.models import HandCertificate, Placement
from relief.models import ReliefApplication
from tests.factories.core import chinese_name, make_id_number
from tests.factories.declarations import YEAR
from tests.factories.declarations import declaration as declaration
from tests.factories.declarations import placement as placement  # a placement with selected months
from tests.factories.notices import NoticeFactory, NoticeReadFactory
from tests.factories.placements import HandCertificateFactory, PlacementFactory
from tests.factories.placements import contract as contract
from tests.factories.placements import registry_cert as registry_cert
from tests.factories.relief import ReliefApplicationFactory


def person(employer, *, birth: date, male: bool = True, year: int = YEAR, baseline: str = "", **fields) -> Placement:
    """A placement of a person born on ``birth`` (no months)."""
    return PlacementFactory(
        employer=employer,
        year=year,
        id_number=make_id_number(birth=birth, male=male),
        name=fields.pop("name", chinese_name()),
        retirement_baseline=baseline,
        **fields,
    )


def hand_cert(p: Placement, *, valid_to: date, review_state: str = "approved") -> HandCertificate:
    """A hand-added 三级 certificate of ``p`` valid from 2021 to ``valid_to`` (no image)."""
    return HandCertificateFactory(
        placement=p,
        cert_no=f"{p.id_number}43",
        valid_from=date(2021, 1, 1),
        valid_to=valid_to,
        grade=3,
        category=None,
        review_state=review_state,
    )


def notice(employer=None, *, title: str, minutes_ago: int = 10, read_by=None, **fields) -> Notice:
    """A system notice to ``employer`` (or a national 公告 when None), optionally already read by ``read_by``."""
    data = {
        "body": "<p>正文</p>",
        "publish_at": timezone.now() - timedelta(minutes=minutes_ago),
        "kind": NoticeKind.REVIEW_RESULT if employer is not None else NoticeKind.ANNOUNCEMENT,
    }
    data.update(fields)
    n = NoticeFactory(title=title, employer=employer, **data)
    if read_by is not None:
        NoticeReadFactory(notice=n, employer=read_by)
    return n


def relief(employer, *, staff: str, wage: str, year: int = YEAR, **fields) -> ReliefApplication:
    """A 缓缴 draft of ``employer`` stating ``staff`` and ``wage`` (the home page's fallback figures)."""
    data = {
        "kind": "deferral",
        "reason": "受暴雨灾害影响，厂房受损停产。",
        "loss_amount": Decimal("500000.00"),
        "loss_description": "厂房及设备受损。",
        "levy_estimate": None,
    }
    data.update(fields)
    return ReliefApplicationFactory(
        employer=employer, year=year, staff_count=Decimal(staff), avg_monthly_wage=Decimal(wage), **data
    )
