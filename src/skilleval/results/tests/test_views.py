"""The pages: who sees and does what (examiners their panels, exam affairs their
organisation, candidates their own result once published, the authority only what was
reported to it), refusals shown in place, exports, and a pinned query count."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches.tests.factories import candidate, filed_organisation

from ..models import Objection, Result, ScoreEntry, ScoreSheet
from ..services import outcomes
from .factories import PASSING, build_results_world, published, reported, score, score_everyone

pytestmark = pytest.mark.django_db


@pytest.fixture
def rw(jurisdictions):
    return build_results_world(jurisdictions["合肥市"])


def page(client, user, name, *args, status=200, **params):
    client.force_login(user)
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == status, (name, response.status_code)
    return response.content.decode() if status == 200 else response


def test_an_examiner_scores_on_the_sheet_page_and_sees_only_own_scores_before_sign_off(client, rw):
    examiner = rw.examiners[1].user
    home = page(client, examiner, "results:home")
    assert "我的评分任务" in home and rw.practical.name in home
    session = page(client, examiner, "results:session", rw.practical.pk)
    assert rw.applications[0].name in session and "钱国华（组长）" in session
    attempt = rw.attempt("practical", rw.applications[0])
    url = reverse("results:sheet", args=[attempt.pk])
    response = client.post(url, {"score_0": "45", "score_1": "27", "score_2": "27"})
    assert response.status_code == 400 and "应在 0 至 40 分之间" in response.content.decode()
    assert not ScoreEntry.objects.exists()
    assert client.post(url, {"score_0": "34", "score_1": "26", "score_2": "28"}).status_code == 302
    scoring_leader = rw.examiners[0]
    from ..services import scoring

    scoring.score_entry_save(actor=scoring_leader, attempt=attempt, scores=["36", "27", "27"])
    sheet = page(client, examiner, "results:sheet", attempt.pk)
    assert "88.0" in sheet and "90.0" not in sheet and "互不可见" in sheet


def test_scoring_pages_are_scoped_to_the_panel_and_the_tenant(client, rw, jurisdictions):
    attempt = rw.attempt("practical", rw.applications[0])
    colleague = make_user(Role.EXAMINER, organisation=rw.world.org)
    page(client, colleague, "results:sheet", attempt.pk, status=404)
    page(client, colleague, "results:session", rw.practical.pk, status=404)
    outsider = make_user(Role.ORG_ADMIN, organisation=filed_organisation(jurisdictions["合肥市"]))
    page(client, outsider, "results:sheet", attempt.pk, status=404)
    page(client, outsider, "results:batch", rw.batch.pk, status=404)
    page(client, rw.world.proctor.user, "results:home", status=403)
    client.force_login(rw.examiners[0].user)
    assert client.post(reverse("results:compile", args=[rw.batch.pk])).status_code == 403
    assert not Result.objects.exists()


def test_an_absent_candidates_sheet_explains_why_it_cannot_be_scored(client, rw):
    from skilleval.exams.models import Attempt

    attempt = rw.attempt("practical", rw.applications[2])
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.ABSENT)
    body = page(client, rw.examiners[0].user, "results:sheet", attempt.pk)
    assert "缺考，不能录入成绩" in body and "保存评分" not in body
    response = client.post(reverse("results:sheet", args=[attempt.pk]), {"score_0": "30", "score_1": "20",
                                                                         "score_2": "20"})
    assert response.status_code == 400 and not ScoreSheet.objects.exists()


def test_exam_affairs_compile_approve_and_export_the_results(client, rw):
    score_everyone(rw)
    client.force_login(rw.manager.user)
    response = client.post(reverse("results:compile", args=[rw.batch.pk]), follow=True)
    assert "已汇总 3 名考生的成绩，合格 3 人" in response.content.decode()
    body = page(client, rw.manager.user, "results:result_list", rw.batch.pk)
    assert "84.6" in body and rw.applications[0].name in body
    export = client.get(reverse("results:result_list", args=[rw.batch.pk]), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet["A1"].value == "报名号" and sheet.max_row == 4
    response = client.post(reverse("results:approve", args=[rw.batch.pk]), {"approve-committee_note": ""},
                           follow=True)
    assert "请填写审定记录" in response.content.decode()
    client.post(reverse("results:approve", args=[rw.batch.pk]), {"approve-committee_note": "第3次会议审定"})
    body = page(client, rw.manager.user, "results:batch", rw.batch.pk)
    assert "已审定，待公示" in body and "发布公示" in body


def test_a_candidate_sees_own_scores_only_once_published_and_nothing_of_others_beyond_the_list(client, rw):
    score_everyone(rw)
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    outcomes.results_approve(actor=rw.manager, batch=rw.batch, committee_note="第3次会议")
    me = rw.applications[0].person.user
    response = page(client, me, "results:home", status=302)
    assert response["Location"] == reverse("results:mine")
    assert "暂无已公示的成绩" in page(client, me, "results:mine")
    page(client, me, "results:publicity", rw.batch.pk, status=404)
    from ..services import publicity

    publicity.publicity_start(actor=rw.manager, batch=rw.batch)
    mine = page(client, me, "results:mine")
    assert "75.0" in mine and "89.3" in mine and "84.6" in mine and "合格" in mine
    listing = page(client, me, "results:publicity", rw.batch.pk)
    assert all(a.name in listing for a in rw.applications) and "89.3" not in listing  # totals only
    page(client, me, "results:result_list", rw.batch.pk, status=404)
    page(client, me, "results:sheet", rw.attempt("practical", rw.applications[1]).pk, status=403)
    stranger = candidate(filed_organisation(rw.world.org.jurisdiction, name="合肥另一家机床有限公司"))
    page(client, stranger, "results:publicity", rw.batch.pk, status=404)
    client.force_login(me)
    response = client.post(reverse("results:publicity", args=[rw.batch.pk]),
                           {"text": "第2名考生实操中使用了自带量具，请核查", "result": Result.objects.get(
                               application=rw.applications[1]).pk})
    assert response.status_code == 302 and Objection.objects.get().raised_by == me
    response = client.post(reverse("results:publicity", args=[rw.batch.pk]), {"text": "短"})
    assert response.status_code == 400 and "至少5个字" in response.content.decode()


def test_the_authority_sees_a_batch_only_once_reported_and_downloads_the_tables(client, rw, jurisdictions):
    published(rw)
    page(client, rw.authority.user, "results:batch", rw.batch.pk, status=404)
    assert rw.batch.name not in page(client, rw.authority.user, "results:home")
    from ..models import Publicity
    from ..services import publicity, reports

    Publicity.objects.filter(batch=rw.batch).update(starts_on="2020-01-06", ends_on="2020-01-10")
    publicity.publicity_close(actor=rw.manager, batch=rw.batch)
    report = reports.report_submit(actor=rw.manager, batch=rw.batch)
    home = page(client, rw.authority.user, "results:home")
    assert rw.batch.name in home and "已报备，待人社部门审核" in home
    body = page(client, rw.authority.user, "results:batch", rw.batch.pk)
    assert "接收" in body and "退回更正" in body
    download = client.get(reverse("results:report_file", args=[report.pk, "summary"]))
    assert load_workbook(io.BytesIO(download.content)).active["A1"].value == "企业职业技能等级认定结果汇总表"
    elsewhere = make_user(Role.AUTHORITY, jurisdiction=jurisdictions["蚌埠市"])
    page(client, elsewhere, "results:batch", rw.batch.pk, status=404)
    client.force_login(elsewhere)
    assert client.get(reverse("results:report_file", args=[report.pk, "summary"])).status_code == 404
    client.force_login(rw.authority.user)
    response = client.post(reverse("results:report_decide", args=[report.pk, "return"]), {"return-reason": ""},
                           follow=True)
    assert "请写明退回理由" in response.content.decode()


def test_the_home_list_keeps_its_query_count(client, rw, jurisdictions):
    admin = make_user(Role.PLATFORM_ADMIN)
    client.force_login(admin)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("results:home")).status_code == 200
    other = build_results_world(jurisdictions["合肥市"], candidates=1, name="合肥第二成绩测试有限公司")
    reported(other)
    with CaptureQueriesContext(connection) as two:
        body = client.get(reverse("results:home")).content.decode()
    assert other.batch.name in body and "已报备" in body
    assert len(two) == len(one)


def test_the_leader_locks_from_the_session_page(client, rw):
    for application in rw.applications[:2]:
        score(rw, "practical", application, PASSING, sign=False)
    client.force_login(rw.leader.user)
    response = client.post(reverse("results:room_sign_off", args=[rw.practical.pk]),
                           {"room": rw.practical_room.pk}, follow=True)
    assert "已签字锁定 2 份评分表" in response.content.decode()
    assert ScoreSheet.objects.filter(status=ScoreSheet.Status.LOCKED).count() == 2
