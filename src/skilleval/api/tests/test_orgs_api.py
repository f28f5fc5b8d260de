"""The organisation and filing endpoints, walked with real rows through the services."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role, User
from skilleval.accounts.services import api_token_create
from skilleval.accounts.tests.factories import make_user
from skilleval.core.validators import uscc_check_char
from skilleval.orgs import services
from skilleval.orgs.models import FilingApplication, Nature, Organisation
from skilleval.orgs.sample import MINIMAL_PDF, fill_application, sample_id_number
from skilleval.orgs.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
API = "/api/v1/orgs"


def bearer(user) -> dict:
    _, key = api_token_create(actor=actor_for(user), name="测试脚本")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def send(client, method, path, auth, body=None):
    call = getattr(client, method)
    if body is None:  # no body at all, as `curl -X POST` sends
        return call(API + path, **auth) if method == "get" else call(API + path, content_type="", **auth)
    return call(API + path, data=json.dumps(body, default=str), content_type="application/json", **auth)


REGISTRATION = {
    "name": "合肥接口精工有限公司", "uscc": uscc("91340100MA2N0K7X3"), "city": "340100", "nature": "private",
    "address": "合肥市高新区创新大道 1 号", "contact_person": "李俊", "contact_phone": "0551-63821106",
    "admin_username": "ent_api", "admin_full_name": "李俊", "admin_password": "Qiye#2026pass",
}


@pytest.fixture
def hefei_authority(jurisdictions):
    return make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"], username="hf_authority")


@pytest.fixture
def submitted(jurisdictions):
    """A Hefei enterprise (registered through the service) with a submitted filing."""
    org = services.organisation_register(
        name="合肥提交测试有限公司", uscc=uscc("91340100MA2N0K7Y1"), city=jurisdictions["合肥市"],
        nature=Nature.PRIVATE, address="合肥", contact_person="王", contact_phone="0551-1",
        admin_username="ent_sub", admin_full_name="王五", admin_password="Qiye#2026pass")
    admin = User.objects.get(username="ent_sub")
    actor = actor_for(admin)
    application = services.filing_start(actor=actor, organisation=org)
    fill_application(actor=actor, application=application, occupations=[("6-18-01-01", "", [5])])
    services.filing_submit(actor=actor, application=application)
    return org, admin, application


def test_the_whole_filing_path_through_the_api(jurisdictions, hefei_authority):
    client = Client()
    # The enterprise registers without logging in.
    response = client.post(f"{API}/register", data=REGISTRATION, content_type="application/json")
    assert response.status_code == 201, response.content
    org_id = response.json()["id"]
    assert response.json()["jurisdiction_code"] == "340100" and response.json()["status"] == "unfiled"
    enterprise = User.objects.get(username="ent_api")
    ent = bearer(enterprise)

    # It opens a filing application and fills part of it through the API.
    response = send(client, "post", "/applications", ent, {"kind": "initial"})
    assert response.status_code == 201, response.content
    app_id = response.json()["id"]
    assert response.json()["status"] == "draft" and response.json()["enterprise_name"] == REGISTRATION["name"]
    response = send(client, "patch", f"/applications/{app_id}", ent,
                    {"registered_capital": "12000", "principal_name": "王建国", "technical_workers": 1860})
    assert response.status_code == 200, response.content
    data = response.json()
    assert float(data["registered_capital"]) == 12000 and data["technical_workers"] == 1860
    assert data["contact_name"] == "李俊"  # untouched fields stay as they were

    response = send(client, "post", f"/applications/{app_id}/occupations", ent,
                    {"occupation_code": "6-18-01-01", "levels": [5], "standard_name": "国家职业技能标准（车工）"})
    assert response.status_code == 201, response.content
    assert response.json()["occupation_name"] == "车工" and response.json()["levels"] == [5]
    raw_ids = []
    for n in range(5):
        raw_ids.append(sample_id_number())
        response = send(client, "post", f"/applications/{app_id}/staff", ent, {
            "role": "examiner", "name": f"考评员{n}", "id_number": raw_ids[-1], "title": "高级技师",
            "occupation_code": "6-18-01-01", "levels": [5]})
        assert response.status_code == 201, response.content
    assert response.json()["id_number"] != raw_ids[-1] and "*" in response.json()["id_number"]
    response = send(client, "post", f"/applications/{app_id}/equipment", ent,
                    {"name": "卧式车床", "brand": "沈阳机床", "model": "CA6140", "quantity": 8, "ownership": "自有"})
    assert response.status_code == 201
    spare = send(client, "post", f"/applications/{app_id}/equipment", ent, {"name": "多余一行"}).json()["id"]
    assert send(client, "delete", f"/applications/{app_id}/equipment/{spare}", ent).status_code == 204
    assert send(client, "delete", f"/applications/{app_id}/equipment/{spare}", ent).status_code == 404
    upload = SimpleUploadedFile("营业执照.pdf", MINIMAL_PDF, content_type="application/pdf")
    response = client.post(f"{API}/applications/{app_id}/attachments", {"category": "licence", "file": upload}, **ent)
    assert response.status_code == 201, response.content
    attachment = response.json()
    assert attachment["category_display"] == "营业执照" and attachment["content_type"] == "application/pdf"
    download = client.get(attachment["url"], **ent)
    assert download.status_code == 200 and download.getvalue().startswith(b"%PDF-")

    # Not complete yet: the detail says what is missing.
    detail = send(client, "get", f"/applications/{app_id}", ent).json()
    assert detail["can_edit"] is True and any("缺少材料" in p for p in detail["problems"])
    assert all("*" in m["id_number"] for m in detail["staff"])
    assert not any(raw in json.dumps(detail) for raw in raw_ids)
    fill_application(actor=actor_for(enterprise), application=FilingApplication.objects.get(pk=app_id),
                     occupations=[("6-31-01-03", "6-31-01-03-01", [4])])
    assert send(client, "get", f"/applications/{app_id}", ent).json()["problems"] == []
    response = send(client, "post", f"/applications/{app_id}/submit", ent)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted" and response.json()["review_deadline"]
    assert response.json()["overdue"] is False
    assert send(client, "get", f"/applications/{app_id}", ent).json()["problems"] is None

    # The city authority returns it with a reason; the enterprise sees both.
    hfa = bearer(hefei_authority)
    queue = send(client, "get", "/applications?status=submitted", hfa).json()
    assert [a["id"] for a in queue["items"]] == [app_id]
    response = send(client, "post", f"/applications/{app_id}/return", hfa, {"reason": "请补充题库佐证材料。"})
    assert response.status_code == 200 and response.json()["status"] == "returned"
    seen = send(client, "get", f"/applications/{app_id}", ent).json()
    assert seen["status"] == "returned" and seen["status_display"] == "退回补正"
    assert seen["return_reason"] == "请补充题库佐证材料。" and seen["returned_count"] == 1
    assert send(client, "patch", f"/applications/{app_id}", ent, {"strengths": "补充：省级技能大师工作室"}).status_code == 200
    assert send(client, "post", f"/applications/{app_id}/submit", ent).json()["status"] == "submitted"

    # Initial review, expert evaluation, approval with the suggested number.
    response = send(client, "post", f"/applications/{app_id}/pass-initial-review", hfa, {"comment": "材料齐全"})
    assert response.json()["status"] == "expert_review"
    response = send(client, "post", f"/applications/{app_id}/expert-evaluations", hfa, {
        "experts": "张教授、李高工、王技师", "form": "on_site", "evaluated_on": TODAY,
        "opinions": "场地设备、考评队伍满足要求。", "conclusion": "pass"})
    assert response.status_code == 201 and response.json()["conclusion_display"] == "具备自主评价条件"
    until = TODAY.replace(year=TODAY.year + 3) - dt.timedelta(days=1)
    response = send(client, "post", f"/applications/{app_id}/approve", hfa, {
        "serial_start": 1, "serial_end": 50000, "valid_from": TODAY, "valid_until": until, "comment": "同意备案"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved" and response.json()["decision_reason"] == "同意备案"
    organisation = send(client, "get", f"/organisations/{org_id}", ent).json()
    assert organisation["status"] == "filed" and organisation["filing_number"] == "Y340100000001"
    assert organisation["serial_range"] == "000001–050000" and organisation["in_good_standing"] is True
    assert {(i["occupation_code"], i["work_type_code"], i["level_code"]) for i in organisation["current_scope"]} == {
        ("6-18-01-01", None, 5), ("6-31-01-03", "6-31-01-03-01", 4)}
    assert all(h["added_by_reference"] == seen["reference"] for h in organisation["scope_history"])

    # The public directory lists it, without a login, and its filters work.
    public = Client()

    def listed(**params):
        response = public.get(f"{API}/directory", params)
        assert response.status_code == 200
        return [i["name"] for i in response.json()["items"]]

    items = public.get(f"{API}/directory").json()["items"]
    entry = next(i for i in items if i["id"] == org_id)
    assert entry["filing_number"] == "Y340100000001" and entry["city_name"] == "合肥市"
    assert entry["contact_person"] == "李俊" and entry["filing_valid_until"] == until.isoformat()
    assert {(i["occupation_name"], i["level_name"]) for i in entry["scope"]} == {("车工", "五级"), ("电工", "四级")}
    name = REGISTRATION["name"]
    assert name in listed(city="340100") and name not in listed(city="340300") and name not in listed(city="999999")
    assert name in listed(occupation="6-18-01-01", level=5) and name not in listed(occupation="6-18-01-01", level=4)
    assert name in listed(level=4) and name not in listed(level=3)
    assert name in listed(q="Y3401") and name in listed(q="接口精工") and name not in listed(q="不存在的公司")
    assert public.get(f"{API}/directory", {"level": 6}).status_code == 422

    # A rectification order, closed: the credit record shows it to the enterprise and the authority.
    response = send(client, "post", f"/organisations/{org_id}/sanctions", hfa, {
        "kind": "rectification", "description": "考场视频缺失两场", "occurred_on": TODAY,
        "rectification_deadline": TODAY + dt.timedelta(days=30), "ground": "irregular"})
    assert response.status_code == 201, response.content
    sanction_id = response.json()["id"]
    assert send(client, "post", f"/sanctions/{sanction_id}/rectified", ent,
                {"rectified_on": TODAY, "note": "已补录"}).status_code == 403
    response = send(client, "post", f"/sanctions/{sanction_id}/rectified", hfa,
                    {"rectified_on": TODAY, "note": "已补齐视频并完善考场管理制度"})
    assert response.status_code == 200 and response.json()["rectified_on"] == TODAY.isoformat()
    record = send(client, "get", f"/organisations/{org_id}/credit-record", ent).json()
    assert [(r["kind_display"], r["rectification_note"]) for r in record] == [("限期整改", "已补齐视频并完善考场管理制度")]
    assert send(client, "get", f"/organisations/{org_id}/credit-record", hfa).json() == record
    examiner = make_user(Role.EXAMINER, organisation=Organisation.objects.get(pk=org_id))
    assert send(client, "get", f"/organisations/{org_id}/credit-record", bearer(examiner)).status_code == 403

    # Termination takes it out of the directory and keeps the record.
    response = send(client, "post", f"/organisations/{org_id}/terminate", hfa,
                    {"ground": "voluntary_exit", "description": "企业申请主动退出"})
    assert response.status_code == 200 and response.json()["status"] == "terminated"
    assert name not in listed() and name not in listed(city="340100")
    record = send(client, "get", f"/organisations/{org_id}/credit-record", hfa).json()
    assert {r["kind"] for r in record} == {"rectification", "termination"}
    again = send(client, "post", f"/organisations/{org_id}/terminate", hfa, {"ground": "inactivity", "description": "再次"})
    assert again.status_code == 400 and "只能终止已备案机构" in again.json()["detail"]


def test_others_get_404_and_the_wrong_role_403(submitted, jurisdictions, hefei_authority):
    org, admin, application = submitted
    client = Client()
    other = OrganisationFactory(name="合肥别家有限公司", jurisdiction=jurisdictions["合肥市"])
    other_admin = bearer(make_user(Role.ORG_ADMIN, organisation=other))
    path = f"/applications/{application.pk}"
    assert send(client, "get", path, other_admin).status_code == 404
    assert send(client, "patch", path, other_admin, {"strengths": "x"}).status_code == 404
    assert send(client, "post", f"{path}/staff", other_admin, {
        "role": "expert", "name": "张三", "id_number": sample_id_number()}).status_code == 404
    assert send(client, "get", "/applications", other_admin).json()["count"] == 0

    bengbu = bearer(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["蚌埠市"]))
    assert send(client, "get", path, bengbu).status_code == 404
    assert send(client, "post", f"{path}/return", bengbu, {"reason": "不属于本辖区"}).status_code == 404
    assert send(client, "get", f"/organisations/{org.pk}", bengbu).status_code == 404

    examiner = bearer(make_user(Role.EXAMINER, organisation=org))
    assert send(client, "get", path, examiner).status_code == 200  # own organisation's staff may read
    for action, body in (("return", {"reason": "x"}), ("pass-initial-review", {}), ("reject", {"reason": "x"}),
                         ("approve", {"serial_start": 1, "serial_end": 9}),
                         ("expert-evaluations", {"experts": "甲", "form": "remote", "evaluated_on": TODAY,
                                                 "opinions": "好", "conclusion": "pass"})):
        response = send(client, "post", f"{path}/{action}", examiner, body)
        assert response.status_code == 403, action
        assert "没有" in response.json()["detail"]
    assert send(client, "post", f"/organisations/{org.pk}/terminate", examiner,
                {"ground": "inactivity", "description": "x"}).status_code == 403
    # The enterprise cannot decide its own application either, nor edit it once submitted.
    ent = bearer(admin)
    assert send(client, "post", f"{path}/pass-initial-review", ent, {}).status_code == 403
    response = send(client, "patch", path, ent, {"strengths": "改"})
    assert response.status_code == 400 and "不能修改" in response.json()["detail"]
    line = application.equipment.first()
    assert send(client, "delete", f"{path}/equipment/{line.pk}", ent).status_code == 400
    application.refresh_from_db()
    assert application.status == FilingApplication.Status.SUBMITTED and application.equipment.filter(
        pk=line.pk).exists()
    # The city's and the province's authority see it.
    assert send(client, "get", path, bearer(hefei_authority)).status_code == 200
    province = bearer(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["安徽省"]))
    assert send(client, "get", path, province).status_code == 200


def test_drafts_stay_the_enterprises_own(jurisdictions, hefei_authority):
    org = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], status=Organisation.Status.UNFILED,
                              filing_number=None)
    admin = make_user(Role.ORG_ADMIN, organisation=org)
    client = Client()
    app_id = send(client, "post", "/applications", bearer(admin), {"kind": "initial"}).json()["id"]
    assert send(client, "get", f"/applications/{app_id}", bearer(hefei_authority)).status_code == 404
    response = send(client, "post", "/applications", bearer(admin), {"kind": "initial"})
    assert response.status_code == 400 and "正在办理" in response.json()["detail"]
    assert send(client, "post", "/applications", bearer(hefei_authority), {"kind": "initial"}).status_code == 403
    assert send(client, "post", "/applications", bearer(admin), {"kind": "other"}).status_code == 422


def test_access_type_occupation_is_refused_and_nothing_added(submitted, jurisdictions):
    org = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], status=Organisation.Status.UNFILED,
                              filing_number=None)
    ent = bearer(make_user(Role.ORG_ADMIN, organisation=org))
    client = Client()
    app_id = send(client, "post", "/applications", ent, {"kind": "initial"}).json()["id"]
    response = send(client, "post", f"/applications/{app_id}/occupations", ent,
                    {"occupation_code": "6-18-02-04", "levels": [5]})
    assert response.status_code == 400
    assert "准入类" in response.json()["detail"] and response.json()["field"] == "occupation_code"
    response = send(client, "post", f"/applications/{app_id}/occupations", ent,
                    {"occupation_code": "6-18-01-01", "levels": [7]})
    assert response.status_code == 400 and response.json()["field"] == "levels"
    assert FilingApplication.objects.get(pk=app_id).occupations.count() == 0
    response = send(client, "post", f"/applications/{app_id}/staff", ent,
                    {"role": "expert", "name": "张三", "id_number": "110105194912310021"})
    assert response.status_code == 400 and "校验位" in response.json()["detail"]
    assert response.json()["field"] == "id_number"


def test_wrong_uploads_are_refused(jurisdictions):
    org = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], status=Organisation.Status.UNFILED,
                              filing_number=None)
    ent = bearer(make_user(Role.ORG_ADMIN, organisation=org))
    client = Client()
    app_id = send(client, "post", "/applications", ent, {"kind": "initial"}).json()["id"]
    url = f"{API}/applications/{app_id}/attachments"
    exe = SimpleUploadedFile("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/octet-stream")
    response = client.post(url, {"category": "licence", "file": exe}, **ent)
    assert response.status_code == 400 and "不支持的文件类型" in response.json()["detail"]
    assert response.json()["field"] == "file"
    fake = SimpleUploadedFile("licence.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = client.post(url, {"category": "licence", "file": fake}, **ent)
    assert response.status_code == 400 and "文件内容与扩展名" in response.json()["detail"]
    pdf = SimpleUploadedFile("licence.pdf", MINIMAL_PDF, content_type="application/pdf")
    assert client.post(url, {"category": "nonsense", "file": pdf}, **ent).status_code == 422
    assert client.post(url, {"category": "licence"}, **ent).status_code == 422
    assert FilingApplication.objects.get(pk=app_id).attachments.count() == 0


def test_patch_refuses_a_bad_number_and_names_the_field(jurisdictions):
    org = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], status=Organisation.Status.UNFILED,
                              filing_number=None)
    ent = bearer(make_user(Role.ORG_ADMIN, organisation=org))
    client = Client()
    app_id = send(client, "post", "/applications", ent, {"kind": "initial"}).json()["id"]
    assert send(client, "patch", f"/applications/{app_id}", ent, {"total_assets": "86500.50"}).status_code == 200
    response = send(client, "patch", f"/applications/{app_id}", ent,
                    {"registered_capital": "一千万", "principal_name": "不会保存"})
    assert response.status_code == 400
    assert response.json()["field"] == "registered_capital" and "注册资本" in response.json()["detail"]
    response = send(client, "patch", f"/applications/{app_id}", ent, {"technical_workers": "很多"})
    assert response.status_code == 400 and response.json()["field"] == "technical_workers"
    assert "技术工人总数" in response.json()["detail"]
    response = send(client, "patch", f"/applications/{app_id}", ent, {"contact_email": "not-an-email"})
    assert response.status_code == 400 and "电子邮箱" in response.json()["detail"]
    application = FilingApplication.objects.get(pk=app_id)
    assert application.registered_capital is None and application.principal_name == ""
    assert str(application.total_assets) == "86500.50"


def test_registration_refuses_bad_input_and_saves_nothing(reference):
    client = Client()
    bad = {**REGISTRATION, "uscc": "91350100M000100Y44"}
    response = client.post(f"{API}/register", data=bad, content_type="application/json")
    assert response.status_code == 400
    assert "统一社会信用代码" in response.json()["detail"] and response.json()["field"] == "uscc"
    response = client.post(f"{API}/register", data={**REGISTRATION, "city": "340000"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "city"
    response = client.post(f"{API}/register", data={**REGISTRATION, "admin_password": "12345678"},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "admin_password"
    response = client.post(f"{API}/register", data={**REGISTRATION, "admin_username": "a b"},
                           content_type="application/json")
    assert response.status_code == 422
    assert not Organisation.objects.exists() and not User.objects.filter(username="ent_api").exists()
    # A municipality is its own city; a provincial SOE files with the province.
    tianjin = {**REGISTRATION, "city": "120000", "uscc": uscc("91120000MA05K0P3X")}
    assert client.post(f"{API}/register", data=tianjin, content_type="application/json").status_code == 201
    soe = {**REGISTRATION, "nature": "provincial_soe", "uscc": uscc("91340000MA2RB5P08"), "admin_username": "soe"}
    response = client.post(f"{API}/register", data=soe, content_type="application/json")
    assert response.status_code == 201 and response.json()["jurisdiction_code"] == "340000"
    response = client.post(f"{API}/register", data={**soe, "admin_username": "soe2"}, content_type="application/json")
    assert response.status_code == 400 and "已注册" in response.json()["detail"]


def test_anonymous_calls_to_private_endpoints_get_401(submitted):
    org, _, application = submitted
    client = Client()
    for method, path in (("get", "/organisations"), ("get", f"/organisations/{org.pk}"),
                         ("get", f"/organisations/{org.pk}/credit-record"), ("get", "/applications"),
                         ("post", "/applications"), ("get", f"/applications/{application.pk}"),
                         ("patch", f"/applications/{application.pk}"),
                         ("post", f"/applications/{application.pk}/submit"),
                         ("post", f"/applications/{application.pk}/approve"),
                         ("delete", f"/applications/{application.pk}/staff/1"),
                         ("post", f"/organisations/{org.pk}/terminate")):
        response = send(client, method, path, {}, {} if method != "get" else None)
        assert response.status_code == 401, (method, path)
        assert "请先登录" in response.json()["detail"]
    assert client.get(f"{API}/directory").status_code == 200


def test_session_writes_need_the_csrf_token(submitted):
    org, admin, _ = submitted
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    assert browser.get(f"{API}/organisations/{org.pk}").status_code == 200
    response = browser.post(f"{API}/organisations/{org.pk}/sanctions", data="{}", content_type="application/json")
    assert response.status_code == 403
    token = "k" * 32  # a CSRF secret, as the browser's cookie would carry it
    browser.cookies["csrftoken"] = token
    response = browser.post(f"{API}/organisations/{org.pk}/sanctions", content_type="application/json",
                            data=json.dumps({"kind": "interview", "description": "x", "occurred_on": str(TODAY)}),
                            HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 403 and "没有" in response.json()["detail"]  # CSRF passed; the role did not


def test_organisation_list_is_scoped_filtered_and_flagged(orgs, jurisdictions, hefei_authority):
    expiring = OrganisationFactory(name="合肥即将到期有限公司", jurisdiction=jurisdictions["合肥市"],
                                   filing_valid_until=TODAY + dt.timedelta(days=20))
    idle = OrganisationFactory(name="合肥长期未评价有限公司", jurisdiction=jurisdictions["合肥市"],
                               filed_at=TODAY - dt.timedelta(days=500), last_evaluation_on=TODAY - dt.timedelta(days=400))
    client = Client()
    hfa = bearer(hefei_authority)
    items = {i["name"]: i for i in send(client, "get", "/organisations", hfa).json()["items"]}
    assert set(items) == {orgs["hefei"].name, expiring.name, idle.name}
    assert items[expiring.name]["flags"] == ["expiring"] and items[idle.name]["flags"] == ["inactive"]
    assert items[orgs["hefei"].name]["flags"] == []
    assert send(client, "get", f"/organisations/{expiring.pk}", hfa).json()["flags"] == ["expiring"]
    found = send(client, "get", "/organisations?q=即将到期", hfa).json()["items"]
    assert [i["id"] for i in found] == [expiring.pk]
    assert send(client, "get", "/organisations?status=terminated", hfa).json()["count"] == 0
    assert send(client, "get", "/organisations?status=nonsense", hfa).status_code == 422
    own = bearer(make_user(Role.ORG_ADMIN, organisation=expiring))
    mine = send(client, "get", "/organisations", own).json()["items"]
    assert [i["id"] for i in mine] == [expiring.pk] and mine[0]["flags"] == []
    candidate = bearer(make_user(candidate=True))
    assert send(client, "get", "/organisations", candidate).status_code == 403


def test_application_list_filters_overdue(submitted, jurisdictions, hefei_authority):
    org, admin, on_time = submitted
    late_org = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], status=Organisation.Status.UNFILED,
                                   filing_number=None)
    late_admin = actor_for(make_user(Role.ORG_ADMIN, organisation=late_org))
    late = services.filing_start(actor=late_admin, organisation=late_org)
    fill_application(actor=late_admin, application=late, occupations=[("6-18-01-01", "", [5])])
    services.filing_submit(actor=late_admin, application=late, today=TODAY - dt.timedelta(days=40))
    client = Client()
    hfa = bearer(hefei_authority)
    overdue = send(client, "get", "/applications?overdue=true", hfa).json()["items"]
    assert [(a["id"], a["overdue"]) for a in overdue] == [(late.pk, True)]
    others = send(client, "get", "/applications?overdue=false", hfa).json()["items"]
    assert [(a["id"], a["overdue"]) for a in others] == [(on_time.pk, False)]
    assert send(client, "get", "/applications?kind=scope", hfa).json()["count"] == 0
    assert send(client, "get", f"/applications?q={on_time.reference}", hfa).json()["count"] == 1
    assert send(client, "get", f"/applications/{late.pk}", hfa).json()["overdue"] is True


def test_scope_adjustment_through_the_api(jurisdictions, hefei_authority):
    org = OrganisationFactory(name="合肥调整范围有限公司", jurisdiction=jurisdictions["合肥市"])
    admin = make_user(Role.ORG_ADMIN, organisation=org)
    client = Client()
    ent = bearer(admin)
    response = send(client, "post", "/applications", ent, {"kind": "initial"})
    assert response.status_code == 400 and "不能再次申请备案" in response.json()["detail"]
    response = send(client, "post", "/applications", ent, {"kind": "scope"})
    assert response.status_code == 201 and response.json()["kind"] == "scope"
    application = FilingApplication.objects.get(pk=response.json()["id"])
    fill_application(actor=actor_for(admin), application=application, occupations=[("6-18-01-01", "", [4])])
    assert send(client, "post", f"/applications/{application.pk}/submit", ent).status_code == 200
    hfa = bearer(hefei_authority)
    response = send(client, "post", f"/applications/{application.pk}/pass-initial-review", hfa)
    assert response.status_code == 200, response.content.decode()
    send(client, "post", f"/applications/{application.pk}/expert-evaluations", hfa, {
        "experts": "张教授", "form": "remote", "evaluated_on": TODAY, "opinions": "满足", "conclusion": "pass"})
    response = send(client, "post", f"/applications/{application.pk}/approve", hfa, {"comment": "同意调整"})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    scope = send(client, "get", f"/organisations/{org.pk}", ent).json()["current_scope"]
    assert [(i["occupation_code"], i["level_code"]) for i in scope] == [("6-18-01-01", 4)]
    org.refresh_from_db()
    assert org.filing_number.startswith("Y9")  # the adjustment keeps the filing number


def test_reject_needs_a_reason(submitted, hefei_authority):
    _, _, application = submitted
    client = Client()
    hfa = bearer(hefei_authority)
    response = send(client, "post", f"/applications/{application.pk}/reject", hfa, {"reason": "  "})
    assert response.status_code == 400 and response.json()["field"] == "reason"
    response = send(client, "post", f"/applications/{application.pk}/reject", hfa, {"reason": "考评队伍不足"})
    assert response.json()["status"] == "rejected" and response.json()["decision_reason"] == "考评队伍不足"


def test_openapi_lists_the_new_paths(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/orgs/directory", "/api/v1/orgs/register", "/api/v1/orgs/applications/{application_id}",
                 "/api/v1/orgs/applications/{application_id}/attachments",
                 "/api/v1/orgs/organisations/{organisation_id}/credit-record",
                 "/api/v1/orgs/applications/{application_id}/approve"):
        assert path in paths
    assert "security" not in paths["/api/v1/orgs/directory"]["get"]
    assert paths["/api/v1/orgs/applications"]["get"]["tags"] == ["评价机构与备案"]
    assert paths["/api/v1/orgs/applications"]["get"]["summary"]


def test_filing_documents_download_through_the_api(reference, jurisdictions):
    organisation = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], status=Organisation.Status.UNFILED,
                                       filing_number=None)
    auth = bearer(make_user(Role.ORG_ADMIN, organisation=organisation))
    client = Client()
    created = client.post(f"{API}/applications", {"kind": "initial"}, content_type="application/json", **auth)
    application_id = created.json()["id"]
    pdf = client.get(f"{API}/applications/{application_id}/download?document=form.pdf", **auth)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(f"{API}/applications/{application_id}/download?document=form.xlsx", **auth)
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    receipt = client.get(f"{API}/applications/{application_id}/download?document=receipt.pdf", **auth)
    assert receipt.status_code == 400 and "已批准" in receipt.json()["detail"]
    assert client.get(f"{API}/applications/{application_id}/download?document=x.doc", **auth).status_code == 422
