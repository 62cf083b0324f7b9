"""批量导入's check, one row at a time: a person row and a contract row through the wizard's own validators
(employers.identifiers / core.idnumbers for the ID number and phones, registration.rules for working age and the
contract rules), their problems noted by sheet, row, column, value and reason (:mod:`placements.bulk.checking`
reads the file and checks it against the database)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import RegionPickerField, is_region_code, split_region_code
from employers import identifiers
from employers.constants import Relation
from employers.models import Employer, RelatedUnit
from placements.bulk import cells
from placements.bulk.layout import (
    CONTRACT_COLUMNS,
    CONTRACTS,
    NO,
    PERSON_COLUMNS,
    PERSONS,
    THIS_UNIT,
    YES,
    Column,
)
from placements.bulk.reading import SheetReader
from placements.bulk.results import CheckResult, ContractIn, PersonIn, Problem
from placements.models import Contract, GraduateRecord, Placement, identity_from_id_number
from placements.registration.rules import (
    ContractInput,
    age_verdict,
    baseline_error,
    contract_errors,
    dispatch_unit_error,
    graduate_missing,
    graduation_date_error,
)

JOB_LENGTH = Contract._meta.get_field("job").max_length
SCHOOL_LENGTH = GraduateRecord._meta.get_field("school").max_length
PERSON_COL = {c.key: c for c in PERSON_COLUMNS}
CONTRACT_COL = {c.key: c for c in CONTRACT_COLUMNS}


class Context:
    """What the checks look up, read once per file."""

    def __init__(self, employer: Employer) -> None:
        self.employer = employer
        self.region_field = RegionPickerField(label="户籍地")
        self.regions: dict[str, str | None] = {}  # code → the picker's verdict, asked once per code of the file
        units = list(
            RelatedUnit.objects.filter(employer=employer, is_active=True).only("pk", "name", "uscc", "relation")
        )
        self.units: dict[str, RelatedUnit] = {}
        for unit in units:
            self.units.setdefault(cells.text(unit.name).replace(" ", ""), unit)
            if unit.uscc:
                self.units.setdefault(unit.uscc.upper(), unit)
        self.today = timezone.localdate()

    def region_error(self, code: str) -> str | None:
        """The wizard's own rule for 户籍地 — core.forms.RegionPickerField, asked once per distinct code (two queries):
        a current region with no current children. Its messages speak of the picker; a file gets the same verdict
        worded for a typed code."""
        if not is_region_code(code):
            return "请填写 6 位行政区划代码，如 110101。"
        if code not in self.regions:
            try:
                self.region_field.clean(split_region_code(code))
            except ValidationError as error:
                self.regions[code] = REGION_WORDING.get(error.code, error.messages[0])
            else:
                self.regions[code] = None
        return self.regions[code]


REGION_WORDING = {  # RegionPickerField's error codes → the wording for a code typed into the file
    "invalid": "行政区划代码不存在，请核对。",
    "abolished": "该行政区划已撤销，请填写现行的行政区划代码。",
    "incomplete": "请填写到区县一级的行政区划代码。",
}


def _get(values: dict[str, object], key: str) -> str:
    return cells.text(values.get(key))


class Rows:
    """Helpers to record a problem at a cell of one sheet."""

    def __init__(self, result: CheckResult, sheet: SheetReader, columns: dict[str, Column]) -> None:
        self.result, self.sheet, self.columns = result, sheet, columns
        self.seen: dict = {}  # equal texts and dates of the sheet kept once (100,000 rows repeat most values)

    def shared(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` with each text and date replaced by the first equal one of the sheet (memory, not values)."""
        seen = self.seen
        return {k: seen.setdefault(v, v) if type(v) is str or type(v) is date else v for k, v in data.items()}

    def problem(self, row: int, key: str | None, value: object, reason: str) -> None:
        header = self.columns[key].header if key else ""
        letter = self.sheet.letter(key) if key and self.sheet.columns.get(key, 10_000) < 10_000 else ""
        self.result.add(Problem(self.sheet.title, row, header, letter, cells.shown(value), reason))


def _id_number(raw: object) -> str:
    """The wizard's rule for the ID number (employers.identifiers.clean_resident_id → core.idnumbers)."""
    number = cells.read_id_number(raw)
    try:
        return identifiers.clean_resident_id(number)
    except ValueError as error:
        raise cells.CellError(str(error)) from None


def _phone(raw: str) -> str:
    try:
        return identifiers.clean_phone(raw)
    except ValueError as error:
        raise cells.CellError(str(error)) from None


