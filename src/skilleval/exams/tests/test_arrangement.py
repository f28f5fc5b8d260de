"""Rooms and staff (考场编排): sites and rooms, sessions of every kind, declared conflicts,
the automatic arrangement (every rule checked on the stored rows by `check_all`, which
knows nothing of the solver), the precise explanation when no arrangement exists (and
nothing written then), recusal, rotation, reruns that keep adjustments made by hand, the
manual adjustments with their refusals, and the pages (permissions, other tenants)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from skilleval.accounts.access import Actor, actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches import services as batch_services
from skilleval.batches.models import Application, Batch, BatchItem, BatchStaff
from skilleval.batches.tests.factories import application_data, candidate, filed_organisation
from skilleval.catalog.models import Occupation, PolicyProfile
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.core.workdays import working_calendar
from skilleval.orgs.sample import sample_id_number

from ..models import (
    Attempt,
    ExamRoom,
    ExamSession,
    ExamSite,
    ItemStatus,
    PracticalTask,
    RoomKind,
    StaffAssignment,
    StaffConflict,
)
from ..services import arrangement, cbt
from ..services.arrangement import ArrangementInfeasible, RoomData

pytestmark = pytest.mark.django_db
Duty = StaffAssignment.Duty
ROLE_OF_DUTY = {Duty.SITE_HEAD: "head", Duty.PROCTOR: "proctor", Duty.EXAMINER: "examiner", Duty.LEADER: "examiner",
                Duty.SUPERVISOR: "supervisor"}


@dataclass
class World:
    org: object
    manager: Actor
    batch: Batch
    item: BatchItem
    applications: list[Application]
    staff: dict[str, list[BatchStaff]]
    rooms: dict[str, ExamRoom]
    day: dt.date
    task: PracticalTask
    sessions: dict[str, ExamSession] = field(default_factory=dict)
    ids: dict[int, str] = field(default_factory=dict)  # application pk -> ID number

    def at(self, hour: int, minute: int = 0, day: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.day + dt.timedelta(days=day), dt.time(hour, minute)))

    def session(self, name: str, kind: str, rooms: list[str], start: dt.datetime, minutes: int = 120) -> ExamSession:
        session = cbt.session_create(
            actor=self.manager, batch=self.batch, batch_item=self.item, kind=kind, name=name,
            rooms=[self.rooms[r] for r in rooms], starts_at=start, ends_at=start + dt.timedelta(minutes=minutes),
            duration_minutes=minutes - 10, practical_task=self.task if kind == ExamSession.Kind.PRACTICAL else None)
        self.sessions[name] = session
        return session


def arrangement_world(jurisdiction, *, candidates: int = 6, roster=(1, 4, 7, 2), name: str = "合肥编排测试机械有限公司",
                      theory=(("机房一", 4), ("机房二", 4)), practical=(("实操一", 3), ("实操二", 3)),
                      sessions: bool = True, first: dt.date | None = None) -> World:
    """A filed organisation evaluating 车工 level 5 (theory 30 %, practical 60 %, review 10 %)
    three weeks from now, with `candidates` accepted applications, a roster of (heads,
    proctors, examiners, supervisors) and its plan confirmed, through the real services;
    a site with theory rooms and one with practical rooms and a review room; by default a
    paper theory session in the morning and a practical one in the afternoon of day 1."""
    org = filed_organisation(jurisdiction, name=name, scope=(("6-18-01-01", "", (5,)),))
    manager = actor_for(make_user(Role.ORG_ADMIN, organisation=org, full_name="王海燕"))
    today = timezone.localdate()
    first = first or today + dt.timedelta(days=21)
    batch = batch_services.batch_create(
        actor=manager, organisation=org, name="2026年第二期车工认定", registration_opens=today - dt.timedelta(days=30),
        registration_closes=today - dt.timedelta(days=25), first_exam_date=first,
        last_exam_date=first + dt.timedelta(days=2), sites="实训楼、车间", contact="李俊 0551-63821106")
    item = batch_services.batch_item_add(actor=manager, batch=batch, occupation_code="6-18-01-01", level_code=5,
                                         method="exam", theory_weight=30, practical_weight=60, review_weight=10)
    batch_services.batch_announce(actor=manager, batch=batch, today=today - dt.timedelta(days=30))
    applications, ids = [], {}
    for i in range(candidates):
        user = candidate(org, name=f"考生{i}")
        application = batch_services.application_submit(
            actor=actor_for(user), batch=batch, today=today - dt.timedelta(days=28),
            data=application_data(batch, id_number=user.person.id_number, name=f"考生{i}"))
        batch_services.application_review(actor=manager, application=application, decision="accept")
        applications.append(application)
        ids[application.pk] = user.person.id_number
    staff: dict[str, list[BatchStaff]] = defaultdict(list)
    names = {"head": "主考", "proctor": "监考", "examiner": "考评", "supervisor": "督导"}
    for role, count in zip(("head", "proctor", "examiner", "supervisor"), roster, strict=True):
        for k in range(count):
            staff[role].append(batch_services.batch_staff_add(actor=manager, batch=batch, role=role,
                                                              name=f"{names[role]}{k + 1}",
                                                              id_number=sample_id_number()))
    batch_services.batch_sign_commitment(actor=manager, batch=batch, signatory="王海燕")
    batch_services.batch_plan_save(actor=manager, batch=batch, plan=batch_services.plan_draft(batch))
    batch_services.batch_file_plan(actor=manager, batch=batch, today=working_calendar().subtract(first, 12).date)
    batch_services.batch_plan_confirm(actor=actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdiction)),
                                      batch=batch)
    batch.refresh_from_db()
    school = arrangement.site_create(actor=manager, name="实训楼", address="合肥市高新区创新大道 1 号")
    workshop = arrangement.site_create(actor=manager, name="车间", address="合肥市高新区创新大道 3 号")
    rooms = {}
    for room_name, seats in theory:
        rooms[room_name] = arrangement.room_create(actor=manager, site=school, data=RoomData(
            name=room_name, kind=RoomKind.THEORY, capacity=seats))
    for room_name, seats in practical:
        rooms[room_name] = arrangement.room_create(actor=manager, site=workshop, data=RoomData(
            name=room_name, kind=RoomKind.PRACTICAL, capacity=seats))
    rooms["评审室"] = arrangement.room_create(actor=manager, site=school, data=RoomData(
        name="评审室", kind=RoomKind.REVIEW, capacity=10))
    task = PracticalTask.objects.create(organisation=org, occupation=Occupation.objects.get(code="6-18-01-01"),
                                        level=5, code="CG5-P01", title="阶梯轴车削", description="按图车削阶梯轴。",
                                        rubric=[{"item": "尺寸", "points": 100, "criteria": "公差内"}],
                                        status=ItemStatus.APPROVED)
    world = World(org=org, manager=manager, batch=batch, item=item, applications=applications, staff=staff,
                  rooms=rooms, day=first, task=task, ids=ids)
    if sessions:
        world.session("理论笔试", ExamSession.Kind.THEORY_PAPER, [r for r, _s in theory], world.at(9))
        world.session("实操考核", ExamSession.Kind.PRACTICAL, [r for r, _s in practical], world.at(14), 180)
    return world


def check_all(batch: Batch, *, proctors: int = 2, heads: int = 1, panel: int = 3) -> None:
    """Every rule of the arrangement, read from the stored rows alone."""
    problems: list[str] = []
    sessions = list(batch.exam_sessions.prefetch_related("rooms"))
    attempts = list(Attempt.objects.filter(session__batch=batch).select_related("room"))
    rows = list(StaffAssignment.objects.filter(session__batch=batch).select_related("staff", "room", "session"))
    conflicts = set(StaffConflict.objects.filter(batch=batch).values_list("staff_id", "application_id"))
    part = {"theory_cbt": "theory", "theory_paper": "theory", "practical": "practical", "review": "review"}
    accepted = set(batch.applications.filter(status="accepted").values_list("pk", flat=True))
    by_session = {s.pk: s for s in sessions}
    # Candidates: one place per part, within capacity, seats unique, never two places at once.
    parts = {part[s.kind] for s in sessions}
    for p in parts:
        places = Counter(a.application_id for a in attempts if part[by_session[a.session_id].kind] == p)
        if set(places) != accepted or any(n != 1 for n in places.values()):
            problems.append(f"{p}: candidates placed {dict(places)}")
    seats = Counter((a.session_id, a.room_id, a.seat) for a in attempts)
    problems += [f"seat taken twice {k}" for k, n in seats.items() if n > 1]
    for a in attempts:
        if a.room is None or a.room not in by_session[a.session_id].rooms.all() or not 1 <= a.seat <= a.room.capacity:
            problems.append(f"attempt {a.ticket_number} badly seated")
    mine = defaultdict(list)
    for a in attempts:
        mine[a.application_id].append(by_session[a.session_id])
    for app, own in mine.items():
        for x in own:
            for y in own:
                if x.pk < y.pk and x.starts_at < y.ends_at and y.starts_at < x.ends_at:
                    problems.append(f"candidate {app} in {x} and {y} at once")
    # Staff per room, site and session.
    for s in sessions:
        used = {a.room_id for a in attempts if a.session_id == s.pk}
        here = [r for r in rows if r.session_id == s.pk]
        for room_id in used:
            in_room = [r for r in here if r.room_id == room_id]
            if s.kind in ("theory_cbt", "theory_paper", "practical") and \
                    sum(1 for r in in_room if r.duty == Duty.PROCTOR) < proctors:
                problems.append(f"{s} room {room_id}: proctors")
            if s.kind in ("practical", "review"):
                examiners = [r for r in in_room if r.duty in (Duty.EXAMINER, Duty.LEADER)]
                if len(examiners) < panel or len(examiners) % 2 == 0:
                    problems.append(f"{s} room {room_id}: panel of {len(examiners)}")
                if sum(1 for r in examiners if r.duty == Duty.LEADER) != 1:
                    problems.append(f"{s} room {room_id}: leaders")
        sites = {r.site_id for r in s.rooms.all() if r.pk in used}
        for site in sites:
            if sum(1 for r in here if r.duty == Duty.SITE_HEAD and r.site_id == site) != heads:
                problems.append(f"{s} site {site}: heads")
        if used and not any(r.duty == Duty.SUPERVISOR for r in here):
            problems.append(f"{s}: supervisor")
        for r in here:
            if r.duty in (Duty.PROCTOR, Duty.EXAMINER, Duty.LEADER) and r.room_id not in used:
                problems.append(f"{s}: {r.staff.name} in an empty room")
            # Recusal: the room (room duties), the site (heads), the session (supervisors).
            for a in attempts:
                if a.session_id != s.pk or (r.staff_id, a.application_id) not in conflicts:
                    continue
                if (r.duty == Duty.SUPERVISOR or (r.duty == Duty.SITE_HEAD and a.room.site_id == r.site_id)
                        or r.room_id == a.room_id):
                    problems.append(f"{r.staff.name} must avoid {a.application_id} in {s}")
    # People: their roster role, never two places at once (a head may keep one site), rotation.
    for r in rows:
        if ROLE_OF_DUTY[r.duty] != r.staff.role:
            problems.append(f"{r.staff.name} is {r.staff.role} but {r.duty}")
    for x in rows:
        for y in rows:
            at_once = x.session.starts_at < y.session.ends_at and y.session.starts_at < x.session.ends_at
            same_site_head = x.duty == y.duty == Duty.SITE_HEAD and x.site_id == y.site_id
            if x.pk < y.pk and x.staff_id == y.staff_id and at_once and not same_site_head:
                problems.append(f"{x.staff.name} in two places")
    panels = Counter((r.staff_id, r.room_id) for r in rows if r.duty in (Duty.EXAMINER, Duty.LEADER))
    problems += [f"examiner {k} twice in one room" for k, n in panels.items() if n > 1]
    assert not problems, problems


def snapshot_of(batch: Batch) -> tuple[set, set]:
    return (set(Attempt.objects.filter(session__batch=batch).values_list("application_id", "session_id", "room_id",
                                                                        "seat")),
            set(StaffAssignment.objects.filter(session__batch=batch).values_list("session_id", "staff_id", "duty",
                                                                                "room_id", "site_id")))


@pytest.fixture
def world(jurisdictions):
    return arrangement_world(jurisdictions["合肥市"])


# ---------------------------------------------------------------------------------------------
# Sites, rooms and sessions


def test_sites_and_rooms_are_checked_and_audited(world, jurisdictions):
    site = ExamSite.objects.get(organisation=world.org, name="实训楼")
    with pytest.raises(DomainError, match="考点“实训楼”已存在"):
        arrangement.site_create(actor=world.manager, name="实训楼")
    with pytest.raises(DomainError, match="座位数应在 1 至 999 之间") as refused:
        arrangement.room_create(actor=world.manager, site=site, data=RoomData(name="机房三", capacity=0))
    assert refused.value.field == "capacity"
    with pytest.raises(DomainError, match="考点“实训楼”已有考场“机房一”"):
        arrangement.room_create(actor=world.manager, site=site, data=RoomData(name="机房一", capacity=30))
    with pytest.raises(DomainError, match="未配备电子监控的考场，请在说明中写明"):
        arrangement.room_create(actor=world.manager, site=site, data=RoomData(name="机房三", capacity=30,
                                                                                has_video=False))
    room = arrangement.room_create(actor=world.manager, site=site, data=RoomData(
        name="机房三", capacity=30, has_video=False, notes="保密原因不装监控，全程两人录音并拍照留存"))
    assert AuditEvent.objects.filter(object_type="exams.examroom", object_id=str(room.pk), action="create").exists()
    stranger = actor_for(make_user(Role.ORG_ADMIN, organisation=filed_organisation(jurisdictions["合肥市"])))
    with pytest.raises(DomainError, match="您只能办理本单位的考务"):
        arrangement.room_update(actor=stranger, room=room, data=RoomData(name="机房三", capacity=10, notes="x",
                                                                          has_video=False))
    with pytest.raises(PermissionDenied):
        arrangement.site_create(actor=actor_for(make_user(Role.PROCTOR, organisation=world.org)), name="新考点")
    assert ExamRoom.objects.get(pk=room.pk).capacity == 30


def test_a_room_in_use_keeps_its_seats_and_its_kind(world):
    arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=1)
    room = world.rooms["机房一"]
    top = Attempt.objects.filter(room=room).order_by("-seat").first().seat
    assert top == 4
    with pytest.raises(DomainError, match=r"考场“实训楼 机房一”在场次“理论笔试”已编排考生 4 人、座位号排到 4，座位数不能少于 4"):
        arrangement.room_update(actor=world.manager, room=room, data=RoomData(name="机房一", capacity=3))
    with pytest.raises(DomainError, match="已用于场次“理论笔试”（理论知识（笔试）），不能改为实操考场"):
        arrangement.room_update(actor=world.manager, room=room, data=RoomData(
            name="机房一", kind=RoomKind.PRACTICAL, capacity=4))
    arrangement.room_update(actor=world.manager, room=room, data=RoomData(name="机房一", capacity=40))
    assert ExamRoom.objects.get(pk=room.pk).capacity == 40


def test_sessions_of_every_kind_need_their_own_rooms_and_content(world):
    kwargs = dict(actor=world.manager, batch=world.batch, batch_item=world.item, name="第2场",
                  starts_at=world.at(9, day=1), ends_at=world.at(11, day=1), duration_minutes=90)
    with pytest.raises(DomainError, match="操作技能考核须选择操作技能试题"):
        cbt.session_create(kind=ExamSession.Kind.PRACTICAL, rooms=[world.rooms["实操一"]], **kwargs)
    with pytest.raises(DomainError, match="操作技能考核应安排在实操考场，“实训楼 机房一”是理论考场"):
        cbt.session_create(kind=ExamSession.Kind.PRACTICAL, rooms=[world.rooms["机房一"]],
                           practical_task=world.task, **kwargs)
    PracticalTask.objects.filter(pk=world.task.pk).update(status=ItemStatus.DRAFT)
    with pytest.raises(DomainError, match="尚未审定"):
        cbt.session_create(kind=ExamSession.Kind.PRACTICAL, rooms=[world.rooms["实操一"]],
                           practical_task=PracticalTask.objects.get(pk=world.task.pk), **kwargs)
    with pytest.raises(DomainError, match="机考须选择组卷方案"):
        cbt.session_create(kind=ExamSession.Kind.THEORY_CBT, rooms=[world.rooms["机房一"]], **kwargs)
    review = cbt.session_create(kind=ExamSession.Kind.REVIEW, rooms=[world.rooms["评审室"]], **kwargs)
    assert review.practical_task is None and review.blueprint is None and not review.per_candidate_papers
    with pytest.raises(DomainError, match="“车工 五级/初级工”的评价方式不含综合评审"):
        BatchItem.objects.filter(pk=world.item.pk).update(review_weight=0)
        cbt.session_create(kind=ExamSession.Kind.REVIEW, rooms=[world.rooms["评审室"]],
                           batch_item=BatchItem.objects.get(pk=world.item.pk),
                           **{k: v for k, v in kwargs.items() if k != "batch_item"})


def test_seating_a_session_refuses_when_seats_run_out(world):
    session = world.sessions["实操考核"]
    with pytest.raises(DomainError, match="考场座位不足：本场次尚有空座 3 个，待编排考生 6 人，请增加考场"):
        arrangement.session_rooms_set(actor=world.manager, session=session, rooms=[world.rooms["实操一"]])
        cbt.seats_assign(actor=world.manager, session=session)
    assert not Attempt.objects.filter(session=session).exists()
    arrangement.session_rooms_set(actor=world.manager, session=session,
                                  rooms=[world.rooms["实操一"], world.rooms["实操二"]])
    attempts = cbt.seats_assign(actor=world.manager, session=session)
    assert len(attempts) == 6 and all(a.paper is None for a in attempts)
    with pytest.raises(DomainError, match=r"考场“车间 实操二”已编排考生 3 人，请先将考生调到其他考场"):
        arrangement.session_rooms_set(actor=world.manager, session=session, rooms=[world.rooms["实操一"]])


# ---------------------------------------------------------------------------------------------
# The automatic arrangement


def test_the_arrangement_meets_every_rule_and_is_reproducible(world):
    result = arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=42)
    check_all(world.batch)
    assert result.seats == 12 and result.new_attempts == 12 and result.sessions == 2
    assert "综合评审" in " ".join(result.notices)  # the plan weighs a review no session serves yet
    assert arrangement.arrangement_problems(world.batch) == []
    first = snapshot_of(world.batch)
    tickets = set(Attempt.objects.values_list("ticket_number", flat=True))
    event = AuditEvent.objects.get(object_type="batches.batch", object_id=str(world.batch.pk),
                                   summary__startswith="自动编排")
    assert event.after["seed"] == 42 and "随机种子 42" in event.summary
    again = arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=42)
    assert again.new_attempts == 0 and snapshot_of(world.batch) == first
    assert set(Attempt.objects.values_list("ticket_number", flat=True)) == tickets  # tickets are kept


def test_a_declared_conflict_moves_the_candidate_away_from_the_examiner(jurisdictions):
    # Two practical rooms need both panels of three: all six examiners serve, so the candidate
    # must sit in the room of the panel without the examiner they declared a conflict with.
    world = arrangement_world(jurisdictions["合肥市"], roster=(1, 4, 6, 2))
    examiner, student = world.staff["examiner"][0], world.applications[0]
    conflict = arrangement.conflict_declare(actor=world.manager, staff=examiner, application=student,
                                            kind=StaffConflict.Kind.FAMILY, note="表兄弟")
    for seed in (1, 2, 3):
        arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=seed)
        check_all(world.batch)
        room = Attempt.objects.get(session=world.sessions["实操考核"], application=student).room
        assert not StaffAssignment.objects.filter(session=world.sessions["实操考核"], room=room,
                                                  staff=examiner).exists()
        assert StaffAssignment.objects.filter(session=world.sessions["实操考核"], staff=examiner).exists()
    assert conflict.get_kind_display() == "亲属关系"


def test_a_recusal_that_cannot_be_honoured_is_named_and_nothing_is_written(jurisdictions):
    world = arrangement_world(jurisdictions["合肥市"], candidates=3, roster=(1, 2, 3, 1),
                              practical=(("实操一", 3),))
    arrangement.conflict_declare(actor=world.manager, staff=world.staff["examiner"][1],
                                 application=world.applications[2], kind=StaffConflict.Kind.TEAM)
    events = AuditEvent.objects.count()
    with pytest.raises(ArrangementInfeasible) as refused:
        arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=7)
    message = refused.value.message
    assert "考评员 考评2 与考生 考生2 存在回避关系（同一班组/团队），而场次“实操考核”只有一个考场可以安排该考生" in message
    assert "场次“实操考核”考场“车间 实操一”需要考评员 3 名，该时段可用的考评员 3 名中有 1 名须回避" in message
    assert not Attempt.objects.exists() and not StaffAssignment.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_shortage_of_proctors_is_named_before_solving(world):
    PolicyProfile.objects.filter(pk=world.batch.organisation.jurisdiction.policy_profile().pk).update(
        min_proctors_per_room=3)
    with pytest.raises(ArrangementInfeasible, match="场次“理论笔试”的 2 个考场共需要监考人员 6 名，该时段可用的监考人员只有 4 名"):
        arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=1)
    assert not Attempt.objects.exists() and not StaffAssignment.objects.exists()


def test_one_room_one_proctor_short_names_the_room(jurisdictions):
    world = arrangement_world(jurisdictions["合肥市"], candidates=3, roster=(1, 2, 3, 1),
                              theory=(("机房一", 4),), practical=(("实操一", 3),))
    PolicyProfile.objects.filter(pk=world.batch.organisation.jurisdiction.policy_profile().pk).update(
        min_proctors_per_room=3, min_examiners_per_candidate=5)
    with pytest.raises(ArrangementInfeasible) as refused:
        arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=1)
    assert refused.value.reasons == [
        "场次“理论笔试”考场“实训楼 机房一”需要监考人员 3 名，该时段可用的监考人员只有 2 名",
        "场次“实操考核”考场“车间 实操一”需要监考人员 3 名，该时段可用的监考人员只有 2 名",
        "场次“实操考核”考场“车间 实操一”需要考评员 5 名，该时段可用的考评员只有 3 名"]


def test_seats_and_time_conflicts_are_refused_precisely(world):
    ExamRoom.objects.filter(pk=world.rooms["机房二"].pk).update(capacity=1)
    with pytest.raises(ArrangementInfeasible, match="“车工 五级/初级工”理论知识考试的考场座位不足：场次“理论笔试”共有空座 5 个，需编排考生 6 人"):
        arrangement.arrangement_run(actor=world.manager, batch=world.batch)
    ExamRoom.objects.filter(pk=world.rooms["机房二"].pk).update(capacity=4)
    ExamSession.objects.filter(pk=world.sessions["实操考核"].pk).update(starts_at=world.at(10), ends_at=world.at(13))
    with pytest.raises(ArrangementInfeasible, match="考生 考生0（报名号 .*）无法安排操作技能考核：有空座的场次都与其场次“理论笔试”时间重叠"):
        arrangement.arrangement_run(actor=world.manager, batch=world.batch)
    ExamSession.objects.filter(pk=world.sessions["实操考核"].pk).update(starts_at=world.at(14), ends_at=world.at(17))
    other = world.session("理论补考", ExamSession.Kind.THEORY_PAPER, ["机房一"], world.at(10))
    with pytest.raises(ArrangementInfeasible, match="考场“实训楼 机房一”同时用于时间重叠的场次“理论笔试”和“理论补考”"):
        arrangement.arrangement_run(actor=world.manager, batch=world.batch)
    assert not Attempt.objects.exists() and other.pk


def test_rotation_is_named_when_examiners_cannot_change_rooms(jurisdictions):
    world = arrangement_world(jurisdictions["合肥市"], candidates=6, roster=(1, 2, 5, 1), theory=(("机房一", 6),),
                              practical=(("实操一", 3), ("实操二", 3)), sessions=False)
    world.session("理论笔试", ExamSession.Kind.THEORY_PAPER, ["机房一"], world.at(9))
    world.session("实操上午", ExamSession.Kind.PRACTICAL, ["实操一"], world.at(13), 120)
    world.session("实操下午", ExamSession.Kind.PRACTICAL, ["实操一"], world.at(15, 30), 120)
    with pytest.raises(ArrangementInfeasible) as refused:
        arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=3)
    assert refused.value.reasons == [
        "场次“实操上午”考场“车间 实操一”、场次“实操下午”考场“车间 实操一”共需要考评员 6 名，可以安排的考评员只有 5 名",
        "考评员轮换制：同一考评员在本批次不在同一考场重复执考"]
    # A second practical room lets the examiners rotate.
    arrangement.session_rooms_set(actor=world.manager, session=world.sessions["实操下午"],
                                  rooms=[world.rooms["实操二"]])
    arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=3)
    check_all(world.batch)


def test_sessions_side_by_side_share_the_site_head_but_nobody_else(jurisdictions):
    world = arrangement_world(jurisdictions["合肥市"], candidates=4, roster=(1, 4, 3, 2),
                              theory=(("机房一", 2), ("机房二", 2)), sessions=False)
    world.session("理论A", ExamSession.Kind.THEORY_PAPER, ["机房一"], world.at(9))
    world.session("理论B", ExamSession.Kind.THEORY_PAPER, ["机房二"], world.at(9, 30))
    arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=5)
    check_all(world.batch)
    heads = set(StaffAssignment.objects.filter(duty=Duty.SITE_HEAD).values_list("staff_id", "site_id"))
    assert len(heads) == 1  # one head for the site, for both sessions
    assert StaffAssignment.objects.filter(duty=Duty.SITE_HEAD).count() == 2
    assert StaffAssignment.objects.filter(duty=Duty.SUPERVISOR).values("staff_id").distinct().count() == 2


def test_a_person_on_duty_in_another_batch_is_not_available(jurisdictions):
    world = arrangement_world(jurisdictions["合肥市"], roster=(1, 5, 7, 2))
    other = Batch.objects.create(
        organisation=world.org, code=f"{world.org.filing_number}-X1", name="另一批次", status=Batch.Status.PLAN_CONFIRMED,
        registration_opens=world.day, registration_closes=world.day, first_exam_date=world.day,
        last_exam_date=world.day, sites="实训楼", contact="李俊")
    item = BatchItem.objects.create(batch=other, occupation=world.item.occupation, level=world.item.level,
                                    theory_weight=100)
    busy = world.staff["proctor"][0]
    twin = BatchStaff.objects.create(batch=other, role="proctor", name=busy.name, id_number=busy.id_number)
    session = ExamSession.objects.create(batch=other, batch_item=item, kind="theory_paper", name="另一批次理论",
                                         starts_at=world.at(8), ends_at=world.at(12), duration_minutes=90)
    StaffAssignment.objects.create(session=session, staff=twin, duty=Duty.PROCTOR, source="manual")
    arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=9)
    check_all(world.batch)
    assert not StaffAssignment.objects.filter(staff=busy, session=world.sessions["理论笔试"]).exists()
    assert arrangement.arrangement_problems(world.batch) == []


def test_a_rerun_keeps_valid_manual_rows_and_drops_the_others(jurisdictions):
    world = arrangement_world(jurisdictions["合肥市"], roster=(1, 5, 7, 2))
    arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=11)
    practical = world.sessions["实操考核"]
    row = StaffAssignment.objects.filter(session=practical, duty=Duty.PROCTOR).first()
    spare = next(p for p in world.staff["proctor"] if not StaffAssignment.objects.filter(
        session=practical, staff=p).exists())
    kept = arrangement.staff_replace(actor=world.manager, assignment=row, staff=spare)
    assert kept.source == "manual"
    result = arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=12)
    check_all(world.batch)
    assert result.kept_manual == 1 and StaffAssignment.objects.filter(pk=kept.pk, staff=spare).exists()
    # The candidate moved into that room declares a conflict with the kept proctor: the row goes.
    student = Attempt.objects.filter(session=practical, room=kept.room).first().application
    arrangement.conflict_declare(actor=world.manager, staff=spare, application=student, kind="team")
    assert any("回避" in p for p in arrangement.arrangement_problems(world.batch))
    result = arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=12)
    check_all(world.batch)
    assert arrangement.arrangement_problems(world.batch) == []


# ---------------------------------------------------------------------------------------------
# Manual adjustment afterwards


def test_moving_a_candidate_is_checked(world):
    arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=21)
    theory = world.sessions["理论笔试"]
    first, second = Attempt.objects.filter(session=theory, room=world.rooms["机房一"]).select_related(
        "application")[:2]
    occupant = Attempt.objects.select_related("application").get(session=theory, room=world.rooms["机房二"], seat=1)
    with pytest.raises(DomainError, match=f"考场“实训楼 机房二”第 1 号座位已由考生 {occupant.application.name} 使用"):
        arrangement.attempt_move(actor=world.manager, attempt=first, room=world.rooms["机房二"], seat=1)
    with pytest.raises(DomainError, match="座位号应在 1 至 4 之间"):
        arrangement.attempt_move(actor=world.manager, attempt=first, room=world.rooms["机房二"], seat=9)
    with pytest.raises(DomainError, match="考场“车间 实操一”不是场次“理论笔试”的考场"):
        arrangement.attempt_move(actor=world.manager, attempt=first, room=world.rooms["实操一"])
    proctor = StaffAssignment.objects.filter(session=theory, room=world.rooms["机房二"], duty=Duty.PROCTOR).first()
    arrangement.conflict_declare(actor=world.manager, staff=proctor.staff, application=first.application,
                                 kind="family")
    with pytest.raises(DomainError, match=f"监考人员 {proctor.staff.name} 与考生 {first.application.name} 存在回避关系（亲属关系），不能将考生编入考场“实训楼 机房二”"):
        arrangement.attempt_move(actor=world.manager, attempt=first, room=world.rooms["机房二"])
    assert Attempt.objects.get(pk=first.pk).room == world.rooms["机房一"]
    moved = arrangement.attempt_move(actor=world.manager, attempt=second, room=world.rooms["机房二"])
    assert (moved.room, moved.seat) == (world.rooms["机房二"], 3)
    assert AuditEvent.objects.filter(summary__contains=f"调整考生座位：{second.application.name}").exists()
    check_all(world.batch)


def test_a_candidate_cannot_move_into_an_unstaffed_room(jurisdictions):
    world = arrangement_world(jurisdictions["合肥市"], candidates=3, roster=(1, 4, 6, 2))
    arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=2)
    theory = world.sessions["理论笔试"]
    assert not Attempt.objects.filter(session=theory, room=world.rooms["机房二"]).exists()
    attempt = Attempt.objects.filter(session=theory).first()
    with pytest.raises(DomainError, match="考场“实训楼 机房二”监考人员只有 0 名（需 2 名），请先安排考务人员或重新自动编排"):
        arrangement.attempt_move(actor=world.manager, attempt=attempt, room=world.rooms["机房二"])
    free = [p for p in world.staff["proctor"] if not StaffAssignment.objects.filter(session=theory, staff=p).exists()]
    for proctor in free[:2]:
        arrangement.staff_assign(actor=world.manager, session=theory, staff=proctor, duty=Duty.PROCTOR,
                                 room=world.rooms["机房二"])
    moved = arrangement.attempt_move(actor=world.manager, attempt=attempt, room=world.rooms["机房二"])
    assert moved.seat == 1
    check_all(world.batch)


def test_staff_changes_by_hand_are_checked(world):
    arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=31)
    theory, practical = world.sessions["理论笔试"], world.sessions["实操考核"]
    proctor_row = StaffAssignment.objects.filter(session=theory, duty=Duty.PROCTOR).select_related("room").first()
    with pytest.raises(DomainError, match="考评1 的考务职责是考评员，不能任监考人员"):
        arrangement.staff_replace(actor=world.manager, assignment=proctor_row, staff=world.staff["examiner"][0])
    busy = StaffAssignment.objects.filter(session=theory, duty=Duty.PROCTOR).exclude(
        room=proctor_row.room).first()
    with pytest.raises(DomainError, match=f"{busy.staff.name} 已在本场次任监考人员"):
        arrangement.staff_replace(actor=world.manager, assignment=proctor_row, staff=busy.staff)
    with pytest.raises(DomainError, match=r"移除后考场“实训楼 机房.”监考人员只有 1 名（需 2 名）；请改用“替换”或“对调”"):
        arrangement.staff_unassign(actor=world.manager, assignment=proctor_row)
    head = StaffAssignment.objects.filter(session=practical, duty=Duty.SITE_HEAD).first()
    with pytest.raises(DomainError, match="考点“车间”有考生，不能没有考点负责人"):
        arrangement.staff_unassign(actor=world.manager, assignment=head)
    # Rotation: an examiner of the practical room cannot be put in the same room in another session.
    extra = world.session("实操补考", ExamSession.Kind.PRACTICAL, ["实操一"], world.at(9, day=1), 120)
    examiner = StaffAssignment.objects.filter(session=practical, room=world.rooms["实操一"],
                                              duty__in=[Duty.EXAMINER, Duty.LEADER]).first().staff
    with pytest.raises(DomainError, match=f"考评员 {examiner.name} 已在场次“实操考核”于考场“车间 实操一”执考，按轮换制不能再安排到同一考场"):
        arrangement.staff_assign(actor=world.manager, session=extra, staff=examiner, duty=Duty.EXAMINER,
                                 room=world.rooms["实操一"])
    # Two places at once.
    overlapping = world.session("实操加场", ExamSession.Kind.PRACTICAL, ["实操二"], world.at(15), 60)
    with pytest.raises(DomainError, match=f"{examiner.name} 同一时段已在场次“实操考核”任"):
        arrangement.staff_assign(actor=world.manager, session=overlapping, staff=examiner, duty=Duty.EXAMINER,
                                 room=world.rooms["实操二"])
    # Recusal.
    student = Attempt.objects.filter(session=practical, room=world.rooms["实操二"]).first().application
    outsider = next(p for p in world.staff["examiner"] if not StaffAssignment.objects.filter(
        session=practical, staff=p).exists())
    arrangement.conflict_declare(actor=world.manager, staff=outsider, application=student, kind="team")
    target = StaffAssignment.objects.filter(session=practical, room=world.rooms["实操二"], duty=Duty.EXAMINER).first()
    before = snapshot_of(world.batch)
    with pytest.raises(DomainError, match=f"{outsider.name} 与考生 {student.name} 存在回避关系（同一班组/团队），不能在考场“车间 实操二”任考评员"):
        arrangement.staff_replace(actor=world.manager, assignment=target, staff=outsider)
    assert snapshot_of(world.batch) == before
    # Swap two examiners across rooms: both panels stay valid; leader named by hand.
    one = StaffAssignment.objects.filter(session=practical, room=world.rooms["实操一"], duty=Duty.EXAMINER).first()
    two = StaffAssignment.objects.filter(session=practical, room=world.rooms["实操二"], duty=Duty.EXAMINER).first()
    first, second = arrangement.staff_swap(actor=world.manager, first=one, second=two)
    assert first.room == world.rooms["实操二"] and second.room == world.rooms["实操一"]
    leader = arrangement.panel_leader_set(actor=world.manager, assignment=first)
    assert leader.duty == Duty.LEADER
    assert StaffAssignment.objects.filter(session=practical, room=world.rooms["实操二"], duty=Duty.LEADER).count() == 1
    check_all(world.batch)


def test_conflicts_are_declared_by_exam_affairs_or_the_staff_member_themself(world):
    examiner = world.staff["examiner"][0]
    user = make_user(Role.EXAMINER, organisation=world.org, full_name=examiner.name)
    other_user = make_user(Role.EXAMINER, organisation=world.org, full_name="别人")
    with pytest.raises(DomainError, match="不是本单位的监考人员账号"):
        arrangement.staff_account_link(actor=world.manager, staff=world.staff["proctor"][0], user=user)
    arrangement.staff_account_link(actor=world.manager, staff=examiner, user=user)
    with pytest.raises(DomainError, match="已关联到本批次的考评员 考评1"):
        arrangement.staff_account_link(actor=world.manager, staff=world.staff["examiner"][1], user=user)
    with pytest.raises(PermissionDenied):
        arrangement.conflict_declare(actor=actor_for(other_user), staff=examiner,
                                     application=world.applications[0], kind="team")
    own = arrangement.conflict_declare(actor=actor_for(user), staff=examiner, application=world.applications[0],
                                       kind="other", note="师徒关系")
    with pytest.raises(DomainError, match="考评1 与考生 考生0 的回避关系已申报"):
        arrangement.conflict_declare(actor=world.manager, staff=examiner, application=world.applications[0],
                                     kind="team")
    with pytest.raises(DomainError, match="“其他”回避事由请写明具体关系"):
        arrangement.conflict_declare(actor=world.manager, staff=examiner, application=world.applications[1],
                                     kind="other")
    arrangement.conflict_withdraw(actor=actor_for(user), conflict=own)
    assert not StaffConflict.objects.exists()


# ---------------------------------------------------------------------------------------------
# Pages


def test_the_arrangement_pages_for_exam_affairs(client, world, django_assert_max_num_queries):
    client.force_login(world.manager.user)
    assert "2026年第二期车工认定" in client.get(reverse("exams:arrangement_index")).content.decode()
    url = reverse("exams:arrangement_batch", args=[world.batch.pk])
    assert "尚未编排" in client.get(url).content.decode()
    response = client.post(reverse("exams:arrangement_run", args=[world.batch.pk]), {"seed": "5"}, follow=True)
    page = response.content.decode()
    assert "已完成自动编排：2 个场次，考生 12 人次" in page and "随机种子 5" in page
    assert "当前编排满足全部要求" in page
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    world.session("综合评审", ExamSession.Kind.REVIEW, ["评审室"], world.at(9, day=1))
    arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=6)
    with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as more:
        assert "综合评审" in client.get(url).content.decode()
    assert len(more.captured_queries) == len(first.captured_queries)  # no query per session, room or row
    export = client.get(reverse("exams:arrangement_export", args=[world.batch.pk]))
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("场次", "考核类型", "职业（工种）及等级", "考试时间", "考点", "考场")
    practical = [r for r in rows if r[0] == "实操考核"]
    assert len(practical) == 2 and all(r[10] and len(r[11].split("、")) == 2 for r in practical)
    seats = load_workbook(io.BytesIO(client.get(reverse("exams:arrangement_export", args=[world.batch.pk]) +
                                                "?what=seats").content)).active
    assert seats.max_row == 1 + Attempt.objects.filter(session__batch=world.batch).count()
    session_page = client.get(reverse("exams:arrangement_session", args=[world.sessions["实操考核"].pk]))
    assert "考评组长" in session_page.content.decode() and "设为组长" in session_page.content.decode()
    bad = client.post(reverse("exams:arrangement_run", args=[world.batch.pk]), {"seed": "-1"}, follow=True)
    assert "随机种子" in bad.content.decode()
    # Sites and rooms with a refused capacity.
    response = client.post(reverse("exams:arrangement_room_create"), {
        "site": ExamSite.objects.get(name="实训楼").pk, "name": "机房九", "kind": "theory", "capacity": "1000",
        "has_video": "on"})
    assert "确保该值小于或等于999" in response.content.decode() or "999" in response.content.decode()
    assert not ExamRoom.objects.filter(name="机房九").exists()
    listing = client.get(reverse("exams:arrangement_rooms") + "?kind=practical").content.decode()
    assert "实操一" in listing and "机房一" not in listing
    assert client.get(reverse("exams:arrangement_rooms") + "?export=xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats")


def test_staff_see_their_own_duties_and_others_are_refused(client, world, jurisdictions):
    examiner = world.staff["examiner"][0]
    user = make_user(Role.EXAMINER, organisation=world.org, full_name=examiner.name)
    arrangement.staff_account_link(actor=world.manager, staff=examiner, user=user)
    arrangement.arrangement_run(actor=world.manager, batch=world.batch, seed=8)
    client.force_login(user)
    assert client.get(reverse("exams:arrangement_batch", args=[world.batch.pk])).status_code == 403
    assert client.post(reverse("exams:arrangement_run", args=[world.batch.pk])).status_code == 403
    mine = client.get(reverse("exams:arrangement_mine")).content.decode()
    duties = StaffAssignment.objects.filter(staff=examiner).count()
    assert mine.count("实操考核") >= duties >= 1
    response = client.post(reverse("exams:arrangement_my_conflict", args=[examiner.pk]), {
        f"m{examiner.pk}-staff": examiner.pk, f"m{examiner.pk}-application": world.applications[1].pk,
        f"m{examiner.pk}-kind": "family", f"m{examiner.pk}-note": ""}, follow=True)
    assert "已申报回避：考生 考生1" in response.content.decode()
    assert StaffConflict.objects.filter(staff=examiner, application=world.applications[1]).exists()
    # Another roster entry is not theirs: 404, nothing recorded.
    other = world.staff["examiner"][1]
    response = client.post(reverse("exams:arrangement_my_conflict", args=[other.pk]), {
        f"m{other.pk}-staff": other.pk, f"m{other.pk}-application": world.applications[2].pk,
        f"m{other.pk}-kind": "family"})
    assert response.status_code == 404 and not StaffConflict.objects.filter(staff=other).exists()

    stranger = make_user(Role.ORG_ADMIN, organisation=filed_organisation(jurisdictions["合肥市"]))
    client.force_login(stranger)
    before = snapshot_of(world.batch)
    for name, args in (("arrangement_batch", [world.batch.pk]), ("arrangement_session", [world.sessions["理论笔试"].pk]),
                       ("arrangement_room_edit", [world.rooms["机房一"].pk]), ("arrangement_conflicts", [world.batch.pk])):
        assert client.get(reverse(f"exams:{name}", args=args)).status_code == 404
    row = StaffAssignment.objects.filter(duty=Duty.PROCTOR).first()
    assert client.post(reverse("exams:arrangement_staff_remove", args=[row.pk])).status_code == 404
    assert client.post(reverse("exams:arrangement_run", args=[world.batch.pk])).status_code == 404
    assert snapshot_of(world.batch) == before
