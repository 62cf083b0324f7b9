"""确认导入's writes, set-based, inside :func:`placements.bulk.services._confirm`'s transaction: the new placements with
their contracts and 学历 (bulk_create), the changed ones (bulk_update, contracts and 学历 replaced), and — after the
engine's recompute of all their grids at once — the auto-confirmation of the persons whose every registrable month
verifies; the other units' grids of those persons are recorded as owed (``PendingRecompute``, ADR 0017), so that
they show 已在其他单位登记 even if the process dies right after the commit."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.errors import DomainError
from core.months import month_label
from employers.models import Employer
from employers.services import related_units_mark_referenced
from placements.bulk.results import PersonIn
from placements.constants import DocumentReview, MonthReview
from placements.grid.checks import reason_texts
from placements.grid.pending import pending_record
from placements.grid.selection import month_option, plan_selection
from placements.models import Contract, GraduateRecord, Placement, PlacementMonth, identity_from_id_number
from placements.registration.services import GRADUATE_FIELDS

logger = logging.getLogger(__name__)

MONTH_FIELDS = (
    "id", "placement_id", "month", "verified", "reasons", "taken_elsewhere", "dispatched", "selected", "review_state",
    "evidence_missing", "held", "wage_ok", "pension_ok", "medical_ok", "cert_ok", "age_ok", "contract_ok",
)  # fmt: skip


class FrozenPlacement(DomainError):
    """A placement to update is frozen (declared)."""


def _placement_fields(person: PersonIn) -> dict[str, Any]:
    data = dict(person.data)
    data["household_region_id"] = data.pop("household_region")
    return data


def _contracts(p: Placement, person: PersonIn) -> list[Contract]:
    out = []
    for c in person.contracts:
        data = dict(c.data)
        for name in ("dispatch_unit", "pension_unit", "medical_unit", "wage_unit"):
            data[f"{name}_id"] = data.pop(name)
        review = DocumentReview.PENDING if data["is_dispatched"] else DocumentReview.NOT_REQUIRED
        out.append(Contract(placement=p, review_state=review, **data))
    return out


def _graduates(p: Placement, person: PersonIn) -> list[GraduateRecord]:
    if not person.graduate:
        return []
    return [GraduateRecord(placement=p, **{name: person.graduate[name] for name in GRADUATE_FIELDS})]


def create(employer: Employer, year: int, persons: list[PersonIn]) -> dict[str, Placement]:
    """New placements as 安置登记 step 1 + 合同管理 would leave them (registration.services.placement_create and
    contract_add: birth date and gender from the ID number), written set-based."""
    placements = []
    for person in persons:
        birth, gender = identity_from_id_number(person.id_number)
        placements.append(
            Placement(
                employer=employer,
                year=year,
                id_number=person.id_number,
                birth_date=birth,
                gender=gender,
                wizard_step=2,
                **_placement_fields(person),
            )
        )
    Placement.objects.bulk_create(placements, batch_size=1000)
    by_number = {p.id_number: p for p in placements}
    Contract.objects.bulk_create(
        [c for person in persons for c in _contracts(by_number[person.id_number], person)], batch_size=1000
    )
    GraduateRecord.objects.bulk_create(
        [g for person in persons for g in _graduates(by_number[person.id_number], person)], batch_size=1000
    )
    return by_number


def update(persons: list[PersonIn]) -> dict[str, Placement]:
    """Placements a previous import made whose rows changed: the person's fields, contracts and 学历 replaced."""
    if not persons:
        return {}
    locked = {
        p.pk: p for p in Placement.objects.select_for_update().filter(pk__in=[person.existing for person in persons])
    }
    out: dict[str, Placement] = {}
    for person in persons:
        p = locked[person.existing]
        if p.frozen:
            raise FrozenPlacement(f"{p.name} 的登记已冻结，不能修改。", code="frozen")
        for name, value in _placement_fields(person).items():
            setattr(p, name, value)
        p.version += 1
        out[person.id_number] = p
    fields = [*(_placement_fields(persons[0]).keys()), "version", "updated_at"]
    now = timezone.now()
    for p in locked.values():
        p.updated_at = now
    Placement.objects.bulk_update(list(out.values()), fields, batch_size=1000)
    ids = [p.pk for p in out.values()]
    Contract.objects.filter(placement__in=ids).delete()
    GraduateRecord.objects.filter(placement__in=ids).delete()
    by_pk = {p.pk: p for p in out.values()}
    Contract.objects.bulk_create([c for person in persons for c in _contracts(by_pk[person.existing], person)])
    GraduateRecord.objects.bulk_create([g for person in persons for g in _graduates(by_pk[person.existing], person)])
    return out


