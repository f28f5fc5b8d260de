"""Celery tasks of the supervision app, found by the worker's autodiscovery."""

from celery import shared_task

from skilleval.core.jobs import job_run


@shared_task(name="supervision.archive_export")
def archive_export_task(job_id: int) -> None:
    from .services.archives import archive_export_job_body

    job_run(job_id, archive_export_job_body)
