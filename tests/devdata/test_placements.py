"""devdata.placements.load_demo: the demo unit's placements in every status, through the real services; idempotent."""

from datetime import date

import pytest

from core.models import AuditEvent, StoredFile
from devdata.feeds import load_demo as load_feeds_demo
from devdata.placements import load_demo
from employers.constants import Relation
from employers.models import RelatedUnit
from placements.constants import PlacementStatus
from placements.models import Evidence, Placement, PlacementMonth
from tests import factories
from tests.factories import placements as pf

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    employer = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    for code in ("110101", "110102", "110106", "110108"):
        factories.region(code)
    RelatedUnit.objects.create(
        employer=employer,
        region=factories.region("110108"),
        uscc="91110108MA01T2PW6N",
        name="北京市示范科技有限公司海淀分公司",
        relation=Relation.PARENT_SUBSIDIARY,
    )
    RelatedUnit.objects.create(
        employer=employer,
        region=factories.region("110108"),
        uscc="91110108MA01R8KX4E",
        name="北京众诚人力资源服务有限公司",
        relation=Relation.DISPATCH_FIRM,
    )
    pf.min_wage("11", "2540.00", effective_from=date(2025, 9, 1))
    pf.min_wage("11", "2420.00", effective_from=date(2024, 9, 1))
    ctx = {
        "employer": employer,
        "employer_user": factories.employer_user(employer),
        "reviewer": factories.reviewer_user(),
        "year": 2025,
        "today": date(2026, 3, 1),
    }
    load_feeds_demo(ctx)
    return ctx


def statuses(employer, year):
    return dict(Placement.objects.of(employer, year).with_status().values_list("name", "status"))


def test_demo_has_every_status_and_last_years_list(ctx):
    lines = load_demo(ctx)
    employer = ctx["employer"]
    found = set(statuses(employer, 2025).values())
    assert found == set(PlacementStatus.values), (found, lines)
    assert all("未能生成" not in line for line in lines), lines
    assert set(statuses(employer, 2024).values()) == {PlacementStatus.APPROVED_SYSTEM}
    # three of last year's six persons are not yet in this year: 导入上一年申报名单 has something to offer
    last, this = (set(Placement.objects.of(employer, y).values_list("id_number", flat=True)) for y in (2024, 2025))
    assert len(last) == 6 and len(last - this) == 3
    # reviewer decisions are recorded as the demo reviewer's
    decided = PlacementMonth.objects.filter(placement__employer=employer, review_state__in=("confirmed", "rejected"))
    assert decided.exists() and set(decided.values_list("decided_by", flat=True)) == {ctx["reviewer"].pk}
    assert AuditEvent.objects.filter(action="placement.review_reject", actor=ctx["reviewer"]).exists()
    assert AuditEvent.objects.filter(action="placement.review_approve", actor=ctx["reviewer"]).exists()
    assert Evidence.objects.filter(placement__employer=employer).exists()
    # the dispatched person registered only January–June
    dispatched = Placement.objects.get(employer=employer, year=2025, contracts__is_dispatched=True)
    assert sorted(dispatched.months.filter(selected=True).values_list("month", flat=True)) == list(
        range(202501, 202507)
    )


def test_demo_is_idempotent(ctx):
    load_demo(ctx)
    counts = (
        Placement.objects.count(),
        PlacementMonth.objects.count(),
        Evidence.objects.count(),
        StoredFile.objects.count(),
    )
    before = statuses(ctx["employer"], 2025)
    assert load_demo(ctx) == ["安置登记演示数据已存在，未改动"]
    assert counts == (
        Placement.objects.count(),
        PlacementMonth.objects.count(),
        Evidence.objects.count(),
        StoredFile.objects.count(),
    )
    assert statuses(ctx["employer"], 2025) == before
