"""The computer-based theory exam (智能化考试) [SD 4(5)–4(6), 5(1)]: sessions and seats,
the candidate's sign-in with ticket and ID number, a server-side timer, idempotent
autosave, submission (by the candidate, on time-out, or when staff close the session),
automatic marking of objective items, short answers marked by examiners, and a
marker's confirmation before any total counts ("系统自动汇总成绩，阅卷人员复核确认").

Every candidate action is written to `AttemptLog`; every staff action to the audit
trail. A refused candidate action is logged "denied" before the error is raised: the
service's transaction commits the log line, then the service raises."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.batches.models import METHODS_WITHOUT_EXAM, Application, Batch, BatchItem
from skilleval.core.audit import audit_record, snapshot
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent

from ..models import (
    OBJECTIVE_KINDS,
    Answer,
    Attempt,
    AttemptLog,
    Blueprint,
    ExamRoom,
    ExamSession,
    ItemKind,
    ItemStatus,
    Paper,
    PaperItem,
    PracticalTask,
    RoomKind,
)

Event = AttemptLog.Event
Status = Attempt.Status
FINISHED = frozenset({Status.SUBMITTED, Status.TIMED_OUT})
OPEN = frozenset({Status.NOT_STARTED, Status.IN_PROGRESS})
SHORT_ANSWER_MAX_CHARS = 5000
MAX_SEATS_PER_SESSION = 9999  # the ticket number's last four digits
SIGN_IN_MAX_FAILURES = 5
SIGN_IN_LOCK_MINUTES = 15
SIGN_IN_FAILED = "登录失败"  # the prefix of a refused sign-in's log line, counted for the lock-out


class ItemNotOnPaper(DomainError):
    """The paper item is not on the candidate's own paper (a tampered request)."""


class ResponseInvalid(DomainError):
    """The response does not fit the item (an option that does not exist, …)."""


class AttemptClosed(DomainError):
    """The attempt takes no more answers: submitted, timed out or not started."""


@dataclass
class SaveResult:
    attempt_id: int
    paper_item_id: int
    changed: bool  # False: a repeated or stale save that changed nothing
    saved_at: dt.datetime | None  # when it changed

    @cached_property
    def answer(self) -> Answer:
        """The stored answer (read on demand: the autosave path does not need it)."""
        return Answer.objects.get(attempt_id=self.attempt_id, paper_item_id=self.paper_item_id)


@dataclass(frozen=True)
class CloseResult:
    timed_out: int
    absent: int


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _audit(actor: Any, obj: Any, action: str, summary: str, *, organisation_id: int,
           before: dict | None = None, after: dict | None = None) -> None:
    audit_record(actor=actor, action=action, obj=obj, summary=summary, before=before, after=after,
                 organisation_id=organisation_id)


def _log(attempt: Attempt, event: str, detail: str = "", ip_address: str | None = None) -> AttemptLog:
    return AttemptLog.objects.create(attempt=attempt, event=event, detail=detail[:255], ip_address=ip_address)


def _deny(attempt: Attempt, detail: str, ip_address: str | None, message: str,
          error: type[DomainError] = DomainError) -> DomainError:
    """Log a refusal ("denied", with what was refused) and give back the error to raise
    once the transaction holding the log line has committed."""
    _log(attempt, Event.DENIED, detail, ip_address)
    return error(message)


def _require_staff(actor: Actor, organisation_id: int, *perms: str) -> None:
    if not any(actor.has(p) for p in perms):
        actor.require(perms[0])
    if actor.organisation_id != organisation_id:
        raise DomainError(_("您只能办理本单位的考试。"))


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------------------------------
# Sessions and seats (exam affairs)


# The part of the evaluation a session kind belongs to: a candidate sits one session of
# each part of their occupation-level (theory on computers or on paper, practical, review),
# in a room of the matching kind.
SESSION_PARTS: dict[str, str] = {
    ExamSession.Kind.THEORY_CBT: "theory", ExamSession.Kind.THEORY_PAPER: "theory",
    ExamSession.Kind.PRACTICAL: "practical", ExamSession.Kind.REVIEW: "review",
}
PART_ROOM_KINDS: dict[str, str] = {"theory": RoomKind.THEORY, "practical": RoomKind.PRACTICAL,
                                   "review": RoomKind.REVIEW}


def session_part_kinds(kind: str) -> list[str]:
    """The session kinds of the same part as `kind` (both theory kinds go together)."""
    part = SESSION_PARTS.get(kind)
    return [k for k, p in SESSION_PARTS.items() if p == part]


def _part_weight(batch_item: BatchItem, part: str) -> int:
    return {"theory": batch_item.theory_weight, "practical": batch_item.practical_weight,
            "review": batch_item.review_weight}[part]


