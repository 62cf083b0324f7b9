"""待重算安置月份表 in the admin (ADR 0017): the durable queue of grid recomputes, read-only.

Operators look here when ``import_feed`` or the cron sweep said recomputes are still owed: how many persons wait,
since when, which rows keep failing and why. Nothing is edited here — the sweep (``recompute_grids --pending``)
drains the queue; a row disappears when its recompute has committed. ID numbers are masked as everywhere in lists.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from core.masking import mask_number
from placements.grid.pending import pending_summary
from placements.models import PendingRecompute


def _age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} 秒"
    if seconds < 7200:
        return f"{seconds // 60} 分钟"
    return f"{seconds // 3600} 小时 {seconds % 3600 // 60} 分钟"


class PendingRecomputeAdmin(admin.ModelAdmin):
    list_display = ("person", "year", "created_at", "requested_at", "attempts", "last_attempt_at", "error")
    list_filter = ("year",)
    ordering = ("-attempts", "id")
    show_full_result_count = False
    list_per_page = 100

    @admin.display(description="身份证号", ordering="id_number")
    def person(self, obj: PendingRecompute) -> str:
        return mask_number(obj.id_number)

    @admin.display(description="最近错误")
    def error(self, obj: PendingRecompute) -> str:
        return obj.last_error[:200] or "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff and super().has_view_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        summary = pending_summary()
        if summary.rows:
            age = _age((timezone.now() - summary.oldest).total_seconds())
            text = (
                f"待重算 {summary.persons} 人（{summary.rows} 人·年度），最早的已等待 {age}；"
                f"其中重算失败过的 {summary.failing} 条。由定时任务 recompute_grids --pending 补做。"
            )
            self.message_user(request, text, level=messages.WARNING if summary.failing else messages.INFO)
        else:
            self.message_user(request, "没有待重算的安置月份表。", level=messages.SUCCESS)
        return super().changelist_view(request, extra_context)
