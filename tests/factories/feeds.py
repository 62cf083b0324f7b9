"""Rows of the feeds (registry persons, certificates, monthly facts) and feed CSV files.

The registry rows are keyed like the feed import (ID number, certificate number): creating one again updates it.
"""

import csv
import itertools
from datetime import date
from decimal import Decimal
from itertools import count
from pathlib import Path

import factory
from factory.django import DjangoModelFactory

from feeds.models import Certificate, MedicalContribution, PensionContribution, RegistryPerson, WageRecord
from feeds.rows import KINDS
from tests.factories.core import UpsertFactory, id_number, region, uscc_code
from tests.factories.core import bad_check_digit as bad_check_digit

YEAR = 2025
_seq = count(1)
_orders = itertools.count(11)
_military = count(1000)


def person_id(birth: date = date(1985, 6, 15), region: str = "110105", male: bool = True) -> str:
    """A valid, unique resident ID (110105 朝阳区 exists for every birth year)."""
    n = next(_seq) % 499
    return id_number(region, birth, n * 2 + (1 if male else 0))


def unit_uscc(region: str = "110105") -> str:
    return uscc_code(region, 800_000_000 + next(_seq))


def valid_id(birth: date = date(1985, 6, 15), *, male: bool = True, region: str = "110101") -> str:
    """A valid resident ID of a man (or woman) born on ``birth`` in ``region``."""
    order = next(_orders) * 2 % 998 + (1 if male else 2)
    return id_number(region, birth, order)


def write_csv(path: Path, header, rows, *, encoding: str = "utf-8", newline_at_end: bool = True) -> Path:
    """Write a feed file; ``header`` may be a kind name (its columns) or a list of column names."""
    columns = KINDS[header].columns if isinstance(header, str) else header
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    if not newline_at_end:
        data = path.read_bytes()
        path.write_bytes(data.rstrip(b"\n"))
    return path


class RegistryPersonFactory(UpsertFactory):
    class Meta:
        model = RegistryPerson

    _upsert_keys = ("id_number",)
    id_number = factory.LazyFunction(valid_id)
    name = "王晓明"
    gender = factory.LazyAttribute(lambda o: "男" if int(o.id_number[16]) % 2 else "女")
    region_code = "110101"
    address = "北京市东城区和平里街道1号"
    phone = "13912345678"
    education = "本科"


class CertificateFactory(UpsertFactory):
    """A registry certificate: a 残疾人证 (category 4) numbered after the ID, or a 残疾军人证."""

    class Meta:
        model = Certificate

    _upsert_keys = ("cert_no",)
    id_number = factory.LazyFunction(person_id)
    cert_type = "残疾人证"
    grade = 2
    cert_no = factory.LazyAttribute(
        lambda o: f"{o.id_number}4{o.grade}" if o.cert_type == "残疾人证" else f"军残字第{next(_military)}号"
    )
    category = factory.LazyAttribute(lambda o: 4 if o.cert_type == "残疾人证" else None)
    valid_from = date(2020, 1, 1)
    valid_to = date(2030, 12, 31)
    status = "有效"


class _MonthlyFactFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    id_number = factory.LazyFunction(person_id)
    unit_uscc = factory.LazyFunction(unit_uscc)
    month = YEAR * 100 + 1


class WageRecordFactory(_MonthlyFactFactory):
    class Meta:
        model = WageRecord

    amount = Decimal("3000.00")


class PensionContributionFactory(_MonthlyFactFactory):
    class Meta:
        model = PensionContribution

    base_amount = Decimal("4000")


class MedicalContributionFactory(_MonthlyFactFactory):
    class Meta:
        model = MedicalContribution

    base_amount = Decimal("4000")


def registry_person(id_number: str | None = None, *, region_code: str = "110101", **fields) -> RegistryPerson:
    """The registry's record of a person (created or updated), household in ``region_code`` (created too)."""
    region(region_code)
    return RegistryPersonFactory(id_number=id_number or valid_id(), region_code=region_code, **fields)


def registry_cert(id_number: str, *, grade: int = 2, cert_type: str = "残疾人证", **fields) -> Certificate:
    return CertificateFactory(id_number=id_number, grade=grade, cert_type=cert_type, **fields)


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
    """Wage, pension and medical rows of a person paid by ``uscc`` in ``months`` (``wage`` may map month → amount);
    one INSERT per table."""
    keys = [year * 100 + m for m in months]
    amounts = wage if isinstance(wage, dict) else dict.fromkeys(range(1, 13), wage)
    person = {"id_number": id_number, "unit_uscc": uscc}
    WageRecord.objects.bulk_create(
        WageRecordFactory.build(**person, month=k, amount=Decimal(amounts[k % 100]))
        for k in keys
        if amounts.get(k % 100) is not None
    )
    if pension:
        PensionContribution.objects.bulk_create(PensionContributionFactory.build(**person, month=k) for k in keys)
    if medical:
        MedicalContribution.objects.bulk_create(MedicalContributionFactory.build(**person, month=k) for k in keys)
