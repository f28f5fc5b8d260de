from celery import shared_task

from skilleval.core.jobs import job_run


@shared_task(name="batches.import_applications")
def import_applications_task(job_id: int) -> None:
    from .imports import applications_import_job_body

    job_run(job_id, applications_import_job_body)
