"""Backup and restore: the command pair a clerk of the platform runs. A backup taken
here is restored by a separate process into a new, empty database and media folder,
and the audit trail and (once there is one) the certificate register come back
identical, value for value."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from skilleval.accounts.models import Role, User
from skilleval.accounts.tests.factories import make_user
from skilleval.core import crypto
from skilleval.core.audit import audit_record
from skilleval.core.backup import backup_create, backup_restore, data_summary
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent

from .test_worker import _database_url

pytestmark = pytest.mark.django_db


def _new_database(tmp_path):
    """A database no test uses yet: a new SQLite file, or a new PostgreSQL database."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", None
    import psycopg

    name = f"skilleval_restore_{uuid.uuid4().hex[:10]}"
    base = _database_url().rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}", (base, name)


def _drop(created):
    if created is None:
        return
    import psycopg

    base, name = created
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_into_a_fresh_database_with_the_same_audit_trail_and_files(tmp_path, orgs):
    user = make_user(Role.ORG_ADMIN, organisation=orgs["hefei"], username="backup_clerk", full_name="备份测试员")
    for n in range(25):
        audit_record(actor=user, action=AuditEvent.Action.UPDATE, obj=user, summary=f"第{n}次修改：姓名“张三丰”")
    stored = default_storage.save("backup-check/盖章页.txt", ContentFile("合肥市 2026 年第一期".encode()))
    archive = tmp_path / "skilleval-backup.tar.gz"
    manifest = backup_create(archive)
    assert manifest["counts"]["core.AuditEvent"] == AuditEvent.objects.count() >= 25
    assert manifest["digests"]["core.AuditEvent"] == data_summary()["digests"]["core.AuditEvent"]

    url, created = _new_database(tmp_path)
    media = tmp_path / "restored-media"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "skilleval.config.settings.base", "DATABASE_URL": url,
           "SKILLEVAL_VAR_DIR": str(tmp_path / "var"), "SKILLEVAL_MEDIA_ROOT": str(media),
           # The new machine holds the ID-number key of the old one (README: backup and restore).
           crypto.KEY_ENV: os.environ.get(crypto.KEY_ENV) or crypto.key_file().read_text().strip()}
    try:
        done = subprocess.run([sys.executable, "-m", "skilleval.manage", "restore", str(archive)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        restored = json.loads(done.stdout.strip().splitlines()[-1])
        assert restored["digests"]["core.AuditEvent"] == manifest["digests"]["core.AuditEvent"]
        assert restored["rows"] == sum(manifest["counts"].values())
        assert (media / stored).read_text(encoding="utf-8") == "合肥市 2026 年第一期"
        # Restoring twice onto the same database is refused: it is no longer empty.
        again = subprocess.run([sys.executable, "-m", "skilleval.manage", "restore", str(archive)], env=env,
                               capture_output=True, text=True, timeout=300)
        assert again.returncode != 0 and "目标数据库不是空库" in again.stderr
    finally:
        _drop(created)


def test_restore_refuses_a_database_that_is_not_empty_and_a_hostile_archive(tmp_path, reference):
    make_user(username="someone_here")
    archive = tmp_path / "b.tar.gz"
    backup_create(archive)
    with pytest.raises(DomainError, match="目标数据库不是空库"):
        backup_restore(archive)
    assert User.objects.count() == 1

    import io
    import tarfile

    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(hostile, "w:gz") as tar:
        info = tarfile.TarInfo("../../etc/evil")
        payload = b"x"
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    User.objects.all().delete()
    with pytest.raises(DomainError, match="不安全的路径"):
        backup_restore(hostile)


def test_the_backup_command_prints_a_summary(tmp_path, reference, capsys):
    make_user(username="cmd_user")
    call_command("backup", str(tmp_path / "x.tar.gz"))
    line = json.loads(capsys.readouterr().out.strip())
    assert line["rows"] >= 1 and "core.AuditEvent" in line["digests"]
    assert settings.MEDIA_ROOT
