from django.apps import AppConfig


class EmployersConfig(AppConfig):
    name = "employers"
    verbose_name = "单位信息"

    def ready(self) -> None:
        from employers import admin_accounts, admin_proxy, admin_sso  # noqa: F401  (register their admin pages)
