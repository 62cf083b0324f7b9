"""Facts from other government systems (feeds.md). Plain rows keyed by ID number, unit USCC and month.

They carry no foreign keys on purpose: a feed may name persons and units this system has never seen.
Months are stored as ``YYYYMM`` integers (see core.months.YearMonth.key).
"""

from django.conf import settings
from django.db import models

from feeds.constants import CertStatus, CertType, Gender
from feeds.quality import top_groups


class RegistryPerson(models.Model):
    """残疾人人口基础库: a person the disabled-persons registry knows."""

    id_number = models.CharField("身份证号", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    region_code = models.CharField("户籍地区划", max_length=6)
    address = models.CharField("户籍地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    education = models.CharField("文化程度", max_length=20, blank=True)
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        verbose_name = "残疾人基础信息"
        verbose_name_plural = "残疾人基础信息"

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """A disability certificate (残疾人证) or a disabled-veteran certificate (残疾军人证) from the registry."""

    cert_no = models.CharField("证号", max_length=40, unique=True)
    id_number = models.CharField("身份证号", max_length=18, db_index=True)
    cert_type = models.CharField("证件类型", max_length=8, choices=CertType.choices)
    category = models.PositiveSmallIntegerField("残疾类别", null=True, blank=True)
    grade = models.PositiveSmallIntegerField("残疾等级")
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期止")
    status = models.CharField("状态", max_length=4, choices=CertStatus.choices)
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        verbose_name = "残疾证"
        verbose_name_plural = "残疾证"

    def __str__(self) -> str:
        return self.cert_no


class MonthlyFact(models.Model):
    id_number = models.CharField("身份证号", max_length=18)
    unit_uscc = models.CharField("缴费单位", max_length=18)
    month = models.PositiveIntegerField("月份(YYYYMM)")

    class Meta:
        abstract = True


class PensionContribution(MonthlyFact):
    """社保: a pension-insurance contribution of a person in a month by a unit."""

    base_amount = models.DecimalField("缴费基数", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "养老保险缴费"
        verbose_name_plural = "养老保险缴费"
        constraints = [models.UniqueConstraint(fields=["id_number", "unit_uscc", "month"], name="uniq_pension_key")]

    def __str__(self) -> str:
        return f"{self.id_number} {self.unit_uscc} {self.month}"


class MedicalContribution(MonthlyFact):
    """医保: a medical-insurance contribution of a person in a month by a unit."""

    base_amount = models.DecimalField("缴费基数", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "医疗保险缴费"
        verbose_name_plural = "医疗保险缴费"
        constraints = [models.UniqueConstraint(fields=["id_number", "unit_uscc", "month"], name="uniq_medical_key")]

    def __str__(self) -> str:
        return f"{self.id_number} {self.unit_uscc} {self.month}"


class WageRecord(MonthlyFact):
    """税务: a wage payment (个税代扣代缴 工资薪金) to a person in a month by a unit."""

    amount = models.DecimalField("工资金额", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "工资发放记录"
        verbose_name_plural = "工资发放记录"
        constraints = [models.UniqueConstraint(fields=["id_number", "unit_uscc", "month"], name="uniq_wage_key")]

    def __str__(self) -> str:
        return f"{self.id_number} {self.unit_uscc} {self.month}"


class FeedImport(models.Model):
    """One run of ``import_feed`` that was written (dry runs leave no trace). The operator's import history."""

    kind = models.CharField("数据类型", max_length=20)
    file_name = models.CharField("文件名", max_length=255)
    method = models.CharField("导入方式", max_length=10)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间")
    rows_read = models.PositiveIntegerField("读取行数")
    rows_inserted = models.PositiveIntegerField("新增")
    rows_updated = models.PositiveIntegerField("更新")
    rows_unchanged = models.PositiveIntegerField("未变")
    rows_rejected = models.PositiveIntegerField("拒绝")
    rejection_reasons = models.JSONField(
        "拒绝原因（按类归并）", default=dict, blank=True, help_text="原因分类 → 行数（feeds.quality），最多50类"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_label = models.CharField("操作人（记录时）", max_length=150, blank=True)

    class Meta:
        verbose_name = "数据导入记录"
        verbose_name_plural = "数据导入记录"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def reason_groups(self) -> dict[str, int]:
        """The rejection groups, largest first (a JSON object keeps no order on PostgreSQL: jsonb sorts its keys)."""
        return top_groups(self.rejection_reasons or {})
