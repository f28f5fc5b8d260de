"""After issue: reissue on the holder's application keeps the number and supersedes the
old copy; a misspelt name is corrected the same way with the audit trail; revocation by
the organisation or the authority, with reasons, shown by the query; the register per
organisation and per authority with counts and its XLSX export; the API for staff and
holders."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from skilleval.accounts.access import actor_for
from skilleval.accounts.tests.factories import PASSWORD
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent

from .. import services
from ..models import Certificate, CertificateCopy, ReissueRequest
from .factories import authority_actor, certifiable_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(jurisdictions):
    cw = certifiable_world(jurisdictions["合肥市"], candidates=2)
    return cw, services.certificates_issue(actor=cw.manager, batch=cw.batch)


def holder_of(certificate):
    return actor_for(certificate.person.user)


def test_reissue_keeps_the_number_and_supersedes_the_old_copy(issued):
    cw, (certificate, _other) = issued
    first = certificate.copies.get()
    copy = services.certificate_reissue(actor=cw.manager, certificate=certificate, kind="reissue",
                                        reason="证书遗失，已登报声明作废")
    certificate.refresh_from_db()
    first.refresh_from_db()
    assert (certificate.number, certificate.revision, certificate.status) == (first.certificate.number, 2, "reissued")
    assert copy.revision == 2 and copy.token != first.token and first.superseded_at is not None
    assert Certificate.objects.count() == 2  # no new number drawn
    event = AuditEvent.objects.filter(object_id=str(certificate.pk), summary__startswith="补办").get()
    assert "证书遗失" in event.summary
    with pytest.raises(DomainError, match="补办事由"):
        services.certificate_reissue(actor=cw.manager, certificate=certificate, kind="reissue", reason=" ")
    assert certificate.copies.count() == 2


def test_a_misspelt_name_is_corrected_through_the_reissue_with_its_audit_trail(issued):
    cw, (certificate, _other) = issued
    holder = holder_of(certificate)
    request = services.reissue_request_submit(actor=holder, certificate=certificate, kind="correction",
                                              reason="身份证姓名为“考生零”，证书误印", corrected_name="考生零")
    with pytest.raises(DomainError, match="已有一份待办理"):
        services.reissue_request_submit(actor=holder, certificate=certificate, kind="reissue", reason="遗失")
    copy = services.reissue_request_approve(actor=cw.manager, request=request)
    certificate.refresh_from_db()
    assert certificate.name == copy.name == "考生零" and copy.kind == CertificateCopy.Kind.CORRECTION
    assert ReissueRequest.objects.get(pk=request.pk).status == ReissueRequest.Status.APPROVED
    event = AuditEvent.objects.get(object_id=str(certificate.pk), summary__startswith="更正补发")
    assert (event.before["name"], event.after["name"]) == ("考生0", "考生零")
    assert certificate.copies.get(revision=1).name == "考生0"  # the old copy keeps what it said


def test_a_holder_may_apply_only_for_their_own_certificate_and_staff_may_refuse(issued):
    cw, (certificate, other) = issued
    with pytest.raises(DomainError, match="本人的证书"):
        services.reissue_request_submit(actor=holder_of(other), certificate=certificate, kind="reissue",
                                        reason="遗失")
    request = services.reissue_request_submit(actor=holder_of(certificate), certificate=certificate,
                                              kind="reissue", reason="遗失")
    with pytest.raises(DomainError, match="理由"):
        services.reissue_request_reject(actor=cw.manager, request=request, note="")
    services.reissue_request_reject(actor=cw.manager, request=request, note="请先登报声明原证书作废")
    certificate.refresh_from_db()
    assert certificate.revision == 1 and ReissueRequest.objects.get().status == ReissueRequest.Status.REJECTED


def test_revocation_by_the_organisation_or_the_authority_with_reasons(issued, jurisdictions):
    cw, (certificate, other) = issued
    with pytest.raises(DomainError, match="撤销说明"):
        services.certificate_revoke(actor=cw.manager, certificate=certificate, ground="fraud", reason="")
    stranger = certifiable_world(jurisdictions["蚌埠市"], candidates=1, name="蚌埠证书测试仪器有限公司")
    with pytest.raises(DomainError, match="发证机构或其主管人社部门"):
        services.certificate_revoke(actor=stranger.manager, certificate=certificate, ground="fraud", reason="x")
    with pytest.raises(DomainError, match="发证机构或其主管人社部门"):
        services.certificate_revoke(actor=authority_actor(jurisdictions["蚌埠市"]), certificate=certificate,
                                    ground="fraud", reason="x")
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    services.certificate_revoke(actor=cw.manager, certificate=certificate, ground="wrong_issue", reason="重复报名")
    services.certificate_revoke(actor=authority_actor(jurisdictions["合肥市"]), certificate=other, ground="fraud",
                                reason="伪造学历证明")
    other.refresh_from_db()
    assert other.status == "revoked" and other.revoked_by_authority and other.revocation_reason == "伪造学历证明"
    with pytest.raises(DomainError, match="证书已撤销"):
        services.certificate_reissue(actor=cw.manager, certificate=other, kind="reissue", reason="遗失")
    with pytest.raises(DomainError, match="证书已撤销"):
        services.certificate_revoke(actor=cw.manager, certificate=other, ground="fraud", reason="again")
    from skilleval.core.models import Notification

    assert Notification.objects.filter(organisation_id=cw.org.pk, title__contains="人社部门撤销了证书").exists()


def test_the_register_per_organisation_and_authority_with_counts_and_export(client, issued, jurisdictions):
    cw, (certificate, other) = issued
    services.certificate_revoke(actor=cw.manager, certificate=other, ground="fraud", reason="x")
    elsewhere = certifiable_world(jurisdictions["蚌埠市"], candidates=1, name="蚌埠证书测试仪器有限公司")
    services.certificates_issue(actor=elsewhere.manager, batch=elsewhere.batch)
    client.login(username=cw.manager.user.username, password=PASSWORD)
    response = client.get(reverse("certificates:register"))
    page = response.content.decode()
    assert certificate.number in page and other.number in page and "合计 2" in page
    assert "已撤销 1" in page and elsewhere.org.name not in page
    assert certificate.id_number not in page and certificate.masked_id_number in page
    assert certificate.number in client.get(reverse("certificates:register"), {"q": certificate.name}).content.decode()
    filtered = client.get(reverse("certificates:register"), {"status": "revoked"}).content.decode()
    assert other.number in filtered and certificate.number not in filtered and "合计 1" in filtered
    export = client.get(reverse("certificates:register"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:11] == ("姓名", "证件类型", "证件号码", "所在单位", "职业名称", "工种名称", "职业技能等级", "证书编号",
                            "发证日期", "评价机构", "发证机构")
    assert {r[2] for r in rows[1:]} == {certificate.id_number, other.id_number}  # BB att.6: full ID for the table
    assert AuditEvent.objects.filter(action="export", object_type="certificates.certificate").exists()

    authority = authority_actor(jurisdictions["蚌埠市"])
    client.force_login(authority.user)
    page = client.get(reverse("certificates:register")).content.decode()
    assert elsewhere.org.name in page and certificate.number not in page
    client.force_login(certificate.person.user)
    assert client.get(reverse("certificates:register")).status_code == 403
    assert client.get(reverse("certificates:detail", args=[elsewhere.batch.certificates.get().pk])).status_code == 404


def test_the_holder_downloads_their_own_electronic_certificate_and_no_one_elses(client, issued):
    _cw, (certificate, other) = issued
    client.force_login(certificate.person.user)
    response = client.get(reverse("certificates:copy_pdf", args=[certificate.pk, 1]))
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"
    assert client.get(reverse("certificates:copy_pdf", args=[other.pk, 1])).status_code == 404
    mine = client.get(reverse("certificates:mine")).content.decode()
    assert certificate.number in mine and other.number not in mine
    api = client.get(reverse("api:certificate_pdf", args=[certificate.pk]))
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf"
    assert client.get(reverse("api:certificate_pdf", args=[other.pk])).status_code == 404


def test_the_api_register_and_batch_issue_for_staff(client, jurisdictions, django_capture_on_commit_callbacks):
    cw = certifiable_world(jurisdictions["合肥市"], candidates=2)
    client.force_login(cw.manager.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api:issue_batch", args=[cw.batch.pk]), {"issued_on": "2026-07-01"},
                               content_type="application/json")
    assert response.status_code == 202, response.content
    job = client.get(response.json()["job_url"]).json()
    assert job["status"] == "succeeded" and job["result"]["created"] == 2
    data = client.get(reverse("api:register"), {"level": 5}).json()
    assert data["count"] == 2 and data["items"][0]["number"].startswith(cw.org.filing_number + "265")
    again = client.post(reverse("api:issue_batch", args=[cw.batch.pk]), {}, content_type="application/json")
    assert again.status_code == 400 and "没有待发证" in again.json()["detail"]
    client.force_login(cw.world.applications[0].person.user)
    assert client.get(reverse("api:register")).status_code == 403
    assert len(client.get(reverse("api:mine")).json()) == 1
