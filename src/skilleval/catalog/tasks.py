from celery import shared_task

from skilleval.core.jobs import job_run


@shared_task(name="catalog.import_catalog")
def import_catalog_task(job_id: int) -> None:
    from .services import catalog_import_job_body

    job_run(job_id, catalog_import_job_body)
