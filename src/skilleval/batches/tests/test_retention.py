"""Retention purge (batches/retention.py, daily job `batches.personal_data_purge`): once the
profile's years after the batch's last exam day have passed, applications that never led to
a certificate lose their personal data (and uploaded files); certified candidates, batches
still inside the period and the counts the statistics use are untouched."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from skilleval.accounts.models import Person
from skilleval.batches.models import Application, Batch
from skilleval.certificates import services as certificate_services
from skilleval.certificates.tests.factories import certifiable_world
from skilleval.core.models import AuditEvent
from skilleval.core.scheduled import daily_run
from skilleval.results.models import Result

from ..retention import PURGED_NAME, personal_data_purge_expired

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_batch(jurisdictions):
    """Three candidates: two passed and certified, one failed with a photo and an ID scan."""
    cw = certifiable_world(jurisdictions["合肥市"], candidates=3, name="合肥留存测试机床有限公司")
    failed = cw.results[2]
    Result.objects.filter(pk=failed.pk).update(passed=False)
    certificate_services.certificates_issue(actor=cw.manager, batch=cw.batch)
    application = Application.objects.get(pk=failed.application_id)
    application.photo.save("photo.jpg", ContentFile(b"\xff\xd8\xff\xe0 photo"), save=False)
    application.id_scan.save("id.png", ContentFile(b"\x89PNG id scan"), save=False)
    application.work_history = "2012-2026 合肥某厂车工"
    application.save()
    last = dt.date(2020, 6, 12)
    Batch.objects.filter(pk=cw.batch.pk).update(first_exam_date=last - dt.timedelta(days=2), last_exam_date=last)
    return cw, application, last


def raw_person_values(person_id: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number FROM accounts_person WHERE id = %s", [person_id])
        return cursor.fetchone()


def test_nothing_is_purged_before_the_profiles_retention_has_run_out(finished_batch):
    cw, application, last = finished_batch
    assert cw.batch.organisation.jurisdiction.policy_profile().applicant_data_retention_years == 5
    report = personal_data_purge_expired(today=dt.date(2025, 6, 11))  # 5 years less a day
    assert report.applications == 0
    application.refresh_from_db()
    assert application.name == "考生2" and application.photo and application.personal_data_purged_at is None
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PERSONAL_DATA_PURGE).exists()


def test_an_uncertified_application_loses_its_personal_data_and_files_the_rest_stays(
        finished_batch, django_capture_on_commit_callbacks):
    cw, application, last = finished_batch
    person = application.person
    plain_id = person.id_number
    photo, scan = application.photo.name, application.id_scan.name
    counts = (Application.objects.filter(batch=cw.batch).count(), Result.objects.filter(batch=cw.batch).count(),
              Person.objects.count())
    certified = [r.application for r in cw.results[:2]]

    with django_capture_on_commit_callbacks(execute=True):
        assert daily_run(dt.date(2025, 6, 12), only="batches.personal_data_purge") == {
            "batches.personal_data_purge": 1}

    application.refresh_from_db()
    assert application.name == PURGED_NAME and application.phone == "" and application.work_history == ""
    assert not application.photo and not application.id_scan
    assert not default_storage.exists(photo) and not default_storage.exists(scan)
    assert application.birth_date == dt.date(application.birth_date.year, 1, 1)
    assert application.personal_data_purged_at is not None
    assert application.status == Application.Status.ACCEPTED and application.batch_id == cw.batch.pk
    person.refresh_from_db()
    assert person.name == PURGED_NAME and person.id_number == f"PURGED{person.pk}" and person.phone == ""
    raw_name, raw_id = raw_person_values(person.pk)
    assert raw_name == PURGED_NAME and plain_id not in raw_id
    assert not Person.objects.filter(id_number=plain_id).exists()
    # Statistics still count every application, result and person.
    assert counts == (Application.objects.filter(batch=cw.batch).count(),
                      Result.objects.filter(batch=cw.batch).count(), Person.objects.count())
    assert Result.objects.get(application=application).passed is False
    # Certified candidates keep everything.
    for kept in certified:
        kept.refresh_from_db()
        assert kept.name.startswith("考生") and kept.personal_data_purged_at is None
        assert kept.person.certificates.get().id_number == kept.person.id_number
    event = AuditEvent.objects.get(action=AuditEvent.Action.PERSONAL_DATA_PURGE)
    assert event.object_id == str(cw.batch.pk) and event.after["applications"] == 1 and event.after["files"] == 2
    assert "5 年" in event.summary

    # Running again the next day changes nothing and writes no second event.
    assert personal_data_purge_expired(today=dt.date(2025, 6, 13)).applications == 0
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PERSONAL_DATA_PURGE).count() == 1


def test_a_shorter_profile_period_purges_earlier(finished_batch):
    cw, application, last = finished_batch
    profile = cw.batch.organisation.jurisdiction.policy_profile()
    profile.applicant_data_retention_years = 2
    profile.save(update_fields=["applicant_data_retention_years"])
    assert personal_data_purge_expired(today=dt.date(2022, 6, 11)).applications == 0
    report = personal_data_purge_expired(today=dt.date(2022, 6, 12))
    assert report.applications == 1 and report.by_batch == {cw.batch.code: 1}
    application.refresh_from_db()
    assert application.name == PURGED_NAME
