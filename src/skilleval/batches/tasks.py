import datetime as dt

from skilleval.core.jobs import job_task
from skilleval.core.scheduled import daily


@job_task("batches.import_applications")
def import_applications_task():
    from .imports import applications_import_job_body

    return applications_import_job_body


@daily("batches.personal_data_purge")
def personal_data_purge(today: dt.date) -> int:
    """Anonymise uncertified applications whose retention period has run out (batches/retention.py)."""
    from .retention import personal_data_purge_expired

    return personal_data_purge_expired(actor=None, today=today).applications
