"""Writes of the registration wizard and the list (domain.md §4–§6): the person (step 1), contracts, graduate
records, hand-added certificates, registering the months (step 2, through ``placements.services.months_select``),
evidence (step 3), finishing (step 4), 重新登记, 删除 and 导入上一年申报名单.

Every service is atomic, audited, refuses a year after 完成申报 (``year_locked`` with the unit's row locked, the
lock ``declaration_declare`` takes as well) and takes the placement's ``version`` the form was loaded with: if the
placement changed since (another tab), :class:`StaleVersionError` is raised and nothing is saved. A form also
carries a one-time ``token``: the same form submitted twice (a double click) is recognised and
:class:`DuplicateSubmission` raised instead of saving twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import diff as _diff
from core.audit import record, snapshot
from core.errors import DomainError
from core.models import AuditEvent
from core.uploads import CleanFile, store_upload
from employers.constants import Relation
from employers.identifiers import clean_resident_id
from employers.models import Employer, RelatedUnit
from employers.selectors import year_locked
from feeds.certificates import validate_cert
from feeds.models import Certificate
from placements.constants import ContractRelation, DocumentReview, MonthReview
from placements.errors import PlacementFrozenError, StaleVersionError
from placements.models import (
    Contract,
    Evidence,
    GraduateRecord,
    HandCertificate,
    Placement,
    PlacementMonth,
    identity_from_id_number,
)
from placements.rules import CHECK_BITS, missing_evidence
from placements.services import grid_recompute, grid_recompute_many, months_evidence_record, months_select
from placements.services import placement_submit as engine_submit
from placements.wizard_rules import (
    HAND_CERT_REFUSED,
    ContractInput,
    RegistryCert,
    age_verdict,
    contract_errors,
    contract_still_valid,
    evidence_mask_of,
    evidence_upload_errors,
    hand_certificate_allowed,
)

logger = logging.getLogger(__name__)

PERSON_FIELDS = (
    "name",
    "household_region",
    "household_address",
    "phone",
    "education",
    "guardian_name",
    "guardian_phone",
    "is_graduate",
    "retirement_baseline",
)
CONTRACT_FIELDS = (
    "is_dispatched",
    "relation",
    "contract_type",
    "start",
    "end",
    "job",
    "monthly_salary",
    "dispatch_unit",
    "pension_unit",
    "medical_unit",
    "wage_unit",
)
HAND_CERT_FIELDS = ("cert_no", "cert_type", "valid_from", "valid_to", "grade", "category")
GRADUATE_FIELDS = ("school", "degree", "graduation_date")


class RegistrationError(DomainError):
    """A wizard rule refused the input (message in Chinese, ``field`` names the form field)."""


class YearLockedError(RegistrationError):
    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year}年度已完成申报，不能再添加、编辑、重新登记或删除安置人员。如需修改，请先申请年审申报撤回。",
            code="locked",
        )


class DuplicatePersonError(RegistrationError):
    def __init__(self, existing: Placement) -> None:
        super().__init__(
            f"该人员（{existing.name}）已在{existing.year}年度安置名单中，不能重复添加。",
            field="id_number",
            code="duplicate",
        )
        self.existing = existing


class DuplicateSubmission(Exception):
    """The same form (by its token) was already saved: nothing more to do. ``obj`` is what the first save made."""

    def __init__(self, obj=None) -> None:
        super().__init__("duplicate submission")
        self.obj = obj


# --- locking, versions, tokens -----------------------------------------------------------------------------------


def _check_year(employer_id: int, year: int) -> None:
    if year_locked(employer_id, year, for_update=True):
        raise YearLockedError(year)


def _token_used(placement_pk: int, token: str) -> bool:
    return (
        bool(token)
        and AuditEvent.objects.filter(
            object_type="placements.placement", object_id=str(placement_pk), changes__token=token
        ).exists()
    )


def _lock(placement: Placement, expected_version: int | None, token: str = "") -> Placement:
    """Lock the unit's row (year lock) and the placement's; refuse a declared year, a frozen placement, a form
    already saved (:class:`DuplicateSubmission`) and a stale version."""
    _check_year(placement.employer_id, placement.year)
    locked = Placement.objects.select_for_update().select_related("employer").get(pk=placement.pk)
    if locked.frozen:
        raise PlacementFrozenError()
    if _token_used(locked.pk, token):
        raise DuplicateSubmission(locked)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError()
    return locked


def _bump(p: Placement, *fields: str) -> None:
    p.version += 1
    p.save(update_fields=[*fields, "version", "updated_at"])


def _audit(p: Placement, action: str, by, token: str = "", **changes: Any) -> None:
    if token:
        changes["token"] = token
    record(actor=by, action=f"placement.{action}", obj=p, changes=changes)


def _recompute(p: Placement) -> None:
    grid_recompute(placement=p)


# --- step 1: the person ------------------------------------------------------------------------------------------


def _check_age(id_number: str, baseline: str, year: int, field: str = "id_number") -> None:
    birth, gender = identity_from_id_number(id_number)
    verdict = age_verdict(birth, gender, baseline if gender == "女" else "", year)
    if verdict.refuse:
        raise RegistrationError(verdict.message, field=field, code="age")


def _clean_person_data(data: dict[str, Any], gender: str) -> dict[str, Any]:
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    data = dict(data)
    if "retirement_baseline" in data and gender != "女":
        data["retirement_baseline"] = ""
    return data


@transaction.atomic
def placement_create(
    *,
    employer: Employer,
    year: int,
    id_number: str,
    data: dict[str, Any],
    graduate: dict[str, Any] | None = None,
    by,
    token: str = "",
) -> Placement:
    """安置登记 step 1: add a person to the unit's ``year``. Refuses an invalid ID number, a person already in the
    year (:class:`DuplicatePersonError`) and one outside working age all year. Computes the grid at once."""
    _check_year(employer.pk, year)
    try:
        id_number = clean_resident_id(id_number)
    except ValueError as error:
        raise RegistrationError(str(error), field="id_number", code="id") from None
    existing = Placement.objects.filter(employer=employer, year=year, id_number=id_number).first()
    if existing is not None:
        if _token_used(existing.pk, token):
            raise DuplicateSubmission(existing)
        raise DuplicatePersonError(existing)
    _, gender = identity_from_id_number(id_number)
    data = _clean_person_data(data, gender)
    _check_age(id_number, data.get("retirement_baseline", ""), year)
    if data.get("is_graduate") and not graduate:
        raise RegistrationError("高校毕业生请填写学历信息（毕业院校、学历、毕业时间）。", field="school")
    try:
        with transaction.atomic():
            p = Placement.objects.create(employer=employer, year=year, id_number=id_number, wizard_step=1, **data)
    except IntegrityError:
        raise DuplicatePersonError(Placement.objects.get(employer=employer, year=year, id_number=id_number)) from None
    if data.get("is_graduate") and graduate:
        GraduateRecord.objects.create(placement=p, **{k: graduate[k] for k in GRADUATE_FIELDS})
    _recompute(p)
    _audit(p, "create", by, token, person=snapshot(p, ("id_number", *PERSON_FIELDS)))
    return p


@transaction.atomic
def placement_update(
    *,
    placement: Placement,
    data: dict[str, Any],
    by,
    expected_version: int | None,
    token: str = "",
    finish_step: bool = False,
) -> Placement:
    """Save the basic information; with ``finish_step`` (保存，下一步) also check that step 1 is complete (at least one
    contract; 学历 for a graduate) and move the wizard on to step 2."""
    p = _lock(placement, expected_version, token)
    data = _clean_person_data(data, p.gender)
    before = snapshot(p, PERSON_FIELDS)
    for name, value in data.items():
        setattr(p, name, value)
    _check_age(p.id_number, p.retirement_baseline, p.year, field="retirement_baseline" if p.gender == "女" else None)
    fields = list(data)
    if finish_step:
        if not Contract.objects.filter(placement=p).exists():
            raise RegistrationError("请在“合同管理”中至少添加一份合同，再点击“保存，下一步”。", code="no_contract")
        if p.is_graduate and not GraduateRecord.objects.filter(placement=p).exists():
            raise RegistrationError("高校毕业生请至少添加一条学历信息。", code="no_degree")
        if p.wizard_step < 2:
            p.wizard_step = 2
            fields.append("wizard_step")
    _bump(p, *fields)
    if before.get("retirement_baseline") != str(p.retirement_baseline or "") or finish_step:
        _recompute(p)
    after = snapshot(p, PERSON_FIELDS)
    _audit(p, "update", by, token, **{k: v for k, v in _diff(before, after).items()})
    return p


@transaction.atomic
def graduate_add(
    *, placement: Placement, data: dict[str, Any], by, expected_version: int | None, token: str = ""
) -> GraduateRecord:
    p = _lock(placement, expected_version, token)
    record_ = GraduateRecord.objects.create(placement=p, **{k: data[k] for k in GRADUATE_FIELDS})
    if not p.is_graduate:
        p.is_graduate = True
        _bump(p, "is_graduate")
    else:
        _bump(p)
    _audit(p, "graduate_add", by, token, graduate=snapshot(record_, GRADUATE_FIELDS))
    return record_


@transaction.atomic
def graduate_delete(*, graduate: GraduateRecord, by, expected_version: int | None) -> None:
    p = _lock(graduate.placement, expected_version)
    info = snapshot(graduate, GRADUATE_FIELDS)
    graduate.delete()
    _bump(p)
    _audit(p, "graduate_delete", by, graduate=info)


# --- step 1: contracts -------------------------------------------------------------------------------------------


def _unit_of(employer: Employer, unit: RelatedUnit | None, field: str, kept: set[int]) -> RelatedUnit | None:
    """A paying / dispatch unit: this unit (None) or one of its active related units — or one the contract already
    names (a related unit deactivated since stays valid on the contracts that used it)."""
    if unit is None:
        return None
    if unit.employer_id != employer.pk or not (unit.is_active or unit.pk in kept):
        raise RegistrationError("请选择本单位或本单位的关联单位。", field=field)
    return unit


UNIT_FIELDS = ("dispatch_unit", "pension_unit", "medical_unit", "wage_unit")


def _validate_contract(employer: Employer, data: dict[str, Any], current: Contract | None = None) -> dict[str, Any]:
    unknown = set(data) - set(CONTRACT_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    data = dict(data)
    kept = {getattr(current, f"{name}_id") for name in UNIT_FIELDS} - {None} if current is not None else set()
    for name in UNIT_FIELDS:
        data[name] = _unit_of(employer, data.get(name), name, kept)
    if data["dispatch_unit"] is not None and data["dispatch_unit"].relation != Relation.DISPATCH_FIRM:
        raise RegistrationError("劳务派遣单位须为关系为“劳务派遣单位”的关联单位。", field="dispatch_unit")
    if data.get("relation") not in ContractRelation.values:
        raise RegistrationError("请选择关联单位关系。", field="relation")
    errors = contract_errors(
        ContractInput(
            is_dispatched=bool(data.get("is_dispatched")),
            relation=data["relation"],
            contract_type=data.get("contract_type", ""),
            start=data.get("start"),
            end=data.get("end"),
            dispatch_unit=data["dispatch_unit"].pk if data["dispatch_unit"] else None,
            pension_unit=data["pension_unit"].pk if data["pension_unit"] else None,
            medical_unit=data["medical_unit"].pk if data["medical_unit"] else None,
            wage_unit=data["wage_unit"].pk if data["wage_unit"] else None,
        )
    )
    if errors:
        field, message = next(iter(errors.items()))
        raise RegistrationError(message, field=field, code="contract")
    return data


def _store(file: CleanFile, kind: str, employer: Employer, by):
    return store_upload(uploaded_file=file, kind=kind, employer=employer, by=by)


def _contract_snapshot(c: Contract) -> dict[str, Any]:
    return snapshot(c, (*CONTRACT_FIELDS, "contract_file", "review_state"))


@transaction.atomic
def contract_add(
    *,
    placement: Placement,
    data: dict[str, Any],
    file: CleanFile,
    by,
    expected_version: int | None,
    token: str = "",
) -> Contract:
    """合同管理 · 添加: the contract with its file (required). A dispatch agreement waits for a reviewer."""
    p = _lock(placement, expected_version, token)
    data = _validate_contract(p.employer, data)
    if file is None:
        raise RegistrationError("请上传劳动合同或劳务派遣协议。", field="contract_file")
    stored = _store(file, "placement_contract", p.employer, by)
    review = DocumentReview.PENDING if data["is_dispatched"] else DocumentReview.NOT_REQUIRED
    contract = Contract.objects.create(placement=p, contract_file=stored, review_state=review, **data)
    _bump(p)
    _recompute(p)
    _audit(p, "contract_add", by, token, contract=contract.pk, values=_contract_snapshot(contract))
    return contract


@transaction.atomic
def contract_update(
    *,
    contract: Contract,
    data: dict[str, Any],
    file: CleanFile | None,
    by,
    expected_version: int | None,
    token: str = "",
) -> Contract:
    """Edit a contract; a new file replaces the old one (the old file stays stored and in the audit trail)."""
    p = _lock(contract.placement, expected_version, token)
    contract = Contract.objects.select_for_update().get(pk=contract.pk, placement=p)
    data = _validate_contract(p.employer, data, contract)
    before = _contract_snapshot(contract)
    for name, value in data.items():
        setattr(contract, name, value)
    if file is not None:
        contract.contract_file = _store(file, "placement_contract", p.employer, by)
    if contract.is_dispatched:
        if (
            file is not None
            or before["is_dispatched"] != "True"
            or contract.review_state == DocumentReview.NOT_REQUIRED
        ):
            contract.review_state = DocumentReview.PENDING
            contract.reviewed_by, contract.reviewed_at, contract.review_reason = None, None, ""
    else:
        contract.review_state = DocumentReview.NOT_REQUIRED
    contract.save()
    _bump(p)
    _recompute(p)
    _audit(p, "contract_update", by, token, contract=contract.pk, **_diff(before, _contract_snapshot(contract)))
    return contract


@transaction.atomic
def contract_delete(*, contract: Contract, by, expected_version: int | None) -> None:
    p = _lock(contract.placement, expected_version)
    info = _contract_snapshot(contract)
    pk = contract.pk
    Contract.objects.filter(pk=pk, placement=p).delete()
    _bump(p)
    _recompute(p)
    _audit(p, "contract_delete", by, contract=pk, values=info)


# --- step 1: hand-added certificates -----------------------------------------------------------------------------


def hand_certificate_allowed_for(p: Placement) -> bool:
    certs = Certificate.objects.filter(id_number=p.id_number).values_list("valid_from", "valid_to", "status")
    return hand_certificate_allowed((RegistryCert(f, t, s == "有效") for f, t, s in certs), p.year)


@transaction.atomic
def hand_certificate_add(
    *,
    placement: Placement,
    data: dict[str, Any],
    image: CleanFile,
    by,
    expected_version: int | None,
    token: str = "",
) -> HandCertificate:
    """残疾证管理 · 添加: a historical certificate with its image, allowed only when the registry has none covering the
    year or the current one is new in it. Counts once a reviewer approves it."""
    p = _lock(placement, expected_version, token)
    if not hand_certificate_allowed_for(p):
        raise RegistrationError(HAND_CERT_REFUSED, code="hand_cert_refused")
    data = {k: data.get(k) for k in HAND_CERT_FIELDS}
    errors = validate_cert(data["cert_type"], data["cert_no"] or "", p.id_number, data["category"], data["grade"])
    if errors:
        raise RegistrationError("；".join(errors), field="cert_no", code="cert")
    if data["valid_to"] < data["valid_from"]:
        raise RegistrationError("有效期止不能早于有效期起。", field="valid_to")
    if image is None:
        raise RegistrationError("请上传残疾证件图片。", field="image")
    stored = _store(image, "placement_certificate", p.employer, by)
    cert = HandCertificate.objects.create(placement=p, image=stored, review_state=DocumentReview.PENDING, **data)
    _bump(p)
    _recompute(p)
    _audit(p, "hand_certificate_add", by, token, certificate=cert.pk, values=snapshot(cert, HAND_CERT_FIELDS))
    return cert


@transaction.atomic
def hand_certificate_delete(*, certificate: HandCertificate, by, expected_version: int | None) -> None:
    """Only a certificate no reviewer has decided yet; the image stays stored and the audit trail keeps it."""
    p = _lock(certificate.placement, expected_version)
    if certificate.review_state != DocumentReview.PENDING:
        raise RegistrationError("已审核的补录残疾证不能删除。")
    info = snapshot(certificate, (*HAND_CERT_FIELDS, "image"))
    HandCertificate.objects.filter(pk=certificate.pk, placement=p).delete()
    _bump(p)
    _recompute(p)
    _audit(p, "hand_certificate_delete", by, values=info)


# --- step 2: registering the months ------------------------------------------------------------------------------


@transaction.atomic
def months_register(
    *, placement: Placement, months: Iterable[int], by, expected_version: int | None, token: str = ""
) -> Placement:
    """Register the ticked months (§5.2) after the clerk confirmed 「该人员安置月数为 N 个月」.

    With only auto-verified months the registration is finished at once (审核通过(系统)); otherwise the wizard goes
    on to step 3 (evidence for the ticked ✗ months). Raises the engine's SelectionError / MonthsTakenError.
    """
    p = _lock(placement, expected_version, token)
    months = sorted(set(months))
    plan = months_select(placement=p, months=months, by=by)
    if not plan.selected:
        raise RegistrationError("请至少勾选一个安置登记月份。", field="months")
    p.refresh_from_db()
    pending = PlacementMonth.objects.filter(placement=p).pending().exists()
    if pending:
        p.wizard_step = max(p.wizard_step, 3)
        _bump(p, "wizard_step")
    else:
        p = engine_submit(placement=p, by=by)
    _audit(p, "register_months", by, token, months=plan.selected, pending=pending)
    return p


# --- step 3: evidence --------------------------------------------------------------------------------------------


@transaction.atomic
def evidence_upload(
    *,
    placement: Placement,
    kind: str,
    months: Iterable[int],
    file: CleanFile,
    by,
    expected_version: int | None,
    token: str = "",
) -> Evidence:
    """上传附件: one file of evidence ``kind`` (a check code: wage / pension / medical / contract / cert) covering
    ``months`` (ticked ✗ months that fail that check)."""
    p = _lock(placement, None)
    done = Evidence.objects.filter(placement=p, client_token=token).first() if token else None
    if done is not None:
        raise DuplicateSubmission(done)
    if expected_version is not None and p.version != expected_version:
        raise StaleVersionError()
    months = sorted(set(months))
    rows = PlacementMonth.objects.filter(placement=p, selected=True, review_state=MonthReview.PENDING)
    fail_masks = {m.month: _fail_mask(m) for m in rows}
    errors = evidence_upload_errors(kind, months, fail_masks)
    if errors:
        raise RegistrationError("；".join(errors), field="months", code="evidence")
    if file is None:
        raise RegistrationError("请选择要上传的文件。", field="file")
    stored = _store(file, "placement_evidence", p.employer, by)
    evidence = Evidence.objects.create(
        placement=p,
        kind=kind,
        months=months,
        file=stored,
        client_token=token or "",
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    months_evidence_record(placement=p, months=months, checks=[kind], by=by)
    _audit(p, "evidence_upload", by, token, evidence=evidence.pk, kind=kind, months=months, file=stored.pk)
    return evidence


def _fail_mask(m: PlacementMonth) -> int:
    return sum(bit for check, bit in CHECK_BITS.items() if not getattr(m, f"{check}_ok"))


@transaction.atomic
def evidence_withdraw(*, evidence: Evidence, by, expected_version: int | None) -> Evidence:
    """撤回 an upload: the row and its file stay (marked withdrawn); the months it covered lose that evidence unless
    another upload covers them. Refused once a reviewer decided one of its months."""
    p = _lock(evidence.placement, expected_version)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk, placement=p)
    if evidence.withdrawn:
        return evidence
    decided = PlacementMonth.objects.filter(
        placement=p, month__in=evidence.months, review_state__in=(MonthReview.CONFIRMED, MonthReview.REJECTED)
    ).exists()
    if decided:
        raise RegistrationError("该材料涉及的月份已经残联审核，不能撤回。")
    evidence.withdrawn, evidence.withdrawn_by, evidence.withdrawn_at = True, by, timezone.now()
    evidence.save(update_fields=["withdrawn", "withdrawn_by", "withdrawn_at"])
    _refresh_evidence_masks(p, evidence.months)
    _bump(p)
    _audit(p, "evidence_withdraw", by, evidence=evidence.pk, kind=evidence.kind, months=evidence.months)
    return evidence


def _refresh_evidence_masks(p: Placement, months: Iterable[int]) -> None:
    """Rebuild ``evidence_mask`` / ``evidence_missing`` of ``months`` from the uploads that are not withdrawn."""
    uploads = [(e.kind, e.months) for e in Evidence.objects.filter(placement=p, withdrawn=False)]
    rows = list(PlacementMonth.objects.select_for_update().filter(placement=p, month__in=list(months)))
    for row in rows:
        row.evidence_mask = evidence_mask_of(uploads, row.month)
        row.evidence_missing = (
            row.selected
            and row.review_state == MonthReview.PENDING
            and bool(missing_evidence(_fail_mask(row), row.evidence_mask))
        )
    PlacementMonth.objects.bulk_update(rows, ["evidence_mask", "evidence_missing"])


# --- step 3 → 4: finish ------------------------------------------------------------------------------------------


@transaction.atomic
def placement_finish(*, placement: Placement, by, expected_version: int | None, token: str = "") -> Placement:
    """完成登记: every ticked ✗ month has its evidence (the engine's submit checks it); the months then wait for
    the reviewer (待审核)."""
    p = _lock(placement, expected_version, token)
    p = engine_submit(placement=p, by=by)
    _audit(p, "finish", by, token)
    return p


# --- 重新登记, 删除 -------------------------------------------------------------------------------------------------


@transaction.atomic
def placement_reregister(*, placement: Placement, by, expected_version: int | None, token: str = "") -> Placement:
    """重新登记: re-open a finished placement. The wizard starts again at step 1 (资料待完善); months a reviewer
    confirmed wait for review again (or count as system-verified when their checks now pass); rejected months are
    unticked so the clerk may tick them again with new evidence. Evidence stays."""
    p = _lock(placement, expected_version, token)
    if not p.wizard_completed:
        raise RegistrationError("该人员尚未完成登记，请直接点击“继续填写”。")
    _recompute(p)
    rows = list(PlacementMonth.objects.select_for_update().filter(placement=p, selected=True))
    changed = []
    for row in rows:
        if row.review_state == MonthReview.CONFIRMED:
            row.review_state = MonthReview.AUTO if row.verified else MonthReview.PENDING
        elif row.review_state == MonthReview.REJECTED:
            row.selected, row.review_state = False, MonthReview.NONE
        else:
            continue
        row.decided_by, row.decided_at, row.decision_reason = None, None, ""
        row.evidence_missing = (
            row.selected
            and row.review_state == MonthReview.PENDING
            and bool(missing_evidence(_fail_mask(row), row.evidence_mask))
        )
        changed.append(row)
    PlacementMonth.objects.bulk_update(
        changed, ["selected", "review_state", "decided_by", "decided_at", "decision_reason", "evidence_missing"]
    )
    p.wizard_completed, p.wizard_step = False, 1
    _bump(p, "wizard_completed", "wizard_step")
    _audit(p, "reregister", by, token, reopened=sorted(r.month for r in changed))
    if any(not r.selected for r in changed):
        _after_commit_recompute(p.id_number, p.year)
    return p


@transaction.atomic
def placement_delete(*, placement: Placement, by, expected_version: int | None) -> None:
    """删除 a placement of a year not yet declared. Its months are released (other units may register them); the
    uploaded files stay stored and the audit trail lists them."""
    p = _lock(placement, expected_version)
    held = PlacementMonth.objects.filter(placement=p).held().exists()
    files = {
        "contracts": list(Contract.objects.filter(placement=p).values_list("contract_file_id", flat=True)),
        "evidence": list(Evidence.objects.filter(placement=p).values_list("file_id", flat=True)),
        "certificates": list(HandCertificate.objects.filter(placement=p).values_list("image_id", flat=True)),
    }
    _audit(p, "delete", by, person=snapshot(p, ("id_number", "year", *PERSON_FIELDS)), files=files)
    id_number, year = p.id_number, p.year
    p.delete()
    if held:
        _after_commit_recompute(id_number, year)


def _after_commit_recompute(id_number: str, year: int) -> None:
    """Other units' grids of this person show months as free again (已在其他单位登记 no more)."""

    def enqueue() -> None:
        from placements.tasks import recompute_persons

        try:
            recompute_persons.enqueue([id_number], year)
        except Exception:  # a follow-up refresh must never break the clerk's action
            logger.exception("could not enqueue the grid recompute of %s/%s", id_number, year)

    transaction.on_commit(enqueue)


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
def placements_import_last_year(*, employer: Employer, year: int, placement_ids: Iterable[int], by) -> ImportResult:
    """Copy last year's persons into ``year``: basic info, 学历 and the contracts still running in ``year``. They
    start as 资料待完善 (the wizard at step 2 when a contract was copied, else step 1) and must go through steps
    2–4. Persons already in ``year`` are skipped, and so are persons outside working age all year."""
    _check_year(employer.pk, year)
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
        _audit(p, "import", by, source=source.pk, contracts=len(contracts))
        created.append(p)
    if created:
        grid_recompute_many(placements_qs=Placement.objects.filter(pk__in=[p.pk for p in created]))
    return ImportResult(created, out_of_age)
