"""/api/v1/exams/: exam sessions and the exam day (DOMAIN.md §3.6; SD 4(5)–4(6)) — the
sessions and their candidates (ID numbers masked), the proctor's identity check and
sign-in, absences, incidents and violations with the quality supervisor's decision,
the written records of the day; the candidate's own attempts; and the computer-based
exam through the API.

The same rules as the pages (exams/views/examday.py, exams/views/cbt.py): each endpoint
fetches through the actor-scoped selectors (404 outside the actor's organisation) and
calls the same service, which checks the permission again and decides.

The computer-based exam: a candidate signs in with the admission ticket number and the
ID number (cbt.candidate_sign_in: the session's window, the lock-out after failed
attempts, the operation log) and receives a signed exam token; every later call works
on the attempt in that token only, never on an id taken from the request. So a
candidate cannot read another candidate's paper (an item not on their own paper is
404), never sees the key (questions are cbt.attempt_questions), a repeated autosave
changes nothing (versions), nothing is saved after the time is up or after hand-in
(409), and a second hand-in is refused (409)."""


from typing import Any

from django.core import signing
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate
from ninja.security import APIKeyHeader

from skilleval.accounts.access import Actor, Perm, get_scoped_or_404
from skilleval.core.errors import DomainError
from skilleval.core.validators import mask_id_number
from skilleval.exams.models import Attempt, ExamIncident, ExamRoom, ExamSession, SessionRecord
from skilleval.exams.selectors import (
    attempts_visible_to,
    exam_session_get_for_actor,
    exam_sessions_visible_to,
)
from skilleval.exams.services import cbt, examday

from . import exams_schemas as s
from .pagination import Pages

router = Router(tags=["考务"])

EXAM_TOKEN_SALT = "skilleval.api.exams.cbt"
EXAM_TOKEN_MAX_AGE = 24 * 3600


def _require(request, perm: str) -> Actor:
    actor = request.actor
    actor.require(perm)
    return actor


def _session(request, session_id: int) -> tuple[Actor, ExamSession]:
    actor = _require(request, Perm.BATCH_VIEW)
    return actor, exam_session_get_for_actor(actor=actor, pk=session_id)


def _room(session: ExamSession, room_id: int | None) -> ExamRoom | None:
    if room_id is None:
        return None
    room = ExamRoom.objects.filter(pk=room_id, site__organisation_id=session.batch.organisation_id).first()
    if room is None:
        raise DomainError(_("未找到该考场。"), field="room_id")
    return room


def _attempt_rows(session: ExamSession, attempts: QuerySet[Attempt]) -> list[dict[str, Any]]:
    void = set(examday.voided_attempts(session.attempts.all()).values_list("pk", flat=True))
    return [{
        "id": a.pk, "ticket_number": a.ticket_number, "name": a.application.name,
        "masked_id_number": mask_id_number(a.application.person.id_number), "room_id": a.room_id,
        "room_name": a.room.name if a.room else None, "seat": a.seat, "status": a.status,
        "status_display": a.get_status_display(), "checked_in_at": a.checked_in_at,
        "checked_in_by": a.checked_in_by.get_full_name() if a.checked_in_by else None,
        "check_in_method": a.check_in_method, "voided": a.pk in void, "has_photo": bool(a.application.photo),
    } for a in attempts.select_related("application__person", "room", "checked_in_by")]


def _one(session: ExamSession, attempt: Attempt) -> dict[str, Any]:
    return _attempt_rows(session, Attempt.objects.filter(pk=attempt.pk))[0]


# ---------------------------------------------------------------------------------------------
# Reference lists


@router.get("/incident-categories", response=list[s.CategoryOut],
            summary="违纪违规与突发事件的情形及其可作出的处理（依据处理规则）")
def incident_categories(request):
    _require(request, Perm.BATCH_VIEW)
    return list(examday.CATEGORIES)


@router.get("/record-kinds", response=list[s.RecordKindOut],
            summary="考务记录的种类及各自的字段（考前考务会、督导检查表、质量督导记录表、试卷领取、回收与密封）")
def record_kinds(request):
    _require(request, Perm.BATCH_VIEW)
    return list(examday.RECORD_SPECS.values())


# ---------------------------------------------------------------------------------------------
# Sessions and their candidates


