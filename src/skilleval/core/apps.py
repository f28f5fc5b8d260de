from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "skilleval.core"
    verbose_name = "核心"

    def ready(self):
        from . import checks  # noqa: F401 (registers the deploy checks)
