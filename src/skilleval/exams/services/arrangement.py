"""Rooms and staff (考场设置及编排、人员安排) [SD 4(5)1–2; DOMAIN.md §3.6, §4].

- Sites (考点) and rooms (考场) with their seat capacity, per organisation.
- The rooms of a session, declared conflicts (回避申报) and the link between a roster
  member and their own login.
- `arrangement_run`: the automatic arrangement of a whole batch. Candidates go to the
  sessions of their occupation-level (one per part: theory, practical, review), to rooms
  and seats within capacity; staff go to duties: one site head per site in use
  (`heads_per_site`), at least `min_proctors_per_room` proctors per theory and practical
  room, an odd panel of at least `min_examiners_per_candidate` examiners with exactly one
  leader per practical and review room (组长负责制), one quality supervisor per session.
  Each person holds only the duty of their roster role, is never in two places at once
  (a site head may head the same site for sessions running side by side there: one head
  per site), examiners rotate (轮换制: never the same room twice in a batch), and nobody
  serves the room (supervisors: the session; heads: the site) of a candidate they
  declared a conflict with (回避制). Candidates without a declared conflict are seated
  greedily room by room; the room of a candidate with a conflict is left to the solver
  (OR-Tools CP-SAT), so they can be moved away from the person they must avoid.
- When no arrangement exists, the run says which requirement cannot be met: cheap
  counts first (seats, people per time slot), then the solver's assumptions on named
  constraint groups, shrunk to a minimal set. Nothing is written then.
- Manual adjustment afterwards (move a candidate, add, replace, swap or remove a staff
  member, name the panel leader) with the same checks, and `arrangement_problems`, which
  inspects the stored rows against every rule.

Which rows a run replaces: sessions that have ended are left as they are (their staff
are busy during them); sessions under way keep their candidates and every staff row, and
only missing duties are filled; sessions not yet started are planned again: candidates
keep their ticket and paper but get their room and seat anew (a seat moved by hand is
therefore moved again; the run says so before it starts), automatic staff rows are
replaced, and rows set by hand are kept when they still fit (their room is in use and
the person is free), otherwise dropped and listed in the result."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.accounts.models import Membership
from skilleval.accounts.models import Role as AccountRole
from skilleval.batches.models import Application, Batch, BatchStaff
from skilleval.core.audit import audit_record, snapshot
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.core.tabular import write_xlsx
from skilleval.orgs.services import profile_for

from ..models import Attempt, ExamRoom, ExamSession, ExamSite, RoomKind, StaffAssignment, StaffConflict
from . import cbt

if TYPE_CHECKING:
    from ortools.sat.python import cp_model
else:
    class _Lazy:
        """OR-Tools takes seconds to import: load it on the first run, not with the URLs."""

        def __getattr__(self, name: str) -> Any:
            return getattr(import_module("ortools.sat.python.cp_model"), name)

    cp_model = _Lazy()

Duty = StaffAssignment.Duty
StaffRole = BatchStaff.Role
Kind = ExamSession.Kind

ROLE_DUTIES: dict[str, tuple[str, ...]] = {
    StaffRole.HEAD: (Duty.SITE_HEAD,), StaffRole.PROCTOR: (Duty.PROCTOR,),
    StaffRole.EXAMINER: (Duty.EXAMINER, Duty.LEADER), StaffRole.SUPERVISOR: (Duty.SUPERVISOR,),
}
DUTY_ROLE: dict[str, str] = {duty: role for role, duties in ROLE_DUTIES.items() for duty in duties}
ROOM_DUTIES = frozenset({Duty.PROCTOR, Duty.EXAMINER, Duty.LEADER})
PANEL_DUTIES = frozenset({Duty.EXAMINER, Duty.LEADER})
PROCTORED_KINDS = frozenset({Kind.THEORY_CBT, Kind.THEORY_PAPER, Kind.PRACTICAL})  # rooms with proctors
PANEL_KINDS = frozenset({Kind.PRACTICAL, Kind.REVIEW})  # rooms with an examiner panel
ACCOUNT_ROLES: dict[str, frozenset[str]] = {  # whose login may be linked to a roster role
    StaffRole.HEAD: frozenset({AccountRole.ORG_ADMIN, AccountRole.EXAM_AFFAIRS}),
    StaffRole.PROCTOR: frozenset({AccountRole.PROCTOR}),
    StaffRole.EXAMINER: frozenset({AccountRole.EXAMINER}),
    StaffRole.SUPERVISOR: frozenset({AccountRole.QUALITY_SUPERVISOR}),
}
MAX_ROOM_CAPACITY = 999
SUPERVISORS_PER_SESSION = 1  # "internal quality supervisors per session": the seeds give no number
SOLVER_SECONDS = 120.0
FAST_SECONDS = 20.0
EXPLAIN_SECONDS = 30.0
MAX_REASONS = 6


def _require_affairs(actor: Actor, organisation_id: int) -> None:
    actor.require(Perm.BATCH_MANAGE)
    if actor.organisation_id != organisation_id:
        raise DomainError(_("您只能办理本单位的考务。"))


def _audit(actor: Actor, obj: Any, action: str, summary: str, *, organisation_id: int,
           before: dict | None = None, after: dict | None = None) -> None:
    audit_record(actor=actor, action=action, obj=obj, summary=summary, before=before, after=after,
                 organisation_id=organisation_id)


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _names(values: Iterable[str], limit: int = 5) -> str:
    values = list(values)
    text = "、".join(values[:limit])
    return text + (_("等 %(n)d 个") % {"n": len(values)} if len(values) > limit else "")


@dataclass(frozen=True)
class Rules:
    """The policy numbers of an arrangement, from the organisation's jurisdiction profile."""

    proctors_per_room: int
    heads_per_site: int
    panel_size: int  # the smallest odd number >= min_examiners_per_candidate
    supervisors_per_session: int = SUPERVISORS_PER_SESSION


def rules_for(batch: Batch) -> Rules:
    profile = profile_for(batch.organisation)
    examiners = max(1, profile.min_examiners_per_candidate)
    return Rules(proctors_per_room=profile.min_proctors_per_room, heads_per_site=max(1, profile.heads_per_site),
                 panel_size=examiners if examiners % 2 else examiners + 1)


def panel_total(rules: Rules, present: int) -> int:
    """The panel size a room needs when `present` examiners are already set: at least the
    profile's, and odd."""
    total = max(rules.panel_size, present)
    return total if total % 2 else total + 1


# ---------------------------------------------------------------------------------------------
# Sites and rooms


def _clean_text(value: Any, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("请填写%(l)s。") % {"l": label}, field=field)
    if len(text) > max_length:
        raise DomainError(_("%(l)s不能超过 %(n)d 个字。") % {"l": label, "n": max_length}, field=field)
    return text


@transaction.atomic
def site_create(*, actor: Actor, name: str, address: str = "") -> ExamSite:
    """A new exam site (考点) of the actor's organisation."""
    if not actor.organisation_id:
        raise DomainError(_("您只能办理本单位的考务。"))
    _require_affairs(actor, actor.organisation_id)
    name = _clean_text(name, field="name", label=_("考点名称"), max_length=100)
    address = _clean_text(address, field="address", label=_("地址"), max_length=200, required=False)
    if ExamSite.objects.filter(organisation_id=actor.organisation_id, name=name).exists():
        raise DomainError(_("考点“%(n)s”已存在。") % {"n": name}, field="name")
    site = ExamSite.objects.create(organisation_id=actor.organisation_id, name=name, address=address)
    _audit(actor, site, AuditEvent.Action.CREATE, _("新增考点：%(n)s") % {"n": name}, after=snapshot(site),
           organisation_id=site.organisation_id)
    return site


@transaction.atomic
def site_update(*, actor: Actor, site: ExamSite, name: str, address: str = "") -> ExamSite:
    site = ExamSite.objects.select_for_update().get(pk=site.pk)
    _require_affairs(actor, site.organisation_id)
    before = snapshot(site)
    name = _clean_text(name, field="name", label=_("考点名称"), max_length=100)
    address = _clean_text(address, field="address", label=_("地址"), max_length=200, required=False)
    if ExamSite.objects.filter(organisation_id=site.organisation_id, name=name).exclude(pk=site.pk).exists():
        raise DomainError(_("考点“%(n)s”已存在。") % {"n": name}, field="name")
    site.name, site.address = name, address
    site.save(update_fields=["name", "address", "updated_at"])
    _audit(actor, site, AuditEvent.Action.UPDATE, _("修改考点：%(n)s") % {"n": name}, before=before,
           after=snapshot(site), organisation_id=site.organisation_id)
    return site


@dataclass
class RoomData:
    name: str = ""
    kind: str = RoomKind.THEORY
    capacity: Any = None
    has_video: bool = True
    notes: str = ""


def _clean_room(data: RoomData) -> RoomData:
    name = _clean_text(data.name, field="name", label=_("考场名称"), max_length=100)
    if data.kind not in RoomKind.values:
        raise DomainError(_("请选择考场类型。"), field="kind")
    try:
        capacity = int(data.capacity)
    except (TypeError, ValueError):
        raise DomainError(_("请填写座位数（整数）。"), field="capacity") from None
    if not 1 <= capacity <= MAX_ROOM_CAPACITY:
        raise DomainError(_("座位数应在 1 至 %(n)d 之间。") % {"n": MAX_ROOM_CAPACITY}, field="capacity")
    notes = _clean_text(data.notes, field="notes", label=_("说明"), max_length=200, required=False)
    if not data.has_video and not notes:
        raise DomainError(_("未配备电子监控的考场，请在说明中写明保证全程留痕的措施。"), field="notes")
    return RoomData(name=name, kind=data.kind, capacity=capacity, has_video=bool(data.has_video), notes=notes)


@transaction.atomic
def room_create(*, actor: Actor, site: ExamSite, data: RoomData) -> ExamRoom:
    _require_affairs(actor, site.organisation_id)
    clean = _clean_room(data)
    if ExamRoom.objects.filter(site=site, name=clean.name).exists():
        raise DomainError(_("考点“%(s)s”已有考场“%(n)s”。") % {"s": site.name, "n": clean.name}, field="name")
    room = ExamRoom.objects.create(site=site, name=clean.name, kind=clean.kind, capacity=clean.capacity,
                                   has_video=clean.has_video, notes=clean.notes)
    _audit(actor, room, AuditEvent.Action.CREATE, _("新增考场：%(r)s（%(k)s，%(c)d 座）") % {
        "r": room, "k": room.get_kind_display(), "c": room.capacity}, after=snapshot(room),
        organisation_id=site.organisation_id)
    return room


@transaction.atomic
def room_update(*, actor: Actor, room: ExamRoom, data: RoomData, now: dt.datetime | None = None) -> ExamRoom:
    """Edit a room. Its seats cannot drop below a seat number already given in a session
    that has not ended, and its kind cannot change while sessions of another kind use it."""
    room = ExamRoom.objects.select_for_update(of=("self",)).select_related("site").get(pk=room.pk)
    _require_affairs(actor, room.site.organisation_id)
    now = now or timezone.now()
    clean = _clean_room(data)
    if ExamRoom.objects.filter(site=room.site, name=clean.name).exclude(pk=room.pk).exists():
        raise DomainError(_("考点“%(s)s”已有考场“%(n)s”。") % {"s": room.site.name, "n": clean.name}, field="name")
    if clean.kind != room.kind:
        other = room.sessions.filter(ends_at__gt=now).exclude(
            kind__in=[k for k, part in cbt.SESSION_PARTS.items() if cbt.PART_ROOM_KINDS[part] == clean.kind]).first()
        if other is not None:
            raise DomainError(_("考场“%(r)s”已用于场次“%(s)s”（%(k)s），不能改为%(n)s。") % {
                "r": room, "s": other.name, "k": other.get_kind_display(), "n": RoomKind(clean.kind).label},
                field="kind")
    busiest = Attempt.objects.filter(room=room, session__ends_at__gt=now).values("session__name").annotate(
        top=Max("seat"), n=Count("pk")).order_by("-top").first()
    if busiest is not None and busiest["top"] and busiest["top"] > clean.capacity:
        raise DomainError(_("考场“%(r)s”在场次“%(s)s”已编排考生 %(n)d 人、座位号排到 %(t)d，座位数不能少于 %(t)d；"
                            "请先调整考生座位。") % {"r": room, "s": busiest["session__name"], "n": busiest["n"],
                                            "t": busiest["top"]}, field="capacity")
    before = snapshot(room)
    room.name, room.kind, room.capacity = clean.name, clean.kind, clean.capacity
    room.has_video, room.notes = clean.has_video, clean.notes
    room.save(update_fields=["name", "kind", "capacity", "has_video", "notes", "updated_at"])
    _audit(actor, room, AuditEvent.Action.UPDATE, _("修改考场：%(r)s") % {"r": room}, before=before,
           after=snapshot(room), organisation_id=room.site.organisation_id)
    return room


