"""Workbooks for the 批量导入 tests: the real template (placements.bulk.template) filled with openpyxl."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from core.filing import unit_filing_year
from placements.bulk.layout import CONTRACT_COLUMNS, CONTRACTS, PERSON_COLUMNS, PERSONS
from placements.bulk.template import template_workbook
from tests.factories import region
from tests.factories.core import valid_id_number

PERSON_KEYS = [c.key for c in PERSON_COLUMNS]
CONTRACT_KEYS = [c.key for c in CONTRACT_COLUMNS]


def person_id(seq: int, *, birth: date = date(1985, 6, 15), male: bool = True) -> str:
    return valid_id_number(birth=birth, region="110101", seq=seq, male=male)


def person(id_number: str, **fields) -> dict:
    return {
        "id_number": id_number,
        "name": "张伟",
        "household_region": "110101",
        "household_address": "北京市东城区东华门街道1号",
        "phone": "13800138000",
        "education": "大学本科",
        "is_graduate": "否",
        **fields,
    }


def contract(id_number: str, **fields) -> dict:
    return {
        "id_number": id_number,
        "is_dispatched": "否",
        "relation": "本单位",
        "contract_type": "无固定期限",
        "start": "2024-01-01",
        "job": "装配工",
        "monthly_salary": 5000,
        "pension_unit": "本单位",
        "medical_unit": "本单位",
        "wage_unit": "本单位",
        **fields,
    }


def fill(template: bytes, persons: list[dict], contracts: list[dict]) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    for title, keys, rows in ((PERSONS, PERSON_KEYS, persons), (CONTRACTS, CONTRACT_KEYS, contracts)):
        ws = wb[title]
        for r, row in enumerate(rows, start=2):
            for c, key in enumerate(keys, start=1):
                if key in row:
                    ws.cell(row=r, column=c, value=row[key])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(data: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def year(employer) -> int:
    return unit_filing_year(employer, timezone.localdate())


@pytest.fixture
def template(employer, year) -> bytes:
    region("110101")
    return template_workbook(employer=employer, year=year)


@pytest.fixture
def make_file(template):
    def make(persons: list[dict], contracts: list[dict]) -> bytes:
        return fill(template, persons, contracts)

    return make
