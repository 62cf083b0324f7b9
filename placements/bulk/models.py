"""批量导入's records: one upload (its file, its check report, its result) and, per placement it created, the
fingerprint of the row it came from (a re-upload of the same row changes nothing; a corrected row updates it)."""

from django.conf import settings
from django.db import models


class BulkImport(models.Model):
    class Status(models.TextChoices):
        CHECKING = "checking", "正在检查"
        CHECKED = "checked", "检查完成"
        REFUSED = "refused", "文件不能导入"
        IMPORTING = "importing", "正在导入"
        DONE = "done", "导入完成"
        FAILED = "failed", "导入失败"

    employer = models.ForeignKey(
        "employers.Employer", verbose_name="用人单位", on_delete=models.CASCADE, related_name="bulk_imports"
    )
    year = models.PositiveSmallIntegerField("业务年度")
    file = models.ForeignKey("core.StoredFile", verbose_name="导入文件", on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField("文件名", max_length=200, blank=True)
    sha256 = models.CharField("文件摘要", max_length=64)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.CHECKING)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_done = models.PositiveIntegerField("已处理行数", default=0)
    message = models.TextField("说明", blank=True, help_text="文件不能导入或导入失败的原因")
    report = models.JSONField("检查报告", default=dict, blank=True)
    result = models.JSONField("导入结果", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    confirmed_at = models.DateTimeField("确认导入时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "批量导入"
        verbose_name_plural = "批量导入"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["employer", "year", "-created_at"], name="bulkimport_unit_year_idx")]

    INTERRUPTED = "处理中断，请重新提交"
    # Set by placements.bulk.liveness.mark_interrupted: busy, but the task that would finish it is gone, failed or
    # stale (its worker died). Shown instead of 正在检查 / 正在导入; nothing was imported.
    interrupted = False

    def __str__(self) -> str:
        return f"{self.year}年度批量导入 {self.original_name}"

    def get_status_display(self) -> str:
        if self.interrupted and self.status in (self.Status.CHECKING, self.Status.IMPORTING):
            return self.INTERRUPTED
        return self.Status(self.status).label

    @property
    def busy(self) -> bool:
        """Being checked or imported (the page refreshes and shows the progress); not once interrupted."""
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING) and not self.interrupted

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class BulkImportedPlacement(models.Model):
    """A placement registered or last updated by a bulk import: the fingerprint of its rows and the placement's
    version right after (a later edit in the wizard bumps the version: the file may then no longer overwrite it)."""

    placement = models.OneToOneField(
        "placements.Placement", on_delete=models.CASCADE, related_name="bulk_source", primary_key=True
    )
    bulk_import = models.ForeignKey(BulkImport, on_delete=models.CASCADE, related_name="placements")
    fingerprint = models.CharField("行内容摘要", max_length=64)
    version = models.PositiveIntegerField("导入后的版本")

    class Meta:
        verbose_name = "批量导入的安置登记"
        verbose_name_plural = "批量导入的安置登记"

    def __str__(self) -> str:
        return f"{self.placement_id} ← {self.bulk_import_id}"