@transaction.atomic
def session_rooms_set(*, actor: Actor, session: ExamSession, rooms: Iterable[ExamRoom],
                      now: dt.datetime | None = None) -> ExamSession:
    """Change the rooms of a session that has not started. A room that has candidates
    cannot be taken away; staff set for a room taken away go with it."""
    session = ExamSession.objects.select_for_update(of=("self",)).select_related("batch").get(pk=session.pk)
    _require_affairs(actor, session.batch.organisation_id)
    now = now or timezone.now()
    if now >= session.starts_at:
        raise DomainError(_("场次“%(s)s”已开考，不能再调整考场。") % {"s": session.name})
    rooms = list(rooms or [])
    if not rooms:
        raise DomainError(_("请选择考场。"), field="rooms")
    room_kind = cbt.PART_ROOM_KINDS[cbt.SESSION_PARTS[session.kind]]
    for room in rooms:
        if room.site.organisation_id != session.batch.organisation_id:
            raise DomainError(_("考场“%(r)s”不属于本机构。") % {"r": room}, field="rooms")
        if room.kind != room_kind:
            raise DomainError(_("%(s)s应安排在%(w)s，“%(r)s”是%(k)s。") % {
                "s": session.get_kind_display(), "w": RoomKind(room_kind).label, "r": room,
                "k": room.get_kind_display()}, field="rooms")
    before = sorted(session.rooms.values_list("pk", flat=True))
    removed = set(before) - {r.pk for r in rooms}
    seated = (Attempt.objects.filter(session=session, room_id__in=removed).values("room").annotate(n=Count("pk"))
              .order_by("room__name").first())
    if seated is not None:
        room = ExamRoom.objects.select_related("site").get(pk=seated["room"])
        raise DomainError(_("考场“%(r)s”已编排考生 %(n)d 人，请先将考生调到其他考场或重新自动编排。") % {
            "r": room, "n": seated["n"]}, field="rooms")
    dropped = StaffAssignment.objects.filter(session=session, room_id__in=removed)
    dropped_count = dropped.count()
    dropped.delete()
    session.rooms.set(rooms)
    _audit(actor, session, AuditEvent.Action.UPDATE, _("调整场次考场：%(s)s（%(r)s）%(d)s") % {
        "s": session.name, "r": "、".join(str(r) for r in rooms),
        "d": _("，移除该考场的考务人员 %(n)d 人次") % {"n": dropped_count} if dropped_count else ""},
        before={"rooms": before}, after={"rooms": sorted(r.pk for r in rooms)},
        organisation_id=session.batch.organisation_id)
    return session


# ---------------------------------------------------------------------------------------------
# Declared conflicts and the roster's logins


def _may_declare_for(actor: Actor, staff: BatchStaff) -> bool:
    own = staff.user_id is not None and actor.user is not None and staff.user_id == actor.user.pk
    return own or (actor.has(Perm.BATCH_MANAGE) and actor.organisation_id == staff.batch.organisation_id)


@transaction.atomic
def conflict_declare(*, actor: Actor, staff: BatchStaff, application: Application, kind: str,
                     note: str = "") -> StaffConflict:
    """A staff member's conflict with a candidate (回避申报), declared by exam affairs or by
    the staff member through their own login. The arrangement keeps them out of the
    candidate's room from then on; a stored arrangement that breaks it is listed among
    the arrangement's problems until it is run again or adjusted."""
    batch = Batch.objects.select_for_update().get(pk=staff.batch_id)
    staff = BatchStaff.objects.select_related("batch").get(pk=staff.pk)
    if not _may_declare_for(actor, staff):
        raise PermissionDenied(_("您只能为本人申报回避，或由考务人员代为登记。"))
    if application.batch_id != batch.pk:
        raise DomainError(_("考生“%(a)s”不是本批次的考生。") % {"a": application.name}, field="application")
    if application.status == Application.Status.WITHDRAWN:
        raise DomainError(_("考生“%(a)s”的报名已撤回。") % {"a": application.name}, field="application")
    if kind not in StaffConflict.Kind.values:
        raise DomainError(_("请选择回避事由。"), field="kind")
    note = _clean_text(note, field="note", label=_("说明"), max_length=200, required=False)
    if kind == StaffConflict.Kind.OTHER and not note:
        raise DomainError(_("“其他”回避事由请写明具体关系。"), field="note")
    if StaffConflict.objects.filter(staff=staff, application=application).exists():
        raise DomainError(_("%(s)s 与考生 %(a)s 的回避关系已申报。") % {"s": staff.name, "a": application.name},
                          field="application")
    conflict = StaffConflict.objects.create(batch=batch, staff=staff, application=application, kind=kind, note=note)
    _audit(actor, conflict, AuditEvent.Action.CREATE, _("申报回避：%(r)s %(s)s — 考生 %(a)s（%(k)s）") % {
        "r": staff.get_role_display(), "s": staff.name, "a": application.name, "k": conflict.get_kind_display()},
        after=snapshot(conflict), organisation_id=batch.organisation_id)
    return conflict


@transaction.atomic
def conflict_withdraw(*, actor: Actor, conflict: StaffConflict) -> None:
    conflict = StaffConflict.objects.select_related("staff__batch", "application").get(pk=conflict.pk)
    if not _may_declare_for(actor, conflict.staff):
        raise PermissionDenied(_("您只能撤回本人的回避申报。"))
    _audit(actor, conflict, AuditEvent.Action.DELETE, _("撤回回避申报：%(s)s — 考生 %(a)s") % {
        "s": conflict.staff.name, "a": conflict.application.name}, before=snapshot(conflict),
        organisation_id=conflict.batch.organisation_id)
    conflict.delete()


def conflict_clashes(conflict: StaffConflict) -> list[str]:
    """Where the stored arrangement puts the staff member with the candidate."""
    return [p for p in arrangement_problems(conflict.batch) if conflict.staff.name in p and
            conflict.application.name in p]


@transaction.atomic
def staff_account_link(*, actor: Actor, staff: BatchStaff, user: Any | None) -> BatchStaff:
    """Link a roster member to the login they use, so they see their own duties and may
    declare their own conflicts (None unlinks)."""
    staff = BatchStaff.objects.select_for_update(of=("self",)).select_related("batch").get(pk=staff.pk)
    _require_affairs(actor, staff.batch.organisation_id)
    if user is not None:
        roles = set(Membership.objects.filter(user=user, organisation_id=staff.batch.organisation_id,
                                              is_active=True).values_list("role", flat=True))
        if not roles & ACCOUNT_ROLES[staff.role]:
            raise DomainError(_("账号“%(u)s”不是本单位的%(r)s账号，不能关联到%(s)s。") % {
                "u": user.get_username(), "r": "、".join(str(AccountRole(r).label) for r in
                                                        sorted(ACCOUNT_ROLES[staff.role])),
                "s": staff}, field="user")
        taken = staff.batch.staff.filter(user=user).exclude(pk=staff.pk).first()
        if taken is not None:
            raise DomainError(_("账号“%(u)s”已关联到本批次的%(s)s。") % {"u": user.get_username(), "s": taken},
                              field="user")
    before = snapshot(staff, ["user_id"])
    staff.user = user
    staff.save(update_fields=["user", "updated_at"])
    _audit(actor, staff.batch, AuditEvent.Action.UPDATE, _("%(s)s %(d)s") % {
        "s": staff, "d": _("关联登录账号 %(u)s") % {"u": user.get_username()} if user else _("取消关联登录账号")},
        before=before, after=snapshot(staff, ["user_id"]), organisation_id=staff.batch.organisation_id)
    return staff


# ---------------------------------------------------------------------------------------------
# The automatic arrangement: what it reads


class ArrangementInfeasible(DomainError):
    """No arrangement meets every rule; `reasons` name the requirements that cannot all be met."""

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)[:MAX_REASONS]
        super().__init__(_("无法完成自动编排：%(r)s。") % {"r": "；".join(self.reasons)})


@dataclass
class ArrangementResult:
    seed: int
    sessions: int  # sessions arranged (with candidates)
    seats: int  # candidates' places in those sessions
    new_attempts: int
    staff_rows: int  # staff duties stored for those sessions
    kept_manual: int
    dropped_manual: list[str]
    notices: list[str]
    seconds: float
    solver_seconds: float
    variables: int

    @property
    def summary(self) -> str:
        return _("已完成自动编排：%(s)d 个场次，考生 %(c)d 人次（新编排 %(n)d 人次），考务人员 %(t)d 人次；"
                 "随机种子 %(seed)d，用时 %(sec).1f 秒。") % {
            "s": self.sessions, "c": self.seats, "n": self.new_attempts, "t": self.staff_rows, "seed": self.seed,
            "sec": self.seconds}


@dataclass(eq=False)
class _Room:
    pk: int
    name: str
    site_id: int
    site_name: str
    capacity: int

    @property
    def label(self) -> str:
        return f"{self.site_name} {self.name}"


@dataclass(eq=False)
class _Session:
    pk: int
    name: str
    kind: str
    item_id: int
    item_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    rooms: list[_Room]
    started: bool
    seated: dict[int, list[int]] = field(default_factory=dict)  # room -> applications whose room is set
    movable: list[int] = field(default_factory=list)  # applications whose room the solver chooses
    members: list[int] = field(default_factory=list)  # applications placed in the session this run

    @property
    def part(self) -> str:
        return cbt.SESSION_PARTS[self.kind]

    @property
    def proctored(self) -> bool:
        return self.kind in PROCTORED_KINDS

    @property
    def has_panels(self) -> bool:
        return self.kind in PANEL_KINDS

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.starts_at < end and start < self.ends_at

    def free(self, room: _Room) -> int:
        return room.capacity - len(self.seated.get(room.pk, ()))

    def possible_rooms(self) -> list[_Room]:
        """Rooms that are or may be in use: with candidates, or with seats for a movable one."""
        return [r for r in self.rooms if self.seated.get(r.pk) or (self.movable and self.free(r) > 0)]

    def rooms_in_use(self) -> int:
        used = sum(1 for r in self.rooms if self.seated.get(r.pk))
        return used or (1 if self.movable else 0)

    def sites_in_use(self) -> set[int]:
        return {r.site_id for r in self.rooms if self.seated.get(r.pk)} or (
            {self.rooms[0].site_id} if self.movable and len({r.site_id for r in self.rooms}) == 1 else set())

    @property
    def has_candidates(self) -> bool:
        return bool(self.movable) or any(self.seated.values())


@dataclass(eq=False)
class _Person:
    pk: int
    name: str
    role: str
    busy: list[tuple[dt.datetime, dt.datetime, str]] = field(default_factory=list)
    served_rooms: set[int] = field(default_factory=set)  # panel rooms of sessions that have ended

    @property
    def label(self) -> str:
        return f"{StaffRole(self.role).label} {self.name}"

    def busy_with(self, session: _Session) -> str | None:
        for start, end, what in self.busy:
            if session.overlaps(start, end):
                return what
        return None


@dataclass
class _Kept:
    """A stored staff row the run keeps: `hard` in a session under way, else a row set by hand."""

    pk: int
    session: int
    person: int
    duty: str
    site: int | None
    room: int | None
    hard: bool
    text: str


@dataclass
class _Group:
    """A named constraint group: its assumption literal tells the solver to enforce it."""

    kind: str  # proctors | panel | head | supervisor | recusal | rotation | kept
    text: str
    role: str = ""
    need: int = 0
    sessions: tuple[_Session, ...] = ()
    persons: frozenset[int] = frozenset()
    where: str = ""
    application: int = 0


ROLE_WORDS: dict[str, str] = {StaffRole.HEAD: _("考点负责人（主考）"), StaffRole.PROCTOR: _("监考人员"),
              StaffRole.EXAMINER: _("考评员"), StaffRole.SUPERVISOR: _("质量督导员")}
PART_WORDS = {"theory": _("理论知识考试"), "practical": _("操作技能考核"), "review": _("综合评审")}


def _role_word(role: str) -> str:
    return str(ROLE_WORDS[role])


