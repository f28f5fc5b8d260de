"""The results in the demo: four batches of 合肥华晟机械 taken through the real services to
the stages of results work, dated in the past where the rules need time to have passed.

- 2026年第一期车工（五级）: scored, approved, published, reported and **accepted** by the
  Hefei authority (the certificates demo issues its certificates); 赵磊 (`zhaolei`) passed;
- 2026年第二期车工（四级）: reported, **returned** by the authority with its reasons,
  the correction deadline running;
- 2026年第一期维修电工（四级）: **in publicity** with an **open objection** by 李娜 (`lina`);
- 2026年第五期车工（四级）: **being scored**: sheets locked, half entered, and one waiting for
  钱国华 (`hs_examiner`), the leader of the practical panel; one candidate absent.

Exam sessions other than computer-based ones, their rooms and the panels' staff rows are
created as rows (the arrangement's own demo is another part); every score, approval,
publicity, objection and report goes through results/services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from skilleval.accounts.access import Actor, actor_for
from skilleval.accounts.models import Person, Role, User
from skilleval.accounts.services import person_create, user_create
from skilleval.batches import services as batches
from skilleval.batches.imports import applications_import
from skilleval.batches.models import Application, Batch, BatchItem, BatchKind, BatchStaff
from skilleval.batches.sample import import_row, import_workbook
from skilleval.catalog.models import IDType
from skilleval.core.workdays import working_calendar
from skilleval.exams.models import (
    Attempt,
    ExamRoom,
    ExamSession,
    ExamSite,
    PracticalTask,
    RoomKind,
    StaffAssignment,
)
from skilleval.orgs.models import Organisation
from skilleval.orgs.sample import sample_id_number

from .models import Result
from .services import outcomes, publicity, reports, scoring

ORGANISATION = "合肥华晟机械制造有限公司"
EXAMINERS = [("hs_examiner", "钱国华"), ("hs_examiner2", "陈立群"), ("hs_examiner3", "马文涛")]
CANDIDATE_LOGINS = [
    # username, name, region, birth, sequence, the batch it applies to
    ("zhaolei", "赵磊", "340104", "19910512", "517", "accepted"),
    ("lina", "李娜", "340111", "19930826", "628", "publicity"),
]
TURNING = {"item": "尺寸精度", "points": 40, "criteria": "外圆、长度、螺纹尺寸符合图纸公差"}
TURNING_RUBRIC = [TURNING, {"item": "表面粗糙度", "points": 30, "criteria": "各加工面 Ra 3.2 以内"},
                  {"item": "安全文明生产", "points": 30, "criteria": "着装规范、工量具摆放整齐、设备保养"}]
ELECTRIC_RUBRIC = [{"item": "线路安装", "points": 40, "criteria": "按图接线，布线横平竖直，接点牢固"},
                   {"item": "通电试验", "points": 30, "criteria": "一次通电成功，功能完整"},
                   {"item": "安全文明生产", "points": 30, "criteria": "停电验电挂牌，工具使用规范"}]
REVIEW_RUBRIC = [{"item": "工作业绩", "points": 60, "criteria": "近三年完成生产任务、质量与创新成果"},
                 {"item": "职业素养", "points": 40, "criteria": "职业道德、工匠精神、传授技艺"}]
LOGINS = [
    ("hs_examiner2", "陈立群", "合肥华晟机械：考评员（实操、综合评审考评组成员，笔试阅卷）"),
    ("hs_examiner3", "马文涛", "合肥华晟机械：考评员（实操、综合评审考评组成员）"),
    ("zhaolei", "赵磊", "考生（合肥华晟）：第一期车工五级合格，成绩已公示、报备并被接收"),
    ("lina", "李娜", "考生（合肥华晟）：第一期维修电工四级，公示期内对他人结果提出了异议（待处理）"),
]


def _user(username: str, full_name: str, role: str | None, organisation: Organisation) -> User:
    from skilleval.portal.demo import DEMO_PASSWORD

    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return user_create(actor=None, username=username, full_name=full_name, password=DEMO_PASSWORD,
                       roles=[role] if role else [], organisation=organisation if role else None)


def _candidate_logins(organisation: Organisation) -> dict[str, Person]:
    from skilleval.portal.demo import demo_resident_id

    resident = IDType.objects.get(code="201")
    people = {}
    for username, name, region, birth, sequence, stage in CANDIDATE_LOGINS:
        user = _user(username, name, None, organisation)
        person = Person.objects.filter(user=user).first() or person_create(
            actor=None, id_type=resident, id_number=demo_resident_id(region, birth, sequence), name=name, user=user,
            organisation=organisation)
        people[stage] = person
    return people


def _batch(hs: Actor, authority: Actor, organisation: Organisation, *, name: str, first: dt.date,
           items: list[dict[str, Any]], rows: list[list[str]], ability: str = "",
           sites: str = "合肥华晟机械实训楼（笔试 A201），二号车间（实操），综合评审室") -> Batch:
    """A batch taken through announcement, import, review, roster, plan filing and the
    authority's confirmation, with dates in the past. With `ability` (a special ability's
    code) it is a special vocational ability assessment of that ability instead."""
    from skilleval.portal.demo import _roster

    calendar = working_calendar()
    filed_on = calendar.subtract(first, 12).date
    opens = filed_on - dt.timedelta(days=30)
    batch = batches.batch_create(
        actor=hs, organisation=organisation, name=name, registration_opens=opens,
        registration_closes=filed_on - dt.timedelta(days=5), first_exam_date=first,
        last_exam_date=first + dt.timedelta(days=1), sites=sites,
        candidate_scope="本企业在岗职工、劳务派遣人员", contact="李俊 0551-63821106",
        kind=BatchKind.SPECIAL if ability else BatchKind.LEVEL)
    if ability:
        batches.batch_special_ability_set(actor=hs, batch=batch, ability_code=ability)
    for item in items:
        batches.batch_item_add(actor=hs, batch=batch, **item)
    batches.batch_announce(actor=hs, batch=batch, today=opens)
    applications_import(actor=hs, batch=batch, source=import_workbook(rows), filename="报名汇总.xlsx",
                        clean_rows_only=True)
    for application in Application.objects.filter(batch=batch):
        batches.application_review(actor=hs, application=application,
                                   decision="accept" if application.eligible else "reject",
                                   reason="" if application.eligible else "不符合申报条件")
    _roster(batches, hs, batch, sample_id_number, BatchStaff)
    batches.batch_sign_commitment(actor=hs, batch=batch, signatory="王海燕")
    batches.batch_plan_save(actor=hs, batch=batch, plan=batches.plan_draft(batch))
    batches.batch_file_plan(actor=hs, batch=batch, today=filed_on)
    batches.batch_plan_confirm(actor=authority, batch=batch)
    return batch


def _link_examiners(hs: Actor, batch: Batch, users: dict[str, User]) -> list[BatchStaff]:
    from skilleval.exams.services.arrangement import staff_account_link

    staff = []
    for username, name in EXAMINERS:
        member = batch.staff.get(role=BatchStaff.Role.EXAMINER, name=name)
        staff.append(staff_account_link(actor=hs, staff=member, user=users[username]))
    return staff


def _rooms(organisation: Organisation) -> dict[str, ExamRoom]:
    site, _created = ExamSite.objects.get_or_create(organisation=organisation, name="华晟实训楼",
                                                    defaults={"address": "合肥市经济技术开发区繁华大道 8866 号"})
    rooms = {}
    for key, name, kind, capacity in (("paper", "A201 笔试教室", RoomKind.THEORY, 40),
                                      ("turning", "二号车间车工实操考场", RoomKind.PRACTICAL, 12),
                                      ("electric", "电工实训室", RoomKind.PRACTICAL, 12),
                                      ("review", "综合评审室", RoomKind.REVIEW, 20)):
        rooms[key], _created = ExamRoom.objects.get_or_create(site=site, name=name,
                                                              defaults={"kind": kind, "capacity": capacity})
    return rooms


def _task(organisation: Organisation, item: BatchItem, code: str, title: str, rubric: list[dict]) -> PracticalTask:
    task, _created = PracticalTask.objects.get_or_create(
        organisation=organisation, code=code, defaults={
            "occupation": item.occupation, "level": item.level.code if item.level else 0, "title": title,
            "description": f"{title}：按图纸和技术要求在规定时间内完成。", "duration_minutes": 120,
            "rubric": rubric, "status": "approved"})
    return task


def _sessions(batch: Batch, item: BatchItem, rooms: dict[str, ExamRoom], practical_room: str,
              tasks: tuple[PracticalTask, PracticalTask], staff: list[BatchStaff], *,
              absent: tuple[int, ...] = (), parts: tuple[str, ...] = ("theory", "practical", "review"),
              ) -> dict[str, ExamSession]:
    """A paper theory exam, a practical exam and a comprehensive review on the batch's first
    day, every accepted candidate seated, the three examiners as the practical and review
    panels (钱国华 leading)."""
    day = timezone.make_aware(dt.datetime.combine(batch.first_exam_date, dt.time(8, 30)))
    candidates = list(Application.objects.filter(batch=batch, item=item, status=Application.Status.ACCEPTED)
                      .order_by("number"))
    sessions = {}
    for key, kind, hour, room, task in (("theory", ExamSession.Kind.THEORY_PAPER, 0, rooms["paper"], None),
                                        ("practical", ExamSession.Kind.PRACTICAL, 2, rooms[practical_room], tasks[0]),
                                        ("review", ExamSession.Kind.REVIEW, 6, rooms["review"], tasks[1])):
        if key not in parts:
            continue
        label = {"theory": "理论知识笔试", "practical": "操作技能考核", "review": "综合评审"}[key]
        session = ExamSession.objects.create(
            batch=batch, batch_item=item, kind=kind, practical_task=task, name=f"{item} {label}",
            starts_at=day + dt.timedelta(hours=hour), ends_at=day + dt.timedelta(hours=hour + 2),
            duration_minutes=90 if key == "theory" else 120)
        session.rooms.set([room])
        for seat, application in enumerate(candidates, start=1):
            Attempt.objects.create(
                session=session, application=application, room=room, seat=seat,
                ticket_number=f"{batch.first_exam_date:%Y%m%d}{session.pk:05d}{seat:04d}",
                status=Attempt.Status.ABSENT if seat in absent else Attempt.Status.SUBMITTED,
                checked_in_at=None if seat in absent else session.starts_at)
        if kind != ExamSession.Kind.THEORY_PAPER:
            for index, member in enumerate(staff):
                StaffAssignment.objects.create(
                    session=session, staff=member, room=room, source=StaffAssignment.Source.MANUAL,
                    duty=StaffAssignment.Duty.LEADER if index == 0 else StaffAssignment.Duty.EXAMINER)
        sessions[key] = session
    return sessions


# Per candidate: paper theory score (of 100), practical rows per examiner, review rows per examiner.
def _scores(n: int, *, weak: bool = False) -> tuple[str, list[list[str]], list[list[str]]]:
    theory = str(68 + (n * 7) % 25)
    base = 26 + (n * 3) % 10
    practical = [[str(base + d), str(21 + (n + d) % 7), str(24 + d)] for d in (0, 2, 1)]
    if weak:
        practical = [["18", "15", "20"], ["20", "14", "19"], ["17", "16", "20"]]  # 53, 53, 53: below 60
    review = [[str(44 + (n + d) % 12), str(30 + d)] for d in (0, 3, 1)]
    return theory, practical, review


def _score(sessions: dict[str, ExamSession], examiners: list[Actor], checker: Actor, *,
           weak: tuple[int, ...] = (), partial: dict[int, int] | None = None) -> None:
    """Enter and lock the sheets; `partial`: {seat: how many examiners have entered} left open."""
    partial = partial or {}
    for seat, attempt in enumerate(sessions["practical"].attempts.order_by("seat"), start=1):
        if attempt.status == Attempt.Status.ABSENT:
            continue
        theory, practical, review = _scores(seat, weak=seat in weak)
        paper = sessions["theory"].attempts.get(application=attempt.application)
        scoring.score_entry_save(actor=examiners[1], attempt=paper, scores=[theory])
        scoring.score_sheet_sign_off(actor=checker, sheet=scoring.sheet_for(paper))
        count = partial.get(seat, len(examiners))
        # The leader enters last, so a half-entered sheet waits for 钱国华.
        for examiner, row in list(zip(examiners[1:] + examiners[:1], practical[1:] + practical[:1],
                                      strict=True))[:count]:
            scoring.score_entry_save(actor=examiner, attempt=attempt, scores=row)
        if count == len(examiners):
            scoring.score_sheet_sign_off(actor=examiners[0], sheet=scoring.sheet_for(attempt))
            reviewed = sessions["review"].attempts.get(application=attempt.application)
            for examiner, row in zip(examiners, review, strict=True):
                scoring.score_entry_save(actor=examiner, attempt=reviewed, scores=row)
            scoring.score_sheet_sign_off(actor=examiners[0], sheet=scoring.sheet_for(reviewed))


def _rows(names: list[tuple[str, str]], *, level: str, occupation: str = "6-18-01-01", years: str = "7",
          region: str = "340104", extra: dict[str, str] | None = None,
          people: tuple[Person, ...] | list[Person] = ()) -> list[list[str]]:
    from skilleval.portal.demo import demo_resident_id

    rows = [import_row(person.name, person.id_number, level=level, occupation=occupation, years=years,
                       **(extra or {})) for person in people]
    rows += [import_row(name, demo_resident_id(region, birth, f"{700 + n:03d}"), level=level, occupation=occupation,
                        years=years, **(extra or {})) for n, (name, birth) in enumerate(names)]
    return rows


def demo_results() -> None:
    organisation = Organisation.objects.filter(name=ORGANISATION).first()
    if organisation is None:
        return
    today = timezone.localdate()
    calendar = working_calendar()
    hs = actor_for(User.objects.get(username="hs_admin"))
    checker = actor_for(User.objects.get(username="hs_exam"))  # 李俊, exam affairs: checks the paper marks
    authority = actor_for(User.objects.get(username="hf_city"))
    users = {username: _user(username, name, Role.EXAMINER, organisation) for username, name in EXAMINERS}
    examiners = [actor_for(users[username]) for username, _name in EXAMINERS]
    people = _candidate_logins(organisation)
    rooms = _rooms(organisation)
    turning5 = {"occupation_code": "6-18-01-01", "level_code": 5, "method": "exam", "theory_weight": 30,
                "practical_weight": 60, "review_weight": 10}
    turning4 = {**turning5, "level_code": 4}
    electric4 = {"occupation_code": "6-31-01-03", "work_type_code": "6-31-01-03-01", "level_code": 4,
                 "method": "exam", "theory_weight": 20, "practical_weight": 60, "review_weight": 20}
    electric = {"申报工种编码": "6-31-01-03-01", "现从事岗位": "维修电工"}

    def run(name, first, item_data, rows, practical_room, rubric, code, **kwargs):
        batch = _batch(hs, authority, organisation, name=name, first=first, items=[item_data], rows=rows)
        item = batch.items.get()
        staff = _link_examiners(hs, batch, users)
        tasks = (_task(organisation, item, f"{code}-P", f"{item}操作技能考核", rubric),
                 _task(organisation, item, f"{code}-R", f"{item}综合评审", REVIEW_RUBRIC))
        sessions = _sessions(batch, item, rooms, practical_room, tasks, staff, absent=kwargs.pop("absent", ()))
        _score(sessions, examiners, checker, **kwargs)
        return batch

    # 1. Accepted by the authority: certificates can be issued.
    first = calendar.subtract(today, 45).date
    accepted = run("2026年第一期车工职业技能等级认定（五级）", first, turning5,
                   _rows([("孙建国", "19890314"), ("周文杰", "19920721"), ("吴海峰", "19870105"),
                          ("郑晓东", "19950930"), ("冯立新", "19900618")], level="五级", years="3",
                         people=[people["accepted"]]),
                   "turning", TURNING_RUBRIC, "CG5-2026-01", weak=(4,), absent=(6,))
    _publish_and_report(accepted, hs, authority, calendar, start=calendar.subtract(today, 38).date,
                        decision="accept", decided_on=calendar.subtract(today, 22).date)

    # 2. Returned by the authority with reasons; the correction deadline runs.
    first = calendar.subtract(today, 32).date
    returned = run("2026年第二期车工职业技能等级认定（四级）", first, turning4,
                   _rows([("蒋振华", "19850211"), ("沈国平", "19830907"), ("韩立军", "19860423"),
                          ("杨志强", "19880115")], level="四级", region="340102"),
                   "turning", TURNING_RUBRIC, "CG4-2026-02", weak=(2,))
    _publish_and_report(returned, hs, authority, calendar, start=calendar.subtract(today, 26).date,
                        decision="return", decided_on=calendar.subtract(today, 3).date)

    # 3. In publicity, with an objection waiting for the committee.
    first = calendar.subtract(today, 9).date
    in_publicity = run("2026年第一期维修电工职业技能等级认定（四级）", first, electric4,
                       _rows([("王立华", "19840618"), ("刘德胜", "19870302"), ("陈国栋", "19891111"),
                              ("许志明", "19900527")], level="四级", occupation="6-31-01-03", years="9",
                             region="340111", extra=electric, people=[people["publicity"]]),
                       "electric", ELECTRIC_RUBRIC, "DG4-2026-01", weak=(3,))
    outcomes.results_compile(actor=hs, batch=in_publicity)
    outcomes.results_approve(actor=hs, batch=in_publicity, committee_note="评价委员会2026年第7次会议审定，到会委员5人")
    starts = calendar.subtract(today, 2).date
    publicity.publicity_start(actor=hs, batch=in_publicity, starts_on=starts, today=starts,
                              notice="公示期内如有异议，请向人力资源部李俊反映（0551-63821106）。")
    other = Result.objects.filter(batch=in_publicity, passed=True).exclude(
        application__person=people["publicity"]).order_by("application__number").first()
    publicity.objection_raise(actor=actor_for(people["publicity"].user), batch=in_publicity, result=other,
                              text="该同事实操考核时通电试验曾失败一次后重新接线，评分表中通电试验得满分，请复核。",
                              today=calendar.subtract(today, 1).date)

    # 4. Being scored: exams yesterday, sheets at every stage.
    first = today - dt.timedelta(days=1)
    run("2026年第五期车工职业技能等级认定（四级）", first, turning4,
        _rows([("邓建军", "19860304"), ("高明亮", "19880819"), ("罗振宇", "19910213"), ("梁文博", "19870630")],
              level="四级", region="340103"),
        "turning", TURNING_RUBRIC, "CG4-2026-05", partial={2: 2, 3: 1}, absent=(4,))


def _publish_and_report(batch: Batch, hs: Actor, authority: Actor, calendar, *, start: dt.date, decision: str,
                        decided_on: dt.date) -> None:
    outcomes.results_compile(actor=hs, batch=batch)
    outcomes.results_approve(actor=hs, batch=batch, committee_note="评价委员会审定，到会委员5人，全票通过")
    row = publicity.publicity_start(actor=hs, batch=batch, starts_on=start, today=start,
                                    notice="公示期内如有异议，请向人力资源部李俊反映（0551-63821106）。")
    closed_on = row.ends_on + dt.timedelta(days=1)
    publicity.publicity_close(actor=hs, batch=batch, today=closed_on)
    submitted = timezone.make_aware(dt.datetime.combine(calendar.add(closed_on, 3).date, dt.time(10, 20)))
    decided = timezone.make_aware(dt.datetime.combine(decided_on, dt.time(15, 40)))
    report = reports.report_submit(actor=hs, batch=batch, now=submitted)
    if decision == "accept":
        reports.report_accept(actor=authority, report=report, now=decided)
    else:
        reports.report_return(actor=authority, report=report, now=decided,
                              reason="证书信息表中“所在单位”应填写单位全称；第2名考生的操作技能成绩与评分表合成得分不一致，请核实后重新报送。")


def demo_logins() -> list[tuple[str, str, str]]:
    return LOGINS
