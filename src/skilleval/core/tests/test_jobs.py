"""Background jobs survive a database that drops the connection: the failed try writes
nothing, the task is retried, and a job that keeps failing ends with a clear message."""

import pytest
from django.db import OperationalError, transaction

from skilleval.accounts.tests.factories import make_user
from skilleval.core.jobs import MAX_RETRIES, job_create, job_task
from skilleval.core.models import Job, Notification

pytestmark = pytest.mark.django_db

TRIES: list[int] = []


def flaky_body(job, progress):
    """Writes a notification, then loses the database on the first try."""
    TRIES.append(job.pk)
    with transaction.atomic():
        Notification.objects.create(user=job.created_by, title=f"第{len(TRIES)}次尝试", body="")
        if len(TRIES) == 1:
            raise OperationalError("server closed the connection unexpectedly")
    return {"tries": len(TRIES)}


def dead_body(job, progress):
    TRIES.append(job.pk)
    raise OperationalError("could not connect to server: Connection refused")


@job_task("tests.flaky")
def flaky_task():
    return flaky_body


@job_task("tests.dead")
def dead_task():
    return dead_body


@pytest.fixture(autouse=True)
def _reset():
    TRIES.clear()


def test_a_transient_database_failure_is_retried_and_leaves_nothing_half_written(reference):
    user = make_user(username="jobs_owner")
    job = job_create(actor=user, kind="test", title="导入测试")
    flaky_task.delay(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result == {"tries": 2}
    assert list(Notification.objects.filter(user=user).values_list("title", flat=True)) == ["第2次尝试"]


def test_a_job_whose_database_stays_away_fails_with_a_message_after_the_retries(reference):
    user = make_user(username="jobs_owner2")
    job = job_create(actor=user, kind="test", title="导入测试")
    dead_task.delay(job.pk)
    job.refresh_from_db()
    assert len(TRIES) == MAX_RETRIES + 1
    assert job.status == Job.Status.FAILED and "未保存任何数据" in job.error
    dead_task.delay(job.pk)  # a second delivery of a finished job does nothing
    assert len(TRIES) == MAX_RETRIES + 1
