"""Abandoned background jobs: a job whose worker died (or whose message the embedded
broker lost) is failed with a message once it has been silent longer than the limit, by
the periodic sweep and whenever a service checks for an open job, so the batch can start
again; a late delivery of the old task then does nothing."""

import datetime as dt

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from skilleval.accounts.tests.factories import PASSWORD, make_user
from skilleval.certificates import services as certificates
from skilleval.certificates.models import Certificate, SerialCounter
from skilleval.certificates.tasks import issue_certificates_task
from skilleval.certificates.tests.factories import certifiable_world
from skilleval.core.errors import DomainError
from skilleval.core.jobs import job_create, job_task, jobs_abandoned_fail
from skilleval.core.models import Job, Notification
from skilleval.core.scheduled import daily_run, jobs_abandoned_task

pytestmark = pytest.mark.django_db

ABANDONED = "任务长时间无响应（可能因服务重启中断），已标记为失败，请重新提交。"
ISSUED = dt.date(2026, 6, 1)
RUNS: list[int] = []


def _silent_for(job: Job, minutes: int, status: str = Job.Status.RUNNING) -> Job:
    """The job as its worker left it: open, last heard of `minutes` ago."""
    Job.objects.filter(pk=job.pk).update(status=status, heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes))
    job.refresh_from_db()
    return job


def counting_body(job, progress):
    RUNS.append(job.pk)
    return {"runs": len(RUNS)}


def swept_while_running_body(job, progress):
    """The worker is alive but was silent past the limit: the sweep fails the job under it."""
    RUNS.append(job.pk)
    _silent_for(job, 31)
    assert jobs_abandoned_fail() == 1
    if job.params.get("then") == "database_lost":
        raise OperationalError("server closed the connection unexpectedly")
    return {"runs": len(RUNS)}


@job_task("tests.abandoned.counting")
def counting_task():
    return counting_body


@job_task("tests.abandoned.swept_while_running")
def swept_while_running_task():
    return swept_while_running_body


@pytest.fixture(autouse=True)
def _reset():
    RUNS.clear()


def test_the_sweep_fails_silent_jobs_with_a_message_and_leaves_live_ones_alone(reference):
    owner = make_user(username="jobs_sweep_owner")
    make = lambda title: job_create(actor=owner, kind="test", title=title)  # noqa: E731
    stale_running = _silent_for(make("卡住的导入"), 31)
    fresh_running = _silent_for(make("正在导入"), 29)
    stale_pending = _silent_for(make("丢失的排队任务"), 121, Job.Status.PENDING)
    queued = _silent_for(make("排队中的任务"), 60, Job.Status.PENDING)
    finished = _silent_for(make("早已完成"), 600, Job.Status.SUCCEEDED)

    assert jobs_abandoned_task.delay().get() == 2  # what beat runs every 10 minutes

    status = dict(Job.objects.values_list("title", "status"))
    assert status == {"卡住的导入": "failed", "正在导入": "running", "丢失的排队任务": "failed",
                      "排队中的任务": "pending", "早已完成": "succeeded"}
    for job in (stale_running, stale_pending):
        job.refresh_from_db()
        assert job.error == ABANDONED and job.finished_at is not None
    fresh_running.refresh_from_db()
    assert fresh_running.error == "" and fresh_running.finished_at is None
    notes = Notification.objects.filter(user=owner).order_by("title")
    assert [(n.title, n.body, n.link) for n in notes] == [
        ("后台任务已中断：丢失的排队任务", ABANDONED, reverse("portal:job_detail", args=[stale_pending.pk])),
        ("后台任务已中断：卡住的导入", ABANDONED, reverse("portal:job_detail", args=[stale_running.pk]))]
    # A second sweep finds nothing more; the daily run (deployments without beat) sweeps too.
    assert jobs_abandoned_fail() == 0
    _silent_for(queued, 121, Job.Status.PENDING)
    assert daily_run(only="core.jobs_abandoned") == {"core.jobs_abandoned": 1}
    assert Notification.objects.filter(user=owner).count() == 3
    assert Job.objects.get(pk=finished.pk).status == Job.Status.SUCCEEDED


def test_the_limits_come_from_settings(reference, settings):
    settings.SKILLEVAL_JOB_RUNNING_TIMEOUT_MINUTES = 5
    settings.SKILLEVAL_JOB_PENDING_TIMEOUT_MINUTES = 10
    owner = make_user(username="jobs_limit_owner")
    running = _silent_for(job_create(actor=owner, kind="test", title="A"), 6)
    pending = _silent_for(job_create(actor=owner, kind="test", title="B"), 9, Job.Status.PENDING)
    assert jobs_abandoned_fail() == 1
    assert Job.objects.get(pk=running.pk).status == Job.Status.FAILED
    assert Job.objects.get(pk=pending.pk).status == Job.Status.PENDING