@transaction.atomic
def session_create(
    *, actor: Actor, batch: Batch, batch_item: BatchItem, name: str, rooms: Iterable[ExamRoom],
    starts_at: dt.datetime, ends_at: dt.datetime, duration_minutes: int, blueprint: Blueprint | None = None,
    mode: str = ExamSession.Mode.WHOLE, per_candidate_papers: bool = True, kind: str = ExamSession.Kind.THEORY_CBT,
    practical_task: PracticalTask | None = None,
) -> ExamSession:
    """A session of one occupation-level of a batch whose plan the authority has confirmed,
    on the batch's evaluation dates: a computer-based theory exam (with its blueprint), a
    paper theory exam, a practical exam (with a practical task of the occupation-level) or
    a comprehensive review, in rooms of the matching kind."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    _require_staff(actor, batch.organisation_id, Perm.BATCH_MANAGE)
    if kind not in SESSION_PARTS:
        raise DomainError(_("请选择考核类型。"), field="kind")
    cbt = kind == ExamSession.Kind.THEORY_CBT
    if batch.status != Batch.Status.PLAN_CONFIRMED:
        raise DomainError(_("认定计划经人社部门确认后才能安排%(k)s场次（本批次当前：%(s)s）。") % {
            "k": _("机考") if cbt else _("考试"), "s": batch.get_status_display()})
    if batch_item.batch_id != batch.pk:
        raise DomainError(_("所选职业等级不属于本批次。"), field="batch_item")
    part = SESSION_PARTS[kind]
    if batch_item.method in METHODS_WITHOUT_EXAM or not _part_weight(batch_item, part):
        what = {"theory": _("理论知识考试"), "practical": _("操作技能考核"), "review": _("综合评审")}[part]
        raise DomainError(_("“%(i)s”的评价方式不含%(w)s。") % {"i": batch_item, "w": what}, field="batch_item")
    if cbt and blueprint is None:
        raise DomainError(_("机考须选择组卷方案。"), field="blueprint")
    if part != "theory":
        blueprint = None
    level_code = batch_item.level.code if batch_item.level is not None else 0  # 0: a special ability (no level)
    if blueprint is not None and (
            blueprint.organisation_id != batch.organisation_id or blueprint.occupation_id != batch_item.occupation_id
            or blueprint.level != level_code):
        raise DomainError(_("组卷方案应与所选职业、等级一致。"), field="blueprint")
    if part == "practical":
        if practical_task is None:
            raise DomainError(_("操作技能考核须选择操作技能试题。"), field="practical_task")
        if (practical_task.organisation_id != batch.organisation_id
                or practical_task.occupation_id != batch_item.occupation_id
                or practical_task.level != level_code):
            raise DomainError(_("操作技能试题应与所选职业、等级一致。"), field="practical_task")
        if practical_task.status != ItemStatus.APPROVED:
            raise DomainError(_("操作技能试题“%(t)s”尚未审定（当前：%(s)s）。") % {
                "t": practical_task, "s": practical_task.get_status_display()}, field="practical_task")
    else:
        practical_task = None
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写场次名称。"), field="name")
    rooms = list(rooms or [])
    if not rooms:
        raise DomainError(_("请选择考场。"), field="rooms")
    room_kind = PART_ROOM_KINDS[part]
    for room in rooms:
        if room.site.organisation_id != batch.organisation_id:
            raise DomainError(_("考场“%(r)s”不属于本机构。") % {"r": room}, field="rooms")
        if room.kind != room_kind:
            raise DomainError(_("%(s)s应安排在%(w)s，“%(r)s”是%(k)s。") % {
                "s": ExamSession.Kind(kind).label, "w": RoomKind(room_kind).label, "r": room,
                "k": room.get_kind_display()}, field="rooms")
    if not starts_at or not ends_at or ends_at <= starts_at:
        raise DomainError(_("最晚交卷时间应晚于开考时间。"), field="ends_at")
    first, last = timezone.localtime(starts_at).date(), timezone.localtime(ends_at).date()
    if first < batch.first_exam_date or last > batch.last_exam_date:
        raise DomainError(_("考试时间应在批次评价日期（%(a)s 至 %(b)s）之内。") % {
            "a": batch.first_exam_date.isoformat(), "b": batch.last_exam_date.isoformat()}, field="starts_at")
    window = int((ends_at - starts_at).total_seconds() // 60)
    try:
        duration = int(duration_minutes)
    except (TypeError, ValueError):
        raise DomainError(_("请填写答题时长（分钟）。"), field="duration_minutes") from None
    if not 1 <= duration <= window:
        raise DomainError(_("答题时长应在 1 至 %(n)d 分钟之间（不超过开考至最晚交卷的时间）。") % {"n": window},
                          field="duration_minutes")
    if mode not in ExamSession.Mode.values:
        raise DomainError(_("请选择作答方式。"), field="mode")
    session = ExamSession.objects.create(
        batch=batch, batch_item=batch_item, kind=kind, blueprint=blueprint, practical_task=practical_task,
        name=name[:100], starts_at=starts_at, ends_at=ends_at, duration_minutes=duration, mode=mode,
        per_candidate_papers=bool(per_candidate_papers) and cbt)
    session.rooms.set(rooms)
    _audit(actor, session, AuditEvent.Action.CREATE, _("安排%(k)s场次：%(n)s（%(r)s，%(s)s 开考）") % {
        "k": ExamSession.Kind(kind).label, "n": session.name, "r": "、".join(str(r) for r in rooms),
        "s": _local(starts_at)}, after=snapshot(session), organisation_id=batch.organisation_id)
    return session


def _papers_service():
    """The papers service of the question-bank part, when it is there."""
    try:
        from . import papers
    except ImportError:  # pragma: no cover - depends on the bank part being installed
        return None
    return papers


def _ticket_prefix(session: ExamSession) -> str:
    return f"{timezone.localtime(session.starts_at):%Y%m%d}{session.pk:05d}"


def next_tickets(session: ExamSession, count: int) -> list[str]:
    """The next `count` admission ticket numbers of a session: its date and number, then
    a four-digit serial continuing after the highest one given."""
    prefix = _ticket_prefix(session)
    last = Attempt.objects.filter(session=session).aggregate(m=Max("ticket_number"))["m"]
    start = int(last[len(prefix):]) + 1 if last and last.startswith(prefix) else 1
    if start + count - 1 > MAX_SEATS_PER_SESSION:
        raise DomainError(_("一个场次最多编排 %(n)d 名考生，请分场次安排。") % {"n": MAX_SEATS_PER_SESSION})
    return [f"{prefix}{start + i:04d}" for i in range(count)]


def papers_for_tickets(*, actor: Actor, session: ExamSession, tickets: list[str]) -> list[Paper]:
    """The papers of new seats of a computer-based session, aligned with `tickets`: one
    per candidate, or the session's shared paper (assembled from its blueprint)."""
    return _assemble(actor, session, tickets)


def _check_paper(session: ExamSession, paper: Paper) -> Paper:
    if paper.blueprint_id != session.blueprint_id:
        raise DomainError(_("试卷“%(p)s”不是按本场次的组卷方案生成的。") % {"p": paper}, field="paper")
    if not paper.items.exists():
        raise DomainError(_("试卷“%(p)s”没有试题。") % {"p": paper}, field="paper")
    return paper


