"""Data retention: personal data of applications that never led to a certificate is
removed once the profile's `applicant_data_retention_years` have passed since the batch's
last exam day (issue 10 item 2; the default equals the electronic archive's retention).

Rows are anonymised, not deleted: results, exam attempts and the statistics count them, so
the application keeps its batch, item, status, route, sex and birth year (age groups), and
loses its name, contact details, free texts and uploaded files (photo, ID scan, education
proof). A person left with no certificate and no application still holding personal data is
anonymised too (name, phone, ID number replaced by a placeholder, birth day to 1 January); a
login account they may have keeps working (its username and password are not personal data
the purge is about). Certified
candidates and everything of batches still inside the period are untouched. One audit event
per batch names the counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.models import Person
from skilleval.catalog.models import PolicyProfile
from skilleval.core.audit import audit_record
from skilleval.core.models import AuditEvent

from .eligibility import _add_years
from .models import Application, Batch

PURGED_NAME = "（已清除）"
PURGED_ID_PREFIX = "PURGED"


@dataclass
class PurgeReport:
    batches: int = 0
    applications: int = 0
    persons: int = 0
    files: int = 0
    by_batch: dict[str, int] = field(default_factory=dict)


def purge_due(batch: Batch, profile: PolicyProfile, today: dt.date) -> bool:
    return _add_years(batch.last_exam_date, profile.applicant_data_retention_years) <= today


def _uncertified(queryset: Any) -> Any:
    from skilleval.certificates.models import Certificate

    return queryset.exclude(Exists(Certificate.objects.filter(result__application=OuterRef("pk"))))


def _anonymise_application(application: Application) -> int:
    removed = 0
    for name in ("photo", "id_scan", "education_proof"):
        stored = getattr(application, name)
        if stored:
            # The file goes once the anonymised row is committed: a rollback leaves both in place.
            transaction.on_commit(partial(stored.storage.delete, stored.name))
            setattr(application, name, "")
            removed += 1
    application.name = PURGED_NAME
    application.phone = ""
    application.major = ""
    application.political_status = ""
    application.current_post = ""
    application.work_type_direction = ""
    application.condition_text = ""
    application.work_history = ""
    application.review_reason = ""
    application.birth_date = application.birth_date.replace(month=1, day=1)
    if application.graduated_on:
        application.graduated_on = application.graduated_on.replace(month=1, day=1)
    application.work_started_on = application.work_started_on.replace(month=1, day=1)
    application.personal_data_purged_at = timezone.now()
    return removed


def _anonymise_persons(person_ids: set[int]) -> int:
    from skilleval.certificates.models import Certificate

    persons = (Person.objects.select_for_update().filter(pk__in=person_ids)
               .exclude(Exists(Certificate.objects.filter(person=OuterRef("pk"))))
               .exclude(Exists(Application.objects.filter(person=OuterRef("pk"),
                                                          personal_data_purged_at__isnull=True))))
    count = 0
    for person in persons:
        person.name = PURGED_NAME
        person.phone = ""
        person.id_number = f"{PURGED_ID_PREFIX}{person.pk}"
        person.birth_date = person.birth_date.replace(month=1, day=1)
        person.organisation = None
        person.save(update_fields=["name", "phone", "id_number", "birth_date", "organisation", "updated_at"])
        count += 1
    return count


def batch_personal_data_purge(*, actor: Any, batch: Batch, today: dt.date) -> tuple[int, int, int]:
    """Anonymise the batch's uncertified applications (and their persons) if the batch's
    retention has run out; returns (applications, persons, files). Idempotent."""
    profile = batch.organisation.jurisdiction.policy_profile()
    if not purge_due(batch, profile, today):
        return 0, 0, 0
    with transaction.atomic():
        Batch.objects.select_for_update().filter(pk=batch.pk).first()
        applications = list(_uncertified(
            Application.objects.select_for_update().filter(batch=batch, personal_data_purged_at__isnull=True)))
        if not applications:
            return 0, 0, 0
        files = sum(_anonymise_application(a) for a in applications)
        Application.objects.bulk_update(applications, [
            "name", "phone", "major", "political_status", "current_post", "work_type_direction", "condition_text",
            "work_history", "review_reason", "birth_date", "graduated_on", "work_started_on", "photo", "id_scan",
            "education_proof", "personal_data_purged_at"])
        persons = _anonymise_persons({a.person_id for a in applications})
        audit_record(
            actor=actor, action=AuditEvent.Action.PERSONAL_DATA_PURGE, obj=batch,
            summary=_("保存期满（评价结束后 %(y)d 年）清除未获证考生个人信息：报名 %(a)d 条、人员 %(p)d 人、文件 %(f)d 个") % {
                "y": profile.applicant_data_retention_years, "a": len(applications), "p": persons, "f": files},
            after={"applications": len(applications), "persons": persons, "files": files,
                   "retention_years": profile.applicant_data_retention_years, "today": today},
            organisation_id=batch.organisation_id)
    return len(applications), persons, files


def personal_data_purge_expired(*, actor: Any = None, today: dt.date) -> PurgeReport:
    """Every batch whose retention has run out (the daily job; the system is the actor)."""
    report = PurgeReport()
    candidates = (Batch.objects.filter(last_exam_date__lt=today)
                  .filter(Exists(_uncertified(Application.objects.filter(batch=OuterRef("pk"),
                                                                         personal_data_purged_at__isnull=True))))
                  .select_related("organisation__jurisdiction__parent").order_by("last_exam_date", "pk"))
    for batch in candidates:
        applications, persons, files = batch_personal_data_purge(actor=actor, batch=batch, today=today)
        if applications:
            report.batches += 1
            report.applications += applications
            report.persons += persons
            report.files += files
            report.by_batch[batch.code] = applications
    return report
