import pytest
from django.db import DatabaseError, connection, transaction

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.models import PolicyProfile
from skilleval.core.models import AppendOnlyError, AuditEvent
from skilleval.core.selectors import audit_events_visible_to
from skilleval.core.services import record_delete, record_save

pytestmark = pytest.mark.django_db


def test_an_edit_records_who_when_and_the_values_before_and_after(reference):
    admin = make_user(Role.PLATFORM_ADMIN, full_name="平台管理员")
    profile = PolicyProfile.objects.get(key="bengbu")
    profile.publicity_days = 10
    record_save(actor=admin, obj=profile, is_new=False)
    event = AuditEvent.objects.filter(object_type="catalog.policyprofile", action="update").get()
    assert event.actor == admin and event.actor_name == "平台管理员"
    assert ("publicity_days", 7, 10) in event.changed_fields
    assert event.object_id == str(profile.pk)


def test_invalid_edit_saves_nothing_and_records_nothing(reference):
    from django.core.exceptions import ValidationError

    admin = make_user(Role.PLATFORM_ADMIN)
    profile = PolicyProfile.objects.get(key="hefei")
    before = AuditEvent.objects.count()
    profile.min_examiners_per_candidate = 4  # must be odd
    with pytest.raises(ValidationError):
        record_save(actor=admin, obj=profile, is_new=False)
    profile.refresh_from_db()
    assert profile.min_examiners_per_candidate == 3
    assert AuditEvent.objects.count() == before


def test_deletion_is_recorded_with_the_last_values(orgs):
    admin = make_user(Role.PLATFORM_ADMIN)
    org = orgs["bengbu"]
    org_pk, jurisdiction_pk = org.pk, org.jurisdiction_id
    record_delete(actor=admin, obj=org)
    event = AuditEvent.objects.get(action="delete", object_type="orgs.organisation")
    assert event.before["name"] == "蚌埠测试仪器有限公司"
    assert (event.organisation_id, event.jurisdiction_id) == (org_pk, jurisdiction_pk)


def test_audit_lines_cannot_be_changed_or_deleted_through_the_orm(reference):
    make_user(username="xyz")
    event = AuditEvent.objects.first()
    event.summary = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(summary="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_postgresql_refuses_raw_updates_of_the_trail(reference):
    make_user(username="yyz")
    if connection.vendor != "postgresql":
        # The database-level guard is PostgreSQL's; on SQLite the ORM guard above holds.
        assert connection.vendor == "sqlite"
        return
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET summary = 'tampered'")


def test_authorities_read_only_their_jurisdictions_lines(orgs, jurisdictions):
    admin = make_user(Role.PLATFORM_ADMIN)
    for key in ("hefei", "qingdao"):
        org = orgs[key]
        org.contact_person = "新联系人"
        record_save(actor=admin, obj=org, is_new=False)
    hefei = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    anhui = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["安徽省"]))
    shandong = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["山东省"]))
    org_admin = actor_for(make_user(Role.ORG_ADMIN, organisation=orgs["qingdao"]))
    examiner = actor_for(make_user(Role.EXAMINER, organisation=orgs["qingdao"]))

    def repr_of(actor):
        return {e.object_repr for e in audit_events_visible_to(actor).filter(object_type="orgs.organisation")}

    assert repr_of(hefei) == {orgs["hefei"].name}
    assert repr_of(anhui) == {orgs["hefei"].name}
    assert repr_of(shandong) == {orgs["qingdao"].name}
    assert repr_of(org_admin) == {orgs["qingdao"].name}
    assert repr_of(examiner) == set()
    assert audit_events_visible_to(actor_for(admin)).count() == AuditEvent.objects.count()
