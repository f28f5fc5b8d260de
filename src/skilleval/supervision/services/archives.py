"""The batch archive (认定档案) [SD 7(2)]: gathered by category from the system's records once
the evaluation has ended, each category kept for the profile's years (paper, electronic,
video [HF 15, BB 4(2)]); destroyed only through the append-only destruction ledger and never
before its retention ends; exported as a ZIP with its catalogue for an inspection."""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from typing import Any

from django.core.files import File as DjangoFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.batches.models import Batch
from skilleval.core.audit import audit_record, personal_data_view_record, snapshot
from skilleval.core.errors import DomainError
from skilleval.core.jobs import Progress, job_create, job_enqueue
from skilleval.core.models import AuditEvent, Job

from ..catalogue import CATALOGUE, SPECS, add_years, gather, retention_years
from ..models import Archive, ArchiveEntry, Destruction
from .common import clean_text


def _require_batch_manager(actor: Actor, organisation_id: int) -> None:
    actor.require(Perm.BATCH_MANAGE)
    if actor.organisation_id != organisation_id:
        raise DomainError(_("只能办理本单位的档案。"))


def may_export(actor: Actor, archive: Archive) -> bool:
    """The organisation's batch managers, and the authority supervising it (for an inspection)."""
    if actor.has(Perm.BATCH_MANAGE) and actor.organisation_id == archive.organisation_id:
        return True
    return actor.has(Perm.SUPERVISION_MANAGE) and archive.organisation.jurisdiction_id in actor.jurisdiction_ids


@transaction.atomic
def archive_compile(*, actor: Actor, batch: Batch, today: dt.date | None = None) -> Archive:
    """File the batch's records into its archive, or bring the catalogue up to date with what
    was recorded since (destroyed categories stay as the ledger left them). Retention counts
    from the first filing and never shortens."""
    batch = Batch.objects.select_for_update().select_related("organisation__jurisdiction").get(pk=batch.pk)
    _require_batch_manager(actor, batch.organisation_id)
    today = today or timezone.localdate()
    if batch.status != Batch.Status.PLAN_CONFIRMED:
        raise DomainError(_("认定计划经确认并组织评价后才能归档（本批次当前：%(s)s）。") % {
            "s": batch.get_status_display()})
    if today <= batch.last_exam_date:
        raise DomainError(_("评价结束（%(d)s）后才能归档。") % {"d": batch.last_exam_date.isoformat()})
    profile = batch.organisation.jurisdiction.policy_profile()
    gathered = gather(batch)
    now = timezone.now()
    archive = Archive.objects.select_for_update().filter(batch=batch).first()
    created = archive is None
    if archive is None:
        archive = Archive.objects.create(batch=batch, organisation=batch.organisation,
                                         year=batch.first_exam_date.year, archived_on=today, archived_by=actor.user,
                                         gathered_at=now)
    else:
        archive.gathered_at = now
        archive.save(update_fields=["gathered_at", "updated_at"])
    existing = {e.category: e for e in archive.entries.select_for_update()}
    for spec in CATALOGUE:
        content = gathered[spec.category.value]
        years = retention_years(profile, spec.medium)
        ends = add_years(archive.archived_on, years)
        items = [item.as_dict() for item in content.items]
        entry = existing.get(spec.category.value)
        if entry is None:
            ArchiveEntry.objects.create(archive=archive, category=spec.category, medium=spec.medium,
                                        retention_years=years, retention_ends_on=ends, item_count=content.count,
                                        items=items)
        elif entry.destroyed_on is None:
            entry.items = items
            entry.item_count = content.count
            entry.retention_years = max(entry.retention_years, years)
            entry.retention_ends_on = max(entry.retention_ends_on, ends)
            entry.save(update_fields=["items", "item_count", "retention_years", "retention_ends_on", "updated_at"])
    filled = sum(1 for content in gathered.values() if content.items)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE, obj=archive,
                 summary=(_("归档：%(n)d 类材料有记录，共 %(t)d 类") if created else _("更新档案目录：%(n)d 类材料有记录，共 %(t)d 类"))
                 % {"n": filled, "t": len(CATALOGUE)}, organisation_id=batch.organisation_id)
    return archive