@transaction.atomic
def seats_assign(
    *, actor: Actor, session: ExamSession, applications: Iterable[Application] | None = None,
    paper: Paper | None = None, papers: Sequence[Paper] | None = None, now: dt.datetime | None = None,
) -> list[Attempt]:
    """Seat accepted applications of the session's occupation-level: each gets an admission
    ticket number, a room and seat in order, and (computer-based sessions) a paper. Without
    `applications`: every accepted application of the item not seated yet in a session of
    the same part (theory, practical, review). Papers: one shared `paper`, or `papers` (one per new seat, or
    variants handed out in turn), or, when neither is given, the papers service assembles
    them from the session's blueprint (one per candidate or one shared). Already seated
    applications are skipped, so the step can be repeated when a candidate was missed."""
    session = ExamSession.objects.select_for_update(of=("self",)).select_related("batch", "blueprint").get(
        pk=session.pk)
    _require_staff(actor, session.batch.organisation_id, Perm.BATCH_MANAGE)
    now = _now(now)
    if now >= session.ends_at:
        raise DomainError(_("本场考试已结束，不能再编排考生。"))
    if applications is None:
        seated_in_part = Attempt.objects.filter(
            session__batch_item_id=session.batch_item_id, session__kind__in=session_part_kinds(session.kind)).exclude(
            status=Status.ABSENT).values("application_id")
        candidates = list(Application.objects.filter(
            item_id=session.batch_item_id, status=Application.Status.ACCEPTED).exclude(
            attempts__session=session).exclude(pk__in=seated_in_part).order_by("number"))
    else:
        candidates = sorted({a.pk: a for a in applications}.values(), key=lambda a: a.number)
        ids = [a.pk for a in candidates]
        fresh = {a.pk: a for a in Application.objects.filter(pk__in=ids)}
        for application in candidates:
            current = fresh.get(application.pk)
            if current is None or current.item_id != session.batch_item_id:
                raise DomainError(_("“%(a)s”不是本场次职业等级的报名。") % {"a": application})
            if current.status != Application.Status.ACCEPTED:
                raise DomainError(_("“%(a)s”未通过资格审核，不能编排考试。") % {"a": application})
        seated = set(Attempt.objects.filter(session=session, application_id__in=ids).values_list(
            "application_id", flat=True))
        candidates = [fresh[a.pk] for a in candidates if a.pk not in seated]
    if not candidates:
        raise DomainError(_("没有需要编排的考生（审核通过且尚未编排的报名）。"))
    elsewhere = Attempt.objects.filter(
        application__in=candidates, session__batch_item_id=session.batch_item_id,
        session__kind__in=session_part_kinds(session.kind)).exclude(
        session=session).exclude(status=Status.ABSENT).select_related("application", "session").first()
    if elsewhere is not None:
        raise DomainError(_("“%(a)s”已编排在场次“%(s)s”。") % {"a": elsewhere.application, "s": elsewhere.session})

    tickets = next_tickets(session, len(candidates))
    places = _free_seats(session)
    if len(places) < len(candidates):
        raise DomainError(_("考场座位不足：本场次尚有空座 %(n)d 个，待编排考生 %(m)d 人，请增加考场。") % {
            "n": len(places), "m": len(candidates)})

    assigned: list[Paper | None]
    if session.kind != ExamSession.Kind.THEORY_CBT:
        if paper is not None or papers:
            raise DomainError(_("只有机考场次由系统分配试卷。"), field="paper")
        assigned = [None] * len(candidates)
    elif paper is not None and papers:
        raise DomainError(_("请只指定一份共用试卷或一组试卷。"), field="paper")
    elif paper is not None:
        if session.per_candidate_papers:
            raise DomainError(_("本场次为一人一卷，请为每位考生分配各自的试卷。"), field="paper")
        assigned = [_check_paper(session, paper)] * len(candidates)
    elif papers:
        checked = [_check_paper(session, p) for p in papers]
        if session.per_candidate_papers:
            if len(checked) != len(candidates) or len({p.pk for p in checked}) != len(checked):
                raise DomainError(_("一人一卷：需要 %(n)d 份不同的试卷，实际 %(m)d 份。") % {
                    "n": len(candidates), "m": len({p.pk for p in checked})}, field="paper")
            used = Attempt.objects.filter(paper__in=checked).exists()
            if used:
                raise DomainError(_("一人一卷：所给试卷已分配给其他考生。"), field="paper")
        assigned = [checked[i % len(checked)] for i in range(len(candidates))]
    else:
        assigned = [p for p in _assemble(actor, session, tickets)]

    attempts = Attempt.objects.bulk_create([
        Attempt(session=session, application=application, ticket_number=ticket, paper=p, room=room, seat=seat)
        for application, ticket, p, (room, seat) in zip(candidates, tickets, assigned, places[:len(candidates)],
                                                         strict=True)])
    papers_note = (_("一人一卷") if session.per_candidate_papers else _("共用试卷")) if session.is_cbt else \
        session.get_kind_display()
    _audit(actor, session, AuditEvent.Action.UPDATE, _("编排考生 %(n)d 人，准考证号 %(a)s 至 %(b)s（%(m)s）") % {
        "n": len(attempts), "a": tickets[0], "b": tickets[-1], "m": papers_note},
        after={"tickets": tickets, "papers": [p.pk if p else None for p in assigned]},
        organisation_id=session.batch.organisation_id)
    return attempts


def _free_seats(session: ExamSession) -> list[tuple[ExamRoom, int]]:
    """The session's empty seats, room by room in name order, seat numbers from 1."""
    taken: dict[int, set[int]] = {}
    for room_id, seat in Attempt.objects.filter(session=session, room__isnull=False).values_list("room_id", "seat"):
        if seat is not None:
            taken.setdefault(room_id, set()).add(seat)
    return [(room, seat) for room in session.rooms.select_related("site").order_by("site__name", "name")
            for seat in range(1, room.capacity + 1) if seat not in taken.get(room.pk, set())]


def _assemble(actor: Actor, session: ExamSession, tickets: list[str]) -> list[Paper]:
    papers = _papers_service()
    if not session.per_candidate_papers:
        shared = Attempt.objects.filter(session=session, paper__isnull=False).values_list("paper", flat=True).first()
        if shared is not None:
            return [Paper.objects.get(pk=shared)] * len(tickets)
        if papers is not None and hasattr(papers, "paper_assemble"):
            paper = papers.paper_assemble(actor=actor, blueprint=session.blueprint, seed=secrets.randbelow(2**62),
                                          variant=session.name[:40])
            return [paper] * len(tickets)
    elif papers is not None and hasattr(papers, "papers_for_candidates"):
        made = papers.papers_for_candidates(actor=actor, blueprint=session.blueprint, keys=tickets,
                                            base_seed=secrets.randbelow(2**62))
        if len(made) != len(tickets):  # pragma: no cover - a contract of the papers service
            raise DomainError(_("组卷数量与考生人数不一致。"))
        return list(made)
    raise DomainError(_("请指定试卷：自动组卷功能暂不可用。"), field="paper")


@transaction.atomic
def attempt_expire_due(session: ExamSession, now: dt.datetime | None = None) -> int:
    """Submit, as timed out, every attempt of the session whose time is up. Returns how
    many. Runs when staff close the session; a candidate's own attempt is also expired
    whenever the candidate next touches it."""
    now = _now(now)
    due = Attempt.objects.select_for_update().filter(
        session=session, status=Status.IN_PROGRESS, deadline_at__lte=now).order_by("pk")
    count = 0
    for attempt in due:
        _finish(attempt, Status.TIMED_OUT, attempt.deadline_at or now, None)
        count += 1
    return count


