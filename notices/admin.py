"""Reviewers publish 公告 here (inside their own region); system notices to units are shown read-only."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.models import Region
from core.uploads import SafeFileField, store_upload
from employers.access import employer_scope_q, reviewer_region_prefix
from notices.constants import NoticeKind
from notices.html import sanitize_body
from notices.models import Notice, NoticeAttachment, NoticeRead, SystemNotice
from notices.scope import region_within
from notices.services import (
    NoticeError,
    NoticeScopeError,
    check_publish_scope,
    notice_attach,
    notice_delete,
    notice_detach,
    notice_save_published,
)

BODY_HELP = (
    "可使用的格式：小标题（h2–h4）、段落、换行、列表（ul / ol / li）、链接（仅 http、https、mailto）、"
    "加粗（strong / b）、斜体（em / i）、引用（blockquote）。其余标签和脚本在保存时会被清除。"
)


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.code} {obj.full_name or obj.name}"


class NoticeAdminForm(forms.ModelForm):
    region = RegionChoiceField(
        label="发布范围",
        queryset=Region.objects.none(),
        required=False,
        empty_label="全国",
        help_text="全国 / 省级 / 市级 / 县级。审核人员只能发布到本辖区及其下级区域。",
    )

    class Meta:
        model = Notice
        fields = ["title", "body", "region", "publish_at", "pinned"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16, "cols": 100})}
        help_texts = {"body": BODY_HELP, "publish_at": "到达该时间后单位才能看到（可设定为将来时间定时发布）。"}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        prefix = reviewer_region_prefix(user) if user is not None else None
        regions = Region.objects.filter(abolished=False).order_by("code")
        if prefix:
            regions = regions.filter(code__startswith=prefix)
            self.fields["region"].required = True
            self.fields["region"].empty_label = None
        elif prefix is None:
            regions = regions.none()
        self.fields["region"].queryset = regions

    def clean_body(self) -> str:
        return sanitize_body(self.cleaned_data.get("body", ""))

    def clean(self):
        cleaned = super().clean()
        if self.user is not None and "region" in cleaned:
            try:
                check_publish_scope(region=cleaned.get("region"), by=self.user)
            except NoticeScopeError as exc:
                self.add_error("region", str(exc))
        return cleaned


class NoticeAttachmentForm(forms.ModelForm):
    # A tabular inline shows no <label>: the input names itself (axe: label, critical).
    upload = SafeFileField(label="上传附件", required=False, widget=forms.FileInput(attrs={"aria-label": "上传附件"}))

    class Meta:
        model = NoticeAttachment
        fields: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and self.has_changed() and not cleaned.get("upload"):
            self.add_error("upload", "请选择要上传的文件。")
        return cleaned


class NoticeAttachmentInline(admin.TabularInline):
    model = NoticeAttachment
    form = NoticeAttachmentForm
    extra = 1
    fields = ["file_link", "upload"]
    readonly_fields = ["file_link"]
    verbose_name = "附件"
    verbose_name_plural = "附件（JPG、PNG、PDF，单个不超过 10 MB；对能看到该公告的单位公开）"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("file")

    @admin.display(description="文件")
    def file_link(self, obj: NoticeAttachment) -> str:
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>（{} KB）',
            reverse("files:download", args=[obj.file.token]),
            obj.file.original_name,
            max(1, obj.file.size // 1024),
        )

    # Attachments are part of the notice: whoever may change the notice may add or remove them.
    def _parent_may_change(self, request, obj) -> bool:
        prefix = reviewer_region_prefix(request.user)
        in_scope = prefix is not None and (obj is None or region_within(obj.region_id, prefix))
        return in_scope and request.user.has_perm("notices.change_notice")

    def has_change_permission(self, request, obj=None) -> bool:
        return self._parent_may_change(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._parent_may_change(request, obj) or (obj is None and request.user.has_perm("notices.add_notice"))

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._parent_may_change(request, obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return reviewer_region_prefix(request.user) is not None and request.user.has_perm("notices.view_notice")


class PublishStateFilter(admin.SimpleListFilter):
    title = "发布状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("published", "已发布"), ("scheduled", "定时待发布")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "published":
            return queryset.filter(publish_at__lte=now)
        if self.value() == "scheduled":
            return queryset.filter(publish_at__gt=now)
        return queryset


class ScopeLevelFilter(admin.SimpleListFilter):
    title = "发布范围"
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("national", "全国"), ("province", "省级"), ("city", "市级"), ("county", "县级")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "national":
            return queryset.filter(region__isnull=True)
        if value in {"province", "city", "county"}:
            return queryset.filter(region__level=value)
        return queryset


class ReviewerScopedAdmin(admin.ModelAdmin):
    """Access needs both a reviewer's region (employers.access) and the model permission (the 审核人员 group)."""

    def has_module_permission(self, request) -> bool:
        return reviewer_region_prefix(request.user) is not None and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return reviewer_region_prefix(request.user) is not None and super().has_view_permission(request, obj)