@router.get("/sessions", response=list[s.SessionOut], summary="考试场次（本单位）")
@paginate(Pages, page_size=50)
def session_list(request, batch_id: int | None = Query(None, ge=1, le=s.MAX_ID),
                 kind: ExamSession.Kind | None = None):
    actor = _require(request, Perm.BATCH_VIEW)
    qs = exam_sessions_visible_to(actor).select_related("batch_item__occupation", "batch_item__work_type",
                                                        "batch_item__level").order_by("-starts_at", "-pk")
    if batch_id is not None:
        qs = qs.filter(batch_id=batch_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@router.get("/sessions/{int:session_id}", response=s.SessionDetailOut, summary="场次详情与签到统计")
def session_detail(request, session_id: int):
    _actor, session = _session(request, session_id)
    session.counts = examday.day_counts(session)
    return session


@router.get("/sessions/{int:session_id}/attempts", response=list[s.AttemptOut],
            summary="场次的考生：准考证号、考场座位、签到与状态（证件号码脱敏）")
def attempt_list(request, session_id: int, room_id: int | None = Query(None, ge=1, le=s.MAX_ID)):
    _actor, session = _session(request, session_id)
    qs = session.attempts.order_by("room__name", "seat", "ticket_number")
    if room_id is not None:
        qs = qs.filter(room_id=room_id)
    return _attempt_rows(session, qs)


@router.get("/sessions/{int:session_id}/identify", response=s.AttemptOut,
            summary="身份核验：按扫码内容或证件号码找到考生，供比对照片、姓名、座位（不签到）")
def identify(request, session_id: int, code: str = Query(..., max_length=80), method: str = Query(...),
             room_id: int | None = Query(None, ge=1, le=s.MAX_ID)):
    actor, session = _session(request, session_id)
    attempt = examday.attempt_identify(actor=actor, session=session, code=code, method=method,
                                       room=_room(session, room_id))
    return _one(session, attempt)


@router.post("/sessions/{int:session_id}/check-in", response=s.AttemptOut,
             summary="签到：扫描准考证二维码（qr）或核验证件号码（id）；伪造二维码、他场次/考场、重复签到均被拒绝")
def check_in(request, session_id: int, payload: s.CheckInIn):
    actor, session = _session(request, session_id)
    attempt = examday.attempt_check_in(actor=actor, session=session, code=payload.code, method=payload.method,
                                       room=_room(session, payload.room_id))
    return _one(session, attempt)


@router.post("/sessions/{int:session_id}/absent", response=list[s.AttemptOut],
             summary="开考后将未签到、未作答的考生标记为缺考")
def mark_absent(request, session_id: int, payload: s.AbsentIn):
    actor, session = _session(request, session_id)
    marked = examday.attempts_mark_absent(actor=actor, session=session, attempt_ids=payload.attempt_ids)
    return _attempt_rows(session, Attempt.objects.filter(pk__in=[a.pk for a in marked]).order_by("ticket_number"))


@router.get("/attempts/{int:attempt_id}/photo", response={200: None},
            summary="考生报名照片（JPEG/PNG），供签到时比对")
def attempt_photo(request, attempt_id: int):
    from skilleval.exams.views.examday import image_response

    actor = _require(request, Perm.BATCH_VIEW)
    attempt = get_scoped_or_404(attempts_visible_to(actor).filter(
        session__batch__organisation_id=actor.organisation_id).select_related("application"), pk=attempt_id)
    return image_response(attempt.application.photo)


@router.post("/attempts/{int:attempt_id}/absence/revoke", response=s.AttemptOut,
             summary="撤销缺考（考试结束前，须说明原因）")
def absence_revoke(request, attempt_id: int, payload: s.ReasonIn):
    actor = _require(request, Perm.BATCH_VIEW)
    attempt = get_scoped_or_404(attempts_visible_to(actor).filter(
        session__batch__organisation_id=actor.organisation_id), pk=attempt_id)
    examday.attempt_absence_revoke(actor=actor, attempt=attempt, reason=payload.reason)
    return _one(attempt.session, attempt)


# ---------------------------------------------------------------------------------------------
# Incidents and violations


def _incidents(session: ExamSession) -> QuerySet[ExamIncident]:
    return session.incidents.select_related("attempt", "recorded_by", "decided_by").order_by("occurred_at", "pk")


@router.get("/sessions/{int:session_id}/incidents", response=list[s.IncidentOut], summary="场次的违纪违规与突发事件记录")
def incident_list(request, session_id: int, pending: bool | None = None):
    _actor, session = _session(request, session_id)
    qs = _incidents(session)
    if pending is not None:
        condition = {"kind": ExamIncident.Kind.VIOLATION, "decided_at__isnull": True}
        qs = qs.filter(**condition) if pending else qs.exclude(**condition)
    return qs


@router.post("/sessions/{int:session_id}/incidents", response={201: s.IncidentOut},
             summary="记录违纪违规（须指明考生，处理为建议，待质量督导员认定）或突发事件（当场处置）")
def incident_create(request, session_id: int, payload: s.IncidentIn):
    actor, session = _session(request, session_id)
    attempt = None
    if payload.attempt_id is not None:
        attempt = session.attempts.filter(pk=payload.attempt_id).first()
        if attempt is None:
            raise DomainError(_("所选考生不是本场次的考生。"), field="attempt_id")
    try:
        incident = examday.incident_record(
            actor=actor, session=session, kind=payload.kind, category=payload.category,
            occurred_at=payload.occurred_at, description=payload.description, handling=payload.handling,
            handling_note=payload.handling_note, attempt=attempt, room=_room(session, payload.room_id))
    except DomainError as exc:
        if exc.field in ("attempt", "room"):
            exc.field = f"{exc.field}_id"
        raise
    return Status(201, _incidents(session).get(pk=incident.pk))


@router.post("/incidents/{int:incident_id}/decide", response=s.IncidentOut,
             summary="质量督导员认定违纪违规及其处理（只能认定一次）")
def incident_decide(request, incident_id: int, payload: s.DecideIn):
    actor = _require(request, Perm.BATCH_VIEW)
    incident = get_scoped_or_404(ExamIncident.objects.filter(session__in=exam_sessions_visible_to(actor)),
                                 pk=incident_id)
    examday.incident_decide(actor=actor, incident=incident, handling=payload.handling,
                            handling_note=payload.handling_note)
    return _incidents(incident.session).get(pk=incident.pk)


# ---------------------------------------------------------------------------------------------
# Written records


@router.get("/sessions/{int:session_id}/records", response=list[s.RecordOut], summary="场次的考务记录")
def record_list(request, session_id: int, kind: SessionRecord.Kind | None = None):
    _actor, session = _session(request, session_id)
    qs = session.records.select_related("recorded_by").order_by("kind", "room_id", "recorded_at")
    return qs.filter(kind=kind) if kind else qs


@router.post("/sessions/{int:session_id}/records", response={201: s.RecordOut},
             summary="填写考务记录（每种记录每场次或每考场一份，保存后不能修改；份数对不上的封装记录被拒绝）")
def record_create(request, session_id: int, payload: s.RecordIn):
    actor, session = _session(request, session_id)
    try:
        record = examday.session_record_create(actor=actor, session=session, kind=payload.kind,
                                               content=payload.content, room=_room(session, payload.room_id))
    except DomainError as exc:
        if exc.field == "room":
            exc.field = "room_id"
        elif exc.field and exc.field != "kind":
            exc.field = f"content.{exc.field}"
        raise
    return Status(201, record)


# ---------------------------------------------------------------------------------------------
# The candidate's own attempts (a candidate account)


@router.get("/my/attempts", response=list[s.MyAttemptOut], summary="考生本人的准考证、考场座位与考试状态")
def my_attempts(request):
    actor = _require(request, Perm.CANDIDATE_SELF)
    return attempts_visible_to(actor).filter(application__person_id=actor.person_id).select_related(
        "session__batch", "room__site").order_by("-session__starts_at")


# ---------------------------------------------------------------------------------------------
# The computer-based exam (ticket number + ID number, then the exam token)


class ExamToken(APIKeyHeader):
    """The signed exam token from /cbt/sign-in, in the X-Exam-Token header."""

    param_name = "X-Exam-Token"

    def authenticate(self, request, key):
        if not key:
            return None
        try:
            data = signing.loads(key, salt=EXAM_TOKEN_SALT, max_age=EXAM_TOKEN_MAX_AGE)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("a"), int) or not isinstance(data.get("t"), str):
            return None
        return Attempt(pk=data["a"], ticket_number=data["t"])


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _signed_in(request) -> Attempt:
    """The attempt of the exam token, read fresh (a token for a ticket that no longer
    matches is refused)."""
    reference = request.auth
    attempt = Attempt.objects.select_related("session", "application").filter(
        pk=reference.pk, ticket_number=reference.ticket_number).first()
    if attempt is None:
        raise Http404
    return attempt