class _Arrangement:
    """One run: read the batch, place the candidates, check the counts, solve, write."""

    def __init__(self, *, actor: Actor, batch: Batch, rules: Rules, now: dt.datetime, seed: int):
        self.actor, self.batch, self.rules, self.now, self.seed = actor, batch, rules, now, seed
        self.sessions: list[_Session] = []  # not ended
        self.ended: list[_Session] = []
        self.persons: dict[int, _Person] = {}
        self.kept: list[_Kept] = []
        self.dropped: list[str] = []
        self.notices: list[str] = []
        self.conflicts: list[tuple[int, int, str]] = []  # (person, application, kind label)
        self.app_names: dict[int, str] = {}
        self.attempts: dict[tuple[int, int], int] = {}  # (session, application) -> attempt
        self.where: dict[int, list[tuple[_Session, int | None]]] = defaultdict(list)  # application -> places

    # -- reading ------------------------------------------------------------------------------

    def load(self) -> None:
        sessions = (self.batch.exam_sessions.select_related("batch_item__occupation", "batch_item__work_type",
                                                             "batch_item__level")
                    .prefetch_related("rooms__site").order_by("starts_at", "pk"))
        for s in sessions:
            rooms = sorted((_Room(r.pk, r.name, r.site_id, r.site.name, r.capacity) for r in s.rooms.all()),
                           key=lambda r: (r.site_name, r.name, r.pk))
            item = _Session(s.pk, s.name, s.kind, s.batch_item_id, str(s.batch_item), s.starts_at, s.ends_at, rooms,
                            started=s.starts_at <= self.now)
            (self.ended if s.ends_at <= self.now else self.sessions).append(item)
        self.by_pk = {s.pk: s for s in [*self.sessions, *self.ended]}
        for pk, name, role in self.batch.staff.values_list("pk", "name", "role"):
            self.persons[pk] = _Person(pk, name, role)
        self._busy_elsewhere()
        self.conflicts = [(staff, app, str(StaffConflict.Kind(kind).label)) for staff, app, kind in
                          StaffConflict.objects.filter(batch=self.batch).values_list("staff_id", "application_id",
                                                                                     "kind")]
        self._kept_rows()

    def _busy_elsewhere(self) -> None:
        """Windows in which roster members are busy: ended sessions of this batch, and any
        session of another batch where the same person (by ID number) has a duty."""
        active = self.sessions
        for row in StaffAssignment.objects.filter(session__batch=self.batch, session__ends_at__lte=self.now).values(
                "staff_id", "session_id", "room_id", "duty"):
            person, session = self.persons.get(row["staff_id"]), self.by_pk[row["session_id"]]
            if person is None:
                continue
            person.busy.append((session.starts_at, session.ends_at, _("场次“%(s)s”") % {"s": session.name}))
            if row["duty"] in PANEL_DUTIES and row["room_id"]:
                person.served_rooms.add(row["room_id"])
        if not active:
            return
        ids = dict(self.batch.staff.values_list("id_number", "pk"))
        first, last = min(s.starts_at for s in active), max(s.ends_at for s in active)
        for number, start, end, name, batch_name in StaffAssignment.objects.filter(
                staff__id_number__in=list(ids), session__starts_at__lt=last, session__ends_at__gt=first).exclude(
                session__batch=self.batch).values_list("staff__id_number", "session__starts_at", "session__ends_at",
                                                       "session__name", "session__batch__name"):
            self.persons[ids[number]].busy.append(
                (start, end, _("批次“%(b)s”场次“%(s)s”") % {"b": batch_name, "s": name}))

    def _kept_rows(self) -> None:
        """Rows of sessions under way are kept as they are; rows set by hand in sessions not
        yet started are kept when they still fit (checked again once candidates are placed)."""
        active = {s.pk: s for s in self.sessions}
        rows = StaffAssignment.objects.filter(session_id__in=list(active)).values_list(
            "pk", "session_id", "staff_id", "duty", "site_id", "room_id", "source")
        for pk, session_id, staff_id, duty, site_id, room_id, source in rows:
            session, person = active[session_id], self.persons.get(staff_id)
            if person is None:
                continue
            text = self._row_text(session, person, duty, site_id, room_id)
            if session.started:
                self.kept.append(_Kept(pk, session_id, staff_id, duty, site_id, room_id, True, text))
            elif source == StaffAssignment.Source.MANUAL:
                self.kept.append(_Kept(pk, session_id, staff_id, duty, site_id, room_id, False, text))

    def _row_text(self, session: _Session, person: _Person, duty: str, site_id: int | None,
                  room_id: int | None) -> str:
        room = next((r for r in session.rooms if r.pk == room_id), None)
        site = next((r.site_name for r in session.rooms if r.site_id == site_id), "")
        where = _("考场“%(r)s”") % {"r": room.label} if room else (_("考点“%(s)s”") % {"s": site} if site else "")
        return _("%(p)s 任场次“%(s)s”%(w)s%(d)s") % {"p": person.name, "s": session.name, "w": where,
                                                 "d": Duty(duty).label}

    # -- cheap checks and the candidates' places -----------------------------------------------

    def check_rooms(self) -> None:
        """A room hosts one session at a time."""
        reasons = []
        for i, a in enumerate(self.sessions):
            for b in self.sessions[i + 1:]:
                if not a.overlaps(b.starts_at, b.ends_at):
                    continue
                shared = {r.pk: r for r in a.rooms}.keys() & {r.pk for r in b.rooms}
                for room in (r for r in a.rooms if r.pk in shared):
                    reasons.append(_("考场“%(r)s”同时用于时间重叠的场次“%(a)s”和“%(b)s”，同一考场同一时段只能安排一个场次")
                                   % {"r": room.label, "a": a.name, "b": b.name})
        if reasons:
            raise ArrangementInfeasible(reasons)

    def place_candidates(self) -> None:
        """Each accepted candidate gets one session of every part of their occupation-level
        that has sessions, never two at once; then a room: greedily room by room, except
        candidates with a declared conflict, whose room the solver picks."""
        apps = list(Application.objects.filter(batch=self.batch, status=Application.Status.ACCEPTED).order_by(
            "number").values_list("pk", "item_id", "name", "number"))
        self.app_names = {pk: name for pk, _item, name, _n in apps}
        numbers = {pk: number for pk, _item, _name, number in apps}
        conflicted = {app for _p, app, _k in self.conflicts}
        timeline: dict[int, list[_Session]] = defaultdict(list)
        done: set[tuple[int, str]] = set()
        pinned: dict[tuple[int, str], _Session] = {}
        for pk, session_id, app, room_id, _seat, status, checked in Attempt.objects.filter(
                session__batch=self.batch).values_list("pk", "session_id", "application_id", "room_id", "seat",
                                                       "status", "checked_in_at"):
            session = self.by_pk[session_id]
            self.attempts[(session_id, app)] = pk
            if session in self.ended:
                done.add((app, session.part))
                timeline[app].append(session)
            elif session.started or status != Attempt.Status.NOT_STARTED or checked is not None:
                done.add((app, session.part))
                timeline[app].append(session)
                if room_id is not None:
                    session.seated.setdefault(room_id, []).append(app)
                    self.where[app].append((session, room_id))
            else:
                pinned[(app, session.part)] = session
        groups: dict[tuple[int, str], list[_Session]] = defaultdict(list)
        for s in self.sessions:
            groups[(s.item_id, s.part)].append(s)
        by_item: dict[int, list[int]] = defaultdict(list)
        for pk, item, _name, _n in apps:
            by_item[item].append(pk)
        reasons: list[str] = []
        for (item, part), sessions in sorted(groups.items(), key=lambda kv: kv[1][0].starts_at):
            future = [s for s in sessions if not s.started]
            waiting = [a for a in by_item[item] if (a, part) not in done]
            if not waiting:
                continue
            if not future:
                self.notices.append(_("“%(i)s”的%(p)s场次均已开考，尚未编排的 %(n)d 名考生未安排。") % {
                    "i": sessions[0].item_label, "p": PART_WORDS[part], "n": len(waiting)})
                continue
            room_left = {s.pk: sum(s.free(r) for r in s.rooms) for s in future}
            if len(waiting) > sum(room_left.values()):
                reasons.append(_("“%(i)s”%(p)s的考场座位不足：场次%(s)s共有空座 %(n)d 个，需编排考生 %(m)d 人，"
                                 "请增加考场或场次") % {
                    "i": sessions[0].item_label, "p": PART_WORDS[part], "s": _names(f"“{s.name}”" for s in future),
                    "n": sum(room_left.values()), "m": len(waiting)})
                continue
            for app in waiting:
                chosen = pinned.get((app, part))  # keeps the session of its ticket when it can
                if chosen is not None and (room_left[chosen.pk] <= 0 or any(
                        chosen.overlaps(o.starts_at, o.ends_at) for o in timeline[app])):
                    chosen = None
                if chosen is None:
                    chosen = next((s for s in future if room_left[s.pk] > 0 and not any(
                        s.overlaps(o.starts_at, o.ends_at) for o in timeline[app])), None)
                if chosen is None:
                    other = next((o for o in timeline[app] if o.part != part), None)
                    reasons.append(_("考生 %(a)s（报名号 %(n)s）无法安排%(p)s：有空座的场次都与其场次“%(o)s”时间重叠") % {
                        "a": self.app_names[app], "n": numbers[app], "p": PART_WORDS[part],
                        "o": other.name if other else "—"})
                    continue
                room_left[chosen.pk] -= 1
                chosen.members.append(app)
                timeline[app].append(chosen)
            for s in future:
                self._fill_rooms(s, conflicted)
        if reasons:
            raise ArrangementInfeasible(reasons)
        for s in self.sessions:
            for room_pk, apps_in_room in s.seated.items():
                for app in apps_in_room:
                    if (s, room_pk) not in self.where[app]:
                        self.where[app].append((s, room_pk))
            for app in s.movable:
                self.where[app].append((s, None))

    def _fill_rooms(self, session: _Session, conflicted: set[int]) -> None:
        rooms = iter(session.rooms)
        room = next(rooms, None)
        for app in session.members:
            if app in conflicted:
                session.movable.append(app)
                continue
            while room is not None and session.free(room) <= 0:
                room = next(rooms, None)
            if room is None:  # the movable ones take the seats left; counted before
                session.movable.append(app)
                continue
            session.seated.setdefault(room.pk, []).append(app)

    def cliques(self) -> list[list[_Session]]:
        """The sets of sessions running at the same time (maximal, at each start)."""
        found: list[frozenset[int]] = []
        for s in self.sessions:
            at = frozenset(t.pk for t in self.sessions if t.starts_at <= s.starts_at < t.ends_at and t.has_candidates)
            if at and at not in found:
                found.append(at)
        maximal = [c for c in found if not any(c < other for other in found)]
        return [[self.by_pk[pk] for pk in sorted(c, key=lambda pk: (self.by_pk[pk].starts_at, pk))] for c in maximal]

    def check_people(self) -> None:
        """Enough people of each role for every session, and for every set of sessions
        running at the same time (each person serves one of them)."""
        reasons: list[str] = []
        by_role: dict[str, list[_Person]] = defaultdict(list)
        for person in self.persons.values():
            by_role[person.role].append(person)
        cliques = self.cliques()
        singles = [[s] for s in self.sessions if s.has_candidates]
        for sessions in [*singles, *[c for c in cliques if len(c) > 1]]:
            for role in (StaffRole.HEAD, StaffRole.PROCTOR, StaffRole.EXAMINER, StaffRole.SUPERVISOR):
                need = self._need(role, sessions)
                free = [p for p in by_role[role] if any(p.busy_with(s) is None for s in sessions)]
                if need > len(free):
                    reasons.append(self._shortage_text(role, sessions, need, len(free)))
        if reasons:
            raise ArrangementInfeasible(list(dict.fromkeys(reasons)))

    def _need(self, role: str, sessions: list[_Session]) -> int:
        if role == StaffRole.HEAD:
            return len(set().union(*(s.sites_in_use() for s in sessions))) * self.rules.heads_per_site
        if role == StaffRole.PROCTOR:
            return sum(s.rooms_in_use() for s in sessions if s.proctored) * self.rules.proctors_per_room
        if role == StaffRole.EXAMINER:
            return sum(s.rooms_in_use() for s in sessions if s.has_panels) * self.rules.panel_size
        return sum(self.rules.supervisors_per_session for s in sessions if s.has_candidates)

    def _shortage_text(self, role: str, sessions: list[_Session], need: int, free: int) -> str:
        word = _role_word(role)
        if len(sessions) == 1:
            s = sessions[0]
            rooms = [r for r in s.rooms if s.seated.get(r.pk)]
            if role == StaffRole.SUPERVISOR:
                where = _("场次“%(s)s”") % {"s": s.name}
            elif role == StaffRole.HEAD:
                sites = sorted({r.site_name for r in rooms})
                where = _("场次“%(s)s”考点%(x)s") % {"s": s.name, "x": _names(f"“{x}”" for x in sites)}
            elif len(rooms) == 1:
                where = _("场次“%(s)s”考场“%(r)s”") % {"s": s.name, "r": rooms[0].label}
            else:
                where = _("场次“%(s)s”的 %(n)d 个考场") % {"s": s.name, "n": max(len(rooms), 1)}
            verb = _("需要") if len(rooms) <= 1 or role in (StaffRole.SUPERVISOR, StaffRole.HEAD) else _("共需要")
        else:
            where = _("同一时段进行的场次%(s)s") % {"s": _names(f"“{s.name}”" for s in sessions)}
            verb = _("共需要")
        return _("%(w)s%(v)s%(r)s %(n)d 名，该时段可用的%(r)s只有 %(f)d 名") % {
            "w": where, "v": verb, "r": word, "n": need, "f": free}

    def check_kept(self) -> None:
        """Rows set by hand stay only where they still fit: their room or site is in use,
        and the person is free and has not served the room before."""
        kept = []
        for row in self.kept:
            if row.hard:
                kept.append(row)
                continue
            session, person = self.by_pk[row.session], self.persons[row.person]
            problem = None
            if not session.has_candidates:
                problem = _("场次无考生")
            elif row.duty in ROOM_DUTIES and row.room not in {r.pk for r in session.possible_rooms()}:
                problem = _("该考场不再使用")
            elif row.duty == Duty.SITE_HEAD and row.site not in {r.site_id for r in session.possible_rooms()}:
                problem = _("该考点不再使用")
            elif row.duty in PANEL_DUTIES and not session.has_panels:
                problem = _("该场次不设考评组")
            elif row.duty == Duty.PROCTOR and not session.proctored:
                problem = _("该场次不设监考人员")
            elif DUTY_ROLE[row.duty] != person.role:
                problem = _("与其考务职责不符")
            elif (busy := person.busy_with(session)) is not None:
                problem = _("同一时段已在%(w)s任职") % {"w": busy}
            elif row.duty in PANEL_DUTIES and row.room in person.served_rooms:
                problem = _("已在该考场执考过（轮换制）")
            if problem:
                self.dropped.append(_("%(t)s：%(p)s，已移除") % {"t": row.text, "p": problem})
            else:
                kept.append(row)
        self.kept = kept


