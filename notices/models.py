"""通知公告: notices published by reviewers to a region, system notices to one unit, and read markers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from notices.constants import NoticeKind
from notices.html import plain_text, sanitize_body
from notices.querysets import NoticeQuerySet


class Notice(models.Model):
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文", blank=True, help_text="可使用标题、段落、列表、链接、加粗；其余格式会被清除。")
    body_text = models.TextField("正文（纯文本，供检索）", blank=True, editable=False)
    kind = models.CharField("类型", max_length=20, choices=NoticeKind.choices, default=NoticeKind.ANNOUNCEMENT)
    region = models.ForeignKey(
        "core.Region",
        verbose_name="发布范围",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空表示全国。",
    )
    employer = models.ForeignKey(
        "employers.Employer",
        verbose_name="接收单位",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    publish_at = models.DateTimeField("发布时间", default=timezone.now, db_index=True)
    pinned = models.BooleanField("置顶", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "通知公告"
        verbose_name_plural = "通知公告"
        ordering = ["-pinned", "-publish_at", "-id"]
        indexes = [
            models.Index(fields=["employer", "-publish_at"], name="notice_employer_pub_idx"),
            # Published notices (公告) are few next to the units' own; a partial index keeps them one cheap scan.
            models.Index(
                fields=["region", "-publish_at"], condition=Q(employer__isnull=True), name="notice_announcement_pub_idx"
            ),
        ]
        constraints = [
            # A 公告 goes to a region (or the whole country); every other kind goes to exactly one unit.
            models.CheckConstraint(
                condition=(Q(kind=NoticeKind.ANNOUNCEMENT, employer__isnull=True))
                | (~Q(kind=NoticeKind.ANNOUNCEMENT) & Q(employer__isnull=False, region__isnull=True)),
                name="notice_kind_matches_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Last line of defence: whatever path wrote the body, only the safe subset is stored.
        self.body = sanitize_body(self.body)
        self.body_text = plain_text(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_text"}
        super().save(*args, **kwargs)

    @property
    def is_announcement(self) -> bool:
        return self.kind == NoticeKind.ANNOUNCEMENT

    @property
    def scope_label(self) -> str:
        if self.employer_id is not None:
            return "本单位"
        return str(self.region) if self.region_id else "全国"

    def is_published(self, now=None) -> bool:
        return self.publish_at <= (now or timezone.now())


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, verbose_name="通知", on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey("core.StoredFile", verbose_name="文件", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["notice", "id"]

    def __str__(self) -> str:
        return str(self.file)


class NoticeRead(models.Model):
    notice = models.ForeignKey(Notice, verbose_name="通知", on_delete=models.CASCADE, related_name="reads")
    employer = models.ForeignKey(
        "employers.Employer", verbose_name="用人单位", on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField("阅读时间", default=timezone.now)

    class Meta:
        verbose_name = "阅读记录"
        verbose_name_plural = "阅读记录"
        constraints = [models.UniqueConstraint(fields=["notice", "employer"], name="uniq_notice_read")]

    def __str__(self) -> str:
        return f"{self.employer_id} 已读 {self.notice_id}"


class SystemNotice(Notice):
    """The system notices to units, shown read-only in admin apart from the published ones."""

    class Meta:
        proxy = True
        verbose_name = "系统通知（发往单位）"
        verbose_name_plural = "系统通知（发往单位）"
