"""The annual evaluation: the figures gathered from the organisation's year, the authority's
grade and remarks, finalisation, and the year's model organisations within the profile's
number; talent goals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.models import PolicyProfile
from skilleval.core.errors import DomainError
from skilleval.core.models import Notification
from skilleval.orgs.models import Organisation, Sanction
from skilleval.orgs.services import sanction_record

from ..models import AnnualEvaluation, TalentGoal
from ..selectors import evaluations_visible_to
from ..services import evaluation as services
from ..services import inspections as inspection_services
from .factories import add_sessions, at, evaluated_batch, filed, inspectors, record_results

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1


@pytest.fixture
def hefei(jurisdictions):
    jurisdiction = jurisdictions["合肥市"]
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdiction, full_name="胡晓东"))
    active = filed(jurisdiction, "合肥评估测试机械有限公司")
    quiet = filed(jurisdiction, "合肥无批次测试有限公司")
    evaluated = evaluated_batch(active, first=dt.date(YEAR, 5, 10), levels=(5, 4), authority=authority)
    add_sessions(evaluated.batch, [at(dt.date(YEAR, 5, 10)), at(dt.date(YEAR, 5, 11))])
    record_results(evaluated, passed=3, submitted=at(dt.date(YEAR, 6, 1)))
    inspectors(jurisdiction)
    plan = inspection_services.inspection_draw(actor=authority, period_start=dt.date(YEAR, 1, 1),
                                               period_end=dt.date(YEAR, 12, 31))
    inspection = plan.inspections.get()
    inspection_services.inspection_record(
        actor=authority, inspection=inspection, inspected_at=inspection.session.starts_at,
        checklist={key: {"result": "ok", "note": ""} for key, _l in inspection_services.CHECKLIST},
        findings="规范", conclusion="compliant")
    sanction_record(actor=authority, organisation=active, kind="interview", description="约谈：报名资料不全",
                    occurred_on=dt.date(YEAR, 7, 1))
    return {"authority": authority, "active": active, "quiet": quiet, "jurisdiction": jurisdiction}


def test_the_years_figures_come_from_the_organisations_records(hefei):
    count = services.evaluations_prepare(actor=hefei["authority"], year=YEAR)
    assert count == 2
    evaluation = AnnualEvaluation.objects.get(organisation=hefei["active"], year=YEAR)
    m = evaluation.metrics
    assert (m["batches_held"], m["candidates"], m["assessed"], m["passed"]) == (1, 4, 4, 3)
    assert (m["inspections"], m["inspections_compliant"], m["sanctions_interview"]) == (1, 1, 1)
    assert m["deadlines_met"] == 1 and m["deadlines_missed"] == 0  # the plan filed 12 working days ahead
    assert m["reports_returned"] == 0 and m["objections_upheld"] == 0 and m["certificates_issued"] == 0
    quiet = AnnualEvaluation.objects.get(organisation=hefei["quiet"], year=YEAR).metrics
    assert quiet["batches_held"] == 0 and quiet["inspections"] == 0


def test_organisations_outside_the_year_or_the_jurisdiction_are_left_out(hefei, jurisdictions):
    Organisation.objects.filter(pk=hefei["quiet"].pk).update(filed_at=dt.date(YEAR + 1, 1, 5))
    filed(jurisdictions["蚌埠市"], "蚌埠评估测试有限公司")
    assert services.evaluations_prepare(actor=hefei["authority"], year=YEAR) == 1
    assert set(AnnualEvaluation.objects.values_list("organisation__name", flat=True)) == {hefei["active"].name}
    with pytest.raises(DomainError) as error:
        services.evaluations_prepare(actor=hefei["authority"], year=timezone.localdate().year + 1)
    assert error.value.field == "year"


def test_grade_remarks_and_finalisation(hefei):
    services.evaluations_prepare(actor=hefei["authority"], year=YEAR)
    evaluation = AnnualEvaluation.objects.get(organisation=hefei["active"])
    with pytest.raises(DomainError) as error:
        services.evaluation_finalise(actor=hefei["authority"], evaluation=evaluation)
    assert error.value.field == "grade"
    with pytest.raises(DomainError) as error:
        services.evaluation_grade(actor=hefei["authority"], evaluation=evaluation, grade="excellent", remarks=" ")
    assert error.value.field == "remarks"
    services.evaluation_grade(actor=hefei["authority"], evaluation=evaluation, grade="excellent",
                              remarks="按时报备，抽查符合规定。")
    staff = actor_for(make_user(Role.ORG_ADMIN, organisation=hefei["active"]))
    assert not evaluations_visible_to(staff).exists()  # not final yet
    services.evaluation_finalise(actor=hefei["authority"], evaluation=evaluation)
    evaluation.refresh_from_db()
    assert evaluation.status == AnnualEvaluation.Status.FINALISED
    assert list(evaluations_visible_to(staff)) == [evaluation]
    assert Notification.objects.filter(organisation_id=hefei["active"].pk, title__contains="年度评估结果：优秀")
    with pytest.raises(DomainError):
        services.evaluation_grade(actor=hefei["authority"], evaluation=evaluation, grade="fail", remarks="改")
    # A finalised evaluation keeps its figures when the year is prepared again.
    metrics = evaluation.metrics
    Sanction.objects.filter(organisation=hefei["active"]).update(occurred_on=dt.date(YEAR, 8, 1))
    services.evaluations_prepare(actor=hefei["authority"], year=YEAR)
    evaluation.refresh_from_db()
    assert evaluation.metrics == metrics


def test_model_organisations_are_excellent_and_within_the_profiles_number(hefei):
    PolicyProfile.objects.filter(key="hefei").update(model_organisations_per_year=1)
    services.evaluations_prepare(actor=hefei["authority"], year=YEAR)
    first, second = AnnualEvaluation.objects.order_by("organisation__name")
    with pytest.raises(DomainError) as error:
        services.evaluation_set_model(actor=hefei["authority"], evaluation=first, is_model=True)
    assert "优秀" in error.value.message
    for evaluation in (first, second):
        services.evaluation_grade(actor=hefei["authority"], evaluation=evaluation, grade="excellent", remarks="好")
    services.evaluation_set_model(actor=hefei["authority"], evaluation=first, is_model=True)
    with pytest.raises(DomainError) as error:
        services.evaluation_set_model(actor=hefei["authority"], evaluation=second, is_model=True)
    assert "每年 1 家的名额" in error.value.message
    second.refresh_from_db()
    assert not second.is_model
    with pytest.raises(DomainError):
        services.evaluation_grade(actor=hefei["authority"], evaluation=first, grade="good", remarks="降级")
    services.evaluation_set_model(actor=hefei["authority"], evaluation=first, is_model=False)
    services.evaluation_set_model(actor=hefei["authority"], evaluation=second, is_model=True)
    assert list(AnnualEvaluation.objects.filter(is_model=True)) == [second]


def test_another_authority_cannot_grade(hefei, jurisdictions):
    services.evaluations_prepare(actor=hefei["authority"], year=YEAR)
    evaluation = AnnualEvaluation.objects.first()
    bengbu = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["蚌埠市"]))
    with pytest.raises(DomainError):
        services.evaluation_grade(actor=bengbu, evaluation=evaluation, grade="fail", remarks="越权")
    evaluation.refresh_from_db()
    assert evaluation.grade == ""
    assert not evaluations_visible_to(bengbu).exists()
    province = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["安徽省"]))
    assert evaluations_visible_to(province).count() == 2


def test_talent_goals_are_set_per_year_and_checked(jurisdictions):
    huangshi = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["黄石市"]))
    target_year = timezone.localdate().year + 3
    goal = services.talent_goal_save(actor=huangshi, target_year=target_year, title="技能人才总量", total_target=330000,
                                     high_skill_target=115000, baseline_total=250000, baseline_high_skill=80000,
                                     source="黄改委发〔2020〕4号")
    assert goal.jurisdiction == jurisdictions["黄石市"]
    services.talent_goal_save(actor=huangshi, target_year=target_year, title="技能人才总量（修订）",
                              total_target=340000, high_skill_target=115000)
    goal.refresh_from_db()
    assert goal.total_target == 340000 and TalentGoal.objects.count() == 1
    with pytest.raises(DomainError) as error:
        services.talent_goal_save(actor=huangshi, target_year=target_year, title="x", total_target=100,
                                  high_skill_target=200)
    assert error.value.field == "high_skill_target"
    with pytest.raises(DomainError) as error:
        services.talent_goal_save(actor=huangshi, target_year=2001, title="x", total_target=100, high_skill_target=1)
    assert error.value.field == "target_year"
    goal.refresh_from_db()
    assert goal.total_target == 340000
