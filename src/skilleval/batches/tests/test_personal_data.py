"""Personal data in the batch area (issue 10 item 2): a full ID number shown or exported to a
role that may see it leaves one `personal_data.view` audit event per page or export (never
one per row, never for a masked view), and uploaded ID scans and photos have no public URL."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import Resolver404, resolve, reverse

from skilleval.batches.models import Application
from skilleval.certificates import services as certificate_services
from skilleval.certificates.tests.factories import certifiable_world
from skilleval.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(jurisdictions):
    return certifiable_world(jurisdictions["合肥市"], candidates=2, name="合肥个人信息测试机床有限公司")


def views_logged():
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.PERSONAL_DATA_VIEW).order_by("pk"))


def test_exporting_the_candidate_list_with_full_ids_is_logged_once_with_who_what_and_why(client, world):
    client.force_login(world.manager.user)
    response = client.get(reverse("batches:document", args=[world.batch.pk, "candidates.xlsx"]))
    assert response.status_code == 200
    [event] = views_logged()
    assert event.actor == world.manager.user and event.object_id == str(world.batch.pk)
    assert event.after == {"what": "导出考生名单", "why": "报送人社部门的考生名单", "count": 2}
    assert "2 人的完整证件号码" in event.summary and event.organisation_id == world.org.pk
    # The masked documents leave no such event.
    client.get(reverse("batches:document", args=[world.batch.pk, "plan.pdf"]))
    assert len(views_logged()) == 1


def test_the_application_form_logs_the_full_id_for_exam_affairs_not_the_masked_copy_of_the_candidate(client, world):
    application = world.world.applications[0]
    url = reverse("batches:application_detail", args=[application.pk]) + "?document=form.pdf"
    client.force_login(application.person.user)
    assert client.get(url).status_code == 200  # the candidate's own form, masked
    assert views_logged() == []
    client.force_login(world.manager.user)
    assert client.get(url)["Content-Type"] == "application/pdf"
    [event] = views_logged()
    assert event.object_type == "batches.application" and event.after["count"] == 1


def test_the_certificate_page_logs_the_issuers_view_of_the_full_id_not_the_holders(client, world):
    certificate, _other = certificate_services.certificates_issue(actor=world.manager, batch=world.batch)
    url = reverse("certificates:detail", args=[certificate.pk])
    client.force_login(certificate.person.user)
    assert certificate.id_number in client.get(url).content.decode()
    assert views_logged() == []
    client.force_login(world.manager.user)
    assert certificate.id_number in client.get(url).content.decode()
    [event] = views_logged()
    assert event.object_type == "certificates.certificate" and event.actor == world.manager.user


def test_uploaded_id_scans_and_photos_have_no_public_url(client, world):
    application = Application.objects.get(pk=world.world.applications[0].pk)
    application.id_scan.save("scan.png", ContentFile(b"\x89PNG id scan"), save=False)
    application.photo.save("photo.jpg", ContentFile(b"\xff\xd8\xff\xe0 photo"), save=True)
    for name in (application.id_scan.name, application.photo.name):
        path = settings.MEDIA_URL + name
        with pytest.raises(Resolver404):
            resolve(path)  # no URL pattern serves the media folder
        assert client.get(path).status_code == 404  # anonymous
    client.force_login(world.manager.user)
    assert client.get(settings.MEDIA_URL + application.id_scan.name).status_code == 404
    page = client.get(reverse("batches:application_detail", args=[application.pk])).content.decode()
    assert application.id_scan.name not in page and settings.MEDIA_URL not in page


def test_the_register_export_with_full_ids_is_logged_once_for_the_whole_file(client, world):
    certificate_services.certificates_issue(actor=world.manager, batch=world.batch)
    client.force_login(world.manager.user)
    page = client.get(reverse("certificates:register"))
    assert views_logged() == []  # the page masks the numbers
    assert "证件号码" in page.content.decode()
    response = client.get(reverse("certificates:register"), {"export": "xlsx"})
    assert response.status_code == 200
    [event] = views_logged()
    assert event.after["count"] == 2 and event.object_type == "certificates.certificate"
