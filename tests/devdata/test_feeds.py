"""The feeds demo data: the demo workforce with a realistic share of gaps, loaded idempotently."""

from collections import Counter
from datetime import date

import pytest

from devdata.feeds import PERSONS, demo_people, load_demo
from employers.constants import Relation
from employers.models import RelatedUnit
from feeds.models import Certificate, FeedImport, MedicalContribution, PensionContribution, RegistryPerson, WageRecord
from feeds.parsing import is_valid_id_number
from tests import factories
from tests.factories.feeds import unit_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    employer = factories.employer(name="北京市示范科技有限公司", region_code="110105")
    related = RelatedUnit.objects.create(
        employer=employer,
        region=factories.region("110108"),
        uscc=unit_uscc("110108"),
        name="北京市示范科技有限公司海淀分公司",
        relation=Relation.PARENT_SUBSIDIARY,
    )
    return {"employer": employer, "year": 2025, "today": date(2026, 3, 1), "related": related}


def test_demo_people_are_valid_and_cover_the_scenarios():
    people = demo_people(2025)
    assert len(people) == PERSONS and len({p.id_number for p in people}) == PERSONS
    assert all(is_valid_id_number(p.id_number) for p in people)
    scenarios = Counter(p.scenario for p in people)
    assert scenarios["ok"] >= 20
    assert {"wage_missing", "low_wage", "related_insurance", "cert_expires", "military_9", "retiring_man"} <= set(
        scenarios
    )
    retiring = next(p for p in people if p.scenario == "retiring_man")
    assert retiring.id_number[6:12] == "196505"


def test_load_demo_is_idempotent(ctx):
    lines = load_demo(ctx)
    assert any(line.startswith("pension:") for line in lines)
    employer, related = ctx["employer"], ctx["related"]
    assert RegistryPerson.objects.count() == PERSONS
    assert Certificate.objects.count() >= PERSONS  # one without, one renewed, …
    this_year = PensionContribution.objects.filter(month__gte=202501, month__lte=202512)
    assert this_year.filter(unit_uscc=employer.uscc).count() > 400
    assert this_year.filter(unit_uscc=related.uscc).count() == 24  # two persons insured by the related unit
    assert PensionContribution.objects.filter(month__lt=202501).count() == 6 * 12  # last year, six persons
    assert WageRecord.objects.filter(amount=2500).count() == 12  # under the minimum after September
    assert MedicalContribution.objects.count() > 400

    imports = FeedImport.objects.count()
    snapshot = list(PensionContribution.objects.order_by("pk").values_list())
    assert load_demo(ctx) == ["数据交换演示数据已存在，未改动"]
    assert FeedImport.objects.count() == imports
    assert list(PensionContribution.objects.order_by("pk").values_list()) == snapshot


def test_without_a_related_unit_everyone_is_insured_by_the_unit(ctx):
    ctx["related"].delete()
    lines = load_demo(ctx)
    assert any("没有上下级关联单位" in line for line in lines)
    assert set(PensionContribution.objects.values_list("unit_uscc", flat=True)) == {ctx["employer"].uscc}
