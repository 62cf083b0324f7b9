"""Placements, their contracts, months, certificates and evidence; the wizard's form data.

Built directly with the ORM (the feed importer and the wizard are not needed for engine tests); ``.build()`` of the
factories gives unsaved rows for tests without a database.
"""

from datetime import date
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from employers.models import Employer
from placements.grid.recompute import grid_recompute
from placements.models import (
    Contract,
    Evidence,
    HandCertificate,
    Placement,
    PlacementMonth,
    identity_from_id_number,
)
from tests.factories.core import StoredFileFactory, chinese_name, make_id_number
from tests.factories.core import min_wage as min_wage
from tests.factories.employers import EmployerFactory
from tests.factories.employers import related_unit as related_unit
from tests.factories.feeds import monthly_facts, registry_cert
from tests.factories.feeds import registry_person as registry_person
from tests.factories.feeds import valid_id as valid_id
from tests.factories.files import clean_png as clean_png
from tests.factories.files import png_bytes as png_bytes
from tests.factories.files import png_upload

YEAR = 2025


def person_id(birth: date = date(1985, 6, 15), male: bool = True) -> str:
    # The one sequence every factory draws from (tests.factories.core.SEQ): two factories with sequences of their
    # own gave the same person whenever their counters met modulo 499 (a unique-key failure that came and went with
    # the order xdist ran the tests in).
    return make_id_number(birth=birth, male=male)


class PlacementFactory(DjangoModelFactory):
    """A person registered by a unit for a year (basic information only); birth date and gender follow the ID."""

    class Meta:
        model = Placement

    employer = factory.SubFactory(EmployerFactory)
    year = YEAR
    id_number = factory.LazyFunction(person_id)
    name = factory.LazyFunction(chinese_name)
    birth_date = factory.LazyAttribute(lambda o: identity_from_id_number(o.id_number)[0])
    gender = factory.LazyAttribute(lambda o: identity_from_id_number(o.id_number)[1])


class PlacementMonthFactory(DjangoModelFactory):
    """One month of a placement's grid (January of its year unless ``month`` is given)."""

    class Meta:
        model = PlacementMonth

    placement = factory.SubFactory(PlacementFactory)
    id_number = factory.SelfAttribute("placement.id_number")
    year = factory.SelfAttribute("placement.year")
    month = factory.LazyAttribute(lambda o: o.year * 100 + 1)


class ContractFactory(DjangoModelFactory):
    """An open-ended contract since 2020 as 装配工 at 4,000 yuan a month."""

    class Meta:
        model = Contract

    placement = factory.SubFactory(PlacementFactory)
    contract_type = "open_ended"
    start = date(2020, 1, 1)
    end = None
    job = "装配工"
    monthly_salary = Decimal("4000.00")


class HandCertificateFactory(DjangoModelFactory):
    """A certificate the unit added by hand (二级, category 4, valid around the placement's year), awaiting review."""

    class Meta:
        model = HandCertificate

    placement = factory.SubFactory(PlacementFactory)
    cert_no = factory.LazyAttribute(lambda o: f"{o.placement.id_number}42")
    cert_type = "残疾人证"
    valid_from = factory.LazyAttribute(lambda o: date(o.placement.year - 1, 1, 1))
    valid_to = factory.LazyAttribute(lambda o: date(o.placement.year + 4, 12, 31))
    grade = 2
    category = 4
    image = None


class EvidenceFactory(DjangoModelFactory):
    """An upload covering some months for one check (a stored PNG of the placement's unit)."""

    class Meta:
        model = Evidence

    placement = factory.SubFactory(PlacementFactory)
    kind = "wage"
    months = factory.LazyAttribute(lambda o: [o.placement.year * 100 + 1])
    file = factory.SubFactory(
        StoredFileFactory,
        employer=factory.SelfAttribute("..placement.employer"),
        name=factory.LazyAttribute(lambda o: f"{o.factory_parent.kind}.png"),
    )


def placement(employer: Employer, *, id_number: str | None = None, year: int = YEAR, **fields) -> Placement:
    """A placement at step 2 of the wizard (no contract, no months)."""
    fields.setdefault("wizard_step", 2)
    return PlacementFactory(employer=employer, year=year, id_number=id_number or person_id(), **fields)


def contract(p: Placement, **fields) -> Contract:
    return ContractFactory(placement=p, **fields)


def complete_person(employer: Employer, **fields) -> Placement:
    """A placement whose every month verifies: open-ended contract, 二级 certificate, all facts by the employer."""
    p = placement(employer, **fields)
    contract(p)
    registry_cert(p.id_number)
    monthly_facts(p.id_number, employer.uscc, year=p.year)
    return p


def ready_placement(employer, *, months=range(1, 13), wage="3000.00", **fields) -> Placement:
    """A placement at step 2 with a contract, a 二级 certificate and facts in ``months``; grid computed."""
    p = placement(employer, **fields)
    contract(p)
    registry_cert(p.id_number)
    monthly_facts(p.id_number, employer.uscc, year=p.year, months=months, wage=wage)
    grid_recompute(placement=p)
    return p


def selected_months(p: Placement, months=range(1, 13), **fields) -> list[PlacementMonth]:
    """Months 1–12 (or ``months``) of ``p``, selected unless ``selected=False``, in one INSERT (``fields``:
    review_state, weight, …)."""
    fields.setdefault("selected", True)
    return PlacementMonth.objects.bulk_create(
        PlacementMonthFactory.build(placement=p, month=p.year * 100 + m, **fields) for m in months
    )


def month_states(p: Placement) -> dict[int, tuple[bool, str]]:
    return {m.month: (m.selected, m.review_state) for m in PlacementMonth.objects.filter(placement=p)}


def born(years_old: int, year: int = YEAR, month: int = 6, day: int = 15) -> date:
    return date(year - years_old, month, day)


# --- the wizard's form data -----------------------------------------------------------------------------------------


def person_post(id_number: str, *, version: int | None = None, region_code: str = "110101", **extra) -> dict:
    """A valid 基本信息 POST for the new / step-1 forms."""
    data = {
        "id_number": id_number,
        "name": "王晓明",
        "household_region_0": region_code[:2] + "0000",
        "household_region_1": region_code[:4] + "00",
        "household_region_2": region_code,
        "household_address": "北京市东城区和平里街道1号",
        "phone": "13912345678",
        "education": "大学本科",
        "is_graduate": "0",
        "retirement_baseline": "" if int(id_number[16]) % 2 else "worker50",
        "token": extra.pop("token", ""),
    }
    if version is not None:
        data["version"] = str(version)
    data.update(extra)
    return data


def contract_post(version: int, **extra) -> dict:
    """A valid 劳动合同 POST (step 1) with a contract image."""
    data = {
        "version": str(version),
        "token": "",
        "is_dispatched": "0",
        "relation": "self",
        "contract_type": "open_ended",
        "start": "2020-01-01",
        "end": "",
        "job": "装配工",
        "monthly_salary": "4000.00",
        "dispatch_unit": "",
        "pension_unit": "",
        "medical_unit": "",
        "wage_unit": "",
        "contract_file": png_upload("合同.png"),
    }
    data.update(extra)
    return data
