"""Identifiers, names, regions, reference rows and stored files.

ID numbers (GB 11643) and USCCs (GB 32100) get their check characters from python-stdnum's ``calc_check_digit``,
never typed by hand. ``SEQ`` is the shared counter of the helper functions (distinct numbers within a test).
"""

import random
from datetime import date
from decimal import Decimal
from itertools import count

import factory
from factory.django import DjangoModelFactory
from stdnum.cn import ric, uscc

from core.models import EmploymentRatio, MinimumWage, Region, RegionLevel, SocialAverageWage, StoredFile
from core.uploads import store_upload
from tests.factories import files

SEQ = count(1)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文博宇浩然欣怡子涵梓轩雨桐"


# --- identifiers and names ------------------------------------------------------------------------------------------


def id_number(region: str, birth: date, order: int) -> str:
    """A valid 18-character resident ID: region, birth date, a 3-digit order (odd for men), the check character."""
    body = f"{region}{birth:%Y%m%d}{order % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects the check position present


def make_id_number(
    birth: date = date(1985, 6, 15), region: str = "110101", male: bool = True, seq: int | None = None
) -> str:
    n = next(SEQ) if seq is None else seq
    order = (n % 499) * 2 + (1 if male else 0) + 1
    order = order if order % 2 == (1 if male else 0) else order + 1
    return id_number(region, birth, order)


def valid_id_number(birth: date = date(1980, 5, 17), region: str = "110105", seq: int = 1, male: bool = True) -> str:
    """The ID number of the ``seq``-th man (or woman) born on ``birth`` in ``region`` (deterministic)."""
    return id_number(region, birth, (seq % 499) * 2 + (1 if male else 0))


def uscc_code(region: str, serial: int, prefix: str = "91") -> str:
    """A valid USCC: registration authority + kind, the region, a 9-character organisation code, the check."""
    body = f"{prefix}{region}{serial:09d}"[:17]
    return body + uscc.calc_check_digit(body)


def make_uscc(seq: int | None = None) -> str:
    return uscc_code("110101", next(SEQ) if seq is None else seq)


def bad_check_digit(number: str) -> str:
    """``number`` with a wrong last (check) character."""
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def chinese_name(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


# --- regions and reference rows -------------------------------------------------------------------------------------


def _parent_code(code: str) -> str | None:
    if code.endswith("0000"):
        return None
    return code[:2] + "0000" if code.endswith("00") else code[:4] + "00"


def _level(code: str) -> str:
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    return RegionLevel.CITY if code.endswith("00") else RegionLevel.COUNTY


def _default_name(code: str) -> str:
    if code.endswith("0000"):
        return "北京市" if code[:2] == "11" else "测试省"
    return "市辖区" if code.endswith("00") else "东城区"


class RegionFactory(DjangoModelFactory):
    """A region and its parents (province / city / county), got or created by code; built unsaved with ``.build()``."""

    class Meta:
        model = Region
        django_get_or_create = ("code",)

    class Params:
        parent_code = factory.LazyAttribute(lambda o: _parent_code(o.code))

    code = "110101"
    name = factory.LazyAttribute(lambda o: _default_name(o.code))
    level = factory.LazyAttribute(lambda o: _level(o.code))
    parent = factory.Maybe(
        "parent_code",
        yes_declaration=factory.SubFactory(
            "tests.factories.core.RegionFactory", code=factory.SelfAttribute("..parent_code")
        ),
        no_declaration=None,
    )


def region(code: str = "110101", name: str | None = None) -> Region:
    """Get or create a region and its parents with plausible names (``name`` only for ``code`` itself)."""
    return RegionFactory(code=code, **({"name": name} if name else {}))


class UpsertFactory(DjangoModelFactory):
    """Rows keyed like the feeds: ``create`` updates the row with the same key (``_upsert_keys``)."""

    class Meta:
        abstract = True

    _upsert_keys: tuple[str, ...] = ()

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        keys = {k: kwargs.pop(k) for k in cls._upsert_keys}
        row, _ = model_class._default_manager.update_or_create(**keys, defaults=kwargs)
        return row


class MinimumWageFactory(UpsertFactory):
    class Meta:
        model = MinimumWage

    _upsert_keys = ("region_code", "effective_from")
    region_code = "11"
    effective_from = date(2024, 9, 1)
    amount = Decimal("2420.00")


def min_wage(region_code: str = "11", amount: str = "2420.00", effective_from: date = date(2024, 9, 1)) -> MinimumWage:
    return MinimumWageFactory(region_code=region_code, amount=Decimal(amount), effective_from=effective_from)


class EmploymentRatioFactory(DjangoModelFactory):
    class Meta:
        model = EmploymentRatio

    province_code = "11"
    year = 2025
    ratio_percent = Decimal("1.70")


class SocialAverageWageFactory(DjangoModelFactory):
    class Meta:
        model = SocialAverageWage

    province_code = "11"
    year = 2025
    annual_amount = Decimal("120000.00")


# --- stored files ---------------------------------------------------------------------------------------------------


class StoredFileFactory(DjangoModelFactory):
    """A file stored through the upload pipeline (``core.uploads.store_upload``: checked, written, audited).

    ``.build()`` gives an unsaved row with nothing written to storage."""

    class Meta:
        model = StoredFile

    class Params:
        pdf = False
        name = factory.LazyAttribute(lambda o: "证明.pdf" if o.pdf else "证明.png")

    kind = "placement_evidence"
    employer = None
    original_name = factory.SelfAttribute("name")
    content_type = factory.LazyAttribute(lambda o: "application/pdf" if o.pdf else "image/png")
    extension = factory.LazyAttribute(lambda o: "pdf" if o.pdf else "png")
    size = 1024
    sha256 = "0" * 64
    file = factory.LazyAttribute(lambda o: f"uploads/te/{o.name}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        upload = (files.pdf_upload if kwargs["extension"] == "pdf" else files.png_upload)(kwargs["original_name"])
        return store_upload(uploaded_file=upload, kind=kwargs["kind"], employer=kwargs["employer"], by=None)


def stored(employer, *, pdf: bool = False, name: str | None = None, kind: str = "placement_evidence") -> StoredFile:
    """A PNG (or PDF) of ``employer`` stored through the upload pipeline."""
    return StoredFileFactory(employer=employer, pdf=pdf, kind=kind, **({"name": name} if name else {}))
