from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "skilleval.api"
    verbose_name = "REST API"
