"""Choices of 缓减免申请. The values come from the pure modules so the two never disagree."""

from django.db import models

from relief import limits, transitions


class ReliefKind(models.TextChoices):
    DEFERRAL = limits.DEFERRAL, "缓缴"
    REDUCTION = limits.REDUCTION, "减免"


class ReliefState(models.TextChoices):
    DRAFT = transitions.DRAFT, "草稿"
    SUBMITTED = transitions.SUBMITTED, "已提交"
    APPROVED = transitions.APPROVED, "审核通过"
    REJECTED = transitions.REJECTED, "审核不通过"
    RETURNED = transitions.RETURNED, "退回补充"


class AttachmentKind(models.TextChoices):
    """Uploads of an application; the value is also ``StoredFile.kind`` (prefixed ``relief_``)."""

    APPLICATION_LETTER = "application_letter", "申请书"
    LOSS_PROOF = "loss_proof", "损失证明材料"
    AUDITED_ACCOUNTS = "audited_accounts", "经审计的财务报表"


ATTACHMENT_FIELDS = tuple(AttachmentKind.values)

# What the 「审核人员」 group needs for the relief admin (dashboard.roles.roles_bootstrap, manage.py bootstrap_roles).
REVIEW_PERMISSIONS = ("relief.view_reliefapplication", "relief.change_reliefapplication")
