"""Background jobs: one progress row per long task, polled by the page.

A service creates the job and queues its task with `job_enqueue` (after commit);
the task calls `job_run`, which marks the job running, hands the body a
`progress` callback, and records success or a user-facing error. A job that
already finished is not run again, so a task delivered twice is harmless."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .models import Job

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


def job_create(
    *, actor: Any, kind: str, title: str, params: dict | None = None,
    organisation_id: int | None = None, jurisdiction_id: int | None = None,
) -> Job:
    user = getattr(actor, "user", actor)
    return Job.objects.create(
        kind=kind, title=title, params=params or {}, created_by=user if user and user.pk else None,
        organisation_id=organisation_id, jurisdiction_id=jurisdiction_id,
    )


def job_enqueue(job: Job, task: Any) -> None:
    """Queue `task(job.pk)` once the surrounding transaction has committed."""
    job_id = job.pk
    transaction.on_commit(lambda: task.delay(job_id))


def _progress_writer(job_id: int) -> Progress:
    def progress(done: int, total: int, message: str = "") -> None:
        Job.objects.filter(pk=job_id).update(done=done, total=total, message=message[:255], updated_at=timezone.now())

    return progress


def job_run(job_id: int, body: Callable[[Job, Progress], dict | None]) -> Job | None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING, started_at=timezone.now(), error="")
    job.refresh_from_db()
    try:
        result = body(job, _progress_writer(job_id)) or {}
    except DomainError as exc:
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED, error=exc.message, finished_at=timezone.now()
        )
    except Exception:
        logger.exception("job %s failed", job_id)
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED,
            error=_("任务执行时发生系统错误，未保存任何数据。请稍后重试，或联系平台管理员。"),
            finished_at=timezone.now(),
        )
    else:
        job.refresh_from_db()
        job.status = Job.Status.SUCCEEDED
        job.result = result
        job.finished_at = timezone.now()
        if job.total and job.done < job.total:
            job.done = job.total
        job.save(update_fields=["status", "result", "finished_at", "done", "updated_at", "output_file"])
    job.refresh_from_db()
    return job
