from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = "残疾人安置管理"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from placements import lookups  # noqa: F401  (registers __in_array)
        from placements.month_references import on_post_migrate

        # SQLite drops a table's triggers when Django rebuilds the table: put the month table's back (see there).
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="placements.month_references")
