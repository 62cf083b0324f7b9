"""The annual declaration (年审申报, domain.md §7): one Declaration per unit and year with its state; one Submission
per 完成申报 holding the frozen snapshot the documents are made from; withdrawals; the tax office queue and batches.

Rows are written by ``declarations.services`` only (state fields are read-only in admin).
"""

import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from declarations.constants import DeclarationStatus, RecordType, TaxResult, WithdrawalState
from employers.declaration_states import State
from employers.models import Employer

# Crockford's base32 (no I, L, O, U): easy to read aloud and to type from paper.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 100 bits


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """Upper-case, without spaces or dashes; Crockford's look-alikes read as digits (O→0, I/L→1)."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def format_code(code: str) -> str:
    """``ABCD-EFGH-…`` groups of four, as printed on the certificate."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def actual_employed(approved_months: int) -> Decimal:
    """实际安排人数 = 安置核定月数 / 12, not rounded (domain.md §5.3)."""
    return Decimal(approved_months) / Decimal(12)


def actual_employed_2dp(approved_months: int) -> Decimal:
    """实际安排人数 as printed and exported: two decimals, ROUND_HALF_UP, done once at the end."""
    return actual_employed(approved_months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Declaration(models.Model):
    """年审申报 of one unit for one business year. ``status`` follows ``declarations.transitions``."""

    # No separate index on employer (the unique (employer, year) index serves it) and none on status or current:
    # the tax export updates the status of up to 100,000 rows at once, and every index makes that slower.
    employer = models.ForeignKey(
        "employers.Employer",
        verbose_name="用人单位",
        on_delete=models.PROTECT,
        related_name="declarations",
        db_index=False,
    )
    year = models.PositiveSmallIntegerField("业务年度")
    status = models.CharField(
        "申报状态", max_length=12, choices=DeclarationStatus.choices, default=DeclarationStatus.FILLING
    )
    previous_status = models.CharField(
        "撤回前状态", max_length=12, choices=DeclarationStatus.choices, blank=True, help_text="仅撤回申请中时有值"
    )
    current = models.ForeignKey(
        "Submission",
        verbose_name="当前申报记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    sent_to_tax_at = models.DateTimeField("发送税务时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=0, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "年审申报"
        verbose_name_plural = "年审申报"
        ordering = ["-year", "employer"]
        constraints = [models.UniqueConstraint(fields=["employer", "year"], name="uniq_declaration_unit_year")]

    def __str__(self) -> str:
        return f"{self.year}年度年审申报（{self.get_status_display()}）"

    @property
    def state(self) -> State:
        return State(self.status, self.previous_status)

    @property
    def locked(self) -> bool:
        return self.state.locked


class Submission(models.Model):
    """One 完成申报: the snapshot (unit, persons, months, totals) every document and export row is made from.

    Later changes to the unit or its placements never alter it. A withdrawal voids it (``voided_at``); it is never
    deleted, and its documents stay stored.
    """

    declaration = models.ForeignKey(
        Declaration, verbose_name="年审申报", on_delete=models.PROTECT, related_name="submissions"
    )
    number = models.PositiveSmallIntegerField("第几次申报")
    form_token = models.CharField("表单令牌", max_length=64, blank=True, editable=False)
    declared_at = models.DateTimeField("完成申报时间")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    declared_by_label = models.CharField("申报人（记录时）", max_length=150, blank=True)
    # The unit as it was when declaring.
    unit_name = models.CharField("单位名称", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18)
    issuer = models.CharField("发证残联", max_length=200)
    federation_region_code = models.CharField("残联主管部门", max_length=6)
    tax_authority = models.CharField("税务主管部门", max_length=6)
    # Totals (domain.md §5.3).
    persons = models.PositiveIntegerField("申报人数")
    registered_months = models.PositiveIntegerField("安置登记(月)")
    confirmed_months = models.PositiveIntegerField("安置确认(月)")
    approved_months = models.PositiveIntegerField("安置核定(月)")
    # The 审核认定书.
    certificate_no = models.CharField("认定书编号", max_length=24, unique=True)
    verification_code = models.CharField("验证码", max_length=CODE_LENGTH, unique=True, default=new_verification_code)
    certificate_file = models.ForeignKey(
        "core.StoredFile", verbose_name="审核认定书", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    certificate_issued_at = models.DateTimeField("认定书生成时间", null=True, blank=True)
    commitment_file = models.ForeignKey(
        "core.StoredFile", verbose_name="承诺书", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField("撤销时间", null=True, blank=True)
    void_reason = models.TextField("撤销原因", blank=True)
    # The tax office's receipt of this result (``declarations.receipts``): blank until it answers.
    tax_result = models.CharField("税务回执", max_length=8, choices=TaxResult.choices, blank=True)
    tax_result_reason = models.TextField("税务退回原因", blank=True)
    tax_result_at = models.DateTimeField("税务回执时间", null=True, blank=True)

    class Meta:
        verbose_name = "申报记录"
        verbose_name_plural = "申报记录"
        ordering = ["declaration", "number"]
        constraints = [models.UniqueConstraint(fields=["declaration", "number"], name="uniq_submission_number")]

    def __str__(self) -> str:
        return f"{self.unit_name} 第{self.number}次申报（{self.certificate_no}）"

    @property
    def actual_employed(self) -> Decimal:
        return actual_employed(self.approved_months)

    @property
    def actual_employed_2dp(self) -> Decimal:
        return actual_employed_2dp(self.approved_months)

    @property
    def valid(self) -> bool:
        return self.voided_at is None

    @property
    def verification_code_display(self) -> str:
        return format_code(self.verification_code)


class SubmissionPerson(models.Model):
    """A person declared in a submission, as the placement stood at 完成申报."""

    submission = models.ForeignKey(Submission, verbose_name="申报记录", on_delete=models.CASCADE, related_name="people")
    position = models.PositiveIntegerField("序号")
    placement = models.ForeignKey(
        "placements.Placement",
        verbose_name="安置记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18)
    cert_no = models.CharField("残疾证号", max_length=40, blank=True)
    registered_months = models.PositiveSmallIntegerField("安置登记(月)")
    confirmed_months = models.PositiveSmallIntegerField("安置确认(月)")
    approved_months = models.PositiveSmallIntegerField("安置核定(月)")
    months = models.CharField("确认月份", max_length=60, blank=True, help_text="如 1-8,10")
    weight = models.CharField("计算倍数", max_length=8, blank=True)

    class Meta:
        verbose_name = "申报人员"
        verbose_name_plural = "申报人员"
        ordering = ["submission", "position"]

    def __str__(self) -> str:
        return self.name


class Withdrawal(models.Model):
    """年审申报撤回: the employer's request and the reviewer's decision."""

    declaration = models.ForeignKey(
        Declaration, verbose_name="年审申报", on_delete=models.PROTECT, related_name="withdrawals"
    )
    submission = models.ForeignKey(
        Submission, verbose_name="撤回的申报", on_delete=models.PROTECT, related_name="withdrawals"
    )
    reason = models.TextField("撤回理由", max_length=500)
    from_status = models.CharField("申请时状态", max_length=12, choices=DeclarationStatus.choices)
    requested_at = models.DateTimeField("申请时间")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        "审核状态", max_length=10, choices=WithdrawalState.choices, default=WithdrawalState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_reason = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = "年审申报撤回"
        verbose_name_plural = "年审申报撤回"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration"], condition=Q(state="pending"), name="uniq_pending_withdrawal"
            )
        ]

    def __str__(self) -> str:
        return f"撤回申请 #{self.pk}（{self.get_state_display()}）"


class CertificateCounter(models.Model):
    """The last certificate sequence number issued per province and year (``{province}{year}{sequence}``)."""

    province_code = models.CharField("省级代码", max_length=2)
    year = models.PositiveSmallIntegerField("业务年度")
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "认定书编号计数"
        verbose_name_plural = "认定书编号计数"
        constraints = [models.UniqueConstraint(fields=["province_code", "year"], name="uniq_certcounter")]

    def __str__(self) -> str:
        return f"{self.province_code}{self.year}: {self.last}"


class ExportBatch(models.Model):
    """One export file for one 税务主管部门.

    Its rows are the TaxRecords of the authority with ``first_id <= id <= last_id`` and not cancelled, in id order:
    a batch is an id range, so exporting writes no row of the queue (see ``declarations.exports`` for the lock that
    makes the range complete). Exported records never change, so a re-export is byte-identical.
    """

    authority = models.CharField("税务主管部门", max_length=6)
    number = models.PositiveIntegerField("批次号")
    first_id = models.BigIntegerField("起始记录号")
    last_id = models.BigIntegerField("截止记录号")
    created_at = models.DateTimeField("导出时间", auto_now_add=True)
    created_by = models.CharField("导出人", max_length=150, blank=True)
    row_count = models.PositiveIntegerField("记录数", default=0)
    sha256 = models.CharField("记录校验值(SHA-256)", max_length=64, blank=True)
    file_name = models.CharField("文件名", max_length=200, blank=True)
    # The tax office's receipts (``declarations.receipts``): how many rows it has answered, and when the last one.
    acknowledged_rows = models.PositiveIntegerField("已回执记录数", default=0)
    acknowledged_at = models.DateTimeField("全部回执时间", null=True, blank=True)

    class Meta:
        verbose_name = "税务导出批次"
        verbose_name_plural = "税务导出批次"
        ordering = ["authority", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "number"], name="uniq_exportbatch"),
            models.CheckConstraint(condition=Q(last_id__gte=models.F("first_id")), name="exportbatch_range"),
        ]

    def __str__(self) -> str:
        return f"{self.authority} 第{self.number}批"

    def records(self) -> "models.QuerySet[TaxRecord]":
        return TaxRecord.objects.filter(
            authority=self.authority, id__gte=self.first_id, id__lte=self.last_id, cancelled=False
        ).order_by("id")


class TaxRecord(models.Model):
    """A line for the tax office, queued when a declaration is made (or a sent one withdrawn), its values frozen
    then. It belongs to the authority's first batch whose id range covers it; until then it is queued and may be
    cancelled (a declaration withdrawn before it was sent). Never changed once exported."""

    authority = models.CharField("税务主管部门", max_length=6)
    record_type = models.CharField("记录类型", max_length=8, choices=RecordType.choices)
    declaration = models.ForeignKey(
        Declaration, verbose_name="年审申报", on_delete=models.PROTECT, related_name="tax_records"
    )
    # Looked up through the declaration (indexed); not indexed itself.
    submission = models.ForeignKey(
        Submission, verbose_name="申报记录", on_delete=models.PROTECT, related_name="tax_records", db_index=False
    )
    uscc = models.CharField("统一社会信用代码", max_length=18)
    unit_name = models.CharField("单位名称", max_length=200)
    year = models.PositiveSmallIntegerField("业务年度")
    approved_months = models.PositiveIntegerField("安置核定月数")
    actual_employed = models.DecimalField("实际安排人数", max_digits=12, decimal_places=2)
    declared_at = models.DateTimeField("申报时间")
    certificate_no = models.CharField("认定书编号", max_length=24)
    event_at = models.DateTimeField("事件时间", help_text="申报结果：完成申报时间；撤回：批准撤回时间")
    queued_at = models.DateTimeField("入队时间", auto_now_add=True)
    cancelled = models.BooleanField("已取消（未发送即撤回）", default=False)

    class Meta:
        verbose_name = "税务推送记录"
        verbose_name_plural = "税务推送记录"
        ordering = ["id"]
        indexes = [models.Index(fields=["authority", "id"], name="taxrecord_authority_idx")]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()} {self.uscc} {self.year}"


