"""Choices of the declarations app. Stored values are short English codes; labels are Chinese."""

from django.db import models

from employers import declaration_states as t


class DeclarationStatus(models.TextChoices):
    """年审申报状态 (the values and labels are ``employers.declaration_states``', the transitions
    ``declarations.transitions``')."""

    FILLING = t.FILLING, t.STATUS_LABELS[t.FILLING]
    DECLARED = t.DECLARED, t.STATUS_LABELS[t.DECLARED]
    SENT = t.SENT, t.STATUS_LABELS[t.SENT]
    WITHDRAWING = t.WITHDRAWING, t.STATUS_LABELS[t.WITHDRAWING]


class WithdrawalState(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


class RecordType(models.TextChoices):
    """Record types of the tax export file (one line each)."""

    DECLARATION = "DECLARE", "申报结果"
    WITHDRAWAL = "WITHDRAW", "撤回申报"


WITHDRAWAL_REASON_MAX = 500
DECISION_REASON_MAX = 500

# Standard reasons offered to reviewers (free text may be added).
APPROVE_REASONS = (
    "撤回理由充分，同意撤回，请重新办理安置登记后再次申报。",
    "经核实申报信息有误，同意撤回。",
)
REJECT_REASONS = (
    "撤回理由不充分。",
    "申报期已截止，不予撤回。",
    "申报信息经核实无误，无需撤回。",
)

# StoredFile.kind of the documents.
KIND_CERTIFICATE = "declaration_certificate"
KIND_COMMITMENT = "declaration_commitment"


class TaxResult(models.TextChoices):
    """The tax office's answer to a declaration result it received (its receipt, ``import_tax_receipt``)."""

    ACCEPTED = "accepted", "税务已接收"
    REFUSED = "refused", "税务退回"


# The receipt file's result codes → TaxResult.
RECEIPT_RESULTS = {"ACCEPTED": TaxResult.ACCEPTED, "REFUSED": TaxResult.REFUSED}
RECEIPT_OVERDUE_DAYS = 10
