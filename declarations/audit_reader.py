"""Reading the audit trail (审计记录查询) as a 残联 reviewer: the events of the units of the reviewer's region, and —
for a supervisor, i.e. a reviewer whose region holds other reviewers' regions — every event recorded by a reviewer of
that region (their decisions, also on objects of no unit: notices, exports). Filters: unit (USCC), person (ID number,
exact), actor (login, exact) and action (a family such as ``placement.`` or one action). Reading is itself audited
(``audit.read``). ID numbers are masked (``core.masking``) except for superusers.

Which unit an event belongs to is its ``employer`` column (written by ``core.audit.record`` from the object, filled
for older events by core's migration 0009; registry lookups carry the unit the clerk acted for). A region's trail is
the events whose unit's 残联主管部门 lies in the region, read newest first through the ``at`` index (a province) or
the ``(employer, at, id)`` index (one unit); a supervisor's second source, the region's reviewers' events, is a
separate query merged in Python, so each keeps an index-ordered plan. Pages are keyset pages (``before`` = the last
row's time and id): no COUNT and no OFFSET, the 20th page costs what the first does. Events of objects of no unit
(logins, reference data) are reached through their actor only (a reviewer of the region).
"""

from __future__ import annotations

import heapq
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from core import audit
from core.actors import Actor
from core.masking import mask_number
from core.models import REGISTRY_LOOKUP_TYPE, AuditEvent
from declarations.audit_labels import (
    ACTION_FAMILIES,
    READ_ACTION,
    action_label,
    field_label,
    object_type_label,
    value_label,
)
from employers.access import reviewer_region_prefix
from employers.models import Employer, ReviewerProfile
from placements.models import Placement

PAGE_SIZE = 50
REGISTRY_LOOKUP = REGISTRY_LOOKUP_TYPE  # placements.registration.registry_access: object_id is the ID number
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ID_SHAPED = re.compile(r"[0-9]{17}[0-9Xx][0-9A-Za-z]*")


def mask_text(text: str) -> str:
    """Every ID-shaped number inside ``text`` masked (a 残疾人证 number with its suffix too)."""
    return _ID_SHAPED.sub(lambda m: mask_number(m.group(0)), text or "")


def scope_parts(prefix: str) -> list[Q]:
    """The events a reviewer of region ``prefix`` may read, as the conditions of separate queries ('' = all)."""
    if prefix == "":
        return [Q()]
    return [Q(employer__federation_region__code__startswith=prefix), reviewer_q(prefix)]


def person_q(id_number: str, *, prefix: str = "") -> Q:
    """The events of one person: their placements (any year; of the units of region ``prefix``) and the registry
    lookups of their number (by the region's clerks and reviewers)."""
    placements = Placement.objects.filter(id_number=id_number)
    lookups = Q(object_type=REGISTRY_LOOKUP, object_id=id_number)
    if prefix:
        placements = placements.filter(employer__federation_region__code__startswith=prefix)
        lookups &= Q(employer__federation_region__code__startswith=prefix) | reviewer_q(prefix)
    ids = [str(pk) for pk in placements.values_list("pk", flat=True)[:1000]]
    return Q(object_type="placements.placement", object_id__in=ids) | lookups


def reviewer_q(prefix: str) -> Q:
    """Events recorded by the reviewers of region ``prefix`` (a supervisor reads their decisions)."""
    if not prefix:
        return Q()
    return Q(actor_id__in=ReviewerProfile.objects.filter(region__code__startswith=prefix).values("user_id"))


def _in_region(unit: Employer, prefix: str) -> bool:
    return prefix == "" or (unit.federation_region_id or "").startswith(prefix)


def encode_cursor(event: AuditEvent) -> str:
    """The keyset position after ``event``: microseconds since 1970 and the id (``1733468400123456-987``)."""
    delta = event.at - _EPOCH
    return f"{(delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds}-{event.pk}"


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    """``(at, id)`` of :func:`encode_cursor`'s text, or None if it is not one (then the first page is shown)."""
    match = re.fullmatch(r"([0-9]{1,17})-([0-9]{1,18})", value or "")
    if match is None:
        return None
    return _EPOCH + timedelta(microseconds=int(match.group(1))), int(match.group(2))