# ---------------------------------------------------------------------------------------------
# The automatic arrangement: the model, one builder per constraint group


class _Model:
    """The CP-SAT model of one run. Every requirement that may fail is a named group with
    an assumption literal (`groups`), so an infeasible model names what cannot be met."""

    def __init__(self, arrangement: _Arrangement):
        self.a = arrangement
        self.rules = arrangement.rules
        self.model = cp_model.CpModel()
        rng = random.Random(arrangement.seed)
        self.pool: dict[str, list[_Person]] = defaultdict(list)  # role -> persons, shuffled by the seed
        for person in sorted(arrangement.persons.values(), key=lambda p: p.pk):
            self.pool[person.role].append(person)
        for persons in self.pool.values():
            rng.shuffle(persons)
        self.kept_people: dict[tuple[int, str, int | None], set[int]] = defaultdict(set)
        for row in arrangement.kept:  # (session, role, room or site) -> persons kept there
            self.kept_people[(row.session, DUTY_ROLE[row.duty], row.room or row.site)].add(row.person)
        self.place: dict[tuple[int, int, int], Any] = {}  # (session, application, room) -> bool
        self.used: dict[tuple[int, int], Any] = {}  # (session, room) -> bool or 1
        self.site_used: dict[tuple[int, int], Any] = {}  # (session, site) -> bool or 1
        self.proctor: dict[tuple[int, int, int], Any] = {}  # (session, room, person)
        self.examiner: dict[tuple[int, int, int], Any] = {}
        self.leader: dict[tuple[int, int, int], Any] = {}
        self.head: dict[tuple[int, int, int], Any] = {}  # (session, site, person)
        self.supervisor: dict[tuple[int, int], Any] = {}  # (session, person)
        self.at: dict[tuple[int, int], list[Any]] = defaultdict(list)  # (person, session) -> their duty vars
        self.groups: dict[int, _Group] = {}
        self.literals: list[Any] = []
        self.optional_rooms: list[Any] = []

    def _group(self, group: _Group) -> Any:
        literal = self.model.new_bool_var(f"group{len(self.literals)}")
        self.literals.append(literal)
        self.groups[literal.index] = group
        return literal

    def _eligible(self, role: str, session: _Session, place: int | None) -> list[_Person]:
        """Persons of `role` free during the session, plus those kept there."""
        kept = self.kept_people.get((session.pk, role, place), set())
        return [p for p in self.pool[role] if p.pk in kept or p.busy_with(session) is None]

    def _duty_var(self, table: dict, key: tuple, person: int, session: int, name: str) -> Any:
        var = self.model.new_bool_var(name)
        table[key] = var
        self.at[(person, session)].append(var)
        return var

    def build(self) -> None:
        sessions = [s for s in self.a.sessions if s.has_candidates]
        for s in sessions:
            self.add_candidate_rooms(s)
        for s in sessions:
            if s.proctored:
                self.add_proctors(s)
            if s.has_panels:
                self.add_panels(s)
            self.add_site_heads(s)
            self.add_supervisors(s)
        self.add_kept_rows()
        self.add_one_place_at_a_time()
        self.add_rotation()
        self.add_recusal()
        for used in self.optional_rooms:  # try first to seat the movable candidates in rooms already in use
            self.model.add_hint(used, False)

    # -- candidates -----------------------------------------------------------------------------

    def add_candidate_rooms(self, s: _Session) -> None:
        """A movable candidate takes exactly one room of the session with a free seat; a room
        is in use when anyone sits in it; a site when one of its rooms is."""
        rooms = s.possible_rooms()
        for app in s.movable:
            choices = []
            for room in rooms:
                if s.free(room) > 0:
                    var = self.model.new_bool_var(f"place_{s.pk}_{app}_{room.pk}")
                    self.place[(s.pk, app, room.pk)] = var
                    choices.append(var)
            self.model.add_exactly_one(choices)
        for room in rooms:
            seated = [self.place[k] for k in ((s.pk, app, room.pk) for app in s.movable) if k in self.place]
            if s.seated.get(room.pk):
                self.used[(s.pk, room.pk)] = 1
            else:
                used = self.model.new_bool_var(f"used_{s.pk}_{room.pk}")
                for var in seated:
                    self.model.add_implication(var, used)
                self.model.add(used <= cp_model.LinearExpr.sum(seated))
                self.used[(s.pk, room.pk)] = used
                self.optional_rooms.append(used)
            if seated:
                self.model.add(cp_model.LinearExpr.sum(seated) <= s.free(room))
        for site in {r.site_id for r in rooms}:
            flags = [self.used[(s.pk, r.pk)] for r in rooms if r.site_id == site]
            if any(isinstance(f, int) for f in flags):
                self.site_used[(s.pk, site)] = 1
            else:
                used = self.model.new_bool_var(f"site_used_{s.pk}_{site}")
                self.model.add_max_equality(used, flags)
                self.site_used[(s.pk, site)] = used

    # -- duties -----------------------------------------------------------------------------------

    def add_proctors(self, s: _Session) -> None:
        """At least `proctors_per_room` proctors in every room in use (exactly that many,
        or the number kept by hand when more)."""
        for room in s.possible_rooms():
            people = self._eligible(StaffRole.PROCTOR, s, room.pk)
            need = max(self.rules.proctors_per_room, len(self.kept_people.get((s.pk, StaffRole.PROCTOR, room.pk), ())))
            where = _("场次“%(s)s”考场“%(r)s”") % {"s": s.name, "r": room.label}
            literal = self._group(_Group("proctors", _("%(w)s需要监考人员 %(n)d 名") % {"w": where, "n": need},
                                         role=StaffRole.PROCTOR, need=need, sessions=(s,), where=where,
                                         persons=frozenset(p.pk for p in people)))
            chosen = [self._duty_var(self.proctor, (s.pk, room.pk, p.pk), p.pk, s.pk, f"pr_{s.pk}_{room.pk}_{p.pk}")
                      for p in people]
            self.model.add(cp_model.LinearExpr.sum(chosen) == need * self.used[(s.pk, room.pk)]).only_enforce_if(
                literal)

    def add_panels(self, s: _Session) -> None:
        """An odd panel of at least `panel_size` examiners in every practical or review room
        in use, with exactly one leader among them (组长负责制)."""
        for room in s.possible_rooms():
            people = [p for p in self._eligible(StaffRole.EXAMINER, s, room.pk) if room.pk not in p.served_rooms or
                      p.pk in self.kept_people.get((s.pk, StaffRole.EXAMINER, room.pk), ())]
            need = panel_total(self.rules, len(self.kept_people.get((s.pk, StaffRole.EXAMINER, room.pk), ())))
            where = _("场次“%(s)s”考场“%(r)s”") % {"s": s.name, "r": room.label}
            literal = self._group(_Group("panel", _("%(w)s需要考评员 %(n)d 名（单数，其中考评组长 1 名）") % {
                "w": where, "n": need}, role=StaffRole.EXAMINER, need=need, sessions=(s,), where=where,
                persons=frozenset(p.pk for p in people)))
            members, leaders = [], []
            for p in people:
                member = self._duty_var(self.examiner, (s.pk, room.pk, p.pk), p.pk, s.pk, f"ex_{s.pk}_{room.pk}_{p.pk}")
                leader = self.model.new_bool_var(f"ld_{s.pk}_{room.pk}_{p.pk}")
                self.leader[(s.pk, room.pk, p.pk)] = leader
                self.model.add_implication(leader, member)
                members.append(member)
                leaders.append(leader)
            used = self.used[(s.pk, room.pk)]
            self.model.add(cp_model.LinearExpr.sum(members) == need * used).only_enforce_if(literal)
            self.model.add(cp_model.LinearExpr.sum(leaders) == used).only_enforce_if(literal)

    def add_site_heads(self, s: _Session) -> None:
        """`heads_per_site` site heads for every site in use."""
        for site in sorted({r.site_id for r in s.possible_rooms()}):
            people = self._eligible(StaffRole.HEAD, s, site)
            need = max(self.rules.heads_per_site, len(self.kept_people.get((s.pk, StaffRole.HEAD, site), ())))
            site_name = next(r.site_name for r in s.rooms if r.site_id == site)
            where = _("场次“%(s)s”考点“%(x)s”") % {"s": s.name, "x": site_name}
            literal = self._group(_Group("head", _("%(w)s需要考点负责人 %(n)d 名") % {"w": where, "n": need},
                                         role=StaffRole.HEAD, need=need, sessions=(s,), where=where,
                                         persons=frozenset(p.pk for p in people)))
            chosen = [self._duty_var(self.head, (s.pk, site, p.pk), p.pk, s.pk, f"hd_{s.pk}_{site}_{p.pk}")
                      for p in people]
            self.model.add(cp_model.LinearExpr.sum(chosen) == need * self.site_used[(s.pk, site)]).only_enforce_if(
                literal)

    def add_supervisors(self, s: _Session) -> None:
        """Internal quality supervisors for every session with candidates."""
        people = self._eligible(StaffRole.SUPERVISOR, s, None)
        need = max(self.rules.supervisors_per_session,
                   len(self.kept_people.get((s.pk, StaffRole.SUPERVISOR, None), ())))
        where = _("场次“%(s)s”") % {"s": s.name}
        literal = self._group(_Group("supervisor", _("%(w)s需要质量督导员 %(n)d 名") % {"w": where, "n": need},
                                     role=StaffRole.SUPERVISOR, need=need, sessions=(s,), where=where,
                                     persons=frozenset(p.pk for p in people)))
        chosen = [self._duty_var(self.supervisor, (s.pk, p.pk), p.pk, s.pk, f"sv_{s.pk}_{p.pk}") for p in people]
        self.model.add(cp_model.LinearExpr.sum(chosen) == need).only_enforce_if(literal)

    def add_kept_rows(self) -> None:
        """Rows of a session under way hold as they are; rows set by hand hold unless the
        solver names them as the obstacle."""
        for row in self.a.kept:
            var = self._kept_var(row)
            if var is None:
                continue
            leader = self.leader.get((row.session, row.room or 0, row.person)) if row.duty == Duty.LEADER else None
            if row.hard:
                self.model.add(var == 1)
                if leader is not None:
                    self.model.add(leader == 1)
                continue
            literal = self._group(_Group("kept", _("保留的人工调整：%(t)s") % {"t": row.text}))
            self.model.add(var == 1).only_enforce_if(literal)
            if leader is not None:
                self.model.add(leader == 1).only_enforce_if(literal)

    def _kept_var(self, row: _Kept) -> Any:
        if row.duty == Duty.PROCTOR:
            return self.proctor.get((row.session, row.room or 0, row.person))
        if row.duty in PANEL_DUTIES:
            return self.examiner.get((row.session, row.room or 0, row.person))
        if row.duty == Duty.SITE_HEAD:
            return self.head.get((row.session, row.site or 0, row.person))
        return self.supervisor.get((row.session, row.person))

    # -- rules over people ------------------------------------------------------------------------

    def add_one_place_at_a_time(self) -> None:
        """Nobody holds two duties at once, in one session or in sessions running side by
        side; a site head may head the same site for sessions running side by side there,
        and such a site then has the same head(s) (one head per site)."""
        for clique in self.a.cliques():
            pks = [s.pk for s in clique]
            for person in self.a.persons.values():
                if person.role == StaffRole.HEAD:
                    self._one_site_at_a_time(person, clique)
                    continue
                duties = [v for pk in pks for v in self.at.get((person.pk, pk), ())]
                if len(duties) > 1:
                    self.model.add_at_most_one(duties)
            if len(clique) > 1:
                self._heads_per_site_at_once(clique)

    def _one_site_at_a_time(self, person: _Person, clique: list[_Session]) -> None:
        by_site: dict[int, list[Any]] = defaultdict(list)
        for s in clique:
            for (_session, site, _p), var in self.head_items(s.pk, person.pk):
                by_site[site].append(var)
        if len(by_site) <= 1:
            return
        flags = []
        for site, heads in by_site.items():
            if len(heads) == 1:
                flags.append(heads[0])
                continue
            flag = self.model.new_bool_var(f"heads_at_{person.pk}_{site}")
            for var in heads:
                self.model.add_implication(var, flag)
            flags.append(flag)
        self.model.add_at_most_one(flags)

    def _heads_per_site_at_once(self, clique: list[_Session]) -> None:
        sites = {site for s in clique for (site, _p) in self._site_keys(s.pk)}
        for site in sites:
            people: dict[int, list[Any]] = defaultdict(list)
            need = 0
            for s in clique:
                for (_session, key_site, person), var in self.head_items(s.pk):
                    if key_site == site:
                        people[person].append(var)
                need = max(need, self.rules.heads_per_site,
                           len(self.kept_people.get((s.pk, StaffRole.HEAD, site), ())))
            flags = []
            for person, heads in people.items():
                flag = self.model.new_bool_var(f"heads_site_{site}_{person}")
                for var in heads:
                    self.model.add_implication(var, flag)
                flags.append(flag)
            if len(flags) > need:
                self.model.add(cp_model.LinearExpr.sum(flags) <= need)

    def head_items(self, session: int, person: int | None = None) -> list[tuple[tuple[int, int, int], Any]]:
        return [(k, v) for k, v in self._heads_by_session().get(session, []) if person is None or k[2] == person]

    def _heads_by_session(self) -> dict[int, list[tuple[tuple[int, int, int], Any]]]:
        if not hasattr(self, "_heads_index"):
            index: dict[int, list[tuple[tuple[int, int, int], Any]]] = defaultdict(list)
            for key, var in self.head.items():
                index[key[0]].append((key, var))
            self._heads_index = index
        return self._heads_index

    def _site_keys(self, session: int) -> set[tuple[int, int]]:
        return {(k[1], k[2]) for k, _v in self._heads_by_session().get(session, [])}

    def add_rotation(self) -> None:
        """Examiners rotate (轮换制): nobody examines in the same room twice in a batch."""
        by_room: dict[tuple[int, int], list[Any]] = defaultdict(list)
        for (_session, room, person), var in self.examiner.items():
            by_room[(person, room)].append(var)
        repeated = [vars_ for vars_ in by_room.values() if len(vars_) > 1]
        if not repeated:
            return
        literal = self._group(_Group("rotation", _("考评员轮换制：同一考评员在本批次不在同一考场重复执考")))
        for vars_ in repeated:
            self.model.add(cp_model.LinearExpr.sum(vars_) <= 1).only_enforce_if(literal)

    def add_recusal(self) -> None:
        """Declared conflicts (回避制): the staff member is not in the candidate's room (a
        supervisor: not in the candidate's session; a site head: not heading its site)."""
        for person_pk, app, kind in self.a.conflicts:
            person = self.a.persons.get(person_pk)
            places = self.a.where.get(app, [])
            if person is None or not places:
                continue
            rules: list[tuple[Any, Any]] = []  # (duty var, candidate-there var or 1)
            where: list[_Session] = []  # sessions where the person could meet the candidate
            for s, room_pk in places:
                before = len(rules)
                for room in s.possible_rooms():
                    here: Any = 1 if room_pk == room.pk else self.place.get((s.pk, app, room.pk)) if room_pk is None \
                        else None
                    if here is None:
                        continue
                    for table in (self.proctor, self.examiner):
                        var = table.get((s.pk, room.pk, person.pk))
                        if var is not None:
                            rules.append((var, here))
                    var = self.head.get((s.pk, room.site_id, person.pk))
                    if var is not None:
                        rules.append((var, here))
                var = self.supervisor.get((s.pk, person.pk))
                if var is not None:
                    rules.append((var, 1))
                if len(rules) > before:
                    where.append(s)
            if not rules:
                continue
            name = self.a.app_names.get(app, "")
            literal = self._group(_Group("recusal", _("%(p)s 与考生 %(a)s 存在回避关系（%(k)s）") % {
                "p": person.label, "a": name, "k": kind}, role=person.role, sessions=tuple(where),
                persons=frozenset({person.pk}), where=name, application=app))
            for var, here in rules:
                if isinstance(here, int):
                    self.model.add(var == 0).only_enforce_if(literal)
                else:
                    self.model.add_bool_or([var.Not(), here.Not()]).only_enforce_if(literal)

    # -- solving and explaining -------------------------------------------------------------------

    def solve(self, literals: Sequence[Any], seconds: float) -> tuple[Any, cp_model.CpSolver]:
        """Solve with the groups in `literals` enforced. A first try without presolve (the
        model is mostly cardinality constraints over booleans, which the search settles
        quickly, while presolve on a large model takes most of the time); a second one
        with the solver's full presolve when the first does not conclude."""
        self.model.clear_assumptions()
        self.model.add_assumptions(list(literals))
        deadline = time.monotonic() + seconds
        status, solver = None, None
        for fast in (True, False):
            solver = cp_model.CpSolver()
            solver.parameters.random_seed = self.a.seed % (2**31)
            solver.parameters.num_workers = 1  # assumptions need one worker; it also makes the run reproducible
            solver.parameters.max_time_in_seconds = max(0.5, (min(FAST_SECONDS, seconds / 3) if fast else
                                                              deadline - time.monotonic()))
            if fast:
                solver.parameters.cp_model_presolve = False
                solver.parameters.cp_model_probing_level = 0
                solver.parameters.symmetry_level = 0
            status = solver.solve(self.model)
            if status != cp_model.UNKNOWN or time.monotonic() >= deadline:
                break
        assert solver is not None
        return status, solver

    def minimal_core(self, core: Sequence[int], seconds: float) -> list[int]:
        """Shrink the solver's sufficient set of failing groups until no group can be left
        out (each try bounded in time; a try that does not finish keeps its group)."""
        by_index = {lit.index: lit for lit in self.literals}
        core = [i for i in core if i in by_index]
        deadline = time.monotonic() + seconds
        position = 0
        while position < len(core) and time.monotonic() < deadline:
            trial = core[:position] + core[position + 1:]
            status, solver = self.solve([by_index[i] for i in trial], max(1.0, min(10.0, deadline - time.monotonic())))
            if status == cp_model.INFEASIBLE:
                smaller = set(solver.sufficient_assumptions_for_infeasibility())
                core = [i for i in trial if i in smaller] if smaller else trial
            else:
                position += 1
        return core

    def explain(self, core: Sequence[int]) -> list[str]:
        groups = [self.groups[i] for i in core if i in self.groups]
        reasons = [self._recusal_text(g) for g in groups if g.kind == "recusal"]
        demands = [g for g in groups if g.kind in ("proctors", "panel", "head", "supervisor")]
        for role in (StaffRole.HEAD, StaffRole.PROCTOR, StaffRole.EXAMINER, StaffRole.SUPERVISOR):
            mine = [g for g in demands if g.role == role]
            if mine:
                reasons.append(self._demand_text(role, mine, [g for g in groups if g.kind == "recusal"]))
        reasons += [g.text for g in groups if g.kind in ("rotation", "kept")]
        return reasons or [_("考场容量与人员时间安排无法同时满足，请增加考场、调整场次时间或补充考务人员")]

    def _recusal_text(self, group: _Group) -> str:
        s = group.sessions[0]
        places = [room for session, room in self.a.where.get(group.application, []) if session is s]
        fixed = next((r for r in s.rooms if places and places[0] == r.pk), None)
        if fixed is not None:
            rest = _("而考生已在场次“%(s)s”考场“%(r)s”就座") % {"s": s.name, "r": fixed.label}
        elif len(s.possible_rooms()) <= 1:
            rest = _("而场次“%(s)s”只有一个考场可以安排该考生") % {"s": s.name}
        else:
            rest = _("且场次“%(s)s”没有其他考场可以容纳该考生") % {"s": s.name}
        return f"{group.text}，{rest}"

    def _demand_text(self, role: str, groups: list[_Group], recusals: list[_Group]) -> str:
        word = _role_word(role)
        need = sum(g.need for g in groups)
        people = frozenset().union(*(g.persons for g in groups))
        recused = frozenset().union(*(g.persons for g in recusals if g.role == role)) & people
        sessions = list(dict.fromkeys(s for g in groups for s in g.sessions))
        together = all(a.overlaps(b.starts_at, b.ends_at) for a in sessions for b in sessions)
        where = "、".join(g.where for g in groups)
        verb = _("需要") if len(groups) == 1 else _("共需要")
        when = _("该时段可用的") if together else _("可以安排的")
        if recused:
            return _("%(w)s%(v)s%(r)s %(n)d 名，%(t)s%(r)s %(f)d 名中有 %(x)d 名须回避") % {
                "w": where, "v": verb, "r": word, "n": need, "t": when, "f": len(people), "x": len(recused)}
        return _("%(w)s%(v)s%(r)s %(n)d 名，%(t)s%(r)s只有 %(f)d 名") % {
            "w": where, "v": verb, "r": word, "n": need, "t": when, "f": len(people)}


