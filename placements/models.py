"""Placements (安置登记): one person at one employer in one business year, their contracts and certificates,
and the month grid (PlacementMonth) that every total is computed from (domain.md §4–§5, docs/adr/0001)."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from core import idnumbers
from core.months import month_label
from placements.constants import ContractRelation, ContractType, Degree, DocumentReview, MonthReview, RetirementBaseline
from placements.querysets import PlacementMonthQuerySet, PlacementQuerySet


def identity_from_id_number(id_number: str) -> tuple[date | None, str]:
    """(birth date, gender) encoded in an 18-character resident ID (GB 11643); (None, "") when unreadable."""
    return idnumbers.decode(id_number)


class Placement(models.Model):
    """安置登记: one person (by ID number) at one employer in one business year."""

    employer = models.ForeignKey(
        "employers.Employer", verbose_name="用人单位", on_delete=models.CASCADE, related_name="placements"
    )
    year = models.PositiveSmallIntegerField("业务年度")
    id_number = models.CharField("身份证号", max_length=18)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, blank=True, editable=False)
    birth_date = models.DateField("出生日期", null=True, blank=True, editable=False)
    household_region = models.ForeignKey(
        "core.Region", verbose_name="户籍地", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household_address = models.CharField("户籍地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    education = models.CharField("文化程度", max_length=20, blank=True)
    guardian_name = models.CharField("监护人姓名", max_length=50, blank=True)
    guardian_phone = models.CharField("监护人电话", max_length=20, blank=True)
    is_graduate = models.BooleanField("是否高校毕业生", default=False)
    retirement_baseline = models.CharField(
        "退休年龄基准", max_length=10, choices=RetirementBaseline.choices, blank=True, help_text="仅女性填写"
    )
    wizard_step = models.PositiveSmallIntegerField("已填写到第几步", default=1)
    wizard_completed = models.BooleanField("已完成登记", default=False)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    frozen = models.BooleanField(
        "已完成申报（冻结）", default=False, help_text="由年审申报设置：冻结后不再重算、不可修改"
    )
    previous = models.ForeignKey(
        "self",
        verbose_name="上一年登记",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=0, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = "安置登记"
        verbose_name_plural = "安置登记"
        constraints = [
            models.UniqueConstraint(fields=["employer", "year", "id_number"], name="uniq_placement_unit_year_person")
        ]
        indexes = [
            models.Index(fields=["id_number", "year"], name="placement_person_year_idx"),
            # The reviewers' queue: oldest submission first among finished, not yet declared registrations.
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(wizard_completed=True, frozen=False),
                name="placement_review_queue_idx",
            ),
        ]
        ordering = ["employer", "year", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.year}年度）"

    def save(self, *args, **kwargs):
        self.id_number = (self.id_number or "").strip().upper()
        self.birth_date, self.gender = identity_from_id_number(self.id_number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "birth_date", "gender"}
        super().save(*args, **kwargs)


class GraduateRecord(models.Model):
    """学历 record of a graduate (是否高校毕业生 = 是)."""

    placement = models.ForeignKey(
        Placement, verbose_name="安置人员", on_delete=models.CASCADE, related_name="graduate_records"
    )
    school = models.CharField("毕业院校", max_length=100)
    degree = models.CharField("学历", max_length=20, choices=Degree.choices)
    graduation_date = models.DateField("毕业时间")

    class Meta:
        verbose_name = "学历信息"
        verbose_name_plural = "学历信息"
        ordering = ["graduation_date"]

    def __str__(self) -> str:
        return f"{self.school} {self.get_degree_display()}"


class Contract(models.Model):
    """合同: a labour contract or dispatch agreement of a placed person (§4 合同管理).

    Each paying unit (社保参保单位 / 医保参保单位 / 工资发放单位) is this employer when the foreign key is null,
    otherwise one of its related units; the engine looks the fact up under that unit's USCC.
    """

    placement = models.ForeignKey(
        Placement, verbose_name="安置人员", on_delete=models.CASCADE, related_name="contracts"
    )
    is_dispatched = models.BooleanField("是否劳务派遣", default=False)
    relation = models.CharField(
        "关联单位关系", max_length=20, choices=ContractRelation.choices, default=ContractRelation.SELF
    )
    contract_type = models.CharField("合同类型", max_length=12, choices=ContractType.choices)
    start = models.DateField("合同开始日期")
    end = models.DateField("合同结束日期", null=True, blank=True)
    job = models.CharField("岗位工种", max_length=50)
    monthly_salary = models.DecimalField("合同月薪", max_digits=10, decimal_places=2)
    dispatch_unit = models.ForeignKey(
        "employers.RelatedUnit",
        verbose_name="劳务派遣单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatch_contracts",
    )
    pension_unit = models.ForeignKey(
        "employers.RelatedUnit",
        verbose_name="社保参保单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pension_contracts",
        help_text="空 = 本单位",
    )
    medical_unit = models.ForeignKey(
        "employers.RelatedUnit",
        verbose_name="医保参保单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="medical_contracts",
        help_text="空 = 本单位",
    )
    wage_unit = models.ForeignKey(
        "employers.RelatedUnit",
        verbose_name="工资发放单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wage_contracts",
        help_text="空 = 本单位",
    )
    contract_file = models.ForeignKey(
        "core.StoredFile", verbose_name="合同附件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_state = models.CharField(
        "协议审核状态", max_length=12, choices=DocumentReview.choices, default=DocumentReview.NOT_REQUIRED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_reason = models.TextField("审核意见", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "合同"
        verbose_name_plural = "合同"
        ordering = ["placement", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="contract_end_after_start"
            )
        ]
        indexes = [  # the review queue probes every placement it passes for a dispatch agreement awaiting review
            models.Index(
                fields=["placement"],
                condition=Q(is_dispatched=True, review_state="pending"),
                name="contract_dispatch_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_contract_type_display()} {self.start}…{self.end or ''}"


class HandCertificate(models.Model):
    """A historical certificate added by hand (§4 残疾证管理). Counts only once a reviewer approves it."""

    placement = models.ForeignKey(
        Placement, verbose_name="安置人员", on_delete=models.CASCADE, related_name="hand_certificates"
    )
    cert_no = models.CharField("残疾证号", max_length=40)
    cert_type = models.CharField(
        "证件类型", max_length=8, choices=[("残疾人证", "残疾人证"), ("残疾军人证", "残疾军人证")]
    )
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期止")
    grade = models.PositiveSmallIntegerField("残疾等级")
    category = models.PositiveSmallIntegerField("残疾类别", null=True, blank=True)
    image = models.ForeignKey(
        "core.StoredFile", verbose_name="证件图片", null=True, on_delete=models.PROTECT, related_name="+"
    )
    review_state = models.CharField(
        "审核状态", max_length=12, choices=DocumentReview.choices, default=DocumentReview.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reason = models.TextField("审核意见", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "补录残疾证"
        verbose_name_plural = "补录残疾证"
        ordering = ["placement", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="handcert_valid_range")
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(review_state="pending"), name="handcert_pending_idx"),
            models.Index(  # the review queue probes every placement it passes for a pending certificate
                fields=["placement"], condition=Q(review_state="pending"), name="handcert_placement_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.cert_no


class PlacementMonth(models.Model):
    """One month of a placement's grid (§5): the six checks, the weight, the selection and its review.

    Rows are written by ``placements.services`` only: the checks by the recompute, the selection by
    ``months_select``, decisions by the review services. ``id_number`` and ``year`` are copies of the placement's,
    kept here so that the cross-employer rule is a database constraint: one person-month is ``held`` by one
    placement only. A month is held when it is selected, not rejected, and its placement has been submitted at least
    once (wizard step 4, ``Placement.submitted_at``): §5.1 counts "a confirmed or pending registration", and the
    manual says a person still 资料待完善 in the wizard "还不属于有效安置登记人员" — a draft blocks no other unit.
    The first unit to submit wins the month; a later one is refused with 已在其他单位登记. A re-registration keeps its
    months held (it had been submitted).
    """

    # No index of its own: uniq_placement_month (placement, month) serves every lookup by placement (one index fewer
    # to maintain for each of the ~6 M rows a province's first recompute inserts). Nor one on (id_number, year): every
    # lookup by person is of held months (the facts selector, other units' holdings), which the partial unique index
    # uniq_person_month_held (id_number, month) WHERE held serves; a full index cost 27 µs of a placement's first
    # recompute (docs/adr/0001-month-grid.md).
    # Both references are kept by triggers, not foreign-key constraints (migration 0011, docs/adr/0001-month-grid.md
    # "Session 8"): a constraint checks each of a first recompute's ~6 M new rows one by one at commit (~45 µs of a
    # placement's twelve), the triggers check each statement's rows as one set. No row can name a missing placement
    # or account; deleting a placement deletes its months, deleting an account clears its decisions — whoever writes.
    placement = models.ForeignKey(
        Placement,
        verbose_name="安置人员",
        on_delete=models.CASCADE,
        related_name="months",
        db_index=False,
        db_constraint=False,
    )
    id_number = models.CharField("身份证号", max_length=18)
    year = models.PositiveSmallIntegerField("业务年度")
    month = models.PositiveIntegerField("年月(YYYYMM)")
    # The six checks of §5.1 (True = ✓) and the reason codes of the failing ones (placements.grid.checks.REASONS).
    wage_ok = models.BooleanField("工资信息", default=False)
    pension_ok = models.BooleanField("社保参保状态", default=False)
    medical_ok = models.BooleanField("医保参保状态", default=False)
    cert_ok = models.BooleanField("残疾证状态", default=False)
    age_ok = models.BooleanField("是否就业年龄段", default=False)
    contract_ok = models.BooleanField("合同状态", default=False)
    taken_elsewhere = models.BooleanField("已在其他单位登记", default=False)
    verified = models.BooleanField("系统核验通过", default=False, help_text="六项均通过且未在其他单位登记")
    reasons = models.CharField("未通过原因代码", max_length=200, blank=True)
    dispatched = models.BooleanField("劳务派遣", default=False)
    cert_type = models.CharField("残疾证类型", max_length=8, blank=True)
    cert_grade = models.PositiveSmallIntegerField("残疾证等级", null=True, blank=True)
    cert_no = models.CharField("残疾证号", max_length=40, blank=True)
    weight = models.PositiveSmallIntegerField("计算倍数", default=0)
    # Both times default to the statement's time in the database too: a year's first recompute COPYs new month rows
    # without them, PostgreSQL parsing two timestamps a row was 10 µs of a placement's 26 µs of COPY.
    checked_at = models.DateTimeField("核验时间", null=True, blank=True, db_default=Now())
    # The employer's selection and its review.
    selected = models.BooleanField("登记", default=False)
    review_state = models.CharField("审核状态", max_length=10, choices=MonthReview.choices, default=MonthReview.NONE)
    evidence_mask = models.PositiveSmallIntegerField(
        "已提供材料（按核验项位）", default=0, help_text="placements.rules.CHECK_BITS; set by the evidence service"
    )
    evidence_missing = models.BooleanField("缺少证明材料", default=False)
    # selected ∧ not rejected ∧ placement submitted — written by the services with the selection and the decisions
    # (a DB default: the recompute's raw INSERT does not name it).
    held = models.BooleanField("占用该人员月份", default=False, db_default=False, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # pm_decided_by_idx: only the decided months (most rows have none)
        db_constraint=False,  # a trigger checks it, as the placement's (above)
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_reason = models.TextField("审核意见", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())

    objects = PlacementMonthQuerySet.as_manager()

    class Meta:
        verbose_name = "安置月份"
        verbose_name_plural = "安置月份"
        ordering = ["placement", "month"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "month"], name="uniq_placement_month"),
            # The cross-employer rule (§5.1): a person-month is held by one placement only.
            models.UniqueConstraint(
                fields=["id_number", "month"],
                condition=Q(held=True),
                name="uniq_person_month_held",
                violation_error_message="已在其他单位登记",
            ),
            # Only a selected, not rejected month can be held.
            models.CheckConstraint(
                condition=Q(held=False) | (Q(selected=True) & ~Q(review_state="rejected")),
                name="placementmonth_held_only_if_selected",
            ),
            # A review state exactly when selected (a rejected month stays selected: it was registered).
            models.CheckConstraint(
                condition=(Q(selected=True) & ~Q(review_state="none")) | (Q(selected=False) & Q(review_state="none")),
                name="placementmonth_state_iff_selected",
            ),
        ]
        indexes = [
            # The reviewers' queue: months awaiting review.
            models.Index(fields=["placement"], condition=Q(review_state="pending"), name="pm_pending_idx"),
            # A reviewer's decisions (and SET NULL when an account is deleted): the decided months only.
            models.Index(fields=["decided_by"], condition=Q(decided_by__isnull=False), name="pm_decided_by_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.placement_id} {self.month}"

    @property
    def year_month(self):
        from core.months import YearMonth

        return YearMonth.from_key(self.month)

    def reason_texts(self) -> list[str]:
        """The Chinese reasons of the failing checks, in grid column order."""
        from placements.grid.checks import reason_texts

        return reason_texts(self.reasons)


class Evidence(models.Model):
    """证明材料 (domain.md §6): one uploaded file standing in for one failing check, covering one or more months.

    Written by ``placements.evidence.services.evidence_upload`` only. Evidence is never deleted while its placement
    exists: a withdrawn file keeps its row (``withdrawn``) and its file, so the audit trail can show it.
    """

    class Kind(models.TextChoices):
        # Values are the check codes of placements.grid.checks (EVIDENCE_KINDS): the evidence covers that check.
        WAGE = "wage", "工资证明"
        PENSION = "pension", "社保参保证明"
        MEDICAL = "medical", "医保参保证明"
        CONTRACT = "contract", "合同或劳务派遣协议"
        CERT = "cert", "残疾证件"

    placement = models.ForeignKey(Placement, verbose_name="安置人员", on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField("材料类型", max_length=10, choices=Kind.choices)
    months = models.JSONField("适用月份", default=list, help_text="YYYYMM 整数列表")
    file = models.ForeignKey("core.StoredFile", verbose_name="文件", on_delete=models.PROTECT, related_name="+")
    client_token = models.CharField(
        "提交标识", max_length=40, blank=True, help_text="表单的一次性标识：重复提交同一表单不会重复保存"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    withdrawn = models.BooleanField("已撤回", default=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤回人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"
        ordering = ["placement", "uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "client_token"],
                condition=~Q(client_token=""),
                name="uniq_evidence_client_token",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{len(self.months)}个月）"

    @property
    def month_labels(self) -> list[str]:
        return [month_label(m) for m in sorted(self.months)]


class GridChange(models.Model):
    """When a background grid recompute last changed a unit's months of a business year (docs/adr/0001-month-grid.md,
    session 8).

    Every cache of a unit's figures — the list's totals (placements.listing.selectors.list_header), 首页
    (dashboard.homecache), the statistics summary (declarations.statistics_summary) — keys on a fingerprint of the
    unit's placements whose *last change* is the later of their latest ``updated_at`` and this time. A clerk's or a
    reviewer's action bumps a placement's ``version``; a recompute pass on its own (a year's pass, its workers, a task
    outside a transaction) writes here, one narrow row per unit and year, ``changed_at`` only ever moved forward;
    inside a caller's transaction it sets a placement's ``updated_at`` instead (placements.grid.marks
    .mark_changed says why).
    It used to set the ``updated_at`` of one changed placement per unit and year instead: each such update went
    through the placement table's eight indexes — 10 s and 1.2 GB of WAL of a province's first pass.
    """

    employer = models.ForeignKey(
        "employers.Employer", verbose_name="用人单位", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField("业务年度")
    changed_at = models.DateTimeField("最近重算变更时间")

    class Meta:
        verbose_name = "安置月份重算变更"
        verbose_name_plural = "安置月份重算变更"
        constraints = [models.UniqueConstraint(fields=["employer", "year"], name="uniq_grid_change_unit_year")]

    def __str__(self) -> str:
        return f"{self.employer_id}（{self.year}年度）"


class PendingRecompute(models.Model):
    """A grid recompute owed to one person in one business year (ADR 0017): written in the same transaction as the
    feed rows that call for it, deleted in the same transaction as the recompute that settles it.

    Drained by the ``recompute_pending`` task a feed import enqueues and by the periodic sweep
    (``manage.py recompute_grids --pending``, cron). A drainer locks the rows it works on (``FOR UPDATE SKIP LOCKED``
    on PostgreSQL) for the duration of one batch's transaction, so a crashed drainer or a database outage simply
    leaves them here for the next one. ``attempts`` / ``last_error`` record the failed batches (not the lost
    connections: those cannot be written down).
    """

    id_number = models.CharField("身份证号", max_length=18)
    year = models.PositiveSmallIntegerField("业务年度")
    created_at = models.DateTimeField("首次登记时间")
    requested_at = models.DateTimeField("最近登记时间", help_text="又一次导入涉及此人时更新")
    attempts = models.PositiveIntegerField("失败次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    last_attempt_at = models.DateTimeField("最近失败时间", null=True, blank=True)

    class Meta:
        verbose_name = "待重算安置月份表"
        verbose_name_plural = "待重算安置月份表"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["id_number", "year"], name="uniq_pending_recompute_person")]

    def __str__(self) -> str:
        return f"{self.id_number}（{self.year}年度）"


from placements.bulk.models import BulkImport, BulkImportedPlacement  # noqa: E402,F401  (批量导入, issue 13)
