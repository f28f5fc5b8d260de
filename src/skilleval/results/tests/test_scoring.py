"""Score sheets: entry item by item against the rubric, the panel's size and leader, the
sign-off that locks, the panel rule, and changes after lock with a second person's
approval. Every refusal leaves the sheet as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches.models import BatchStaff
from skilleval.batches.tests.factories import filed_organisation
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.exams.models import Attempt, ExamIncident, ExamSession, StaffAssignment, StaffConflict
from skilleval.orgs.sample import sample_id_number

from ..models import PanelRule, ScoreChange, ScoreEntry, ScoreSheet
from ..services import scoring
from .factories import PASSING, build_results_world, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def rw(jurisdictions):
    return build_results_world(jurisdictions["合肥市"])


def refused(message_part, call, *args, **kwargs):
    with pytest.raises(DomainError) as exc:
        call(*args, **kwargs)
    assert message_part in exc.value.message, exc.value.message
    return exc.value


def test_three_examiners_score_and_the_leader_locks_the_mean(rw):
    application = rw.applications[0]
    sheet = score(rw, "practical", application, PASSING)
    assert sheet.status == ScoreSheet.Status.LOCKED and sheet.signed_off_by == rw.leader.user
    assert [e.total for e in sheet.entries.order_by("pk")] == [Decimal("90"), Decimal("88"), Decimal("90")]
    assert sheet.combined_score == Decimal("89.3")  # (90 + 88 + 90) / 3, one decimal, half up
    assert sheet.max_score == 100 and sheet.percent_score == Decimal("89.3")
    assert sheet.entries.first().scores[0] == {"item": "尺寸精度", "points": 40, "score": "36.0"}
    event = AuditEvent.objects.filter(object_type="results.scoresheet", object_id=str(sheet.pk),
                                      action=AuditEvent.Action.TRANSITION).get()
    assert "89.3" in event.summary and event.actor == rw.leader.user


def test_scores_by_item_name_and_correction_before_lock(rw):
    attempt = rw.attempt("practical", rw.applications[0])
    scoring.score_entry_save(actor=rw.examiners[1], attempt=attempt, scores={"尺寸精度": "30", "表面粗糙度": "20",
                                                                          "安全文明生产": "20"})
    entry = scoring.score_entry_save(actor=rw.examiners[1], attempt=attempt, scores=["31.5", "20", "20"])
    assert entry.total == Decimal("71.5") and ScoreEntry.objects.count() == 1
    updates = AuditEvent.objects.filter(object_type="results.scoresheet", action=AuditEvent.Action.UPDATE).get()
    assert updates.before["total"] == "70.0" and updates.after["total"] == "71.5"


@pytest.mark.parametrize(("scores", "message"), [
    (["41", "27", "27"], "应在 0 至 40 分之间"),
    (["-1", "27", "27"], "应在 0 至 40 分之间"),
    (["36.55", "27", "27"], "最多保留一位小数"),
    (["三十", "27", "27"], "不是数字"),
    (["36", "", "27"], "请填写“表面粗糙度”的得分"),
    (["36", "27"], "评分标准共 3 项"),
    ({"尺寸": "36"}, "评分标准中没有“尺寸”"),
])
def test_scores_outside_the_rubric_are_refused(rw, scores, message):
    attempt = rw.attempt("practical", rw.applications[0])
    refused(message, scoring.score_entry_save, actor=rw.examiners[0], attempt=attempt, scores=scores)
    assert not ScoreEntry.objects.exists()


def test_an_absent_candidate_has_no_sheet(rw):
    attempt = rw.attempt("practical", rw.applications[1])
    Attempt.objects.filter(pk=attempt.pk).update(status=Attempt.Status.ABSENT)
    refused("缺考，不能录入成绩", scoring.score_entry_save, actor=rw.examiners[0], attempt=attempt,
            scores=PASSING[0])
    assert not ScoreSheet.objects.exists()


def test_only_members_of_the_candidates_panel_may_score(rw, jurisdictions):
    attempt = rw.attempt("practical", rw.applications[0])
    colleague = actor_for(make_user(Role.EXAMINER, organisation=rw.world.org))
    refused("不是考生", scoring.score_entry_save, actor=colleague, attempt=attempt, scores=PASSING[0])
    other_org = filed_organisation(jurisdictions["合肥市"])
    outsider = actor_for(make_user(Role.EXAMINER, organisation=other_org))
    refused("本单位", scoring.score_entry_save, actor=outsider, attempt=attempt, scores=PASSING[0])
    proctor = rw.world.proctor
    with pytest.raises(Exception, match="权限"):
        scoring.score_entry_save(actor=proctor, attempt=attempt, scores=PASSING[0])
    assert not ScoreEntry.objects.exists()


def test_a_panel_below_the_minimum_or_even_or_without_a_leader_cannot_score(rw):
    attempt = rw.attempt("practical", rw.applications[0])
    member = StaffAssignment.objects.filter(session=rw.practical, duty=StaffAssignment.Duty.EXAMINER).last()
    member.delete()
    refused("不少于 3 名", scoring.score_entry_save, actor=rw.examiners[0], attempt=attempt, scores=PASSING[0])
    StaffAssignment.objects.create(session=rw.practical, staff=member.staff, room=rw.practical_room,
                                   duty=StaffAssignment.Duty.EXAMINER)
    extra = BatchStaff.objects.create(batch=rw.batch, role=BatchStaff.Role.EXAMINER, name="宋建华",
                                      id_number=sample_id_number())
    StaffAssignment.objects.create(session=rw.practical, staff=extra, room=rw.practical_room,
                                   duty=StaffAssignment.Duty.EXAMINER)
    refused("单数，当前为 4 名", scoring.score_entry_save, actor=rw.examiners[0], attempt=attempt,
            scores=PASSING[0])
    StaffAssignment.objects.filter(staff=extra).delete()
    StaffAssignment.objects.filter(session=rw.practical, duty=StaffAssignment.Duty.LEADER).update(
        duty=StaffAssignment.Duty.EXAMINER)
    refused("组长", scoring.score_entry_save, actor=rw.examiners[0], attempt=attempt, scores=PASSING[0])
    assert not ScoreSheet.objects.exists()


def test_the_profiles_minimum_is_data(rw):
    profile = rw.batch.organisation.jurisdiction.policy_profile()
    profile.min_examiners_per_candidate = 5
    profile.save()
    refused("不少于 5 名", scoring.score_entry_save, actor=rw.examiners[0],
            attempt=rw.attempt("practical", rw.applications[0]), scores=PASSING[0])


def test_voided_declared_conflicts_unstarted_and_computer_sessions_are_refused(rw):
    application = rw.applications[0]
    attempt = rw.attempt("practical", application)
    StaffConflict.objects.create(batch=rw.batch, staff=rw.staff[1], application=application,
                                 kind=StaffConflict.Kind.TEAM)
    refused("回避", scoring.score_entry_save, actor=rw.examiners[1], attempt=attempt, scores=PASSING[0])
    ExamIncident.objects.create(session=rw.practical, attempt=attempt, kind=ExamIncident.Kind.VIOLATION,
                                category="夹带资料", occurred_at=timezone.now(), description="……",
                                handling=ExamIncident.Handling.VOID, recorded_by=rw.manager.user,
                                decided_by=rw.manager.user, decided_at=timezone.now())
    refused("夹带资料", scoring.score_entry_save, actor=rw.examiners[0], attempt=attempt, scores=PASSING[0])
    later = rw.attempt("practical", rw.applications[1])
    ExamSession.objects.filter(pk=rw.practical.pk).update(starts_at=timezone.now() + timezone.timedelta(hours=1))
    refused("尚未开始", scoring.score_entry_save, actor=rw.examiners[0], attempt=later, scores=PASSING[0])
    refused("机考成绩由系统", scoring.score_entry_save, actor=rw.examiners[0],
            attempt=rw.attempt("theory", application), scores=PASSING[0])
    assert not ScoreEntry.objects.exists()


def test_sign_off_needs_the_leader_and_every_members_scores(rw):
    attempt = rw.attempt("practical", rw.applications[0])
    for examiner, scores in zip(rw.examiners[:2], PASSING, strict=False):
        scoring.score_entry_save(actor=examiner, attempt=attempt, scores=scores)
    sheet = scoring.sheet_for(attempt)
    refused("只有", scoring.score_sheet_sign_off, actor=rw.examiners[1], sheet=sheet)
    refused("还有考评员未评分：马文涛", scoring.score_sheet_sign_off, actor=rw.leader, sheet=sheet)
    sheet.refresh_from_db()
    assert sheet.status == ScoreSheet.Status.OPEN and sheet.combined_score is None


def test_after_lock_an_entry_cannot_be_changed_directly(rw):
    attempt = rw.attempt("practical", rw.applications[0])
    sheet = score(rw, "practical", rw.applications[0], PASSING)
    refused("签字锁定", scoring.score_entry_save, actor=rw.examiners[1], attempt=attempt, scores=["40", "30", "30"])
    refused("已于", scoring.score_sheet_sign_off, actor=rw.leader, sheet=sheet)
    assert ScoreEntry.objects.get(sheet=sheet, examiner=rw.staff[1]).total == Decimal("88")


def test_a_change_after_lock_needs_a_reason_and_a_second_persons_approval(rw):
    sheet = score(rw, "practical", rw.applications[0], PASSING)
    entry = ScoreEntry.objects.get(sheet=sheet, examiner=rw.staff[1])
    refused("更正理由", scoring.score_change_request, actor=rw.examiners[1], entry=entry,
            scores=["36", "26", "28"], reason="")
    refused("相同", scoring.score_change_request, actor=rw.examiners[1], entry=entry, scores=["34", "26", "28"],
            reason="复核尺寸")
    refused("本人或考评组长", scoring.score_change_request, actor=rw.examiners[2], entry=entry,
            scores=["36", "26", "28"], reason="复核尺寸")
    change = scoring.score_change_request(actor=rw.examiners[1], entry=entry, scores=["36", "26", "28"],
                                          reason="复测外圆尺寸在公差内，原扣分有误")
    refused("待审批", scoring.score_change_request, actor=rw.examiners[1], entry=entry, scores=["37", "26", "28"],
            reason="再次复核")
    sheet.refresh_from_db()
    assert sheet.combined_score == Decimal("89.3")  # nothing applies before approval

    refused("第二人", scoring.score_change_approve, actor=rw.examiners[1], change=change)
    refused("考评组长或考务负责人", scoring.score_change_approve, actor=rw.examiners[2], change=change)
    change.refresh_from_db()
    assert change.status == ScoreChange.Status.PENDING

    scoring.score_change_approve(actor=rw.leader, change=change, note="同意")
    change.refresh_from_db()
    sheet.refresh_from_db()
    entry.refresh_from_db()
    assert change.status == ScoreChange.Status.APPROVED and change.decided_by == rw.leader.user
    assert entry.total == Decimal("90") and sheet.combined_score == Decimal("90.0")
    assert change.before_total == Decimal("88") and change.after_total == Decimal("90")
    event = AuditEvent.objects.filter(object_type="results.scoresheet", summary__startswith="批准评分更正").get()
    assert event.before["entry_total"] == "88.0" and event.after["entry_total"] == "90.0"
    assert event.before["combined_score"] == "89.3" and event.after["combined_score"] == "90.0"
    refused("已批准", scoring.score_change_approve, actor=rw.manager, change=change)


def test_the_database_refuses_a_change_decided_by_its_requester(rw):
    sheet = score(rw, "practical", rw.applications[0], PASSING)
    entry = ScoreEntry.objects.get(sheet=sheet, examiner=rw.staff[1])
    change = scoring.score_change_request(actor=rw.examiners[1], entry=entry, scores=["36", "26", "28"],
                                          reason="复测外圆尺寸")
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreChange.objects.filter(pk=change.pk).update(decided_by=rw.examiners[1].user, status="approved")


def test_a_rejected_change_leaves_the_scores(rw):
    sheet = score(rw, "practical", rw.applications[0], PASSING)
    entry = ScoreEntry.objects.get(sheet=sheet, examiner=rw.staff[2])
    change = scoring.score_change_request(actor=rw.examiners[2], entry=entry, scores=["20", "25", "27"],
                                          reason="尺寸超差漏扣")
    refused("驳回理由", scoring.score_change_reject, actor=rw.manager, change=change, note="")
    scoring.score_change_reject(actor=rw.manager, change=change, note="复测尺寸合格，维持原评分")
    entry.refresh_from_db()
    sheet.refresh_from_db()
    assert entry.total == Decimal("90") and sheet.combined_score == Decimal("89.3")
    assert ScoreChange.objects.get().status == ScoreChange.Status.REJECTED


def test_the_batch_may_drop_highest_and_lowest_for_panels_of_five(jurisdictions):
    rw = build_results_world(jurisdictions["合肥市"], examiners=5, candidates=1)
    scoring.panel_rule_set(actor=rw.manager, batch=rw.batch, rule=PanelRule.TRIMMED)
    rows = [["24", "18", "18"], ["32", "24", "24"], ["34", "25", "26"], ["36", "27", "27"], ["40", "30", "30"]]
    sheet = score(rw, "practical", rw.applications[0], rows)  # 60, 80, 85, 90, 100
    assert sheet.combined_score == Decimal("85.0") and sheet.panel_rule == PanelRule.TRIMMED
    refused("已有评分表签字锁定", scoring.panel_rule_set, actor=rw.manager, batch=rw.batch, rule=PanelRule.MEAN)
    assert rw.batch.result_book.panel_rule == PanelRule.TRIMMED


def test_the_trimmed_rule_means_the_mean_below_five():
    from ..scores import combine_panel

    assert combine_panel([Decimal(60), Decimal(80), Decimal(100)], "trimmed") == Decimal("80.0")
    assert combine_panel([Decimal(60), Decimal(80), Decimal(85), Decimal(90), Decimal(100)], "mean") == Decimal("83.0")
    assert combine_panel([Decimal("70.05")], "mean") == Decimal("70.1")


def test_the_leader_signs_off_a_whole_room_at_once(rw):
    for application in rw.applications[:2]:
        score(rw, "practical", application, PASSING, sign=False)
    scoring.score_entry_save(actor=rw.examiners[0], attempt=rw.attempt("practical", rw.applications[2]),
                             scores=PASSING[0])
    refused("组长", scoring.score_sheets_sign_off, actor=rw.examiners[1], session=rw.practical,
            room_id=rw.practical_room.pk)
    assert scoring.score_sheets_sign_off(actor=rw.leader, session=rw.practical, room_id=rw.practical_room.pk) == 2
    statuses = dict(ScoreSheet.objects.values_list("attempt__application_id", "status"))
    assert statuses[rw.applications[2].pk] == ScoreSheet.Status.OPEN


def test_a_paper_theory_exam_is_marked_on_its_blueprints_parts(rw):
    session = ExamSession.objects.create(
        batch=rw.batch, batch_item=rw.world.item, kind=ExamSession.Kind.THEORY_PAPER, blueprint=rw.world.blueprint,
        name="理论笔试", starts_at=rw.practical.starts_at, ends_at=rw.practical.ends_at, duration_minutes=60)
    attempt = Attempt.objects.create(session=session, application=rw.applications[0], ticket_number="T0001",
                                     room=rw.practical_room, seat=1, status=Attempt.Status.SUBMITTED)
    StaffAssignment.objects.create(session=session, staff=rw.staff[0], room=rw.practical_room,
                                   duty=StaffAssignment.Duty.LEADER)
    assert scoring.rubric_for(session) == [
        {"item": "客观题（单选、多选、判断）", "points": 8, "criteria": "按标准答案评分"},
        {"item": "主观题（简答）", "points": 4, "criteria": "按参考答案和评分标准评分"}]
    scoring.score_entry_save(actor=rw.leader, attempt=attempt, scores=["6", "3.5"])
    sheet = scoring.score_sheet_sign_off(actor=rw.leader, sheet=scoring.sheet_for(attempt))
    assert sheet.kind == ScoreSheet.Kind.THEORY_PAPER and sheet.percent_score == Decimal("79.2")


def test_a_paper_theory_exam_without_a_panel_is_marked_by_roster_examiners_and_checked_by_exam_affairs(rw):
    session = ExamSession.objects.create(
        batch=rw.batch, batch_item=rw.world.item, kind=ExamSession.Kind.THEORY_PAPER, name="理论笔试",
        starts_at=rw.practical.starts_at, ends_at=rw.practical.ends_at, duration_minutes=60)
    attempt = Attempt.objects.create(session=session, application=rw.applications[0], ticket_number="T0002",
                                     status=Attempt.Status.SUBMITTED)
    assert scoring.rubric_for(session) == scoring.DEFAULT_PAPER_RUBRIC
    colleague = actor_for(make_user(Role.EXAMINER, organisation=rw.world.org))
    refused("不是考生", scoring.score_entry_save, actor=colleague, attempt=attempt, scores=["70"])
    scoring.score_entry_save(actor=rw.examiners[1], attempt=attempt, scores=["72.5"])
    sheet = scoring.sheet_for(attempt)
    refused("考务负责人复核", scoring.score_sheet_sign_off, actor=rw.examiners[1], sheet=sheet)
    sheet = scoring.score_sheet_sign_off(actor=rw.manager, sheet=sheet)
    assert sheet.is_locked and sheet.combined_score == Decimal("72.5")