@transaction.atomic
def archive_entry_destroy(
    *, actor: Actor, entry: ArchiveEntry, destroyed_on: dt.date, reason: str, method: str, destroyer: str,
    responsible: str, today: dt.date | None = None,
) -> Destruction:
    """Destroy one category of a batch's archive once its retention has ended, recording the
    ledger line (销毁台帐: date, reason, method, batch, category, destroyer, responsible)."""
    entry = ArchiveEntry.objects.select_for_update().select_related("archive__batch", "archive__organisation").get(
        pk=entry.pk)
    archive = entry.archive
    actor.require(Perm.ORG_MANAGE)
    if actor.organisation_id != archive.organisation_id:
        raise DomainError(_("只能销毁本单位的档案。"))
    today = today or timezone.localdate()
    label = entry.get_category_display()
    if entry.destroyed_on is not None:
        raise DomainError(_("“%(c)s”已于 %(d)s 销毁。") % {"c": label, "d": entry.destroyed_on.isoformat()})
    if destroyed_on is None:
        raise DomainError(_("请填写销毁日期。"), field="destroyed_on")
    if destroyed_on > today:
        raise DomainError(_("销毁日期不能晚于今天，请在实际销毁后登记。"), field="destroyed_on")
    if destroyed_on < entry.retention_ends_on:
        raise DomainError(_("“%(c)s”为%(m)s，保管期限 %(y)d 年，保管期满日期为 %(e)s；期满前不得销毁。") % {
            "c": label, "m": entry.get_medium_display(), "y": entry.retention_years,
            "e": entry.retention_ends_on.isoformat()}, field="destroyed_on")
    if method not in Destruction.Method.values:
        raise DomainError(_("请选择销毁方式。"), field="method")
    line = Destruction.objects.create(
        entry=entry, batch=archive.batch, organisation=archive.organisation, category=entry.category,
        medium=entry.medium, retention_ends_on=entry.retention_ends_on, destroyed_on=destroyed_on,
        reason=clean_text(reason, "reason", _("销毁原因"), max_length=200), method=method,
        destroyer=clean_text(destroyer, "destroyer", _("销毁人"), max_length=50),
        responsible=clean_text(responsible, "responsible", _("负责人"), max_length=50), recorded_by=actor.user)
    entry.destroyed_on = destroyed_on
    entry.save(update_fields=["destroyed_on", "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=entry, before={"destroyed_on": None},
                 after=snapshot(line, ["destroyed_on", "reason", "method", "destroyer", "responsible"]),
                 summary=_("销毁档案：%(b)s · %(c)s") % {"b": archive.batch.name, "c": label},
                 organisation_id=archive.organisation_id)
    return line


# ---------------------------------------------------------------------------------------------
# The export


def archive_export_start(*, actor: Actor, archive: Archive) -> Job:
    """Queue the archive's ZIP (catalogue, ledger and every category's files) as a background
    job; the job page offers the file."""
    from ..tasks import archive_export_task

    archive = Archive.objects.select_related("organisation", "batch").get(pk=archive.pk)
    if not may_export(actor, archive):
        raise DomainError(_("您无权导出该档案。"))
    with transaction.atomic():
        job = job_create(actor=actor, kind="archive_export",
                         title=_("档案导出：%(b)s") % {"b": archive.batch.name}, params={"archive_id": archive.pk},
                         organisation_id=archive.organisation_id,
                         jurisdiction_id=archive.organisation.jurisdiction_id)
        audit_record(actor=actor, action=AuditEvent.Action.EXPORT, obj=archive, summary=_("导出档案（ZIP）"),
                     organisation_id=archive.organisation_id)
        # The ZIP holds the application forms, candidate list and certificate table in full.
        personal_data_view_record(actor=actor, obj=archive, what=_("导出档案（ZIP）"), why=_("档案管理"),
                                  count=archive.batch.applications.count(), organisation_id=archive.organisation_id)
        job_enqueue(job, archive_export_task)
    return job


def archive_export_job_body(job: Job, progress: Progress) -> dict[str, Any]:
    from ..documents import catalogue_xlsx, ledger_xlsx

    archive = Archive.objects.select_related("batch__organisation__jurisdiction", "organisation").get(
        pk=job.params["archive_id"])
    batch = archive.batch
    entries = list(archive.entries.all())
    gathered = gather(batch)
    live = [e for e in entries if e.destroyed_on is None]
    total = 2 + sum(len(gathered[e.category].files) for e in live)
    done = 0
    missing: list[str] = []
    with tempfile.TemporaryFile() as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_("00-档案目录.xlsx"), catalogue_xlsx(archive, entries))
            zf.writestr(_("00-销毁台帐.xlsx"), ledger_xlsx(Destruction.objects.filter(batch=batch)))
            done += 2
            for number, spec in enumerate(CATALOGUE, start=1):
                entry = next((e for e in live if e.category == spec.category.value), None)
                if entry is None:
                    continue
                folder = f"{number:02d}-{SPECS[entry.category].label}"
                for file in gathered[entry.category].files:
                    try:
                        zf.writestr(f"{folder}/{file.name}", file.produce())
                    except (FileNotFoundError, OSError):
                        missing.append(f"{folder}/{file.name}")
                    done += 1
                    progress(done, total, file.name)
            if missing:
                zf.writestr(_("00-缺失文件.txt"), "\n".join(missing))
        buffer.seek(0)
        name = f"archive-{batch.code}-{timezone.localdate():%Y%m%d}.zip"
        job.output_file.save(name, DjangoFile(buffer), save=False)
    Job.objects.filter(pk=job.pk).update(output_file=job.output_file.name)
    return {"message": _("已导出 %(n)d 个文件。") % {"n": done - len(missing)}, "skipped": len(missing)}
