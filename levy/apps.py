from django.apps import AppConfig


class LevyConfig(AppConfig):
    name = "levy"
    verbose_name = "残保金"

    def ready(self):
        # 统计分析 (declarations, a layer below) gets its levy estimate from the levy rules through this hook.
        from declarations.statistics_summary import register_levy_estimator
        from levy.statistics import estimate_units

        register_levy_estimator(estimate_units)
