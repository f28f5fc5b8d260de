"""Faults in the middle of an import, on PostgreSQL. The import's transaction has written
every person and application and waits to write its audit event (core/tests/collide.py)
when either its database connection is killed (pg_terminate_backend, as a database
restart or a network cut would) or the worker process running it is killed (SIGKILL, as
the kernel's OOM killer would). Nothing is half-written; the task retries or is delivered
again and imports once; a job whose database stays away ends with a clear message and can
simply be run again."""

import os
import signal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from skilleval.accounts.models import Person
from skilleval.core.jobs import MAX_RETRIES
from skilleval.core.models import AuditEvent, Job
from skilleval.core.tests.collide import Racer, table_gate
from skilleval.core.tests.test_worker import _wait_finished, running_worker

from ..imports import applications_import_start
from ..models import Application, HeldCertificate
from ..tasks import import_applications_task
from .factories import batch_for, filed_organisation
from .test_imports import varied_rows, xlsx

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ROWS = 40


@pytest.fixture
def world(jurisdictions):
    org = filed_organisation(jurisdictions["合肥市"], name="合肥断线测试机械有限公司",
                             scope=(("6-18-01-01", "", (5, 4, 3)), ("6-18-01-02", "", (5, 4)),
                                    ("6-20-03-02", "6-20-03-02-01", (4,))))
    batch, manager = batch_for(org, items=(("6-18-01-01", 5), ("6-18-01-01", 4), ("6-18-01-01", 3)))
    return batch, manager


def _counts(batch):
    return {"persons": Person.objects.count(), "applications": Application.objects.filter(batch=batch).count(),
            "certificates": HeldCertificate.objects.filter(application__batch=batch).count(),
            "imports": AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).count()}


def _rows():
    # Lathe operators at levels 5, 4 and 3 (the batch's items), some with a certificate held.
    return [r for r in varied_rows(ROWS * 2) if r["申报职业编码"] == "6-18-01-01"][:ROWS]


def _start(manager, batch, content):
    return applications_import_start(actor=manager, batch=batch, upload=SimpleUploadedFile("名单.xlsx", content))


@pytest.mark.parametrize("kills", [1, MAX_RETRIES + 1])
def test_the_database_lost_in_the_middle_of_an_import(world, kills):
    batch, manager = world
    content = xlsx(_rows())
    before = _counts(batch)
    with table_gate(AuditEvent) as gate:
        racer = Racer(lambda: _start(manager, batch, content))
        racer.start()
        statements = gate.kill_waiting(kills, racers=[racer])
        if kills <= MAX_RETRIES:
            gate.wait_for(1, racers=[racer])  # the retry has written everything again and waits at the same place
        gate.open()
        racer.join(120)
    # Each time the connection died with the persons, applications and certificates written,
    # uncommitted, and the audit event of the import about to be.
    assert all(s.startswith('INSERT INTO "core_auditevent"') for s in statements), statements
    assert racer.outcome.ok, racer.outcome.message
    job = Job.objects.get(pk=racer.outcome.value.pk)
    after = _counts(batch)
    if kills <= MAX_RETRIES:  # retried by itself: written exactly once
        assert job.status == Job.Status.SUCCEEDED and job.message == f"导入 {ROWS} 行。"
        assert after["applications"] == before["applications"] + ROWS
        assert after["imports"] == before["imports"] + 1
        return
    assert job.status == Job.Status.FAILED
    assert job.error == "数据库多次连接失败，任务未完成，未保存任何数据。请稍后重新提交。"
    assert after == before  # nothing half-written

    # The task delivered again (a redelivery) does nothing; the user runs the import again.
    import_applications_task.delay(job.pk)
    assert _counts(batch) == before
    again = _start(manager, batch, content)
    again.refresh_from_db()
    assert again.status == Job.Status.SUCCEEDED and again.message == f"导入 {ROWS} 行。"
    after = _counts(batch)
    assert after["applications"] == before["applications"] + ROWS and after["imports"] == before["imports"] + 1
    assert after["persons"] == before["persons"] + ROWS
    numbers = list(Application.objects.filter(batch=batch).values_list("number", flat=True))
    assert len(set(numbers)) == ROWS


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_a_worker_killed_in_the_middle_of_an_import_is_redelivered_and_imports_once(world):
    batch, manager = world
    before = _counts(batch)
    with running_worker("--pool=prefork", "--concurrency=1") as worker, table_gate(AuditEvent) as gate:
        job = _start(manager, batch, xlsx(_rows()))  # queued on the broker for the worker
        pid = gate.wait_for(1)[0]
        statement, wrote = gate.statement(pid)
        assert statement.startswith('INSERT INTO "core_auditevent"') and wrote
        (child,) = _children(worker.pid)  # the pool process running the task
        os.kill(child, signal.SIGKILL)
        gate.open()
        job = _wait_finished(job, worker, seconds=180)
        assert child not in _children(worker.pid)  # a new pool process ran the task again
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.message == f"导入 {ROWS} 行。"
    after = _counts(batch)
    assert after["applications"] == before["applications"] + ROWS
    assert after["persons"] == before["persons"] + ROWS
    assert after["imports"] == before["imports"] + 1
