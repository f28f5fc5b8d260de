"""The exam day (评价现场考务组织) [SD 4(5)–4(6)]: identity check and sign-in, absences,
incidents and violations with their handling under the rules, the written records of
the day (pre-exam meeting, supervisor's checklist, quality-supervision form, paper
receipt, collection and sealing), photos and video references, and the documents the
day needs (their layout lives in exams/documents_examday.py).

Who does what, as the seed says: proctors check identities, sign candidates in,
record the room's situation and hand papers out and in; the site head (exam affairs
here) holds the pre-exam meeting and handles incidents; the internal quality
supervisor checks the preparations, decides on violations ("对考试违规违纪问题作出
认定及处理") and fills in the quality-supervision form.

Every write: `transaction.atomic`, the row locked, the state checked, who/when
recorded, an audit event; a refusal raises DomainError (Chinese) and changes nothing.

The admission ticket's QR code carries the ticket number and a short keyed signature
(HMAC of the ticket number with the site's secret key): a QR code made up by hand, or
a ticket number changed on a printed ticket, is refused at sign-in."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Actor, Perm
from skilleval.core.audit import snapshot
from skilleval.core.errors import DomainError
from skilleval.core.files import check_upload
from skilleval.core.jobs import Progress, job_task
from skilleval.core.models import AuditEvent, Job
from skilleval.core.validators import mask_id_number

from ..models import Attempt, ExamIncident, ExamRoom, ExamSession, SessionMedia, SessionRecord
from .cbt import _attempt_for_update, _audit, _expire_if_due, _finish, _local, _now, _require_staff

Status = Attempt.Status
Handling = ExamIncident.Handling
RecordKind = SessionRecord.Kind

CHECK_IN_OPENS_MINUTES = 120  # sign-in opens this long before the session starts
QR_SEPARATOR = "-"
SIGNATURE_DIGITS = 12  # digits only: a USB scanner types them the same under any keyboard layout or IME
TICKET_SALT = "skilleval.exams.examday.ticket"
PHOTO_TYPES = ("jpg", "jpeg", "png")
TEXT_MAX = 200
LONG_TEXT_MAX = 2000
COUNT_MAX = 100_000

QR, ID = "qr", "id"
CHECK_IN_METHODS = {QR: gettext_lazy("扫描准考证二维码"), ID: gettext_lazy("核验身份证件号码")}

# Who records what (the seed's division of labour).
CHECK_IN_PERMS = (Perm.EXAM_PROCTOR, Perm.BATCH_MANAGE)
RECORDER_PERMS = (Perm.EXAM_PROCTOR, Perm.BATCH_MANAGE, Perm.QUALITY_SUPERVISE, Perm.EXAM_SCORE)
MEDIA_PERMS = (Perm.EXAM_PROCTOR, Perm.BATCH_MANAGE, Perm.QUALITY_SUPERVISE)
DECIDE_PERM = Perm.QUALITY_SUPERVISE


def _clean(value: Any) -> str:
    """Typed or scanned text as the system compares it: full-width characters (a Chinese
    input method) made half-width, spaces trimmed."""
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def may(actor: Actor, perms: Iterable[str]) -> bool:
    return any(actor.has(p) for p in perms)


# ---------------------------------------------------------------------------------------------
# The admission ticket's QR code


def ticket_signature(ticket_number: str) -> str:
    digest = salted_hmac(TICKET_SALT, ticket_number, algorithm="sha256").digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**SIGNATURE_DIGITS:0{SIGNATURE_DIGITS}d}"


def ticket_qr_payload(ticket_number: str) -> str:
    """What the ticket's QR code holds: the ticket number, "-", a 12-digit signature."""
    return f"{ticket_number}{QR_SEPARATOR}{ticket_signature(ticket_number)}"


def ticket_from_qr(text: Any) -> str:
    """The ticket number of a scanned QR code; DomainError when it is unreadable or its
    signature does not match (forged, or the ticket number altered)."""
    value = _clean(text).upper()
    ticket, separator, signature = value.rpartition(QR_SEPARATOR)
    if not separator or not ticket or not signature.isdigit() or len(signature) != SIGNATURE_DIGITS:
        raise DomainError(_("无法识别的二维码内容：请扫描本系统打印的准考证二维码，或改用证件号码核验。"), field="code")
    if not constant_time_compare(signature, ticket_signature(ticket)):
        raise DomainError(_("二维码校验失败：该准考证不是本系统签发的或已被改动。请核验考生身份证件，并报告考点负责人。"),
                          field="code")
    return ticket


# ---------------------------------------------------------------------------------------------
# Identity check and sign-in (proctors)


def _attempts(session: ExamSession) -> QuerySet[Attempt]:
    return Attempt.objects.filter(session=session).select_related(
        "application__person", "room__site", "checked_in_by", "session")


def _find(session: ExamSession, code: Any, method: str, room: ExamRoom | None) -> Attempt:
    if method == QR:
        ticket = ticket_from_qr(code)
        attempt = Attempt.objects.select_related("session__batch").filter(ticket_number=ticket).first()
        if attempt is None or attempt.session.batch.organisation_id != session.batch.organisation_id:
            raise DomainError(_("准考证号 %(t)s 不是本场次的考生。") % {"t": ticket}, field="code")
        if attempt.session_id != session.pk:
            raise DomainError(_("准考证号 %(t)s 属于场次“%(s)s”（%(w)s 开考），不是本场次。") % {
                "t": ticket, "s": attempt.session.name, "w": _local(attempt.session.starts_at)}, field="code")
        found = _attempts(session).get(pk=attempt.pk)
    elif method == ID:
        id_number = _clean(code).upper()
        if not id_number:
            raise DomainError(_("请输入考生的证件号码。"), field="code")
        match = _attempts(session).filter(application__person__id_number=id_number).first()
        if match is None:
            raise DomainError(_("本场次没有证件号码为 %(m)s 的考生，请核对证件。") % {
                "m": mask_id_number(id_number)}, field="code")
        found = match
    else:
        raise DomainError(_("请选择身份核验方式：扫描准考证二维码或输入证件号码。"), field="method")
    if room is not None and found.room_id != room.pk:
        where = (_("“%(r)s”第 %(s)s 号座位") % {"r": found.room, "s": found.seat or "—"}
                 if found.room_id else _("未安排考场"))
        raise DomainError(_("%(n)s 不在本考场（%(h)s）考试，应在%(w)s。") % {
            "n": found.application.name, "h": room.name, "w": where}, field="code")
    return found