class TaxReceipt(models.Model):
    """One imported receipt file of the tax office for one export batch (format: docs/tax-files.md)."""

    batch = models.ForeignKey(ExportBatch, verbose_name="导出批次", on_delete=models.PROTECT, related_name="receipts")
    file_sha256 = models.CharField("回执文件校验值(SHA-256)", max_length=64, unique=True)
    file_name = models.CharField("回执文件名", max_length=200, blank=True)
    received_at = models.DateTimeField("税务接收时间")
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    imported_by = models.CharField("导入人", max_length=150, blank=True)
    rows = models.PositiveIntegerField("回执记录数")
    accepted = models.PositiveIntegerField("已接收")
    refused = models.PositiveIntegerField("退回")
    unchanged = models.PositiveIntegerField("此前已回执", default=0)

    class Meta:
        verbose_name = "税务回执"
        verbose_name_plural = "税务回执"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.batch} 回执（{self.rows} 条）"


class TaxReceiptLine(models.Model):
    """The tax office's answer to one exported record: one per record, never changed."""

    receipt = models.ForeignKey(TaxReceipt, verbose_name="税务回执", on_delete=models.PROTECT, related_name="lines")
    record = models.OneToOneField(TaxRecord, verbose_name="推送记录", on_delete=models.PROTECT, related_name="receipt")
    line = models.PositiveIntegerField("行号")
    result = models.CharField("处理结果", max_length=8, choices=TaxResult.choices)
    reason = models.TextField("退回原因", blank=True)

    class Meta:
        verbose_name = "税务回执明细"
        verbose_name_plural = "税务回执明细"
        ordering = ["receipt", "line"]

    def __str__(self) -> str:
        return f"{self.get_result_display()} {self.record_id}"


