from django.apps import AppConfig
from django.core import checks


class ManualConfig(AppConfig):
    name = "manual"
    verbose_name = "系统操作手册"

    def ready(self) -> None:
        from manual.checks import pdf_fonts_check

        checks.register(pdf_fonts_check, "pdf")