@transaction.atomic
def session_close(*, actor: Actor, session: ExamSession, now: dt.datetime | None = None) -> CloseResult:
    """Staff end the session: attempts whose time is up are submitted as timed out and
    those never started are marked absent. Refused while a candidate still has time."""
    session = ExamSession.objects.select_for_update(of=("self",)).select_related("batch").get(pk=session.pk)
    _require_staff(actor, session.batch.organisation_id, Perm.BATCH_MANAGE, Perm.EXAM_PROCTOR)
    now = _now(now)
    if now < session.starts_at:
        raise DomainError(_("考试尚未开始，不能结束。"))
    running = session.attempts.filter(status=Status.IN_PROGRESS, deadline_at__gt=now)
    if running.exists():
        latest = running.aggregate(m=Max("deadline_at"))["m"]
        raise DomainError(_("还有 %(n)d 名考生正在作答（最晚 %(t)s 结束），不能结束本场考试。") % {
            "n": running.count(), "t": _local(latest)})
    if not session.attempts.filter(status__in=OPEN).exists():
        raise DomainError(_("本场考试已经结束。"))
    timed_out = attempt_expire_due(session, now)
    absent_ids = list(session.attempts.filter(status=Status.NOT_STARTED).values_list("pk", flat=True))
    Attempt.objects.filter(pk__in=absent_ids).update(status=Status.ABSENT, updated_at=now)
    submitted = session.attempts.filter(status=Status.SUBMITTED).count()
    _audit(actor, session, AuditEvent.Action.TRANSITION,
           _("结束考试：交卷 %(s)d 人，超时自动交卷 %(t)d 人，缺考 %(a)d 人") % {
               "s": submitted, "t": session.attempts.filter(status=Status.TIMED_OUT).count(), "a": len(absent_ids)},
           after={"absent": absent_ids, "timed_out_now": timed_out}, organisation_id=session.batch.organisation_id)
    return CloseResult(timed_out=timed_out, absent=len(absent_ids))


# ---------------------------------------------------------------------------------------------
# The candidate: sign-in, start, autosave, submit


def _attempt_for_update(attempt: Attempt) -> Attempt:
    # `of` self: the joined session row must not be locked, or every save of a session would queue.
    return Attempt.objects.select_for_update(of=("self",)).select_related("session").get(pk=attempt.pk)


def _expire_if_due(attempt: Attempt, now: dt.datetime) -> bool:
    """Inside a transaction holding the attempt's lock: submit it as timed out when its
    deadline has passed. True when it did."""
    if attempt.status == Status.IN_PROGRESS and attempt.deadline_at and now >= attempt.deadline_at:
        _finish(attempt, Status.TIMED_OUT, attempt.deadline_at, None)
        return True
    return False


def candidate_sign_in(
    *, id_number: str, ticket_number: str = "", session: ExamSession | None = None, now: dt.datetime | None = None,
    ip_address: str | None = None,
) -> Attempt:
    """The candidate signs in with the admission ticket number and the ID number, inside
    the session's window (a finished attempt may sign in later to read its status).
    Logs "login" the first time and "reconnect" after that; a wrong ID number for a
    known ticket, a locked ticket or a closed window is logged "denied"."""
    now = _now(now)
    ticket = (ticket_number or "").strip().upper()
    id_number = (id_number or "").strip().upper()
    wrong = _("准考证号或证件号码不正确。")
    if not ticket or not id_number:
        raise DomainError(wrong)
    refusal: DomainError | None = None
    with transaction.atomic():
        query = Attempt.objects.select_for_update(of=("self",)).select_related("session", "application__person")
        if session is not None:
            query = query.filter(session=session)
        attempt = query.filter(ticket_number=ticket).first()
        if attempt is None:
            raise DomainError(wrong)
        since = now - dt.timedelta(minutes=SIGN_IN_LOCK_MINUTES)
        failures = attempt.log.filter(event=Event.DENIED, detail__startswith=SIGN_IN_FAILED, at__gte=since).count()
        if failures >= SIGN_IN_MAX_FAILURES:
            refusal = _deny(attempt, _("%(p)s：连续失败次数过多，暂停 %(m)d 分钟") % {
                "p": SIGN_IN_FAILED, "m": SIGN_IN_LOCK_MINUTES}, ip_address,
                _("登录失败次数过多，请 %(m)d 分钟后再试或联系监考人员。") % {"m": SIGN_IN_LOCK_MINUTES})
        elif attempt.application.person.id_number.upper() != id_number:
            refusal = _deny(attempt, _("%(p)s：证件号码不符") % {"p": SIGN_IN_FAILED}, ip_address, wrong)
        elif attempt.status == Status.ABSENT:
            refusal = _deny(attempt, _("登录被拒绝：已记为缺考"), ip_address,
                            _("本场考试已结束，您已被记为缺考。如有疑问请联系监考人员。"))
        elif attempt.status in OPEN and now < attempt.session.starts_at:
            refusal = _deny(attempt, _("登录被拒绝：考试尚未开始"), ip_address,
                            _("考试尚未开始，开考时间为 %(t)s。") % {"t": _local(attempt.session.starts_at)})
        elif attempt.status == Status.NOT_STARTED and now >= attempt.session.ends_at:
            refusal = _deny(attempt, _("登录被拒绝：考试已结束"), ip_address,
                            _("本场考试已于 %(t)s 结束。") % {"t": _local(attempt.session.ends_at)})
        else:
            seen = attempt.log.filter(event__in=(Event.LOGIN, Event.RECONNECT)).exists()
            _log(attempt, Event.RECONNECT if seen else Event.LOGIN, "", ip_address)
            _expire_if_due(attempt, now)
    if refusal is not None:
        raise refusal
    return attempt


