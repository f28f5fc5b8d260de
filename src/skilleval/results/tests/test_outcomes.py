"""Results from the exam records: weights and pass marks per module, absent and
disqualified candidates, methods without exams, the committee's approval."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from skilleval.batches.models import Award, BatchItem
from skilleval.core.errors import DomainError
from skilleval.exams.models import Attempt, ExamIncident

from ..models import Result, ResultBook
from ..services import outcomes, scoring
from .factories import PASSING, REVIEW_PASSING, build_results_world, confirm_theory, score, score_everyone

pytestmark = pytest.mark.django_db


@pytest.fixture
def rw(jurisdictions):
    return build_results_world(jurisdictions["合肥市"])


def result_of(application) -> Result:
    return Result.objects.get(application=application)


def test_results_combine_modules_with_the_batchs_weights(rw):
    score_everyone(rw)
    summary = outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    assert summary.counts == {Result.Status.SCORED: 3} and summary.passed == 3 and not summary.pending
    result = result_of(rw.applications[0])
    # theory 9/12 = 75.0; practical 89.3; review 85.0; weights 30/60/10
    assert (result.theory_score, result.practical_score, result.review_score) == (
        Decimal("75.0"), Decimal("89.3"), Decimal("85.0"))
    assert result.total_score == Decimal("84.6") and result.passed
    assert rw.batch.result_book.compiled_at is not None


def test_each_weighted_module_must_reach_the_pass_mark(rw):
    application = rw.applications[0]
    confirm_theory(rw, application, objective="12")  # 100
    score(rw, "practical", application, [["20", "18", "18"], ["22", "18", "17"], ["21", "18", "18"]])  # 56, 57, 57
    score(rw, "review", application, REVIEW_PASSING)
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    result = result_of(application)
    assert result.practical_score == Decimal("56.7") and result.total_score == Decimal("72.5")
    assert not result.passed and "操作技能未达到合格线 60 分" in result.note


def test_incomplete_records_leave_the_result_pending_with_the_reason(rw):
    application = rw.applications[0]
    score(rw, "practical", application, PASSING, sign=False)
    summary = outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    assert summary.counts == {Result.Status.PENDING: 3}
    note = result_of(application).note
    assert "理论机考成绩尚未复核确认" in note and "操作技能评分表尚未签字锁定" in note
    with pytest.raises(DomainError, match="未汇总完成"):
        outcomes.results_approve(actor=rw.manager, batch=rw.batch, committee_note="第3次会议")
    assert rw.batch.result_book.approved_at is None


def test_absent_everywhere_or_in_one_module(rw):
    everywhere, one_module, _present = rw.applications
    for module in ("theory", "practical", "review"):
        Attempt.objects.filter(pk=rw.attempt(module, everywhere).pk).update(status=Attempt.Status.ABSENT)
    Attempt.objects.filter(pk=rw.attempt("practical", one_module).pk).update(status=Attempt.Status.ABSENT)
    for application in rw.applications[1:]:
        confirm_theory(rw, application)
        score(rw, "review", application, REVIEW_PASSING)
    score(rw, "practical", rw.applications[2], PASSING)
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    assert result_of(everywhere).status == Result.Status.ABSENT and not result_of(everywhere).passed
    partly = result_of(one_module)
    assert partly.status == Result.Status.SCORED and not partly.passed and partly.practical_score is None
    assert "操作技能缺考" in partly.note and partly.outcome_label == "不合格"
    assert result_of(rw.applications[2]).passed


def test_a_voided_exam_disqualifies_the_candidate(rw):
    score_everyone(rw)
    application = rw.applications[1]
    ExamIncident.objects.create(session=rw.theory, attempt=rw.attempt("theory", application),
                                kind=ExamIncident.Kind.VIOLATION, category="替考", occurred_at=timezone.now(),
                                description="……", handling=ExamIncident.Handling.VOID_ALL,
                                recorded_by=rw.manager.user,
                                decided_by=rw.manager.user, decided_at=timezone.now())
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    result = result_of(application)
    assert result.status == Result.Status.DISQUALIFIED and not result.passed and "替考" in result.note


def test_the_committee_approves_the_list_as_compiled(rw):
    score_everyone(rw)
    with pytest.raises(DomainError, match="请先汇总成绩"):
        outcomes.results_approve(actor=rw.manager, batch=rw.batch, committee_note="第3次会议")
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    with pytest.raises(DomainError, match="审定记录"):
        outcomes.results_approve(actor=rw.manager, batch=rw.batch, committee_note=" ")
    # A change approved after compiling: the committee must see the list again.
    sheet = scoring.sheet_for(rw.attempt("practical", rw.applications[0]))
    change = scoring.score_change_request(actor=rw.examiners[1], entry=sheet.entries.get(examiner=rw.staff[1]),
                                          scores=["30", "26", "28"], reason="尺寸超差，补扣")
    scoring.score_change_approve(actor=rw.leader, change=change)
    with pytest.raises(DomainError, match="重新汇总"):
        outcomes.results_approve(actor=rw.manager, batch=rw.batch, committee_note="第3次会议")
    assert not Result.objects.filter(status=Result.Status.APPROVED).exists()
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    assert outcomes.results_approve(actor=rw.manager, batch=rw.batch, committee_note="第3次会议") == 3
    assert set(Result.objects.values_list("status", flat=True)) == {Result.Status.APPROVED}
    assert not Result.objects.filter(approved_at__isnull=True).exists()
    book = ResultBook.objects.get(batch=rw.batch)
    assert book.approved_by == rw.manager.user and book.committee_note == "第3次会议"
    # Approved: nothing changes any more through scoring or compiling.
    with pytest.raises(DomainError, match="已经评价委员会审定"):
        outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    with pytest.raises(DomainError, match="已经评价委员会审定"):
        scoring.score_change_request(actor=rw.examiners[2], entry=sheet.entries.get(examiner=rw.staff[2]),
                                     scores=["30", "26", "28"], reason="再次复核")
    outcomes.results_approval_revoke(actor=rw.manager, batch=rw.batch, reason="发现录入差错")
    assert set(Result.objects.values_list("status", flat=True)) == {Result.Status.SCORED}


def test_only_the_organisations_exam_affairs_compile(rw, jurisdictions):
    score_everyone(rw)
    for actor in (rw.examiners[0], rw.authority):
        with pytest.raises(Exception, match="权限"):
            outcomes.results_compile(actor=actor, batch=rw.batch)
    assert not Result.objects.exists()


def _method(rw, method):
    BatchItem.objects.filter(pk=rw.world.item.pk).update(method=method, theory_weight=0, practical_weight=0,
                                                         review_weight=100)


def test_direct_recognition_comes_from_its_own_record(rw):
    _method(rw, "direct")
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    assert "尚未登记直接认定结果" in result_of(rw.applications[0]).note
    with pytest.raises(DomainError, match="认定依据"):
        outcomes.recognition_record(actor=rw.manager, application=rw.applications[0], passed=True, basis="")
    for application, passed in zip(rw.applications, (True, False, True), strict=True):
        outcomes.recognition_record(actor=rw.manager, application=application, passed=passed,
                                    basis="按《直接认定方案》第三条，年度考核优秀且班组评价第一")
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    first, second, _third = (result_of(a) for a in rw.applications)
    assert first.passed and first.total_score is None and first.status == Result.Status.SCORED
    assert not second.passed and second.outcome_label == "不合格"


def test_competition_recognises_only_the_top_places_of_a_filed_competition(rw):
    _method(rw, "competition")
    application = rw.applications[0]
    with pytest.raises(DomainError, match="前3名"):
        outcomes.recognition_record(actor=rw.manager, application=application, passed=True, basis="市技能大赛")
    Award.objects.create(application=application, kind=Award.Kind.COMPETITION, tier=Award.Tier.CITY,
                         name="合肥市车工技能大赛", year=2026, rank=4, filed_competition=True)
    with pytest.raises(DomainError, match="前3名"):
        outcomes.recognition_record(actor=rw.manager, application=application, passed=True, basis="第4名")
    Award.objects.create(application=application, kind=Award.Kind.COMPETITION, tier=Award.Tier.PROVINCIAL,
                         name="安徽省车工技能大赛", year=2026, rank=2, filed_competition=True)
    outcomes.recognition_record(actor=rw.manager, application=application, passed=True, basis="省赛第2名")
    assert application.recognition.passed


def test_a_recognition_is_refused_for_an_exam_method(rw):
    with pytest.raises(DomainError, match="成绩来自考核评分"):
        outcomes.recognition_record(actor=rw.manager, application=rw.applications[0], passed=True, basis="方案")


def test_performance_review_is_scored_by_its_review_panel(rw):
    _method(rw, "performance")
    for application in rw.applications:
        score(rw, "review", application, REVIEW_PASSING)
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    result = result_of(rw.applications[0])
    assert result.review_score == Decimal("85.0") and result.total_score == Decimal("85.0") and result.passed


def test_a_violation_waiting_for_the_supervisor_holds_the_result(rw):
    score_everyone(rw)
    application = rw.applications[2]
    incident = ExamIncident.objects.create(
        session=rw.practical, attempt=rw.attempt("practical", application), kind=ExamIncident.Kind.VIOLATION,
        category="未经许可离开考场", occurred_at=timezone.now(), description="……",
        handling=ExamIncident.Handling.VOID, recorded_by=rw.manager.user)
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    result = result_of(application)
    assert result.status == Result.Status.PENDING and "待质量督导员认定" in result.note
    ExamIncident.objects.filter(pk=incident.pk).update(handling=ExamIncident.Handling.WARNING,
                                                       decided_at=timezone.now(), decided_by=rw.manager.user)
    outcomes.results_compile(actor=rw.manager, batch=rw.batch)
    assert result_of(application).passed
