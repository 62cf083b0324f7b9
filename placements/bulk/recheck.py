"""确认导入 without reading the file again: the check's result (the persons it found ready, as the file gave them —
:meth:`placements.bulk.results.PersonIn.as_json`, kept in the batch's report) checked once more against the database
as it is now, inside the import's transaction.

Only what can have changed since the check is looked at again, set-based (a few queries per 2,000 persons): the
related units the contracts name (still active, a dispatch unit still a 劳务派遣单位 — the wizard's rule), and
:func:`placements.bulk.checking.against_database` — the registry's data, the household regions, and the placements
of the year: a person registered meanwhile in the wizard (or by another import) is not imported again, one edited
since a previous import is not overwritten. What the file alone decides (ID numbers, dates, choices, working age,
the contract rules) cannot have changed and is not redone.
"""

from __future__ import annotations

from employers.constants import Relation
from employers.models import Employer, RelatedUnit
from placements.bulk import cells
from placements.bulk.checking import CONTRACT_COL, PERSON_COL, Context, against_database
from placements.bulk.layout import CONTRACTS, PERSONS
from placements.bulk.results import CheckResult, PersonIn, Problem
from placements.registration.rules import dispatch_unit_error

UNIT_KEYS = ("dispatch_unit", "pension_unit", "medical_unit", "wage_unit")
GONE = "关联单位在检查后已停用或删除：请在“单位信息维护管理”中核对后重新上传文件。"


class _Problems:
    """Records a problem found at confirm time (the report's columns, without the sheet's letters)."""

    def __init__(self, result: CheckResult, sheet: str, columns) -> None:
        self.result, self.sheet, self.columns = result, sheet, columns

    def problem(self, row: int, key: str | None, value: object, reason: str) -> None:
        header = self.columns[key].header if key else ""
        self.result.add(Problem(self.sheet, row, header, "", cells.shown(value), reason))


def recheck(*, stored: list[list], employer: Employer, year: int) -> CheckResult:
    """The persons of ``stored`` checked against the database now; ``result.ready()`` are those to register, the
    others are marked bad (their reasons in ``result.problems``)."""
    result = CheckResult(year=year)
    ctx = Context(employer)
    active = {unit.pk: unit for unit in ctx.units.values()}
    stopped: list[tuple[PersonIn, int, str, int | RelatedUnit, str]] = []  # person, row, column, unit, reason
    for value in stored:
        person = PersonIn.from_json(value)
        result.persons[person.id_number] = person
        for contract in person.contracts:
            for key in UNIT_KEYS:
                pk = contract.data.get(key)
                if pk is None:
                    continue
                unit = active.get(pk)
                if unit is None:
                    stopped.append((person, contract.row, key, pk, GONE))
                elif key == "dispatch_unit" and (
                    reason := dispatch_unit_error(is_dispatch_firm=unit.relation == Relation.DISPATCH_FIRM)
                ):
                    stopped.append((person, contract.row, key, unit, reason))
    if stopped:  # the names of units deactivated or deleted since (one query)
        names = dict(
            RelatedUnit.objects.filter(
                employer=employer, pk__in=[u for *_, u, _ in stopped if isinstance(u, int)]
            ).values_list("pk", "name")
        )
        problems = _Problems(result, CONTRACTS, CONTRACT_COL)
        for person, row, key, unit, reason in stopped:
            shown = unit.name if isinstance(unit, RelatedUnit) else names.get(unit, "")
            problems.problem(row, key, shown, reason)
            person.bad = True
    against_database(result, ctx, _Problems(result, PERSONS, PERSON_COL), employer, year)
    return result
