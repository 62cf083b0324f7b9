"""Choices of the placements app (domain.md §4–§5). Stored values are short English codes; labels are Chinese."""

from django.db import models


class RetirementBaseline(models.TextChoices):
    """The original retirement age of a woman (§5.5). Men have none (blank)."""

    WORKER_50 = "worker50", "女职工（原50周岁）"
    CADRE_55 = "cadre55", "女干部（原55周岁）"


class Education(models.TextChoices):
    POSTGRADUATE = "研究生", "研究生"
    BACHELOR = "大学本科", "大学本科"
    COLLEGE = "大学专科", "大学专科"
    VOCATIONAL = "中专/中技", "中专/中技"
    HIGH_SCHOOL = "高中", "高中"
    JUNIOR = "初中", "初中"
    PRIMARY = "小学", "小学"
    NONE = "文盲或半文盲", "文盲或半文盲"


class Degree(models.TextChoices):
    JUNIOR_COLLEGE = "junior_college", "专科"
    BACHELOR = "bachelor", "本科"
    MASTER = "master", "硕士研究生"
    DOCTOR = "doctor", "博士研究生"


class ContractRelation(models.TextChoices):
    """关联单位关系 of a contract: with this unit itself or through a related unit."""

    SELF = "self", "本单位"
    PARENT_SUBSIDIARY = "parent_subsidiary", "上下级"
    OTHER = "other", "其他关联单位"


class ContractType(models.TextChoices):
    FIXED_TERM = "fixed_term", "固定期限"
    OPEN_ENDED = "open_ended", "无固定期限"
    TASK = "task", "以完成一定工作任务为期限"
    DISPATCH = "dispatch", "劳务派遣协议"


class DocumentReview(models.TextChoices):
    """Review of a document that a reviewer must see (dispatch agreement, hand-added certificate)."""

    NOT_REQUIRED = "not_required", "无需审核"
    PENDING = "pending", "待审核"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "审核不通过"


class MonthReview(models.TextChoices):
    """Review state of one placement month (§5.2–§5.4). Only meaningful while the month is selected.

    - ``none``: not selected (not registered).
    - ``auto``: selected and verified by the system (all six checks pass): counts as confirmed.
    - ``pending``: selected although a check fails; waits for evidence (see ``evidence_missing``) and a reviewer.
    - ``confirmed``: a reviewer approved it.  ``rejected``: a reviewer rejected it.
    """

    NONE = "none", "未登记"
    AUTO = "auto", "系统核验通过"
    PENDING = "pending", "待审核"
    CONFIRMED = "confirmed", "审核通过"
    REJECTED = "rejected", "审核不通过"


class PlacementStatus(models.TextChoices):
    """审核状态 of a placement (§5.4), derived from its months, never stored."""

    INCOMPLETE = "incomplete", "资料待完善"
    PENDING = "pending", "待审核"
    APPROVED_SYSTEM = "approved_system", "审核通过（系统）"
    APPROVED_MANUAL = "approved_manual", "审核通过（人工）"
    PARTIALLY_REJECTED = "partially_rejected", "部分审核不通过"
    REJECTED = "rejected", "审核不通过"

    @property
    def list_label(self) -> str:
        """The label of the list's 审核状态 column: both approvals read 已审核确认."""
        if self in (PlacementStatus.APPROVED_SYSTEM, PlacementStatus.APPROVED_MANUAL):
            return "已审核确认"
        return self.label
