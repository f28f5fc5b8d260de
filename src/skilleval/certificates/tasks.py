from celery import shared_task

from skilleval.core.jobs import job_run


@shared_task(name="certificates.issue_batch")
def issue_certificates_task(job_id: int) -> None:
    from .services import certificates_issue_job_body

    job_run(job_id, certificates_issue_job_body)
