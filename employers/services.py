"""Writes of the employers app: the unit's basic information, related units and their proofs.

Every service is keyword-only, takes the acting user as ``by``, runs in one transaction and writes the audit trail.
Rules that depend on what apps above this one do (is the USCC fixed by a declaration sent to tax? is a related unit
named by a finished registration?) read state this app owns and those apps write through the services at the end
of this module, in their own transactions (ADR 0010).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core import audit
from core.actors import Actor
from core.errors import DomainError, StaleObjectError
from core.models import StoredFile
from core.uploads import CleanFile, store_upload
from employers.constants import Relation
from employers.declaration_states import State
from employers.models import DeclarationState, Employer, RelatedUnit, RelatedUnitProof

EMPLOYER_FIELDS = (
    "name",
    "uscc",
    "tax_registration_no",
    "organization_code",
    "unit_kind",
    "economic_kind",
    "industry",
    "federation_region",
    "tax_region",
    "registration_region",
    "legal_rep_name",
    "legal_rep_id_type",
    "legal_rep_id_number",
    "legal_rep_phone",
    "phone",
    "contact_name",
    "contact_phone",
    "business_address",
    "registered_address",
)
RELATED_UNIT_FIELDS = (
    "region",
    "uscc",
    "tax_registration_no",
    "organization_code",
    "name",
    "phone",
    "address",
    "relation",
)
RELATED_UNIT_IDENTIFIERS = ("uscc", "tax_registration_no", "organization_code")
PROOF_KIND = "related_unit_proof"

# --- what apps above this one decided ----------------------------------------------------------------------------


def uscc_is_locked(employer: Employer) -> bool:
    """True once a declaration of the unit was sent to tax (domain.md §3): the USCC is then its fixed identity."""
    if employer.pk is None:
        return False
    return DeclarationState.objects.filter(employer=employer, sent_to_tax_at__isnull=False).exists()


def related_unit_is_referenced(unit: RelatedUnit) -> bool:
    """True once a finished registration named the unit (dispatch firm or paying unit): its identifiers must then
    stay as they are (:func:`related_unit_update` makes a new unit instead)."""
    return unit.pk is not None and unit.referenced_at is not None


# --- the unit ------------------------------------------------------------------------------------------------------


def _profile_filled(employer: Employer) -> bool:
    """Every field the unit's basic information requires has a value."""
    return all(
        getattr(employer, employer._meta.get_field(name).attname) not in ("", None)
        for name in EMPLOYER_FIELDS
        if not employer._meta.get_field(name).blank
    )


