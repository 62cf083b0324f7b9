from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = "年审申报"

    def ready(self) -> None:
        from declarations.selectors import sent_to_tax_ever
        from employers.services import register_uscc_lock_check

        # domain.md §3: the USCC cannot change once a declaration of the unit has been sent to tax.
        register_uscc_lock_check(sent_to_tax_ever)
