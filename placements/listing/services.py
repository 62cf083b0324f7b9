"""Writes of the list's batch actions: the audit of an export with full ID numbers."""

from __future__ import annotations

from django.db import transaction

from core.actors import Actor
from core.audit import record
from employers.models import Employer
from placements.listing.selectors import ListFilters


@transaction.atomic
def export_full_ids_record(*, employer: Employer, year: int, filters: ListFilters, reason: str, by: Actor) -> None:
    """An export with full ID numbers (导出完整身份证号): who, why, which year and which filters, in the audit
    trail of the unit — before the file is written."""
    record(
        actor=by,
        action="placement.export_full_ids",
        obj=employer,
        reason=reason,
        changes={"year": year, **filters.query},
    )