def test_progress_keeps_a_long_job_alive(reference):
    owner = make_user(username="jobs_progress_owner")
    job = job_create(actor=owner, kind="test", title="长任务")

    def body(job, progress):
        _silent_for(job, 45)
        progress(1, 2, "已处理 1 / 2")  # the heartbeat
        assert jobs_abandoned_fail() == 0
        return {}

    @job_task("tests.abandoned.progress")
    def progress_task():
        return body

    progress_task.delay(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.error == ""


def test_a_late_delivery_of_a_failed_job_does_nothing_and_the_page_says_why(client, reference):
    from skilleval.accounts.models import Role

    owner = make_user(Role.PLATFORM_ADMIN, username="jobs_late_owner")
    job = _silent_for(job_create(actor=owner, kind="test", title="导入考生名单"), 31)
    jobs_abandoned_fail()
    counting_task.delay(job.pk)  # the message comes back after the visibility timeout
    job.refresh_from_db()
    assert RUNS == [] and job.status == Job.Status.FAILED and job.error == ABANDONED

    client.login(username=owner.username, password=PASSWORD)
    page = client.get(reverse("portal:job_detail", args=[job.pk])).content.decode()
    assert "失败" in page and ABANDONED in page
    assert 'hx-trigger="every 1s"' not in page  # the page stops polling


def test_a_job_failed_under_a_live_worker_gets_the_real_outcome(reference):
    owner = make_user(username="jobs_live_owner")
    job = job_create(actor=owner, kind="test", title="慢任务")
    swept_while_running_task.delay(job.pk)
    job.refresh_from_db()
    assert len(RUNS) == 1
    assert job.status == Job.Status.SUCCEEDED and job.error == "" and job.result == {"runs": 1}


def test_a_job_failed_under_a_live_worker_is_not_retried_after_a_database_error(reference):
    owner = make_user(username="jobs_live_owner2")
    job = job_create(actor=owner, kind="test", title="慢任务", params={"then": "database_lost"})
    swept_while_running_task.delay(job.pk)
    job.refresh_from_db()
    assert len(RUNS) == 1  # not retried: the user was told to submit again
    assert job.status == Job.Status.FAILED and job.error == ABANDONED


@pytest.fixture
def cw(jurisdictions):
    return certifiable_world(jurisdictions["合肥市"])


def _register(cw):
    counter = SerialCounter.objects.filter(organisation=cw.org).first()
    return Certificate.objects.filter(batch=cw.batch).count(), counter.last_serial if counter else 0


@pytest.mark.parametrize("left", [Job.Status.PENDING, Job.Status.RUNNING])
def test_a_batch_whose_issue_job_was_abandoned_can_issue_again_at_once(cw, left, django_capture_on_commit_callbacks):
    # The worker died holding the message: the job is open and nothing was issued.
    with django_capture_on_commit_callbacks(execute=False):
        lost = certificates.certificates_issue_start(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)
    with pytest.raises(DomainError, match="该批次的发证任务正在进行，请等待完成。"):
        certificates.certificates_issue_start(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)
    limit = 121 if left == Job.Status.PENDING else 31
    _silent_for(lost, limit, left)

    # No wait for the sweep: starting again fails the abandoned job and issues.
    with django_capture_on_commit_callbacks(execute=True):
        again = certificates.certificates_issue_start(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)
    lost.refresh_from_db()
    again.refresh_from_db()
    assert lost.status == Job.Status.FAILED and lost.error == ABANDONED
    assert again.status == Job.Status.SUCCEEDED, again.error
    assert again.result["created"] == 3 and _register(cw) == (3, 3)

    issue_certificates_task.delay(lost.pk)  # the lost message turns up after all
    lost.refresh_from_db()
    assert lost.status == Job.Status.FAILED and lost.error == ABANDONED
    assert _register(cw) == (3, 3)
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == [1, 2, 3]


def test_an_issue_job_abandoned_after_its_numbers_committed_is_not_issued_twice(
        cw, django_capture_on_commit_callbacks):
    """The worker died while making the files: the numbers and the job's note of them had
    committed. The sweep fails the job; its late delivery issues no new number."""
    with django_capture_on_commit_callbacks(execute=False):
        lost = certificates.certificates_issue_start(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)
    issued = [c.pk for c in certificates.certificates_issue(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)]
    Job.objects.filter(pk=lost.pk).update(result={"issued": issued})
    _silent_for(lost, 31)
    assert jobs_abandoned_fail() == 1
    issue_certificates_task.delay(lost.pk)
    lost.refresh_from_db()
    assert lost.status == Job.Status.FAILED and lost.error == ABANDONED and not lost.output_file
    assert _register(cw) == (3, 3)
    with pytest.raises(DomainError, match="该批次没有待发证的合格人员"):
        certificates.certificates_issue_start(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("worker", ["commits", "rolls back"])
def test_the_sweep_waits_for_a_worker_writing_progress_in_its_transaction(reference, worker):
    """A live worker's progress written inside its still-open transaction: the sweep's
    update waits for it, then leaves the job alone if the progress committed."""
    from skilleval.core.tests.collide import Gate, Racer

    job = _silent_for(job_create(actor=make_user(username="jobs_race_owner"), kind="test", title="慢导入"), 31)
    with Gate("UPDATE core_job SET heartbeat_at = now(), done = 1 WHERE id = %s", [job.pk]) as worker_transaction:
        sweep = Racer(jobs_abandoned_fail)
        sweep.start()
        worker_transaction.wait_for(1, racers=[sweep])
        if worker == "commits":
            worker_transaction.holder.commit()
        else:
            worker_transaction.open()
        sweep.join(60)
    assert sweep.outcome.ok, sweep.outcome.message
    job.refresh_from_db()
    if worker == "commits":
        assert sweep.outcome.value == 0 and job.status == Job.Status.RUNNING and job.done == 1
    else:
        assert sweep.outcome.value == 1 and job.status == Job.Status.FAILED and job.error == ABANDONED


def test_beat_sweeps_with_a_task_the_worker_knows():
    from django.conf import settings

    from skilleval.config.celery import app

    app.loader.import_default_modules()  # what a worker does at start
    entry = settings.CELERY_BEAT_SCHEDULE["abandoned-jobs"]
    assert entry["task"] in app.tasks and entry["task"] == jobs_abandoned_task.name
    assert entry["schedule"].minute == set(range(0, 60, 10))
