from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础数据"

    def ready(self) -> None:
        from core import (
            checks,  # noqa: F401 — registers the deployment checks (manage.py check --deploy)
            task_admin,  # noqa: F401 — the task table's admin with its backlog (core/task_admin.py)
        )
