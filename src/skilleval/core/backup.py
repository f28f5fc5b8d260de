"""Backup and restore of a whole installation: the database (every app's rows, in
Django's portable JSON, so a SQLite trial can move to PostgreSQL) and the uploaded
files, in one .tar.gz with a manifest of row counts and digests of the audit trail
and the certificate register. `restore` loads it into an empty database and checks
the counts and digests against the manifest before it reports success."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.db import transaction

from .crypto import key_ring
from .errors import DomainError

FORMAT = 1
EXCLUDED = ("contenttypes", "auth.permission", "sessions")
# The tables whose every value is compared after a restore (the rest by row count).
DIGESTED = ("core.AuditEvent", "certificates.Certificate")


def _models():
    skipped = {"contenttypes", "sessions"}
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label in skipped or label == "auth.Permission" or not model._meta.managed:
            continue
        if model._meta.proxy:
            continue
        yield label, model


def _digest(model) -> str:
    digest = hashlib.sha256()
    queryset = model._default_manager.order_by("pk")
    last = None
    while True:
        chunk = list((queryset.filter(pk__gt=last) if last is not None else queryset)[:2000])
        if not chunk:
            break
        digest.update(serializers.serialize("json", chunk, use_natural_foreign_keys=True).encode())
        last = chunk[-1].pk
    return digest.hexdigest()


def data_summary() -> dict:
    """Row counts of every table and digests of the audit trail and the register."""
    counts = {label: model._default_manager.count() for label, model in _models()}
    digests = {}
    for label in DIGESTED:
        try:
            digests[label] = _digest(apps.get_model(label))
        except LookupError:
            continue
    return {"counts": counts, "digests": digests}


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def backup_create(target: Path) -> dict:
    """Write the backup archive to `target` and return its manifest."""
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="skilleval-backup-") as work:
        data_file = Path(work) / "database.json.gz"
        with gzip.open(data_file, "wt", encoding="utf-8") as out:
            call_command("dumpdata", *[f"--exclude={e}" for e in EXCLUDED], natural_foreign=True,
                         natural_primary=False, indent=None, stdout=out)
        manifest = {"format": FORMAT, "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "engine": settings.DATABASES["default"]["ENGINE"], "data_key": key_ring().current,
                    **data_summary()}
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(target, "w:gz") as archive:
            archive.add(data_file, arcname="database.json.gz")
            media = _media_root()
            if media.is_dir():
                archive.add(media, arcname="media")
            payload = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return manifest


def _safe_members(archive: tarfile.TarFile):
    for member in archive.getmembers():
        name = member.name
        if name.startswith("/") or ".." in Path(name).parts or not (member.isfile() or member.isdir()):
            raise DomainError(f"备份文件中含有不安全的路径：{name}")
        yield member


def backup_restore(source: Path) -> dict:
    """Load the archive into this (migrated, empty) database and media folder. Refuses a
    database that already holds users; checks counts and digests against the manifest."""
    from skilleval.accounts.models import User

    source = Path(source)
    if not source.is_file():
        raise DomainError(f"找不到备份文件：{source}")
    if User.objects.exists():
        raise DomainError("目标数据库不是空库（已有用户），为防止覆盖，请在新建的空数据库上恢复。")
    with tempfile.TemporaryDirectory(prefix="skilleval-restore-") as work, tarfile.open(source, "r:gz") as archive:
        archive.extractall(work, members=list(_safe_members(archive)), filter="data")
        manifest = json.loads((Path(work) / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise DomainError(f"备份格式版本 {manifest.get('format')} 不受支持。")
        kid = manifest.get("data_key")
        if kid and kid not in key_ring().ciphers:
            # ID numbers travel encrypted: without the key they were written with, nothing can be read.
            raise DomainError(f"备份中的证件号码用密钥 {kid} 加密，本机没有该密钥：请设置 SKILLEVAL_DATA_KEY"
                              f"（或复制原机器的 data-keys 目录）后再恢复。")
        data = Path(work) / "load" / "skilleval-restore.json"
        data.parent.mkdir()
        with gzip.open(Path(work) / "database.json.gz", "rb") as packed, open(data, "wb") as plain:
            shutil.copyfileobj(packed, plain)
        with transaction.atomic():
            call_command("loaddata", str(data), verbosity=0)
            summary = data_summary()
            differences = _compare(manifest, summary)
            if differences:
                raise DomainError("恢复后的数据与备份清单不一致，已撤销：" + "；".join(differences[:10]))
        media = Path(work) / "media"
        if media.is_dir():
            shutil.copytree(media, _media_root(), dirs_exist_ok=True)
    return summary


def _compare(manifest: dict, summary: dict) -> list[str]:
    problems = []
    for label, count in manifest.get("counts", {}).items():
        if summary["counts"].get(label, 0) != count:
            problems.append(f"{label} 备份 {count} 行，恢复 {summary['counts'].get(label, 0)} 行")
    for label, digest in manifest.get("digests", {}).items():
        if summary["digests"].get(label) != digest:
            problems.append(f"{label} 内容校验值不一致")
    return problems
