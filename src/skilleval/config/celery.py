"""The task queue app: Celery everywhere, on Redis in production and on a
filesystem broker (no extra service) in the embedded default."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skilleval.config.settings.base")

app = Celery("skilleval")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
