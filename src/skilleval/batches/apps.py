from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "skilleval.batches"
    verbose_name = "认定批次"
