from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "skilleval.certificates"
    verbose_name = "证书"
