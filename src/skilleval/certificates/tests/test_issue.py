"""Issuing: only after the authority accepted the batch's report, only to passed
candidates, never twice, only by the organisation's own staff; the whole batch in the
background with progress, one merged print PDF and one signed PDF per person; a name
the font cannot draw is flagged before printing."""

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import PASSWORD, make_user
from skilleval.batches.models import Application
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent, Job
from skilleval.orgs.models import Organisation
from skilleval.results.models import Report, Result

from .. import services
from ..models import Certificate, SerialCounter
from .factories import certifiable_world, passed_result, report_for

pytestmark = pytest.mark.django_db
RARE = "𠮷"  # U+20BB7, outside the certificate font


@pytest.fixture
def cw(jurisdictions):
    return certifiable_world(jurisdictions["合肥市"])


def nothing_issued():
    return not Certificate.objects.exists() and not SerialCounter.objects.filter(last_serial__gt=0).exists()


def test_no_certificate_before_the_authority_accepts_the_report(jurisdictions):
    cw = certifiable_world(jurisdictions["合肥市"], accepted=False)
    with pytest.raises(DomainError, match="尚未经人社部门备案接收"):
        services.certificates_issue(actor=cw.manager, batch=cw.batch)
    # An accepted version followed by a returned one: the latest decides.
    Report.objects.filter(pk=cw.report.pk).update(status=Report.Status.ACCEPTED)
    report_for(cw.batch, cw.manager.user, status=Report.Status.RETURNED, version=2)
    with pytest.raises(DomainError, match="尚未经人社部门备案接收"):
        services.certificate_issue(actor=cw.manager, result=cw.results[0])
    assert nothing_issued()


def test_a_candidate_who_did_not_pass_gets_no_certificate(cw):
    Result.objects.filter(pk=cw.results[0].pk).update(passed=False)
    with pytest.raises(DomainError, match="考生0 的评价结果不合格"):
        services.certificate_issue(actor=cw.manager, result=cw.results[0])
    assert nothing_issued()
    issued = services.certificates_issue(actor=cw.manager, batch=cw.batch)
    assert sorted(c.name for c in issued) == ["考生1", "考生2"]


def test_a_certificate_is_never_issued_twice(cw):
    first = services.certificate_issue(actor=cw.manager, result=cw.results[0])
    with pytest.raises(DomainError, match=f"已发证（证书编号 {first.number}）"):
        services.certificate_issue(actor=cw.manager, result=cw.results[0])
    services.certificates_issue(actor=cw.manager, batch=cw.batch)
    with pytest.raises(DomainError, match="没有待发证的合格人员"):
        services.certificates_issue(actor=cw.manager, batch=cw.batch)
    assert Certificate.objects.count() == 3
    assert SerialCounter.objects.get().last_serial == 3


def test_only_the_organisations_own_staff_in_good_standing_issue(cw, jurisdictions):
    other = certifiable_world(jurisdictions["合肥市"], candidates=1, name="合肥另一证书机床有限公司")
    with pytest.raises(DomainError, match="只能办理本单位"):
        services.certificates_issue(actor=other.manager, batch=cw.batch)
    proctor = actor_for(make_user(Role.PROCTOR, organisation=cw.org))
    with pytest.raises(Exception, match="没有执行此操作的权限"):
        services.certificates_issue(actor=proctor, batch=cw.batch)
    Organisation.objects.filter(pk=cw.org.pk).update(status=Organisation.Status.TERMINATED)
    with pytest.raises(DomainError, match="不能发证"):
        services.certificates_issue(actor=cw.manager, batch=cw.batch)
    assert nothing_issued()


def test_batch_issue_runs_in_the_background_with_one_print_file_and_one_signed_file_each(
        cw, django_capture_on_commit_callbacks):
    Application.objects.filter(pk=cw.world.applications[1].pk).update(name=f"张{RARE}")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.certificates_issue_start(actor=cw.manager, batch=cw.batch, issued_on=dt.date(2026, 6, 1))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.result["created"] == 3
    assert f"（{RARE}）" in job.result["message"] and "手写姓名并加盖印章" in job.result["message"]
    with job.output_file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert names[0] == f"print-{cw.batch.code}.pdf"
    merged = PdfReader(io.BytesIO(archive.read(names[0])))
    assert len(merged.pages) == 3
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert sorted(n for n in names if n.startswith("electronic/")) == [
        f"electronic/certificate-{n}-electronic.pdf" for n in numbers]
    one = PdfReader(io.BytesIO(archive.read(f"electronic/certificate-{numbers[0]}-electronic.pdf")))
    assert "/Sig" in str(one.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()["/FT"])
    flagged = Certificate.objects.get(unprintable=RARE)
    assert flagged.name == f"张{RARE}"
    assert AuditEvent.objects.filter(object_type="batches.batch", summary="批量发证 3 张").exists()
    with pytest.raises(DomainError, match="没有待发证的合格人员"):
        services.certificates_issue_start(actor=cw.manager, batch=cw.batch)


def test_the_issue_page_flags_unprintable_names_and_the_range_before_issuing(client, cw,
                                                                           django_capture_on_commit_callbacks):
    Application.objects.filter(pk=cw.world.applications[2].pk).update(name=f"李{RARE}")
    Organisation.objects.filter(pk=cw.org.pk).update(cert_serial_start=1, cert_serial_end=2)
    client.login(username=cw.manager.user.username, password=PASSWORD)
    page = client.get(reverse("certificates:issue_batch", args=[cw.batch.pk])).content.decode()
    assert f"李{RARE}" in page and "无法打印" in page and "正楷填写完整并加盖企业印章" in page
    assert "号段不足" in page
    response = client.post(reverse("certificates:issue_batch", args=[cw.batch.pk]),
                           {"issued_on": "2026-06-01", "confirm": "on"})
    assert "号段不足" in response.content.decode()
    assert nothing_issued()
    Organisation.objects.filter(pk=cw.org.pk).update(cert_serial_end=999999)
    response = client.post(reverse("certificates:issue_batch", args=[cw.batch.pk]), {"issued_on": "2026-06-01"})
    assert response.status_code == 200 and nothing_issued()  # the confirmation box is required
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:issue_batch", args=[cw.batch.pk]),
                               {"issued_on": "2026-06-01", "confirm": "on"})
    assert response.status_code == 302 and Certificate.objects.count() == 3


def test_a_batch_listed_for_issue_shows_the_report_status(client, cw):
    client.login(username=cw.manager.user.username, password=PASSWORD)
    page = client.get(reverse("certificates:issue_batches")).content.decode()
    assert cw.batch.name in page and "已接收" in page
    passed_result(Application.objects.create(
        batch=cw.batch, item=cw.world.item, person=cw.world.applications[0].person, status="withdrawn",
        number="X-1", name="撤回者", sex="M", birth_date=dt.date(1990, 1, 1), education="高中",
        work_started_on=dt.date(2010, 1, 1), phone="1", current_post="车工",
        post_occupation=cw.world.item.occupation, years_in_occupation=1), passed=False)
    assert client.get(reverse("certificates:issue_batch", args=[cw.batch.pk])).status_code == 200