def _check_in_refusal(attempt: Attempt, session: ExamSession, now: dt.datetime) -> DomainError | None:
    if now >= session.ends_at:
        return DomainError(_("本场考试已于 %(t)s 结束，不能再签到。") % {"t": _local(session.ends_at)})
    opens = session.starts_at - dt.timedelta(minutes=CHECK_IN_OPENS_MINUTES)
    if now < opens:
        return DomainError(_("签到尚未开始：开考前 %(m)d 分钟开放签到（%(t)s 开考）。") % {
            "m": CHECK_IN_OPENS_MINUTES, "t": _local(session.starts_at)})
    if attempt.checked_in_at is not None:
        who = attempt.checked_in_by.get_full_name() if attempt.checked_in_by else _("系统")
        return DomainError(_("%(n)s 已于 %(t)s 由 %(u)s 签到（%(m)s），不能重复签到。") % {
            "n": attempt.application.name, "t": _local(attempt.checked_in_at), "u": who,
            "m": attempt.get_check_in_method_display()})
    if attempt.status == Status.ABSENT:
        return DomainError(_("%(n)s 已被记为缺考。如考生确已到场，请先在考试当天页面撤销缺考，再签到。") % {
            "n": attempt.application.name})
    return None


def attempt_identify(*, actor: Actor, session: ExamSession, code: Any, method: str, room: ExamRoom | None = None,
                     now: dt.datetime | None = None) -> Attempt:
    """Find the candidate a scanned ticket or a typed ID number names, for the proctor to
    compare with the person in front of them (photo, name, seat). Writes nothing; refuses
    as the sign-in itself would."""
    _require_staff(actor, session.batch.organisation_id, *CHECK_IN_PERMS)
    attempt = _find(session, code, method, room)
    refusal = _check_in_refusal(attempt, session, _now(now))
    if refusal is not None:
        raise refusal
    return attempt


@transaction.atomic
def attempt_check_in(*, actor: Actor, session: ExamSession, code: Any, method: str, room: ExamRoom | None = None,
                     now: dt.datetime | None = None) -> Attempt:
    """Sign the candidate in after the identity check: who, when, and how (QR or ID
    number). Refused for another session or room, a forged QR code, an absentee, and a
    second sign-in (the message says when and by whom the first one was)."""
    session = ExamSession.objects.select_related("batch").get(pk=session.pk)
    _require_staff(actor, session.batch.organisation_id, *CHECK_IN_PERMS)
    now = _now(now)
    found = _find(session, code, method, room)
    attempt = _attempts(session).select_for_update(of=("self",)).get(pk=found.pk)
    refusal = _check_in_refusal(attempt, session, now)
    if refusal is not None:
        raise refusal
    attempt.checked_in_at = now
    attempt.checked_in_by = actor.user
    attempt.check_in_method = method
    attempt.save(update_fields=["checked_in_at", "checked_in_by", "check_in_method", "updated_at"])
    _audit(actor, attempt, AuditEvent.Action.UPDATE, _("身份核验签到：%(n)s（准考证号 %(t)s，%(r)s %(s)s 号座位，%(m)s）") % {
        "n": attempt.application.name, "t": attempt.ticket_number, "r": attempt.room.name if attempt.room else "—",
        "s": attempt.seat or "—", "m": CHECK_IN_METHODS[method]},
        after={"checked_in_at": now, "check_in_method": method, "session": session.pk},
        organisation_id=session.batch.organisation_id)
    return attempt


# ---------------------------------------------------------------------------------------------
# Absences


@transaction.atomic
def attempts_mark_absent(*, actor: Actor, session: ExamSession, attempt_ids: Iterable[Any],
                         now: dt.datetime | None = None) -> list[Attempt]:
    """Mark candidates who did not come as absent (缺考), at or after the start: only
    those neither signed in nor started."""
    session = ExamSession.objects.select_for_update(of=("self",)).select_related("batch").get(pk=session.pk)
    _require_staff(actor, session.batch.organisation_id, *CHECK_IN_PERMS)
    now = _now(now)
    if now < session.starts_at:
        raise DomainError(_("开考后才能标记缺考（%(t)s 开考）。") % {"t": _local(session.starts_at)})
    try:
        ids = {int(pk) for pk in attempt_ids}
    except (TypeError, ValueError):
        raise DomainError(_("所选考生无效。"), field="attempts") from None
    if not ids:
        raise DomainError(_("请选择要标记缺考的考生。"), field="attempts")
    attempts = list(_attempts(session).select_for_update(of=("self",)).filter(pk__in=ids).order_by("ticket_number"))
    if len(attempts) != len(ids):
        raise DomainError(_("所选考生中有不属于本场次的。"), field="attempts")
    for attempt in attempts:
        if attempt.checked_in_at is not None:
            raise DomainError(_("%(n)s（%(t)s）已于 %(w)s 签到，不能记为缺考。") % {
                "n": attempt.application.name, "t": attempt.ticket_number, "w": _local(attempt.checked_in_at)},
                field="attempts")
        if attempt.status != Status.NOT_STARTED:
            raise DomainError(_("%(n)s（%(t)s）当前为“%(s)s”，不能记为缺考。") % {
                "n": attempt.application.name, "t": attempt.ticket_number, "s": attempt.get_status_display()},
                field="attempts")
    Attempt.objects.filter(pk__in=[a.pk for a in attempts]).update(status=Status.ABSENT, updated_at=now)
    tickets = [a.ticket_number for a in attempts]
    _audit(actor, session, AuditEvent.Action.TRANSITION, _("标记缺考 %(n)d 人：%(l)s") % {
        "n": len(attempts), "l": "、".join(f"{a.application.name}（{a.ticket_number}）" for a in attempts)},
        after={"absent": tickets}, organisation_id=session.batch.organisation_id)
    for attempt in attempts:
        attempt.status = Status.ABSENT
    return attempts


@transaction.atomic
def attempt_absence_revoke(*, actor: Actor, attempt: Attempt, reason: str, now: dt.datetime | None = None) -> Attempt:
    """Undo an absence (the candidate came after all, or the wrong one was ticked), only
    before the session ends, with a reason."""
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related(
        "session__batch", "application").get(pk=attempt.pk)
    session = attempt.session
    _require_staff(actor, session.batch.organisation_id, *CHECK_IN_PERMS)
    now = _now(now)
    if attempt.status != Status.ABSENT:
        raise DomainError(_("%(n)s 未被记为缺考。") % {"n": attempt.application.name})
    if now >= session.ends_at:
        raise DomainError(_("本场考试已于 %(t)s 结束，缺考记录不能再撤销。") % {"t": _local(session.ends_at)})
    reason = str(reason or "").strip()
    if not reason:
        raise DomainError(_("请说明撤销缺考的原因。"), field="reason")
    attempt.status = Status.NOT_STARTED
    attempt.save(update_fields=["status", "updated_at"])
    _audit(actor, attempt, AuditEvent.Action.TRANSITION, _("撤销缺考：%(n)s（%(t)s），原因：%(r)s") % {
        "n": attempt.application.name, "t": attempt.ticket_number, "r": reason[:100]},
        before={"status": Status.ABSENT}, after={"status": Status.NOT_STARTED, "reason": reason[:TEXT_MAX]},
        organisation_id=session.batch.organisation_id)
    return attempt


