"""Check a whole workbook before anything is written: every row through the wizard's own validators
(employers.identifiers / core.idnumbers for the ID number and phones, registration.rules for working age and the
contract rules, the services' messages for duplicates), then the file against the database (existing placements,
related units, regions, the registry, whose name and household data win over what was typed).

The result lists each problem by sheet, row, column, value and reason; the persons without a problem are ready to
be registered by :func:`placements.bulk.services.bulk_import_confirm`. Rows are streamed; what is kept per person is
the cleaned values only."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils import timezone

from employers.models import Employer
from employers.selectors import year_locked
from feeds.models import RegistryPerson
from placements.bulk.layout import (
    CONTRACTS,
    PERSONS,
)
from placements.bulk.models import BulkImportedPlacement
from placements.bulk.package import NotAWorkbook, Package
from placements.bulk.reading import Opened, open_workbook
from placements.bulk.results import CheckResult, PersonIn
from placements.bulk.rows import CONTRACT_COL, PERSON_COL, Context, Rows, contract_row, person_row
from placements.models import Placement
from placements.registration.services import DuplicatePersonError
from placements.writes import YearLockedError

CHUNK = 2_000

Progress = Callable[[int, int], None]


def _chunks(items: list[str], size: int = CHUNK) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def check_workbook(
    *,
    package: Package,
    employer: Employer,
    year: int,
    progress: Progress | None = None,
    before_registry: Callable[[list[str]], None] | None = None,
) -> CheckResult:
    """Check the whole file; raises :class:`NotAWorkbook` when it cannot be read at all. ``before_registry`` is
    called with the file's ID numbers before anything of the registry is read (the lookup limit: it may raise)."""
    if year_locked(employer, year):
        raise NotAWorkbook(YearLockedError(year).message)
    opened: Opened = open_workbook(package)
    try:
        return _check(opened, employer, year, progress, before_registry)
    finally:
        opened.close()


def _check(
    opened: Opened,
    employer: Employer,
    year: int,
    progress: Progress | None,
    before_registry: Callable[[list[str]], None] | None = None,
) -> CheckResult:
    if opened.year is not None and opened.year != year:
        raise NotAWorkbook(
            f"该文件是 {opened.year} 年度的导入模板，当前导入的是 {year} 年度。请选择 {opened.year} 年度导入，"
            f"或下载 {year} 年度的模板。"
        )
    result = CheckResult(year=year, file_notes=list(opened.notes))
    result_today = timezone.localdate()
    ctx = Context(employer)
    persons_sheet, contracts_sheet = opened.sheets[PERSONS], opened.sheets[CONTRACTS]
    total = persons_sheet.rows_hint + contracts_sheet.rows_hint
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None and done % 500 == 0:
            progress(done, max(total, done))

    prows = Rows(result, persons_sheet, PERSON_COL)
    first_row: dict[str, int] = {}
    persons = result.persons
    for number, values in persons_sheet.rows():
        result.person_rows += 1
        tick()
        person = person_row(prows, number, values, year, result_today)
        if person is None:
            result.unreadable += 1
            continue
        if person.id_number in first_row:
            first = first_row[person.id_number]
            prows.problem(
                number,
                "id_number",
                person.id_number,
                f"与第 {first} 行的身份证号重复：同一人只填写一行（多份合同填写在“{CONTRACTS}”表中）。",
            )
            if not persons[person.id_number].bad:
                persons[person.id_number].bad = True
                prows.problem(first, "id_number", person.id_number, f"与第 {number} 行的身份证号重复。")
            continue
        first_row[person.id_number] = number
        persons[person.id_number] = person
    if result.person_rows == 0:
        raise NotAWorkbook(f"“{PERSONS}”表没有数据：请从第 2 行起每行填写一名人员（第 1 行为表头）。")

    crows = Rows(result, contracts_sheet, CONTRACT_COL)
    seen_contracts: dict[tuple, int] = {}
    for number, values in contracts_sheet.rows():
        result.contract_rows += 1
        tick()
        parsed = contract_row(crows, ctx, number, values)
        if parsed is None:
            continue
        id_number, contract = parsed
        person = persons.get(id_number)
        if person is None:
            crows.problem(
                number, "id_number", id_number, f"“{PERSONS}”表中没有该身份证号的人员（或该人员的行有重复）。"
            )
            continue
        key = (id_number, contract.data.get("contract_type"), contract.data.get("start"))
        if key in seen_contracts:
            crows.problem(
                number,
                "id_number",
                id_number,
                f"与第 {seen_contracts[key]} 行是同一份合同（身份证号、合同类型、开始日期相同）。",
            )
            person.bad = True
            continue
        seen_contracts[key] = number
        if number in result.bad_rows[CONTRACTS]:
            person.bad = True
        person.contracts.append(contract)

    for person in persons.values():
        if person.row in result.bad_rows[PERSONS]:
            person.bad = True
        if not person.contracts and not person.bad:
            prows.problem(
                person.row, "id_number", person.id_number, f"该人员在“{CONTRACTS}”表中没有合同：每人至少填写一份合同。"
            )
            person.bad = True
        elif not person.contracts:
            prows.problem(person.row, "id_number", person.id_number, f"该人员在“{CONTRACTS}”表中没有合同。")
    if before_registry is not None:
        before_registry(list(persons))
    against_database(result, ctx, prows, employer, year)
    if progress is not None:
        progress(max(total, done), max(total, done))
    return result


