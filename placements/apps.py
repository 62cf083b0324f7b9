from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = "残疾人安置管理"

    def ready(self) -> None:
        from placements import lookups  # noqa: F401  (registers __in_array)
