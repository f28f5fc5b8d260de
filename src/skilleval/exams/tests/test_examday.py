"""The exam day: identity check and sign-in (QR code or ID number), absences, incidents and
violations decided by a quality supervisor, the written records of the day with their
rules, photos and video references; the pages and their permissions. Every refusal
changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from skilleval.accounts.access import Actor, actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent

from ..models import (
    Attempt,
    AttemptLog,
    ExamIncident,
    ExamRoom,
    ExamSession,
    RoomKind,
    SessionMedia,
    SessionRecord,
    StaffAssignment,
)
from ..services import cbt, examday
from .test_cbt import World, build_world, fresh_autosave_caches, make_paper  # noqa: F401

pytestmark = pytest.mark.django_db
Status = Attempt.Status
Handling = ExamIncident.Handling


def png_bytes(colour=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Day:
    world: World
    session: ExamSession
    attempts: list[Attempt]  # the first two in room 1 (seats 1, 2), the last in room 2 (seat 1)
    room2: ExamRoom
    supervisor: Actor

    @property
    def proctor(self) -> Actor:
        return self.world.proctor

    def id_of(self, attempt: Attempt) -> str:
        return self.world.ids[attempt.application_id]

    def fresh(self, attempt: Attempt) -> Attempt:
        return Attempt.objects.get(pk=attempt.pk)


def build_day(jurisdiction, *, candidates: int = 3, name: str = "合肥考试当天机床有限公司", starts: int = -10,
              ends: int = 120) -> Day:
    """A computer-based session of two rooms that started `starts` minutes ago, every
    candidate seated (the last one in the second room), its staff assigned."""
    world = build_world(jurisdiction, candidates=candidates, name=name)
    room2 = ExamRoom.objects.create(site=world.room.site, name="一层第2机房", kind=RoomKind.THEORY, capacity=40)
    now = timezone.now()
    session = cbt.session_create(
        actor=world.manager, batch=world.batch, batch_item=world.item, blueprint=world.blueprint,
        name="理论知识考试第1场", rooms=[world.room, room2], starts_at=now + dt.timedelta(minutes=starts),
        ends_at=now + dt.timedelta(minutes=ends), duration_minutes=60, per_candidate_papers=False)
    attempts = cbt.seats_assign(actor=world.manager, session=session, paper=make_paper(world))
    Attempt.objects.filter(pk=attempts[-1].pk).update(room=room2, seat=1)
    attempts = list(Attempt.objects.filter(session=session).order_by("ticket_number"))
    staff = {member.name: member for member in world.batch.staff.all()}
    duties = [("head0", StaffAssignment.Duty.SITE_HEAD, None), ("proctor0", StaffAssignment.Duty.PROCTOR, world.room),
              ("proctor1", StaffAssignment.Duty.PROCTOR, room2),
              ("supervisor0", StaffAssignment.Duty.SUPERVISOR, None)]
    for staff_name, duty, room in duties:
        StaffAssignment.objects.create(session=session, staff=staff[staff_name], duty=duty, room=room,
                                       site=world.room.site)
    supervisor = actor_for(make_user(Role.QUALITY_SUPERVISOR, organisation=world.org, full_name="督导员丙"))
    return Day(world=world, session=session, attempts=attempts, room2=room2, supervisor=supervisor)


@pytest.fixture
def day(jurisdictions):
    return build_day(jurisdictions["合肥市"])


def qr(attempt: Attempt) -> str:
    return examday.ticket_qr_payload(attempt.ticket_number)


def unchanged(attempt: Attempt, before: Attempt) -> bool:
    now = Attempt.objects.get(pk=attempt.pk)
    return (now.status, now.checked_in_at, now.checked_in_by_id, now.check_in_method) == (
        before.status, before.checked_in_at, before.checked_in_by_id, before.check_in_method)


# ---------------------------------------------------------------------------------------------
# The ticket's QR code


def test_the_qr_code_carries_the_ticket_and_a_signature_only_the_server_can_make(day):
    attempt = day.attempts[0]
    payload = qr(attempt)
    ticket, signature = payload.split("-")
    assert ticket == attempt.ticket_number and len(signature) == 12 and signature.isdigit()
    assert examday.ticket_from_qr(payload) == attempt.ticket_number
    # A scanner typing under a Chinese input method sends full-width characters.
    assert examday.ticket_from_qr(" " + payload.replace("-", "－") + "\n") == attempt.ticket_number
    other = day.attempts[1].ticket_number
    for forged in (f"{other}-{signature}", f"{ticket}-{int(signature) ^ 1:012d}", ticket, f"{ticket}-abc",
                   "http://example.com/", ""):
        with pytest.raises(DomainError):
            examday.ticket_from_qr(forged)


# ---------------------------------------------------------------------------------------------
# Sign-in


def test_a_proctor_signs_candidates_in_by_qr_code_and_by_id_number(day):
    first, second = day.attempts[0], day.attempts[1]
    found = examday.attempt_identify(actor=day.proctor, session=day.session, code=qr(first), method="qr",
                                     room=day.world.room)
    assert found == first and day.fresh(first).checked_in_at is None  # identifying writes nothing
    signed = examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(first), method="qr",
                                      room=day.world.room)
    assert (signed.check_in_method, signed.checked_in_by) == ("qr", day.proctor.user)
    assert signed.checked_in_at is not None
    # By ID number, typed in lower case with spaces: the same person.
    examday.attempt_check_in(actor=day.proctor, session=day.session, code=f" {day.id_of(second).lower()} ",
                             method="id")
    second = day.fresh(second)
    assert second.check_in_method == "id" and second.checked_in_by == day.proctor.user
    events = AuditEvent.objects.filter(object_type="exams.attempt", summary__startswith="身份核验签到")
    assert events.count() == 2 and "扫描准考证二维码" in events.get(object_id=str(first.pk)).summary
    assert examday.day_counts(day.session) == {"seated": 3, "checked_in": 2, "absent": 0, "waiting": 1,
                                               "pending_violations": 0}


def test_sign_in_refuses_a_forged_code_another_session_or_room_and_a_second_time(day, jurisdictions):
    first, last = day.attempts[0], day.attempts[-1]
    before = day.fresh(first)
    signature = qr(first).split("-")[1]
    with pytest.raises(DomainError, match="二维码校验失败"):
        examday.attempt_check_in(actor=day.proctor, session=day.session,
                                 code=f"{day.attempts[1].ticket_number}-{signature}", method="qr")
    with pytest.raises(DomainError, match="本场次没有证件号码"):
        examday.attempt_check_in(actor=day.proctor, session=day.session, code="340104199001011234", method="id")
    with pytest.raises(DomainError, match="不在本考场（一层第1机房）考试，应在“.*一层第2机房”第 1 号座位"):
        examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(last), method="qr",
                                 room=day.world.room)
    # A ticket of another session of the same organisation names that session.
    later = cbt.session_create(
        actor=day.world.manager, batch=day.world.batch, batch_item=day.world.item, blueprint=day.world.blueprint,
        name="理论知识考试补考场", rooms=[day.room2], starts_at=timezone.now() + dt.timedelta(hours=3),
        ends_at=timezone.now() + dt.timedelta(hours=5), duration_minutes=60, per_candidate_papers=False)
    with pytest.raises(DomainError, match="属于场次“理论知识考试第1场”"):
        examday.attempt_check_in(actor=day.proctor, session=later, code=qr(first), method="qr")
    # Another organisation's proctor, and a ticket of another organisation.
    other = build_day(jurisdictions["合肥市"], candidates=1, name="合肥另一考试当天有限公司")
    with pytest.raises(DomainError, match="您只能办理本单位的考试"):
        examday.attempt_check_in(actor=other.proctor, session=day.session, code=qr(first), method="qr")
    with pytest.raises(DomainError, match="不是本场次的考生"):
        examday.attempt_check_in(actor=other.proctor, session=other.session, code=qr(first), method="qr")
    with pytest.raises(PermissionDenied):
        examday.attempt_check_in(actor=day.world.marker, session=day.session, code=qr(first), method="qr")
    with pytest.raises(PermissionDenied):
        examday.attempt_check_in(actor=day.supervisor, session=day.session, code=qr(first), method="qr")
    assert unchanged(first, before)
    assert not AuditEvent.objects.filter(summary__startswith="身份核验签到").exists()

    examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(first), method="qr")
    at = timezone.localtime(day.fresh(first).checked_in_at).strftime("%Y-%m-%d %H:%M")
    with pytest.raises(DomainError, match=f"已于 {at} 由 监考员乙 签到（扫描准考证二维码），不能重复签到"):
        examday.attempt_check_in(actor=day.world.manager, session=day.session, code=day.id_of(first), method="id")
    assert day.fresh(first).check_in_method == "qr"


def test_sign_in_opens_before_the_start_and_closes_at_the_end(day):
    first = day.attempts[0]
    too_early = day.session.starts_at - dt.timedelta(minutes=examday.CHECK_IN_OPENS_MINUTES + 1)
    with pytest.raises(DomainError, match="签到尚未开始"):
        examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(first), method="qr", now=too_early)
    with pytest.raises(DomainError, match="结束，不能再签到"):
        examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(first), method="qr",
                                 now=day.session.ends_at)
    assert day.fresh(first).checked_in_at is None
    early = day.session.starts_at - dt.timedelta(minutes=30)
    assert examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(first), method="qr",
                                    now=early).checked_in_at == early


# ---------------------------------------------------------------------------------------------
# Absences


def test_absences_are_marked_after_the_start_and_revoked_only_before_the_end(day):
    first, second, last = day.attempts
    examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(first), method="qr")
    with pytest.raises(DomainError, match="开考后才能标记缺考"):
        examday.attempts_mark_absent(actor=day.proctor, session=day.session, attempt_ids=[second.pk],
                                     now=day.session.starts_at - dt.timedelta(minutes=1))
    with pytest.raises(DomainError, match="已于 .* 签到，不能记为缺考"):
        examday.attempts_mark_absent(actor=day.proctor, session=day.session, attempt_ids=[first.pk, second.pk])
    with pytest.raises(DomainError, match="请选择"):
        examday.attempts_mark_absent(actor=day.proctor, session=day.session, attempt_ids=[])
    with pytest.raises(PermissionDenied):
        examday.attempts_mark_absent(actor=day.supervisor, session=day.session, attempt_ids=[second.pk])
    assert not Attempt.objects.filter(status=Status.ABSENT).exists()

    marked = examday.attempts_mark_absent(actor=day.proctor, session=day.session, attempt_ids=[second.pk, last.pk])
    assert [a.pk for a in marked] == [second.pk, last.pk]
    assert day.fresh(second).status == Status.ABSENT and day.fresh(last).status == Status.ABSENT
    assert AuditEvent.objects.filter(object_type="exams.examsession", summary__startswith="标记缺考 2 人").exists()
    # An absentee can neither sign in at the door nor log in to the computer exam.
    with pytest.raises(DomainError, match="已被记为缺考"):
        examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(second), method="qr")
    with pytest.raises(DomainError, match="您已被记为缺考"):
        cbt.candidate_sign_in(ticket_number=second.ticket_number, id_number=day.id_of(second))

    with pytest.raises(DomainError, match="请说明撤销缺考的原因"):
        examday.attempt_absence_revoke(actor=day.proctor, attempt=second, reason=" ")
    with pytest.raises(DomainError, match="缺考记录不能再撤销"):
        examday.attempt_absence_revoke(actor=day.proctor, attempt=second, reason="考生迟到", now=day.session.ends_at)
    assert day.fresh(second).status == Status.ABSENT
    examday.attempt_absence_revoke(actor=day.proctor, attempt=second, reason="考生因交通原因迟到，已核验身份")
    assert day.fresh(second).status == Status.NOT_STARTED
    examday.attempt_check_in(actor=day.proctor, session=day.session, code=day.id_of(second), method="id")
    assert AuditEvent.objects.filter(object_type="exams.attempt", object_id=str(second.pk),
                                     summary__startswith="撤销缺考").exists()


# ---------------------------------------------------------------------------------------------
# Incidents and violations


def test_a_proctor_records_a_violation_and_only_a_supervisor_decides_it(day):
    first = day.attempts[0]
    now = timezone.now()
    common = dict(session=day.session, occurred_at=now - dt.timedelta(minutes=2), description="考生将手机藏于桌下。")
    with pytest.raises(DomainError, match="须指明考生") as error:
        examday.incident_record(actor=day.proctor, kind="violation", category="使用通讯工具或其他电子设备", **common)
    assert error.value.field == "attempt"
    with pytest.raises(DomainError, match="请从列表中选择违纪违规的情形"):
        examday.incident_record(actor=day.proctor, kind="violation", category="停电", attempt=first, **common)
    with pytest.raises(DomainError, match="可按以下方式处理：本科目成绩无效、本次评价各科目成绩无效"):
        examday.incident_record(actor=day.proctor, kind="violation", category="使用通讯工具或其他电子设备",
                                attempt=first, handling=Handling.WARNING, **common)
    with pytest.raises(DomainError, match="发生时间不能晚于现在"):
        examday.incident_record(actor=day.proctor, kind="violation", category="使用通讯工具或其他电子设备",
                                attempt=first, **{**common, "occurred_at": now + dt.timedelta(minutes=10)})
    with pytest.raises(DomainError, match="不在“一层第2机房”考试"):
        examday.incident_record(actor=day.proctor, kind="violation", category="使用通讯工具或其他电子设备",
                                attempt=first, room=day.room2, **common)
    assert not ExamIncident.objects.exists()

    violation = examday.incident_record(actor=day.proctor, kind="violation", category="使用通讯工具或其他电子设备",
                                        attempt=first, **common)
    assert violation.handling == Handling.VOID and violation.decided_at is None and violation.room == day.world.room
    assert list(examday.incidents_pending(day.session)) == [violation]

    with pytest.raises(PermissionDenied):
        examday.incident_decide(actor=day.proctor, incident=violation, handling=Handling.VOID, handling_note="手机")
    with pytest.raises(PermissionDenied):
        examday.incident_decide(actor=day.world.manager, incident=violation, handling=Handling.VOID,
                                handling_note="手机")
    with pytest.raises(DomainError, match="请写明认定依据"):
        examday.incident_decide(actor=day.supervisor, incident=violation, handling=Handling.VOID, handling_note="")
    with pytest.raises(DomainError, match="可按以下方式处理"):
        examday.incident_decide(actor=day.supervisor, incident=violation, handling=Handling.WARNING,
                                handling_note="手机")
    violation.refresh_from_db()
    assert violation.decided_at is None and violation.handling_note == ""

    examday.incident_decide(actor=day.supervisor, incident=violation, handling=Handling.VOID,
                            handling_note="监控录像 09:12 可见考生使用手机，依规则本科目成绩无效。")
    violation.refresh_from_db()
    assert violation.decided_by == day.supervisor.user and violation.decided_at is not None
    decided_at = timezone.localtime(violation.decided_at).strftime("%Y-%m-%d %H:%M")
    with pytest.raises(DomainError, match=f"已于 {decided_at} 由 督导员丙 认定为“本科目成绩无效”"):
        examday.incident_decide(actor=day.supervisor, incident=violation, handling=Handling.VOID_ALL,
                                handling_note="改判")
    assert list(examday.voided_attempts(Attempt.objects.all())) == [first]
    assert AuditEvent.objects.filter(object_type="exams.attempt", object_id=str(first.pk),
                                     summary__startswith="违纪违规处理：本科目成绩无效").exists()


def test_a_decision_that_stops_the_exam_closes_a_running_computer_exam(day):
    first, second = day.attempts[0], day.attempts[1]
    cbt.candidate_sign_in(ticket_number=first.ticket_number, id_number=day.id_of(first))
    cbt.attempt_start(attempt=first)
    violation = examday.incident_record(
        actor=day.proctor, session=day.session, kind="violation", category="替考（由他人代替或代替他人考试）",
        attempt=first, occurred_at=timezone.now(), description="照片与本人明显不符，经核对身份证件为他人代考。")
    assert violation.handling == Handling.VOID_ALL
    assert day.fresh(first).status == Status.IN_PROGRESS  # a proposal stops nothing
    examday.incident_decide(actor=day.supervisor, incident=violation, handling=Handling.VOID_ALL,
                            handling_note="经核验身份证件，确认替考。")
    first = day.fresh(first)
    assert first.status == Status.SUBMITTED and first.submitted_at is not None
    assert first.log.filter(event=AttemptLog.Event.SUBMIT, detail__contains="质量督导员认定违纪违规").exists()
    with pytest.raises(cbt.AttemptClosed):
        item = first.paper.items.first()
        cbt.answer_save(attempt=first, paper_item_id=item.pk, response=["A"], version=9)
    # Every result of the candidate's evaluation is void: a later session of the same application too.
    assert set(examday.voided_attempts(Attempt.objects.all())) == {first}
    assert second not in examday.voided_attempts(Attempt.objects.all())


def test_an_incident_is_handled_on_the_spot_and_needs_no_decision(day):
    incident = examday.incident_record(
        actor=day.proctor, session=day.session, kind="incident", category="断网或考试系统故障", room=day.room2,
        occurred_at=timezone.now() - dt.timedelta(minutes=5), description="二号机房交换机故障，断网 6 分钟。",
        handling_note="恢复后补足 6 分钟")
    assert incident.handling == Handling.DELAY and incident.decided_by == day.proctor.user
    assert not examday.incidents_pending(day.session).exists()
    with pytest.raises(DomainError, match="突发事件由考点负责人当场处置"):
        examday.incident_decide(actor=day.supervisor, incident=incident, handling=Handling.RECORDED, handling_note="x")
    with pytest.raises(DomainError, match="可按以下方式处理：如实记录|可按以下方式处理"):
        examday.incident_record(actor=day.proctor, session=day.session, kind="incident", category="考生突发疾病",
                                occurred_at=timezone.now(), description="晕倒", handling=Handling.VOID)


# ---------------------------------------------------------------------------------------------
# Session records


def meeting(day, **changes):
    content = {"held_at": day.session.starts_at - dt.timedelta(minutes=40), "place": "实训楼会议室", "host": "head0",
               "attendees": "proctor0、proctor1、supervisor0", "training": True, "duties": True, "discipline": True,
               "manuals": True, "content": "考务操作培训；宣读考场规则；分发考务手册。"}
    return {**content, **changes}


def test_the_pre_exam_meeting_is_held_before_the_start_and_recorded_once(day):
    with pytest.raises(DomainError, match="考前考务会应在开考") as error:
        examday.session_record_create(actor=day.world.manager, session=day.session, kind="meeting",
                                      content=meeting(day, held_at=day.session.starts_at + dt.timedelta(minutes=5)))
    assert error.value.field == "held_at"
    with pytest.raises(DomainError, match="以下事项为“否”，请在“未完成事项及说明”中说明：已分发考务手册等资料"):
        examday.session_record_create(actor=day.world.manager, session=day.session, kind="meeting",
                                      content=meeting(day, manuals=False))
    with pytest.raises(DomainError, match="请填写“主持人”"):
        examday.session_record_create(actor=day.world.manager, session=day.session, kind="meeting",
                                      content=meeting(day, host=" "))
    with pytest.raises(PermissionDenied):
        examday.session_record_create(actor=day.supervisor, session=day.session, kind="meeting", content=meeting(day))
    assert not SessionRecord.objects.exists()
    record = examday.session_record_create(actor=day.world.manager, session=day.session, kind="meeting",
                                           content=meeting(day, manuals=False, notes="手册次日补发"))
    assert record.content["manuals"] is False and record.content["place"] == "实训楼会议室"
    assert ("已分发考务手册等资料", "否") in examday.record_rows(record)
    with pytest.raises(DomainError, match="已有考前考务会记录（王海燕 于 .* 填写），不能重复填写"):
        examday.session_record_create(actor=day.proctor, session=day.session, kind="meeting", content=meeting(day))


def checklist(**changes):
    content = {"staff_on_post": True, "meeting_held": True, "papers_checked": True, "rooms_ok": True,
               "monitoring_ok": True, "equipment_ok": True}
    return {**content, **changes}


def test_the_supervisors_checklist_and_quality_form_agree_with_the_day(day):
    first = day.attempts[0]
    with pytest.raises(DomainError, match="尚无考前考务会记录"):
        examday.session_record_create(actor=day.supervisor, session=day.session, kind="checklist",
                                      content=checklist())
    with pytest.raises(DomainError, match="电子监控设施正常运行"):
        examday.session_record_create(actor=day.supervisor, session=day.session, kind="checklist",
                                      content=checklist(meeting_held=False, monitoring_ok="no"))
    examday.session_record_create(actor=day.world.manager, session=day.session, kind="meeting", content=meeting(day))
    examday.session_record_create(actor=day.supervisor, session=day.session, kind="checklist", content=checklist())

    examday.incident_record(actor=day.proctor, session=day.session, kind="violation", category="交头接耳、左顾右盼、打手势",
                            attempt=first, occurred_at=timezone.now(), description="与邻座交谈")
    quality = {"process_standard": True, "materials_complete": True, "discipline_good": True,
               "violations_handled": True, "overall": "较好", "opinions": "签到核验规范。"}
    with pytest.raises(DomainError, match="还有 1 条违纪违规记录尚未认定"):
        examday.session_record_create(actor=day.supervisor, session=day.session, kind="quality", content=quality)
    with pytest.raises(DomainError, match="“总体评价”请选择"):
        examday.session_record_create(actor=day.supervisor, session=day.session, kind="quality",
                                      content={**quality, "overall": "满分"})
    with pytest.raises(DomainError, match="须在开考"):
        examday.session_record_create(actor=day.supervisor, session=day.session, kind="quality", content=quality,
                                      now=day.session.starts_at - dt.timedelta(minutes=1))
    examday.incident_decide(actor=day.supervisor, incident=ExamIncident.objects.get(), handling=Handling.WARNING,
                            handling_note="经警告已改正")
    record = examday.session_record_create(actor=day.supervisor, session=day.session, kind="quality", content=quality)
    assert record.recorded_by == day.supervisor.user and record.room is None


def sealing(**changes):
    content = {"received": 3, "issued": 2, "blank": 1, "collected": 2, "sealed_at": timezone.now(),
               "sealed_by": "proctor0", "witnesses": "supervisor0", "seal_number": "FT-2026-0001"}
    return {**content, **changes}


def test_paper_sealing_refuses_counts_that_do_not_add_up(day):
    first, second = day.attempts[0], day.attempts[1]
    for attempt in (first, second):
        examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(attempt), method="qr")
    room = day.world.room
    with pytest.raises(DomainError, match="按考场填写，请选择考场"):
        examday.session_record_create(actor=day.proctor, session=day.session, kind="sealing", content=sealing())
    cases = [
        (dict(blank=0), "发放 2 份＋剩余空白 0 份＝2 份，应等于领取的 3 份", "blank"),
        (dict(collected=1), "回收答卷 1 份，应等于发放的 2 份", "collected"),
        (dict(issued=3, blank=0, collected=3), "发放份数（3）多于本考场考生人数（2）", "issued"),
        (dict(issued=1, blank=2, collected=1), "与本考场签到人数（2）不一致", "issued"),
        (dict(witnesses="proctor0"), "见证人不能是密封人本人", "witnesses"),
        (dict(issued="两"), "“发放份数”应为整数", "issued"),
        (dict(sealed_at=day.session.starts_at - dt.timedelta(minutes=1)), "密封时间应在开考", "sealed_at"),
    ]
    for changes, message, field in cases:
        with pytest.raises(DomainError, match=message) as error:
            examday.session_record_create(actor=day.proctor, session=day.session, kind="sealing",
                                          content=sealing(**changes), room=room)
        assert error.value.field == field
    receipt = {"received_at": day.session.starts_at - dt.timedelta(minutes=20), "received_by": "proctor0",
               "handed_over_by": "head0", "packages": 1, "papers": 2, "labels_match": True, "seal_intact": True}
    with pytest.raises(DomainError, match="试卷份数（1）少于本考场考生人数（2）"):
        examday.session_record_create(actor=day.proctor, session=day.session, kind="receipt",
                                      content={**receipt, "papers": 1}, room=room)
    examday.session_record_create(actor=day.proctor, session=day.session, kind="receipt", content=receipt, room=room)
    with pytest.raises(DomainError, match="领取份数（3）与试卷领取记录（2 份）不一致"):
        examday.session_record_create(actor=day.proctor, session=day.session, kind="sealing", content=sealing(),
                                      room=room)
    assert not SessionRecord.objects.filter(kind="sealing").exists()
    record = examday.session_record_create(actor=day.proctor, session=day.session, kind="sealing", room=room,
                                           content=sealing(received=2, blank=0))
    assert record.content["seal_number"] == "FT-2026-0001" and record.room == room
    # The other room has its own record.
    examday.session_record_create(actor=day.world.manager, session=day.session, kind="sealing", room=day.room2,
                                  content=sealing(received=1, issued=1, blank=0, collected=1))


# ---------------------------------------------------------------------------------------------
# Photos and video references


def test_photos_are_checked_by_content_and_kept_for_the_profiles_video_retention(day):
    profile = day.world.org.jurisdiction.policy_profile()
    profile.video_retention_years = 3
    profile.save()
    ends = timezone.localtime(day.session.ends_at).date()
    fake = SimpleUploadedFile("考场.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    with pytest.raises(DomainError, match="文件内容与扩展名“JPG”不符"):
        examday.session_media_add(actor=day.proctor, session=day.session, kind="photo", upload=fake)
    with pytest.raises(DomainError, match="请填写录像的存储位置"):
        examday.session_media_add(actor=day.proctor, session=day.session, kind="video", reference=" ")
    with pytest.raises(PermissionDenied):
        examday.session_media_add(actor=day.world.marker, session=day.session, kind="video", reference="NVR-1")
    assert not SessionMedia.objects.exists()
    photo = examday.session_media_add(
        actor=day.proctor, session=day.session, kind="photo", room=day.world.room, description="开考前考场全景",
        upload=SimpleUploadedFile("全景.png", png_bytes(), content_type="image/png"))
    assert photo.file.name.endswith(".png") and photo.keep_until == ends.replace(year=ends.year + 3)
    video = examday.session_media_add(actor=day.supervisor, session=day.session, kind="video",
                                      reference="NVR-01 通道3 08:30-11:00")
    assert video.reference == "NVR-01 通道3 08:30-11:00" and not video.file
    profile.video_retention_years = 0  # never less than a year
    profile.save()
    assert examday.media_keep_until(day.session) == ends.replace(year=ends.year + 1)


# ---------------------------------------------------------------------------------------------
# Pages


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_exam_day_page_gathers_the_day_for_the_organisations_staff_only(day, jurisdictions):
    first = day.attempts[0]
    examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(first), method="qr")
    examday.session_record_create(actor=day.world.manager, session=day.session, kind="meeting", content=meeting(day))
    url = reverse("exams:examday", args=[day.session.pk])
    page = login(day.proctor.user).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("考试当天", first.ticket_number, "扫描准考证二维码", "考前考务会记录", "督导检查表", "试卷回收与密封记录",
                 "标记缺考", "记录违纪违规", "考生签到表"):
        assert text in html, text
    assert day.id_of(first) not in html  # ID numbers masked
    assert "准考证（PDF）" not in html  # tickets are printed by exam affairs
    admin = login(day.world.manager.user).get(url).content.decode()
    assert "准考证（PDF）" in admin and "考试当天操作记录" in admin and "身份核验签到" in admin
    record = SessionRecord.objects.get(kind="meeting")
    detail = login(day.proctor.user).get(reverse("exams:examday_record_detail", args=[record.pk]))
    assert "实训楼会议室" in detail.content.decode() and "已分发考务手册等资料" in detail.content.decode()
    pdf = login(day.proctor.user).get(reverse("exams:examday_record_detail", args=[record.pk]) + "?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = build_day(jurisdictions["合肥市"], candidates=1, name="合肥另一考试当天有限公司")
    assert login(other.proctor.user).get(url).status_code == 404
    assert login(other.proctor.user).get(reverse("exams:examday_record_detail", args=[record.pk])).status_code == 404
    candidate = first.application.person.user
    assert login(candidate).get(url).status_code == 403


def test_the_check_in_page_identifies_then_confirms(day):
    first, last = day.attempts[0], day.attempts[-1]
    client = login(day.proctor.user)
    url = reverse("exams:examday_check_in", args=[day.session.pk]) + f"?room={day.world.room.pk}"
    assert client.get(url).status_code == 200
    post = {"room": day.world.room.pk, "action": "identify", "qr-method": "qr", "qr-code": qr(first)}
    page = client.post(url, post)
    assert "身份一致，确认签到" in page.content.decode() and first.application.name in page.content.decode()
    assert day.fresh(first).checked_in_at is None
    page = client.post(url, {**post, "action": "confirm"}, follow=True)
    assert "已签到：考生0，一层第1机房 1 号座位（扫描准考证二维码）" in page.content.decode()
    assert day.fresh(first).check_in_method == "qr"
    page = client.post(url, {"room": day.world.room.pk, "action": "identify", "id-method": "id",
                             "id-code": day.id_of(last)})
    assert "不在本考场（一层第1机房）考试" in page.content.decode()
    forged = client.post(url, {**post, "qr-code": f"{first.ticket_number}-000000000000"})
    assert "二维码校验失败" in forged.content.decode()
    assert login(day.supervisor.user).get(url).status_code == 403
    assert login(day.world.marker.user).post(url, {**post, "action": "confirm"}).status_code == 403


def test_absent_and_incident_and_record_pages(day):
    second = day.attempts[1]
    client = login(day.proctor.user)
    refused = client.post(reverse("exams:examday_absent", args=[day.session.pk]), {"attempts": [str(2**75)]},
                          follow=True)
    assert "所选考生无效" in refused.content.decode() and not Attempt.objects.filter(status=Status.ABSENT).exists()
    response = client.post(reverse("exams:examday_absent", args=[day.session.pk]), {"attempts": [second.pk]},
                           follow=True)
    assert "已标记缺考 1 人：考生1" in response.content.decode() and day.fresh(second).status == Status.ABSENT

    url = reverse("exams:examday_incident_create", args=[day.session.pk])
    assert client.get(url + "?kind=violation").status_code == 200
    data = {"kind": "violation", "category": "抄袭或协助他人抄袭", "ticket_number": "",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "description": "偷看邻座答卷"}
    page = client.post(url, data)
    assert "违纪违规记录须指明考生" in page.content.decode() and not ExamIncident.objects.exists()
    page = client.post(url, {**data, "ticket_number": day.attempts[0].ticket_number}, follow=True)
    assert "已记录：抄袭或协助他人抄袭（待质量督导员认定）" in page.content.decode()
    incident = ExamIncident.objects.get()
    decide = reverse("exams:examday_incident_decide", args=[incident.pk])
    assert client.post(decide, {f"i{incident.pk}-handling": "void", f"i{incident.pk}-handling_note": "x"}
                       ).status_code == 403
    supervisor = login(day.supervisor.user)
    day_page = supervisor.get(reverse("exams:examday", args=[day.session.pk])).content.decode()
    assert 'data-testid="decide-form"' in day_page
    page = supervisor.post(decide, {f"i{incident.pk}-handling": "void",
                                    f"i{incident.pk}-handling_note": "监控可见偷看行为"}, follow=True)
    assert "已认定：抄袭或协助他人抄袭，本科目成绩无效" in page.content.decode()
    assert "成绩无效" in page.content.decode()

    record_url = reverse("exams:examday_record_create", args=[day.session.pk, "sealing"])
    assert client.get(record_url + f"?room={day.world.room.pk}").status_code == 200
    form = {"room": day.world.room.pk, "received": "3", "issued": "2", "blank": "0", "collected": "2",
            "sealed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "sealed_by": "proctor0",
            "witnesses": "supervisor0", "seal_number": "FT-1"}
    page = client.post(record_url, form)
    assert "应等于领取的 3 份" in page.content.decode() and not SessionRecord.objects.exists()
    assert client.get(reverse("exams:examday_record_create", args=[day.session.pk, "nonsense"])).status_code == 404
    assert client.get(reverse("exams:examday_record_create", args=[day.session.pk, "quality"])).status_code == 403


def test_media_pages_serve_photos_by_content(day):
    client = login(day.proctor.user)
    url = reverse("exams:examday_media_add", args=[day.session.pk])
    response = client.post(url, {"kind": "photo", "file": SimpleUploadedFile("a.png", png_bytes()),
                                 "description": "考场全景"}, follow=True)
    assert "已添加照片" in response.content.decode()
    media = SessionMedia.objects.get()
    photo = client.get(reverse("exams:examday_media_file", args=[media.pk]))
    assert photo["Content-Type"] == "image/png" and photo.content.startswith(b"\x89PNG")
    response = client.post(url, {"kind": "photo", "file": SimpleUploadedFile("b.png", b"GIF89a...")}, follow=True)
    assert "文件内容与扩展名“PNG”不符" in response.content.decode() and SessionMedia.objects.count() == 1


def test_documents_follow_the_duties(day):
    proctor, manager = login(day.proctor.user), login(day.world.manager.user)
    tickets = reverse("exams:examday_session_document", args=[day.session.pk, "tickets.pdf"])
    assert proctor.get(tickets).status_code == 403
    response = manager.get(tickets)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    sheet = reverse("exams:examday_session_document", args=[day.session.pk, "sign-in.pdf"])
    assert proctor.get(sheet + f"?room={day.room2.pk}").status_code == 200
    manual = reverse("exams:examday_batch_document", args=[day.world.batch.pk, "manual.docx"])
    assert login(day.supervisor.user).get(manual).status_code == 200
    assert AuditEvent.objects.filter(action="export", summary__startswith="导出考务手册").exists()
    assert manager.get(reverse("exams:examday_session_document", args=[day.session.pk, "x.pdf"])).status_code == 404
    StaffAssignment.objects.filter(session=day.session).delete()
    response = manager.get(reverse("exams:examday_session_document", args=[day.session.pk, "badges.pdf"]),
                           follow=True)
    assert "尚未编排考务人员" in response.content.decode()


def test_a_candidate_downloads_only_their_own_ticket(day):
    first, second = day.attempts[0], day.attempts[1]
    client = login(first.application.person.user)
    assert reverse("exams:my_tickets") in client.get(reverse("portal:home")).content.decode()
    page = client.get(reverse("exams:my_tickets")).content.decode()
    assert first.ticket_number in page and second.ticket_number not in page
    response = client.get(reverse("exams:my_ticket_download", args=[first.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(reverse("exams:my_ticket_download", args=[second.pk])).status_code == 404
    assert login(day.proctor.user).get(reverse("exams:my_tickets")).status_code == 403
    empty = login(make_user(candidate=True, full_name="无考试考生")).get(reverse("exams:my_tickets"))
    assert "暂无准考证" in empty.content.decode()



def test_the_demo_gives_the_binhai_session_its_exam_day(db):
    from skilleval.accounts.models import User
    from skilleval.portal.demo import demo_load

    demo_load()
    session = ExamSession.objects.get(batch__organisation__name="天津滨海石化装备有限公司", name__contains="演示场次")
    assert examday.day_counts(session) == {"seated": 4, "checked_in": 2, "absent": 1, "waiting": 1,
                                           "pending_violations": 1}
    assert set(session.attempts.exclude(check_in_method="").values_list("check_in_method", flat=True)) == {"qr", "id"}
    assert set(session.records.values_list("kind", flat=True)) == {"meeting", "sealing"}
    assert session.media.get().kind == SessionMedia.Kind.VIDEO
    assert session.incidents.filter(kind="incident", decided_at__isnull=False).exists()
    proctor, supervisor = (actor_for(User.objects.get(username=u)) for u in ("bh_proctor", "bh_supervisor"))
    assert session.batch.staff.filter(user=proctor.user, role="proctor").exists()
    incident = examday.incidents_pending(session).get()
    examday.incident_decide(actor=supervisor, incident=incident, handling=Handling.WARNING, handling_note="已交出")
    # The README's computer-exam ticket still signs in.
    from skilleval.portal.demo import demo_exam_ticket

    ticket, id_number = demo_exam_ticket()
    assert cbt.candidate_sign_in(ticket_number=ticket, id_number=id_number).session == session


def test_the_exam_day_page_reads_a_fixed_number_of_queries(jurisdictions, django_assert_max_num_queries):
    """Whatever the number of candidates (12 here), the page and the sign-in page read a bounded number of rows."""
    day = build_day(jurisdictions["合肥市"], candidates=12)
    for attempt in day.attempts[:5]:
        examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(attempt), method="qr")
    examday.attempts_mark_absent(actor=day.proctor, session=day.session, attempt_ids=[day.attempts[6].pk])
    client = login(day.world.manager.user)
    with django_assert_max_num_queries(35):
        assert client.get(reverse("exams:examday", args=[day.session.pk])).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("exams:examday_check_in", args=[day.session.pk])).status_code == 200


def test_the_tickets_of_a_large_session_are_made_in_the_background(day, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    from pypdf import PdfReader

    from skilleval.core.models import Job

    monkeypatch.setattr(examday, "TICKETS_INLINE_MAX", 2)  # three candidates count as a large session here
    client = login(day.world.manager.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("exams:examday_session_document", args=[day.session.pk, "tickets.pdf"]))
    job = Job.objects.get(kind="exams_tickets")
    assert response.status_code == 302 and response["Location"] == reverse("portal:job_detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.result == {"tickets": 3}
    with job.output_file.open("rb") as handle:
        text = "\n".join(page.extract_text() for page in PdfReader(handle).pages)
    assert all(a.ticket_number in text for a in day.attempts)
    assert "下载结果文件" in client.get(response["Location"]).content.decode()
    assert login(day.proctor.user).get(reverse("exams:examday_session_document",
                                               args=[day.session.pk, "tickets.pdf"])).status_code == 403