@transaction.atomic
def attempt_start(*, attempt: Attempt, now: dt.datetime | None = None, ip_address: str | None = None) -> Attempt:
    """Start the clock, on the server: deadline = min(start + duration, the session's
    latest hand-in time). Starting again (a reload, a second machine) changes nothing."""
    now = _now(now)
    attempt = _attempt_for_update(attempt)
    if attempt.status != Status.NOT_STARTED:
        _expire_if_due(attempt, now)
        return attempt
    session = attempt.session
    if not session.starts_at <= now < session.ends_at:
        raise DomainError(_("不在考试时间内（%(a)s 至 %(b)s）。") % {
            "a": _local(session.starts_at), "b": _local(session.ends_at)})
    if attempt.paper_id is None:
        raise DomainError(_("尚未分配试卷，请联系监考人员。"))
    attempt.status = Status.IN_PROGRESS
    attempt.started_at = now
    attempt.deadline_at = min(now + dt.timedelta(minutes=session.duration_minutes), session.ends_at)
    attempt.save(update_fields=["status", "started_at", "deadline_at", "updated_at"])
    _log(attempt, Event.START, _("交卷期限 %(t)s") % {"t": _local(attempt.deadline_at)}, ip_address)
    return attempt


@transaction.atomic
def attempt_touch(*, attempt: Attempt, now: dt.datetime | None = None) -> Attempt:
    """The candidate came back (a page load): an attempt whose time is up is submitted
    now, as timed out at its deadline."""
    attempt = _attempt_for_update(attempt)
    _expire_if_due(attempt, _now(now))
    return attempt


def _option_keys(options: Any) -> list[str]:
    return [str(o.get("key")) for o in (options or []) if isinstance(o, dict) and o.get("key") is not None]


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "对", "正确", "t", "yes"):
        return True
    if text in ("false", "0", "错", "错误", "f", "no"):
        return False
    return None


def _key_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return sorted(str(v) for v in value)
    return [str(value)]


def normalise_response(kind: str, options: Any, raw: Any) -> Any:
    """The stored form of a response: single "B", multiple ["A", "C"], true/false a bool,
    a short answer its text; None when nothing is answered. Raises ResponseInvalid."""
    values = raw if isinstance(raw, (list, tuple)) else ([] if raw is None else [raw])
    values = [v for v in values if v is not None and (not isinstance(v, str) or v.strip() != "" or kind == ItemKind.SHORT)]
    if not values:
        return None
    keys = _option_keys(options)
    if kind == ItemKind.SINGLE:
        if len(values) != 1 or str(values[0]) not in keys:
            raise ResponseInvalid(_("单项选择题只能选择一个给定的选项。"))
        return str(values[0])
    if kind == ItemKind.MULTIPLE:
        chosen = sorted({str(v) for v in values})
        if any(v not in keys for v in chosen):
            raise ResponseInvalid(_("所选选项不存在。"))
        return chosen
    if kind == ItemKind.TRUE_FALSE:
        value = _as_bool(values[0]) if len(values) == 1 else None
        if value is None:
            raise ResponseInvalid(_("判断题只能回答“正确”或“错误”。"))
        return value
    if kind == ItemKind.SHORT:
        text = "".join(str(v) for v in values)
        if len(text) > SHORT_ANSWER_MAX_CHARS:
            raise ResponseInvalid(_("简答题作答不能超过 %(n)d 字。") % {"n": SHORT_ANSWER_MAX_CHARS})
        return text if text.strip() else None
    raise ResponseInvalid(_("未知题型。"))  # pragma: no cover - the model's choices


def auto_score(kind: str, key: Any, response: Any, score: Decimal) -> Decimal | None:
    """Objective marking by the key: single and true/false exact, multiple the exact set
    (all or nothing). None for a short answer (a marker's job)."""
    if kind == ItemKind.SHORT:
        return None
    if response is None:
        return Decimal(0)
    if kind == ItemKind.TRUE_FALSE:
        expected = _as_bool(key[0] if isinstance(key, (list, tuple)) and len(key) == 1 else key)
        return score if expected is not None and response is _as_bool(response) and response == expected else Decimal(0)
    if kind == ItemKind.SINGLE:
        return score if _key_list(key) == [str(response)] else Decimal(0)
    if kind == ItemKind.MULTIPLE:
        return score if _key_list(key) == _key_list(response) else Decimal(0)
    return Decimal(0)  # pragma: no cover


_ITEM_CACHE_SECONDS = 600
_ITEM_CACHE_MAX = 200_000
_item_cache: dict[tuple[int, int], tuple[float, tuple[Any, Any, Any]]] = {}


def _paper_item(paper_id: int, item_id: int) -> tuple[Any, Any, Any]:
    """(order, kind, options) of an item if it is on the paper, else (None, None, None).
    An assembled paper does not change during its exam, so each server process keeps what
    it read for a few minutes: an autosave then costs no lookup of the item."""
    key = (paper_id, item_id)
    now = time.monotonic()
    hit = _item_cache.get(key)
    if hit is not None and now - hit[0] < _ITEM_CACHE_SECONDS:
        return hit[1]
    row = _first(PaperItem.objects.filter(pk=item_id, paper_id=paper_id).values_list(
        "order", "item__kind", "item__options")) or (None, None, None)
    if row[0] is not None:
        if len(_item_cache) >= _ITEM_CACHE_MAX:
            _item_cache.clear()
        _item_cache[key] = (now, tuple(row))
    return tuple(row)


_ATTEMPT_PAPERS_MAX = 200_000
_attempt_papers: dict[int, int] = {}  # attempt -> its paper, fixed once seated


def _remember_paper(attempt_id: int, paper_id: int) -> None:
    if len(_attempt_papers) >= _ATTEMPT_PAPERS_MAX:
        _attempt_papers.clear()
    _attempt_papers[attempt_id] = paper_id


def autosave_caches_clear() -> None:
    """Forget the per-process autosave caches (tests whose database reuses ids call it)."""
    _attempt_papers.clear()
    _item_cache.clear()


def _known_item(paper_id: int, item_id: int) -> tuple[Any, Any, Any] | None:
    hit = _item_cache.get((paper_id, item_id))
    if hit is None or time.monotonic() - hit[0] >= _ITEM_CACHE_SECONDS:
        return None
    return hit[1]


