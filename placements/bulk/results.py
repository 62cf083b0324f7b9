"""What a workbook check produces (:func:`placements.bulk.checking.check_workbook`) and the services read: each
problem by sheet, row, column, value and reason, and the cleaned persons with their contracts, ready to register."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from placements.bulk.layout import CONTRACTS, PERSONS

MAX_PROBLEMS_KEPT = 20_000
MAX_NOTES_KEPT = 2_000


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
        }