def _newest(parts: list[QuerySet], before: tuple[datetime, int] | None, limit: int) -> list[AuditEvent]:
    """The ``limit`` newest events of the union of ``parts`` (one query each, each newest first), older than
    ``before``. An event found by two parts counts once."""
    lists = []
    for qs in parts:
        if before is not None:
            at, pk = before
            qs = qs.filter(at__lte=at).filter(Q(at__lt=at) | Q(pk__lt=pk))
        lists.append(list(qs.order_by("-at", "-id")[:limit]))
    out, seen = [], set()
    for event in heapq.merge(*lists, key=lambda e: (e.at, e.pk), reverse=True):
        if event.pk not in seen:
            seen.add(event.pk)
            out.append(event)
            if len(out) == limit:
                break
    return out


@dataclass(frozen=True)
class AuditFilters:
    uscc: str = ""
    id_number: str = ""
    actor: str = ""
    action: str = ""

    def as_changes(self) -> dict[str, str]:
        """What the read of these filters records (the ID number masked: the trail must not spread it)."""
        out = {"uscc": self.uscc, "id_number": mask_number(self.id_number), "actor": self.actor, "action": self.action}
        return {k: v for k, v in out.items() if v}


@dataclass
class EventRow:
    at: Any
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    reason: str
    changes: list[tuple[str, str, str]]  # (field's Chinese name, before, after)
    action_label: str = ""
    object_type_label: str = ""


def _rows(events: list[AuditEvent], *, full: bool) -> list[EventRow]:
    show = (lambda value: value) if full else mask_text
    rows = []
    for e in events:
        changes = [_change(e.object_type, field, change, show) for field, change in (e.changes or {}).items()]
        rows.append(
            EventRow(
                at=e.at,
                actor=e.actor_label,
                action=e.action,
                object_type=e.object_type,
                object_id=show(e.object_id),
                object_repr=show(e.object_repr),
                reason=show(e.reason),
                changes=changes,
                action_label=action_label(e.action),
                object_type_label=object_type_label(e.object_type),
            )
        )
    return rows


def _change(object_type: str, field: str, change: Any, show) -> tuple[str, str, str]:
    """(the field's Chinese name, before, after) of one recorded change, values in words where the field has
    choices and masked by ``show``."""

    def text(value: Any) -> str:
        return show(_text(value_label(object_type, field, value)))

    if isinstance(change, dict) and {"before", "after"} <= set(change):
        return field_label(object_type, field), text(change["before"]), text(change["after"])
    return field_label(object_type, field), "", text(change)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass
class AuditPage:
    rows: list[EventRow]
    page: int
    has_next: bool
    next_cursor: str
    unit: Employer | None
    unknown_unit: bool


def audit_events(*, by: Actor, filters: AuditFilters, page: int = 1, before: str = "") -> AuditPage:
    """The :data:`PAGE_SIZE` events (newest first, older than the cursor ``before``; no COUNT, no OFFSET) that ``by``
    may read and that match ``filters``; ``page`` is only the number shown. The read is recorded in the same
    transaction. Queries: the reviewer's profile and region (unless loaded), the unit (by USCC) or the person's
    placements (by ID number), one per part (two for a region, one otherwise), the read's event. Raises
    PermissionError for a non-reviewer."""
    prefix = reviewer_region_prefix(by)
    if prefix is None:
        raise PermissionError("该账号不是审核人员。")
    events = AuditEvent.objects.all()
    unit = None
    if filters.uscc:
        unit = Employer.objects.filter(uscc=filters.uscc).first()
        ok = unit is not None and _in_region(unit, prefix)
        parts = [events.filter(employer=unit)] if ok else []
    elif filters.id_number:
        parts = [events.filter(person_q(filters.id_number, prefix=prefix))]
    else:
        parts = [events.filter(q) for q in scope_parts(prefix)]
    narrow = Q()
    if filters.actor:
        narrow &= Q(actor_label=filters.actor)
    if filters.action:
        family = filters.action in dict(ACTION_FAMILIES) and filters.action != READ_ACTION
        narrow &= Q(action__startswith=filters.action) if family else Q(action=filters.action)
    parts = [qs.filter(narrow) for qs in parts]
    cursor = decode_cursor(before)
    with transaction.atomic():
        found = _newest(parts, cursor, PAGE_SIZE + 1)
        changes = {**filters.as_changes(), "page": page if cursor else 1}
        audit.record(actor=by, action=READ_ACTION, obj=by, changes=changes)
    shown = found[:PAGE_SIZE]
    has_next = len(found) > PAGE_SIZE
    return AuditPage(
        rows=_rows(shown, full=by.is_superuser),
        page=page if cursor else 1,
        has_next=has_next,
        next_cursor=encode_cursor(shown[-1]) if has_next else "",
        unit=unit,
        unknown_unit=bool(filters.uscc) and unit is None,
    )