def person_row(rows: Rows, number: int, values: dict[str, object], year: int, today: date) -> PersonIn | None:
    bad = False

    def fail(key: str | None, reason: str) -> None:
        nonlocal bad
        bad = True
        rows.problem(number, key, values.get(key) if key else "", reason)

    try:
        id_number = _id_number(values.get("id_number"))
    except cells.CellError as error:
        fail("id_number", str(error))
        return None
    data: dict[str, Any] = {}
    for key in ("name", "household_address", "guardian_name"):
        text = _get(values, key)
        limit = Placement._meta.get_field(key).max_length  # the model's (and PersonForm's) length
        if len(text) > limit:
            fail(key, f"“{PERSON_COL[key].header}”最多 {limit} 个字。")
        data[key] = text[:limit]
    data["household_region"] = _get(values, "household_region")
    for key in ("phone", "guardian_phone"):
        text = _get(values, key)
        data[key] = ""
        if text:
            try:
                data[key] = _phone(text)
            except cells.CellError as error:
                fail(key, str(error))
        elif key == "phone":
            fail(key, "请填写联系电话。")
    for key in ("education", "retirement_baseline", "is_graduate"):
        column = PERSON_COL[key]
        try:
            data[key] = cells.read_choice(values.get(key), column.choices, column.header)
        except cells.CellError as error:
            fail(key, str(error))
            data[key] = ""
    if data["is_graduate"] == "" and not _get(values, "is_graduate"):
        fail("is_graduate", f"请选择是否高校毕业生（{YES}/{NO}）。")
    data["is_graduate"] = data["is_graduate"] == "1"
    birth, gender = identity_from_id_number(id_number)
    if not _get(values, "retirement_baseline") and (message := baseline_error(gender, data["retirement_baseline"])):
        fail("retirement_baseline", message)  # an unreadable choice was reported by read_choice already
    if gender != "女":
        data["retirement_baseline"] = ""
    verdict = age_verdict(birth, gender, data["retirement_baseline"], year)
    if verdict.refuse:
        fail("id_number", verdict.message)
    elif verdict.message:
        rows.result.note(sheet=PERSONS, row=number, column="身份证号", kind="age", text=verdict.message)
    graduate = None
    if data["is_graduate"]:  # the first 学历 record: PersonForm's required fields, GraduateForm's date rule
        graduate = {"school": _get(values, "school")[:SCHOOL_LENGTH], "degree": "", "graduation_date": None}
        unreadable = set()
        for key, read in (
            ("degree", lambda raw: cells.read_choice(raw, PERSON_COL["degree"].choices, "学历")),
            ("graduation_date", cells.read_date),
        ):
            try:
                graduate[key] = read(values.get(key))
            except cells.CellError as error:
                fail(key, str(error))
                unreadable.add(key)
        missing = graduate_missing(graduate["school"], graduate["degree"], graduate["graduation_date"])
        for key, message in missing.items():
            if key not in unreadable:
                fail(key, message)
        if graduate["graduation_date"] and (message := graduation_date_error(graduate["graduation_date"], today)):
            fail("graduation_date", message)
    return PersonIn(number, id_number, rows.shared(data), graduate, bad=bad)


def _unit(ctx: Context, raw: str, *, dispatch: bool) -> RelatedUnit | None:
    key = raw.replace(" ", "")
    if not key or (not dispatch and key in (THIS_UNIT, cells.text(ctx.employer.name).replace(" ", ""))):
        return None
    unit = ctx.units.get(key) or ctx.units.get(key.upper())
    if unit is None:
        raise cells.CellError(
            f"关联单位“{raw}”未在“单位信息维护管理”中登记（或已停用）。请先添加该关联单位，或填写“{THIS_UNIT}”。"
        )
    if dispatch and (message := dispatch_unit_error(is_dispatch_firm=unit.relation == Relation.DISPATCH_FIRM)):
        raise cells.CellError(message)
    return unit


def contract_row(rows: Rows, ctx: Context, number: int, values: dict[str, object]) -> tuple[str, ContractIn] | None:
    bad = False

    def fail(key: str, reason: str) -> None:
        nonlocal bad
        bad = True
        rows.problem(number, key, values.get(key), reason)

    try:
        id_number = _id_number(values.get("id_number"))
    except cells.CellError as error:
        fail("id_number", str(error))
        return None
    data: dict[str, Any] = {}
    for key in ("is_dispatched", "relation", "contract_type"):
        column = CONTRACT_COL[key]
        try:
            data[key] = cells.read_choice(values.get(key), column.choices, column.header)
        except cells.CellError as error:
            fail(key, str(error))
            data[key] = None
            continue
        if not data[key]:
            fail(key, f"请选择{column.header}。")
            data[key] = None
    if data["is_dispatched"] is not None:
        data["is_dispatched"] = data["is_dispatched"] == "1"
    for key in ("start", "end"):
        try:
            data[key] = cells.read_date(values.get(key))
        except cells.CellError as error:
            fail(key, str(error))
            data[key] = False
    if data["start"] is None:
        fail("start", "请填写合同开始日期。")
    job = _get(values, "job")
    if not job:
        fail("job", "请填写岗位工种。")
    elif len(job) > JOB_LENGTH:
        fail("job", f"“岗位工种”最多 {JOB_LENGTH} 个字。")
    data["job"] = job[:JOB_LENGTH]
    raw_salary = values.get("monthly_salary")
    data["monthly_salary"] = None
    if raw_salary is None or cells.text(raw_salary) == "":
        fail("monthly_salary", "请填写合同月薪（元）。")
    else:
        try:
            data["monthly_salary"] = cells.read_money(raw_salary)
        except cells.CellError as error:
            fail("monthly_salary", str(error))
    units: dict[str, RelatedUnit | None] = {}
    for key in ("dispatch_unit", "pension_unit", "medical_unit", "wage_unit"):
        raw = _get(values, key)
        try:
            units[key] = _unit(ctx, raw, dispatch=key == "dispatch_unit")
        except cells.CellError as error:
            fail(key, str(error))
            units[key] = None
    if not bad:
        # The wizard's contract rules (registration.rules.contract_errors), each at its column.
        errors = contract_errors(
            ContractInput(
                is_dispatched=data["is_dispatched"],
                relation=data["relation"],
                contract_type=data["contract_type"],
                start=data["start"],
                end=data["end"],
                **{key: unit.pk if unit else None for key, unit in units.items()},
            )
        )
        for key, message in errors.items():
            fail(key if key in CONTRACT_COL else "end", message)
    for key, unit in units.items():
        data[key] = unit.pk if unit else None
    if bad:
        rows.result.bad_rows[CONTRACTS].add(number)
    return id_number, ContractIn(number, rows.shared(data))
