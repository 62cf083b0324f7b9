"""Plain PersonFacts bundles for the pure rule tests (no database): every check passes unless a field says otherwise."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from placements.grid.rules import CertFacts, ContractFacts, PersonFacts
from tests.factories.core import id_number, uscc_code

YEAR = 2025
OWN = uscc_code("110105", 700_000_001)  # 91110105700000001E, the demo unit's
RELATED = uscc_code("110105", 700_000_002)
PERSON = id_number("110101", date(1985, 6, 15), 1)  # a man born 1985-06-15
MONTHS = [YEAR * 100 + m for m in range(1, 13)]
MINIMUM = Decimal("2420.00")
ALL_MONTHS = 0b1111_1111_1111  # insurance paid every month (rules.months_mask)


def contract(**fields) -> ContractFacts:
    data = {
        "start": date(2020, 1, 1),
        "end": None,
        "contract_type": "open_ended",
        "wage_unit": OWN,
        "pension_unit": OWN,
        "medical_unit": OWN,
    }
    data.update(fields)
    return ContractFacts(**data)


def cert(**fields) -> CertFacts:
    data = {
        "cert_no": f"{PERSON}42",
        "cert_type": "残疾人证",
        "grade": 2,
        "valid_from": date(2020, 1, 1),
        "valid_to": date(2030, 12, 31),
    }
    data.update(fields)
    return CertFacts(**data)


def person(**fields) -> PersonFacts:
    """A man of 40 with an open-ended contract, a 二级 certificate, wages above the minimum and both insurances paid
    by his employer in every month: every check passes."""
    data = {
        "id_number": PERSON,
        "year": YEAR,
        "employer_uscc": OWN,
        "birth_date": date(1985, 6, 15),
        "gender": "男",
        "baseline": "",
        "contracts": [contract()],
        "certificates": [cert()],
        "wages": {m: {OWN: Decimal("3000.00")} for m in MONTHS},
        "pension": {OWN: ALL_MONTHS},
        "medical": {OWN: ALL_MONTHS},
        "min_wages": dict.fromkeys(MONTHS, MINIMUM),
    }
    data.update(fields)
    return PersonFacts(**data)


def with_wage(facts: PersonFacts, month: int, amount: str, unit: str = OWN) -> PersonFacts:
    wages = dict(facts.wages)
    wages[month] = {unit: Decimal(amount)}
    return replace(facts, wages=wages)
