"""Celery tasks of the exams app, found by the worker's autodiscovery."""

from skilleval.core.scheduled import daily

from .services.bank import import_question_items_task  # noqa: F401
from .services.examday import tickets_task  # noqa: F401


@daily("exams.expire_ended_sessions")
def expire_ended_sessions(today) -> int:
    """Attempts still open after their session's last submission time are submitted as
    timed out (a candidate who closed the browser and never came back)."""
    from django.utils import timezone

    from .models import Attempt, ExamSession
    from .services.cbt import attempt_expire_due

    ended = ExamSession.objects.filter(ends_at__lt=timezone.now(), attempts__status=Attempt.Status.IN_PROGRESS)
    return sum(attempt_expire_due(session) for session in ended.distinct())
