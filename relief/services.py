"""Writes and transitions of 缓减免申请: one service per transition, atomic, row locked, audited (domain.md §11).

Employer side: ``relief_create_draft``, ``relief_update_draft``, ``relief_delete_draft``, ``relief_submit``.
Reviewer side (admin): ``relief_approve``, ``relief_reject``, ``relief_return``; each sends the unit a notice.
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.actors import Actor
from core.audit import diff, record, snapshot
from core.errors import DomainError
from core.uploads import CleanFile, store_upload
from employers.access import reviewer_region_prefix
from levy.calculator import LevyInputError
from notices.constants import NoticeKind
from notices.services import notice_send_to_unit
from relief import limits, transitions
from relief.constants import ATTACHMENT_FIELDS, AttachmentKind, ReliefKind
from relief.models import ReliefApplication
from relief.selectors import levy_estimate
from relief.transitions import Action

DATA_FIELDS = (
    "year",
    "kind",
    "amount_requested",
    "months_requested",
    "reason",
    "loss_amount",
    "loss_description",
    "staff_count",
    "avg_monthly_wage",
)
AUDITED_FIELDS = (
    *DATA_FIELDS,
    "levy_estimate",
    *ATTACHMENT_FIELDS,
    "state",
    "approving_body",
    "document_number",
    "decision_reason",
)
_LEVY_FIELD_TO_FORM = {"staff_count": "staff_count", "avg_monthly_wage": "avg_monthly_wage"}


class ReliefError(DomainError):
    """A rule of 缓减免申请 is broken. ``errors`` maps form fields to Chinese messages (None = the whole form)."""

    def __init__(self, message: str, errors: dict[str | None, str] | None = None):
        super().__init__(message)
        self.errors = errors or {None: message}


@dataclass(frozen=True)
class ApplicationData:
    """What the employer fills in (the shape is checked by the form)."""

    year: int
    kind: str
    amount_requested: Decimal | None
    months_requested: int | None
    reason: str
    loss_amount: Decimal
    loss_description: str
    staff_count: Decimal
    avg_monthly_wage: Decimal

    def normalised(self) -> "ApplicationData":
        """Only the figure of the chosen kind is kept (减免: amount; 缓缴: months)."""
        if self.kind == ReliefKind.REDUCTION:
            return replace(self, months_requested=None)
        if self.kind == ReliefKind.DEFERRAL:
            return replace(self, amount_requested=None)
        return self


def _estimate_and_check(*, employer, data: ApplicationData) -> Decimal:
    """The levy estimate for the application's figures; raises ReliefError when a limit is broken."""
    try:
        estimate = levy_estimate(
            employer=employer, year=data.year, staff_count=data.staff_count, avg_monthly_wage=data.avg_monthly_wage
        ).payable
    except LevyInputError as exc:
        errors = {_LEVY_FIELD_TO_FORM.get(k): v for k, v in exc.errors.items()}
        raise ReliefError("无法计算预计应缴残保金，请检查填写的数据。", errors) from None
    errors = limits.check_request(
        kind=data.kind,
        amount=data.amount_requested,
        months=data.months_requested,
        loss_amount=data.loss_amount,
        levy_estimate=estimate,
    )
    if errors:
        raise ReliefError("申请超出规定的范围，请修改后再保存。", dict(errors))
    return estimate


def _store_files(*, application: ReliefApplication, files: dict[str, CleanFile | None], by: Actor) -> None:
    for name in ATTACHMENT_FIELDS:
        upload = files.get(name)
        if upload is not None:
            stored = store_upload(uploaded_file=upload, kind=f"relief_{name}", employer=application.employer, by=by)
            setattr(application, name, stored)


def _save_unique(application: ReliefApplication) -> None:
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ReliefError(
            "本单位该年度已有同类申请（草稿、审核中或已通过），请在原申请上修改。",
            {"year": "本单位该年度已有同类申请"},
        ) from None


def _locked(application: ReliefApplication) -> ReliefApplication:
    return ReliefApplication.objects.select_for_update().select_related("employer").get(pk=application.pk)


@transaction.atomic
def relief_create_draft(
    *, employer, data: ApplicationData, files: dict[str, CleanFile | None] | None = None, by: Actor
) -> ReliefApplication:
    data = data.normalised()
    estimate = _estimate_and_check(employer=employer, data=data)
    application = ReliefApplication(
        employer=employer,
        levy_estimate=estimate,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **{name: getattr(data, name) for name in DATA_FIELDS},
    )
    _save_unique(application)
    _store_files(application=application, files=files or {}, by=by)
    application.save(update_fields=[*ATTACHMENT_FIELDS, "updated_at"])
    record(actor=by, action="relief.create", obj=application, changes=diff({}, snapshot(application, AUDITED_FIELDS)))
    return application


@transaction.atomic
def relief_update_draft(
    *,
    application: ReliefApplication,
    data: ApplicationData,
    files: dict[str, CleanFile | None] | None = None,
    by: Actor,
) -> ReliefApplication:
    """Change a draft or an application returned for completion. Replaced files stay stored (audit trail)."""
    application = _locked(application)
    if not transitions.can_edit(application.state):
        raise ReliefError(f"申请当前状态为「{application.get_state_display()}」，不能修改。")
    before = snapshot(application, AUDITED_FIELDS)
    data = data.normalised()
    application.levy_estimate = _estimate_and_check(employer=application.employer, data=data)
    for name in DATA_FIELDS:
        setattr(application, name, getattr(data, name))
    _store_files(application=application, files=files or {}, by=by)
    _save_unique(application)
    after = snapshot(application, AUDITED_FIELDS)
    record(actor=by, action="relief.update", obj=application, changes=diff(before, after))
    return application


