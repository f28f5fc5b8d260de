from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "skilleval.orgs"
    verbose_name = "评价机构"
