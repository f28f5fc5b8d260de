"""Background jobs: one progress row per long task, polled by the page.

A service creates the job and queues its task with `job_enqueue` (after commit);
the task calls `job_run`, which marks the job running, hands the body a
`progress` callback, and records success or a user-facing error. A job that
already finished is not run again, so a task delivered twice is harmless.

A job that shows no sign of life (queued, started, progress: `heartbeat_at`) for longer
than the limits in settings was abandoned: its worker died, or the embedded filesystem
broker lost its message with it. `jobs_abandoned_fail` marks such jobs failed, every few
minutes (core/scheduled.py) and, through `jobs_open_exists`, whenever a service looks for
an open job before refusing a second one, so nobody waits on a job that will never end.
A late delivery of the abandoned job's task then does nothing: `job_run` never runs a
failed job."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .errors import DomainError
from .models import Job

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

ABANDONED_ERROR = gettext_noop("任务长时间无响应（可能因服务重启中断），已标记为失败，请重新提交。")


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


OPEN = (Job.Status.PENDING, Job.Status.RUNNING)


def _progress_writer(job_id: int) -> Progress:
    def progress(done: int, total: int, message: str = "") -> None:
        now = timezone.now()
        Job.objects.filter(pk=job_id).update(done=done, total=total, message=message[:255], updated_at=now,
                                             heartbeat_at=now)

    return progress


def _abandoned(now: dt.datetime) -> Q:
    """Open jobs silent for longer than the limits: queued and never started, or started
    and no progress since."""
    running = now - dt.timedelta(minutes=settings.SKILLEVAL_JOB_RUNNING_TIMEOUT_MINUTES)
    pending = now - dt.timedelta(minutes=settings.SKILLEVAL_JOB_PENDING_TIMEOUT_MINUTES)
    return (Q(status=Job.Status.RUNNING, heartbeat_at__lt=running)
            | Q(status=Job.Status.PENDING, heartbeat_at__lt=pending))


def jobs_abandoned_fail(*, now: dt.datetime | None = None, **filters: Any) -> int:
    """Fail the abandoned jobs (of those matching `filters`, e.g. kind and params) with a
    message saying to submit again, and tell whoever started each. Returns how many."""
    from .notifications import notify

    now = now or timezone.now()
    failed = 0
    for job in Job.objects.filter(_abandoned(now), **filters).select_related("created_by"):
        with transaction.atomic():
            # Checked again in the update: a job that spoke up or finished meanwhile is left alone.
            if not Job.objects.filter(_abandoned(now), pk=job.pk).update(
                    status=Job.Status.FAILED, error=_(ABANDONED_ERROR), finished_at=now, updated_at=now):
                continue
            failed += 1
            logger.warning("job %s (%s) abandoned: no sign of life since the limit, marked failed", job.pk, job.title)
            if job.created_by_id:
                notify(user=job.created_by, title=_("后台任务已中断：%(t)s") % {"t": job.title},
                       body=_(ABANDONED_ERROR), link=reverse("portal:job_detail", args=[job.pk]))
    return failed


def jobs_open_exists(**filters: Any) -> bool:
    """Whether a job matching `filters` is still queued or running, after failing the
    abandoned ones: what a service asks before refusing to start a second job."""
    jobs_abandoned_fail(**filters)
    return Job.objects.filter(status__in=OPEN, **filters).exists()


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
    a failed try leaves nothing half-written. Only an open job is run; one failed as
    abandoned while its body was in fact still running gets the body's real outcome."""
    now = timezone.now()
    # Claimed in one statement: a job failed meanwhile (finished, or abandoned and swept) stays so.
    if not Job.objects.filter(pk=job_id, status__in=OPEN).update(
            status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, updated_at=now, error=""):
        return Job.objects.filter(pk=job_id).first()
    job = Job.objects.get(pk=job_id)
    try:
        result = body(job, _progress_writer(job_id)) or {}
    except TRANSIENT_ERRORS as exc:
        logger.warning("job %s hit a transient database error: %s", job_id, exc)
        for conn in connections.all():
            if not conn.in_atomic_block:  # drop a broken connection; the next query opens a new one
                conn.close_if_unusable_or_obsolete()
        if not final_attempt:
            now = timezone.now()
            if Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
                    status=Job.Status.PENDING, message=_("数据库暂时不可用，任务将自动重试。")[:255], updated_at=now,
                    heartbeat_at=now):
                raise TransientJobError(str(exc)) from exc
            return Job.objects.filter(pk=job_id).first()  # failed as abandoned meanwhile: not retried
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
        job.error = ""
        if job.total and job.done < job.total:
            job.done = job.total
        job.save(update_fields=["status", "result", "finished_at", "error", "done", "updated_at", "output_file"])
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
