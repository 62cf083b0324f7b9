from django.apps import AppConfig


class LevyConfig(AppConfig):
    name = "levy"
    verbose_name = "残保金"
