from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "skilleval.supervision"
    verbose_name = "监督管理"