# ---------------------------------------------------------------------------------------------
# Incidents and violations


@dataclass(frozen=True)
class Category:
    """A situation of the fixed list, with the handlings the rules allow for it (the first
    is the usual one) and the rule as printed in the exam manual."""

    kind: str
    label: str  # the value stored in ExamIncident.category
    handlings: tuple[str, ...]
    rule: Any

    @property
    def default(self) -> str:
        return self.handlings[0]


VIOLATION, INCIDENT = ExamIncident.Kind.VIOLATION, ExamIncident.Kind.INCIDENT
# 违纪违规行为 and their handling follow the national rules for skill-talent evaluation
# (技能人才评价违纪违规行为处理规则) in the usual gradation: a warning for disorder that stops
# when told, the subject's result void for cheating, every result of the evaluation void
# for impersonation; the quality supervisor decides [SD 4(6)2].
CATEGORIES: tuple[Category, ...] = (
    Category(VIOLATION, "携带违规物品进入考场", (Handling.WARNING, Handling.VOID),
             gettext_lazy("携带规定以外的物品（通讯工具、资料等）进入考场但未使用的，责令交出并批评教育；拒不交出或已使用的，本科目成绩无效。")),
    Category(VIOLATION, "使用通讯工具或其他电子设备", (Handling.VOID, Handling.VOID_ALL),
             gettext_lazy("考试过程中使用手机、智能手表、耳机等通讯或电子设备的，本科目成绩无效；情节严重的，本次评价各科目成绩无效。")),
    Category(VIOLATION, "交头接耳、左顾右盼、打手势", (Handling.WARNING, Handling.STOP),
             gettext_lazy("给予警告；经警告仍不改正的，停止其本科目考试。")),
    Category(VIOLATION, "抄袭或协助他人抄袭", (Handling.VOID, Handling.VOID_ALL),
             gettext_lazy("偷看、抄袭他人答卷或为他人抄袭提供方便的，本科目成绩无效；有组织作弊的，本次评价各科目成绩无效。")),
    Category(VIOLATION, "替考（由他人代替或代替他人考试）", (Handling.VOID_ALL,),
             gettext_lazy("由他人代替或代替他人参加考试的，本次评价各科目成绩无效，并记录在案。")),
    Category(VIOLATION, "扰乱考场秩序", (Handling.STOP, Handling.WARNING, Handling.VOID),
             gettext_lazy("不服从考场管理、扰乱考场秩序的，停止其本科目考试；情节较轻且立即改正的，给予警告；情节严重的，本科目成绩无效。")),
    Category(VIOLATION, "未经许可擅自离开考场", (Handling.WARNING, Handling.STOP),
             gettext_lazy("未经监考人员许可离开考场的，给予警告；不听劝阻的，停止其本科目考试。")),
    Category(VIOLATION, "将试卷、答题纸或草稿纸带出考场", (Handling.VOID,),
             gettext_lazy("将试卷、答题纸（卡）、草稿纸带出考场的，本科目成绩无效。")),
    Category(VIOLATION, "在试卷上做标记或书写与答题无关的内容", (Handling.VOID, Handling.WARNING),
             gettext_lazy("在试卷规定以外的位置书写姓名、准考证号或做其他标记的，本科目成绩无效；情节轻微且未影响评卷的，给予警告。")),
    Category(VIOLATION, "故意损坏考试设备、设施", (Handling.STOP, Handling.VOID),
             gettext_lazy("故意损坏考试设备、工卡量具和设施的，停止其本科目考试；情节严重的，本科目成绩无效，并依法承担赔偿责任。")),
    Category(VIOLATION, "其他违纪违规行为", (Handling.WARNING, Handling.STOP, Handling.VOID, Handling.VOID_ALL),
             gettext_lazy("其他违反考场规则的行为，由质量督导员参照上述情形，视情节作出认定和处理。")),
    Category(INCIDENT, "设备故障（考试机或实操设备）", (Handling.DELAY, Handling.RECORDED, Handling.RESCHEDULE),
             gettext_lazy("立即启用备用考试机或备用设备，记录故障起止时间；耽误的时间在本场考试时间内补足；无法恢复的，经考点负责人同意安排改期重考。")),
    Category(INCIDENT, "停电", (Handling.DELAY, Handling.RECORDED, Handling.RESCHEDULE),
             gettext_lazy("启用应急照明和备用电源，机考答案已实时保存，恢复供电后继续作答并补足耽误时间；短时间内无法恢复的，由考点负责人决定改期重考。")),
    Category(INCIDENT, "断网或考试系统故障", (Handling.DELAY, Handling.RECORDED, Handling.RESCHEDULE),
             gettext_lazy("考生停止操作、原位等待，技术人员排除故障后继续作答，已保存的答案不受影响，耽误的时间予以补足；无法恢复的，改期重考。")),
    Category(INCIDENT, "考生突发疾病", (Handling.RECORDED, Handling.RESCHEDULE),
             gettext_lazy("立即停止该考生考试并送医或由医务人员处置，记录离场时间；因病未完成考试的，经考点负责人同意可安排改期重考。")),
    Category(INCIDENT, "试卷错漏或印制问题", (Handling.RECORDED, Handling.DELAY, Handling.RESCHEDULE),
             gettext_lazy("立即报告考点负责人，核对备用试卷；错漏内容统一更正并向全体考生说明，耽误的时间予以补足。")),
    Category(INCIDENT, "安全事故或险情（火情、泄漏等）", (Handling.RESCHEDULE, Handling.RECORDED),
             gettext_lazy("立即停止考试，按应急预案组织考生和工作人员有序疏散，保护现场并报告；考试另行安排。")),
    Category(INCIDENT, "自然灾害等不可抗力", (Handling.RESCHEDULE, Handling.DELAY, Handling.RECORDED),
             gettext_lazy("确保人员安全优先，停止或推迟考试，报告人力资源社会保障部门后另行安排。")),
    Category(INCIDENT, "其他突发事件", (Handling.RECORDED, Handling.DELAY, Handling.RESCHEDULE),
             gettext_lazy("由考点负责人统一指挥处置，如实记录经过和处理结果。")),
)
CATEGORIES_BY_LABEL = {c.label: c for c in CATEGORIES}
VIOLATION_HANDLINGS = frozenset({Handling.WARNING, Handling.STOP, Handling.VOID, Handling.VOID_ALL})
CLOSING_HANDLINGS = frozenset({Handling.STOP, Handling.VOID, Handling.VOID_ALL})  # the candidate's exam ends