def _save_fast(attempt: Attempt, item_id: int, response: Any, version: int, now: dt.datetime,
               ip_address: str | None) -> SaveResult | None:
    """An ordinary autosave on PostgreSQL in one statement: lock the attempt if it is still
    running (the same row lock hand-in takes, so a save never slips past a submission),
    update the answer if this version is newer, and append the log line. None when it
    did not apply: the general path then decides."""
    if connection.vendor != "postgresql":
        return None
    paper_id = _attempt_papers.get(attempt.pk)
    known = _known_item(paper_id, item_id) if paper_id else None
    if known is None:
        return None
    order, kind, options = known
    try:
        value = normalise_response(kind, options, response)
    except ResponseInvalid:
        return None
    sql = _fast_save_sql()
    detail = _("第 %(o)d 题（版本 %(v)d）") % {"o": order, "v": version}
    with connection.cursor() as cursor:
        cursor.execute(sql, [
            attempt.pk, attempt.ticket_number, Status.IN_PROGRESS.value, now,
            Answer._meta.get_field("response").get_db_prep_save(value, connection), version, now, item_id, version,
            attempt.pk, Event.SAVE.value, now, ip_address, detail])
        if cursor.rowcount != 1:
            return None
    return SaveResult(attempt_id=attempt.pk, paper_item_id=item_id, changed=True, saved_at=now)


@cache
def _fast_save_sql() -> str:
    table = connection.ops.quote_name
    at = {f: _column(Attempt, f) for f in ("id", "ticket_number", "status", "deadline_at")}
    an = {f: _column(Answer, f) for f in ("response", "version", "saved_at", "attempt", "paper_item")}
    lg = {f: _column(AttemptLog, f) for f in ("attempt", "event", "at", "ip_address", "detail")}
    return (
        f"WITH running AS (SELECT {at['id']} FROM {table(Attempt._meta.db_table)} WHERE {at['id']} = %s "
        f"AND {at['ticket_number']} = %s AND {at['status']} = %s AND {at['deadline_at']} > %s FOR UPDATE), "
        f"saved AS (UPDATE {table(Answer._meta.db_table)} SET {an['response']} = %s, {an['version']} = %s, "
        f"{an['saved_at']} = %s WHERE {an['attempt']} = (SELECT {at['id']} FROM running) "
        f"AND {an['paper_item']} = %s AND {an['version']} < %s RETURNING 1) "
        f"INSERT INTO {table(AttemptLog._meta.db_table)} ({lg['attempt']}, {lg['event']}, {lg['at']}, "
        f"{lg['ip_address']}, {lg['detail']}) SELECT %s, %s, %s::timestamptz, %s::inet, %s FROM saved")


def _column(model: type[models.Model], name: str) -> str:
    """A field's column, quoted for the connection (the hot path's SQL names nothing by hand)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return connection.ops.quote_name(str(field.column))


def _paper_items(attempt: Attempt) -> QuerySet[PaperItem]:
    if attempt.paper_id is None:
        return PaperItem.objects.none()
    return PaperItem.objects.filter(paper_id=attempt.paper_id)


def _first(queryset):
    """The first row without the model's default ordering (which may join other tables)."""
    return next(iter(queryset.order_by()[:1]), None)


def answer_save(
    *, attempt: Attempt, paper_item_id: Any, response: Any, version: Any, now: dt.datetime | None = None,
    ip_address: str | None = None,
) -> SaveResult:
    """Autosave one answer. Idempotent by version: a save whose version is not newer than
    the stored one changes nothing. Refused (and logged "denied") after the deadline or
    after submission; an item that is not on the candidate's own paper raises
    ItemNotOnPaper, a response that does not fit the item ResponseInvalid.

    The attempt's state is read under its row lock; of `attempt` only its pk and ticket
    number are used, so a caller may pass a reference (`Attempt(pk=…, ticket_number=…)`).

    This is the hot path of a running exam. On PostgreSQL an ordinary save (the attempt
    running, its item known, a newer version of an answer already stored) is a single
    statement; anything else, or when that statement changes nothing, takes the general
    path below, which decides, refuses and logs."""
    now = _now(now)
    try:
        version = int(version)
        item_id = int(paper_item_id)
    except (TypeError, ValueError):
        raise ResponseInvalid(_("请求不完整：缺少题目或版本号。")) from None
    if version < 1:
        raise ResponseInvalid(_("版本号不正确。"))
    fast = _save_fast(attempt, item_id, response, version, now, ip_address)
    if fast is not None:
        return fast
    refusal: DomainError | None = None
    result: SaveResult | None = None
    closed = _("考试时间已到或已交卷，答案不再保存。")
    with transaction.atomic():
        state = _first(Attempt.objects.select_for_update().filter(
            pk=attempt.pk, ticket_number=attempt.ticket_number).values_list("status", "deadline_at", "paper_id"))
        if state is None:
            raise AttemptClosed(closed)
        status, deadline, paper_id = state
        order, kind, options = _paper_item(paper_id, item_id) if paper_id else (None, None, None)
        if paper_id:
            _remember_paper(attempt.pk, paper_id)
        if status != Status.IN_PROGRESS or (deadline is not None and now >= deadline):
            locked = Attempt.objects.select_related("session").get(pk=attempt.pk)
            if _expire_if_due(locked, now):
                detail = _("拒绝保存（试题 %(i)s）：已超过交卷期限 %(t)s") % {"i": item_id, "t": _local(deadline)}
            else:
                detail = _("拒绝保存（试题 %(i)s）：%(s)s") % {"i": item_id, "s": locked.get_status_display()}
            refusal = _deny(locked, detail, ip_address, closed, AttemptClosed)
        elif order is None:
            refusal = _deny(attempt, _("拒绝保存：试题 %(i)s 不在本人试卷中") % {"i": item_id}, ip_address,
                            _("该题不在您的试卷中。"), ItemNotOnPaper)
        else:
            try:
                value = normalise_response(str(kind), options, response)
            except ResponseInvalid as exc:
                refusal = _deny(attempt, _("拒绝保存第 %(o)d 题：%(m)s") % {"o": order, "m": exc.message},
                                ip_address, exc.message, ResponseInvalid)
            else:
                result = _store(attempt.pk, item_id, order, value, version, now, ip_address)
    if refusal is not None:
        raise refusal
    assert result is not None
    return result


def _store(attempt_id: int, item_id: int, order: int, value: Any, version: int, now: dt.datetime,
           ip_address: str | None) -> SaveResult:
    """Write the answer and its log line unless a save of the same or a newer version got
    there first."""
    detail = _("第 %(o)d 题（版本 %(v)d）") % {"o": order, "v": version}
    if connection.vendor == "postgresql":
        changed = _update_and_log_postgresql(attempt_id, item_id, value, version, now, ip_address, detail)
    else:
        answers = Answer.objects.filter(attempt_id=attempt_id, paper_item_id=item_id, version__lt=version)
        changed = bool(answers.update(response=value, version=version, saved_at=now))
        if changed:
            AttemptLog.objects.create(attempt_id=attempt_id, event=Event.SAVE, at=now, ip_address=ip_address,
                                      detail=detail)
    if not changed and not Answer.objects.filter(attempt_id=attempt_id, paper_item_id=item_id).exists():
        Answer.objects.create(attempt_id=attempt_id, paper_item_id=item_id, response=value, version=version,
                              saved_at=now)
        AttemptLog.objects.create(attempt_id=attempt_id, event=Event.SAVE, at=now, ip_address=ip_address,
                                  detail=detail)
        changed = True
    return SaveResult(attempt_id=attempt_id, paper_item_id=item_id, changed=changed, saved_at=now if changed else None)


