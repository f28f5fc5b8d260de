"""Numbering is guaranteed by the database: 16 real processes, each with its own
connection to the test database, issue 2,000 certificates for one organisation, year
and level at the same time (five per transaction, interleaved between processes); the serials are exactly 000001-002000, no duplicate, no gap.
Runs on SQLite (a file database; IMMEDIATE transactions take the write lock) and on
PostgreSQL (the counter row's SELECT ... FOR UPDATE)."""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from skilleval.core.tests.test_worker import _database_url

from .. import services
from ..models import Certificate, CertificateTally, SerialCounter
from .factories import bulk_results, certifiable_world

PROCESSES = 16
CERTIFICATES = 2000
CHUNK = 5  # certificates per issuing transaction


@pytest.mark.django_db(transaction=True)
def test_16_processes_issue_2000_certificates_with_serials_exactly_1_to_2000(jurisdictions):
    cw = certifiable_world(jurisdictions["合肥市"], candidates=1)
    results = cw.results + bulk_results(cw, CERTIFICATES - 1)
    services.platform_key_active()  # the signing key exists before the workers start
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "skilleval.config.settings.base",
           "SKILLEVAL_VAR_DIR": str(settings.VAR_DIR), "SKILLEVAL_MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "DATABASE_URL": _database_url(), "SKILLEVAL_LOG_LEVEL": "ERROR"}
    start_at = time.time() + 8  # every worker has imported Django by then
    workers = [subprocess.Popen(
        [sys.executable, "-m", "skilleval.certificates.tests.issue_worker", str(cw.manager.user.pk), str(start_at), str(CHUNK),
         *[str(r.pk) for r in results[k::PROCESSES]]],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(PROCESSES)]
    outputs = []
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=600)
        assert worker.returncode == 0, stderr[-2000:]
        outputs.append(json.loads(stdout.strip().splitlines()[-1]))
    assert [o["errors"] for o in outputs] == [[]] * PROCESSES
    serials = sorted(s for o in outputs for s in o["serials"])
    assert serials == list(range(1, CERTIFICATES + 1))
    assert all(len(o["serials"]) == CERTIFICATES // PROCESSES for o in outputs)
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == CERTIFICATES
    assert sorted(n[-6:] for n in numbers) == [f"{n:06d}" for n in range(1, CERTIFICATES + 1)]
    assert Certificate.objects.values("result_id").distinct().count() == CERTIFICATES
    assert SerialCounter.objects.get(organisation=cw.org, level_code=5).last_serial == CERTIFICATES
    # The statistics' tally, added to by 16 processes at once, lost none of them.
    assert list(CertificateTally.objects.filter(organisation=cw.org).values_list("issued", "revoked")) == [
        (CERTIFICATES, 0)]
    # Each worker's own serials rose: a worker never got a number lower than one it had before.
    assert all(o["serials"] == sorted(o["serials"]) for o in outputs)
