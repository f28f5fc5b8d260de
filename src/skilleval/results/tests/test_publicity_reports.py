"""Publicity for the profile's period, objections and the committee's decisions, the end
of publicity, the report to the authority, its return and the corrected resubmission,
and what the certificates app reads."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches.tests.factories import candidate
from skilleval.catalog.models import PolicyProfile
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent, Notification
from skilleval.core.workdays import working_calendar

from ..documents import CERTIFICATE_HEADER_ROW, CERTIFICATE_HEADERS
from ..models import Objection, Publicity, Report, Result
from ..selectors import certifiable_results
from ..services import publicity, reports
from ..services.publicity import publicity_end, report_due
from .factories import approved, build_results_world, publicity_over, published, reported

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def rw(jurisdictions):
    return build_results_world(jurisdictions["合肥市"])


def candidate_actor(rw, index=0):
    return actor_for(rw.applications[index].person.user)


# ---------------------------------------------------------------------------------------------
# Publicity


def test_publicity_needs_the_committees_approval(rw):
    with pytest.raises(DomainError, match="审定后才能公示"):
        publicity.publicity_start(actor=rw.manager, batch=rw.batch)
    assert not Publicity.objects.exists()


def test_publicity_runs_the_profiles_working_days_and_tells_the_candidates(rw):
    row = published(rw)
    assert row.starts_on == TODAY and row.days == 5 and row.day_kind == "working"
    assert row.ends_on == working_calendar().add(TODAY - dt.timedelta(days=1), 5).date
    count, _provisional = working_calendar().between(TODAY - dt.timedelta(days=1), row.ends_on)
    assert count == 5
    for application in rw.applications:
        assert Notification.objects.filter(user=application.person.user, title__contains="评价结果已公示").exists()
    with pytest.raises(DomainError, match="已经公示"):
        publicity.publicity_start(actor=rw.manager, batch=rw.batch)


def test_the_start_date_cannot_be_in_the_past(rw):
    approved(rw)
    with pytest.raises(DomainError, match="不能早于今天"):
        publicity.publicity_start(actor=rw.manager, batch=rw.batch, starts_on=TODAY - dt.timedelta(days=1))
    assert not Publicity.objects.exists()


def test_bengbu_publishes_seven_calendar_days(jurisdictions):
    rw = build_results_world(jurisdictions["蚌埠市"], name="蚌埠成绩测试仪器有限公司")
    row = published(rw)
    assert row.day_kind == "calendar" and row.days == 7 and row.ends_on == TODAY + dt.timedelta(days=6)


def test_the_period_over_a_holiday_counts_working_days():
    profile = PolicyProfile(publicity_days=5, publicity_day_kind="working")
    # National Day 2026: Oct 1–7 off, Saturday Oct 10 worked: Sep 30, Oct 8, 9, 10, 12.
    assert publicity_end(profile, dt.date(2026, 9, 30), working_calendar()).date == dt.date(2026, 10, 12)
    profile.publicity_day_kind = "calendar"
    profile.publicity_days = 7
    assert publicity_end(profile, dt.date(2026, 9, 30), working_calendar()).date == dt.date(2026, 10, 6)


def test_tianjin_counts_the_report_deadline_from_the_end_of_the_evaluation(rw):
    profile = PolicyProfile(report_deadline_workdays=10, report_deadline_anchor="evaluation_end")
    due = report_due(profile, rw.batch, TODAY + dt.timedelta(days=30), working_calendar())
    assert due.date == working_calendar().add(rw.batch.last_exam_date, 10).date


# ---------------------------------------------------------------------------------------------
# Objections


def test_objections_only_during_the_period_by_people_inside(rw, jurisdictions):
    row = published(rw)
    result = Result.objects.get(application=rw.applications[1])
    text = "张某实操考试时使用了自带量具，请核查"
    with pytest.raises(DomainError, match="至少5个字"):
        publicity.objection_raise(actor=candidate_actor(rw), batch=rw.batch, text="有问题")
    with pytest.raises(DomainError, match="已于"):
        publicity.objection_raise(actor=candidate_actor(rw), batch=rw.batch, text=text,
                                  today=row.ends_on + dt.timedelta(days=1))
    outsider = candidate(_other_org(jurisdictions))
    with pytest.raises(DomainError, match="本单位职工和本批次考生"):
        publicity.objection_raise(actor=actor_for(outsider), batch=rw.batch, text=text)
    assert not Objection.objects.exists()
    objection = publicity.objection_raise(actor=candidate_actor(rw), batch=rw.batch, text=text, result=result)
    assert objection.status == Objection.Status.OPEN and objection.raised_on == TODAY
    staff = publicity.objection_raise(actor=rw.world.proctor, batch=rw.batch, text="公示名单中缺少一名考生的成绩")
    assert staff.result is None
    assert Notification.objects.filter(organisation_id=rw.world.org.pk, title__contains="收到公示异议").count() == 2


def _other_org(jurisdictions):
    from skilleval.batches.tests.factories import filed_organisation

    return filed_organisation(jurisdictions["合肥市"], name="合肥别家机械有限公司")


def test_an_upheld_objection_changes_the_result_with_both_values_kept(rw):
    published(rw)
    result = Result.objects.get(application=rw.applications[1])
    objection = publicity.objection_raise(actor=candidate_actor(rw), batch=rw.batch, result=result,
                                          text="该考生实操工件尺寸超差，评分偏高")
    with pytest.raises(DomainError, match="调查情况"):
        publicity.objection_decide(actor=rw.manager, objection=objection, decision="upheld", reason="",
                                   scores={"practical": "55"})
    with pytest.raises(DomainError, match="更正该考生的成绩"):
        publicity.objection_decide(actor=rw.manager, objection=objection, decision="upheld", reason="经复测属实")
    with pytest.raises(DomainError, match="0 至 100"):
        publicity.objection_decide(actor=rw.manager, objection=objection, decision="upheld", reason="经复测属实",
                                   scores={"practical": "120"})
    with pytest.raises(Exception, match="权限"):
        publicity.objection_decide(actor=rw.examiners[0], objection=objection, decision="dismissed",
                                   reason="经复核评分无误")
    result.refresh_from_db()
    assert result.passed and result.practical_score == Decimal("89.3")
    publicity.objection_decide(actor=rw.manager, objection=objection, decision="upheld",
                               reason="经评价委员会复测，工件外圆超差，操作技能成绩更正为55分",
                               scores={"practical": "55"})
    result.refresh_from_db()
    objection.refresh_from_db()
    assert result.practical_score == Decimal("55.0") and not result.passed
    assert result.total_score == Decimal("64.0")  # 75*0.3 + 55*0.6 + 85*0.1
    assert objection.status == Objection.Status.UPHELD
    assert objection.result_before["practical_score"] == "89.3" and objection.result_after["practical_score"] == "55.0"
    event = AuditEvent.objects.get(object_type="results.result", object_id=str(result.pk))
    assert event.before["passed"] is True and event.after["passed"] is False
    assert Notification.objects.filter(user=rw.applications[0].person.user, title__contains="异议成立").exists()
    with pytest.raises(DomainError, match="已处理"):
        publicity.objection_decide(actor=rw.manager, objection=objection, decision="dismissed", reason="重复处理")


def test_a_dismissed_objection_records_its_reasons(rw):
    published(rw)
    objection = publicity.objection_raise(actor=candidate_actor(rw, 2), batch=rw.batch, text="我的实操成绩应当更高")
    publicity.objection_decide(actor=rw.manager, objection=objection, decision="dismissed",
                               reason="调阅评分表及录像，三名考评员评分一致，维持原结果")
    objection.refresh_from_db()
    assert objection.status == Objection.Status.DISMISSED and "维持原结果" in objection.decision
    assert objection.result_before is None


def test_publicity_cannot_be_closed_early_or_with_an_open_objection(rw):
    row = published(rw)
    with pytest.raises(DomainError, match="不能提前结束"):
        publicity.publicity_close(actor=rw.manager, batch=rw.batch, today=row.ends_on)
    objection = publicity.objection_raise(actor=candidate_actor(rw), batch=rw.batch, text="成绩名单有误，请核查",
                                          today=row.ends_on)
    with pytest.raises(DomainError, match="1 条公示异议未处理"):
        publicity.publicity_close(actor=rw.manager, batch=rw.batch, today=row.ends_on + dt.timedelta(days=1))
    row.refresh_from_db()
    assert row.status == Publicity.Status.OPEN and row.report_due_on is None
    with pytest.raises(DomainError, match="公示期结束"):
        reports.report_submit(actor=rw.manager, batch=rw.batch)
    publicity.objection_decide(actor=rw.manager, objection=objection, decision="dismissed", reason="经核查名单无误")
    closed = publicity.publicity_close(actor=rw.manager, batch=rw.batch, today=row.ends_on + dt.timedelta(days=1))
    decided = timezone.localtime(Objection.objects.get().decided_at).date()
    assert closed.status == Publicity.Status.CLOSED
    assert closed.report_due_on == working_calendar().add(max(row.ends_on, decided), 10).date


# ---------------------------------------------------------------------------------------------
# Reports


def test_nothing_reaches_the_authority_before_publicity_ends(rw):
    approved(rw)
    with pytest.raises(DomainError, match="公示期结束"):
        reports.report_submit(actor=rw.manager, batch=rw.batch)
    publicity.publicity_start(actor=rw.manager, batch=rw.batch)
    with pytest.raises(DomainError, match="公示期结束"):
        reports.report_submit(actor=rw.manager, batch=rw.batch)
    assert not Report.objects.exists()
    assert not Notification.objects.filter(user=rw.authority.user).exists()


def test_the_report_goes_to_the_plan_authority_with_both_tables(rw):
    report = reported(rw)
    assert report.version == 1 and report.status == Report.Status.SUBMITTED
    assert report.due_on == Publicity.objects.get().report_due_on and not report.submitted_late
    workbook = load_workbook(io.BytesIO(report.certificates_file.read()))
    sheet = workbook.active
    assert [c.value for c in sheet[CERTIFICATE_HEADER_ROW]] == list(CERTIFICATE_HEADERS)
    assert sheet.max_row == CERTIFICATE_HEADER_ROW + 3
    assert Notification.objects.filter(user=rw.authority.user, title__contains="报备").exists()
    with pytest.raises(DomainError, match="正在等待"):
        reports.report_submit(actor=rw.manager, batch=rw.batch)
    assert list(certifiable_results(rw.batch)) == []


def test_only_the_receiving_authority_decides(rw, jurisdictions):
    report = reported(rw)
    elsewhere = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["蚌埠市"]))
    with pytest.raises(DomainError, match="不是向您所在辖区报备"):
        reports.report_accept(actor=elsewhere, report=report)
    with pytest.raises(Exception, match="权限"):
        reports.report_accept(actor=rw.manager, report=report)
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED


def test_a_returned_report_is_corrected_and_resubmitted_with_both_versions_kept(rw):
    first = reported(rw)
    with pytest.raises(DomainError, match="退回理由"):
        reports.report_return(actor=rw.authority, report=first, reason="")
    reports.report_return(actor=rw.authority, report=first, reason="第2名考生的综合成绩与评分表不一致，请核实")
    first.refresh_from_db()
    assert first.status == Report.Status.RETURNED
    assert first.correction_due_on == working_calendar().add(TODAY, 15).date
    assert Notification.objects.filter(organisation_id=rw.world.org.pk, title__contains="被退回").exists()
    with pytest.raises(DomainError, match="更正情况"):
        reports.report_submit(actor=rw.manager, batch=rw.batch)
    result = Result.objects.get(application=rw.applications[1])
    with pytest.raises(DomainError, match="更正理由"):
        reports.result_correct(actor=rw.manager, result=result, reason="", scores={"review": "80"})
    reports.result_correct(actor=rw.manager, result=result, reason="综合评审成绩登记有误，按评分表更正",
                           scores={"review": "80"})
    result.refresh_from_db()
    assert result.review_score == Decimal("80.0") and result.total_score == Decimal("84.1")
    second = reports.report_submit(actor=rw.manager, batch=rw.batch, note="已按评分表更正第2名考生的综合评审成绩")
    assert second.version == 2 and second.due_on == first.correction_due_on
    assert Report.objects.filter(batch=rw.batch).count() == 2 and first.summary_file.name != second.summary_file.name
    with pytest.raises(DomainError, match="已退回，不能再审核"):
        reports.report_accept(actor=rw.authority, report=first)
    reports.report_accept(actor=rw.authority, report=second)
    assert [r.application_id for r in certifiable_results(rw.batch)] == [a.pk for a in rw.applications]
    with pytest.raises(DomainError, match="退回的报备数据"):
        reports.result_correct(actor=rw.manager, result=result, reason="再改一次", scores={"review": "70"})
    with pytest.raises(DomainError, match="已由人社部门接收"):
        reports.report_submit(actor=rw.manager, batch=rw.batch, note="再报")


def test_certifiable_results_are_the_passed_ones_of_an_accepted_report(rw):
    publicity_over(rw)
    Result.objects.filter(application=rw.applications[2]).update(passed=False)
    report = reports.report_submit(actor=rw.manager, batch=rw.batch)
    reports.report_accept(actor=rw.authority, report=report)
    rows = list(certifiable_results(rw.batch))
    assert [r.application.name for r in rows] == [a.name for a in rw.applications[:2]]
    assert rows[0].application.person.id_type.code == "201"


def test_a_late_report_is_flagged(rw):
    publicity_over(rw)
    Publicity.objects.filter(batch=rw.batch).update(report_due_on=TODAY - dt.timedelta(days=2))
    report = reports.report_submit(actor=rw.manager, batch=rw.batch)
    assert report.submitted_late
    assert "逾期" in AuditEvent.objects.filter(object_type="results.report").get().summary
