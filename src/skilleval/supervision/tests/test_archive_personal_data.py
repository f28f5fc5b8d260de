"""The archive's ZIP carries application forms, the candidate list and the certificate table
with full ID numbers: starting its export leaves one `personal_data.view` audit event."""

import pytest

from skilleval.core.models import AuditEvent

from ..services import archives as services

pytestmark = pytest.mark.django_db


def test_exporting_an_archive_logs_the_full_id_numbers_it_contains_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.archive_export_start(actor=world["manager"], archive=world["archive"])
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.PERSONAL_DATA_VIEW)
    assert event.object_type == "supervision.archive" and event.actor == world["manager"].user
    assert event.after == {"what": "导出档案（ZIP）", "why": "档案管理",
                           "count": world["archive"].batch.applications.count()}