class UnfiledUnit(Employer):
    """The units of a reviewer's region as the 「未申报单位」 admin list sees them (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "未申报单位"
        verbose_name_plural = "未申报单位"


class FilingReminder(models.Model):
    """A 申报提醒 sent to a unit that has not declared a year: at most one per unit and day (the unique constraint
    is the last guard; ``declarations.reminders`` checks first)."""

    employer = models.ForeignKey(Employer, verbose_name="用人单位", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("业务年度")
    sent_on = models.DateField("提醒日期")
    sent_at = models.DateTimeField("提醒时间")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提醒人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notice = models.ForeignKey(
        "notices.Notice", verbose_name="通知", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "申报提醒"
        verbose_name_plural = "申报提醒"
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["employer", "sent_on"], name="uniq_filing_reminder_day")]

    def __str__(self) -> str:
        return f"{self.year}年度申报提醒 {self.sent_on}"


class UnitYearFigures(models.Model):
    """统计分析's summary: one unit's figures of one business year (安置登记人数, 安置确认人数, 安置确认 and 安置核定
    months), computed by ``declarations.statistics_summary`` through the counting querysets (the one definition), with
    the fingerprint of the unit's placements it was computed at (count, Σ version, max id, last change — the same
    fingerprint the unit's list header caches its totals by). A refresh recomputes only the units whose fingerprint
    changed; the statistics of a province read these rows instead of its millions of months. A unit without
    placements has a row when it stated its staff figures (its levy estimate)."""

    employer = models.ForeignKey(
        Employer, verbose_name="用人单位", on_delete=models.CASCADE, related_name="year_figures"
    )
    year = models.PositiveSmallIntegerField("业务年度")
    placements = models.PositiveIntegerField("安置登记人数")
    version_sum = models.BigIntegerField("版本号合计")
    top_id = models.BigIntegerField("最大登记ID")
    last_change = models.DateTimeField("最近修改", null=True)
    persons_counted = models.PositiveIntegerField("安置确认人数")
    confirmed = models.PositiveIntegerField("安置确认(人月)")
    approved = models.PositiveIntegerField("安置核定(人月)")
    # The calculator's person-months (placements.counting's measures ``severe`` and ``other``), its input.
    severe = models.PositiveIntegerField("一二级安置确认(人月)", default=0)
    other = models.PositiveIntegerField("三四级安置确认(人月)", default=0)
    # The levy estimate, computed by the levy app's calculator (levy.statistics, registered at app ready; ADR 0019)
    # from the 在职职工人数 / 月平均工资 the unit stated for the year. All three None: 无法估算 (no figures stated).
    staff_count = models.DecimalField("在职职工人数", max_digits=12, decimal_places=2, null=True)
    ratio_percent = models.DecimalField("规定比例(%)", max_digits=5, decimal_places=2, null=True)
    levy_cents = models.BigIntegerField("应缴保障金估算(分)", null=True)  # cents: sums are exact in every database
    levy_key = models.CharField("估算依据", max_length=200, blank=True, default="")  # the inputs it was computed from
    refreshed_at = models.DateTimeField("统计时间")

    class Meta:
        verbose_name = "单位年度统计"
        verbose_name_plural = "单位年度统计"
        constraints = [models.UniqueConstraint(fields=["employer", "year"], name="uniq_unit_year_figures")]
        indexes = [models.Index(fields=["year", "employer"], name="unit_year_figures_year_idx")]

    def __str__(self) -> str:
        return f"{self.employer_id} {self.year}"
