"""Placements and feed rows built directly with the ORM (the feed importer is not needed for engine tests)."""

from datetime import date
from decimal import Decimal
from itertools import count

from core.models import MinimumWage
from employers.models import Employer, RelatedUnit
from feeds.models import Certificate, MedicalContribution, PensionContribution, WageRecord
from placements.models import Contract, Placement
from tests import factories

YEAR = 2025
_seq = count(1000)


def person_id(birth: date = date(1985, 6, 15), male: bool = True) -> str:
    return factories.make_id_number(birth=birth, male=male, seq=next(_seq))


def placement(employer: Employer, *, id_number: str | None = None, year: int = YEAR, **fields) -> Placement:
    data = {"name": factories.chinese_name(), "wizard_step": 2}
    data.update(fields)
    return Placement.objects.create(employer=employer, year=year, id_number=id_number or person_id(), **data)


def contract(p: Placement, **fields) -> Contract:
    data = {
        "contract_type": "open_ended",
        "start": date(2020, 1, 1),
        "end": None,
        "job": "装配工",
        "monthly_salary": Decimal("4000.00"),
    }
    data.update(fields)
    return Contract.objects.create(placement=p, **data)


def related_unit(employer: Employer, relation: str = "parent_subsidiary", **fields) -> RelatedUnit:
    data = {
        "region": employer.registration_region,
        "uscc": factories.make_uscc(next(_seq)),
        "name": "北京关联子公司有限公司",
        "relation": relation,
    }
    data.update(fields)
    return RelatedUnit.objects.create(employer=employer, **data)


def registry_cert(id_number: str, *, grade: int = 2, cert_type: str = "残疾人证", **fields) -> Certificate:
    data = {
        "cert_no": f"{id_number}4{grade}" if cert_type == "残疾人证" else f"军残字第{next(_seq)}号",
        "id_number": id_number,
        "cert_type": cert_type,
        "category": 4 if cert_type == "残疾人证" else None,
        "grade": grade,
        "valid_from": date(2020, 1, 1),
        "valid_to": date(2030, 12, 31),
        "status": "有效",
    }
    data.update(fields)
    cert, _ = Certificate.objects.update_or_create(cert_no=data.pop("cert_no"), defaults=data)
    return cert


def monthly_facts(
    id_number: str,
    uscc: str,
    *,
    year: int = YEAR,
    months=range(1, 13),
    wage: str | dict = "3000.00",
    pension: bool = True,
    medical: bool = True,
) -> None:
    """Wage, pension and medical rows of a person paid by ``uscc`` in ``months`` (``wage`` may map month → amount)."""
    keys = [year * 100 + m for m in months]
    amounts = wage if isinstance(wage, dict) else dict.fromkeys(range(1, 13), wage)
    WageRecord.objects.bulk_create(
        WageRecord(id_number=id_number, unit_uscc=uscc, month=k, amount=Decimal(amounts[k % 100]))
        for k in keys
        if amounts.get(k % 100) is not None
    )
    if pension:
        PensionContribution.objects.bulk_create(
            PensionContribution(id_number=id_number, unit_uscc=uscc, month=k, base_amount=Decimal("4000")) for k in keys
        )
    if medical:
        MedicalContribution.objects.bulk_create(
            MedicalContribution(id_number=id_number, unit_uscc=uscc, month=k, base_amount=Decimal("4000")) for k in keys
        )


def min_wage(region_code: str = "11", amount: str = "2420.00", effective_from: date = date(2024, 9, 1)):
    row, _ = MinimumWage.objects.update_or_create(
        region_code=region_code, effective_from=effective_from, defaults={"amount": Decimal(amount)}
    )
    return row


def complete_person(employer: Employer, **fields) -> Placement:
    """A placement whose every month verifies: open-ended contract, 二级 certificate, all facts by the employer."""
    p = placement(employer, **fields)
    contract(p)
    registry_cert(p.id_number)
    monthly_facts(p.id_number, employer.uscc, year=p.year)
    return p