# ---------------------------------------------------------------------------------------------
# The automatic arrangement: writing the result, and the service


def _value(solver: cp_model.CpSolver, var: Any) -> bool:
    return bool(var) if isinstance(var, int) else bool(solver.boolean_value(var))


def _write_candidates(a: _Arrangement, m: _Model, solver: cp_model.CpSolver) -> tuple[int, int]:
    """Rooms and seats of the sessions not yet started: existing attempts keep their ticket
    and paper, new candidates get both; an attempt left behind by a move is removed."""
    future = [s for s in a.sessions if not s.started]
    if not future:
        return 0, 0
    sessions = ExamSession.objects.select_related("batch", "blueprint").in_bulk([s.pk for s in future])
    taken: dict[tuple[int, int], set[int]] = defaultdict(set)  # fixed seats (checked in before the start)
    stale: list[int] = []
    members = {s.pk: set(s.members) for s in future}
    for pk, session_id, app, room_id, seat in Attempt.objects.filter(session_id__in=list(members)).values_list(
            "pk", "session_id", "application_id", "room_id", "seat"):
        if app in members[session_id]:
            continue
        if any(app in apps for apps in a.by_pk[session_id].seated.values()):
            if room_id is not None and seat is not None:
                taken[(session_id, room_id)].add(seat)
        else:
            stale.append(pk)
    if stale:
        Attempt.objects.filter(pk__in=stale).delete()
    updates: list[Attempt] = []
    creates: list[tuple[int, int, int, int]] = []  # (session, application, room, seat)
    for s in future:
        greedy = {app: room for room, apps in s.seated.items() for app in apps}
        rooms: dict[int, list[int]] = defaultdict(list)
        for app in s.members:
            room = greedy.get(app)
            if room is None:
                room = next(r.pk for r in s.rooms if _value(solver, m.place.get((s.pk, app, r.pk), 0)))
            rooms[room].append(app)
        for room, apps in rooms.items():
            seats = (n for n in range(1, 10_000) if n not in taken[(s.pk, room)])
            for app, seat in zip(apps, seats, strict=False):
                attempt = a.attempts.get((s.pk, app))
                if attempt is None:
                    creates.append((s.pk, app, room, seat))
                else:
                    updates.append(Attempt(pk=attempt, room_id=room, seat=seat))
    if updates:  # two steps: the seats are unique per session and room
        Attempt.objects.filter(pk__in=[u.pk for u in updates]).update(room=None, seat=None)
        Attempt.objects.bulk_update(updates, ["room", "seat"], batch_size=1000)
    new: list[Attempt] = []
    for session_pk in dict.fromkeys(c[0] for c in creates):
        rows = [c for c in creates if c[0] == session_pk]
        session = sessions[session_pk]
        tickets = cbt.next_tickets(session, len(rows))
        papers: list[Any] = [None] * len(rows)
        if session.kind == Kind.THEORY_CBT:
            papers = cbt.papers_for_tickets(actor=a.actor, session=session, tickets=tickets)
        new += [Attempt(session_id=session_pk, application_id=app, ticket_number=ticket, paper=paper, room_id=room,
                        seat=seat) for (_s, app, room, seat), ticket, paper in zip(rows, tickets, papers, strict=True)]
    Attempt.objects.bulk_create(new, batch_size=1000)
    return len(updates) + len(new), len(new)


