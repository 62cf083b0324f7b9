"""Reading the audit trail (审计记录查询) as a 残联 reviewer: the events of the units of the reviewer's region, and —
for a supervisor, i.e. a reviewer whose region holds other reviewers' regions — every event recorded by a reviewer of
that region (their decisions, also on objects of no unit: notices, exports). Filters: unit (USCC), person (ID number,
exact), actor (login, exact) and action (a family such as ``placement.`` or one action). Reading is itself audited
(``audit.read``). ID numbers are masked (``core.masking``) except for superusers.

Which unit an event belongs to is known from its object (``object_type`` + ``object_id``): the unit itself, its
accounts, related units and their proofs, placements, declarations, 申报提醒, 申报期延期, stored files and notices,
and the registry lookups of its clerks. This module sits in ``declarations`` because it must know those models
(ADR 0010: core, which owns the audit table, may not import them); events of ``relief`` and ``levy`` objects (apps
above declarations) are reached through their actor only (a reviewer of the region).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from core import audit
from core.actors import Actor
from core.masking import mask_number
from core.models import AuditEvent, FilingExtension, StoredFile
from declarations.models import Declaration, FilingReminder
from employers.access import reviewer_region_prefix
from employers.models import Employer, EmployerAccount, RelatedUnit, RelatedUnitProof
from notices.models import Notice
from placements.models import Placement

PAGE_SIZE = 50
READ_ACTION = "audit.read"
REGISTRY_LOOKUP = "feeds.registryperson"  # placements.registration.registry_access: object_id is the ID number

# (object type, model, the lookup from the model to its unit)
UNIT_OBJECTS: tuple[tuple[str, Any, str], ...] = (
    ("employers.employer", Employer, ""),
    ("employers.employeraccount", EmployerAccount, "employer__"),
    ("employers.relatedunit", RelatedUnit, "employer__"),
    ("employers.relatedunitproof", RelatedUnitProof, "related_unit__employer__"),
    ("placements.placement", Placement, "employer__"),
    ("declarations.declaration", Declaration, "employer__"),
    ("declarations.filingreminder", FilingReminder, "employer__"),
    ("core.filingextension", FilingExtension, "employer__"),
    ("core.storedfile", StoredFile, "employer__"),
    ("notices.notice", Notice, "employer__"),
)

# The action families offered in the filter (prefixes of AuditEvent.action).
ACTION_FAMILIES = (
    ("placement.", "安置登记与审核"),
    ("declaration.", "年审申报"),
    ("employer.", "单位信息"),
    ("account.", "单位账号"),
    ("related_unit.", "关联单位"),
    ("proxy.", "窗口代办"),
    ("registry.", "残疾人信息查询"),
    ("relief.", "缓减免申请"),
    ("notice", "通知公告"),
    ("file.", "上传文件"),
    (READ_ACTION, "审计记录查询"),
)

_ID_SHAPED = re.compile(r"[0-9]{17}[0-9Xx][0-9A-Za-z]*")


def mask_text(text: str) -> str:
    """Every ID-shaped number inside ``text`` masked (a 残疾人证 number with its suffix too)."""
    return _ID_SHAPED.sub(lambda m: mask_number(m.group(0)), text or "")


def _ids(qs: QuerySet) -> QuerySet:
    return qs.annotate(object_key=Cast("pk", CharField())).values("object_key")


def scope_q(prefix: str) -> Q:
    """The events a reviewer of region ``prefix`` may read ('' = everything)."""
    if prefix == "":
        return Q()
    inside = {"federation_region__code__startswith": prefix}
    q = reviewer_q(prefix)  # decisions of the region's reviewers
    q |= Q(object_type=REGISTRY_LOOKUP, actor__employer_account__employer__federation_region__code__startswith=prefix)
    for object_type, model, path in UNIT_OBJECTS:
        units = model.objects.filter(**{f"{path}{k}": v for k, v in inside.items()})
        q |= Q(object_type=object_type, object_id__in=_ids(units))
    return q


def unit_q(employer: Employer) -> Q:
    """The events of one unit's objects (and its clerks' registry lookups)."""
    q = Q(object_type=REGISTRY_LOOKUP, actor__employer_account__employer=employer)
    for object_type, model, path in UNIT_OBJECTS:
        objects = model.objects.filter(**{path.removesuffix("__") or "pk": employer.pk})
        q |= Q(object_type=object_type, object_id__in=_ids(objects))
    return q


def person_q(id_number: str, *, prefix: str = "") -> Q:
    """The events of one person: their placements (any year; of the units of region ``prefix``) and the registry
    lookups of their number (by the region's clerks and reviewers)."""
    placements = Placement.objects.filter(id_number=id_number)
    lookups = Q(object_type=REGISTRY_LOOKUP, object_id=id_number)
    if prefix:
        placements = placements.filter(employer__federation_region__code__startswith=prefix)
        lookups &= Q(actor__employer_account__employer__federation_region__code__startswith=prefix) | reviewer_q(prefix)
    return Q(object_type="placements.placement", object_id__in=_ids(placements)) | lookups


def reviewer_q(prefix: str) -> Q:
    """Events recorded by the reviewers of region ``prefix`` (a supervisor reads their decisions)."""
    return Q(actor__reviewer_profile__region__code__startswith=prefix) if prefix else Q()


def _in_region(unit: Employer, prefix: str) -> bool:
    if prefix == "":
        return True
    return unit.federation_region_id is not None and unit.federation_region.code.startswith(prefix)


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
    changes: list[tuple[str, str, str]]


def _rows(events: list[AuditEvent], *, full: bool) -> list[EventRow]:
    show = (lambda value: value) if full else mask_text
    rows = []
    for e in events:
        changes = []
        for field, change in (e.changes or {}).items():
            if isinstance(change, dict) and {"before", "after"} <= set(change):
                changes.append((field, show(_text(change["before"])), show(_text(change["after"]))))
            else:
                changes.append((field, "", show(_text(change))))
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
            )
        )
    return rows


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
    unit: Employer | None
    unknown_unit: bool


