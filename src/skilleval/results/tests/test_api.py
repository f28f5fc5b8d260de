"""/api/v1/results/: the same services behind bearer tokens, scoped the same way."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.services import api_token_create
from skilleval.accounts.tests.factories import make_user
from skilleval.batches.tests.factories import filed_organisation

from ..models import Publicity, Report, Result, ScoreEntry
from .factories import PASSING, REVIEW_PASSING, build_results_world, confirm_theory, score

pytestmark = pytest.mark.django_db
API = "/api/v1/results"


def bearer(user) -> dict:
    _, key = api_token_create(actor=actor_for(user), name="测试脚本")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def call(client, method, path, auth, body=None):
    function = getattr(client, method)
    if method == "get":
        return function(API + path, **auth)
    return function(API + path, data=json.dumps(body or {}, default=str), content_type="application/json", **auth)


@pytest.fixture
def rw(jurisdictions):
    return build_results_world(jurisdictions["合肥市"], candidates=2)


def test_the_whole_way_through_the_api(client, rw):
    examiners = [bearer(e.user) for e in rw.examiners]
    manager, authority = bearer(rw.manager.user), bearer(rw.authority.user)
    me = bearer(rw.applications[0].person.user)
    sessions = call(client, "get", "/sessions", examiners[1]).json()
    assert {s["name"] for s in sessions} == {rw.practical.name, rw.review.name}

    attempt = rw.attempt("practical", rw.applications[0])
    response = call(client, "put", f"/attempts/{attempt.pk}/sheet/entry", examiners[1],
                    {"scores": {"尺寸精度": "41", "表面粗糙度": "27", "安全文明生产": "27"}})
    assert response.status_code == 400 and response.json()["field"] == "score_0"
    assert "0 至 40" in response.json()["detail"] and not ScoreEntry.objects.exists()
    for auth, scores in zip(examiners, PASSING, strict=True):
        assert call(client, "put", f"/attempts/{attempt.pk}/sheet/entry", auth, {"scores": scores}).status_code == 200
    sheet = call(client, "get", f"/attempts/{attempt.pk}/sheet", examiners[0]).json()
    assert sheet["status"] == "open" and sheet["missing"] == []
    hidden = call(client, "get", f"/attempts/{attempt.pk}/sheet", examiners[2]).json()
    assert [e["total"] for e in hidden["entries"]].count(None) == 2  # only their own before sign-off
    sheet_id = rw.attempt("practical", rw.applications[0]).score_sheet.pk
    assert call(client, "post", f"/sheets/{sheet_id}/sign-off", examiners[1]).status_code == 400
    signed = call(client, "post", f"/sheets/{sheet_id}/sign-off", examiners[0]).json()
    assert signed["status"] == "locked" and signed["combined_score"] == "89.3"
    entry_id = signed["entries"][1]["id"]
    change = call(client, "post", f"/entries/{entry_id}/changes", examiners[1],
                  {"scores": ["36", "26", "28"], "reason": "复测外圆尺寸在公差内"})
    assert change.status_code == 201
    change_id = change.json()["id"]
    assert call(client, "post", f"/changes/{change_id}/approve", examiners[1], {}).status_code == 400
    assert call(client, "post", f"/changes/{change_id}/approve", examiners[0], {"note": "同意"}).json()[
        "status"] == "approved"

    for application in rw.applications:
        confirm_theory(rw, application)
        score(rw, "review", application, REVIEW_PASSING)
    score(rw, "practical", rw.applications[1], PASSING)
    compiled = call(client, "post", f"/batches/{rw.batch.pk}/compile", manager).json()
    assert compiled["passed"] == 2 and compiled["pending"] == []
    assert call(client, "post", f"/batches/{rw.batch.pk}/approve", manager, {"committee_note": " "}).status_code == 400
    approved = call(client, "post", f"/batches/{rw.batch.pk}/approve", manager, {"committee_note": "第3次会议审定"})
    assert approved.json()["stage"] == "approved"
    results = call(client, "get", f"/batches/{rw.batch.pk}/results", manager).json()["items"]
    assert results[0]["practical_score"] == "90.0" and results[0]["outcome"] == "合格"

    assert call(client, "get", "/mine", me).json() == []
    started = call(client, "post", f"/batches/{rw.batch.pk}/publicity", manager, {"notice": "异议请联系李俊"})
    assert started.status_code == 201 and started.json()["day_kind"] == "working"
    assert call(client, "get", "/mine", me).json()[0]["total_score"] == "85.0"
    listing = call(client, "get", f"/batches/{rw.batch.pk}/publicity", me).json()
    assert len(listing["rows"]) == 2 and "practical_score" not in listing["rows"][0]
    other = Result.objects.get(application=rw.applications[1])
    objection = call(client, "post", f"/batches/{rw.batch.pk}/objections", me,
                     {"text": "该考生实操工件尺寸超差", "result_id": other.pk})
    assert objection.status_code == 201
    early = call(client, "post", f"/batches/{rw.batch.pk}/publicity/close", manager)
    assert early.status_code == 400 and "不能提前结束" in early.json()["detail"]
    decided = call(client, "post", f"/objections/{objection.json()['id']}/decide", manager,
                   {"decision": "upheld", "reason": "经复测属实，更正操作技能成绩", "practical_score": "58"})
    assert decided.json()["status"] == "upheld" and decided.json()["result_after"]["passed"] is False

    Publicity.objects.filter(batch=rw.batch).update(starts_on="2020-01-06", ends_on="2020-01-10")
    assert call(client, "post", f"/batches/{rw.batch.pk}/reports", manager).status_code == 400
    assert call(client, "post", f"/batches/{rw.batch.pk}/publicity/close", manager).json()["status"] == "closed"
    report = call(client, "post", f"/batches/{rw.batch.pk}/reports", manager)
    assert report.status_code == 201 and report.json()["version"] == 1
    batch = call(client, "get", f"/batches/{rw.batch.pk}", authority).json()
    assert batch["stage"] == "submitted"
    returned = call(client, "post", f"/reports/{report.json()['id']}/return", authority,
                    {"reason": "证书信息表中所在单位填写不规范"})
    assert returned.json()["status"] == "returned" and returned.json()["correction_due_on"]
    assert call(client, "get", f"/batches/{rw.batch.pk}", manager).json()["deadline"]["label"] == "更正报送期限"
    second = call(client, "post", f"/batches/{rw.batch.pk}/reports", manager, {"note": "已按要求规范所在单位名称"})
    assert second.json()["version"] == 2
    assert call(client, "post", f"/reports/{second.json()['id']}/accept", authority).json()["status"] == "accepted"
    file = client.get(f"{API}/reports/{second.json()['id']}/files/certificates", **authority)
    rows = list(load_workbook(io.BytesIO(file.content)).active.iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in rows] == [rw.applications[0].name]  # the upheld objection failed the other
    assert Report.objects.filter(batch=rw.batch).count() == 2


def test_the_api_is_scoped_like_the_pages(client, rw, jurisdictions):
    outsider = bearer(make_user(Role.ORG_ADMIN, organisation=filed_organisation(jurisdictions["合肥市"])))
    attempt = rw.attempt("practical", rw.applications[0])
    assert call(client, "get", f"/batches/{rw.batch.pk}", outsider).status_code == 404
    assert call(client, "get", f"/attempts/{attempt.pk}/sheet", outsider).status_code == 404
    assert call(client, "put", f"/attempts/{attempt.pk}/sheet/entry", outsider,
                {"scores": PASSING[0]}).status_code == 404
    assert call(client, "get", f"/batches/{rw.batch.pk}", bearer(rw.authority.user)).status_code == 404
    assert call(client, "get", "/mine", bearer(rw.examiners[0].user)).status_code == 403
    assert call(client, "post", f"/batches/{rw.batch.pk}/compile", bearer(rw.examiners[0].user)).status_code == 403
    assert call(client, "get", f"/batches/{rw.batch.pk}", {}).status_code == 401
    assert not ScoreEntry.objects.exists() and not Result.objects.exists()