def finish(placements: list[Placement]) -> dict[str, Any]:
    """After the engine's recompute: register and confirm the persons whose every registrable month (in working
    age, under contract, not held by another unit) verifies — the selection of 信息校验 (grid.selection's
    plan_selection: the auto-verified months are selected and locked) and 完成登记 (the months held). The others
    wait in the wizard: a ✗ month needs evidence (step 2/3), a dispatched person's clerk chooses the months."""
    ids = [p.pk for p in placements]
    dispatched = set(Contract.objects.filter(placement__in=ids, is_dispatched=True).values_list("placement", flat=True))
    months: dict[int, list] = defaultdict(list)  # rows as named tuples: month_option / fail_mask read attributes
    for chunk in _chunks(ids):
        for m in (
            PlacementMonth.objects.filter(placement__in=chunk)
            .order_by("placement", "month")
            .values_list(*MONTH_FIELDS, named=True)
        ):
            months[m.placement_id].append(m)
    now = timezone.now()
    kinds: dict[int, str] = {}
    items: list[dict[str, Any]] = []
    by_state: dict[tuple, list[int]] = defaultdict(list)  # (selected, review_state, evidence_missing, held) → months
    finished: list[Placement] = []
    for p in placements:
        rows = months.get(p.pk, [])
        registrable = [m for m in rows if m.age_ok and m.contract_ok and not m.taken_elsewhere]
        failing = [m for m in registrable if not m.verified]
        if p.pk in dispatched:
            kind = "choose"
        elif not registrable:
            kind = "none"
        elif failing:
            kind = "evidence"
        else:
            kind = "auto"
        kinds[p.pk] = kind
        items.append(
            {
                "pk": p.pk,
                "name": p.name,
                "kind": kind,
                "months": [month_label(m.month) for m in (failing if kind != "auto" else registrable)],
                "reasons": sorted({text for m in failing for text in reason_texts(m.reasons)}),
            }
        )
        if kind == "auto":
            plan = plan_selection([month_option(m) for m in rows], [m.month for m in registrable])
            for m in rows:
                state = plan.states[m.month]
                selected = state != MonthReview.NONE
                now_state = (selected, state, False, selected and state != MonthReview.REJECTED)
                if (m.selected, m.review_state, m.evidence_missing, m.held) != now_state:
                    by_state[now_state].append(m.id)
            finished.append(p)
    # Few distinct target states: one UPDATE per state and chunk (bulk_update's CASE per row is far slower).
    for (selected, state, missing, held), pks in by_state.items():
        for chunk in _chunks(pks, 5000):
            PlacementMonth.objects.filter(pk__in=chunk).update(
                selected=selected, review_state=state, evidence_missing=missing, held=held, updated_at=now
            )
    for chunk in _chunks([p.pk for p in finished], 5000):
        Placement.objects.filter(pk__in=chunk).update(
            wizard_completed=True,
            wizard_step=4,
            submitted_at=Coalesce(F("submitted_at"), Value(now)),
            version=F("version") + 1,
            updated_at=now,
        )
    named = Contract.objects.filter(placement__in=[p.pk for p in finished]).values_list(
        "dispatch_unit", "pension_unit", "medical_unit", "wage_unit"
    )
    related_units_mark_referenced(unit_ids=[pk for row in named for pk in row])
    followup = _record_followup(finished)
    counts = defaultdict(int)
    for kind in kinds.values():
        counts[kind] += 1
    return {
        "auto": counts["auto"],
        "evidence": counts["evidence"],
        "choose": counts["choose"],
        "none": counts["none"],
        "items": items[:5000],
        "kinds": kinds,
        "followup": followup,
    }


@dataclass(frozen=True)
class _Persons:
    """A request of :func:`placements.grid.pending.pending_record`: these persons in this year."""

    id_numbers: list[str]
    year: int


def _record_followup(finished: list[Placement]) -> int:
    """The persons just registered hold their months now: other units' open grids of them show 已在其他单位登记 from
    their next recompute. Recorded in this transaction (durable: committed with the import, drained by the
    ``recompute_pending`` task enqueued after the commit or by the ``recompute_grids --pending`` sweep), only for the
    persons another unit has an open placement of in the year. Returns how many persons."""
    if not finished:
        return 0
    year, employer_id = finished[0].year, finished[0].employer_id
    numbers = sorted({p.id_number for p in finished})
    elsewhere: list[str] = []
    for chunk in _chunks(numbers, 5000):
        elsewhere += (
            Placement.objects.open()
            .filter(year=year, id_number__in=chunk)
            .exclude(employer_id=employer_id)
            .values_list("id_number", flat=True)
            .distinct()
        )
    if elsewhere:
        pending_record(requests=[_Persons(sorted(set(elsewhere)), year)])
        transaction.on_commit(_enqueue_drain)
    return len(set(elsewhere))


def _enqueue_drain() -> None:
    from placements.grid.tasks import recompute_pending

    try:
        recompute_pending.enqueue()
    except Exception:  # the rows wait for the sweep; a follow-up must never break the import
        logger.exception("could not enqueue the drain of the grid recomputes owed after a bulk import")


def _chunks(items: list, size: int = 2000) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
