"""Daily jobs: deadline reminders, expiry and inactivity flags, clean-ups. Each app
registers its own with `@daily("<app>.<what>")` in its `tasks.py`; Celery beat runs
them every morning (`core.daily`, settings.CELERY_BEAT_SCHEDULE) and the `daily`
command runs them where there is no beat (the embedded default, cron). A job must be
safe to run twice on one day: reminders go through `notify_once`.

Beat also fails abandoned background jobs every 10 minutes (`core.jobs_abandoned`); the
daily run does it too, for deployments without beat."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .jobs import jobs_abandoned_fail

logger = logging.getLogger(__name__)

DailyJob = Callable[[dt.date], int]
DAILY_JOBS: dict[str, DailyJob] = {}


def daily(name: str) -> Callable[[DailyJob], DailyJob]:
    def decorator(func: DailyJob) -> DailyJob:
        DAILY_JOBS[name] = func
        return func

    return decorator


def daily_run(today: dt.date | None = None, only: str | None = None) -> dict[str, int | str]:
    """Run every daily job (each in its own transaction, so one failing job does not stop
    the others) and return what each did: a count, or the error it met."""
    autodiscover_modules("tasks")
    today = today or timezone.localdate()
    done: dict[str, int | str] = {}
    for name, job in sorted(DAILY_JOBS.items()):
        if only and name != only:
            continue
        try:
            with transaction.atomic():
                done[name] = job(today)
        except Exception as exc:  # noqa: BLE001 - reported per job, the others still run
            logger.exception("daily job %s failed", name)
            done[name] = f"error: {exc}"
    return done


@shared_task(name="core.daily")
def daily_task() -> dict[str, int | str]:
    return daily_run()


@daily("core.jobs_abandoned")
def abandoned_jobs_fail(today: dt.date) -> int:
    return jobs_abandoned_fail()


@shared_task(name="core.jobs_abandoned")
def jobs_abandoned_task() -> int:
    """Fail the background jobs that stopped showing signs of life (settings.CELERY_BEAT_SCHEDULE)."""
    return jobs_abandoned_fail()
