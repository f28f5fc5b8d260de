"""The exam endpoints with real rows: the exam day through the API (sessions scoped to the
organisation, masked ID numbers, sign-in by QR code and ID number with its refusals,
absences, a violation recorded by a proctor and decided by a supervisor, the written
records), the candidate's own attempts, and the computer-based exam through the API
with its protections: another candidate's item, the key, repeated autosaves, answers
after the time is up, a second hand-in."""

import datetime as dt
import json

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.services import api_token_create
from skilleval.exams.models import Answer, Attempt, AttemptLog, ExamIncident, SessionRecord
from skilleval.exams.services import examday
from skilleval.exams.tests.test_cbt import KEY_TEXT, fresh_autosave_caches  # noqa: F401
from skilleval.exams.tests.test_examday import build_day, png_bytes, qr

pytestmark = pytest.mark.django_db
API = "/api/v1/exams"


def bearer(user) -> dict:
    _, key = api_token_create(actor=actor_for(user), name="考务脚本")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def call(client, method, path, auth=None, body=None):
    auth = auth or {}
    if method == "get":
        return client.get(API + path, **auth)
    return getattr(client, method)(API + path, data=json.dumps(body or {}, default=str),
                                   content_type="application/json", **auth)


@pytest.fixture
def day(jurisdictions):
    return build_day(jurisdictions["合肥市"])


