"""The task table in the admin (django-tasks-db's DBTaskResult), with the backlog on top of the list.

django-tasks-db's own admin lists the rows; this replaces it with a subclass that says, above the list, how many
tasks wait, how long the oldest has waited, how many run and how many have run for too long (the figures of
``/healthz``: core.task_maintenance.tasks_backlog) — a warning when the backlog is stale, so that a stopped worker
shows the first time someone looks — and lists the workers that claimed each task. Imported by core.apps.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from core.task_maintenance import tasks_backlog


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} 秒"
    if seconds < 7200:
        return f"{seconds // 60} 分钟"
    return f"{seconds // 3600} 小时 {seconds % 3600 // 60} 分钟"


class TaskResultAdmin(DBTaskResultAdmin):
    list_display = (*DBTaskResultAdmin.list_display, "workers")

    @admin.display(description="worker")
    def workers(self, obj: DBTaskResult) -> str:
        return " → ".join(obj.worker_ids) if obj.worker_ids else "-"

    def changelist_view(self, request, extra_context=None):
        backlog = tasks_backlog()
        text = (
            f"待运行任务 {backlog['ready']} 个，最早的已等待 {_duration(backlog['oldest_ready_seconds'])}；"
            f"运行中 {backlog['running']} 个（其中超时 {backlog['running_too_long']} 个）；"
            f"近 24 小时失败 {backlog['failed_24h']} 个。"
        )
        if backlog["stale"]:
            text += " 任务积压：请检查后台任务进程（db_worker）是否在运行；中断的任务由 reclaim_tasks 重新排队。"
        level = messages.WARNING if backlog["stale"] or backlog["failed_24h"] else messages.INFO
        self.message_user(request, text, level=level)
        return super().changelist_view(request, extra_context)


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)
