"""Background jobs: one progress row per long task, polled by the page.

A service creates the job and queues its task with `job_enqueue` (after commit);
the task calls `job_run`, which marks the job running, hands the body a
`progress` callback, and records success or a user-facing error. A job that
already finished is not run again, so a task delivered twice is harmless."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError, connections, transaction
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


class TransientJobError(Exception):
    """The database went away while the job ran; the body's transaction was rolled back
    and the task is retried."""


# Errors that say the database could not be reached or dropped the connection.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
MAX_RETRIES = 3


def job_run(job_id: int, body: Callable[[Job, Progress], dict | None], *, final_attempt: bool = True) -> Job | None:
    """Run `body` for the job once. A transient database failure on a try that is not
    the last leaves the job queued and raises TransientJobError so the task retries; on
    the last try it fails the job with a message. Bodies write in one transaction, so
    a failed try leaves nothing half-written."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    Job.objects.filter(pk=job_id).update(status=Job.Status.RUNNING, started_at=timezone.now(), error="")
    job.refresh_from_db()
    try:
        result = body(job, _progress_writer(job_id)) or {}
    except TRANSIENT_ERRORS as exc:
        logger.warning("job %s hit a transient database error: %s", job_id, exc)
        for conn in connections.all():
            if not conn.in_atomic_block:  # drop a broken connection; the next query opens a new one
                conn.close_if_unusable_or_obsolete()
        if not final_attempt:
            Job.objects.filter(pk=job_id).update(
                status=Job.Status.PENDING, message=_("数据库暂时不可用，任务将自动重试。")[:255], updated_at=timezone.now())
            raise TransientJobError(str(exc)) from exc
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED, finished_at=timezone.now(),
            error=_("数据库多次连接失败，任务未完成，未保存任何数据。请稍后重新提交。"))
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


def job_task(name: str) -> Callable[[Callable[[], Callable]], Any]:
    """Declare the Celery task that runs a kind of job: the decorated function returns the
    job body (imported lazily). The task acknowledges late and is requeued when its
    worker dies, and retries transient database failures with backoff; `job_run`
    never runs a finished job again, so a second delivery is harmless.

        @job_task("batches.import_applications")
        def import_applications_task():
            from .imports import applications_import_job_body
            return applications_import_job_body
    """

    def decorator(get_body: Callable[[], Callable]) -> Any:
        @shared_task(name=name, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
        def task(self: Any, job_id: int) -> None:
            tries = self.request.retries
            while True:
                try:
                    job_run(job_id, get_body(), final_attempt=tries >= MAX_RETRIES)
                    return
                except TransientJobError as exc:
                    if not self.request.is_eager:
                        raise self.retry(exc=exc, countdown=5 * 2 ** tries) from exc
                    tries += 1  # run in-process (embedded default, tests): retry at once

        task.__doc__ = get_body.__doc__
        return task

    return decorator
