"""缓减免申请: a unit asks to defer (缓缴) or to reduce / be exempted from (减免) one year's levy (domain.md §11)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from relief.constants import ReliefKind, ReliefState
from relief.querysets import ReliefApplicationQuerySet
from relief.transitions import BLOCKING_STATES


def _file_fk(label: str) -> models.ForeignKey:
    return models.ForeignKey(
        "core.StoredFile", verbose_name=label, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )


class ReliefApplication(models.Model):
    """One application of a unit for one business year. Written only by ``relief.services``."""

    employer = models.ForeignKey(
        "employers.Employer", verbose_name="用人单位", on_delete=models.PROTECT, related_name="relief_applications"
    )
    year = models.PositiveSmallIntegerField("业务年度", help_text="申请缓缴或减免的残保金所属的业务年度（次年缴纳）")
    kind = models.CharField("申请类型", max_length=10, choices=ReliefKind.choices)
    state = models.CharField("状态", max_length=10, choices=ReliefState.choices, default=ReliefState.DRAFT)

    # what is asked
    amount_requested = models.DecimalField(
        "申请减免金额(元)", max_digits=14, decimal_places=2, null=True, blank=True, help_text="仅减免申请"
    )
    months_requested = models.PositiveSmallIntegerField(
        "申请缓缴月数", null=True, blank=True, help_text="仅缓缴申请，最长 6 个月"
    )
    reason = models.TextField("申请理由")
    loss_amount = models.DecimalField("直接经济损失金额(元)", max_digits=14, decimal_places=2)
    loss_description = models.TextField("损失情况说明")

    # the figures of the levy estimate (减免 ≤ one year's levy)
    staff_count = models.DecimalField("上年在职职工年平均人数", max_digits=12, decimal_places=2)
    avg_monthly_wage = models.DecimalField("上年职工月平均工资(元)", max_digits=14, decimal_places=2)
    levy_estimate = models.DecimalField(
        "预计全年应缴残保金(元)", max_digits=14, decimal_places=2, null=True, blank=True, editable=False
    )

    # attachments (through core.uploads)
    application_letter = _file_fk("申请书")
    loss_proof = _file_fk("损失证明材料")
    audited_accounts = _file_fk("经审计的财务报表")

    # the decision
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approving_body = models.CharField("审批机关", max_length=100, blank=True)
    document_number = models.CharField("批准文号", max_length=60, blank=True)
    decision_reason = models.TextField(
        "审核意见", blank=True, help_text="审核通过的申请将连同审批机关、文号和此意见一并公示，请勿填写个人信息"
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ReliefApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "缓减免申请"
        verbose_name_plural = "缓减免申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            # one live application per unit, year and kind (after 审核不通过 a new one may be made)
            models.UniqueConstraint(
                fields=["employer", "year", "kind"],
                condition=Q(state__in=sorted(BLOCKING_STATES)),
                name="uniq_relief_live_per_unit_year_kind",
            ),
            models.CheckConstraint(
                condition=(Q(kind=ReliefKind.REDUCTION) & Q(months_requested__isnull=True))
                | (Q(kind=ReliefKind.DEFERRAL) & Q(amount_requested__isnull=True)),
                name="relief_one_figure_per_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "year"], name="relief_state_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.employer} {self.year}年度残保金{self.get_kind_display()}申请"

    @property
    def attachments(self) -> list[tuple[str, object]]:
        """(label, StoredFile or None) of the three uploads, in form order."""
        return [
            ("申请书", self.application_letter),
            ("损失证明材料", self.loss_proof),
            ("经审计的财务报表", self.audited_accounts),
        ]

    @property
    def requested_text(self) -> str:
        if self.kind == ReliefKind.REDUCTION and self.amount_requested is not None:
            return f"减免 {self.amount_requested:,.2f} 元"
        if self.kind == ReliefKind.DEFERRAL and self.months_requested is not None:
            return f"缓缴 {self.months_requested} 个月"
        return ""
