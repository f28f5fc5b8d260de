from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "skilleval.portal"
    verbose_name = "门户"
