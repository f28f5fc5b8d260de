"""The database going away during a batch issue, on PostgreSQL (core/tests/collide.py):
the issuing connection is killed while its transaction has drawn the serials and written
the certificates, and, separately, after the numbers committed while the files are being
made. No number is lost or drawn twice, the job says what happened, and a rerun (by the
task's retry or by the user) finishes the work once."""

import datetime as dt
import io
import zipfile

import pytest

from skilleval.core.jobs import MAX_RETRIES
from skilleval.core.models import AuditEvent, Job
from skilleval.core.tests.collide import Racer, row_gate, table_gate

from .. import services
from ..models import Certificate, CertificateCopy, SerialCounter
from ..tasks import issue_certificates_task
from .factories import certifiable_world

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ISSUED = dt.date(2026, 6, 1)
CANDIDATES = 4


@pytest.fixture
def cw(jurisdictions):
    world = certifiable_world(jurisdictions["合肥市"], candidates=CANDIDATES)
    services.platform_key_active()  # the signing key exists (its creation is audited) before the gates close
    return world


def _start(cw):
    return lambda: services.certificates_issue_start(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)


def _register(cw):
    counter = SerialCounter.objects.filter(organisation=cw.org).first()
    return {"certificates": Certificate.objects.filter(batch=cw.batch).count(),
            "copies": CertificateCopy.objects.filter(certificate__batch=cw.batch).count(),
            "last_serial": counter.last_serial if counter else 0,
            "issues": AuditEvent.objects.filter(object_type="batches.batch", summary__startswith="批量发证").count()}


def _archive_names(job):
    with job.output_file.open("rb") as handle:
        return sorted(zipfile.ZipFile(io.BytesIO(handle.read())).namelist())


def _issued_once(cw, job):
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["created"] == CANDIDATES
    assert _register(cw) == {"certificates": CANDIDATES, "copies": CANDIDATES, "last_serial": CANDIDATES, "issues": 1}
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == list(range(1, CANDIDATES + 1))
    numbers = Certificate.objects.values_list("number", flat=True)
    assert _archive_names(job) == sorted([f"print-{cw.batch.code}.pdf"] + [
        f"electronic/certificate-{n}-electronic.pdf" for n in numbers])


def test_the_database_lost_while_the_numbers_are_drawn_and_the_issue_run_again(cw):
    before = _register(cw)
    with table_gate(AuditEvent) as gate:
        racer = Racer(_start(cw))
        racer.start()
        statements = gate.kill_waiting(MAX_RETRIES + 1, racers=[racer])
        gate.open()
        racer.join(120)
    # Killed each time with the serial counter moved and the certificates and copies written.
    assert all(s.startswith('INSERT INTO "core_auditevent"') for s in statements), statements
    job = Job.objects.get(pk=racer.outcome.value.pk)
    assert job.status == Job.Status.FAILED
    assert job.error == "数据库多次连接失败，任务未完成，未保存任何数据。请稍后重新提交。"
    assert _register(cw) == before == {"certificates": 0, "copies": 0, "last_serial": 0, "issues": 0}

    issue_certificates_task.delay(job.pk)  # a late redelivery of the failed job does nothing
    assert _register(cw) == before
    again = _start(cw)()  # the user issues again: serials from 1, no gap
    again.refresh_from_db()
    _issued_once(cw, again)


def test_the_database_lost_while_the_files_are_made_issues_no_number_twice(cw):
    with table_gate(AuditEvent) as issuing:
        racer = Racer(_start(cw))
        racer.start()
        issuing.wait_for(1, racers=[racer])  # the numbers are drawn, not committed
        job = Job.objects.get(kind=services.JOB_KIND, params__batch_id=cw.batch.pk)
        with row_gate(Job, job.pk) as noting:
            issuing.open()
            noting.wait_for(1, racers=[racer])  # about to commit, noting its certificates on the job
            with table_gate(CertificateCopy).behind() as files:  # queued behind the issue's transaction
                noting.open()
                files.held()  # the issue committed; the first file's record now waits
                statements = files.kill_waiting(1, racers=[racer])
                files.wait_for(1, racers=[racer])  # the retry is making the same certificates' files
            racer.join(120)
    assert 'UPDATE "certificates_certificatecopy"' in statements[0], statements
    assert racer.outcome.ok, racer.outcome.message
    job.refresh_from_db()
    _issued_once(cw, job)