def _write_staff(a: _Arrangement, m: _Model, solver: cp_model.CpSolver) -> int:
    """Replace the automatic rows of the sessions not yet started (and rows set by hand that
    no longer fit); add what the solver chose beyond the rows kept."""
    active = [s.pk for s in a.sessions]
    kept = {(row.session, row.person): row for row in a.kept}
    StaffAssignment.objects.filter(session_id__in=active).exclude(pk__in=[row.pk for row in a.kept]).delete()
    site_of = {r.pk: r.site_id for s in a.sessions for r in s.rooms}
    rows: list[StaffAssignment] = []
    promoted: list[int] = []

    def add(session: int, person: int, duty: str, site: int | None, room: int | None) -> None:
        row = kept.get((session, person))
        if row is None:
            rows.append(StaffAssignment(session_id=session, staff_id=person, duty=duty, site_id=site, room_id=room,
                                        source=StaffAssignment.Source.AUTO))
        elif duty == Duty.LEADER and row.duty == Duty.EXAMINER:
            promoted.append(row.pk)

    for (session, room, person), var in m.proctor.items():
        if _value(solver, var):
            add(session, person, Duty.PROCTOR, site_of[room], room)
    for (session, room, person), var in m.examiner.items():
        if _value(solver, var):
            leader = _value(solver, m.leader[(session, room, person)])
            add(session, person, Duty.LEADER if leader else Duty.EXAMINER, site_of[room], room)
    for (session, site, person), var in m.head.items():
        if _value(solver, var):
            add(session, person, Duty.SITE_HEAD, site, None)
    for (session, person), var in m.supervisor.items():
        if _value(solver, var):
            add(session, person, Duty.SUPERVISOR, None, None)
    StaffAssignment.objects.bulk_create(rows, batch_size=1000)
    if promoted:
        StaffAssignment.objects.filter(pk__in=promoted).update(duty=Duty.LEADER)
    return len(rows) + len(a.kept)


def _check_seed(seed: Any) -> int:
    if seed is None or seed == "":
        return secrets.randbelow(2**31)
    try:
        value = int(seed)
    except (TypeError, ValueError):
        raise DomainError(_("随机种子应为整数。"), field="seed") from None
    if not 0 <= value < 2**31:
        raise DomainError(_("随机种子应在 0 至 %(n)d 之间。") % {"n": 2**31 - 1}, field="seed")
    return value


def _missing_parts(batch: Batch) -> list[str]:
    """Parts of an occupation-level the plan weighs but no session serves yet."""
    have = set(batch.exam_sessions.values_list("batch_item_id", "kind"))
    notices = []
    for item in batch.items.select_related("occupation", "work_type", "level"):
        kinds = {kind for pk, kind in have if pk == item.pk}
        for part, weight in (("theory", item.theory_weight), ("practical", item.practical_weight),
                             ("review", item.review_weight)):
            if weight and not kinds & set(cbt.session_part_kinds(next(
                    k for k, p in cbt.SESSION_PARTS.items() if p == part))):
                notices.append(_("“%(i)s”尚未安排%(p)s场次。") % {"i": item, "p": PART_WORDS[part]})
    return notices


@transaction.atomic
def arrangement_run(*, actor: Actor, batch: Batch, seed: Any = None, now: dt.datetime | None = None,
                    time_limit: float = SOLVER_SECONDS) -> ArrangementResult:
    """Arrange the whole batch: candidates to sessions, rooms and seats; staff to duties,
    meeting every rule (see the module's docstring). Reproducible: the same data and seed
    give the same arrangement; the seed is in the audit event. When no arrangement exists,
    ArrangementInfeasible names the requirements that cannot all be met, and nothing is
    written."""
    clock = time.perf_counter()
    batch = Batch.objects.select_for_update(of=("self",)).select_related("organisation__jurisdiction").get(pk=batch.pk)
    _require_affairs(actor, batch.organisation_id)
    if batch.status != Batch.Status.PLAN_CONFIRMED:
        raise DomainError(_("认定计划经人社部门确认后才能编排考场（本批次当前：%(s)s）。") % {
            "s": batch.get_status_display()})
    seed = _check_seed(seed)
    now = now or timezone.now()
    arrangement = _Arrangement(actor=actor, batch=batch, rules=rules_for(batch), now=now, seed=seed)
    arrangement.load()
    if not arrangement.sessions:
        raise DomainError(_("本批次没有尚未结束的考试场次，请先安排场次。"))
    arrangement.check_rooms()
    arrangement.place_candidates()
    arranged = [s for s in arrangement.sessions if s.has_candidates]
    if not arranged:
        raise DomainError(_("没有需要编排的考生：请确认报名已审核通过，且场次的职业等级与报名一致。"))
    arrangement.check_kept()
    arrangement.check_people()
    model = _Model(arrangement)
    model.build()
    solving = time.perf_counter()
    status, solver = model.solve(model.literals, time_limit)
    if status == cp_model.INFEASIBLE:
        core = model.minimal_core(solver.sufficient_assumptions_for_infeasibility(), EXPLAIN_SECONDS)
        raise ArrangementInfeasible(model.explain(core))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise DomainError(_("在 %(n)d 秒内未找到满足全部要求的编排方案，请重试，或减少同时进行的场次、补充考务人员。") % {
            "n": int(time_limit)})
    solver_seconds = time.perf_counter() - solving
    seats, new = _write_candidates(arrangement, model, solver)
    staff_rows = _write_staff(arrangement, model, solver)
    notices = [*arrangement.notices, *_missing_parts(batch)]
    result = ArrangementResult(
        seed=seed, sessions=len(arranged), seats=sum(
            len(apps) for s in arranged for apps in s.seated.values()) + sum(len(s.movable) for s in arranged),
        new_attempts=new, staff_rows=staff_rows, kept_manual=sum(1 for r in arrangement.kept if not r.hard),
        dropped_manual=arrangement.dropped, notices=notices, seconds=round(time.perf_counter() - clock, 2),
        solver_seconds=round(solver_seconds, 2), variables=len(model.model.proto.variables))
    _audit(actor, batch, AuditEvent.Action.UPDATE, _("自动编排考场与考务人员：%(s)d 个场次，考生 %(c)d 人次，考务人员 %(t)d 人次"
                                                    "（随机种子 %(seed)d）") % {
        "s": result.sessions, "c": result.seats, "t": result.staff_rows, "seed": seed},
        after={"seed": seed, "sessions": [s.pk for s in arranged], "seats": result.seats,
               "new_attempts": new, "staff_rows": staff_rows, "kept_manual": result.kept_manual,
               "dropped_manual": arrangement.dropped, "seconds": result.seconds,
               "rules": {"proctors_per_room": arrangement.rules.proctors_per_room,
                         "heads_per_site": arrangement.rules.heads_per_site,
                         "panel_size": arrangement.rules.panel_size}},
        organisation_id=batch.organisation_id)
    return result


# ---------------------------------------------------------------------------------------------
# Checking the stored arrangement against every rule


@dataclass
class _Stored:
    """The stored arrangement of a batch's sessions that have not ended, read in bulk."""

    sessions: dict[int, ExamSession]
    rooms: dict[int, ExamRoom]
    seats: dict[tuple[int, int], list[tuple[int, int | None, str]]]  # (session, room) -> (application, seat, name)
    staff: list[StaffAssignment]
    conflicts: dict[tuple[int, int], str]  # (staff, application) -> kind

    @classmethod
    def read(cls, batch: Batch, now: dt.datetime) -> _Stored:
        sessions = {s.pk: s for s in batch.exam_sessions.filter(ends_at__gt=now).prefetch_related("rooms__site")}
        rooms = {r.pk: r for s in sessions.values() for r in s.rooms.all()}
        seats: dict[tuple[int, int], list[tuple[int, int | None, str]]] = defaultdict(list)
        for session, room, app, seat, name in Attempt.objects.filter(session_id__in=list(sessions)).values_list(
                "session_id", "room_id", "application_id", "seat", "application__name"):
            seats[(session, room or 0)].append((app, seat, name))
        staff = list(StaffAssignment.objects.filter(session_id__in=list(sessions)).select_related("staff", "session"))
        conflicts = {(staff_id, app): str(StaffConflict.Kind(kind).label) for staff_id, app, kind in
                     StaffConflict.objects.filter(batch=batch).values_list("staff_id", "application_id", "kind")}
        return cls(sessions, rooms, seats, staff, conflicts)


def arrangement_problems(batch: Batch, *, now: dt.datetime | None = None, limit: int = 50) -> list[str]:
    """Every rule the stored arrangement of the batch's sessions not yet ended breaks, in
    Chinese: seats and capacity, staff counts per room, site and session, panels (odd, one
    leader), roster roles, nobody in two places at once, rotation and declared conflicts."""
    now = now or timezone.now()
    rules = rules_for(batch)
    data = _Stored.read(batch, now)
    problems: list[str] = []
    by_place: dict[tuple[int, str, int], list[StaffAssignment]] = defaultdict(list)
    for row in data.staff:
        key = row.room_id if row.duty in ROOM_DUTIES else row.site_id if row.duty == Duty.SITE_HEAD else 0
        by_place[(row.session_id, DUTY_ROLE[row.duty], key or 0)].append(row)
        if DUTY_ROLE[row.duty] != row.staff.role:
            problems.append(_("%(p)s 的考务职责是%(r)s，不能任%(d)s") % {
                "p": row.staff.name, "r": row.staff.get_role_display(), "d": row.get_duty_display()})
    for session in sorted(data.sessions.values(), key=lambda s: (s.starts_at, s.pk)):
        in_session = {r.pk for r in session.rooms.all()}
        occupied = [(room, rows) for (sid, room), rows in data.seats.items() if sid == session.pk and rows]
        for room_pk, rows in occupied:
            room = data.rooms.get(room_pk)
            if room is None or room_pk not in in_session:
                problems.append(_("场次“%(s)s”有 %(n)d 名考生未编入本场次的考场") % {"s": session.name, "n": len(rows)})
                continue
            where = _("场次“%(s)s”考场“%(r)s”") % {"s": session.name, "r": room}
            if len(rows) > room.capacity or any((seat or 0) > room.capacity for _a, seat, _n in rows):
                problems.append(_("%(w)s编排考生 %(n)d 人，超过座位数 %(c)d") % {"w": where, "n": len(rows),
                                                                        "c": room.capacity})
            if session.kind in PROCTORED_KINDS:
                count = len(by_place[(session.pk, StaffRole.PROCTOR, room_pk)])
                if count < rules.proctors_per_room:
                    problems.append(_("%(w)s监考人员 %(n)d 名，少于 %(m)d 名") % {
                        "w": where, "n": count, "m": rules.proctors_per_room})
            if session.kind in PANEL_KINDS:
                panel = by_place[(session.pk, StaffRole.EXAMINER, room_pk)]
                leaders = sum(1 for row in panel if row.duty == Duty.LEADER)
                if len(panel) < rules.panel_size or len(panel) % 2 == 0:
                    problems.append(_("%(w)s考评组 %(n)d 人，应为不少于 %(m)d 人的单数") % {
                        "w": where, "n": len(panel), "m": rules.panel_size})
                if leaders != 1:
                    problems.append(_("%(w)s考评组长 %(n)d 名，应为 1 名") % {"w": where, "n": leaders})
            for staff_row in [*by_place[(session.pk, StaffRole.PROCTOR, room_pk)],
                              *by_place[(session.pk, StaffRole.EXAMINER, room_pk)],
                              *by_place[(session.pk, StaffRole.HEAD, room.site_id)],
                              *by_place[(session.pk, StaffRole.SUPERVISOR, 0)]]:
                for app, _seat, name in rows:
                    kind = data.conflicts.get((staff_row.staff_id, app))
                    if kind:
                        problems.append(_("%(p)s 与考生 %(a)s 存在回避关系（%(k)s），却在%(w)s任%(d)s") % {
                            "p": staff_row.staff.name, "a": name, "k": kind, "w": where,
                            "d": staff_row.get_duty_display()})
        sites = {data.rooms[room].site_id: data.rooms[room].site for room, _rows in occupied if room in data.rooms}
        for site_pk, site in sites.items():
            count = len(by_place[(session.pk, StaffRole.HEAD, site_pk)])
            if count != rules.heads_per_site:
                problems.append(_("场次“%(s)s”考点“%(x)s”考点负责人 %(n)d 名，应为 %(m)d 名") % {
                    "s": session.name, "x": site, "n": count, "m": rules.heads_per_site})
        if occupied and len(by_place[(session.pk, StaffRole.SUPERVISOR, 0)]) < SUPERVISORS_PER_SESSION:
            problems.append(_("场次“%(s)s”未安排质量督导员") % {"s": session.name})
    problems += _people_problems(batch, data)
    return list(dict.fromkeys(problems))[:limit]


