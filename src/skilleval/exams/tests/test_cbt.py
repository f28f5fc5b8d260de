"""The computer-based theory exam: sessions and seats on a confirmed plan, the candidate's
sign-in, server-side timer, idempotent autosave, hand-in (by the candidate, on time-out,
by staff closing the session), automatic and manual marking, confirmation; and the bad
inputs: another candidate's item or attempt, late answers, double hand-in, repeated and
stale saves, tampered ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from skilleval.accounts.access import Actor, actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import PASSWORD, make_user
from skilleval.batches import services as batch_services
from skilleval.batches.models import Application, Batch, BatchItem
from skilleval.batches.tests.factories import application_data, candidate, filed_organisation, plan_confirmed
from skilleval.catalog.models import Occupation
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent

from ..models import (
    Answer,
    Attempt,
    AttemptLog,
    Blueprint,
    ExamRoom,
    ExamSession,
    ExamSite,
    ItemKind,
    ItemStatus,
    Paper,
    PaperItem,
    QuestionItem,
    RoomKind,
)
from ..services import cbt

pytestmark = pytest.mark.django_db
Event = AttemptLog.Event

# The bank used everywhere: (code, kind, stem, options, key, knowledge point)
OPTIONS = [{"key": k, "text": t} for k, t in (("A", "夹紧工件"), ("B", "带动工件旋转"), ("C", "进给"), ("D", "冷却"))]
BANK = [
    ("CG5-S1", ItemKind.SINGLE, "车床主轴的主要作用是什么？", OPTIONS, ["B"]),
    ("CG5-S2", ItemKind.SINGLE, "车削外圆时常用的车刀是？",
     [{"key": "A", "text": "外圆车刀"}, {"key": "B", "text": "切断刀"}], ["A"]),
    ("CG5-S3", ItemKind.SINGLE, "游标卡尺的读数精度通常为？",
     [{"key": "A", "text": "0.02 mm"}, {"key": "B", "text": "0.5 mm"}], ["A"]),
    ("CG5-M1", ItemKind.MULTIPLE, "下列属于车床安全操作要求的有？",
     [{"key": "A", "text": "戴护目镜"}, {"key": "B", "text": "戴手套操作"}, {"key": "C", "text": "停车后测量"}],
     ["A", "C"]),
    ("CG5-M2", ItemKind.MULTIPLE, "影响表面粗糙度的因素有？",
     [{"key": "A", "text": "进给量"}, {"key": "B", "text": "刀尖圆弧半径"}, {"key": "C", "text": "工件颜色"}],
     ["A", "B"]),
    ("CG5-T1", ItemKind.TRUE_FALSE, "车床运转中可以用手触摸工件。", [], False),
    ("CG5-T2", ItemKind.TRUE_FALSE, "切削液可以降低切削温度。", [], True),
    ("CG5-Q1", ItemKind.SHORT, "简述车削细长轴时防止弯曲变形的措施。", [], "使用跟刀架或中心架；减小背吃刀量；充分冷却。"),
]
KEY_TEXT = "使用跟刀架或中心架"  # part of the short item's reference answer: never on a candidate's page


@dataclass
class World:
    org: object
    manager: Actor
    marker: Actor
    proctor: Actor
    batch: Batch
    item: BatchItem
    blueprint: Blueprint
    items: dict[str, QuestionItem]
    applications: list[Application]
    ids: dict[int, str] = field(default_factory=dict)  # application pk -> ID number
    room: ExamRoom | None = None


def build_world(jurisdiction, *, candidates: int = 3, name: str = "合肥机考测试机床有限公司") -> World:
    """A filed organisation evaluating 车工 level 5 from yesterday to tomorrow, with
    `candidates` accepted applications and its plan confirmed by the authority, all through
    the real services (dated in the past where the rules need lead time)."""
    org = filed_organisation(jurisdiction, name=name, scope=(("6-18-01-01", "", (5,)),))
    manager = actor_for(make_user(Role.ORG_ADMIN, organisation=org, full_name="王海燕"))
    today = timezone.localdate()
    first = today - dt.timedelta(days=1)
    batch = batch_services.batch_create(
        actor=manager, organisation=org, name="2026年第一期车工认定", registration_opens=today - dt.timedelta(days=30),
        registration_closes=today - dt.timedelta(days=25), first_exam_date=first,
        last_exam_date=today + dt.timedelta(days=1), sites="实训楼一层机房", contact="李俊 0551-63821106")
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
    plan_confirmed(batch, manager, jurisdiction)

    occupation = Occupation.objects.get(code="6-18-01-01")
    items = {code: QuestionItem.objects.create(
        organisation=org, occupation=occupation, level=5, code=code, kind=kind, stem=stem, options=options,
        answer=key, knowledge_point="车削加工", difficulty=3, status=ItemStatus.APPROVED)
        for code, kind, stem, options, key in BANK}
    blueprint = Blueprint.objects.create(
        organisation=org, occupation=occupation, level=5, name="车工五级理论知识",
        sections=[{"kind": "single", "count": 2, "score": 2}, {"kind": "multiple", "count": 1, "score": 3},
                  {"kind": "true_false", "count": 1, "score": 1}, {"kind": "short", "count": 1, "score": 4}],
        duration_minutes=60)
    marker = actor_for(make_user(Role.EXAMINER, organisation=org, full_name="阅卷员甲"))
    proctor = actor_for(make_user(Role.PROCTOR, organisation=org, full_name="监考员乙"))
    site = ExamSite.objects.create(organisation=org, name="实训楼", address="合肥市高新区创新大道 1 号")
    room = ExamRoom.objects.create(site=site, name="一层第1机房", kind=RoomKind.THEORY, capacity=40)
    return World(org=org, manager=manager, marker=marker, proctor=proctor, batch=batch, item=item,
                 blueprint=blueprint, items=items, applications=applications, ids=ids, room=room)


def make_paper(world: World, codes=("CG5-S1", "CG5-S2", "CG5-M1", "CG5-T1", "CG5-Q1"), seed: int = 1) -> Paper:
    """A paper built row by row: 2 single (2 points), 1 multiple (3), 1 true/false (1), 1 short (4)."""
    scores = {ItemKind.SINGLE: 2, ItemKind.MULTIPLE: 3, ItemKind.TRUE_FALSE: 1, ItemKind.SHORT: 4}
    paper = Paper.objects.create(blueprint=world.blueprint, seed=seed, variant=f"卷{seed}", total_score=12)
    for order, code in enumerate(codes, start=1):
        PaperItem.objects.create(paper=paper, item=world.items[code], order=order,
                                 score=scores[world.items[code].kind])
    return paper


def make_session(world: World, *, per_candidate=False, mode=ExamSession.Mode.WHOLE, minutes=60,
                 starts=-10, ends=120, now=None) -> ExamSession:
    now = now or timezone.now()
    return cbt.session_create(
        actor=world.manager, batch=world.batch, batch_item=world.item, blueprint=world.blueprint, name="理论知识考试第1场",
        rooms=[world.room], starts_at=now + dt.timedelta(minutes=starts), ends_at=now + dt.timedelta(minutes=ends),
        duration_minutes=minutes, mode=mode, per_candidate_papers=per_candidate)


def item_of(attempt: Attempt, code: str) -> PaperItem:
    return PaperItem.objects.get(paper=attempt.paper, item__code=code)


@pytest.fixture(autouse=True)
def fresh_autosave_caches():
    """The autosave keeps per-process caches keyed by ids; a rolled-back SQLite test
    database hands the same ids out again."""
    cbt.autosave_caches_clear()
    yield
    cbt.autosave_caches_clear()


@pytest.fixture
def world(jurisdictions):
    return build_world(jurisdictions["合肥市"])


@pytest.fixture
def seated(world):
    """A whole-paper session open now, everyone seated on one shared paper."""
    session = make_session(world)
    paper = make_paper(world)
    attempts = cbt.seats_assign(actor=world.manager, session=session, paper=paper)
    return session, attempts


def started(world, attempt, now=None):
    cbt.candidate_sign_in(ticket_number=attempt.ticket_number, id_number=world.ids[attempt.application_id], now=now)
    return cbt.attempt_start(attempt=attempt, now=now)


# ---------------------------------------------------------------------------------------------
# Sessions and seats


def test_a_session_needs_a_confirmed_plan_and_fits_the_batch(world, jurisdictions):
    other = build_world(jurisdictions["合肥市"], candidates=1, name="合肥另一机床有限公司")
    now = timezone.now()
    announced = Batch.objects.filter(pk=other.batch.pk)
    announced.update(status=Batch.Status.ANNOUNCED)
    kwargs = dict(name="第1场", rooms=[world.room], duration_minutes=60, mode="whole", per_candidate_papers=True,
                  starts_at=now, ends_at=now + dt.timedelta(hours=2))
    with pytest.raises(DomainError, match="认定计划经人社部门确认后才能安排机考场次"):
        cbt.session_create(actor=other.manager, batch=announced.get(), batch_item=other.item,
                           blueprint=other.blueprint, **kwargs)
    with pytest.raises(DomainError, match="组卷方案应与所选职业、等级一致"):
        cbt.session_create(actor=world.manager, batch=world.batch, batch_item=world.item, blueprint=other.blueprint,
                           **kwargs)
    with pytest.raises(DomainError, match="您只能办理本单位的考试"):
        cbt.session_create(actor=other.manager, batch=world.batch, batch_item=world.item, blueprint=world.blueprint,
                           **kwargs)
    with pytest.raises(DomainError, match="答题时长应在 1 至 120 分钟之间"):
        cbt.session_create(actor=world.manager, batch=world.batch, batch_item=world.item,
                           blueprint=world.blueprint, **{**kwargs, "duration_minutes": 150})
    with pytest.raises(DomainError, match="考试时间应在批次评价日期"):
        cbt.session_create(actor=world.manager, batch=world.batch, batch_item=world.item, blueprint=world.blueprint,
                           **{**kwargs, "starts_at": now + dt.timedelta(days=5),
                              "ends_at": now + dt.timedelta(days=5, hours=2)})
    with pytest.raises(PermissionDenied):
        cbt.session_create(actor=world.marker, batch=world.batch, batch_item=world.item, blueprint=world.blueprint,
                           **kwargs)
    assert not ExamSession.objects.exists()
    session = cbt.session_create(actor=world.manager, batch=world.batch, batch_item=world.item,
                                 blueprint=world.blueprint, **kwargs)
    assert AuditEvent.objects.filter(object_type="exams.examsession", object_id=str(session.pk),
                                     action="create").exists()


def test_seats_get_unique_tickets_and_a_paper_each(world):
    session = make_session(world, per_candidate=True)
    papers = [make_paper(world, seed=n) for n in (1, 2, 3)]
    with pytest.raises(DomainError, match="一人一卷"):
        cbt.seats_assign(actor=world.manager, session=session, paper=papers[0])
    with pytest.raises(DomainError, match="需要 3 份不同的试卷"):
        cbt.seats_assign(actor=world.manager, session=session, papers=papers[:2])
    attempts = cbt.seats_assign(actor=world.manager, session=session, papers=papers)
    tickets = [a.ticket_number for a in attempts]
    assert len(set(tickets)) == 3 and all(len(t) == 17 and t.isdigit() for t in tickets)
    assert {a.paper_id for a in attempts} == {p.pk for p in papers}
    with pytest.raises(DomainError, match="没有需要编排的考生"):
        cbt.seats_assign(actor=world.manager, session=session, papers=papers)
    rejected = Application.objects.filter(pk=world.applications[0].pk)
    with pytest.raises(DomainError, match="已编排在场次"):
        second = make_session(world)
        cbt.seats_assign(actor=world.manager, session=second, applications=list(rejected), paper=papers[0])
    assert AuditEvent.objects.filter(object_type="exams.examsession", summary__startswith="编排考生 3 人").exists()


def test_seats_take_per_candidate_papers_from_the_papers_service(world):
    session = make_session(world, per_candidate=True)
    attempts = cbt.seats_assign(actor=world.manager, session=session)
    papers = [a.paper for a in attempts]
    assert len({p.pk for p in papers}) == 3
    assert {p.variant for p in papers} == {a.ticket_number for a in attempts}
    assert all(p.items.count() == 5 for p in papers)
    assert len({tuple(p.items.values_list("item_id", flat=True)) for p in papers}) == 3


# ---------------------------------------------------------------------------------------------
# Sign-in and the clock


def test_sign_in_needs_the_ticket_and_the_id_number_inside_the_window(world, seated):
    session, attempts = seated
    attempt = attempts[0]
    id_number = world.ids[attempt.application_id]
    with pytest.raises(DomainError, match="准考证号或证件号码不正确"):
        cbt.candidate_sign_in(ticket_number=attempt.ticket_number, id_number=world.ids[attempts[1].application_id])
    with pytest.raises(DomainError, match="准考证号或证件号码不正确"):
        cbt.candidate_sign_in(ticket_number="99999999999999999", id_number=id_number)
    with pytest.raises(DomainError, match="考试尚未开始"):
        cbt.candidate_sign_in(ticket_number=attempt.ticket_number, id_number=id_number,
                              now=session.starts_at - dt.timedelta(minutes=30))
    with pytest.raises(DomainError, match="已于 .* 结束"):
        cbt.candidate_sign_in(ticket_number=attempt.ticket_number, id_number=id_number,
                              now=session.ends_at + dt.timedelta(minutes=1))
    assert list(attempt.log.values_list("event", flat=True)) == [Event.DENIED] * 3
    assert cbt.candidate_sign_in(ticket_number=attempt.ticket_number.lower(), id_number=id_number.lower()) == attempt
    cbt.candidate_sign_in(ticket_number=attempt.ticket_number, id_number=id_number)
    assert list(attempt.log.values_list("event", flat=True))[-2:] == [Event.LOGIN, Event.RECONNECT]


def test_sign_in_locks_after_repeated_failures(world, seated):
    attempt = seated[1][0]
    for _ in range(cbt.SIGN_IN_MAX_FAILURES):
        with pytest.raises(DomainError):
            cbt.candidate_sign_in(ticket_number=attempt.ticket_number, id_number="340104199001010000")
    with pytest.raises(DomainError, match="登录失败次数过多"):
        cbt.candidate_sign_in(ticket_number=attempt.ticket_number, id_number=world.ids[attempt.application_id])


def test_the_clock_runs_on_the_server_and_starting_again_changes_nothing(world, seated):
    session, attempts = seated
    now = timezone.now()
    attempt = started(world, attempts[0], now)
    assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.started_at == now
    assert attempt.deadline_at == now + dt.timedelta(minutes=60)
    again = cbt.attempt_start(attempt=attempt, now=now + dt.timedelta(minutes=5))
    assert again.started_at == now and again.deadline_at == attempt.deadline_at
    assert attempt.log.filter(event=Event.START).count() == 1
    assert cbt.attempt_remaining_seconds(again, now + dt.timedelta(minutes=20)) == 40 * 60
    # A late starter gets only what is left until the latest hand-in time.
    late = session.ends_at - dt.timedelta(minutes=15)
    second = started(world, attempts[1], late)
    assert second.deadline_at == session.ends_at


# ---------------------------------------------------------------------------------------------
# Autosave


def test_autosave_is_idempotent_and_ignores_stale_versions(world, seated):
    attempt = started(world, seated[1][0])
    single = item_of(attempt, "CG5-S1")
    first = cbt.answer_save(attempt=attempt, paper_item_id=single.pk, response=["A"], version=1)
    assert first.changed and first.answer.response == "A"
    saves = attempt.log.filter(event=Event.SAVE).count()
    saved_at = first.answer.saved_at

    repeated = cbt.answer_save(attempt=attempt, paper_item_id=single.pk, response=["A"], version=1)
    assert not repeated.changed
    newer = cbt.answer_save(attempt=attempt, paper_item_id=single.pk, response=["B"], version=3)
    assert newer.changed and newer.answer.response == "B"
    stale = cbt.answer_save(attempt=attempt, paper_item_id=single.pk, response=["C"], version=2)
    assert not stale.changed
    answer = Answer.objects.get(attempt=attempt, paper_item=single)
    assert (answer.response, answer.version) == ("B", 3) and answer.saved_at >= saved_at
    assert attempt.log.filter(event=Event.SAVE).count() == saves + 1
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_responses_are_checked_against_the_item(world, seated):
    attempt = started(world, seated[1][0])
    multiple, true_false, short = (item_of(attempt, c) for c in ("CG5-M1", "CG5-T1", "CG5-Q1"))
    assert cbt.answer_save(attempt=attempt, paper_item_id=multiple.pk, response=["C", "A", "C"],
                           version=1).answer.response == ["A", "C"]
    assert cbt.answer_save(attempt=attempt, paper_item_id=true_false.pk, response=["false"],
                           version=1).answer.response is False
    assert cbt.answer_save(attempt=attempt, paper_item_id=short.pk, response=["跟刀架"],
                           version=1).answer.response == "跟刀架"
    with pytest.raises(cbt.ResponseInvalid, match="所选选项不存在"):
        cbt.answer_save(attempt=attempt, paper_item_id=multiple.pk, response=["A", "Z"], version=2)
    with pytest.raises(cbt.ResponseInvalid):
        cbt.answer_save(attempt=attempt, paper_item_id=true_false.pk, response=["maybe"], version=2)
    with pytest.raises(cbt.ResponseInvalid, match="缺少题目或版本号"):
        cbt.answer_save(attempt=attempt, paper_item_id="x", response=["A"], version=1)
    assert Answer.objects.get(attempt=attempt, paper_item=multiple).response == ["A", "C"]
    assert attempt.log.filter(event=Event.DENIED).count() == 2


def test_an_item_of_another_paper_is_refused(world):
    session = make_session(world, per_candidate=True)
    papers = [make_paper(world, seed=1), make_paper(world, codes=("CG5-S3", "CG5-S2", "CG5-M2", "CG5-T2", "CG5-Q1"),
                                                    seed=2), make_paper(world, seed=3)]
    attempts = cbt.seats_assign(actor=world.manager, session=session, papers=papers)
    mine, theirs = started(world, attempts[0]), attempts[1]
    foreign = item_of(theirs, "CG5-S3")
    with pytest.raises(cbt.ItemNotOnPaper):
        cbt.answer_save(attempt=mine, paper_item_id=foreign.pk, response=["A"], version=1)
    assert not Answer.objects.exists()
    assert mine.log.filter(event=Event.DENIED, detail__contains="不在本人试卷中").exists()


def test_answers_after_the_time_limit_are_refused_and_logged(world, seated):
    now = timezone.now()
    attempt = started(world, seated[1][0], now)
    single = item_of(attempt, "CG5-S1")
    cbt.answer_save(attempt=attempt, paper_item_id=single.pk, response=["B"], version=1, now=now)
    late = attempt.deadline_at + dt.timedelta(seconds=1)
    with pytest.raises(cbt.AttemptClosed):
        cbt.answer_save(attempt=attempt, paper_item_id=single.pk, response=["A"], version=2, now=late)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.TIMED_OUT and attempt.submitted_at == attempt.deadline_at
    assert Answer.objects.get(attempt=attempt, paper_item=single).response == "B"
    assert list(attempt.log.values_list("event", flat=True))[-2:] == [Event.TIMEOUT, Event.DENIED]
    assert attempt.objective_score == Decimal(2)


# ---------------------------------------------------------------------------------------------
# Hand-in and marking


def answer_all(attempt, *, single="B", multiple=("A", "C"), true_false="false", short="用跟刀架，减小吃刀量"):
    """By default S1 right (2 points), S2 wrong, M1 right (3), T1 right (1): objective 6."""
    values = {"CG5-S1": [single], "CG5-S2": ["B"], "CG5-M1": list(multiple), "CG5-T1": [true_false],
              "CG5-Q1": [short]}
    for code, response in values.items():
        cbt.answer_save(attempt=attempt, paper_item_id=item_of(attempt, code).pk, response=response, version=1)


def test_hand_in_marks_objective_items_and_a_second_hand_in_changes_nothing(world, seated):
    attempt = started(world, seated[1][0])
    answer_all(attempt, multiple=("A",))  # S1 right (2), S2 wrong, M1 half right -> 0, T1 right (1)
    submitted = cbt.attempt_submit(attempt=attempt)
    assert submitted.status == Attempt.Status.SUBMITTED and submitted.objective_score == Decimal(3)
    scores = dict(Answer.objects.filter(attempt=attempt).values_list("paper_item__item__code", "auto_score"))
    assert scores == {"CG5-S1": 2, "CG5-S2": 0, "CG5-M1": 0, "CG5-T1": 1, "CG5-Q1": None}
    log_count, submitted_at = attempt.log.count(), submitted.submitted_at

    again = cbt.attempt_submit(attempt=attempt, now=timezone.now() + dt.timedelta(minutes=1))
    assert again.submitted_at == submitted_at and again.objective_score == Decimal(3)
    assert attempt.log.count() == log_count
    with pytest.raises(cbt.AttemptClosed):
        cbt.answer_save(attempt=attempt, paper_item_id=item_of(attempt, "CG5-S2").pk, response=["A"], version=9)


def test_unanswered_items_score_zero_and_need_no_marker(world, seated):
    attempt = started(world, seated[1][0])
    cbt.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.objective_score == 0 and Answer.objects.filter(attempt=attempt).count() == 5
    assert cbt.attempt_ready_to_confirm(attempt)
    confirmed = cbt.attempt_confirm(actor=world.marker, attempt=attempt)
    assert confirmed.total_score == 0


def test_time_out_hands_in_when_the_candidate_returns_or_staff_close(world, seated):
    session, attempts = seated
    now = timezone.now()
    first, second = started(world, attempts[0], now), started(world, attempts[1], now)
    answer_all(first)
    later = first.deadline_at + dt.timedelta(minutes=1)
    returned = cbt.attempt_touch(attempt=first, now=later)
    assert returned.status == Attempt.Status.TIMED_OUT and returned.objective_score == Decimal(6)

    with pytest.raises(DomainError, match="还有 1 名考生正在作答"):
        cbt.session_close(actor=world.proctor, session=session, now=now + dt.timedelta(minutes=30))
    with pytest.raises(PermissionDenied):
        cbt.session_close(actor=world.marker, session=session, now=later)
    result = cbt.session_close(actor=world.proctor, session=session, now=later)
    assert (result.timed_out, result.absent) == (1, 1)
    statuses = dict(Attempt.objects.filter(session=session).values_list("pk", "status"))
    assert statuses == {first.pk: "timed_out", second.pk: "timed_out", attempts[2].pk: "absent"}
    assert AuditEvent.objects.filter(object_type="exams.examsession", summary__startswith="结束考试").exists()
    with pytest.raises(DomainError, match="缺考"):
        cbt.candidate_sign_in(ticket_number=attempts[2].ticket_number, id_number=world.ids[attempts[2].application_id],
                              now=later)
    with pytest.raises(DomainError, match="已经结束"):
        cbt.session_close(actor=world.manager, session=session, now=later)


def test_marking_and_confirmation(world, seated):
    attempt = started(world, seated[1][0])
    answer_all(attempt)
    cbt.attempt_submit(attempt=attempt)
    short = Answer.objects.get(attempt=attempt, paper_item__item__code="CG5-Q1")
    objective = Answer.objects.get(attempt=attempt, paper_item__item__code="CG5-S1")
    assert list(cbt.marking_queue(seated[0])) == [short]

    with pytest.raises(DomainError, match="还有 1 道简答题未评分"):
        cbt.attempt_confirm(actor=world.marker, attempt=attempt)
    with pytest.raises(PermissionDenied):
        cbt.marker_mark(actor=world.manager, answer=short, score=3)
    with pytest.raises(DomainError, match="评分应在 0 至 4.0 分之间"):
        cbt.marker_mark(actor=world.marker, answer=short, score=5)
    with pytest.raises(DomainError, match="最多保留一位小数"):
        cbt.marker_mark(actor=world.marker, answer=short, score="2.25")
    with pytest.raises(DomainError, match="客观题由系统"):
        cbt.marker_mark(actor=world.marker, answer=objective, score=0)
    cbt.marker_mark(actor=world.marker, answer=short, score=2)
    cbt.marker_mark(actor=world.marker, answer=short, score="3.5")
    remark = AuditEvent.objects.filter(object_type="exams.attempt", summary__contains="3.5 分").get()
    assert remark.before["marker_score"] == "2.0"

    attempt.refresh_from_db()
    assert attempt.total_score is None  # nothing counts before confirmation
    confirmed = cbt.attempt_confirm(actor=world.marker, attempt=attempt)
    assert (confirmed.objective_score, confirmed.subjective_score, confirmed.total_score) == (
        Decimal(6), Decimal("3.5"), Decimal("9.5"))
    with pytest.raises(DomainError, match="已复核确认，不能再修改"):
        cbt.marker_mark(actor=world.marker, answer=short, score=4)
    with pytest.raises(DomainError, match="已于"):
        cbt.attempt_confirm(actor=world.marker, attempt=attempt)


def test_a_silent_change_of_the_objective_score_blocks_confirmation(world, seated):
    attempt = started(world, seated[1][0])
    answer_all(attempt)
    cbt.attempt_submit(attempt=attempt)
    short = Answer.objects.get(attempt=attempt, paper_item__item__code="CG5-Q1")
    cbt.marker_mark(actor=world.marker, answer=short, score=4)
    Attempt.objects.filter(pk=attempt.pk).update(objective_score=Decimal(9))
    with pytest.raises(DomainError, match="重新核算"):
        cbt.attempt_confirm(actor=world.marker, attempt=attempt)
    assert Attempt.objects.get(pk=attempt.pk).confirmed_at is None


def test_markers_of_another_organisation_are_refused(world, seated, jurisdictions):
    attempt = started(world, seated[1][0])
    cbt.attempt_submit(attempt=attempt)
    stranger = actor_for(make_user(Role.EXAMINER, organisation=filed_organisation(jurisdictions["合肥市"])))
    with pytest.raises(DomainError, match="只能办理本单位"):
        cbt.attempt_confirm(actor=stranger, attempt=attempt)


# ---------------------------------------------------------------------------------------------
# Pages


def sign_in(client, world, attempt):
    response = client.post(reverse("exams:cbt_sign_in"), {
        "ticket_number": attempt.ticket_number, "id_number": world.ids[attempt.application_id]})
    assert response.status_code == 302 and response["Location"] == reverse("exams:cbt_exam")
    return response


def save(client, paper_item_id, response, version, **extra):
    return client.post(reverse("exams:cbt_save"), {"paper_item": paper_item_id, "response": response,
                                                   "version": version, **extra}, HTTP_HX_REQUEST="true")


def test_the_candidate_signs_in_starts_and_sees_the_paper_without_its_key(client, world, seated):
    attempt = seated[1][0]
    assert client.get(reverse("exams:cbt_exam"))["Location"] == reverse("exams:cbt_sign_in")
    response = client.post(reverse("exams:cbt_sign_in"), {"ticket_number": attempt.ticket_number,
                                                          "id_number": "340104199001010000"})
    assert "准考证号或证件号码不正确" in response.content.decode()
    sign_in(client, world, attempt)
    page = client.get(reverse("exams:cbt_exam")).content.decode()
    assert "开始答题" in page and "考生0" in page
    client.post(reverse("exams:cbt_start"))
    page = client.get(reverse("exams:cbt_exam")).content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert 'data-testid="timer"' in page and 'data-remaining="3' in page  # 60 minutes: 3600 or 3599 s
    for stem in ("车床主轴的主要作用是什么？", "简述车削细长轴时防止弯曲变形的措施。"):
        assert stem in page
    assert KEY_TEXT not in page and "CG5-" not in page


def test_autosave_page_requests(client, world, seated):
    attempts = seated[1]
    attempt = attempts[0]
    sign_in(client, world, attempt)
    client.post(reverse("exams:cbt_start"))
    single = item_of(attempt, "CG5-S1")
    first = save(client, single.pk, "B", 1)
    assert first.status_code == 200 and "已保存" in first.content.decode()
    assert save(client, single.pk, "A", 1).status_code == 200  # repeated version: no change
    assert save(client, single.pk, "C", 0).status_code == 400
    assert Answer.objects.get(attempt=attempt, paper_item=single).response == "B"
    assert save(client, single.pk, "Z", 2).status_code == 400
    assert save(client, "1; DROP TABLE", "A", 2).status_code == 400
    # Another candidate's paper item, even on the same shared paper, is reached only through
    # one's own attempt; an item of a paper the candidate does not hold is a 404.
    other_paper = make_paper(world, codes=("CG5-S3",), seed=7)
    assert save(client, other_paper.items.get().pk, "A", 3).status_code == 404
    assert save(client, 10**9, "A", 3).status_code == 404
    assert not Answer.objects.filter(paper_item__paper=other_paper).exists()


def test_another_candidates_attempt_cannot_be_reached(client, world, seated):
    from django.core import signing

    from ..views.cbt import SESSION_KEY, SIGNING_SALT

    mine, theirs = seated[1][0], seated[1][1]
    sign_in(client, world, mine)
    session = client.session
    # A forged value (not signed by the server) is no sign-in at all.
    session[SESSION_KEY] = f'{{"a": {theirs.pk}, "t": "{theirs.ticket_number}"}}'
    session.save()
    assert client.get(reverse("exams:cbt_exam"))["Location"] == reverse("exams:cbt_sign_in")
    # A signed value for one attempt with another's ticket matches nothing.
    session = client.session
    session[SESSION_KEY] = signing.dumps({"a": theirs.pk, "t": mine.ticket_number}, salt=SIGNING_SALT)
    session.save()
    assert client.get(reverse("exams:cbt_exam"))["Location"] == reverse("exams:cbt_sign_in")
    # Staff pages are not for candidates; another organisation's staff get a 404.
    user = theirs.application.person.user
    client.force_login(user)
    assert client.get(reverse("exams:cbt_attempt_detail", args=[theirs.pk])).status_code == 403


def test_late_saves_are_refused_and_the_page_goes_to_the_hand_in_notice(client, world, seated):
    attempt = seated[1][0]
    sign_in(client, world, attempt)
    client.post(reverse("exams:cbt_start"))
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - dt.timedelta(seconds=1))
    response = save(client, item_of(attempt, "CG5-S1").pk, "B", 1)
    assert response.status_code == 409 and response["HX-Redirect"] == reverse("exams:cbt_exam")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.TIMED_OUT
    assert attempt.log.filter(event=Event.DENIED).exists() and not Answer.objects.filter(
        attempt=attempt, response__isnull=False).exists()
    page = client.get(reverse("exams:cbt_exam")).content.decode()
    assert "系统已自动交卷" in page


def test_submitting_twice_through_the_page_changes_nothing(client, world, seated):
    attempt = seated[1][0]
    sign_in(client, world, attempt)
    client.post(reverse("exams:cbt_start"))
    save(client, item_of(attempt, "CG5-S1").pk, "B", 1)
    client.post(reverse("exams:cbt_submit"))
    attempt.refresh_from_db()
    before = (attempt.status, attempt.submitted_at, attempt.objective_score, attempt.log.count())
    response = client.post(reverse("exams:cbt_submit"))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.status, attempt.submitted_at, attempt.objective_score, attempt.log.count()) == before
    page = client.get(reverse("exams:cbt_exam")).content.decode()
    assert "您的答卷已提交" in page and 'data-testid="score-pending"' in page and "objective-score" not in page


def test_one_item_at_a_time(client, world):
    session = make_session(world, mode=ExamSession.Mode.ONE_BY_ONE)
    attempt = cbt.seats_assign(actor=world.manager, session=session, paper=make_paper(world))[0]
    sign_in(client, world, attempt)
    client.post(reverse("exams:cbt_start"))
    page = client.get(reverse("exams:cbt_exam") + "?q=5").content.decode()
    assert page.count('data-testid="question"') == 1 and "简述车削细长轴" in page and "上一题" in page


def test_staff_pages_session_marking_and_confirmation(client, world, seated, jurisdictions,
                                                      django_assert_max_num_queries):
    session, attempts = seated
    attempt = started(world, attempts[0])
    answer_all(attempt)
    cbt.attempt_submit(attempt=attempt)
    short = Answer.objects.get(attempt=attempt, paper_item__item__code="CG5-Q1")

    client.force_login(world.manager.user)
    assert "理论知识考试第1场" in client.get(reverse("exams:cbt_session_list")).content.decode()
    with django_assert_max_num_queries(25):
        page = client.get(reverse("exams:cbt_session_detail", args=[session.pk])).content.decode()
    assert attempts[1].ticket_number in page and "已交卷" in page
    assert client.get(reverse("exams:cbt_marking", args=[session.pk])).status_code == 403
    form = client.get(reverse("exams:cbt_session_create") + f"?batch={world.batch.pk}")
    assert form.status_code == 200 and "组卷方案" in form.content.decode()

    client.force_login(world.marker.user)
    queue = client.get(reverse("exams:cbt_marking", args=[session.pk])).content.decode()
    assert KEY_TEXT in queue and "用跟刀架" in queue
    bad = client.post(reverse("exams:cbt_answer_mark", args=[short.pk]), {f"a{short.pk}-score": "9"},
                      HTTP_HX_REQUEST="true")
    assert "评分应在 0 至 4.0 分之间" in bad.content.decode()
    ok = client.post(reverse("exams:cbt_answer_mark", args=[short.pk]), {f"a{short.pk}-score": "3"},
                     HTTP_HX_REQUEST="true")
    assert "已评 3.0 分" in ok.content.decode()
    detail = client.get(reverse("exams:cbt_attempt_detail", args=[attempt.pk])).content.decode()
    assert "复核确认成绩" in detail and "登录" in detail
    client.post(reverse("exams:cbt_attempt_confirm", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.total_score == Decimal(9) and attempt.confirmed_by == world.marker.user

    stranger = make_user(Role.ORG_ADMIN, organisation=filed_organisation(jurisdictions["合肥市"]))
    client.force_login(stranger)
    assert client.get(reverse("exams:cbt_session_detail", args=[session.pk])).status_code == 404
    assert client.get(reverse("exams:cbt_attempt_detail", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("exams:cbt_answer_mark", args=[short.pk]), {f"a{short.pk}-score": "1"}).status_code \
        == 403


def test_exam_affairs_create_a_session_and_seat_candidates_through_the_pages(client, world):
    client.force_login(world.manager.user)
    listing = client.get(reverse("exams:cbt_session_list")).content.decode()
    assert "新建机考场次" in listing and world.batch.code in listing
    url = reverse("exams:cbt_session_create") + f"?batch={world.batch.pk}"
    start = timezone.localtime() - dt.timedelta(minutes=5)
    data = {"batch_item": world.item.pk, "blueprint": world.blueprint.pk, "name": "理论知识考试第2场",
            "rooms": [world.room.pk], "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 60,
            "mode": "one_by_one", "per_candidate_papers": "on"}
    refused = client.post(url, data).content.decode()
    assert "最晚交卷时间应晚于开考时间" in refused and not ExamSession.objects.exists()
    data["ends_at"] = (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, data)
    session = ExamSession.objects.get()
    assert response["Location"] == reverse("exams:cbt_session_detail", args=[session.pk])
    assert session.mode == "one_by_one" and session.per_candidate_papers
    page = client.get(response["Location"]).content.decode()
    assert "编排 3 名考生并生成准考证号" in page
    client.post(reverse("exams:cbt_seats_assign", args=[session.pk]))
    assert session.attempts.count() == 3 and len({a.paper_id for a in session.attempts.all()}) == 3
    page = client.get(reverse("exams:cbt_session_list") + f"?batch={world.batch.pk}").content.decode()
    assert "理论知识考试第2场" in page


def test_the_candidate_sees_the_score_only_after_confirmation(client, world, seated):
    attempt = seated[1][0]
    sign_in(client, world, attempt)
    client.post(reverse("exams:cbt_start"))
    for code, value in (("CG5-S1", "B"), ("CG5-T1", "false"), ("CG5-Q1", "跟刀架")):
        save(client, item_of(attempt, code).pk, value, 1)
    client.post(reverse("exams:cbt_submit"))
    assert "objective-score" not in client.get(reverse("exams:cbt_exam")).content.decode()
    cbt.marker_mark(actor=world.marker, answer=Answer.objects.get(attempt=attempt, paper_item__item__code="CG5-Q1"),
                    score=2)
    cbt.attempt_confirm(actor=world.marker, attempt=attempt)
    page = client.get(reverse("exams:cbt_exam")).content.decode()
    assert 'data-testid="objective-score">3.0<' in page and "5.0" in page


def test_the_sign_in_page_is_public_and_staff_login_is_not_needed(client):
    assert client.get(reverse("exams:cbt_sign_in")).status_code == 200
    assert client.get(reverse("exams:cbt_session_list")).status_code == 302
    assert PASSWORD  # candidates need no account password at all


# ---------------------------------------------------------------------------------------------
# The autosave benchmark and its load generator


def test_the_load_generator_sends_each_spec_entry_through_one_connection_with_growing_numbers(tmp_path):
    import json

    from skilleval.portal.loadgen import Counter, Spec, Target, Worker

    path = tmp_path / "spec.json"
    path.write_text(json.dumps({"method": "POST", "requests": [
        {"path": "/save/", "headers": {"Cookie": f"sessionid=s{n}"}, "body": f"item={n}&version={{seq}}"}
        for n in range(4)]}), encoding="utf-8")
    spec = Spec.load(str(path))
    target = Target("http://127.0.0.1:8000/save/")
    workers = [Worker(target, 0, 0, Counter(1), spec, index=k, stride=2) for k in range(2)]
    seen = [[workers[k]._next().headers["Cookie"] for _ in range(4)] for k in range(2)]
    assert seen == [["sessionid=s0", "sessionid=s2"] * 2, ["sessionid=s1", "sessionid=s3"] * 2]
    bodies = [spec.requests[0].render(spec.next_seq())[1] for _ in range(3)]
    assert bodies == [b"item=0&version=1", b"item=0&version=2", b"item=0&version=3"]
    with pytest.raises(ValueError):
        Target("http://192.0.2.1/save/")


def test_the_autosave_benchmark_runs_on_the_production_server(monkeypatch):
    import os
    from argparse import Namespace

    from ..bench_cbt import _is_postgres, exam_autosave

    monkeypatch.setenv("SKILLEVAL_BENCH_CBT_CANDIDATES", "4")
    options = Namespace(duration=1.0, warmup=0.3, concurrency=2, verbosity=1, log=lambda message: None)
    [result] = exam_autosave(options)
    assert result["name"] == "autosave_load" and result["candidates"] == 4
    assert result["database"] == ("postgresql" if _is_postgres(os.environ.get("DATABASE_URL", "")) else "sqlite")
    assert result["size"] > 0 and result["saves_written"] > 0 and result["denied"] == 0
    if result["database"] == "postgresql":
        assert result["errors"] == 0 and result["saves_written"] == result["sent"]
