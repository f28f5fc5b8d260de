from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "skilleval.catalog"
    verbose_name = "参考数据"
