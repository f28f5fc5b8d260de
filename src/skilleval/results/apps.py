from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "skilleval.results"
    verbose_name = "成绩与公示"