def test_the_exam_day_through_the_api(day, jurisdictions):
    client = Client()
    proctor, supervisor = bearer(day.proctor.user), bearer(day.supervisor.user)
    first, second, last = day.attempts
    sid = day.session.pk

    sessions = call(client, "get", "/sessions", proctor).json()
    assert [s["id"] for s in sessions["items"]] == [sid] and sessions["items"][0]["kind"] == "theory_cbt"
    other = build_day(jurisdictions["合肥市"], candidates=1, name="合肥另一接口考务有限公司")
    assert call(client, "get", f"/sessions/{other.session.pk}", proctor).status_code == 404
    assert call(client, "get", f"/sessions/{sid}/attempts", bearer(other.proctor.user)).status_code == 404

    huge = 2**75  # ids beyond any database integer are refused as bad input, never a server error
    assert call(client, "get", f"/sessions?batch_id={huge}", proctor).status_code == 422
    assert call(client, "get", f"/sessions/{huge}", proctor).status_code == 404
    assert call(client, "post", f"/sessions/{sid}/absent", proctor, {"attempt_ids": [huge]}).status_code == 422
    rows = call(client, "get", f"/sessions/{sid}/attempts", proctor).json()
    assert [r["ticket_number"] for r in rows] == [first.ticket_number, second.ticket_number, last.ticket_number]
    assert all("*" in r["masked_id_number"] for r in rows)
    assert day.id_of(first) not in json.dumps(rows)

    # Identify (nothing written), then sign in by QR code; a forged code and a second sign-in are refused.
    found = call(client, "get", f"/sessions/{sid}/identify?code={qr(first)}&method=qr&room_id={day.world.room.pk}",
                 proctor)
    assert found.status_code == 200 and found.json()["name"] == "考生0" and found.json()["checked_in_at"] is None
    assert found.json()["has_photo"] is False
    assert call(client, "get", f"/attempts/{first.pk}/photo", proctor).status_code == 404
    first.application.photo.save("p.png", ContentFile(png_bytes()), save=True)
    photo = call(client, "get", f"/attempts/{first.pk}/photo", proctor)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert call(client, "get", f"/attempts/{first.pk}/photo", bearer(other.proctor.user)).status_code == 404
    forged = call(client, "post", f"/sessions/{sid}/check-in", proctor,
                  {"code": f"{second.ticket_number}-{qr(first).split('-')[1]}", "method": "qr"})
    assert forged.status_code == 400 and "二维码校验失败" in forged.json()["detail"]
    assert forged.json()["field"] == "code"
    done = call(client, "post", f"/sessions/{sid}/check-in", proctor, {"code": qr(first), "method": "qr",
                                                                       "room_id": day.world.room.pk})
    assert done.status_code == 200 and done.json()["check_in_method"] == "qr"
    again = call(client, "post", f"/sessions/{sid}/check-in", proctor, {"code": day.id_of(first), "method": "id"})
    assert again.status_code == 400 and "不能重复签到" in again.json()["detail"]
    wrong_room = call(client, "post", f"/sessions/{sid}/check-in", proctor,
                      {"code": day.id_of(last), "method": "id", "room_id": day.world.room.pk})
    assert wrong_room.status_code == 400 and "不在本考场" in wrong_room.json()["detail"]
    assert call(client, "post", f"/sessions/{sid}/check-in", supervisor,
                {"code": qr(second), "method": "qr"}).status_code == 403
    assert call(client, "post", f"/sessions/{sid}/check-in", proctor,
                {"code": qr(second), "method": "face"}).status_code == 422
    assert Attempt.objects.filter(checked_in_at__isnull=False).count() == 1

    # Absences: a signed-in candidate is refused, the others marked; revoked with a reason.
    refused = call(client, "post", f"/sessions/{sid}/absent", proctor, {"attempt_ids": [first.pk, second.pk]})
    assert refused.status_code == 400 and "不能记为缺考" in refused.json()["detail"]
    marked = call(client, "post", f"/sessions/{sid}/absent", proctor, {"attempt_ids": [second.pk, last.pk]})
    assert [r["status"] for r in marked.json()] == ["absent", "absent"]
    revoked = call(client, "post", f"/attempts/{last.pk}/absence/revoke", proctor, {"reason": "考生到场，核验无误"})
    assert revoked.json()["status"] == "not_started"
    detail = call(client, "get", f"/sessions/{sid}", proctor).json()
    assert detail["counts"] == {"seated": 3, "checked_in": 1, "absent": 1, "waiting": 1, "pending_violations": 0}

    # A violation: recorded by the proctor, decided by the supervisor only, once.
    categories = call(client, "get", "/incident-categories", proctor).json()
    assert any(c["label"] == "替考（由他人代替或代替他人考试）" and c["handlings"] == ["void_all"] for c in categories)
    body = {"kind": "violation", "category": "抄袭或协助他人抄袭", "occurred_at": timezone.now().isoformat(),
            "description": "偷看邻座屏幕"}
    missing = call(client, "post", f"/sessions/{sid}/incidents", proctor, body)
    assert missing.status_code == 400 and missing.json()["field"] == "attempt_id"
    created = call(client, "post", f"/sessions/{sid}/incidents", proctor, {**body, "attempt_id": first.pk})
    assert created.status_code == 201 and created.json()["pending"] is True and created.json()["handling"] == "void"
    incident_id = created.json()["id"]
    decision = {"handling": "void", "handling_note": "监控录像可见偷看行为"}
    assert call(client, "post", f"/incidents/{incident_id}/decide", proctor, decision).status_code == 403
    assert call(client, "post", f"/incidents/{incident_id}/decide", bearer(other.supervisor.user),
                decision).status_code == 404
    decided = call(client, "post", f"/incidents/{incident_id}/decide", supervisor, decision)
    assert decided.status_code == 200 and decided.json()["decided_by"] == "督导员丙"
    assert call(client, "post", f"/incidents/{incident_id}/decide", supervisor, decision).status_code == 400
    assert call(client, "get", f"/sessions/{sid}/incidents?pending=true", proctor).json() == []
    voided = {r["ticket_number"]: r["voided"] for r in call(client, "get", f"/sessions/{sid}/attempts", proctor).json()}
    assert voided == {first.ticket_number: True, second.ticket_number: False, last.ticket_number: False}

    # Written records: the kinds and fields come from the service; counts that do not add up are refused.
    kinds = {k["kind"]: k for k in call(client, "get", "/record-kinds", proctor).json()}
    assert [f["name"] for f in kinds["sealing"]["fields"]][:4] == ["received", "issued", "blank", "collected"]
    sealing = {"kind": "sealing", "room_id": day.world.room.pk, "content": {
        "received": 2, "issued": 1, "blank": 0, "collected": 1, "sealed_at": timezone.now().isoformat(),
        "sealed_by": "proctor0", "witnesses": "supervisor0", "seal_number": "FT-9"}}
    bad = call(client, "post", f"/sessions/{sid}/records", proctor, sealing)
    assert bad.status_code == 400 and bad.json()["field"] == "content.blank"
    assert not SessionRecord.objects.exists()
    sealing["content"]["blank"] = 1
    made = call(client, "post", f"/sessions/{sid}/records", proctor, sealing)
    assert made.status_code == 201 and made.json()["content"]["seal_number"] == "FT-9"
    assert call(client, "post", f"/sessions/{sid}/records", proctor, sealing).status_code == 400
    assert [r["kind"] for r in call(client, "get", f"/sessions/{sid}/records", supervisor).json()] == ["sealing"]


def test_the_candidate_reads_only_their_own_attempts(day):
    client = Client()
    first = day.attempts[0]
    mine = call(client, "get", "/my/attempts", bearer(first.application.person.user)).json()
    assert [a["ticket_number"] for a in mine] == [first.ticket_number] and mine[0]["total_score"] is None
    assert call(client, "get", "/my/attempts", bearer(day.proctor.user)).status_code == 403
    assert call(client, "get", f"/sessions/{day.session.pk}", bearer(first.application.person.user)).status_code == 403


def sign_in(client, day, attempt):
    response = call(client, "post", "/cbt/sign-in", None, {"ticket_number": attempt.ticket_number,
                                                           "id_number": day.id_of(attempt)})
    assert response.status_code == 200, response.content
    return {"HTTP_X_EXAM_TOKEN": response.json()["token"]}


