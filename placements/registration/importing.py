"""导入上一年申报名单: last year's persons copied into the year, as 资料待完善."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from core.actors import Actor
from employers.models import Employer
from placements.constants import DocumentReview
from placements.grid.recompute import grid_recompute_many
from placements.models import (
    Contract,
    GraduateRecord,
    Placement,
)
from placements.registration.rules import (
    age_verdict,
    contract_still_valid,
)
from placements.registration.services import CONTRACT_FIELDS, GRADUATE_FIELDS, PERSON_FIELDS
from placements.writes import audit, check_year

# --- 导入上一年申报名单 ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: list[Placement]
    out_of_age: list[str]  # names of persons not imported: outside working age all year


def _values(obj, names: Iterable[str]) -> dict[str, Any]:
    """{attname: value} of fields (foreign keys by id: no query)."""
    out = {}
    for name in names:
        attname = obj._meta.get_field(name).attname
        out[attname] = getattr(obj, attname)
    return out


@transaction.atomic
def placements_import_last_year(
    *, employer: Employer, year: int, placement_ids: Iterable[int], by: Actor
) -> ImportResult:
    """Copy last year's persons into ``year``: basic info, 学历 and the contracts still running in ``year``. They
    start as 资料待完善 (the wizard at step 2 when a contract was copied, else step 1) and must go through steps
    2–4. Persons already in ``year`` are skipped, and so are persons outside working age all year."""
    check_year(employer.pk, year)
    sources = list(
        Placement.objects.filter(employer=employer, year=year - 1, pk__in=list(placement_ids))
        .prefetch_related("contracts", "graduate_records")
        .order_by("id")
    )
    present = set(
        Placement.objects.filter(
            employer=employer, year=year, id_number__in=[s.id_number for s in sources]
        ).values_list("id_number", flat=True)
    )
    created: list[Placement] = []
    out_of_age: list[str] = []
    for source in sources:
        if source.id_number in present:
            continue
        present.add(source.id_number)
        verdict = age_verdict(source.birth_date, source.gender, source.retirement_baseline, year)
        if verdict.refuse:
            out_of_age.append(source.name)
            continue
        contracts = [c for c in source.contracts.all() if contract_still_valid(c.start, c.end, year)]
        p = Placement.objects.create(
            employer=employer,
            year=year,
            id_number=source.id_number,
            previous=source,
            wizard_step=2 if contracts else 1,
            **_values(source, PERSON_FIELDS),
        )
        Contract.objects.bulk_create(
            Contract(
                placement=p,
                contract_file_id=c.contract_file_id,
                review_state=c.review_state if c.review_state != DocumentReview.REJECTED else DocumentReview.PENDING,
                **_values(c, CONTRACT_FIELDS),
            )
            for c in contracts
        )
        GraduateRecord.objects.bulk_create(
            GraduateRecord(placement=p, **{name: getattr(g, name) for name in GRADUATE_FIELDS})
            for g in source.graduate_records.all()
        )
        audit(p, "import", by, source=source.pk, contracts=len(contracts))
        created.append(p)
    if created:
        grid_recompute_many(placements_qs=Placement.objects.filter(pk__in=[p.pk for p in created]))
    return ImportResult(created, out_of_age)
