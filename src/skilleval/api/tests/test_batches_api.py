"""The evaluation batch endpoints, walked with real rows through the services."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.services import api_token_create
from skilleval.accounts.tests.factories import make_user, resident_id
from skilleval.batches import services
from skilleval.batches.models import Application, Batch, BatchStaff
from skilleval.batches.tests.factories import (
    TODAY,
    application_data,
    batch_for,
    candidate,
    filed_organisation,
)
from skilleval.core.models import Job
from skilleval.core.workdays import working_calendar
from skilleval.orgs.sample import sample_id_number

pytestmark = pytest.mark.django_db
API = "/api/v1/batches"


def bearer(user) -> dict:
    _, key = api_token_create(actor=actor_for(user), name="测试脚本")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def send(client, method, path, auth, body=None):
    call = getattr(client, method)
    if body is None:
        return call(API + path, **auth) if method == "get" else call(API + path, content_type="", **auth)
    return call(API + path, data=json.dumps(body, default=str), content_type="application/json", **auth)


@pytest.fixture
def hefei_org(jurisdictions):
    return filed_organisation(jurisdictions["合肥市"], name="合肥接口批次机械有限公司")


@pytest.fixture
def manager(hefei_org):
    return make_user(Role.ORG_ADMIN, organisation=hefei_org, full_name="李俊")


@pytest.fixture
def hefei_authority(jurisdictions):
    return make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"])


def application_body(item_id, id_number, *, name="张伟", years="3", **extra):
    return {"item": item_id, "name": name, "id_number": id_number, "education": "高中",
            "work_started_on": "2012-07-01", "years_in_occupation": years, "phone": "13905510000",
            "current_post": "车工", "post_occupation_code": "6-18-01-01", "commitment_signed": True, **extra}


def ready_for_plan(batch, manager_actor, org, n=2):
    """Accepted candidates, a full roster, the commitment and a saved plan, via the services."""
    for i in range(n):
        user = candidate(org, name=f"考生{i}")
        application = services.application_submit(
            actor=actor_for(user), batch=batch,
            data=application_data(batch, id_number=user.person.id_number, name=f"考生{i}"))
        services.application_review(actor=manager_actor, application=application, decision="accept")
    for role, count in ((BatchStaff.Role.HEAD, 1), (BatchStaff.Role.PROCTOR, 2), (BatchStaff.Role.EXAMINER, 3),
                        (BatchStaff.Role.SUPERVISOR, 1)):
        for k in range(count):
            services.batch_staff_add(actor=manager_actor, batch=batch, role=role, name=f"{role}{k}",
                                     id_number=sample_id_number())
    services.batch_sign_commitment(actor=manager_actor, batch=batch, signatory="王海燕")
    services.batch_plan_save(actor=manager_actor, batch=batch, plan=services.plan_draft(batch))


def test_the_whole_batch_path_through_the_api(hefei_org, manager, hefei_authority, jurisdictions):
    client = Client()
    ent = bearer(manager)
    first = working_calendar().add(TODAY, 20).date

    # The organisation opens a batch, fixes it, adds items inside its scope and announces it.
    response = send(client, "post", "", ent, {
        "name": "2026年第四期车工认定", "registration_opens": TODAY - dt.timedelta(days=3),
        "registration_closes": TODAY + dt.timedelta(days=5), "first_exam_date": first,
        "last_exam_date": first + dt.timedelta(days=2), "sites": "实训楼一层理论考场、二号车间实操考场",
        "contact": "李俊 0551-63821106"})
    assert response.status_code == 201, response.content
    batch = response.json()
    batch_id = batch["id"]
    assert batch["status"] == "draft" and batch["code"].startswith(hefei_org.filing_number)
    assert batch["organisation_name"] == hefei_org.name and batch["items"] == [] and batch["can_edit"] is True
    response = send(client, "patch", f"/{batch_id}", ent, {"candidate_scope": "本企业在岗职工", "name": None})
    assert response.status_code == 200 and response.json()["candidate_scope"] == "本企业在岗职工"
    assert response.json()["name"] == "2026年第四期车工认定"
    response = send(client, "patch", f"/{batch_id}", ent, {"last_exam_date": first - dt.timedelta(days=1)})
    assert response.status_code == 400 and response.json()["field"] == "last_exam_date"

    response = send(client, "post", f"/{batch_id}/items", ent, {
        "occupation_code": "6-18-01-01", "level_code": 5, "method": "exam",
        "theory_weight": 30, "practical_weight": 60, "review_weight": 10})
    assert response.status_code == 201, response.content
    item = response.json()
    assert item["label"] == "车工 五级/初级工" and item["pass_mark"] == 60 and item["method_display"].startswith("考核认定")
    for level in (4, 3):
        assert send(client, "post", f"/{batch_id}/items", ent, {
            "occupation_code": "6-18-01-01", "level_code": level, "method": "modular", "theory_weight": 40,
            "practical_weight": 60, "modules": [{"name": "通用技能", "mandatory": True}]}).status_code == 201
    response = send(client, "post", f"/{batch_id}/items", ent, {
        "occupation_code": "6-18-01-01", "level_code": 2, "method": "modular", "theory_weight": 40,
        "practical_weight": 60, "modules": [{"name": "数控加工", "mandatory": False}]})
    assert response.status_code == 400 and response.json()["field"] == "modules"
    assert "必考模块" in response.json()["detail"]
    spare = next(i for i in send(client, "get", f"/{batch_id}", ent).json()["items"] if i["level_code"] == 3)
    assert spare["modules"] == [{"name": "通用技能", "mandatory": True}]
    assert send(client, "delete", f"/{batch_id}/items/{spare['id']}", ent).status_code == 204
    assert send(client, "delete", f"/{batch_id}/items/{spare['id']}", ent).status_code == 404
    response = send(client, "post", f"/{batch_id}/announce", ent)
    assert response.status_code == 200 and response.json()["status"] == "announced"
    assert response.json()["registration_open"] is True and response.json()["announced_at"]
    response = send(client, "post", f"/{batch_id}/items", ent, {
        "occupation_code": "6-18-01-01", "level_code": 3, "method": "exam", "theory_weight": 100})
    assert response.status_code == 400 and "公告发布后" in response.json()["detail"]
    items = {i["level_code"]: i["id"] for i in send(client, "get", f"/{batch_id}", ent).json()["items"]}

    # Candidates of the workforce find the announcement and apply; the verdict comes back at once.
    zhang, li = candidate(hefei_org, name="张伟"), candidate(hefei_org, name="李娜")
    cand_zhang, cand_li = bearer(zhang), bearer(li)
    open_now = send(client, "get", "/announcements", cand_zhang).json()
    assert [b["id"] for b in open_now] == [batch_id]
    assert open_now[0]["counts"] is None and open_now[0]["my_application_id"] is None
    assert {i["level_code"] for i in open_now[0]["items"]} == {5, 4}
    response = send(client, "post", f"/{batch_id}/applications", cand_zhang, application_body(
        items[5], zhang.person.id_number, school_kind="technical_school", major="机械加工",
        certificates=[{"kind": "professional", "number": "ZJ-2019-001", "issued_on": "2019-06-30"}],
        awards=[{"kind": "honour", "tier": "city", "name": "合肥市技术能手", "year": 2024}]))
    assert response.status_code == 201, response.content
    applied = response.json()
    zhang_id = applied["id"]
    assert applied["eligible"] is True and applied["route"] == "normal" and applied["rule_label"]
    assert applied["reasons"] == [] and applied["status"] == "submitted" and applied["source"] == "online"
    assert applied["id_number"] != zhang.person.id_number and "*" in applied["id_number"]
    assert applied["certificates"][0]["kind_display"] == "专业技术"
    assert applied["awards"][0]["tier_display"] == "市级" and applied["number"].startswith(batch["code"])
    response = send(client, "post", f"/{batch_id}/applications", cand_li,
                    application_body(items[4], li.person.id_number, name="李娜", years="1"))
    assert response.status_code == 201, response.content
    li_id = response.json()["id"]
    assert response.json()["eligible"] is False and response.json()["reasons"]
    again = send(client, "post", f"/{batch_id}/applications", cand_li,
                 application_body(items[5], li.person.id_number, name="李娜"))
    assert again.status_code == 400 and again.json()["field"] == "item"
    assert send(client, "get", "/announcements", cand_zhang).json()[0]["my_application_id"] == zhang_id
    seen = send(client, "get", f"/{batch_id}", cand_zhang)
    assert seen.status_code == 200 and seen.json()["counts"] is None
    assert send(client, "get", "", cand_zhang).status_code == 403
    assert send(client, "get", f"/{batch_id}/applications", cand_zhang).status_code == 403
    assert send(client, "get", f"/applications/{li_id}", cand_zhang).status_code == 404

    # The organisation's list: masked IDs, filters.
    listed = send(client, "get", f"/{batch_id}/applications", ent).json()
    assert listed["count"] == 2
    raw = json.dumps(listed, ensure_ascii=False)
    assert zhang.person.id_number not in raw and li.person.id_number not in raw
    assert [a["name"] for a in send(client, "get", f"/{batch_id}/applications?eligible=false", ent).json()[
        "items"]] == ["李娜"]
    assert [a["id"] for a in send(client, "get", f"/{batch_id}/applications?q=张伟", ent).json()["items"]] == [zhang_id]
    assert send(client, "get", f"/{batch_id}/applications?route=normal&status=submitted", ent).json()["count"] == 1
    assert send(client, "get", f"/{batch_id}/applications?route=nonsense", ent).status_code == 422
    assert send(client, "get", f"/{batch_id}", ent).json()["counts"] == {"submitted": 2}
    assert send(client, "get", "?status=announced&q=第四期", ent).json()["count"] == 1
    assert send(client, "get", "?status=draft", ent).json()["count"] == 0

    # Review: the candidate may not; an ineligible application cannot be accepted; returned, corrected, accepted.
    assert send(client, "post", f"/applications/{zhang_id}/review", cand_zhang, {"decision": "accept"}).status_code == 403
    response = send(client, "post", f"/applications/{li_id}/review", ent, {"decision": "accept"})
    assert response.status_code == 400 and response.json()["field"] == "decision"
    response = send(client, "post", f"/applications/{li_id}/review", ent, {"decision": "return"})
    assert response.status_code == 400 and response.json()["field"] == "reason"
    response = send(client, "post", f"/applications/{li_id}/review", ent,
                    {"decision": "return", "reason": "工作年限不足，请改报五级"})
    assert response.status_code == 200 and response.json()["status"] == "returned"
    assert response.json()["review_reason"] == "工作年限不足，请改报五级" and response.json()["reviewed_by"] == "李俊"
    assert send(client, "patch", f"/applications/{li_id}", ent, {"item": items[5]}).status_code == 403
    response = send(client, "patch", f"/applications/{li_id}", cand_li, {"item": items[5], "years_in_occupation": "2"})
    assert response.status_code == 200, response.content
    corrected = response.json()
    assert corrected["status"] == "submitted" and corrected["eligible"] is True and corrected["level_code"] == 5
    assert corrected["name"] == "李娜" and corrected["phone"] == "13905510000"  # untouched fields kept
    response = send(client, "patch", f"/applications/{zhang_id}", cand_zhang, {"phone": "13900000000"})
    assert response.status_code == 400 and "退回" in response.json()["detail"]
    for application_id in (zhang_id, li_id):
        response = send(client, "post", f"/applications/{application_id}/review", ent, {"decision": "accept"})
        assert response.status_code == 200 and response.json()["status"] == "accepted"
    detail = send(client, "get", f"/applications/{zhang_id}", cand_zhang).json()
    assert detail["status"] == "accepted" and detail["can_review"] is False and detail["eligible"] is True
    assert detail["post_occupation_code"] == "6-18-01-01" and detail["batch_name"] == "2026年第四期车工认定"
    # A third candidate applies and withdraws.
    wang = candidate(hefei_org, name="王强")
    cand_wang = bearer(wang)
    wang_id = send(client, "post", f"/{batch_id}/applications", cand_wang,
                   application_body(items[5], wang.person.id_number, name="王强")).json()["id"]
    assert send(client, "post", f"/applications/{wang_id}/withdraw", ent).status_code == 403
    response = send(client, "post", f"/applications/{wang_id}/withdraw", cand_wang)
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"

    # The roster: masked, no overlaps, candidates excluded.
    for role, count in (("head", 1), ("proctor", 2), ("examiner", 3), ("supervisor", 1)):
        for k in range(count):
            response = send(client, "post", f"/{batch_id}/staff", ent,
                            {"role": role, "name": f"{role}{k}", "id_number": sample_id_number()})
            assert response.status_code == 201, response.content
    staff = send(client, "get", f"/{batch_id}/staff", ent).json()
    assert len(staff) == 7 and all("*" in m["id_number"] for m in staff)
    taken = BatchStaff.objects.filter(batch_id=batch_id, role="proctor")[0]
    response = send(client, "post", f"/{batch_id}/staff", ent,
                    {"role": "examiner", "name": taken.name, "id_number": taken.id_number})
    assert response.status_code == 400 and "不得兼任" in response.json()["detail"]
    assert response.json()["field"] == "id_number"
    response = send(client, "post", f"/{batch_id}/staff", ent,
                    {"role": "examiner", "name": "张伟", "id_number": zhang.person.id_number})
    assert response.status_code == 400 and "考生" in response.json()["detail"]
    extra = send(client, "post", f"/{batch_id}/staff", ent,
                 {"role": "examiner", "name": "多余", "id_number": sample_id_number()}).json()["id"]
    assert send(client, "delete", f"/{batch_id}/staff/{extra}", ent).status_code == 204
    assert send(client, "delete", f"/{batch_id}/staff/{extra}", ent).status_code == 404

    # The plan: drafted texts, what is missing, the commitment, saving, documents.
    plan = send(client, "get", f"/{batch_id}/plan", ent).json()
    assert [h["key"] for h in plan["headings"]] == [key for key, _label in services.PLAN_HEADINGS]
    assert set(plan["texts"]) == {key for key, _label in services.PLAN_HEADINGS} and plan["saved"] is False
    assert "请签署报名资料审核承诺书。" in plan["problems"] and "请保存考核方案。" in plan["problems"]
    assert plan["latest_filing_date"] == working_calendar().subtract(first, 10).date.isoformat()
    assert plan["lead_workdays"] == 10
    response = send(client, "post", f"/{batch_id}/commitment", ent, {"signatory": "王海燕"})
    assert response.status_code == 200 and response.json()["commitment_signed_by"] == "王海燕"
    texts = {**plan["texts"], "emergency": "启用备用考场和设备。"}
    response = send(client, "put", f"/{batch_id}/plan", ent, texts)
    assert response.status_code == 200, response.content
    assert response.json()["saved"] is True and response.json()["problems"] == []
    assert response.json()["texts"]["emergency"] == "启用备用考场和设备。"
    assert send(client, "put", f"/{batch_id}/plan", ent, {"rooms": "x" * 5001}).status_code == 422
    pdf = send(client, "get", f"/{batch_id}/download?document=plan.pdf", ent)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-") and pdf["Content-Type"] == "application/pdf"
    xlsx = send(client, "get", f"/{batch_id}/download?document=candidates.xlsx", ent)
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert send(client, "get", f"/{batch_id}/download?document=secret.txt", ent).status_code == 422
    form = send(client, "get", f"/applications/{zhang_id}/download", cand_zhang)
    assert form.status_code == 200 and form.content.startswith(b"%PDF-")

    # Filing, then the city authority confirms; other authorities and the organisation cannot.
    hfa = bearer(hefei_authority)
    assert send(client, "get", f"/{batch_id}", hfa).status_code == 404  # announced, not filed yet
    response = send(client, "post", f"/{batch_id}/plan/file", ent)
    assert response.status_code == 200, response.content
    filed = response.json()
    assert filed["status"] == "plan_filed" and filed["plan_jurisdiction_code"] == "340100"
    assert filed["plan_copy_to_province"] is False and filed["can_decide_plan"] is True
    assert send(client, "put", f"/{batch_id}/plan", ent, texts).status_code == 400
    assert send(client, "post", f"/{batch_id}/staff", ent,
                {"role": "examiner", "name": "晚到", "id_number": sample_id_number()}).status_code == 400
    assert send(client, "post", f"/{batch_id}/plan/confirm", ent).status_code == 403
    bengbu = bearer(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["蚌埠市"]))
    assert send(client, "post", f"/{batch_id}/plan/confirm", bengbu).status_code == 404
    assert send(client, "get", "", hfa).json()["count"] == 1
    assert send(client, "get", f"/{batch_id}/applications", hfa).json()["count"] == 3
    assert send(client, "get", f"/{batch_id}/plan", hfa).json()["problems"] is None
    response = send(client, "post", f"/{batch_id}/plan/confirm", hfa)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "plan_confirmed" and response.json()["plan_decided_by"]
    response = send(client, "post", f"/{batch_id}/plan/return", hfa, {"reason": "已确认的不能退回"})
    assert response.status_code == 400 and "不能退回" in response.json()["detail"]


def test_plan_filing_needs_ten_working_days(hefei_org, manager):
    client = Client()
    ent = bearer(manager)
    actor = actor_for(manager)
    calendar = working_calendar()
    late, _ = batch_for(hefei_org, items=(("6-18-01-01", 5),), first_exam_in_workdays=9, manager=manager)
    ready_for_plan(late, actor, hefei_org)
    earliest = calendar.add(TODAY, 10).date
    problems = send(client, "get", f"/{late.pk}/plan", ent).json()["problems"]
    assert len(problems) == 1 and earliest.isoformat() in problems[0]
    response = send(client, "post", f"/{late.pk}/plan/file", ent)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "至少10个工作日" in detail and f"最早可于 {earliest.isoformat()} 开始评价" in detail
    late.refresh_from_db()
    assert late.status == Batch.Status.ANNOUNCED and late.plan_filed_on is None

    on_time, _ = batch_for(hefei_org, items=(("6-18-01-01", 5),), first_exam_in_workdays=10, manager=manager)
    ready_for_plan(on_time, actor, hefei_org)
    assert send(client, "get", f"/{on_time.pk}/plan", ent).json()["problems"] == []
    response = send(client, "post", f"/{on_time.pk}/plan/file", ent)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "plan_filed" and response.json()["plan_filed_on"] == TODAY.isoformat()


def test_plan_return_by_the_authority(hefei_org, manager, hefei_authority):
    client = Client()
    batch, actor = batch_for(hefei_org, items=(("6-18-01-01", 5),), manager=manager)
    ready_for_plan(batch, actor, hefei_org)
    services.batch_file_plan(actor=actor, batch=batch)
    hfa = bearer(hefei_authority)
    response = send(client, "post", f"/{batch.pk}/plan/return", hfa, {"reason": " "})
    assert response.status_code == 400 and response.json()["field"] == "reason"
    response = send(client, "post", f"/{batch.pk}/plan/return", hfa, {"reason": "考评员人数不足"})
    assert response.status_code == 200
    returned = response.json()
    assert returned["status"] == "plan_returned" and returned["plan_return_reason"] == "考评员人数不足"
    assert returned["commitment_signed_at"] is None
    plan = send(client, "get", f"/{batch.pk}/plan", bearer(manager)).json()
    assert plan["plan_return_reason"] == "考评员人数不足" and "请签署报名资料审核承诺书。" in plan["problems"]


def test_scope_denials_and_route_order(hefei_org, manager, hefei_authority, jurisdictions):
    client = Client()
    batch, _actor = batch_for(hefei_org, items=(("6-18-01-01", 5),), manager=manager)
    user = candidate(hefei_org)
    application = services.application_submit(actor=actor_for(user), batch=batch,
                                              data=application_data(batch, id_number=user.person.id_number))

    # Another organisation's staff: 404 on the batch, its lists and the application.
    other_org = filed_organisation(jurisdictions["合肥市"], name="合肥别家机械有限公司")
    other = bearer(make_user(Role.ORG_ADMIN, organisation=other_org))
    for method, path, body in (
            ("get", f"/{batch.pk}", None), ("patch", f"/{batch.pk}", {"name": "改名"}),
            ("get", f"/{batch.pk}/applications", None), ("get", f"/{batch.pk}/staff", None),
            ("get", f"/{batch.pk}/plan", None), ("post", f"/{batch.pk}/commitment", {"signatory": "某"}),
            ("get", f"/{batch.pk}/download?document=plan.pdf", None),
            ("get", f"/applications/{application.pk}", None),
            ("get", f"/applications/{application.pk}/download", None),
            ("post", f"/applications/{application.pk}/review", {"decision": "reject", "reason": "x"})):
        assert send(client, method, path, other, body).status_code == 404, (method, path)
    assert send(client, "get", "", other).json()["count"] == 0
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED

    # A candidate: cannot review (403), cannot see another's application or another employer's batch (404).
    cand = bearer(user)
    response = send(client, "post", f"/applications/{application.pk}/review", cand, {"decision": "accept"})
    assert response.status_code == 403 and "没有" in response.json()["detail"]
    assert send(client, "post", f"/{batch.pk}/items", cand, {
        "occupation_code": "6-18-01-01", "level_code": 4, "method": "exam", "theory_weight": 100}).status_code == 403
    stranger = candidate(other_org, name="外单位")
    assert send(client, "get", f"/applications/{application.pk}", bearer(stranger)).status_code == 404
    response = send(client, "post", f"/{batch.pk}/applications", bearer(stranger),
                    application_body(batch.items.get().pk, stranger.person.id_number, name="外单位"))
    assert response.status_code == 404
    # Someone else's ID number is refused, naming the field.
    colleague = candidate(hefei_org, name="同事")
    response = send(client, "post", f"/{batch.pk}/applications", bearer(colleague),
                    application_body(batch.items.get().pk, resident_id(), name="同事"))
    assert response.status_code == 400 and response.json()["field"] == "id_number"
    response = send(client, "post", f"/{batch.pk}/applications", bearer(colleague),
                    application_body(batch.items.get().pk, colleague.person.id_number, name="同事",
                                     requested_route="skip_level"))
    assert response.status_code == 422

    # The authority: a draft batch (and an announced one) is not its business yet.
    draft, _ = batch_for(hefei_org, items=(("6-18-01-01", 4),), announce=False, manager=manager)
    hfa = bearer(hefei_authority)
    assert send(client, "get", f"/{draft.pk}", hfa).status_code == 404
    assert send(client, "get", f"/{batch.pk}", hfa).status_code == 404
    assert send(client, "get", f"/{draft.pk}/plan", hfa).status_code == 404
    assert send(client, "get", "", hfa).json()["count"] == 0
    assert send(client, "post", "", hfa, {}).status_code in (403, 422)
    # Candidates do not see drafts either, and only the candidate has announcements.
    assert send(client, "get", f"/{draft.pk}", cand).status_code == 404
    assert send(client, "get", "/announcements", bearer(manager)).status_code == 403

    # An item outside the approved scope: 400 naming the field, nothing added.
    ent = bearer(manager)
    response = send(client, "post", f"/{draft.pk}/items", ent, {
        "occupation_code": "6-18-01-01", "level_code": 1, "method": "exam", "theory_weight": 30,
        "practical_weight": 70})
    assert response.status_code == 400 and response.json()["field"] == "occupation_code"
    assert "不在本单位备案的职业范围内" in response.json()["detail"]
    response = send(client, "post", f"/{draft.pk}/items", ent, {
        "occupation_code": "6-18-01-01", "level_code": 9, "method": "exam", "theory_weight": 100})
    assert response.status_code == 400 and response.json()["field"] == "level_code"
    assert send(client, "post", f"/{draft.pk}/items", ent, {
        "occupation_code": "6-18-01-01", "level_code": 5, "method": "guesswork"}).status_code == 422
    assert draft.items.count() == 1

    # The static paths never reach /batches/{batch_id}, and an application id is not a batch id.
    assert client.get(f"{API}/applications", **ent).status_code == 404
    assert client.get(f"{API}/announcement", **ent).status_code == 404
    assert send(client, "get", f"/applications/{application.pk}", ent).json()["number"] == application.number
    assert send(client, "get", f"/{batch.pk}", ent).json()["code"] == batch.code


def test_anonymous_calls_get_401(hefei_org, manager):
    batch, _actor = batch_for(hefei_org, items=(("6-18-01-01", 5),), manager=manager)
    client = Client()
    for method, path in (("get", ""), ("post", ""), ("get", f"/{batch.pk}"), ("patch", f"/{batch.pk}"),
                         ("post", f"/{batch.pk}/items"), ("delete", f"/{batch.pk}/items/1"),
                         ("post", f"/{batch.pk}/announce"), ("get", "/announcements"),
                         ("post", f"/{batch.pk}/applications"), ("get", f"/{batch.pk}/applications"),
                         ("get", "/applications/1"), ("patch", "/applications/1"),
                         ("post", "/applications/1/withdraw"), ("post", "/applications/1/review"),
                         ("get", "/applications/1/download"), ("post", f"/{batch.pk}/import"),
                         ("get", f"/{batch.pk}/import-template"), ("post", f"/{batch.pk}/commitment"),
                         ("get", f"/{batch.pk}/staff"), ("post", f"/{batch.pk}/staff"),
                         ("delete", f"/{batch.pk}/staff/1"), ("get", f"/{batch.pk}/plan"),
                         ("put", f"/{batch.pk}/plan"), ("post", f"/{batch.pk}/plan/file"),
                         ("post", f"/{batch.pk}/plan/confirm"), ("post", f"/{batch.pk}/plan/return"),
                         ("get", f"/{batch.pk}/download?document=plan.pdf")):
        response = send(client, method, path, {}, {} if method != "get" else None)
        assert response.status_code == 401, (method, path)
        assert "请先登录" in response.json()["detail"]


def test_import_through_the_api(hefei_org, manager, django_capture_on_commit_callbacks):
    client = Client()
    ent = bearer(manager)
    batch, _actor = batch_for(hefei_org, items=(("6-18-01-01", 5),), manager=manager)
    response = send(client, "get", f"/{batch.pk}/import-template", ent)
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert f"import-template-{batch.code}.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["报名信息"]
    columns = [c.value for c in sheet[1]]
    for column, value in (("姓名", "赵敏"), ("证件号码", resident_id("19880808")), ("性别", ""), ("出生日期", "")):
        sheet.cell(row=2, column=columns.index(column) + 1, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)

    upload = SimpleUploadedFile("报名信息.xlsx", buffer.getvalue(), content_type="application/octet-stream")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}/{batch.pk}/import", {"file": upload, "clean_rows_only": "true"}, **ent)
    assert response.status_code == 202, response.content
    started = response.json()
    assert started["progress_url"] == f"/api/v1/jobs/{started['job_id']}"
    job = client.get(started["progress_url"], **ent).json()
    assert job["status"] == Job.Status.SUCCEEDED, job
    imported = batch.applications.get()
    assert imported.name == "赵敏" and imported.source == Application.Source.IMPORT

    wrong = SimpleUploadedFile("名单.txt", b"not a workbook", content_type="text/plain")
    response = client.post(f"{API}/{batch.pk}/import", {"file": wrong}, **ent)
    assert response.status_code == 400 and response.json()["field"] == "file"
    assert client.post(f"{API}/{batch.pk}/import", {}, **ent).status_code == 422
    user = candidate(hefei_org, name="考生甲")
    upload = SimpleUploadedFile("报名信息.xlsx", buffer.getvalue())
    assert client.post(f"{API}/{batch.pk}/import", {"file": upload}, **bearer(user)).status_code == 403
    assert send(client, "get", f"/{batch.pk}/import-template", bearer(user)).status_code == 403


def test_the_openapi_schema_lists_the_batch_paths(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path, method in (("/api/v1/batches", "post"), ("/api/v1/batches/{batch_id}", "patch"),
                         ("/api/v1/batches/announcements", "get"),
                         ("/api/v1/batches/{batch_id}/applications", "post"),
                         ("/api/v1/batches/applications/{application_id}/review", "post"),
                         ("/api/v1/batches/{batch_id}/import", "post"),
                         ("/api/v1/batches/{batch_id}/plan", "put"),
                         ("/api/v1/batches/{batch_id}/plan/confirm", "post"),
                         ("/api/v1/batches/{batch_id}/download", "get"),
                         ("/api/v1/batches/applications/{application_id}/download", "get")):
        assert method in paths[path], (path, method)
    operations = [op for path, ops in paths.items() if path.startswith("/api/v1/batches") for op in ops.values()]
    assert len(operations) == 27
    assert all(op["tags"] == ["认定批次"] and op["summary"] for op in operations)
    assert "照片" in paths["/api/v1/batches/{batch_id}/applications"]["post"]["summary"]
    assert set(schema["components"]["schemas"]["PlanIn"]["properties"]) == {k for k, _l in services.PLAN_HEADINGS}
