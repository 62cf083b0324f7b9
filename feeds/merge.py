"""Writing validated feed rows: the outcome both paths return, and the portable chunked ORM path.

The portable path takes an iterator of ``(line, clean_tuple)`` (clean tuples in ``KindSpec.columns`` order, the
key columns first); the PostgreSQL path (:mod:`feeds.merge_pg`) a :class:`feeds.staging.CopyStream` over the same
file and validator. Both return the same :class:`MergeOutcome` for the same file. Duplicate keys: the row on the
later line wins, the earlier ones are reported as superseded. Rows whose values equal the stored ones are left untouched
(no write at all), so importing a file twice changes nothing. Callers run them inside a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from feeds.rows import KindSpec

Rows = Iterable[tuple[int, tuple]]

PORTABLE_CHUNK = 500


@dataclass
class MergeOutcome:
    read: int = 0  # records read (the COPY path counts them; the portable path leaves it to its caller)
    staged: int = 0  # valid rows received
    distinct: int = 0  # distinct keys among them
    inserted: int = 0
    updated: int = 0
    superseded: list[tuple[int, int]] = field(default_factory=list)  # (line, line of the row that won)
    touched_ids: list[str] = field(default_factory=list)  # person ID numbers of inserted/updated rows
    first_changed: date | None = None  # min_wages: earliest effective_from among inserted/updated rows
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for the benchmark
    known: int = 0  # rows of runs known from the previous import: not checked or staged again (COPY path)
    runs: Any = None  # the COPY path's feeds.staging.KnownRuns (this import's runs, for the import log), or None

    @property
    def unchanged(self) -> int:
        return self.distinct - self.inserted - self.updated


def has_imported_at(model: type[models.Model]) -> bool:
    return any(f.name == "imported_at" for f in model._meta.concrete_fields)


def first_changed_field(spec: KindSpec) -> str | None:
    return "effective_from" if spec.name == "min_wages" else None


# --- portable ------------------------------------------------------------------------------------------------------


def _normalise(value: object) -> object:
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return value


def merge_portable(spec: KindSpec, model: type[models.Model], rows: Rows) -> MergeOutcome:
    """Chunked ORM upsert for SQLite (and any database): compare against stored rows fetched a chunk at a time,
    then ``bulk_create`` the new rows and ``bulk_update`` the changed ones. Holds the file's distinct keys in
    memory, which is fine at the sizes SQLite is used for."""
    outcome = MergeOutcome()
    n_key = len(spec.key)
    latest: dict[tuple, tuple[int, tuple]] = {}
    superseded: list[tuple[int, tuple]] = []
    for line, clean in rows:
        outcome.staged += 1
        k = clean[:n_key]
        previous = latest.get(k)
        if previous is not None:
            superseded.append((previous[0], k))
        latest[k] = (line, clean)
    # Every superseded row points at the row that finally won, as on PostgreSQL.
    outcome.superseded = sorted((line, latest[k][0]) for line, k in superseded)
    outcome.distinct = len(latest)

    columns, values = spec.columns, spec.values
    stamp = has_imported_at(model)
    now = timezone.now()
    touched: set[str] = set()
    first_changed: date | None = None
    person_index = columns.index(spec.person_field) if spec.person_field else None
    first_field = first_changed_field(spec)
    first_index = columns.index(first_field) if first_field else None
    items = list(latest.values())
    for start in range(0, len(items), PORTABLE_CHUNK):
        chunk = items[start : start + PORTABLE_CHUNK]
        lead = {clean[0] for _, clean in chunk}
        stored = {
            tuple(getattr(obj, c) for c in spec.key): obj
            for obj in model.objects.filter(**{f"{spec.key[0]}__in": lead}).only(*columns)
        }
        creates, updates = [], []
        for _, clean in chunk:
            obj = stored.get(clean[:n_key])
            if obj is None:
                creates.append(model(**dict(zip(columns, clean, strict=True))))
            elif tuple(_normalise(getattr(obj, c)) for c in values) != tuple(_normalise(v) for v in clean[n_key:]):
                for column, value in zip(values, clean[n_key:], strict=True):
                    setattr(obj, column, value)
                if stamp:
                    obj.imported_at = now
                updates.append(obj)
            else:
                continue
            if person_index is not None:
                touched.add(clean[person_index])
            if first_index is not None and (first_changed is None or clean[first_index] < first_changed):
                first_changed = clean[first_index]
        if creates:
            model.objects.bulk_create(creates, batch_size=PORTABLE_CHUNK)
        if updates:
            model.objects.bulk_update(
                updates, [*values, *(["imported_at"] if stamp else [])], batch_size=PORTABLE_CHUNK
            )
        outcome.inserted += len(creates)
        outcome.updated += len(updates)
    outcome.touched_ids = sorted(touched)
    outcome.first_changed = first_changed
    return outcome
