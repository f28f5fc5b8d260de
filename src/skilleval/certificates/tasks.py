from skilleval.core.jobs import job_task


@job_task("certificates.issue_batch")
def issue_certificates_task():
    """Issue a batch's certificates and make their files (acknowledged late, retried on a
    lost database; a second run makes the files of the certificates the first one issued)."""
    from .services import certificates_issue_job_body

    return certificates_issue_job_body