def _conflict(message: str):
    return Status(409, {"detail": message})


@router.post("/cbt/sign-in", auth=None, response={200: s.ExamTokenOut},
             summary="考生凭准考证号和证件号码登录机考（无需账号），取得机考令牌")
def cbt_sign_in(request, payload: s.ExamSignInIn):
    attempt = cbt.candidate_sign_in(ticket_number=payload.ticket_number, id_number=payload.id_number,
                                    ip_address=_ip(request))
    token = signing.dumps({"a": attempt.pk, "t": attempt.ticket_number}, salt=EXAM_TOKEN_SALT)
    return {"token": token, "attempt": Attempt.objects.select_related("session", "application").get(pk=attempt.pk)}


@router.get("/cbt/attempt", auth=ExamToken(), response=s.ExamAttemptOut, summary="本人机考状态与剩余时间（服务器计时）")
def cbt_attempt(request):
    attempt = _signed_in(request)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        attempt = cbt.attempt_touch(attempt=attempt)
    return attempt


@router.post("/cbt/start", auth=ExamToken(), response={200: s.ExamAttemptOut, 400: s.ErrorOut},
             summary="开始作答（服务器开始计时；重复调用不改变计时）")
def cbt_start(request):
    attempt = cbt.attempt_start(attempt=_signed_in(request), ip_address=_ip(request))
    return Attempt.objects.select_related("session", "application").get(pk=attempt.pk)


