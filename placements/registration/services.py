"""Writes of STEP.01 安置登记 (domain.md §4): the person, graduate records, contracts and hand-added certificates.

Every service is atomic, audited once, refuses a declared year and a stale version and recognises a form submitted
twice (:mod:`placements.writes`)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from core.actors import Actor
from core.audit import diff as _diff
from core.audit import snapshot
from core.uploads import CleanFile
from employers.constants import Relation
from employers.identifiers import clean_resident_id
from employers.models import Employer, RelatedUnit
from feeds.certificates import validate_cert
from feeds.models import Certificate
from placements.constants import ContractRelation, DocumentReview
from placements.models import (
    Contract,
    GraduateRecord,
    HandCertificate,
    Placement,
    identity_from_id_number,
)
from placements.registration.rules import (
    HAND_CERT_REFUSED,
    ContractInput,
    RegistryCert,
    age_verdict,
    contract_errors,
    dispatch_unit_error,
    hand_certificate_allowed,
)
from placements.writes import (
    DuplicateSubmission,
    RegistrationError,
    audit,
    bump_version,
    check_year,
    grid_refresh,
    lock_for_write,
    store_file,
    token_used,
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


class DuplicatePersonError(RegistrationError):
    def __init__(self, existing: Placement) -> None:
        super().__init__(
            f"该人员（{existing.name}）已在{existing.year}年度安置名单中，不能重复添加。",
            field="id_number",
            code="duplicate",
        )
        self.existing = existing


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
    by: Actor,
    token: str = "",
) -> Placement:
    """安置登记 step 1: add a person to the unit's ``year``. Refuses an invalid ID number, a person already in the
    year (:class:`DuplicatePersonError`) and one outside working age all year. Computes the grid at once."""
    check_year(employer.pk, year)
    try:
        id_number = clean_resident_id(id_number)
    except ValueError as error:
        raise RegistrationError(str(error), field="id_number", code="id") from None
    existing = Placement.objects.filter(employer=employer, year=year, id_number=id_number).first()
    if existing is not None:
        if token_used(existing.pk, token):
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
    grid_refresh(p)
    audit(p, "create", by, token, person=snapshot(p, ("id_number", *PERSON_FIELDS)))
    return p


@transaction.atomic
def placement_update(
    *,
    placement: Placement,
    data: dict[str, Any],
    by: Actor,
    expected_version: int | None,
    token: str = "",
    finish_step: bool = False,
) -> Placement:
    """Save the basic information; with ``finish_step`` (保存，下一步) also check that step 1 is complete (at least one
    contract; 学历 for a graduate) and move the wizard on to step 2."""
    p = lock_for_write(placement, expected_version, token)
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
    bump_version(p, *fields)
    if before.get("retirement_baseline") != str(p.retirement_baseline or "") or finish_step:
        grid_refresh(p)
    after = snapshot(p, PERSON_FIELDS)
    audit(p, "update", by, token, **{k: v for k, v in _diff(before, after).items()})
    return p


@transaction.atomic
def graduate_add(
    *, placement: Placement, data: dict[str, Any], by: Actor, expected_version: int | None, token: str = ""
) -> GraduateRecord:
    p = lock_for_write(placement, expected_version, token)
    record_ = GraduateRecord.objects.create(placement=p, **{k: data[k] for k in GRADUATE_FIELDS})
    if not p.is_graduate:
        p.is_graduate = True
        bump_version(p, "is_graduate")
    else:
        bump_version(p)
    audit(p, "graduate_add", by, token, graduate=snapshot(record_, GRADUATE_FIELDS))
    return record_


@transaction.atomic
def graduate_delete(*, graduate: GraduateRecord, by: Actor, expected_version: int | None) -> None:
    p = lock_for_write(graduate.placement, expected_version)
    info = snapshot(graduate, GRADUATE_FIELDS)
    graduate.delete()
    bump_version(p)
    audit(p, "graduate_delete", by, graduate=info)


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
    dispatch_unit = data["dispatch_unit"]
    if dispatch_unit is not None and (
        message := dispatch_unit_error(is_dispatch_firm=dispatch_unit.relation == Relation.DISPATCH_FIRM)
    ):
        raise RegistrationError(message, field="dispatch_unit")
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


def _contract_snapshot(c: Contract) -> dict[str, Any]:
    return snapshot(c, (*CONTRACT_FIELDS, "contract_file", "review_state"))


@transaction.atomic
def contract_add(
    *,
    placement: Placement,
    data: dict[str, Any],
    file: CleanFile,
    by: Actor,
    expected_version: int | None,
    token: str = "",
) -> Contract:
    """合同管理 · 添加: the contract with its file (required). A dispatch agreement waits for a reviewer."""
    p = lock_for_write(placement, expected_version, token)
    data = _validate_contract(p.employer, data)
    if file is None:
        raise RegistrationError("请上传劳动合同或劳务派遣协议。", field="contract_file")
    stored = store_file(file, "placement_contract", p.employer, by)
    review = DocumentReview.PENDING if data["is_dispatched"] else DocumentReview.NOT_REQUIRED
    contract = Contract.objects.create(placement=p, contract_file=stored, review_state=review, **data)
    bump_version(p)
    grid_refresh(p)
    audit(p, "contract_add", by, token, contract=contract.pk, values=_contract_snapshot(contract))
    return contract


@transaction.atomic
def contract_update(
    *,
    contract: Contract,
    data: dict[str, Any],
    file: CleanFile | None,
    by: Actor,
    expected_version: int | None,
    token: str = "",
) -> Contract:
    """Edit a contract; a new file replaces the old one (the old file stays stored and in the audit trail)."""
    p = lock_for_write(contract.placement, expected_version, token)
    contract = Contract.objects.select_for_update().get(pk=contract.pk, placement=p)
    data = _validate_contract(p.employer, data, contract)
    before = _contract_snapshot(contract)
    for name, value in data.items():
        setattr(contract, name, value)
    if file is not None:
        contract.contract_file = store_file(file, "placement_contract", p.employer, by)
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
    bump_version(p)
    grid_refresh(p)
    audit(p, "contract_update", by, token, contract=contract.pk, **_diff(before, _contract_snapshot(contract)))
    return contract


@transaction.atomic
def contract_delete(*, contract: Contract, by: Actor, expected_version: int | None) -> None:
    p = lock_for_write(contract.placement, expected_version)
    info = _contract_snapshot(contract)
    pk = contract.pk
    Contract.objects.filter(pk=pk, placement=p).delete()
    bump_version(p)
    grid_refresh(p)
    audit(p, "contract_delete", by, contract=pk, values=info)


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
    by: Actor,
    expected_version: int | None,
    token: str = "",
) -> HandCertificate:
    """残疾证管理 · 添加: a historical certificate with its image, allowed only when the registry has none covering the
    year or the current one is new in it. Counts once a reviewer approves it."""
    p = lock_for_write(placement, expected_version, token)
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
    stored = store_file(image, "placement_certificate", p.employer, by)
    cert = HandCertificate.objects.create(placement=p, image=stored, review_state=DocumentReview.PENDING, **data)
    bump_version(p)
    grid_refresh(p)
    audit(p, "hand_certificate_add", by, token, certificate=cert.pk, values=snapshot(cert, HAND_CERT_FIELDS))
    return cert


@transaction.atomic
def hand_certificate_delete(*, certificate: HandCertificate, by: Actor, expected_version: int | None) -> None:
    """Only a certificate no reviewer has decided yet; the image stays stored and the audit trail keeps it."""
    p = lock_for_write(certificate.placement, expected_version)
    if certificate.review_state != DocumentReview.PENDING:
        raise RegistrationError("已审核的补录残疾证不能删除。")
    info = snapshot(certificate, (*HAND_CERT_FIELDS, "image"))
    HandCertificate.objects.filter(pk=certificate.pk, placement=p).delete()
    bump_version(p)
    grid_refresh(p)
    audit(p, "hand_certificate_delete", by, values=info)