def categories_of(kind: str) -> list[Category]:
    return [c for c in CATEGORIES if c.kind == kind]


def _aware(value: Any, field: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise DomainError(_("时间格式不正确。"), field=field) from None
    if not isinstance(value, dt.datetime):
        raise DomainError(_("请填写时间。"), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _session_day_start(session: ExamSession) -> dt.datetime:
    day = timezone.localtime(session.starts_at).date()
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _room_of(session: ExamSession, room: ExamRoom | None) -> ExamRoom | None:
    if room is None:
        return None
    if not session.rooms.filter(pk=room.pk).exists():
        raise DomainError(_("考场“%(r)s”不属于本场次。") % {"r": room}, field="room")
    return room


@transaction.atomic
def incident_record(
    *, actor: Actor, session: ExamSession, kind: str, category: str, occurred_at: Any, description: str,
    handling: str = "", handling_note: str = "", attempt: Attempt | None = None, room: ExamRoom | None = None,
    now: dt.datetime | None = None,
) -> ExamIncident:
    """Record what happened in a room. An incident (突发事件) is handled on the spot: its
    handling is recorded with it. A violation (违纪违规) names the candidate and carries
    the recorder's proposed handling until a quality supervisor decides it."""
    session = ExamSession.objects.select_related("batch").get(pk=session.pk)
    _require_staff(actor, session.batch.organisation_id, *RECORDER_PERMS)
    now = _now(now)
    if kind not in ExamIncident.Kind.values:
        raise DomainError(_("请选择类别：违纪违规或突发事件。"), field="kind")
    spec = CATEGORIES_BY_LABEL.get(str(category or "").strip())
    if spec is None or spec.kind != kind:
        raise DomainError(_("请从列表中选择%(k)s的情形。") % {"k": ExamIncident.Kind(kind).label}, field="category")
    room = _room_of(session, room)
    if attempt is not None:
        attempt = Attempt.objects.select_related("application", "room").filter(pk=attempt.pk, session=session).first()
        if attempt is None:
            raise DomainError(_("所选考生不是本场次的考生。"), field="attempt")
        if room is not None and attempt.room_id not in (None, room.pk):
            raise DomainError(_("%(n)s 不在“%(r)s”考试。") % {"n": attempt.application.name, "r": room.name},
                              field="attempt")
        room = room or attempt.room
    elif kind == VIOLATION:
        raise DomainError(_("违纪违规记录须指明考生（准考证号）。"), field="attempt")
    occurred = _aware(occurred_at, "occurred_at")
    if occurred > now + dt.timedelta(minutes=1):
        raise DomainError(_("发生时间不能晚于现在。"), field="occurred_at")
    if occurred < _session_day_start(session):
        raise DomainError(_("发生时间应在本场考试当天（%(d)s）或之后。") % {
            "d": timezone.localtime(session.starts_at).date().isoformat()}, field="occurred_at")
    description = (description or "").strip()
    if not description:
        raise DomainError(_("请如实填写经过。"), field="description")
    if len(description) > LONG_TEXT_MAX:
        raise DomainError(_("经过不能超过 %(n)d 字。") % {"n": LONG_TEXT_MAX}, field="description")
    handling = handling or spec.default
    if handling not in spec.handlings:
        raise DomainError(_("“%(c)s”可按以下方式处理：%(h)s。") % {
            "c": spec.label, "h": "、".join(str(Handling(h).label) for h in spec.handlings)}, field="handling")
    handling_note = (handling_note or "").strip()[:LONG_TEXT_MAX]
    incident = ExamIncident.objects.create(
        session=session, room=room, attempt=attempt, kind=kind, category=spec.label, occurred_at=occurred,
        description=description, handling=handling, handling_note=handling_note, recorded_by=actor.user,
        decided_by=actor.user if kind == INCIDENT else None, decided_at=now if kind == INCIDENT else None)
    who = f"{attempt.application.name}（{attempt.ticket_number}）" if attempt else (room.name if room else session.name)
    if kind == VIOLATION:
        summary = _("记录违纪违规：%(w)s %(c)s，建议%(h)s，待质量督导员认定") % {
            "w": who, "c": spec.label, "h": incident.get_handling_display()}
    else:
        summary = _("记录突发事件：%(w)s %(c)s，处理：%(h)s") % {"w": who, "c": spec.label,
                                                            "h": incident.get_handling_display()}
    _audit(actor, incident, AuditEvent.Action.CREATE, summary, after=snapshot(incident),
           organisation_id=session.batch.organisation_id)
    return incident


@transaction.atomic
def incident_decide(*, actor: Actor, incident: ExamIncident, handling: str, handling_note: str,
                    now: dt.datetime | None = None) -> ExamIncident:
    """A quality supervisor decides a violation under the rules, once. A decision that
    stops the candidate (停止考试, 成绩无效) closes a computer-based attempt still running;
    a void result is then read by `voided_attempts` (this incident is the mark)."""
    incident = ExamIncident.objects.select_for_update(of=("self",)).select_related(
        "session__batch", "attempt__application", "decided_by").get(pk=incident.pk)
    session = incident.session
    _require_staff(actor, session.batch.organisation_id, DECIDE_PERM)
    now = _now(now)
    if incident.kind != VIOLATION:
        raise DomainError(_("突发事件由考点负责人当场处置并记录，无需质量督导员认定。"))
    if incident.decided_at is not None:
        who = incident.decided_by.get_full_name() if incident.decided_by else _("系统")
        raise DomainError(_("该违纪违规记录已于 %(t)s 由 %(u)s 认定为“%(h)s”，不能再次认定。") % {
            "t": _local(incident.decided_at), "u": who, "h": incident.get_handling_display()})
    spec = CATEGORIES_BY_LABEL.get(incident.category)
    allowed = spec.handlings if spec else tuple(VIOLATION_HANDLINGS)
    if handling not in allowed:
        raise DomainError(_("“%(c)s”可按以下方式处理：%(h)s。") % {
            "c": incident.category, "h": "、".join(str(Handling(h).label) for h in allowed)}, field="handling")
    note = (handling_note or "").strip()
    if not note:
        raise DomainError(_("请写明认定依据（事实、证据和适用的规则）。"), field="handling_note")
    before = {"handling": incident.handling, "handling_note": incident.handling_note}
    incident.handling = handling
    incident.handling_note = note[:LONG_TEXT_MAX]
    incident.decided_by = actor.user
    incident.decided_at = now
    incident.save(update_fields=["handling", "handling_note", "decided_by", "decided_at", "updated_at"])
    organisation_id = session.batch.organisation_id
    attempt = incident.attempt
    _audit(actor, incident, AuditEvent.Action.TRANSITION, _("质量督导员认定违纪违规：%(n)s %(c)s，处理：%(h)s") % {
        "n": attempt.application.name if attempt else "—", "c": incident.category, "h": incident.get_handling_display()},
        before=before, after={"handling": handling, "handling_note": incident.handling_note},
        organisation_id=organisation_id)
    if attempt is not None and handling in CLOSING_HANDLINGS:
        locked = _attempt_for_update(attempt)
        if locked.status == Status.IN_PROGRESS and not _expire_if_due(locked, now):
            _finish(locked, Status.SUBMITTED, now, None, _("质量督导员认定违纪违规（%(h)s），停止考试") % {
                "h": incident.get_handling_display()})
        _audit(actor, locked, AuditEvent.Action.TRANSITION, _("违纪违规处理：%(h)s（%(c)s）") % {
            "h": incident.get_handling_display(), "c": incident.category},
            after={"incident": incident.pk, "handling": handling, "status": locked.status},
            organisation_id=organisation_id)
    return incident


def voided_attempts(attempts: QuerySet[Attempt]) -> QuerySet[Attempt]:
    """The attempts among `attempts` whose result a quality supervisor declared void: a
    decided violation of the attempt itself with "本科目成绩无效", or of any attempt of the
    same application (the candidate's whole evaluation) with "本次评价各科目成绩无效"."""
    decided = ExamIncident.objects.filter(kind=VIOLATION, decided_at__isnull=False)
    one = decided.filter(handling=Handling.VOID).values("attempt_id")
    every = decided.filter(handling=Handling.VOID_ALL).values("attempt__application_id")
    return attempts.filter(Q(pk__in=one) | Q(application_id__in=every))


def incidents_pending(session: ExamSession) -> QuerySet[ExamIncident]:
    return session.incidents.filter(kind=VIOLATION, decided_at__isnull=True)


# ---------------------------------------------------------------------------------------------
# The written records of the day: each kind's fields are defined here once; the forms,
# the API and the printed record read them from here.


@dataclass(frozen=True)
class RecordField:
    name: str
    label: Any  # lazily translated text
    type: str  # "text", "textarea", "bool", "int", "datetime", "choice"
    required: bool = True
    help: Any = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordSpec:
    kind: str
    label: Any
    intro: Any
    fields: tuple[RecordField, ...]
    perms: tuple[str, ...]
    per_room: bool = False
    after_start: bool = False  # may only be recorded once the exam has started

    @property
    def checks(self) -> list[RecordField]:
        return [f for f in self.fields if f.type == "bool"]


def _f(name: str, label: str, type: str = "text", help: str = "", **kw: Any) -> RecordField:
    return RecordField(name, gettext_lazy(label), type, help=gettext_lazy(help) if help else "", **kw)


NOTES = "notes"
RECORD_SPECS: dict[str, RecordSpec] = {spec.kind: spec for spec in (
    RecordSpec(
        RecordKind.PRE_EXAM_MEETING, gettext_lazy("考前考务会记录"),
        gettext_lazy("考点负责人召开考前考务会并形成记录：组织考务操作培训，明确分工职责，强调考试纪律和考务要求，分发考务手册等资料。"),
        (_f("held_at", "召开时间", "datetime", help="应在开考之前"), _f("place", "地点"), _f("host", "主持人"),
         _f("attendees", "参会人员", "textarea"),
         _f("training", "已组织考务操作培训", "bool", required=False),
         _f("duties", "已明确分工职责", "bool", required=False),
         _f("discipline", "已强调考试纪律和考务要求", "bool", required=False),
         _f("manuals", "已分发考务手册等资料", "bool", required=False),
         _f("content", "会议内容", "textarea"),
         _f(NOTES, "未完成事项及说明", "textarea", required=False, help="上列事项有未完成的，须在此说明")),
        (Perm.BATCH_MANAGE, Perm.EXAM_PROCTOR)),
    RecordSpec(
        RecordKind.SUPERVISOR_CHECKLIST, gettext_lazy("督导检查表"),
        gettext_lazy("质量督导人员对人员到岗、考前会议、试卷配备和考场布置等情况进行全面检查，发现问题及时纠正并上报。"),
        (_f("staff_on_post", "考务、考评人员按时到岗并佩戴证卡", "bool", required=False),
         _f("meeting_held", "已召开考前考务会并形成记录", "bool", required=False),
         _f("papers_checked", "试卷保管、配备情况正常", "bool", required=False),
         _f("rooms_ok", "考场布置符合要求", "bool", required=False),
         _f("monitoring_ok", "电子监控设施正常运行", "bool", required=False),
         _f("equipment_ok", "考试设备、网络及工卡量具正常", "bool", required=False),
         _f(NOTES, "发现的问题及纠正情况", "textarea", required=False, help="有“否”的项目须在此说明")),
        (Perm.QUALITY_SUPERVISE,)),
    RecordSpec(
        RecordKind.QUALITY_FORM, gettext_lazy("质量督导记录表"),
        gettext_lazy("督导人员监督认定过程是否规范、认定材料是否齐全，对本次认定作出总体评价，提出意见建议。"),
        (_f("process_standard", "认定过程规范", "bool", required=False),
         _f("materials_complete", "认定材料齐全", "bool", required=False),
         _f("discipline_good", "考风考纪良好", "bool", required=False),
         _f("violations_handled", "违纪违规问题已依规认定处理", "bool", required=False),
         _f("overall", "总体评价", "choice", choices=("好", "较好", "一般", "差")),
         _f("opinions", "意见建议", "textarea"),
         _f(NOTES, "存在的问题", "textarea", required=False, help="有“否”的项目须在此说明")),
        (Perm.QUALITY_SUPERVISE,), after_start=True),
    RecordSpec(
        RecordKind.PAPER_RECEIPT, gettext_lazy("试卷领取记录"),
        gettext_lazy("监考人员领取试卷时检查试卷袋标注的职业（工种）、等级、试卷数和密封情况，确认无误后连同考生签到表、草稿纸等带入考场。"),
        (_f("received_at", "领取时间", "datetime"), _f("received_by", "领取人（监考人员）"),
         _f("handed_over_by", "发放人"), _f("packages", "试卷袋数", "int"), _f("papers", "试卷份数", "int"),
         _f("labels_match", "试卷袋标注的职业（工种）、等级、份数无误", "bool", required=False),
         _f("seal_intact", "试卷袋密封完好", "bool", required=False),
         _f(NOTES, "异常情况及处理", "textarea", required=False, help="有“否”的项目或试卷少于考生人数时须说明")),
        (Perm.EXAM_PROCTOR, Perm.BATCH_MANAGE), per_room=True),
    RecordSpec(
        RecordKind.PAPER_SEALING, gettext_lazy("试卷回收与密封记录"),
        gettext_lazy("考后回收、清点试卷和答卷，当场封装并由见证人确认：领取份数＝发放份数＋剩余空白卷，回收答卷＝发放份数。"),
        (_f("received", "领取试卷份数", "int"), _f("issued", "发放份数", "int", help="应等于本考场实到（签到）人数"),
         _f("blank", "剩余空白试卷份数", "int"), _f("collected", "回收答卷份数", "int"),
         _f("sealed_at", "密封时间", "datetime"), _f("sealed_by", "密封人"),
         _f("witnesses", "见证人（监封人）", help="至少一人，不能是密封人本人"), _f("seal_number", "封条编号"),
         _f(NOTES, "备注", "textarea", required=False)),
        (Perm.EXAM_PROCTOR, Perm.BATCH_MANAGE), per_room=True, after_start=True),
)}


def record_spec(kind: str) -> RecordSpec:
    spec = RECORD_SPECS.get(kind)
    if spec is None:
        raise DomainError(_("未知的记录类型。"), field="kind")
    return spec


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return _clean(value).lower() in ("1", "true", "on", "yes", "是", "y")


def record_clean(spec: RecordSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record's values by field, checked field by field (each error names its field);
    stored as JSON (a time as ISO text)."""
    content: dict[str, Any] = {}
    for field in spec.fields:
        value = raw.get(field.name)
        if field.type == "bool":
            content[field.name] = _as_bool(value)
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                raise DomainError(_("请填写“%(l)s”。") % {"l": field.label}, field=field.name)
            content[field.name] = None if field.type in ("int", "datetime") else ""
            continue
        if field.type == "int":
            try:
                number = int(str(value).strip())
            except ValueError:
                raise DomainError(_("“%(l)s”应为整数。") % {"l": field.label}, field=field.name) from None
            if not 0 <= number <= COUNT_MAX:
                raise DomainError(_("“%(l)s”应在 0 至 %(m)d 之间。") % {"l": field.label, "m": COUNT_MAX},
                                  field=field.name)
            content[field.name] = number
        elif field.type == "datetime":
            content[field.name] = timezone.localtime(_aware(value, field.name)).isoformat()
        elif field.type == "choice":
            text = str(value).strip()
            if text not in field.choices:
                raise DomainError(_("“%(l)s”请选择：%(c)s。") % {"l": field.label, "c": "、".join(field.choices)},
                                  field=field.name)
            content[field.name] = text
        else:
            text = str(value).strip()
            limit = LONG_TEXT_MAX if field.type == "textarea" else TEXT_MAX
            if len(text) > limit:
                raise DomainError(_("“%(l)s”不能超过 %(n)d 字。") % {"l": field.label, "n": limit}, field=field.name)
            content[field.name] = text
    failed = [str(f.label) for f in spec.checks if not content[f.name]]
    if failed and not content.get(NOTES):
        raise DomainError(_("以下事项为“否”，请在“%(n)s”中说明：%(l)s。") % {
            "n": next(f.label for f in spec.fields if f.name == NOTES), "l": "、".join(failed)}, field=NOTES)
    return content


def _when(content: dict[str, Any], name: str) -> dt.datetime:
    return dt.datetime.fromisoformat(content[name])


def _present(session: ExamSession, room: ExamRoom | None) -> tuple[int, int]:
    """(seated, signed in) in the room, or the whole session."""
    qs = session.attempts.all()
    if room is not None:
        qs = qs.filter(room=room)
    counts = qs.aggregate(seated=Count("pk"), present=Count("pk", filter=Q(checked_in_at__isnull=False)))
    return counts["seated"], counts["present"]


def _record_rules(spec: RecordSpec, session: ExamSession, room: ExamRoom | None, content: dict[str, Any],
                  now: dt.datetime) -> None:
    """The rules between a record's values and the rest of the day."""
    for field in spec.fields:
        if field.type == "datetime" and content.get(field.name) and _when(content, field.name) > now + dt.timedelta(
                minutes=1):
            raise DomainError(_("“%(l)s”不能晚于现在。") % {"l": field.label}, field=field.name)
    kind = spec.kind
    if kind == RecordKind.PRE_EXAM_MEETING and _when(content, "held_at") > session.starts_at:
        raise DomainError(_("考前考务会应在开考（%(t)s）之前召开。") % {"t": _local(session.starts_at)},
                          field="held_at")
    if kind == RecordKind.SUPERVISOR_CHECKLIST and content["meeting_held"] and not session.records.filter(
            kind=RecordKind.PRE_EXAM_MEETING).exists():
        raise DomainError(_("检查表填写“已召开考前考务会”，但本场次尚无考前考务会记录：请先由考点负责人录入会议记录。"),
                          field="meeting_held")
    if kind == RecordKind.QUALITY_FORM and content["violations_handled"]:
        pending = incidents_pending(session).count()
        if pending:
            raise DomainError(_("本场次还有 %(n)d 条违纪违规记录尚未认定，不能填写“已依规认定处理”。") % {"n": pending},
                              field="violations_handled")
    if kind == RecordKind.PAPER_RECEIPT:
        seated, _present_count = _present(session, room)
        if content["papers"] < seated and not content.get(NOTES):
            raise DomainError(_("试卷份数（%(p)d）少于本考场考生人数（%(n)d），请在“异常情况及处理”中说明。") % {
                "p": content["papers"], "n": seated}, field=NOTES)
    if kind == RecordKind.PAPER_SEALING:
        received, issued, blank, collected = (content[k] for k in ("received", "issued", "blank", "collected"))
        if issued + blank != received:
            raise DomainError(_("份数对不上：发放 %(i)d 份＋剩余空白 %(b)d 份＝%(s)d 份，应等于领取的 %(r)d 份。") % {
                "i": issued, "b": blank, "s": issued + blank, "r": received}, field="blank")
        if collected != issued:
            raise DomainError(_("回收答卷 %(c)d 份，应等于发放的 %(i)d 份：请清点后再封装。") % {
                "c": collected, "i": issued}, field="collected")
        seated, present = _present(session, room)
        if issued > seated:
            raise DomainError(_("发放份数（%(i)d）多于本考场考生人数（%(n)d）。") % {"i": issued, "n": seated},
                              field="issued")
        if present and issued != present:
            raise DomainError(_("发放份数（%(i)d）与本考场签到人数（%(p)d）不一致。") % {"i": issued, "p": present},
                              field="issued")
        receipt = session.records.filter(kind=RecordKind.PAPER_RECEIPT, room=room).first()
        if receipt is not None and receipt.content.get("papers") != received:
            raise DomainError(_("领取份数（%(r)d）与试卷领取记录（%(p)s 份）不一致。") % {
                "r": received, "p": receipt.content.get("papers")}, field="received")
        if _when(content, "sealed_at") < session.starts_at:
            raise DomainError(_("密封时间应在开考（%(t)s）之后。") % {"t": _local(session.starts_at)}, field="sealed_at")
        if _clean(content["witnesses"]) == _clean(content["sealed_by"]):
            raise DomainError(_("见证人不能是密封人本人。"), field="witnesses")


@transaction.atomic
def session_record_create(*, actor: Actor, session: ExamSession, kind: str, content: Mapping[str, Any],
                          room: ExamRoom | None = None, now: dt.datetime | None = None) -> SessionRecord:
    """Write one of the day's records (one per kind, per room where the kind is kept per
    room). A written record is not edited afterwards: it stays as signed."""
    session = ExamSession.objects.select_for_update(of=("self",)).select_related("batch").get(pk=session.pk)
    spec = record_spec(kind)
    _require_staff(actor, session.batch.organisation_id, *spec.perms)
    now = _now(now)
    if spec.after_start and now < session.starts_at:
        raise DomainError(_("%(k)s须在开考（%(t)s）之后填写。") % {"k": spec.label, "t": _local(session.starts_at)})
    room = _room_of(session, room)
    if spec.per_room:
        if room is None and session.rooms.exists():
            raise DomainError(_("%(k)s按考场填写，请选择考场。") % {"k": spec.label}, field="room")
    else:
        room = None
    existing = session.records.filter(kind=kind, room=room).select_related("recorded_by").first()
    if existing is not None:
        who = existing.recorded_by.get_full_name() if existing.recorded_by else ""
        raise DomainError(_("%(w)s已有%(k)s（%(u)s 于 %(t)s 填写），不能重复填写。") % {
            "w": room.name if room else _("本场次"), "k": spec.label, "u": who, "t": _local(existing.recorded_at)})
    values = record_clean(spec, content)
    _record_rules(spec, session, room, values, now)
    record = SessionRecord.objects.create(session=session, room=room, kind=kind, content=values,
                                          recorded_by=actor.user, recorded_at=now)
    _audit(actor, record, AuditEvent.Action.CREATE, _("填写%(k)s%(r)s") % {
        "k": spec.label, "r": f"（{room.name}）" if room else ""}, after={"content": values},
        organisation_id=session.batch.organisation_id)
    return record


def record_rows(record: SessionRecord) -> list[tuple[str, str]]:
    """A record's (label, value) lines as shown and printed."""
    spec = RECORD_SPECS.get(record.kind)
    if spec is None:
        return [(k, str(v)) for k, v in (record.content or {}).items()]
    rows = []
    for field in spec.fields:
        value = (record.content or {}).get(field.name)
        if field.type == "bool":
            text = _("是") if value else _("否")
        elif field.type == "datetime" and value:
            text = timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        else:
            text = "" if value is None else str(value)
        rows.append((str(field.label), text))
    return rows


# ---------------------------------------------------------------------------------------------
# Photos and video references


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def media_keep_until(session: ExamSession) -> dt.date:
    """Kept for the jurisdiction profile's video retention (at least a year, HF 15) from
    the session's last day."""
    years = session.batch.organisation.jurisdiction.policy_profile().video_retention_years
    return _years_later(timezone.localtime(session.ends_at).date(), max(1, int(years)))


@transaction.atomic
def session_media_add(*, actor: Actor, session: ExamSession, kind: str, upload: Any = None, reference: str = "",
                      description: str = "", room: ExamRoom | None = None) -> SessionMedia:
    """Attach a photo (checked by content: JPEG or PNG) or a reference to a video
    recording (where the monitoring system keeps it) to the session (全程留痕)."""
    session = ExamSession.objects.select_related("batch__organisation__jurisdiction").get(pk=session.pk)
    _require_staff(actor, session.batch.organisation_id, *MEDIA_PERMS)
    room = _room_of(session, room)
    description = str(description or "").strip()[:TEXT_MAX]
    media = SessionMedia(session=session, room=room, kind=kind, description=description,
                         keep_until=media_keep_until(session), uploaded_by=actor.user)
    if kind == SessionMedia.Kind.PHOTO:
        checked = check_upload(upload, allowed=PHOTO_TYPES, field="file")
        media.file.save(f"session{session.pk}-{checked.name}", upload, save=False)
    elif kind == SessionMedia.Kind.VIDEO:
        reference = str(reference or "").strip()
        if not reference:
            raise DomainError(_("请填写录像的存储位置（如监控主机编号、通道和时间段）。"), field="reference")
        if len(reference) > 300:
            raise DomainError(_("存储位置不能超过 300 字。"), field="reference")
        media.reference = reference
    else:
        raise DomainError(_("请选择照片或录像。"), field="kind")
    media.save()
    _audit(actor, media, AuditEvent.Action.CREATE, _("添加%(k)s%(r)s：%(d)s，保存至 %(u)s") % {
        "k": media.get_kind_display(), "r": f"（{room.name}）" if room else "",
        "d": description or media.reference or media.file.name, "u": media.keep_until.isoformat()},
        after=snapshot(media), organisation_id=session.batch.organisation_id)
    return media


# ---------------------------------------------------------------------------------------------
# Reads the pages and the API share


def day_counts(session: ExamSession, room: ExamRoom | None = None) -> dict[str, int]:
    qs = session.attempts.all()
    if room is not None:
        qs = qs.filter(room=room)
    counts = qs.aggregate(
        seated=Count("pk"), checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        absent=Count("pk", filter=Q(status=Status.ABSENT)))
    counts["waiting"] = counts["seated"] - counts["checked_in"] - counts["absent"]
    counts["pending_violations"] = incidents_pending(session).count() if room is None else 0
    return counts


def absentable(session: ExamSession, room: ExamRoom | None = None) -> QuerySet[Attempt]:
    """Candidates who may be marked absent now: not signed in, not started."""
    qs = _attempts(session).filter(status=Status.NOT_STARTED, checked_in_at__isnull=True)
    return qs.filter(room=room) if room is not None else qs


def session_audit_filter(session: ExamSession) -> Q:
    """The audit events of the session's day: the session, its attempts, incidents,
    records and media."""
    def ids(qs: QuerySet[Any]) -> list[str]:
        return [str(pk) for pk in qs.values_list("pk", flat=True)]

    return (Q(object_type="exams.examsession", object_id=str(session.pk))
            | Q(object_type="exams.attempt", object_id__in=ids(session.attempts.all()))
            | Q(object_type="exams.examincident", object_id__in=ids(session.incidents.all()))
            | Q(object_type="exams.sessionrecord", object_id__in=ids(session.records.all()))
            | Q(object_type="exams.sessionmedia", object_id__in=ids(session.media.all())))


# ---------------------------------------------------------------------------------------------
# Documents: who may have which, and the export recorded


PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# name: (permissions, label)
SESSION_DOCUMENTS: dict[str, tuple[tuple[str, ...], Any]] = {
    "tickets.pdf": ((Perm.BATCH_MANAGE,), gettext_lazy("准考证")),
    "badges.pdf": ((Perm.BATCH_MANAGE,), gettext_lazy("工作证")),
    "sign-in.pdf": ((Perm.BATCH_MANAGE, Perm.EXAM_PROCTOR), gettext_lazy("考生签到表")),
}
BATCH_DOCUMENTS: dict[str, tuple[str, Any]] = {
    "arrangement-skill.xlsx": (XLSX, gettext_lazy("技能考核考场安排表")),
    "arrangement-skill.pdf": (PDF, gettext_lazy("技能考核考场安排表")),
    "arrangement-review.xlsx": (XLSX, gettext_lazy("综合评审考场安排表")),
    "arrangement-review.pdf": (PDF, gettext_lazy("综合评审考场安排表")),
    "manual.docx": (DOCX, gettext_lazy("考务手册")),
    "manual.pdf": (PDF, gettext_lazy("考务手册")),
}


def session_document(*, actor: Actor, session: ExamSession, document: str,
                     room: ExamRoom | None = None) -> tuple[bytes, str, str]:
    """Tickets, badges or sign-in sheets of a session; LookupError if unknown."""
    from .. import documents_examday as docs

    perms, label = SESSION_DOCUMENTS[document]
    _require_staff(actor, session.batch.organisation_id, *perms)
    room = _room_of(session, room)
    stem = f"session{session.pk}"
    if document == "tickets.pdf":
        attempts = list(session.attempts.all())
        if not attempts:
            raise DomainError(_("本场次尚未编排考生，没有准考证可打印。"))
        content = docs.tickets_pdf(attempts, title=_("准考证 %(s)s") % {"s": session.name})
    elif document == "badges.pdf":
        if not session.staff_assignments.exists():
            raise DomainError(_("本场次尚未编排考务人员，没有工作证可打印。"))
        content = docs.badges_pdf(session)
    else:
        content = docs.sign_in_sheet_pdf(session, room)
        if room is not None:
            stem += f"-room{room.pk}"
    _audit(actor, session, AuditEvent.Action.EXPORT, _("导出%(d)s%(r)s") % {
        "d": label, "r": f"（{room.name}）" if room else ""}, organisation_id=session.batch.organisation_id)
    return content, PDF, f"{document.rsplit('.', 1)[0]}-{stem}.pdf"


TICKETS_INLINE_MAX = 100  # more candidates than this: the tickets are made by a background job


def tickets_job_start(*, actor: Actor, session: ExamSession) -> Job:
    """Queue the tickets of a large session (a PDF of hundreds of pages takes a while);
    the page then follows the job (portal:job_detail) and offers the file."""
    from skilleval.core.jobs import job_create, job_enqueue

    _require_staff(actor, session.batch.organisation_id, *SESSION_DOCUMENTS["tickets.pdf"][0])
    if not session.attempts.exists():
        raise DomainError(_("本场次尚未编排考生，没有准考证可打印。"))
    with transaction.atomic():
        job = job_create(actor=actor, kind="exams_tickets", title=_("生成准考证：%(s)s") % {"s": session.name},
                         params={"session_id": session.pk}, organisation_id=session.batch.organisation_id)
        job_enqueue(job, tickets_task)
    return job


def tickets_job_body(job: Job, progress: Progress) -> dict:
    from django.core.files.base import ContentFile

    from skilleval.accounts.access import actor_for

    session = ExamSession.objects.select_related("batch").get(pk=job.params["session_id"])
    actor = actor_for(job.created_by)
    total = session.attempts.count()
    progress(0, total, _("正在生成 %(n)d 份准考证") % {"n": total})
    content, _type, name = session_document(actor=actor, session=session, document="tickets.pdf")
    job.output_file.save(name, ContentFile(content), save=False)
    Job.objects.filter(pk=job.pk).update(output_file=job.output_file.name)
    return {"tickets": total}


@job_task("exams.examday_tickets")
def tickets_task():
    return tickets_job_body


def batch_document(*, actor: Actor, batch: Any, document: str) -> tuple[bytes, str, str]:
    """The batch's room arrangement tables (SD att.4) and exam manual (att.5), for its
    organisation's staff; LookupError if unknown."""
    from .. import documents_examday as docs

    content_type, label = BATCH_DOCUMENTS[document]
    if not actor.is_org_staff or actor.organisation_id != batch.organisation_id:
        raise DomainError(_("您只能办理本单位的考试。"))
    name, extension = document.rsplit(".", 1)
    if name == "manual":
        content = docs.manual_docx(batch) if extension == "docx" else docs.manual_pdf(batch)
    else:
        key = name.split("-", 1)[1]
        content = docs.arrangement_xlsx(batch, key) if extension == "xlsx" else docs.arrangement_pdf(batch, key)
    _audit(actor, batch, AuditEvent.Action.EXPORT, _("导出%(d)s（%(f)s）") % {"d": label, "f": extension.upper()},
           organisation_id=batch.organisation_id)
    return content, content_type, f"{name}-{batch.code}.{extension}"


def candidate_ticket(*, actor: Actor, attempt: Attempt) -> tuple[bytes, str, str]:
    """The candidate's own admission ticket (the caller fetched the attempt through the
    candidate's scope; this checks it again)."""
    from .. import documents_examday as docs

    actor.require(Perm.CANDIDATE_SELF)
    attempt = Attempt.objects.select_related("application", "session__batch").get(pk=attempt.pk)
    if actor.person_id is None or attempt.application.person_id != actor.person_id:
        raise DomainError(_("只能下载本人的准考证。"))
    content = docs.tickets_pdf([attempt], title=_("准考证 %(t)s") % {"t": attempt.ticket_number})
    _audit(actor, attempt, AuditEvent.Action.EXPORT, _("考生下载本人准考证 %(t)s") % {"t": attempt.ticket_number},
           organisation_id=attempt.session.batch.organisation_id)
    return content, PDF, f"ticket-{attempt.ticket_number}.pdf"


def record_document(*, actor: Actor, record: SessionRecord) -> tuple[bytes, str, str]:
    from .. import documents_examday as docs

    session = record.session
    if not actor.is_org_staff or actor.organisation_id != session.batch.organisation_id:
        raise DomainError(_("您只能办理本单位的考试。"))
    label = str(record_spec(record.kind).label)
    content = docs.record_pdf(record, record_rows(record), label)
    _audit(actor, record, AuditEvent.Action.EXPORT, _("导出%(k)s") % {"k": label},
           organisation_id=session.batch.organisation_id)
    return content, PDF, f"{record.kind}-session{session.pk}-{record.pk}.pdf"
