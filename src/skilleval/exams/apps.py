from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "skilleval.exams"
    verbose_name = "考务"
