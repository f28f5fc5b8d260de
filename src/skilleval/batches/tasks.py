from skilleval.core.jobs import job_task


@job_task("batches.import_applications")
def import_applications_task():
    from .imports import applications_import_job_body

    return applications_import_job_body
