from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "skilleval.core"
    verbose_name = "核心"
