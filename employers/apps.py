from django.apps import AppConfig


class EmployersConfig(AppConfig):
    name = "employers"
    verbose_name = "单位信息"

    def ready(self) -> None:
        from employers import admin_accounts  # noqa: F401  (registers the unit-accounts admin)