def _people_problems(batch: Batch, data: _Stored) -> list[str]:
    """Nobody in two places at once (across batches, by ID number), rotation, and rooms
    and candidates in two sessions at once."""
    problems: list[str] = []
    sessions = sorted(data.sessions.values(), key=lambda s: (s.starts_at, s.pk))
    seated: dict[int, dict[int, str]] = defaultdict(dict)  # session -> application -> name
    for (sid, _room), seat_rows in data.seats.items():
        seated[sid].update((app, name) for app, _seat, name in seat_rows)
    for i, a in enumerate(sessions):
        for b in sessions[i + 1:]:
            if b.starts_at >= a.ends_at:
                continue
            shared = {r.pk for r in a.rooms.all()} & {r.pk for r in b.rooms.all()}
            problems += [_("考场“%(r)s”同时用于时间重叠的场次“%(a)s”和“%(b)s”") % {
                "r": data.rooms[pk], "a": a.name, "b": b.name} for pk in shared]
            both = [name for app, name in seated[b.pk].items() if app in seated[a.pk]]
            if both:
                problems.append(_("考生%(n)s同时编排在时间重叠的场次“%(a)s”和“%(b)s”") % {
                    "n": _names(both), "a": a.name, "b": b.name})
    rows_by_person: dict[str, list[StaffAssignment]] = defaultdict(list)
    for row in data.staff:
        rows_by_person[row.staff.id_number].append(row)
    outside = StaffAssignment.objects.filter(staff__id_number__in=list(rows_by_person)).exclude(
        session__batch=batch).select_related("session", "staff")
    for row in outside:
        if any(row.session.starts_at < s.ends_at and s.starts_at < row.session.ends_at for s in sessions):
            rows_by_person[row.staff.id_number].append(row)
    for rows in rows_by_person.values():
        rows.sort(key=lambda r: (r.session.starts_at, r.pk))
        for i, first in enumerate(rows):
            for second in rows[i + 1:]:
                if second.session.starts_at >= first.session.ends_at:
                    continue
                same_site = first.duty == second.duty == Duty.SITE_HEAD and first.site_id == second.site_id
                if first.session_id != second.session_id and not same_site:
                    problems.append(_("%(p)s 同一时段在场次“%(a)s”和“%(b)s”均有任务") % {
                        "p": first.staff.name, "a": first.session.name, "b": second.session.name})
        panel = [r for r in rows if r.duty in PANEL_DUTIES and r.session.batch_id == batch.pk and r.room_id]
        rooms = [r.room_id for r in panel]
        for room in {r for r in rooms if r is not None and rooms.count(r) > 1}:
            problems.append(_("考评员 %(p)s 在本批次多次在考场“%(r)s”执考，未落实轮换制") % {
                "p": panel[0].staff.name, "r": str(data.rooms.get(room, room))})
    return problems


# ---------------------------------------------------------------------------------------------
# Manual adjustment afterwards, with the same checks


def _lock_session(session: ExamSession, actor: Actor, now: dt.datetime) -> ExamSession:
    Batch.objects.select_for_update().filter(pk=session.batch_id).first()  # one adjustment of a batch at a time
    session = ExamSession.objects.select_related("batch__organisation__jurisdiction").get(pk=session.pk)
    _require_affairs(actor, session.batch.organisation_id)
    if now >= session.ends_at:
        raise DomainError(_("场次“%(s)s”已结束，不能再调整。") % {"s": session.name})
    return session


def _candidates_with_conflict(staff: BatchStaff, session: ExamSession, *, room: ExamRoom | None = None,
                              site_id: int | None = None) -> list[tuple[str, str]]:
    """(candidate, conflict kind) of the session's candidates that the staff member must
    avoid, in the room, the site, or (neither given) the whole session."""
    attempts = Attempt.objects.filter(session=session, application__staff_conflicts__staff=staff)
    if room is not None:
        attempts = attempts.filter(room=room)
    elif site_id is not None:
        attempts = attempts.filter(room__site_id=site_id)
    kinds = dict(StaffConflict.Kind.choices)
    return [(name, str(kinds[kind])) for name, kind in attempts.values_list(
        "application__name", "application__staff_conflicts__kind").distinct()]


def _person_problem(*, staff: BatchStaff, session: ExamSession, duty: str, room: ExamRoom | None,
                    site_id: int | None, exclude: Sequence[int] = ()) -> str | None:
    """Why `staff` cannot take `duty` in `session` (room / site), rows `exclude` set aside:
    roster role, the session's kind and rooms, already there, two places at once, rotation,
    declared conflicts."""
    if staff.batch_id != session.batch_id:
        return _("%(p)s 不在本批次的考务人员名单中") % {"p": staff.name}
    if DUTY_ROLE.get(duty) != staff.role:
        return _("%(p)s 的考务职责是%(r)s，不能任%(d)s") % {"p": staff.name, "r": staff.get_role_display(),
                                                     "d": Duty(duty).label}
    if duty == Duty.PROCTOR and session.kind not in PROCTORED_KINDS:
        return _("%(k)s场次不设监考人员") % {"k": session.get_kind_display()}
    if duty in PANEL_DUTIES and session.kind not in PANEL_KINDS:
        return _("%(k)s场次不设考评组") % {"k": session.get_kind_display()}
    rooms = {r.pk: r for r in session.rooms.select_related("site")}
    if duty in ROOM_DUTIES and (room is None or room.pk not in rooms):
        return _("请选择本场次的考场")
    if duty == Duty.SITE_HEAD and site_id not in {r.site_id for r in rooms.values()}:
        return _("请选择本场次使用的考点")
    others = StaffAssignment.objects.exclude(pk__in=list(exclude))
    here = others.filter(session=session, staff=staff).first()
    if here is not None:
        return _("%(p)s 已在本场次任%(d)s") % {"p": staff.name, "d": here.get_duty_display()}
    for row in others.filter(staff__id_number=staff.id_number, session__starts_at__lt=session.ends_at,
                             session__ends_at__gt=session.starts_at).exclude(session=session).select_related(
            "session__batch"):
        if not (duty == row.duty == Duty.SITE_HEAD and row.site_id == site_id):
            return _("%(p)s 同一时段已在场次“%(s)s”任%(d)s（%(t)s），不能同时在两处") % {
                "p": staff.name, "s": row.session.name, "d": row.get_duty_display(),
                "t": _local(row.session.starts_at)}
    if duty in PANEL_DUTIES and room is not None:
        before = others.filter(staff=staff, room=room, duty__in=list(PANEL_DUTIES),
                               session__batch_id=session.batch_id).exclude(session=session).select_related(
            "session").first()
        if before is not None:
            return _("考评员 %(p)s 已在场次“%(s)s”于考场“%(r)s”执考，按轮换制不能再安排到同一考场") % {
                "p": staff.name, "s": before.session.name, "r": room}
    if duty in ROOM_DUTIES:
        clashes = _candidates_with_conflict(staff, session, room=room)
    elif duty == Duty.SITE_HEAD:
        clashes = _candidates_with_conflict(staff, session, site_id=site_id)
    else:
        clashes = _candidates_with_conflict(staff, session)
    if clashes:
        name, kind = clashes[0]
        where = _("考场“%(r)s”") % {"r": room} if duty in ROOM_DUTIES else _("本场次")
        return _("%(p)s 与考生 %(a)s 存在回避关系（%(k)s），不能在%(w)s任%(d)s") % {
            "p": staff.name, "a": name, "k": kind, "w": where, "d": Duty(duty).label}
    return None


def _room_shortfall(session: ExamSession, room: ExamRoom, rules: Rules, *, exclude: Sequence[int] = ()) -> str | None:
    """What the room lacks to take candidates: proctors, an odd panel with one leader, a site head."""
    rows = list(StaffAssignment.objects.filter(session=session).exclude(pk__in=list(exclude)).values_list(
        "duty", "room_id", "site_id"))
    if session.kind in PROCTORED_KINDS:
        count = sum(1 for duty, room_id, _s in rows if duty == Duty.PROCTOR and room_id == room.pk)
        if count < rules.proctors_per_room:
            return _("考场“%(r)s”监考人员只有 %(n)d 名（需 %(m)d 名）") % {"r": room, "n": count,
                                                                 "m": rules.proctors_per_room}
    if session.kind in PANEL_KINDS:
        panel = [duty for duty, room_id, _s in rows if duty in PANEL_DUTIES and room_id == room.pk]
        if len(panel) < rules.panel_size or len(panel) % 2 == 0 or panel.count(Duty.LEADER) != 1:
            return _("考场“%(r)s”的考评组 %(n)d 人、组长 %(l)d 名（需不少于 %(m)d 人的单数，组长 1 名）") % {
                "r": room, "n": len(panel), "l": panel.count(Duty.LEADER), "m": rules.panel_size}
    heads = sum(1 for duty, _r, site in rows if duty == Duty.SITE_HEAD and site == room.site_id)
    if heads < rules.heads_per_site:
        return _("考点“%(s)s”尚未安排考点负责人") % {"s": room.site}
    return None


@transaction.atomic
def attempt_move(*, actor: Actor, attempt: Attempt, room: ExamRoom, seat: Any = None,
                 now: dt.datetime | None = None) -> Attempt:
    """Move a candidate to another room or seat of the same session before it starts. The
    room must be staffed as the rules ask, and hold nobody the candidate must avoid."""
    now = now or timezone.now()
    session = _lock_session(attempt.session, actor, now)
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("application", "room").get(pk=attempt.pk)
    if now >= session.starts_at:
        raise DomainError(_("场次“%(s)s”已开考，不能再调整考生座位。") % {"s": session.name})
    if attempt.status != Attempt.Status.NOT_STARTED or attempt.checked_in_at is not None:
        raise DomainError(_("考生 %(a)s 已签到，不能再调整座位。") % {"a": attempt.application.name})
    room = ExamRoom.objects.select_related("site").get(pk=room.pk)
    if not session.rooms.filter(pk=room.pk).exists():
        raise DomainError(_("考场“%(r)s”不是场次“%(s)s”的考场。") % {"r": room, "s": session.name}, field="room")
    taken = dict(Attempt.objects.filter(session=session, room=room).exclude(pk=attempt.pk).values_list(
        "seat", "application__name"))
    if seat in (None, ""):
        number = next((n for n in range(1, room.capacity + 1) if n not in taken), None)
        if number is None:
            raise DomainError(_("考场“%(r)s”座位已满（%(c)d 座）。") % {"r": room, "c": room.capacity}, field="room")
    else:
        try:
            number = int(seat)
        except (TypeError, ValueError):
            raise DomainError(_("座位号应为整数。"), field="seat") from None
        if not 1 <= number <= room.capacity:
            raise DomainError(_("座位号应在 1 至 %(c)d 之间（考场“%(r)s”共 %(c)d 座）。") % {
                "c": room.capacity, "r": room}, field="seat")
        if number in taken:
            raise DomainError(_("考场“%(r)s”第 %(n)d 号座位已由考生 %(a)s 使用。") % {
                "r": room, "n": number, "a": taken[number]}, field="seat")
    if room.pk != attempt.room_id:
        shortfall = _room_shortfall(session, room, rules_for(session.batch))
        if shortfall:
            raise DomainError(_("%(s)s，请先安排考务人员或重新自动编排。") % {"s": shortfall}, field="room")
        for row in StaffAssignment.objects.filter(session=session).filter(
                Q(room=room) | Q(duty=Duty.SITE_HEAD, site_id=room.site_id)).select_related("staff"):
            conflict = StaffConflict.objects.filter(staff=row.staff, application=attempt.application).first()
            if conflict is not None:
                raise DomainError(_("%(r)s %(p)s 与考生 %(a)s 存在回避关系（%(k)s），不能将考生编入考场“%(room)s”。") % {
                    "r": row.get_duty_display(), "p": row.staff.name, "a": attempt.application.name,
                    "k": conflict.get_kind_display(), "room": room}, field="room")
    before = snapshot(attempt, ["room_id", "seat"])
    attempt.room, attempt.seat = room, number
    attempt.save(update_fields=["room", "seat", "updated_at"])
    _audit(actor, session, AuditEvent.Action.UPDATE, _("调整考生座位：%(a)s（%(t)s）→ 考场“%(r)s”第 %(n)d 号") % {
        "a": attempt.application.name, "t": attempt.ticket_number, "r": room, "n": number},
        before=before, after=snapshot(attempt, ["room_id", "seat"]), organisation_id=session.batch.organisation_id)
    return attempt


def _place_of(duty: str, room: ExamRoom | None, site: ExamSite | None) -> tuple[ExamRoom | None, int | None]:
    if duty in ROOM_DUTIES:
        return room, room.site_id if room is not None else None
    if duty == Duty.SITE_HEAD:
        return None, site.pk if site is not None else room.site_id if room is not None else None
    return None, None


@transaction.atomic
def staff_assign(*, actor: Actor, session: ExamSession, staff: BatchStaff, duty: str, room: ExamRoom | None = None,
                 site: ExamSite | None = None, now: dt.datetime | None = None) -> StaffAssignment:
    """Add a staff member to a session by hand (a room for proctors and examiners, a site
    for site heads), with every check of the automatic arrangement."""
    now = now or timezone.now()
    session = _lock_session(session, actor, now)
    staff = BatchStaff.objects.get(pk=staff.pk)
    if duty not in Duty.values:
        raise DomainError(_("请选择岗位。"), field="duty")
    room, site_id = _place_of(duty, room, site)
    problem = _person_problem(staff=staff, session=session, duty=duty, room=room, site_id=site_id)
    if problem:
        raise DomainError(problem + _("。"), field="staff")
    rules = rules_for(session.batch)
    if duty == Duty.LEADER:
        leader = StaffAssignment.objects.filter(session=session, room=room, duty=Duty.LEADER).select_related(
            "staff").first()
        if leader is not None:
            raise DomainError(_("考场“%(r)s”已有考评组长 %(p)s；如需更换，请将其他考评员设为组长。") % {
                "r": room, "p": leader.staff.name}, field="duty")
    if duty == Duty.SITE_HEAD:
        heads = StaffAssignment.objects.filter(session=session, duty=Duty.SITE_HEAD, site_id=site_id).count()
        if heads >= rules.heads_per_site:
            raise DomainError(_("该考点已有考点负责人 %(n)d 名（每考点 %(m)d 名）；如需更换，请使用“替换”。") % {
                "n": heads, "m": rules.heads_per_site}, field="staff")
    row = StaffAssignment.objects.create(session=session, staff=staff, duty=duty, room=room, site_id=site_id,
                                         source=StaffAssignment.Source.MANUAL)
    _audit(actor, row, AuditEvent.Action.CREATE, _("人工安排：%(t)s") % {"t": _assignment_text(row)},
           after=snapshot(row), organisation_id=session.batch.organisation_id)
    return row


