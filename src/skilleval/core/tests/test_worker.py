"""The background-job path end to end with a real Celery worker process on the
embedded broker (no extra service): queue after commit, run, progress row."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.models import Occupation
from skilleval.catalog.services import catalog_import_start
from skilleval.catalog.tests.test_catalog import xlsx
from skilleval.config.celery import app as celery_app
from skilleval.core.models import Job


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{db.get('USER') or 'postgres'}{password}@{host}:{port}/{db['NAME']}"


def start_worker(*pool: str) -> subprocess.Popen:
    """A real Celery worker process on the configured broker, seeing the test database.
    `pool` defaults to the solo pool; `("--pool=prefork", "--concurrency=1")` runs the
    tasks in a child process that a test can kill."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "skilleval.config.settings.base",
        "SKILLEVAL_VAR_DIR": str(settings.VAR_DIR),
        "SKILLEVAL_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DATABASE_URL": _database_url(),
        # CI runs this file a second time with CELERY_BROKER_URL=redis://… (the production broker).
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "skilleval.config", "worker", *(pool or ("--pool=solo",)),
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


@contextmanager
def running_worker(*pool: str) -> Iterator[subprocess.Popen]:
    """Tasks go to the broker (not run in-process) while a real worker runs."""
    process = start_worker(*pool)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager = eager
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def worker(transactional_db):
    with running_worker() as process:
        yield process


def _wait_finished(job: Job, process, seconds: float = 180) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        if process.poll() is not None:
            pytest.fail("worker exited early:\n" + process.stdout.read())
        time.sleep(0.2)
    pytest.fail(f"job still {job.status} after {seconds}s")


def test_a_real_worker_runs_the_import_and_records_progress(worker, reference):
    assert settings.CELERY_BROKER_URL.split(":")[0] in ("filesystem", "redis")  # the embedded or the production broker
    admin = make_user(Role.PLATFORM_ADMIN)
    rows = [[f"6-05-01-{i:02d}", f"纺织工种{i}", "", "", "技能类", "否"] for i in range(1, 41)]
    job = catalog_import_start(actor=admin, upload=SimpleUploadedFile("big.xlsx", xlsx(rows)))
    job = _wait_finished(job, worker)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.done, job.total, job.percent) == (40, 40, 100)
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert Occupation.objects.filter(code__startswith="6-05-01-").count() == 40
