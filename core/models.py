"""Reference data and cross-cutting records: regions, the working calendar, the audit trail, stored files, the
filing windows and a unit's extension of one."""

import secrets

from django.conf import settings
from django.db import models


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class Region(models.Model):
    """A GB/T 2260 administrative division (six-digit code). Abolished codes stay for old ID numbers."""

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=64)
    full_name = models.CharField("全称", max_length=200, blank=True)
    level = models.CharField("级别", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    abolished = models.BooleanField("已撤销", default=False)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name or self.name

    @property
    def prefix(self) -> str:
        """The code prefix that every region inside this one shares (2, 4 or 6 digits)."""
        if self.level == RegionLevel.PROVINCE:
            return self.code[:2]
        if self.level == RegionLevel.CITY:
            return self.code[:4]
        return self.code


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日（休息）"
    WORKDAY = "workday", "调休上班日"


class CalendarDay(models.Model):
    """Admin-editable override for dates chinese-calendar cannot answer (or gets wrong)."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField("说明", max_length=64, blank=True)

    class Meta:
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


REGISTRY_LOOKUP_TYPE = "feeds.registryperson"  # the object type of a registry lookup (object_id: the ID number)


class AuditEvent(models.Model):
    """Append-only audit trail written by services. Nothing in the UI may change or delete it."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField("操作人（记录时）", max_length=150, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, db_index=True)
    object_id = models.CharField("对象ID", max_length=64, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    reason = models.TextField("原因", blank=True)
    changes = models.JSONField("变更（前/后）", default=dict, blank=True)
    # The unit the event concerns (core.audit.record fills it from the object), so that a reviewer's read of the
    # trail (declarations.audit_reader) is scoped by the unit's region through one indexed column instead of joins
    # through object_type/object_id. By label: core may not import employers (ADR 0010). No database constraint:
    # the trail keeps the unit's id whatever happens to the unit's row, and writing an event takes no lock on it.
    employer = models.ForeignKey(
        "employers.Employer",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # core_audit_employer_at_id leads with it
        related_name="+",
    )

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"]),
            # one unit's trail newest first; a region's: its units' rows (audit_reader)
            models.Index(fields=["employer", "-at", "-id"], name="core_audit_employer_at_id"),
            # what one account did lately (the registry lookup limit counts from it, placements.registry_access)
            models.Index(fields=["actor", "action", "at"], name="core_audit_actor_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        # A registry lookup (placements.registration.registry_access writes it directly) names the unit the clerk
        # acted for in changes["employer"]; core.migrations.0009 reads old ones the same way.
        if self.employer_id is None and self.object_type == REGISTRY_LOOKUP_TYPE:
            unit = (self.changes or {}).get("employer")
            self.employer_id = unit if isinstance(unit, int) and not isinstance(unit, bool) else None
        super().save(*args, **kwargs)


def _random_token() -> str:
    return secrets.token_urlsafe(24)


def _upload_path(instance: "StoredFile", filename: str) -> str:
    # Random, unguessable, no user-supplied part; the extension comes from the sniffed content type.
    return f"uploads/{instance.token[:2]}/{instance.token}.{instance.extension}"


class StoredFile(models.Model):
    """A file that went through the upload pipeline (core.uploads). Served only by employers.views.download."""

    token = models.CharField("下载令牌", max_length=64, unique=True, default=_random_token, editable=False)
    file = models.FileField("文件", upload_to=_upload_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    # RFC 6838 allows 127 + 1 + 127; the xlsx type alone is 65 characters
    content_type = models.CharField("文件类型", max_length=255)
    extension = models.CharField("扩展名", max_length=8)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256 校验值", max_length=64)
    kind = models.CharField("用途", max_length=32, blank=True)
    employer = models.ForeignKey(
        "employers.Employer",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stored_files",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    # Grants nothing: files:download serves a file only to its unit and the reviewers of its region, and notice
    # attachments go through their notice (/notices/<pk>/attachments/<id>/, which checks publication; ADR 0020).
    # Kept so that old rows and migrations still load.
    public = models.BooleanField(
        "公开（旧标记，已不生效）", default=False, help_text="不再影响下载权限：通知附件经通知页面下载。"
    )

    class Meta:
        verbose_name = "上传文件"
        verbose_name_plural = "上传文件"

    def __str__(self) -> str:
        return self.original_name


class EmploymentRatio(models.Model):
    """安排比例: the share of staff a unit must employ, per province and business year (domain.md §2, ADR 0009).

    Each row names the document it comes from and when that took effect; ``confirmed`` is set by whoever checked
    the value against the document (rows nobody confirmed are shown as 待核实). ``admin_edited`` protects a row
    changed in admin from ``load_reference_data``.
    """

    province_code = models.CharField("省级代码", max_length=2)
    year = models.PositiveSmallIntegerField("年度")
    ratio_percent = models.DecimalField("安排比例(%)", max_digits=5, decimal_places=2)
    # Database defaults too: the ratios feed (feeds.merge_pg) inserts rows with COPY, naming only its own columns.
    source = models.CharField("依据文件", max_length=300, blank=True, db_default="")
    effective_from = models.DateField("施行日期", null=True, blank=True)
    confirmed = models.BooleanField(
        "已核实",
        default=False,
        db_default=False,
        help_text="已对照依据文件核实比例和施行日期；未核实的记录显示为「待核实」。",
    )
    admin_edited = models.BooleanField("后台修改过", default=False, db_default=False, editable=False)

    class Meta:
        verbose_name = "安排比例"
        verbose_name_plural = "安排比例"
        constraints = [models.UniqueConstraint(fields=["province_code", "year"], name="uniq_ratio_province_year")]
        ordering = ["province_code", "-year"]

    def __str__(self) -> str:
        return f"{self.province_code} {self.year}: {self.ratio_percent}%"


class MinimumWage(models.Model):
    """月最低工资标准 for a region prefix (2, 4 or 6 digits) from a date; the most specific prefix wins."""

    region_code = models.CharField("区划代码前缀", max_length=6)
    effective_from = models.DateField("生效日期")
    amount = models.DecimalField("月最低工资(元)", max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = "月最低工资标准"
        verbose_name_plural = "月最低工资标准"
        constraints = [
            models.UniqueConstraint(fields=["region_code", "effective_from"], name="uniq_minwage_region_from")
        ]
        ordering = ["region_code", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.effective_from}: {self.amount}"


class SocialAverageWage(models.Model):
    """社会平均工资 (annual) per province and year; the levy's wage cap is twice this."""

    province_code = models.CharField("省级代码", max_length=2)
    year = models.PositiveSmallIntegerField("年度")
    annual_amount = models.DecimalField("年平均工资(元)", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "社会平均工资"
        verbose_name_plural = "社会平均工资"
        constraints = [models.UniqueConstraint(fields=["province_code", "year"], name="uniq_socavg_province_year")]
        ordering = ["province_code", "-year"]

    def __str__(self) -> str:
        return f"{self.province_code} {self.year}: {self.annual_amount}"


class FilingWindow(models.Model):
    """The filing window of a province for one business year (e.g. 2026-03-01 … 2026-10-31 for 2025)."""

    province_code = models.CharField("省级代码", max_length=2)
    business_year = models.PositiveSmallIntegerField("业务年度")
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("截止日期")

    class Meta:
        verbose_name = "申报期"
        verbose_name_plural = "申报期"
        constraints = [
            models.UniqueConstraint(fields=["province_code", "business_year"], name="uniq_window_province_year")
        ]
        ordering = ["province_code", "-business_year"]

    def __str__(self) -> str:
        return f"{self.province_code} {self.business_year}: {self.opens_on}…{self.closes_on}"


class FilingExtension(models.Model):
    """A reviewer's extension of one unit's filing window for one business year (domain.md §2): 完成申报 is allowed
    until ``closes_on`` although the province's window has closed. The unit-level override of :class:`FilingWindow`,
    read with it by ``core.filing``; written by ``declarations.extensions.filing_extend`` (audited, the unit is
    notified); never deleted — shortening it is a change like any other, kept in the audit trail.

    It lived in the declarations app until ADR 0010; the table kept its name, so no row moved.
    """

    employer = models.ForeignKey(
        "employers.Employer",
        verbose_name="用人单位",
        on_delete=models.PROTECT,
        related_name="filing_extensions",
        db_index=False,
    )
    year = models.PositiveSmallIntegerField("业务年度")
    closes_on = models.DateField("申报期延长至")
    reason = models.CharField("延期原因", max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "declarations_filingextension"
        verbose_name = "申报期延期"
        verbose_name_plural = "申报期延期"
        ordering = ["-year", "employer"]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "year"],
                name="uniq_filing_extension_unit_year",
                violation_error_message="该单位该业务年度已有延期记录，请修改原记录。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年度申报期延长至 {self.closes_on:%Y-%m-%d}"
