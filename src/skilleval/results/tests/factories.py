"""A batch ready to be scored, on top of the exams tests' world (a filed organisation
evaluating 车工 level 5 — theory 30 %, practical 60 %, review 10 % — with its plan
confirmed through the real services): a computer-based theory session with its seats,
a practical session with a rubric and a review session, each candidate seated in a room,
and the room's examiner panel (exams.StaffAssignment rows, created directly: the
automatic arrangement is another part's work) whose members have accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from skilleval.accounts.access import Actor, actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches.models import Application, BatchStaff
from skilleval.exams.models import (
    Attempt,
    ExamRoom,
    ExamSession,
    ExamSite,
    PracticalTask,
    RoomKind,
    StaffAssignment,
)
from skilleval.exams.services import cbt
from skilleval.exams.tests.test_cbt import World, build_world, make_paper, make_session
from skilleval.orgs.sample import sample_id_number

from ..services import outcomes, publicity, reports, scoring

RUBRIC = [
    {"item": "尺寸精度", "points": 40, "criteria": "外圆、长度尺寸符合图纸公差"},
    {"item": "表面粗糙度", "points": 30, "criteria": "Ra 3.2 以内"},
    {"item": "安全文明生产", "points": 30, "criteria": "着装规范，工量具摆放整齐"},
]
REVIEW_RUBRIC = [{"item": "工作业绩", "points": 60, "criteria": "近三年工作业绩"},
                 {"item": "职业道德", "points": 40, "criteria": "遵章守纪"}]


@dataclass
class ResultsWorld:
    world: World
    theory: ExamSession
    practical: ExamSession
    review: ExamSession
    practical_room: ExamRoom
    review_room: ExamRoom
    examiners: list[Actor]  # examiners[0] leads both panels
    staff: list[BatchStaff]
    authority: Actor
    attempts: dict[tuple[str, int], Attempt] = field(default_factory=dict)

    @property
    def batch(self):
        return self.world.batch

    @property
    def manager(self) -> Actor:
        return self.world.manager

    @property
    def applications(self) -> list[Application]:
        return self.world.applications

    @property
    def leader(self) -> Actor:
        return self.examiners[0]

    def attempt(self, module: str, application: Application) -> Attempt:
        return self.attempts[(module, application.pk)]


def _session(world: World, kind: str, name: str, room: ExamRoom, task: PracticalTask | None = None) -> ExamSession:
    now = timezone.now()
    session = ExamSession.objects.create(
        batch=world.batch, batch_item=world.item, kind=kind, practical_task=task, name=name,
        starts_at=now - dt.timedelta(hours=2), ends_at=now + dt.timedelta(hours=2), duration_minutes=120)
    session.rooms.set([room])
    return session


def build_results_world(jurisdiction, *, candidates: int = 3, examiners: int = 3, name: str = "合肥成绩测试机床有限公司",
                        usernames: tuple[str, ...] = ()) -> ResultsWorld:
    world = build_world(jurisdiction, candidates=candidates, name=name)
    org = world.org
    theory = make_session(world)
    cbt.seats_assign(actor=world.manager, session=theory, paper=make_paper(world))
    task = PracticalTask.objects.create(
        organisation=org, occupation=world.item.occupation, level=5, code="CG5-P01", title="阶梯轴车削加工",
        description="按图纸加工阶梯轴一件。", duration_minutes=120, rubric=RUBRIC, status="approved")
    review_task = PracticalTask.objects.create(
        organisation=org, occupation=world.item.occupation, level=5, code="CG5-R01", title="综合评审",
        description="业绩与职业素养综合评审。", duration_minutes=30, rubric=REVIEW_RUBRIC, status="approved")
    site = ExamSite.objects.get(organisation=org)
    practical_room = ExamRoom.objects.create(site=site, name="二号车间实操考场", kind=RoomKind.PRACTICAL, capacity=10)
    review_room = ExamRoom.objects.create(site=site, name="综合评审室", kind=RoomKind.REVIEW, capacity=10)
    practical = _session(world, ExamSession.Kind.PRACTICAL, "车工五级操作技能考核", practical_room, task)
    review = _session(world, ExamSession.Kind.REVIEW, "车工五级综合评审", review_room, review_task)

    staff = list(BatchStaff.objects.filter(batch=world.batch, role=BatchStaff.Role.EXAMINER).order_by("pk"))
    while len(staff) < examiners:  # a larger pool, added as the roster would have had it
        staff.append(BatchStaff.objects.create(batch=world.batch, role=BatchStaff.Role.EXAMINER,
                                               name=f"考评员{len(staff)}", id_number=sample_id_number()))
    actors = []
    for index, member in enumerate(staff):
        username = usernames[index] if index < len(usernames) else None
        user = make_user(Role.EXAMINER, organisation=org, username=username,
                         full_name=["钱国华", "陈立群", "马文涛", "宋建华", "许文斌", "周宏", "吴刚"][index % 7])
        BatchStaff.objects.filter(pk=member.pk).update(user=user, name=user.full_name)
        member.refresh_from_db()
        actors.append(actor_for(user))
    for session, room in ((practical, practical_room), (review, review_room)):
        for index, member in enumerate(staff[:examiners]):
            StaffAssignment.objects.create(session=session, staff=member, room=room,
                                           duty=StaffAssignment.Duty.LEADER if index == 0 else
                                           StaffAssignment.Duty.EXAMINER)
    attempts: dict[tuple[str, int], Attempt] = {}
    for attempt in Attempt.objects.filter(session=theory):
        attempts[("theory", attempt.application_id)] = attempt
    for module, session, room, prefix in (("practical", practical, practical_room, "P"),
                                          ("review", review, review_room, "R")):
        for seat, application in enumerate(world.applications, start=1):
            attempts[(module, application.pk)] = Attempt.objects.create(
                session=session, application=application, ticket_number=f"{prefix}{session.pk:04d}{seat:04d}",
                room=room, seat=seat, status=Attempt.Status.SUBMITTED, checked_in_at=timezone.now())
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdiction, full_name="胡晓东"))
    return ResultsWorld(world=world, theory=theory, practical=practical, review=review, practical_room=practical_room,
                        review_room=review_room, examiners=actors[:examiners], staff=staff[:examiners],
                        authority=authority, attempts=attempts)


def confirm_theory(rw: ResultsWorld, application: Application, objective: str = "9", subjective: str = "0") -> Attempt:
    """The computer-based theory total as the exams part leaves it once confirmed (paper of 12 points)."""
    attempt = rw.attempt("theory", application)
    Attempt.objects.filter(pk=attempt.pk).update(
        status=Attempt.Status.SUBMITTED, objective_score=Decimal(objective), subjective_score=Decimal(subjective),
        confirmed_at=timezone.now(), confirmed_by=rw.manager.user)
    attempt.refresh_from_db()
    return attempt


def score(rw: ResultsWorld, module: str, application: Application, totals: list[list[str]], sign: bool = True):
    """Each panel member enters their row of scores; the leader signs off."""
    attempt = rw.attempt(module, application)
    for examiner, scores in zip(rw.examiners, totals, strict=False):
        scoring.score_entry_save(actor=examiner, attempt=attempt, scores=scores)
    if sign:
        sheet = scoring.sheet_for(attempt)
        return scoring.score_sheet_sign_off(actor=rw.leader, sheet=sheet)
    return scoring.sheet_for(attempt)


PASSING = [["36", "27", "27"], ["34", "26", "28"], ["38", "25", "27"]]  # 90, 88, 90 -> mean 89.3
REVIEW_PASSING = [["50", "35"], ["48", "34"], ["52", "36"]]  # 85, 82, 88 -> 85.0


def score_everyone(rw: ResultsWorld) -> None:
    for application in rw.applications:
        confirm_theory(rw, application)
        score(rw, "practical", application, PASSING)
        score(rw, "review", application, REVIEW_PASSING)


def approved(rw: ResultsWorld) -> None:
    score_everyone(rw)
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    outcomes.results_approve(actor=rw.manager, batch=rw.batch, committee_note="评价委员会2026年第3次会议审定")


def published(rw: ResultsWorld, starts_on: dt.date | None = None):
    approved(rw)
    return publicity.publicity_start(actor=rw.manager, batch=rw.batch, starts_on=starts_on)


def publicity_over(rw: ResultsWorld):
    """Published, the period passed (the dates moved back as time would), then closed."""
    from ..models import Publicity

    row = published(rw)
    length = row.ends_on - row.starts_on
    start = timezone.localdate() - length - dt.timedelta(days=3)
    Publicity.objects.filter(pk=row.pk).update(starts_on=start, ends_on=start + length)
    return publicity.publicity_close(actor=rw.manager, batch=rw.batch)


def reported(rw: ResultsWorld):
    publicity_over(rw)
    return reports.report_submit(actor=rw.manager, batch=rw.batch)