@cache
def _update_and_log_sql() -> str:
    table = connection.ops.quote_name
    a = {f: _column(Answer, f) for f in ("response", "version", "saved_at", "attempt", "paper_item")}
    g = {f: _column(AttemptLog, f) for f in ("attempt", "event", "at", "ip_address", "detail")}
    return (
        f"WITH saved AS (UPDATE {table(Answer._meta.db_table)} "
        f"SET {a['response']} = %s, {a['version']} = %s, {a['saved_at']} = %s "
        f"WHERE {a['attempt']} = %s AND {a['paper_item']} = %s AND {a['version']} < %s RETURNING 1) "
        f"INSERT INTO {table(AttemptLog._meta.db_table)} "
        f"({g['attempt']}, {g['event']}, {g['at']}, {g['ip_address']}, {g['detail']}) "
        f"SELECT %s, %s, %s::timestamptz, %s::inet, %s FROM saved")


def _update_and_log_postgresql(attempt_id: int, item_id: int, value: Any, version: int, now: dt.datetime,
                               ip_address: str | None, detail: str) -> bool:
    """The autosave's write in one statement (one round trip): update the answer if this
    version is newer and, only then, append the log line."""
    sql = _update_and_log_sql()
    response = Answer._meta.get_field("response").get_db_prep_save(value, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [response, version, now, attempt_id, item_id, version,
                             attempt_id, Event.SAVE.value, now, ip_address, detail])
        return cursor.rowcount == 1


def attempt_submit(*, attempt: Attempt, now: dt.datetime | None = None, ip_address: str | None = None,
                   automatic: bool = False) -> Attempt:
    """Hand in, once: a second submission changes nothing. After the deadline the attempt
    is closed as timed out at its deadline. The objective items are marked at once."""
    now = _now(now)
    refusal: DomainError | None = None
    with transaction.atomic():
        attempt = _attempt_for_update(attempt)
        if attempt.status in FINISHED:
            return attempt
        if attempt.status != Status.IN_PROGRESS:
            refusal = _deny(attempt, _("拒绝交卷：%(s)s") % {"s": attempt.get_status_display()}, ip_address,
                            _("尚未开始作答，不能交卷。") if attempt.status == Status.NOT_STARTED else _(
                                "本场考试已结束。"), AttemptClosed)
        elif not _expire_if_due(attempt, now):
            _finish(attempt, Status.SUBMITTED, now, ip_address,
                    _("计时结束自动交卷") if automatic else "")
    if refusal is not None:
        raise refusal
    return attempt


def _finish(attempt: Attempt, status: str, at: dt.datetime, ip_address: str | None, detail: str = "") -> None:
    """Close the attempt (locked by the caller) and mark its objective items."""
    paper_items = list(_paper_items(attempt).select_related("item"))
    answers = {a.paper_item_id: a for a in Answer.objects.filter(attempt=attempt)}
    missing = [Answer(attempt=attempt, paper_item=p, response=None, version=0) for p in paper_items
               if p.pk not in answers]
    for answer in Answer.objects.bulk_create(missing):
        answers[answer.paper_item_id] = answer
    objective = Decimal(0)
    changed = []
    for paper_item in paper_items:
        answer = answers[paper_item.pk]
        kind = paper_item.item.kind
        if kind in OBJECTIVE_KINDS:
            answer.auto_score = auto_score(kind, paper_item.item.answer, answer.response, paper_item.score)
            objective += answer.auto_score or 0
        else:
            # An unanswered short item scores 0 without waiting for a marker.
            answer.auto_score = Decimal(0) if answer.response in (None, "") else None
        changed.append(answer)
    Answer.objects.bulk_update(changed, ["auto_score"])
    attempt.status = status
    attempt.submitted_at = at
    attempt.objective_score = objective
    attempt.save(update_fields=["status", "submitted_at", "objective_score", "updated_at"])
    event = Event.TIMEOUT if status == Status.TIMED_OUT else Event.SUBMIT
    _log(attempt, event, detail or (_("超过交卷期限 %(t)s，系统自动交卷") % {"t": _local(at)}
                                    if status == Status.TIMED_OUT else ""), ip_address)


def attempt_remaining_seconds(attempt: Attempt, now: dt.datetime | None = None) -> int:
    if attempt.status != Status.IN_PROGRESS or attempt.deadline_at is None:
        return 0
    return max(0, int((attempt.deadline_at - _now(now)).total_seconds()))


# ---------------------------------------------------------------------------------------------
# Marking and confirmation (examiners)


def _short_answers(attempt: Attempt):
    return Answer.objects.filter(attempt=attempt, paper_item__item__kind=ItemKind.SHORT)


def _needs_marker(answer: Answer) -> bool:
    return answer.auto_score is None and answer.marker_score is None


@transaction.atomic
def marker_mark(*, actor: Actor, answer: Answer, score: Any) -> Answer:
    """An examiner scores a short answer, within 0..the item's score, before the attempt's
    score is confirmed; a change of mark keeps the old one in the audit trail."""
    answer = Answer.objects.select_related("paper_item__item", "attempt__session__batch").get(pk=answer.pk)
    session = answer.attempt.session
    _require_staff(actor, session.batch.organisation_id, Perm.EXAM_MARK)
    attempt = _attempt_for_update(answer.attempt)
    answer = Answer.objects.select_for_update(of=("self",)).select_related("paper_item__item").get(pk=answer.pk)
    if answer.paper_item.item.kind != ItemKind.SHORT:
        raise DomainError(_("客观题由系统按标准答案自动评分，不能人工评分。"))
    if attempt.status not in FINISHED:
        raise DomainError(_("考生尚未交卷，不能评分。"))
    if attempt.confirmed_at is not None:
        raise DomainError(_("该考生成绩已复核确认，不能再修改评分。"))
    maximum = answer.paper_item.score
    try:
        value = Decimal(str(score).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("请填写分数。"), field="score") from None
    if not value.is_finite() or value != value.quantize(Decimal("0.1")):
        raise DomainError(_("分数最多保留一位小数。"), field="score")
    if not Decimal(0) <= value <= maximum:
        raise DomainError(_("评分应在 0 至 %(m)s 分之间。") % {"m": maximum}, field="score")
    before = {"marker_score": answer.marker_score, "marked_by": answer.marked_by_id}
    answer.marker_score = value
    answer.marked_by = actor.user
    answer.marked_at = timezone.now()
    answer.save(update_fields=["marker_score", "marked_by", "marked_at"])
    _audit(actor, attempt, AuditEvent.Action.UPDATE,
           _("简答题评分：准考证号 %(t)s 第 %(o)d 题 %(s)s 分（满分 %(m)s）") % {
               "t": attempt.ticket_number, "o": answer.paper_item.order, "s": value, "m": maximum},
           before=before if before["marker_score"] is not None else None,
           after={"answer": answer.pk, "marker_score": value}, organisation_id=session.batch.organisation_id)
    return answer