def _assignment_text(row: StaffAssignment) -> str:
    where = _("考场“%(r)s”") % {"r": row.room} if row.room_id else (
        _("考点“%(s)s”") % {"s": row.site} if row.site_id else "")
    return _("%(p)s 任场次“%(s)s”%(w)s%(d)s") % {"p": row.staff.name, "s": row.session.name, "w": where,
                                             "d": row.get_duty_display()}


def _occupied(session: ExamSession, row: StaffAssignment) -> bool:
    """Whether the place of `row` has candidates (its room, its site, or the session)."""
    attempts = Attempt.objects.filter(session=session)
    if row.duty in ROOM_DUTIES:
        attempts = attempts.filter(room_id=row.room_id)
    elif row.duty == Duty.SITE_HEAD:
        attempts = attempts.filter(room__site_id=row.site_id)
    return attempts.exists()


@transaction.atomic
def staff_unassign(*, actor: Actor, assignment: StaffAssignment, now: dt.datetime | None = None) -> None:
    """Remove a staff member from a session; refused when their place has candidates and
    would fall short of the rules (replace them instead)."""
    now = now or timezone.now()
    session = _lock_session(assignment.session, actor, now)
    row = StaffAssignment.objects.select_related("staff", "room__site", "site", "session").get(pk=assignment.pk)
    rules = rules_for(session.batch)
    if _occupied(session, row):
        if row.duty in ROOM_DUTIES and row.room is not None:
            shortfall = _room_shortfall(session, row.room, rules, exclude=[row.pk])
            if shortfall:
                raise DomainError(_("移除后%(s)s；请改用“替换”或“对调”。") % {"s": shortfall})
        elif row.duty == Duty.SITE_HEAD:
            raise DomainError(_("考点“%(s)s”有考生，不能没有考点负责人；请改用“替换”。") % {"s": row.site})
        elif StaffAssignment.objects.filter(session=session, duty=Duty.SUPERVISOR).count() <= SUPERVISORS_PER_SESSION:
            raise DomainError(_("场次“%(s)s”至少需要质量督导员 %(n)d 名；请改用“替换”。") % {
                "s": session.name, "n": SUPERVISORS_PER_SESSION})
    _audit(actor, row, AuditEvent.Action.DELETE, _("移除安排：%(t)s") % {"t": _assignment_text(row)},
           before=snapshot(row), organisation_id=session.batch.organisation_id)
    row.delete()


@transaction.atomic
def staff_replace(*, actor: Actor, assignment: StaffAssignment, staff: BatchStaff,
                  now: dt.datetime | None = None) -> StaffAssignment:
    """Put another roster member of the same role in a staff member's place."""
    now = now or timezone.now()
    session = _lock_session(assignment.session, actor, now)
    row = StaffAssignment.objects.select_for_update(of=("self",)).select_related("staff", "room", "site").get(pk=assignment.pk)
    staff = BatchStaff.objects.get(pk=staff.pk)
    if staff.pk == row.staff_id:
        raise DomainError(_("请选择另一位人员。"), field="staff")
    problem = _person_problem(staff=staff, session=session, duty=row.duty, room=row.room, site_id=row.site_id,
                              exclude=[row.pk])
    if problem:
        raise DomainError(problem + _("。"), field="staff")
    before = snapshot(row, ["staff_id", "source"])
    old = row.staff.name
    row.staff, row.source = staff, StaffAssignment.Source.MANUAL
    row.save(update_fields=["staff", "source", "updated_at"])
    _audit(actor, row, AuditEvent.Action.UPDATE, _("替换人员：%(o)s → %(t)s") % {"o": old, "t": _assignment_text(row)},
           before=before, after=snapshot(row, ["staff_id", "source"]), organisation_id=session.batch.organisation_id)
    return row


@transaction.atomic
def staff_swap(*, actor: Actor, first: StaffAssignment, second: StaffAssignment,
               now: dt.datetime | None = None) -> tuple[StaffAssignment, StaffAssignment]:
    """Two staff members of the same role trade places (session, room or site, duty)."""
    now = now or timezone.now()
    one = _lock_session(first.session, actor, now)
    two = _lock_session(second.session, actor, now)
    a = StaffAssignment.objects.select_for_update(of=("self",)).select_related("staff", "room", "site").get(pk=first.pk)
    b = StaffAssignment.objects.select_for_update(of=("self",)).select_related("staff", "room", "site").get(pk=second.pk)
    if a.pk == b.pk or a.staff_id == b.staff_id:
        raise DomainError(_("请选择两位不同人员的安排。"), field="second")
    if one.batch_id != two.batch_id:
        raise DomainError(_("只能对调同一批次的安排。"), field="second")
    if a.staff.role != b.staff.role:
        raise DomainError(_("%(a)s（%(r)s）与 %(b)s（%(s)s）职责不同，不能对调。") % {
            "a": a.staff.name, "r": a.staff.get_role_display(), "b": b.staff.name, "s": b.staff.get_role_display()},
            field="second")
    for person, session, row in ((a.staff, two, b), (b.staff, one, a)):
        problem = _person_problem(staff=person, session=session, duty=row.duty, room=row.room, site_id=row.site_id,
                                  exclude=[a.pk, b.pk])
        if problem:
            raise DomainError(_("不能对调：%(p)s。") % {"p": problem}, field="second")
    before = {"first": snapshot(a), "second": snapshot(b)}
    fields = ("session_id", "duty", "site_id", "room_id")
    place_a, place_b = [getattr(a, f) for f in fields], [getattr(b, f) for f in fields]
    for row, place in ((a, place_b), (b, place_a)):
        for name, value in zip(fields, place, strict=True):
            setattr(row, name, value)
        row.source = StaffAssignment.Source.MANUAL
        row.save(update_fields=["session", "duty", "site", "room", "source", "updated_at"])
    a.refresh_from_db()
    b.refresh_from_db()
    _audit(actor, one, AuditEvent.Action.UPDATE, _("对调人员：%(a)s；%(b)s") % {
        "a": _assignment_text(a), "b": _assignment_text(b)}, before=before,
        after={"first": snapshot(a), "second": snapshot(b)}, organisation_id=one.batch.organisation_id)
    return a, b


@transaction.atomic
def panel_leader_set(*, actor: Actor, assignment: StaffAssignment, now: dt.datetime | None = None) -> StaffAssignment:
    """Name an examiner of a panel its leader (组长负责制); the former leader stays an examiner."""
    now = now or timezone.now()
    session = _lock_session(assignment.session, actor, now)
    row = StaffAssignment.objects.select_for_update(of=("self",)).select_related("staff", "room").get(pk=assignment.pk)
    if row.duty not in PANEL_DUTIES:
        raise DomainError(_("只有考评员可以担任考评组长。"))
    if row.duty == Duty.LEADER:
        return row
    StaffAssignment.objects.filter(session=session, room_id=row.room_id, duty=Duty.LEADER).update(
        duty=Duty.EXAMINER, source=StaffAssignment.Source.MANUAL)
    row.duty, row.source = Duty.LEADER, StaffAssignment.Source.MANUAL
    row.save(update_fields=["duty", "source", "updated_at"])
    _audit(actor, row, AuditEvent.Action.UPDATE, _("指定考评组长：%(t)s") % {"t": _assignment_text(row)},
           after=snapshot(row), organisation_id=session.batch.organisation_id)
    return row


# ---------------------------------------------------------------------------------------------
# Reading the arrangement: per session and room, and the export (SD att.4)


@dataclass
class RoomPlan:
    room: ExamRoom
    candidates: int
    staff: list[StaffAssignment]

    @property
    def proctors(self) -> list[StaffAssignment]:
        return [r for r in self.staff if r.duty == Duty.PROCTOR]

    @property
    def leader(self) -> StaffAssignment | None:
        return next((r for r in self.staff if r.duty == Duty.LEADER), None)

    @property
    def examiners(self) -> list[StaffAssignment]:
        return [r for r in self.staff if r.duty == Duty.EXAMINER]


@dataclass
class SessionPlan:
    session: ExamSession
    rooms: list[RoomPlan]
    heads: list[StaffAssignment]
    supervisors: list[StaffAssignment]

    @property
    def candidates(self) -> int:
        return sum(r.candidates for r in self.rooms)

    @property
    def capacity(self) -> int:
        return sum(r.room.capacity for r in self.rooms)


def arrangement_plans(batch: Batch, sessions: Iterable[ExamSession] | None = None) -> list[SessionPlan]:
    """The stored arrangement, session by session and room by room (a fixed number of queries)."""
    sessions = list(sessions if sessions is not None else batch.exam_sessions.select_related(
        "batch_item__occupation", "batch_item__work_type", "batch_item__level").prefetch_related("rooms__site").order_by(
        "starts_at", "pk"))
    counts = {(c["session_id"], c["room_id"]): c["n"] for c in Attempt.objects.filter(session__in=sessions).values(
        "session_id", "room_id").annotate(n=Count("pk")).order_by()}
    rows: dict[int, list[StaffAssignment]] = defaultdict(list)
    order: dict[str, int] = {Duty.SITE_HEAD: 0, Duty.LEADER: 1, Duty.EXAMINER: 2, Duty.PROCTOR: 3, Duty.SUPERVISOR: 4}
    for row in sorted(StaffAssignment.objects.filter(session__in=sessions).select_related("staff", "site"),
                      key=lambda r: (order[r.duty], r.staff.name, r.pk)):
        rows[row.session_id].append(row)
    plans = []
    for s in sessions:
        rooms = sorted(s.rooms.all(), key=lambda r: (r.site.name, r.name))
        plans.append(SessionPlan(
            session=s,
            rooms=[RoomPlan(room, counts.get((s.pk, room.pk), 0), [x for x in rows[s.pk] if x.room_id == room.pk])
                   for room in rooms],
            heads=[x for x in rows[s.pk] if x.duty == Duty.SITE_HEAD],
            supervisors=[x for x in rows[s.pk] if x.duty == Duty.SUPERVISOR]))
    return plans


ARRANGEMENT_COLUMNS = ["场次", "考核类型", "职业（工种）及等级", "考试时间", "考点", "考场", "座位数", "考生人数", "考点负责人",
                       "监考人员", "考评组长", "考评员", "质量督导员"]
SEATING_COLUMNS = ["准考证号", "姓名", "报名号", "场次", "考核类型", "考试时间", "考点", "考场", "座位号"]


def arrangement_export_xlsx(*, actor: Actor, batch: Batch, what: str = "rooms") -> bytes:
    """The room arrangement table (考场安排表, SD att.4: per session and room, with site head,
    proctors, panel leader and examiners, supervisors) or the candidates' seating list."""
    _require_affairs(actor, batch.organisation_id)
    if what == "seats":
        rows: list[list[Any]] = [
            [a.ticket_number, a.application.name, a.application.number, a.session.name, a.session.get_kind_display(),
             _local(a.session.starts_at), a.room.site.name if a.room else "", a.room.name if a.room else "",
             a.seat or ""]
            for a in Attempt.objects.filter(session__batch=batch).select_related(
                "application", "session", "room__site").order_by("session__starts_at", "room__site__name",
                                                                 "room__name", "seat")]
        content = write_xlsx(SEATING_COLUMNS, rows, title="考生座位表")
    else:
        rows = []
        for plan in arrangement_plans(batch):
            s = plan.session
            for room in plan.rooms:
                heads = [h.staff.name for h in plan.heads if h.site_id == room.room.site_id]
                rows.append([s.name, s.get_kind_display(), str(s.batch_item),
                             f"{_local(s.starts_at)} — {_local(s.ends_at)}", room.room.site.name, room.room.name,
                             room.room.capacity, room.candidates, "、".join(heads),
                             "、".join(r.staff.name for r in room.proctors),
                             room.leader.staff.name if room.leader else "",
                             "、".join(r.staff.name for r in room.examiners),
                             "、".join(r.staff.name for r in plan.supervisors)])
        content = write_xlsx(ARRANGEMENT_COLUMNS, rows, title="考场安排表")
    audit_record(actor=actor, action=AuditEvent.Action.EXPORT, obj=batch, summary=_("导出%(w)s") % {
        "w": _("考生座位表") if what == "seats" else _("考场安排表")}, organisation_id=batch.organisation_id)
    return content
