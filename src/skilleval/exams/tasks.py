"""Celery tasks of the exams app, found by the worker's autodiscovery."""

from .services.bank import import_question_items_task  # noqa: F401