def objective_recount(attempt: Attempt) -> Decimal:
    """The objective score recomputed from the stored responses and the key."""
    total = Decimal(0)
    answers = {a.paper_item_id: a for a in Answer.objects.filter(attempt=attempt)}
    for paper_item in _paper_items(attempt).select_related("item"):
        if paper_item.item.kind in OBJECTIVE_KINDS:
            answer = answers.get(paper_item.pk)
            total += auto_score(paper_item.item.kind, paper_item.item.answer,
                                answer.response if answer else None, paper_item.score) or 0
    return total


@transaction.atomic
def attempt_confirm(*, actor: Actor, attempt: Attempt) -> Attempt:
    """A marker confirms the attempt's score: every short answer must be marked, and the
    stored objective score must equal a recount from the responses and the key (so a
    silent change is caught, never silently fixed). Only a confirmed total counts."""
    attempt = _attempt_for_update(attempt)
    session = ExamSession.objects.select_related("batch").get(pk=attempt.session_id)
    _require_staff(actor, session.batch.organisation_id, Perm.EXAM_MARK)
    if attempt.status not in FINISHED:
        raise DomainError(_("考生尚未交卷，不能确认成绩。"))
    if attempt.confirmed_at is not None:
        raise DomainError(_("该考生成绩已于 %(t)s 确认。") % {"t": _local(attempt.confirmed_at)})
    shorts = list(_short_answers(attempt))
    unmarked = [a for a in shorts if _needs_marker(a)]
    if unmarked:
        raise DomainError(_("还有 %(n)d 道简答题未评分，评分完成后才能确认。") % {"n": len(unmarked)})
    recount = objective_recount(attempt)
    if attempt.objective_score != recount:
        raise DomainError(_("客观题得分（%(a)s）与按标准答案重新核算的结果（%(b)s）不一致，请联系管理员核查。") % {
            "a": attempt.objective_score, "b": recount})
    subjective = sum((a.marker_score if a.marker_score is not None else (a.auto_score or Decimal(0))
                      for a in shorts), Decimal(0))
    attempt.subjective_score = subjective
    attempt.confirmed_at = timezone.now()
    attempt.confirmed_by = actor.user
    attempt.save(update_fields=["subjective_score", "confirmed_at", "confirmed_by", "updated_at"])
    _audit(actor, attempt, AuditEvent.Action.TRANSITION,
           _("复核确认机考成绩：准考证号 %(t)s，客观题 %(o)s 分，主观题 %(s)s 分，合计 %(x)s 分") % {
               "t": attempt.ticket_number, "o": attempt.objective_score, "s": subjective,
               "x": attempt.total_score},
           after={"objective_score": attempt.objective_score, "subjective_score": subjective,
                  "total_score": attempt.total_score}, organisation_id=session.batch.organisation_id)
    return attempt


# ---------------------------------------------------------------------------------------------
# Reads the pages share (scoped by the caller: the attempt comes from the candidate's own
# exam session, the session from `exam_session_get_for_actor`)


@dataclass(frozen=True)
class Question:
    """One item as the candidate sees it: never the key."""

    number: int
    paper_item_id: int
    kind: str
    kind_label: str
    stem: str
    options: list[dict]
    score: Decimal
    response: Any
    version: int

    @property
    def answered(self) -> bool:
        return self.response not in (None, "", [])


def attempt_questions(attempt: Attempt) -> list[Question]:
    answers = {a.paper_item_id: a for a in Answer.objects.filter(attempt=attempt).only(
        "paper_item_id", "response", "version")}
    questions: list[Question] = []
    for paper_item in _paper_items(attempt).select_related("item").only(
            "pk", "order", "score", "item__kind", "item__stem", "item__options").order_by("order"):
        answer = answers.get(paper_item.pk)
        item = paper_item.item
        questions.append(Question(
            number=len(questions) + 1, paper_item_id=paper_item.pk, kind=item.kind,
            kind_label=str(ItemKind(item.kind).label), stem=item.stem,
            options=[{"key": str(o.get("key")), "text": str(o.get("text", ""))} for o in item.options or []
                     if isinstance(o, dict)],
            score=paper_item.score, response=answer.response if answer else None,
            version=answer.version if answer else 0))
    return questions


def marking_queue(session: ExamSession, *, include_marked: bool = False):
    """Short answers of the session's handed-in, unconfirmed attempts that a marker must
    score (with the marked ones too when asked)."""
    qs = Answer.objects.filter(
        attempt__session=session, attempt__status__in=FINISHED, attempt__confirmed_at__isnull=True,
        paper_item__item__kind=ItemKind.SHORT).select_related(
        "attempt", "paper_item__item", "marked_by").order_by("paper_item__order", "attempt__ticket_number")
    condition = Q(auto_score__isnull=True)
    if not include_marked:
        condition &= Q(marker_score__isnull=True)
    return qs.filter(condition)


def attempt_ready_to_confirm(attempt: Attempt) -> bool:
    return (attempt.status in FINISHED and attempt.confirmed_at is None
            and not any(_needs_marker(a) for a in _short_answers(attempt)))


def session_counts(session: ExamSession) -> dict[str, int]:
    counts = dict.fromkeys(Status.values, 0)
    for status, n in session.attempts.order_by().values_list("status").annotate(n=Count("pk")):
        counts[status] = n
    counts["confirmed"] = session.attempts.filter(confirmed_at__isnull=False).count()
    counts["to_mark"] = marking_queue(session).count()
    return counts
