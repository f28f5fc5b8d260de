"""The supervision pages: who may open what (deny by default, 404 outside the jurisdiction),
forms that answer bad input in place and change nothing, the public results page without
login, and the XLSX downloads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user

from ..models import Category, Destruction, Inspection, InspectionPlan
from ..services import archives as archive_services
from ..services import evaluation as evaluation_services
from ..services import inspections as services
from .conftest import YEAR
from .factories import evaluated_batch, filed, issue_certificates, record_results

pytestmark = pytest.mark.django_db
ALL_OK = {key: {"result": "ok", "note": ""} for key, _label in services.CHECKLIST}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheet_rows(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


@pytest.fixture
def drawn(tianjin):
    plan = services.inspection_draw(actor=tianjin["authority"], period_start=dt.date(YEAR, 1, 1),
                                    period_end=dt.date(YEAR, 12, 31))
    return {**tianjin, "plan": plan, "client": client_for(tianjin["authority"].user)}


def test_the_authority_opens_every_page_of_its_area(drawn):
    client = drawn["client"]
    inspection = drawn["plan"].inspections.first()
    pages = [reverse("supervision:home"), reverse("supervision:inspection_home"), reverse("supervision:draw"),
             reverse("supervision:plan_detail", args=[drawn["plan"].pk]),
             reverse("supervision:inspection_detail", args=[inspection.pk]), reverse("supervision:inspector_list"),
             reverse("supervision:inspector_detail", args=[drawn["inspectors"][0].pk]),
             reverse("supervision:visit_list"), reverse("supervision:evaluation_list"),
             reverse("supervision:archive_list"), reverse("supervision:ledger"), reverse("supervision:statistics"),
             reverse("supervision:goals"),
             reverse("supervision:visit_create", args=[drawn["batches"][0].batch.pk])]
    for url in pages:
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("supervision:plan_detail", args=[drawn["plan"].pk])).content.decode()
    assert "按记录的种子和抽取依据重新抽取，结果一致" in page and str(drawn["plan"].seed) in page
    home = client.get(reverse("supervision:inspection_home") + f"?year={YEAR}").content.decode()
    assert "30.0%" in home and "已达到比例" in home


def test_organisation_staff_and_other_authorities_are_kept_out(drawn, jurisdictions):
    plan = drawn["plan"]
    inspection = plan.inspections.first()
    staff = client_for(make_user(Role.ORG_ADMIN, organisation=drawn["binhai"]))
    for url in (reverse("supervision:inspection_home"), reverse("supervision:draw"),
                reverse("supervision:plan_detail", args=[plan.pk]), reverse("supervision:inspector_list")):
        assert staff.get(url).status_code == 403, url
    assert staff.get(reverse("supervision:inspection_detail", args=[inspection.pk])).status_code == 404
    hefei = client_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    assert hefei.get(reverse("supervision:plan_detail", args=[plan.pk])).status_code == 404
    assert hefei.get(reverse("supervision:inspection_detail", args=[inspection.pk])).status_code == 404
    response = hefei.post(reverse("supervision:inspection_publish", args=[inspection.pk]))
    assert response.status_code == 404
    candidate = client_for(make_user(candidate=True, organisation=drawn["binhai"]))
    assert candidate.get(reverse("supervision:statistics")).status_code == 403
    assert candidate.get(reverse("supervision:archive_list")).status_code == 403
    anonymous = Client()
    assert anonymous.get(reverse("supervision:inspection_home")).status_code == 302


def test_a_draw_that_cannot_reach_the_share_answers_in_the_form(drawn):
    response = drawn["client"].post(reverse("supervision:draw"), {
        "period_start": f"{YEAR}-01-01", "period_end": f"{YEAR}-12-31", "percent": 100, "inspectors_per_session": 3})
    assert response.status_code == 400
    page = response.content.decode()
    assert "无法达到抽查比例" in page and "可用检查人员不足 3 名" in page
    assert InspectionPlan.objects.count() == 1
    response = drawn["client"].post(reverse("supervision:draw"), {
        "period_start": f"{YEAR}-01-01", "period_end": f"{YEAR}-12-31", "percent": 10, "inspectors_per_session": 2})
    assert response.status_code == 400 and "不得低于政策要求的 30%" in response.content.decode()


def test_recording_publishing_and_the_public_page(drawn):
    client = drawn["client"]
    inspection = drawn["plan"].inspections.first()
    data = {"inspected_at": "2000-01-01T10:00", "findings": "", "conclusion": "compliant"}
    data.update({f"check_{k}": "ok" for k, _l in services.CHECKLIST})
    response = client.post(reverse("supervision:inspection_record", args=[inspection.pk]), data)
    assert response.status_code == 400
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.ASSIGNED
    start = inspection.session.starts_at
    data.update(inspected_at=start.astimezone().strftime("%Y-%m-%dT%H:%M"), findings="考务组织规范，未发现问题。")
    response = client.post(reverse("supervision:inspection_record", args=[inspection.pk]), data)
    assert response.status_code == 302
    assert Client().get(reverse("supervision:public")).content.decode().count("考务组织规范") == 0
    client.post(reverse("supervision:inspection_publish", args=[inspection.pk]))
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.PUBLISHED
    public = Client().get(reverse("supervision:public"))
    assert public.status_code == 200 and "考务组织规范，未发现问题。" in public.content.decode()
    rows = sheet_rows(Client().get(reverse("supervision:public") + "?export=xlsx"))
    assert rows[0][1] == "被检查单位" and rows[1][1] == inspection.organisation.name
    staff = client_for(make_user(Role.ORG_ADMIN, organisation=inspection.organisation))
    assert staff.get(reverse("supervision:inspection_detail", args=[inspection.pk])).status_code == 200
    assert inspection.session.name in staff.get(reverse("supervision:org_inspections")).content.decode()


def test_the_archive_pages_and_the_destruction_form(world, jurisdictions):
    batch = world["evaluated"].batch
    manager = client_for(world["manager"].user)
    page = manager.get(reverse("supervision:archive_detail", args=[batch.pk])).content.decode()
    assert page.count('data-testid="category-row"') == len(Category.values)
    assert "本类材料暂无记录" in page
    rows = sheet_rows(manager.get(reverse("supervision:archive_catalogue", args=[batch.pk])))
    assert {r[1] for r in rows[1:]} == set(Category.labels)
    paper = world["archive"].entries.get(category=Category.REGISTRATION)
    response = manager.post(reverse("supervision:destroy", args=[paper.pk]), {
        "destroyed_on": dt.date.today().isoformat(), "reason": "到期", "method": "shred", "destroyer": "李俊",
        "responsible": "王海燕", "confirm": "on"})
    assert response.status_code == 400 and "期满前不得销毁" in response.content.decode()
    video = world["archive"].entries.get(category=Category.MEDIA)
    response = manager.post(reverse("supervision:destroy", args=[video.pk]), {
        "destroyed_on": dt.date.today().isoformat(), "reason": "到期", "method": "degauss", "destroyer": "李俊",
        "responsible": "王海燕"})
    assert response.status_code == 400 and not Destruction.objects.exists()  # the confirmation box is required
    response = manager.post(reverse("supervision:destroy", args=[video.pk]), {
        "destroyed_on": dt.date.today().isoformat(), "reason": "到期", "method": "degauss", "destroyer": "李俊",
        "responsible": "王海燕", "confirm": "on"})
    assert response.status_code == 302 and Destruction.objects.count() == 1
    ledger = sheet_rows(manager.get(reverse("supervision:ledger") + "?export=xlsx"))
    assert ledger[0][:3] == ("销毁日期", "销毁原因", "销毁方式") and ledger[1][5] == "现场监控影像或图片资料"
    other = filed(jurisdictions["合肥市"], "合肥无关测试有限公司")
    stranger = client_for(make_user(Role.ORG_ADMIN, organisation=other))
    assert stranger.get(reverse("supervision:archive_detail", args=[batch.pk])).status_code == 404
    assert stranger.get(reverse("supervision:destroy", args=[video.pk])).status_code == 404
    assert not sheet_rows(stranger.get(reverse("supervision:ledger") + "?export=xlsx"))[1:]
    authority = client_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    assert authority.get(reverse("supervision:archive_detail", args=[batch.pk])).status_code == 200
    assert authority.get(reverse("supervision:destroy", args=[video.pk])).status_code == 403


def test_an_archive_is_filed_from_its_page_once_the_evaluation_ended(jurisdictions):
    org = filed(jurisdictions["合肥市"], "合肥归档页面测试有限公司")
    evaluated = evaluated_batch(org, first=dt.date(YEAR, 5, 10))
    client = client_for(evaluated.manager.user)
    url = reverse("supervision:archive_detail", args=[evaluated.batch.pk])
    assert "未归档" in client.get(url).content.decode()
    response = client.post(reverse("supervision:archive_compile", args=[evaluated.batch.pk]), follow=True)
    assert "已归档" in response.content.decode()
    assert evaluated.batch.archive.entries.count() == len(Category.values)


def test_statistics_downloads_hold_the_figures_on_the_page(jurisdictions):
    org = filed(jurisdictions["合肥市"], "合肥统计页面测试有限公司")
    evaluated = evaluated_batch(org, first=dt.date(YEAR, 5, 10), levels=(5, 4))
    record_results(evaluated, passed=3)
    issue_certificates(evaluated)
    client = client_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    page = client.get(reverse("supervision:statistics"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="kpi-accepted">4<' in html and 'data-testid="kpi-certified">3<' in html
    rows = sheet_rows(client.get(reverse("supervision:statistics") + "?download=level"))
    assert rows[0] == ("等级", "报名人数", "参评人数", "已审定人数", "合格人数", "合格率（%）", "获证人数", "其中高技能人才")
    assert rows[1:] == [("五级", 2, 2, 2, 2, 100, 2, 0), ("四级", 2, 2, 2, 1, 50, 1, 0)]
    deadlines = sheet_rows(client.get(reverse("supervision:statistics") + f"?year={YEAR}&download=deadlines"))
    assert deadlines[0][0] == "时限" and deadlines[1][5] == "按时"
    assert client.get(reverse("supervision:statistics") + "?download=nothing").status_code == 404
    assert client.get(reverse("supervision:statistics") + "?year=abc").status_code == 200


def test_evaluation_pages_grade_and_export(jurisdictions):
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    org = filed(jurisdictions["合肥市"], "合肥评估页面测试有限公司")
    evaluated_batch(org, first=dt.date(YEAR, 5, 10), authority=authority)
    client = client_for(authority.user)
    client.post(reverse("supervision:evaluation_prepare"), {"year": YEAR})
    evaluation = org.pk and evaluation_services.AnnualEvaluation.objects.get(organisation=org)
    url = reverse("supervision:evaluation_detail", args=[evaluation.pk])
    response = client.post(url, {"grade": "excellent", "remarks": ""})
    assert response.status_code == 400
    evaluation.refresh_from_db()
    assert evaluation.grade == ""
    assert client.post(url, {"grade": "excellent", "remarks": "规范"}).status_code == 302
    client.post(reverse("supervision:evaluation_model", args=[evaluation.pk]), {"is_model": "1"})
    client.post(reverse("supervision:evaluation_finalise", args=[evaluation.pk]))
    evaluation.refresh_from_db()
    assert evaluation.is_model and evaluation.status == "finalised"
    rows = sheet_rows(client.get(reverse("supervision:evaluation_list") + f"?year={YEAR}&export=xlsx"))
    assert rows[1][0] == org.name and rows[1][1] == YEAR and rows[1][2] == 1 and "优秀" in rows[1]
    public = Client().get(reverse("supervision:public") + f"?year={YEAR}").content.decode()
    assert f"{YEAR}年度自主评价示范机构" in public and org.name in public


def test_the_area_is_on_the_navigation_for_authorities_and_batch_managers(drawn):
    home = drawn["client"].get(reverse("portal:home")).content.decode()
    assert reverse("supervision:home") in home
    affairs = client_for(make_user(Role.EXAM_AFFAIRS, organisation=drawn["binhai"]))
    assert reverse("supervision:home") in affairs.get(reverse("portal:home")).content.decode()
    proctor = client_for(make_user(Role.PROCTOR, organisation=drawn["binhai"]))
    assert reverse("supervision:home") not in proctor.get(reverse("portal:home")).content.decode()


def test_the_export_job_page_offers_the_zip(world, django_capture_on_commit_callbacks):
    client = client_for(world["manager"].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("supervision:archive_export", args=[world["evaluated"].batch.pk]))
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    job_page = client.get(response["Location"]).content.decode()
    assert "已完成" in job_page
    archive_services.archive_compile(actor=world["manager"], batch=world["evaluated"].batch)  # still fine afterwards


def test_list_pages_and_exports_read_a_fixed_number_of_queries(drawn):
    """More rows never mean more queries (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    authority = drawn["authority"]
    inspections = list(drawn["plan"].inspections.order_by("order"))

    def publish(inspection):
        services.inspection_record(actor=authority, inspection=inspection, inspected_at=inspection.session.starts_at,
                                   checklist=ALL_OK, findings="规范", conclusion="compliant")
        services.inspection_publish(actor=authority, inspection=inspection)

    def count(client, url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    publish(inspections[0])
    urls = [reverse("supervision:public"), reverse("supervision:public") + "?export=xlsx"]
    few = [count(Client(), url) for url in urls]
    for inspection in inspections[1:]:
        publish(inspection)
    assert [count(Client(), url) for url in urls] == few
    pool = reverse("supervision:inspector_list")
    before = count(drawn["client"], pool)
    services.inspector_add(actor=authority, name="新增检查员", unit="市职业技能鉴定指导中心")
    assert count(drawn["client"], pool) == before