@admin.register(Notice)
class NoticeAdmin(ReviewerScopedAdmin):
    form = NoticeAdminForm
    inlines = [NoticeAttachmentInline]
    list_display = ["title", "scope", "publish_at", "state", "pinned_label", "attachment_count", "created_by"]
    list_filter = [PublishStateFilter, ScopeLevelFilter, "pinned"]
    list_select_related = ["region", "created_by"]
    search_fields = ["title", "body_text"]
    search_help_text = "按标题或正文检索"
    ordering = ["-publish_at", "-id"]
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = ["body_preview", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["title", "body", "body_preview"]}),
        ("发布", {"fields": ["region", "publish_at", "pinned"]}),
        ("记录", {"fields": ["created_by", "created_at"], "classes": ["collapse"]}),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class BoundUserForm(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return BoundUserForm

    def get_queryset(self, request):
        qs = super().get_queryset(request).announcements().annotate(attachment_total=Count("attachments"))
        prefix = reviewer_region_prefix(request.user)
        if prefix is None:
            return qs.none()
        if prefix:
            qs = qs.filter(Q(region__isnull=True) | Q(region__code__startswith=prefix))
        return qs

    def has_add_permission(self, request) -> bool:
        return reviewer_region_prefix(request.user) is not None and super().has_add_permission(request)

    def _in_scope(self, request, obj) -> bool:
        prefix = reviewer_region_prefix(request.user)
        return prefix is not None and (obj is None or region_within(obj.region_id, prefix))

    def has_change_permission(self, request, obj=None) -> bool:
        return self._in_scope(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._in_scope(request, obj) and super().has_delete_permission(request, obj)

    @admin.display(description="范围", ordering="region")
    def scope(self, obj: Notice) -> str:
        return str(obj.region) if obj.region_id else "全国"

    @admin.display(description="状态")
    def state(self, obj: Notice) -> str:
        return "已发布" if obj.is_published() else "定时待发布"

    @admin.display(description="置顶", ordering="pinned")
    def pinned_label(self, obj: Notice) -> str:
        return "是" if obj.pinned else "—"

    @admin.display(description="附件数")
    def attachment_count(self, obj: Notice) -> int:
        return obj.attachment_total

    @admin.display(description="正文预览（保存后的安全格式）")
    def body_preview(self, obj: Notice) -> str:
        if obj is None or obj.pk is None:
            return "保存后显示。"
        return mark_safe(f'<div class="notice-body-preview">{obj.body}</div>')  # sanitised on save (Notice.save)

    def save_model(self, request, obj: Notice, form, change: bool) -> None:
        obj.kind = NoticeKind.ANNOUNCEMENT
        obj.employer = None
        try:
            notice_save_published(notice=obj, by=request.user)
        except NoticeError as exc:
            raise PermissionDenied(str(exc)) from exc

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not NoticeAttachment:
            return super().save_formset(request, form, formset, change)
        # Attachments go through the upload pipeline and the notice services, not formset.save().
        deleted = set(formset.deleted_forms)
        for inline_form in formset.initial_forms:
            if inline_form in deleted:
                notice_detach(attachment=inline_form.instance, by=request.user)
        for inline_form in formset.extra_forms:
            if inline_form in deleted or not inline_form.has_changed():
                continue
            upload = inline_form.cleaned_data.get("upload")
            if upload:
                stored = store_upload(uploaded_file=upload, kind="notice_attachment", employer=None, by=request.user)
                notice_attach(notice=form.instance, stored_file=stored, by=request.user)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None

    def delete_model(self, request, obj: Notice) -> None:
        notice_delete(notice=obj, by=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for notice in queryset:
            if not self.has_delete_permission(request, notice):
                raise PermissionDenied("只能删除本辖区的公告。")
            notice_delete(notice=notice, by=request.user)


@admin.register(SystemNotice)
class SystemNoticeAdmin(ReviewerScopedAdmin):
    list_display = ["title", "employer", "kind", "publish_at", "read_label"]
    list_filter = ["kind"]
    list_select_related = ["employer"]
    search_fields = ["title", "employer__name", "=employer__uscc"]
    search_help_text = "按标题、单位名称或统一社会信用代码（完整）检索"
    ordering = ["-publish_at", "-id"]
    show_full_result_count = False
    list_per_page = 50
    fields = ["title", "kind", "employer", "publish_at", "body_html", "created_by", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        read = NoticeRead.objects.filter(notice=OuterRef("pk"), employer=OuterRef("employer"))
        return (
            super()
            .get_queryset(request)
            .filter(kind__in=[k for k in NoticeKind.values if k != NoticeKind.ANNOUNCEMENT])
            .filter(employer_scope_q(request.user))
            .annotate(is_read=Exists(read))
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="单位已读", boolean=False)
    def read_label(self, obj: Notice) -> str:
        return "已读" if obj.is_read else "未读"

    @admin.display(description="正文")
    def body_html(self, obj: Notice) -> str:
        return mark_safe(obj.body)  # sanitised on save (Notice.save)