def audit_events(*, by: Actor, filters: AuditFilters, page: int = 1) -> AuditPage:
    """The page ``page`` (newest first, :data:`PAGE_SIZE` events, no COUNT) of the events ``by`` may read that match
    ``filters``; the read is recorded in the same transaction. Raises PermissionError for a non-reviewer."""
    prefix = reviewer_region_prefix(by)
    if prefix is None:
        raise PermissionError("该账号不是审核人员。")
    # A unit or a person narrows the trail to a few objects: the region's scope is then applied to those objects
    # (the unit's region, the person's placements in the region) instead of as the region-wide subqueries of
    # scope_q, which PostgreSQL cannot hash at a province's size.
    qs = AuditEvent.objects.all()
    unit = None
    if filters.uscc:
        unit = Employer.objects.select_related("federation_region").filter(uscc=filters.uscc).first()
        qs = qs.filter(unit_q(unit)) if unit is not None and _in_region(unit, prefix) else qs.none()
    if filters.id_number:
        qs = qs.filter(person_q(filters.id_number, prefix=prefix))
    if not filters.uscc and not filters.id_number:
        qs = qs.filter(scope_q(prefix))
    if filters.actor:
        qs = qs.filter(actor_label=filters.actor)
    if filters.action:
        family = filters.action in dict(ACTION_FAMILIES) and filters.action != READ_ACTION
        qs = qs.filter(action__startswith=filters.action) if family else qs.filter(action=filters.action)
    start = (page - 1) * PAGE_SIZE
    with transaction.atomic():
        events = list(qs.order_by("-at", "-id")[start : start + PAGE_SIZE + 1])
        audit.record(actor=by, action=READ_ACTION, obj=by, changes={**filters.as_changes(), "page": page})
    return AuditPage(
        rows=_rows(events[:PAGE_SIZE], full=by.is_superuser),
        page=page,
        has_next=len(events) > PAGE_SIZE,
        unit=unit,
        unknown_unit=bool(filters.uscc) and unit is None,
    )
