from skilleval.core.jobs import job_task


@job_task("catalog.import_catalog")
def import_catalog_task():
    from .services import catalog_import_job_body

    return catalog_import_job_body