@router.get("/cbt/questions", auth=ExamToken(), response={200: list[s.QuestionOut], 409: s.ErrorOut},
            summary="本人试卷的试题与已保存的作答（不含标准答案）")
def cbt_questions(request):
    attempt = cbt.attempt_touch(attempt=_signed_in(request))
    if attempt.status == Attempt.Status.NOT_STARTED:
        return _conflict(_("请先开始作答。"))
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return _conflict(_("本场考试您已%(s)s，不能再查看试题。") % {"s": attempt.get_status_display()})
    return cbt.attempt_questions(attempt)


@router.post("/cbt/answers", auth=ExamToken(), response={200: s.SaveOut, 400: s.ErrorOut, 404: s.ErrorOut,
                                                          409: s.ErrorOut},
             summary="保存一道题的作答（按版本号幂等；超时或交卷后拒绝）")
def cbt_answer(request, payload: s.AnswerIn):
    try:
        result = cbt.answer_save(attempt=request.auth, paper_item_id=payload.paper_item_id, response=payload.response,
                                 version=payload.version, ip_address=_ip(request))
    except cbt.ItemNotOnPaper as exc:
        return Status(404, {"detail": exc.message})
    except cbt.ResponseInvalid as exc:
        return Status(400, {"detail": exc.message})
    except cbt.AttemptClosed as exc:
        return _conflict(exc.message)
    return {"paper_item_id": result.paper_item_id, "changed": result.changed, "saved_at": result.saved_at}


@router.post("/cbt/submit", auth=ExamToken(), response={200: s.ExamAttemptOut, 409: s.ErrorOut},
             summary="交卷（只能交一次；超过交卷期限的，系统已按期限自动交卷）")
def cbt_submit(request):
    attempt = _signed_in(request)
    if attempt.status in cbt.FINISHED:
        return _conflict(_("您已于 %(t)s 交卷，不能重复交卷。") % {
            "t": timezone.localtime(attempt.submitted_at).strftime("%Y-%m-%d %H:%M:%S")})
    attempt = cbt.attempt_submit(attempt=attempt, ip_address=_ip(request))
    if attempt.status == Attempt.Status.TIMED_OUT:
        return _conflict(_("考试时间已到，系统已于 %(t)s 自动交卷。") % {
            "t": timezone.localtime(attempt.submitted_at).strftime("%Y-%m-%d %H:%M:%S")})
    return Attempt.objects.select_related("session", "application").get(pk=attempt.pk)
