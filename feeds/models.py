"""Facts from other government systems (feeds.md). Plain rows keyed by ID number, unit USCC and month.

They carry no foreign keys on purpose: a feed may name persons and units this system has never seen.
Months are stored as ``YYYYMM`` integers (see core.months.YearMonth.key).
"""

from django.conf import settings
from django.db import models

from feeds.constants import CertStatus, CertType, Gender
from feeds.quality import top_groups

REJECTIONS_CAP = 100_000  # rejected rows kept per import (the count beyond is in rows_rejected)
CHANGED_PERSONS_CAP = 100_000  # changed persons kept per import (the count beyond is in persons_changed)


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


class AsciiKeyField(models.CharField):
    """An identifier written in ASCII (an ID number, a USCC) that PostgreSQL compares byte-wise: ``COLLATE "C"``,
    whatever locale the database was created with (ADR 0002, "Identifier columns in the C collation"). Sorting such
    a column — building the unique key of a loaded feed, merging a re-import, ``ORDER BY`` — then compares bytes with
    abbreviated keys instead of calling the C library's ``strcoll`` for every pair; for ASCII digits and capital
    letters both orders are the same. A comparison with a column of the database's default collation takes this one
    (PostgreSQL: where one side has a non-default collation and the other the default, the non-default one wins), so
    the unique index still serves the merges' joins with the staging table. Not for a column joined to another
    table's indexed ID numbers (the placements'): that index, in the default collation, could not serve the join.
    Other databases keep their default (SQLite compares bytes already)."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class MonthlyFact(models.Model):
    id_number = AsciiKeyField("身份证号", max_length=18)
    unit_uscc = AsciiKeyField("缴费单位", max_length=18)
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
    header = models.JSONField("文件表头", default=list, blank=True)
    digest = models.CharField(
        "文件摘要（SHA-256）", max_length=64, blank=True, help_text="同一文件再次导入时据此跳过合并"
    )
    table_mark = models.BigIntegerField(
        "导入后目标表最大ID", null=True, blank=True, help_text="与文件摘要一起判断数据表自上次导入后是否未变"
    )
    table_mark_before = models.BigIntegerField(
        "导入前目标表最大ID",
        null=True,
        blank=True,
        help_text="与上一次导入后的最大ID相同，说明两次导入之间无其他写入（较早导入的行段摘要仍可参考）",
    )
    rejections_stored = models.PositiveIntegerField(
        "保存的拒绝行", default=0, help_text=f"最多保存 {REJECTIONS_CAP:,} 行，超出部分只计数"
    )
    persons_changed = models.PositiveIntegerField("数据有变化的人员", default=0)
    known_runs = models.BinaryField(
        "已核对行段摘要",
        default=b"",
        blank=True,
        editable=False,
        help_text="各行段的摘要及其中逐行校验的行：数据表未变时，下次导入不再校验相同的行段",
    )
    persons_stored = models.PositiveIntegerField(
        "保存的变化人员", default=0, help_text=f"最多保存 {CHANGED_PERSONS_CAP:,} 人，超出部分只计数"
    )

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


class FeedRejection(models.Model):
    """A rejected row of an import (the first :data:`REJECTIONS_CAP`), as read: for the import's page and download."""

    feed_import = models.ForeignKey(
        FeedImport, verbose_name="数据导入记录", on_delete=models.CASCADE, related_name="rejections", db_index=False
    )
    line = models.PositiveIntegerField("行号")
    reason = models.TextField("拒绝原因")
    group = models.CharField("原因分类", max_length=200)
    fields = models.JSONField("原始字段", default=list)

    class Meta:
        verbose_name = "拒绝行"
        verbose_name_plural = "拒绝行"
        indexes = [models.Index(fields=["feed_import", "line"], name="feeds_rejection_import_line")]
        permissions = [("view_full_rejected_rows", "可查看和下载未脱敏的拒绝行")]

    def __str__(self) -> str:
        return f"第{self.line}行"


class FeedChangedPerson(models.Model):
    """A person whose facts an import inserted or changed (the first :data:`CHANGED_PERSONS_CAP`): whose grids it
    queued for a recompute. ``placement_id`` is written by the placements app in the import's transaction (ADR 0010:
    state this app owns, written by the app above it) — no foreign key, as for every feed table."""

    # No database-level constraint: its check ran once per row at commit (~0.25 s for the ~86,000 persons of a
    # province's first load, ADR 0002); the rows are written only by feeds.import_log.store_changed_persons, in the
    # transaction that creates their FeedImport. Deleting an import still deletes them (Django's CASCADE).
    feed_import = models.ForeignKey(
        FeedImport,
        verbose_name="数据导入记录",
        on_delete=models.CASCADE,
        related_name="changed_persons",
        db_index=False,
        db_constraint=False,
    )
    id_number = models.CharField("身份证号", max_length=18)
    placement_id = models.BigIntegerField("安置记录ID", null=True, blank=True)

    class Meta:
        verbose_name = "数据有变化的人员"
        verbose_name_plural = "数据有变化的人员"
        constraints = [models.UniqueConstraint(fields=["feed_import", "id_number"], name="feeds_changed_person_unique")]

    def __str__(self) -> str:
        return self.id_number
