"""Shared set-up of the wizard and list tests (tests/placements/test_views_*.py, test_registration*.py)."""

from __future__ import annotations

import io
import itertools
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.uploads import inspect_upload
from devdata.generator import id_number as generated_id
from feeds.models import RegistryPerson
from placements.models import Placement, PlacementMonth
from tests import factories
from tests.placements import factories as pf

YEAR = pf.YEAR
_orders = itertools.count(11)


def valid_id(birth: date = date(1985, 6, 15), *, male: bool = True, region: str = "110101") -> str:
    """A resident ID number with a correct GB 11643 check digit (tests.factories.make_id_number's is not)."""
    order = next(_orders) * 2 % 998 + (1 if male else 2)
    return generated_id(region, birth, order)


def png_bytes(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return out.getvalue()


def png_upload(name: str = "证明.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def clean_png(name: str = "证明.png"):
    return inspect_upload(png_upload(name))


def registry_person(id_number: str | None = None, *, region_code: str = "110101", **fields) -> RegistryPerson:
    id_number = id_number or valid_id()
    factories.region(region_code)
    data = {
        "name": "王晓明",
        "gender": "男" if int(id_number[16]) % 2 else "女",
        "region_code": region_code,
        "address": "北京市东城区和平里街道1号",
        "phone": "13912345678",
        "education": "本科",
    }
    data.update(fields)
    person, _ = RegistryPerson.objects.update_or_create(id_number=id_number, defaults=data)
    return person


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


def ready_placement(employer, *, months=range(1, 13), wage="3000.00", **fields) -> Placement:
    """A placement at step 2 with a contract, a 二级 certificate and facts in ``months``; grid computed."""
    from placements.services import grid_recompute

    p = pf.placement(employer, **fields)
    pf.contract(p)
    pf.registry_cert(p.id_number)
    pf.monthly_facts(p.id_number, employer.uscc, year=p.year, months=months, wage=wage)
    grid_recompute(placement=p)
    return p


def month_states(p: Placement) -> dict[int, tuple[bool, str]]:
    return {m.month: (m.selected, m.review_state) for m in PlacementMonth.objects.filter(placement=p)}


def born(years_old: int, year: int = YEAR, month: int = 6, day: int = 15) -> date:
    return date(year - years_old, month, day)