def test_the_computer_exam_through_the_api_keeps_the_pages_protections(day, jurisdictions):
    client = Client()
    first, second = day.attempts[0], day.attempts[1]
    wrong = call(client, "post", "/cbt/sign-in", None, {"ticket_number": first.ticket_number,
                                                        "id_number": day.id_of(second)})
    assert wrong.status_code == 400 and wrong.json()["detail"] == "准考证号或证件号码不正确。"
    assert call(client, "get", "/cbt/attempt", {"HTTP_X_EXAM_TOKEN": "forged"}).status_code == 401
    assert call(client, "get", "/cbt/attempt").status_code == 401

    token = sign_in(client, day, first)
    assert call(client, "get", "/cbt/questions", token).status_code == 409  # not started
    started = call(client, "post", "/cbt/start", token)
    assert started.json()["status"] == "in_progress" and 59 * 60 <= started.json()["remaining_seconds"] <= 3600
    questions = call(client, "get", "/cbt/questions", token)
    assert questions.status_code == 200 and KEY_TEXT not in questions.content.decode()
    assert "answer" not in questions.json()[0]
    single = next(q for q in questions.json() if q["kind"] == "single")

    saved = call(client, "post", "/cbt/answers", token, {"paper_item_id": single["paper_item_id"], "response": "B",
                                                         "version": 1})
    assert saved.json()["changed"] is True
    repeated = call(client, "post", "/cbt/answers", token, {"paper_item_id": single["paper_item_id"],
                                                            "response": "B", "version": 1})
    assert repeated.status_code == 200 and repeated.json()["changed"] is False
    assert Answer.objects.filter(attempt=first).count() == 1
    bad = call(client, "post", "/cbt/answers", token, {"paper_item_id": single["paper_item_id"], "response": "Z",
                                                       "version": 2})
    assert bad.status_code == 400
    assert call(client, "post", "/cbt/answers", token, {"paper_item_id": single["paper_item_id"], "response": "A",
                                                        "version": 2**40}).status_code == 422

    # Another candidate's paper: an item that is not on mine is not found, and the token names my attempt only.
    other = build_day(jurisdictions["合肥市"], candidates=1, name="合肥另一机考接口有限公司")
    foreign = other.attempts[0].paper.items.first()
    response = call(client, "post", "/cbt/answers", token, {"paper_item_id": foreign.pk, "response": "A",
                                                            "version": 5})
    assert response.status_code == 404 and not Answer.objects.filter(paper_item=foreign).exists()

    # Time out: nothing is saved after the deadline.
    Attempt.objects.filter(pk=first.pk).update(deadline_at=timezone.now() - dt.timedelta(seconds=1))
    late = call(client, "post", "/cbt/answers", token, {"paper_item_id": single["paper_item_id"], "response": "A",
                                                        "version": 3})
    assert late.status_code == 409 and Answer.objects.get(attempt=first, paper_item_id=single["paper_item_id"]
                                                          ).response == "B"
    assert Attempt.objects.get(pk=first.pk).status == Attempt.Status.TIMED_OUT
    assert call(client, "post", "/cbt/submit", token).status_code == 409

    # Hand in once: the second is refused and changes nothing.
    token2 = sign_in(client, day, second)
    call(client, "post", "/cbt/start", token2)
    handed = call(client, "post", "/cbt/submit", token2)
    assert handed.status_code == 200 and handed.json()["status"] == "submitted"
    submitted_at = Attempt.objects.get(pk=second.pk).submitted_at
    twice = call(client, "post", "/cbt/submit", token2)
    assert twice.status_code == 409 and "不能重复交卷" in twice.json()["detail"]
    assert Attempt.objects.get(pk=second.pk).submitted_at == submitted_at
    assert AttemptLog.objects.filter(attempt=second, event=AttemptLog.Event.SUBMIT).count() == 1
    after = call(client, "post", "/cbt/answers", token2, {"paper_item_id": single["paper_item_id"],
                                                          "response": "A", "version": 1})
    assert after.status_code == 409
    assert call(client, "get", "/cbt/questions", token2).status_code == 409

    # A proctor's absence stops the sign-in too.
    third = day.attempts[2]
    examday.attempts_mark_absent(actor=day.proctor, session=day.session, attempt_ids=[third.pk])
    refused = call(client, "post", "/cbt/sign-in", None, {"ticket_number": third.ticket_number,
                                                          "id_number": day.id_of(third)})
    assert refused.status_code == 400 and "缺考" in refused.json()["detail"]
    assert ExamIncident.objects.count() == 0


def test_a_candidate_account_cannot_use_staff_endpoints(day):
    client = Client()
    candidate = bearer(day.attempts[0].application.person.user)
    assert call(client, "post", f"/sessions/{day.session.pk}/check-in", candidate,
                {"code": qr(day.attempts[0]), "method": "qr"}).status_code == 403