def against_database(result: CheckResult, ctx: Context, prows: Rows, employer: Employer, year: int) -> None:
    """Registry data (wins, differences noted), regions, existing placements (duplicates; re-uploads)."""
    persons = result.persons
    numbers = list(persons)
    for chunk in _chunks(numbers):
        registry = {
            r["id_number"]: r
            for r in RegistryPerson.objects.filter(id_number__in=chunk).values(
                "id_number", "name", "region_code", "address"
            )
        }
        existing = {
            p.id_number: p
            for p in Placement.objects.filter(employer=employer, year=year, id_number__in=chunk).only(
                "pk", "id_number", "name", "year", "version"
            )
        }
        sources = {
            s["placement_id"]: s
            for s in BulkImportedPlacement.objects.filter(placement__in=[p.pk for p in existing.values()]).values(
                "placement_id", "fingerprint", "version"
            )
        }
        for number in chunk:
            person = persons[number]
            _apply_registry(result, prows, person, registry.get(number), ctx)
            for key, message in (("name", "请填写姓名。"), ("household_address", "请填写户籍地址。")):
                if not person.data[key]:
                    prows.problem(person.row, key, "", message)
                    person.bad = True
            code = person.data["household_region"]
            if not code:
                prows.problem(person.row, "household_region", "", "请填写户籍地区划代码。")
                person.bad = True
            elif (error := ctx.region_error(code)) is not None:
                prows.problem(person.row, "household_region", code, error)
                person.bad = True
            placement = existing.get(number)
            if placement is None:
                person.fingerprint = person.compute_fingerprint()
                continue
            source = sources.get(placement.pk)
            if source is None:
                prows.problem(person.row, "id_number", number, DuplicatePersonError(placement).message)
                person.bad = True
            elif source["version"] != placement.version:
                prows.problem(
                    person.row,
                    "id_number",
                    number,
                    f"该人员（{placement.name}）导入后已在系统中修改过，不能再用导入文件覆盖；请在安置人员列表中直接编辑。",
                )
                person.bad = True
            else:
                fingerprint = person.compute_fingerprint()
                if fingerprint == source["fingerprint"]:
                    person.fingerprint = "unchanged"
                    if not person.bad:
                        result.unchanged += 1
                else:
                    person.fingerprint = fingerprint
                    person.existing = placement.pk


def _apply_registry(result: CheckResult, prows: Rows, person: PersonIn, registry: dict | None, ctx: Context) -> None:
    """As in the wizard's 查询: what the registry knows of the person wins over what was typed; a difference is
    noted in the report."""
    if registry is None:
        return
    pairs = (("name", "name"), ("household_region", "region_code"), ("household_address", "address"))
    for key, source in pairs:
        known = (registry.get(source) or "").strip()
        if not known or (key == "household_region" and ctx.region_error(known)):
            continue
        typed = person.data[key]
        if typed != known:
            if typed:
                result.note(
                    sheet=PERSONS,
                    row=person.row,
                    column=PERSON_COL[key].header,
                    kind="registry",
                    text=f"表格填写“{typed}”，残疾人基础库为“{known}”，以基础库为准。",
                )
            person.data[key] = known