@transaction.atomic
def relief_delete_draft(*, application: ReliefApplication, by: Actor) -> None:
    """Delete a draft (never submitted). Its uploads stay stored and audited."""
    application = _locked(application)
    if not transitions.can_delete(application.state):
        raise ReliefError("只有草稿可以删除；已提交的申请会保留全部记录。")
    record(actor=by, action="relief.delete_draft", obj=application, changes=snapshot(application, AUDITED_FIELDS))
    application.delete()


@transaction.atomic
def relief_submit(*, application: ReliefApplication, by: Actor) -> ReliefApplication:
    """草稿 / 退回补充 → 已提交: all attachments present, the limits checked again with today's data."""
    application = _locked(application)
    try:
        new_state = transitions.next_state(application.state, Action.SUBMIT)
    except transitions.TransitionError as exc:
        raise ReliefError(str(exc)) from None
    missing = {
        name: f"请上传{AttachmentKind(name).label}"
        for name in ATTACHMENT_FIELDS
        if getattr(application, f"{name}_id") is None
    }
    if missing:
        labels = "、".join(AttachmentKind(name).label for name in missing)
        raise ReliefError(f"请先上传：{labels}。", missing)
    data = ApplicationData(**{name: getattr(application, name) for name in DATA_FIELDS})
    before = snapshot(application, AUDITED_FIELDS)
    application.levy_estimate = _estimate_and_check(employer=application.employer, data=data)
    application.state = new_state
    application.submitted_at = timezone.now()
    application.save()
    after = snapshot(application, AUDITED_FIELDS)
    record(actor=by, action="relief.submit", obj=application, changes=diff(before, after))
    return application


# ---------------------------------------------------------------------------------------------------------------
# reviewer decisions


def _check_reviewer_scope(application: ReliefApplication, by: Actor) -> None:
    prefix = reviewer_region_prefix(by)
    if prefix is None or not application.employer.federation_region_id.startswith(prefix):
        raise ReliefError("该单位不在您的审核辖区内。")


def _decide(
    *,
    application: ReliefApplication,
    action: Action,
    reason: str,
    by: Actor,
    approving_body: str = "",
    document_number: str = "",
) -> ReliefApplication:
    application = _locked(application)
    _check_reviewer_scope(application, by)
    try:
        new_state = transitions.next_state(application.state, action)
    except transitions.TransitionError as exc:
        raise ReliefError(str(exc)) from None
    reason = (reason or "").strip()
    errors: dict[str | None, str] = {}
    if not reason:
        errors["reason"] = "请填写审核意见"
    if action == Action.APPROVE:
        if not approving_body.strip():
            errors["approving_body"] = "审核通过须填写审批机关"
        if not document_number.strip():
            errors["document_number"] = "审核通过须填写批准文号"
    if errors:
        raise ReliefError("请补全审核信息。", errors)
    before = snapshot(application, AUDITED_FIELDS)
    application.state = new_state
    application.decided_at = timezone.now()
    application.decided_by = by
    application.decision_reason = reason
    if action == Action.APPROVE:
        application.approving_body = approving_body.strip()
        application.document_number = document_number.strip()
    application.save()
    record(
        actor=by,
        action=f"relief.{action.value}",
        obj=application,
        reason=reason,
        changes=diff(before, snapshot(application, AUDITED_FIELDS)),
    )
    _notify(application, action, by)
    return application


def _notify(application: ReliefApplication, action: Action, by: Actor) -> None:
    what = f"{application.year} 年度残保金{application.get_kind_display()}申请（{application.requested_text}）"
    if action == Action.APPROVE:
        title = "缓减免申请审核通过通知"
        body = (
            f"贵单位提交的{what}已审核通过。\n"
            f"审批机关：{application.approving_body}\n批准文号：{application.document_number}\n"
            f"审核意见：{application.decision_reason}"
        )
    elif action == Action.REJECT:
        title = "缓减免申请审核不通过通知"
        body = f"贵单位提交的{what}审核不通过。\n审核意见：{application.decision_reason}"
    else:
        title = "缓减免申请退回补充通知"
        body = (
            f"贵单位提交的{what}已退回补充。\n审核意见：{application.decision_reason}\n"
            "请在「缓减免申请」中补充材料或修改后重新提交。"
        )
    notice_send_to_unit(employer=application.employer, title=title, body=body, kind=NoticeKind.RELIEF, by=by)


@transaction.atomic
def relief_approve(
    *, application: ReliefApplication, approving_body: str, document_number: str, reason: str, by: Actor
) -> ReliefApplication:
    """已提交 → 审核通过, with the approving body and document number (published with the reason)."""
    return _decide(
        application=application,
        action=Action.APPROVE,
        reason=reason,
        by=by,
        approving_body=approving_body,
        document_number=document_number,
    )


@transaction.atomic
def relief_reject(*, application: ReliefApplication, reason: str, by: Actor) -> ReliefApplication:
    """已提交 → 审核不通过 (final; the unit may file a new application)."""
    return _decide(application=application, action=Action.REJECT, reason=reason, by=by)


@transaction.atomic
def relief_return(*, application: ReliefApplication, reason: str, by: Actor) -> ReliefApplication:
    """已提交 → 退回补充: the unit completes it and submits again."""
    return _decide(application=application, action=Action.RETURN, reason=reason, by=by)
