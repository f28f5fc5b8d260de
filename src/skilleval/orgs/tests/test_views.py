import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.core.validators import uscc_check_char
from skilleval.orgs import services
from skilleval.orgs.models import FilingApplication, Organisation
from skilleval.orgs.sample import fill_application
from skilleval.orgs.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def filing(jurisdictions):
    """A submitted Hefei filing with its enterprise admin."""
    org = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], status=Organisation.Status.UNFILED,
                              filing_number=None, name="合肥视图测试有限公司")
    admin = make_user(Role.ORG_ADMIN, organisation=org, username="viewadmin")
    application = services.filing_start(actor=actor_for(admin), organisation=org)
    fill_application(actor=actor_for(admin), application=application, occupations=[("6-18-01-01", "", [5])])
    services.filing_submit(actor=actor_for(admin), application=application)
    return application, admin


def test_registration_form_errors_stay_at_the_field_and_save_nothing(client, reference, jurisdictions):
    data = {"name": "注册测试公司", "uscc": "91350100M000100Y44", "city": jurisdictions["合肥市"].pk,
            "nature": "private", "address": "合肥", "contact_person": "李", "contact_phone": "1",
            "admin_username": "reg_admin", "admin_full_name": "李", "admin_password": "Qiye#2026pass",
            "admin_password2": "Qiye#2026pass"}
    response = client.post(reverse("orgs:register"), data)
    assert response.status_code == 200 and "校验位错误" in response.content.decode()
    assert not Organisation.objects.filter(name="注册测试公司").exists()
    data["uscc"] = "91340100MA2AB1C2D" + uscc_check_char("91340100MA2AB1C2D")
    data["city"] = jurisdictions["安徽省"].pk  # a province with cities is no location
    assert "所在地" in client.post(reverse("orgs:register"), data).content.decode()
    data["city"] = jurisdictions["合肥市"].pk
    data["admin_username"] = "坏 名字"
    assert "用户名为3至30位" in client.post(reverse("orgs:register"), data).content.decode()
    assert not Organisation.objects.filter(name="注册测试公司").exists()
    data["admin_username"] = "reg_admin"
    response = client.post(reverse("orgs:register"), data)
    assert response.status_code == 302
    org = Organisation.objects.get(name="注册测试公司")
    assert org.jurisdiction == jurisdictions["合肥市"] and org.status == Organisation.Status.UNFILED


def test_enterprises_and_other_cities_get_404(client, filing, jurisdictions):
    application, _admin = filing
    other_org = OrganisationFactory(jurisdiction=jurisdictions["合肥市"])
    url = reverse("orgs:application_detail", args=[application.pk])
    for user in (make_user(Role.ORG_ADMIN, organisation=other_org),
                 make_user(Role.AUTHORITY, jurisdiction=jurisdictions["蚌埠市"])):
        client.force_login(user)
        assert client.get(url).status_code == 404
        attachment = application.attachments.first()
        assert client.get(reverse("orgs:attachment", args=[attachment.pk])).status_code == 404
    client.force_login(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["安徽省"]))
    page = client.get(url).content.decode()
    assert "合肥视图测试有限公司" in page and 'data-testid="review-panel"' in page


def test_attachments_are_served_only_through_the_checked_view(client, filing):
    application, admin = filing
    attachment = application.attachments.first()
    client.force_login(admin)
    response = client.get(reverse("orgs:attachment", args=[attachment.pk]))
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    client.logout()
    assert client.get(reverse("orgs:attachment", args=[attachment.pk])).status_code == 302


def test_a_bad_line_answers_at_its_field_and_adds_nothing(client, jurisdictions):
    org = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], status=Organisation.Status.UNFILED,
                              filing_number=None)
    admin = make_user(Role.ORG_ADMIN, organisation=org)
    application = services.filing_start(actor=actor_for(admin), organisation=org)
    client.force_login(admin)
    response = client.post(reverse("orgs:line_add", args=[application.pk, "occupations"]),
                           {"occupations-occupation_code": "6-18-02-04", "occupations-levels": ["5"],
                            "occupations-standard_kind": "national", "occupations-question_bank": "national"})
    assert response.status_code == 400 and "准入类职业" in response.content.decode()
    response = client.post(reverse("orgs:line_add", args=[application.pk, "attachments"]),
                           {"attachments-category": "licence",
                            "attachments-file": SimpleUploadedFile("a.pdf", b"GIF89a fake")})
    assert response.status_code == 400 and "文件内容与扩展名" in response.content.decode()
    assert application.occupations.count() == 0 and application.attachments.count() == 0
    response = client.post(reverse("orgs:application_edit", args=[application.pk]),
                           {"registered_capital": "-3", "enterprise_name": "改名"})
    assert "不小于0" in response.content.decode()
    application.refresh_from_db()
    assert application.enterprise_name != "改名"


def test_review_actions_are_the_authoritys_and_keep_state_on_error(client, filing, jurisdictions):
    application, admin = filing
    url = reverse("orgs:review_action", args=[application.pk, "return"])
    client.force_login(admin)
    assert client.post(url, {"return-reason": "x"}).status_code == 403
    client.force_login(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    response = client.post(url, {"return-reason": ""})
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.status == FilingApplication.Status.SUBMITTED
    client.post(url, {"return-reason": "请补充材料"})
    application.refresh_from_db()
    assert application.status == FilingApplication.Status.RETURNED


def test_application_queue_is_filtered_exported_and_its_query_count_is_flat(client, filing, jurisdictions):
    application, _admin = filing
    client.force_login(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    url = reverse("orgs:application_list")
    assert application.reference in client.get(url, {"status": "submitted"}).content.decode()
    assert application.reference not in client.get(url, {"status": "approved"}).content.decode()
    assert "没有符合条件的申请" in client.get(url, {"overdue": "on"}).content.decode()
    export = client.get(url, {"export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(5):
        org = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], status=Organisation.Status.UNFILED,
                                  filing_number=None)
        admin = make_user(Role.ORG_ADMIN, organisation=org, username=f"queue{n}")
        app = services.filing_start(actor=actor_for(admin), organisation=org)
        fill_application(actor=actor_for(admin), application=app, occupations=[("6-18-01-01", "", [5])])
        services.filing_submit(actor=actor_for(admin), application=app)
    with CaptureQueriesContext(connection) as six:
        client.get(url)
    assert len(six) == len(one)


def test_directory_is_public_and_filters(client, jurisdictions, filing):
    filed = OrganisationFactory(jurisdiction=jurisdictions["蚌埠市"], name="蚌埠目录测试有限公司")
    response = client.get(reverse("orgs:directory"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "蚌埠目录测试有限公司" in page and "合肥视图测试有限公司" not in page  # unfiled is not listed
    page = client.get(reverse("orgs:directory"), {"city": jurisdictions["合肥市"].pk}).content.decode()
    assert "蚌埠目录测试有限公司" not in page
    import io

    from openpyxl import load_workbook

    export = client.get(reverse("orgs:directory"), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "机构名称" and any(filed.filing_number in row for row in rows[1:])