@transaction.atomic
def employer_update(
    *, employer: Employer, data: dict[str, Any], by: Actor, expected_version: int | None = None, reason: str = ""
) -> Employer:
    """Save the unit's basic information (domain.md §3).

    ``expected_version`` is the ``version`` the form was loaded with: if the row changed since (another tab, another
    clerk), nothing is saved and :class:`StaleObjectError` is raised. The USCC cannot change once a declaration was
    sent to tax, and must stay unique.
    """
    unknown = set(data) - set(EMPLOYER_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = Employer.objects.select_for_update().get(pk=employer.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleObjectError("该单位信息已在其他页面或由其他人修改，本次修改未保存。请刷新页面后重新编辑。")
    new_uscc = data.get("uscc", locked.uscc)
    if new_uscc != locked.uscc:
        if uscc_is_locked(locked):
            raise DomainError("本单位已向税务部门发送申报结果，统一社会信用代码不能再修改。", field="uscc")
        if Employer.objects.filter(uscc=new_uscc).exclude(pk=locked.pk).exists():
            raise DomainError("该统一社会信用代码已被其他单位使用。", field="uscc")
    before = audit.snapshot(locked, EMPLOYER_FIELDS)
    for name, value in data.items():
        setattr(locked, name, value)
    changes = audit.diff(before, audit.snapshot(locked, EMPLOYER_FIELDS))
    if not locked.profile_complete and _profile_filled(locked):
        locked.profile_complete = True  # 资料待完善 (opened by the 法人 sign-on) ends with the first complete save
        changes["profile_complete"] = [False, True]
    if changes:
        locked.version += 1
        locked.save()
        audit.record(actor=by, action="employer.update", obj=locked, reason=reason, changes=changes)
    return locked


# --- related units -------------------------------------------------------------------------------------------------


def proof_kind_for(relation: str) -> str:
    """A dispatch firm proves the relation with the 劳务派遣协议, the others with a relationship proof."""
    if relation == Relation.DISPATCH_FIRM:
        return RelatedUnitProof.Kind.DISPATCH_AGREEMENT
    return RelatedUnitProof.Kind.RELATION_PROOF


def _check_related_unit(employer: Employer, data: dict[str, Any], exclude_pk: int | None = None) -> None:
    if not any(data.get(k) for k in RELATED_UNIT_IDENTIFIERS):
        raise DomainError("请至少填写统一社会信用代码、税务登记证号码、组织机构代码中的一项。")
    if data.get("uscc") and data["uscc"] == employer.uscc:
        raise DomainError("关联单位不能是本单位自己。", field="uscc")
    siblings = RelatedUnit.objects.filter(employer=employer, is_active=True)
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    for key in RELATED_UNIT_IDENTIFIERS:
        if data.get(key) and siblings.filter(**{key: data[key]}).exists():
            label = RelatedUnit._meta.get_field(key).verbose_name
            raise DomainError(f"已有相同{label}的关联单位，请直接编辑该单位。", field=key)


def _add_proof(*, unit: RelatedUnit, file: CleanFile | StoredFile, by: Actor) -> RelatedUnitProof:
    stored = (
        file
        if isinstance(file, StoredFile)
        else store_upload(uploaded_file=file, kind=PROOF_KIND, employer=unit.employer, by=by)
    )
    proof = RelatedUnitProof.objects.create(related_unit=unit, kind=proof_kind_for(unit.relation), file=stored)
    audit.record(
        actor=by,
        action="related_unit.proof_add",
        obj=proof,
        changes={
            "file": {"before": None, "after": stored.original_name},
            "kind": {"before": None, "after": proof.kind},
        },
    )
    return proof


@transaction.atomic
def related_unit_create(
    *, employer: Employer, data: dict[str, Any], proof: CleanFile | StoredFile | None, by: Actor
) -> RelatedUnit:
    unknown = set(data) - set(RELATED_UNIT_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    Employer.objects.select_for_update().filter(pk=employer.pk).first()  # serialise duplicate checks per unit
    _check_related_unit(employer, data)
    unit = RelatedUnit.objects.create(employer=employer, **data)
    audit.record(
        actor=by,
        action="related_unit.create",
        obj=unit,
        changes=audit.diff({}, audit.snapshot(unit, RELATED_UNIT_FIELDS)),
    )
    if proof is not None:
        _add_proof(unit=unit, file=proof, by=by)
    return unit


@transaction.atomic
def related_unit_update(
    *, unit: RelatedUnit, data: dict[str, Any], proof: CleanFile | StoredFile | None = None, by: Actor
) -> RelatedUnit:
    """Edit a related unit; returns the unit that now carries the data.

    When the identifiers change and a confirmed placement references the unit, the old row stays as it is
    (deactivated, so history keeps pointing at the identifiers it was checked against) and a new unit is created
    with the new data; its proofs must be uploaded again.
    """
    unknown = set(data) - set(RELATED_UNIT_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = RelatedUnit.objects.select_for_update().select_related("employer").get(pk=unit.pk)
    if not locked.is_active:
        raise DomainError("该关联单位已删除，不能再编辑。")
    merged = {**{k: getattr(locked, k) for k in RELATED_UNIT_FIELDS}, **data}
    _check_related_unit(locked.employer, merged, exclude_pk=locked.pk)
    identifiers_changed = any(merged[k] != getattr(locked, k) for k in RELATED_UNIT_IDENTIFIERS)
    if identifiers_changed and related_unit_is_referenced(locked):
        locked.is_active = False
        locked.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=by,
            action="related_unit.supersede",
            obj=locked,
            reason="标识已被已确认的安置登记引用，编辑标识时改为新建关联单位",
        )
        replacement = RelatedUnit.objects.create(employer=locked.employer, **merged)
        audit.record(
            actor=by,
            action="related_unit.create",
            obj=replacement,
            reason=f"替代关联单位 #{locked.pk}",
            changes=audit.diff({}, audit.snapshot(replacement, RELATED_UNIT_FIELDS)),
        )
        if proof is not None:
            _add_proof(unit=replacement, file=proof, by=by)
        return replacement
    before = audit.snapshot(locked, RELATED_UNIT_FIELDS)
    for name, value in data.items():
        setattr(locked, name, value)
    changes = audit.diff(before, audit.snapshot(locked, RELATED_UNIT_FIELDS))
    if changes:
        locked.save()
        audit.record(actor=by, action="related_unit.update", obj=locked, changes=changes)
    if proof is not None:
        _add_proof(unit=locked, file=proof, by=by)
    return locked


@transaction.atomic
def related_unit_delete(*, unit: RelatedUnit, by: Actor, reason: str = "") -> RelatedUnit:
    """Remove a related unit from the list. The row and its proofs stay (contracts and the audit trail keep
    pointing at them); it is no longer offered anywhere."""
    locked = RelatedUnit.objects.select_for_update().get(pk=unit.pk)
    if locked.is_active:
        locked.is_active = False
        locked.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=by,
            action="related_unit.delete",
            obj=locked,
            reason=reason,
            changes={"is_active": {"before": "True", "after": "False"}},
        )
    return locked


@transaction.atomic
def related_unit_proof_add(*, unit: RelatedUnit, file: CleanFile | StoredFile, by: Actor) -> RelatedUnitProof:
    locked = RelatedUnit.objects.select_for_update().select_related("employer").get(pk=unit.pk)
    if not locked.is_active:
        raise DomainError("该关联单位已删除，不能再上传材料。")
    return _add_proof(unit=locked, file=file, by=by)


@transaction.atomic
def related_unit_proof_withdraw(*, proof: RelatedUnitProof, by: Actor, reason: str = "") -> RelatedUnitProof:
    """Withdraw a proof still awaiting review. It is never deleted: it stays, marked withdrawn, in the trail."""
    locked = RelatedUnitProof.objects.select_for_update().get(pk=proof.pk)
    if locked.withdrawn:
        return locked
    if locked.review_state != RelatedUnitProof.ReviewState.PENDING:
        raise DomainError("该材料已审核，不能撤回。")
    locked.withdrawn = True
    locked.save(update_fields=["withdrawn"])
    audit.record(
        actor=by,
        action="related_unit.proof_withdraw",
        obj=locked,
        reason=reason,
        changes={"withdrawn": {"before": "False", "after": "True"}},
    )
    return locked


# --- reviewers -----------------------------------------------------------------------------------------------------

REVIEWER_GROUP = "审核人员"
REVIEWER_BASE_PERMISSIONS = (
    "employers.view_employer",
    "employers.view_relatedunit",
    "employers.view_relatedunitproof",
    "employers.view_employeraccount",  # units' logins: open, reset password, disable (employers.admin_accounts)
    "employers.change_employeraccount",
    "core.view_region",
    "core.view_calendarday",
    "core.view_employmentratio",
    "core.view_minimumwage",
    "core.view_socialaveragewage",
    "core.view_filingwindow",
    "core.view_storedfile",
    # The review workplace (placements.review, employers.review): queue, review pages and decisions.
    "placements.view_placement",
    "placements.change_placement",
    "employers.change_relatedunitproof",
)


def reviewer_group_ensure(*, extra_permissions: tuple[str, ...] | list[str] = ()):
    """The 「审核人员」 group with the base view permissions plus ``extra_permissions`` (``app_label.codename``).

    Other apps add what their review screens need, e.g.
    ``reviewer_group_ensure(extra_permissions=["placements.view_placement"])``. Idempotent; never removes.
    """
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=REVIEWER_GROUP)
    wanted = set(REVIEWER_BASE_PERMISSIONS) | set(extra_permissions)
    q = Q()
    for dotted in wanted:
        app_label, codename = dotted.split(".", 1)
        q |= Q(content_type__app_label=app_label, codename=codename)
    have = set(group.permissions.values_list("pk", flat=True))
    missing = [p for p in Permission.objects.filter(q) if p.pk not in have]
    if missing:
        group.permissions.add(*missing)
    return group


# --- state written by the apps above -------------------------------------------------------------------------------
# Called inside the caller's transaction, on rows the caller has locked (the unit's row for a declaration), so the
# state here changes together with theirs.


def declaration_state_record(*, employer_id: int, year: int, state: State, **times: datetime | None) -> None:
    """The unit's declaration of ``year`` is now in ``state`` (declarations.services, after each transition).

    ``times``: ``declared_at`` (the submission in force; None when none is) and ``sent_to_tax_at`` (first sent),
    given only when they change.
    """
    unknown = set(times) - {"declared_at", "sent_to_tax_at"}
    if unknown:
        raise ValueError(f"not a declaration time: {sorted(unknown)}")
    DeclarationState.objects.update_or_create(
        employer_id=employer_id,
        year=year,
        defaults={"status": state.status, "previous_status": state.previous, **times},
    )


def declaration_states_send(*, declarations: QuerySet, before: State, after: State, at: datetime) -> int:
    """The set-based SEND of the tax export: the states of the unit-years in ``declarations`` (a queryset with
    ``employer_id`` and ``year``) that are ``before`` become ``after``, sent at ``at``. Returns the rows changed."""
    unit_years = declarations.filter(employer_id=OuterRef("employer_id"), year=OuterRef("year"))
    return DeclarationState.objects.filter(
        Exists(unit_years), status=before.status, previous_status=before.previous
    ).update(status=after.status, previous_status=after.previous, sent_to_tax_at=at)


def related_units_mark_referenced(*, unit_ids: Iterable[int], at: datetime | None = None) -> int:
    """A finished registration names these related units (placements' submit): their identifiers stay from now on.
    Returns the units marked for the first time."""
    ids = {pk for pk in unit_ids if pk is not None}
    if not ids:
        return 0
    return RelatedUnit.objects.filter(pk__in=ids, referenced_at__isnull=True).update(referenced_at=at or timezone.now())
