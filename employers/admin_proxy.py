"""窗口代办记录 in the reviewers' admin (read-only, region-scoped): who acted for which unit, why, when, and the
unit's signed 承诺书 uploaded meanwhile (``employers.proxy``). Registered from ``EmployersConfig.ready``."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ReadOnlyAdminMixin
from employers.access import reviewer_region_prefix
from employers.admin_scoping import RegionScopedAdminMixin
from employers.models import ProxyCommitment, ProxySession


def _file_link(stored) -> str:
    url = reverse("files:download", args=[stored.token])
    return format_html('<a href="{}?inline=1" target="_blank" rel="noopener">{}</a>', url, stored.original_name)


class _ReviewersMayView:
    """Every reviewer (of a region) sees these records of their region; nobody changes them."""

    def has_module_permission(self, request):
        return request.user.is_staff and reviewer_region_prefix(request.user) is not None

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


class ProxyCommitmentInline(_ReviewersMayView, ReadOnlyAdminMixin, admin.TabularInline):
    model = ProxyCommitment
    extra = 0
    fields = ("year", "signed_file", "uploaded_by", "created_at")
    readonly_fields = fields
    verbose_name_plural = "代办期间上传的单位签章承诺书"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("file", "uploaded_by")

    @admin.display(description="签章承诺书")
    def signed_file(self, obj):
        return _file_link(obj.file)


@admin.register(ProxySession)
class ProxySessionAdmin(_ReviewersMayView, RegionScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    scope_lookup = "employer"
    list_display = ("employer", "staff", "reason", "started_at", "ended_at")
    list_select_related = ("employer", "staff")
    search_fields = ("=employer__uscc", "employer__name", "=staff__username")
    list_filter = ("started_at",)
    show_full_result_count = False
    ordering = ("-id",)
    fields = ("employer", "staff", "reason", "started_at", "ended_at")
    readonly_fields = fields
    inlines = (ProxyCommitmentInline,)


@admin.register(ProxyCommitment)
class ProxyCommitmentAdmin(_ReviewersMayView, RegionScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """代办签章承诺书: found by the unit and year (e.g. from a declaration declared at the counter)."""

    scope_lookup = "employer"
    list_display = ("employer", "year", "signed_file", "uploaded_by", "created_at", "proxy")
    list_select_related = ("employer", "file", "uploaded_by", "proxy__staff", "proxy__employer")
    search_fields = ("=employer__uscc", "employer__name")
    list_filter = ("year",)
    show_full_result_count = False
    ordering = ("-id",)
    fields = ("employer", "year", "signed_file", "uploaded_by", "created_at", "proxy")
    readonly_fields = fields

    @admin.display(description="签章承诺书")
    def signed_file(self, obj):
        return _file_link(obj.file)
