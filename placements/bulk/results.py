"""What a workbook check produces (:func:`placements.bulk.checking.check_workbook`) and the services read: each
problem by sheet, row, column, value and reason, and the cleaned persons with their contracts, ready to register."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from placements.bulk.layout import CONTRACTS, PERSONS
from placements.registration.services import CONTRACT_FIELDS, GRADUATE_FIELDS, PERSON_FIELDS

MAX_PROBLEMS_KEPT = 20_000
MAX_NOTES_KEPT = 2_000
PERSON_KEYS, CONTRACT_KEYS, GRADUATE_KEYS = PERSON_FIELDS, CONTRACT_FIELDS, GRADUATE_FIELDS


@dataclass(frozen=True, slots=True)
class Problem:
    sheet: str
    row: int
    column: str  # the header ("" when the whole row is concerned)
    letter: str  # the column letter in the uploaded sheet ("" when not known)
    value: str
    reason: str

    def as_json(self) -> list:
        return [self.sheet, self.row, self.column, self.letter, self.value, self.reason]


_DATES = ("start", "end", "graduation_date")
READY_KEPT_MAX = 20_000  # more persons: 确认导入 reads and checks the file again (the report stays small)


def _to_json(data: dict[str, Any] | None, keys: tuple[str, ...]) -> list | None:
    """The cleaned values in ``keys`` order (compact: the report of 20,000 persons stays a few MB), dates as ISO
    text, the salary (a Decimal) as its text."""
    if data is None:
        return None
    return [
        v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else v
        for v in (data[k] for k in keys)
    ]


def _from_json(values: list | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The inverse of :func:`_to_json`: the same Python values, so the fingerprint is the same."""
    if values is None:
        return None
    out = dict(zip(keys, values, strict=True))
    for key in _DATES:
        if out.get(key):
            out[key] = date.fromisoformat(out[key])
    if out.get("monthly_salary") is not None:
        out["monthly_salary"] = Decimal(out["monthly_salary"])
    return out


@dataclass(slots=True)
class ContractIn:
    row: int
    data: dict[str, Any]  # registration.services.CONTRACT_FIELDS, units as RelatedUnit ids (None: this unit)


@dataclass(slots=True)
class PersonIn:
    row: int
    id_number: str
    data: dict[str, Any]  # registration.services.PERSON_FIELDS, household_region as its code
    graduate: dict[str, Any] | None
    contracts: list[ContractIn] = field(default_factory=list)
    bad: bool = False
    existing: int | None = None  # the placement a previous import made, to be updated
    fingerprint: str = ""

    def as_json(self) -> list:
        """The person as the check leaves it, kept with the check's report so that 确认导入 does not read and check
        the file again (:func:`placements.bulk.recheck.recheck`)."""
        return [
            self.row,
            self.id_number,
            _to_json(self.data, PERSON_KEYS),
            _to_json(self.graduate, GRADUATE_KEYS),
            [[c.row, _to_json(c.data, CONTRACT_KEYS)] for c in self.contracts],
        ]

    @classmethod
    def from_json(cls, value: list) -> PersonIn:
        row, id_number, data, graduate, contracts = value
        return cls(
            row,
            id_number,
            _from_json(data, PERSON_KEYS),
            _from_json(graduate, GRADUATE_KEYS),
            [ContractIn(r, _from_json(c, CONTRACT_KEYS)) for r, c in contracts],
        )

    def compute_fingerprint(self) -> str:
        body = {
            "p": self.data,
            "g": self.graduate,
            "c": sorted((c.data for c in self.contracts), key=lambda d: json.dumps(d, sort_keys=True, default=str)),
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class CheckResult:
    year: int
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    notes: list[dict[str, Any]] = field(default_factory=list)  # registry differences, age warnings
    persons: dict[str, PersonIn] = field(default_factory=dict)
    bad_rows: dict[str, set[int]] = field(default_factory=lambda: {PERSONS: set(), CONTRACTS: set()})
    person_rows: int = 0
    contract_rows: int = 0
    unchanged: int = 0
    unreadable: int = 0  # person rows whose ID number could not be read
    file_notes: list[str] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        self.bad_rows[problem.sheet].add(problem.row)
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)

    def note(self, **note: Any) -> None:
        if len(self.notes) < MAX_NOTES_KEPT:
            self.notes.append(note)

    def ready(self) -> list[PersonIn]:
        """Persons without a problem whose rows differ from what is registered (new or changed)."""
        return [p for p in self.persons.values() if not p.bad and p.fingerprint != "unchanged"]

    def counts(self) -> dict[str, int]:
        ready = self.ready()
        return {
            "person_rows": self.person_rows,
            "contract_rows": self.contract_rows,
            "problems": self.problem_count,
            "bad_persons": self.unreadable + sum(1 for p in self.persons.values() if p.bad),
            "new": sum(1 for p in ready if p.existing is None),
            "changed": sum(1 for p in ready if p.existing is not None),
            "unchanged": self.unchanged,
        }

    def report(self) -> dict[str, Any]:
        """What BulkImport.report keeps (JSON)."""
        return {
            "counts": self.counts(),
            "problems": [p.as_json() for p in self.problems],
            "notes": self.notes,
            "file_notes": self.file_notes,
            "bad_rows": {sheet: sorted(rows) for sheet, rows in self.bad_rows.items()},
            # 确认导入 registers these without reading the file again (placements.bulk.recheck); None: too many to keep.
            "ready": [p.as_json() for p in ready] if len(ready := self.ready()) <= READY_KEPT_MAX else None,
        }
