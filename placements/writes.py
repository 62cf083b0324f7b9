"""What every write of the clerk's use cases does first and last (registration, grid, evidence).

:func:`lock_for_write` takes the locks once per action, in this order: the unit's row (``year_locked(...,
for_update=True)``, the lock ``declaration_declare`` takes as well, so a declared year refuses the write), then the
placement's row; it refuses a frozen placement, a form already saved (its one-time ``token`` found in the audit
trail: :class:`DuplicateSubmission`) and a stale ``version`` (:class:`StaleVersionError`: the placement changed in
another tab). The service then changes what it changes, calls :func:`bump_version` once and :func:`audit` once."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from core.actors import Actor
from core.audit import record
from core.errors import DomainError
from core.models import AuditEvent
from core.uploads import CleanFile, store_upload
from employers.models import Employer
from employers.selectors import year_locked
from placements.errors import PlacementFrozenError, StaleVersionError
from placements.grid.recompute import grid_recompute
from placements.models import (
    Placement,
)

logger = logging.getLogger(__name__)


class RegistrationError(DomainError):
    """A wizard rule refused the input (message in Chinese, ``field`` names the form field)."""


class YearLockedError(RegistrationError):
    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year}年度已完成申报，不能再添加、编辑、重新登记或删除安置人员。如需修改，请先申请年审申报撤回。",
            code="locked",
        )


class DuplicateSubmission(Exception):
    """The same form (by its token) was already saved: nothing more to do. ``obj`` is what the first save made."""

    def __init__(self, obj=None) -> None:
        super().__init__("duplicate submission")
        self.obj = obj


# --- locking, versions, tokens -----------------------------------------------------------------------------------


def check_year(employer_id: int, year: int) -> None:
    if year_locked(employer_id, year, for_update=True):
        raise YearLockedError(year)


def token_used(placement_pk: int, token: str) -> bool:
    return (
        bool(token)
        and AuditEvent.objects.filter(
            object_type="placements.placement", object_id=str(placement_pk), changes__token=token
        ).exists()
    )


def lock_for_write(placement: Placement, expected_version: int | None, token: str = "") -> Placement:
    """Lock the unit's row (year lock) and the placement's; refuse a declared year, a frozen placement, a form
    already saved (:class:`DuplicateSubmission`) and a stale version."""
    check_year(placement.employer_id, placement.year)
    locked = Placement.objects.select_for_update().select_related("employer").get(pk=placement.pk)
    if locked.frozen:
        raise PlacementFrozenError()
    if token_used(locked.pk, token):
        raise DuplicateSubmission(locked)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError()
    return locked


def bump_version(p: Placement, *fields: str) -> None:
    p.version += 1
    p.save(update_fields=[*fields, "version", "updated_at"])


def audit(p: Placement, action: str, by: Actor, token: str = "", **changes: Any) -> None:
    if token:
        changes["token"] = token
    record(actor=by, action=f"placement.{action}", obj=p, changes=changes)


def grid_refresh(p: Placement) -> None:
    grid_recompute(placement=p)


def recompute_after_commit(id_number: str, year: int) -> None:
    """Other units' grids of this person show months as free again (已在其他单位登记 no more)."""

    def enqueue() -> None:
        from placements.grid.tasks import recompute_persons

        try:
            recompute_persons.enqueue([id_number], year)
        except Exception:  # a follow-up refresh must never break the clerk's action
            logger.exception("could not enqueue the grid recompute of %s/%s", id_number, year)

    transaction.on_commit(enqueue)


def store_file(file: CleanFile, kind: str, employer: Employer, by: Actor):
    """Store an upload of the unit (contracts, certificate images, evidence) under ``kind``."""
    return store_upload(uploaded_file=file, kind=kind, employer=employer, by=by)
