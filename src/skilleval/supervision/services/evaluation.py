"""The annual evaluation of each organisation [HF 18]: the figures gathered from the
system, the authority's grade and remarks, and the year's model organisations within the
profile's number; and the talent goals the statistics measure against [HS 一]."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor
from skilleval.core.audit import audit_record, snapshot
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.core.notifications import notify
from skilleval.orgs.models import Organisation

from ..models import AnnualEvaluation, TalentGoal
from ..selectors import organisation_year_metrics
from .common import clean_text, own_jurisdiction, require_authority_of


def _check_year(year: int, today: dt.date) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise DomainError(_("请填写年度。"), field="year") from None
    if not 2000 <= year <= today.year:
        raise DomainError(_("只能评估 2000 年至今年（%(y)d）之间的年度。") % {"y": today.year}, field="year")
    return year


@transaction.atomic
def evaluations_prepare(*, actor: Actor, year: int, today: dt.date | None = None) -> int:
    """Create (or refresh, while not final) the year's evaluation of every organisation filed
    with the authority during that year, with the figures the system holds. Returns how many."""
    jurisdiction = own_jurisdiction(actor)
    today = today or timezone.localdate()
    year = _check_year(year, today)
    year_end = dt.date(year, 12, 31)
    organisations = (Organisation.objects.filter(jurisdiction=jurisdiction, filed_at__lte=year_end)
                     .exclude(status=Organisation.Status.UNFILED)
                     .filter(Q(terminated_at__isnull=True) | Q(terminated_at__year__gte=year)).order_by("name"))
    count = 0
    now = timezone.now()
    for organisation in organisations:
        evaluation = AnnualEvaluation.objects.select_for_update().filter(organisation=organisation, year=year).first()
        if evaluation is not None and evaluation.status == AnnualEvaluation.Status.FINALISED:
            continue
        metrics = organisation_year_metrics(organisation, year, today)
        if evaluation is None:
            AnnualEvaluation.objects.create(organisation=organisation, jurisdiction=jurisdiction, year=year,
                                            metrics=metrics, metrics_at=now)
        else:
            evaluation.metrics = metrics
            evaluation.metrics_at = now
            evaluation.save(update_fields=["metrics", "metrics_at", "updated_at"])
        count += 1
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, object_type="supervision.annualevaluation",
                 object_repr=_("%(y)d年度评估") % {"y": year},
                 summary=_("生成/更新%(y)d年度评估数据：%(n)d 家机构") % {"y": year, "n": count},
                 jurisdiction_id=jurisdiction.pk)
    return count


def _lock(evaluation: AnnualEvaluation) -> AnnualEvaluation:
    return AnnualEvaluation.objects.select_for_update().select_related("organisation").get(pk=evaluation.pk)


@transaction.atomic
def evaluation_grade(*, actor: Actor, evaluation: AnnualEvaluation, grade: str, remarks: str) -> AnnualEvaluation:
    evaluation = _lock(evaluation)
    require_authority_of(actor, evaluation.jurisdiction_id)
    if not evaluation.can_grade():
        raise DomainError(_("年度评估已确定，不能再修改等次。"))
    if grade not in AnnualEvaluation.Grade.values:
        raise DomainError(_("请选择评估等次。"), field="grade")
    remarks = clean_text(remarks, "remarks", _("评估意见"), max_length=2000)
    if evaluation.is_model and grade != AnnualEvaluation.Grade.EXCELLENT:
        raise DomainError(_("该机构已选树为示范机构，请先取消示范再调整等次。"), field="grade")
    before = snapshot(evaluation, ["grade", "remarks"])
    evaluation.grade = grade
    evaluation.remarks = remarks
    evaluation.graded_by = actor.user
    evaluation.graded_at = timezone.now()
    evaluation.save(update_fields=["grade", "remarks", "graded_by", "graded_at", "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=evaluation, before=before,
                 after=snapshot(evaluation, ["grade", "remarks"]),
                 summary=_("年度评估等次：%(g)s") % {"g": evaluation.get_grade_display()},
                 organisation_id=evaluation.organisation_id, jurisdiction_id=evaluation.jurisdiction_id)
    return evaluation


@transaction.atomic
def evaluation_finalise(*, actor: Actor, evaluation: AnnualEvaluation) -> AnnualEvaluation:
    evaluation = _lock(evaluation)
    require_authority_of(actor, evaluation.jurisdiction_id)
    if evaluation.status == AnnualEvaluation.Status.FINALISED:
        raise DomainError(_("年度评估已确定。"))
    if not evaluation.grade:
        raise DomainError(_("请先评定等次并填写评估意见。"), field="grade")
    evaluation.status = AnnualEvaluation.Status.FINALISED
    evaluation.finalised_at = timezone.now()
    evaluation.save(update_fields=["status", "finalised_at", "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.TRANSITION, obj=evaluation,
                 before={"status": AnnualEvaluation.Status.DRAFT}, after={"status": evaluation.status},
                 summary=_("确定年度评估：%(g)s") % {"g": evaluation.get_grade_display()},
                 organisation_id=evaluation.organisation_id, jurisdiction_id=evaluation.jurisdiction_id)
    notify(organisation_id=evaluation.organisation_id,
           title=_("%(y)d年度评估结果：%(g)s%(m)s") % {
               "y": evaluation.year, "g": evaluation.get_grade_display(),
               "m": _("（年度示范机构）") if evaluation.is_model else ""},
           body=evaluation.remarks, link=reverse("supervision:evaluation_detail", args=[evaluation.pk]))
    return evaluation


@transaction.atomic
def evaluation_set_model(*, actor: Actor, evaluation: AnnualEvaluation, is_model: bool) -> AnnualEvaluation:
    """Mark (or unmark) a model organisation of the year: graded excellent, and no more of
    them in the jurisdiction than the profile's yearly number [HF 18]."""
    evaluation = _lock(evaluation)
    require_authority_of(actor, evaluation.jurisdiction_id)
    if evaluation.is_model == is_model:
        return evaluation
    if is_model:
        if evaluation.grade != AnnualEvaluation.Grade.EXCELLENT:
            raise DomainError(_("只有评估等次为“优秀”的机构可以选树为年度示范机构。"))
        quota = evaluation.jurisdiction.policy_profile().model_organisations_per_year
        chosen = AnnualEvaluation.objects.select_for_update().filter(
            jurisdiction_id=evaluation.jurisdiction_id, year=evaluation.year, is_model=True).count()
        if chosen >= quota:
            raise DomainError(_("%(y)d年度示范机构已选树 %(n)d 家，达到本辖区每年 %(q)d 家的名额。请先取消其他机构。") % {
                "y": evaluation.year, "n": chosen, "q": quota})
    evaluation.is_model = is_model
    try:
        with transaction.atomic():
            evaluation.save(update_fields=["is_model", "updated_at"])
    except IntegrityError:
        raise DomainError(_("只有评估等次为“优秀”的机构可以选树为年度示范机构。")) from None
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=evaluation, before={"is_model": not is_model},
                 after={"is_model": is_model},
                 summary=_("选树为年度示范机构") if is_model else _("取消年度示范机构"),
                 organisation_id=evaluation.organisation_id, jurisdiction_id=evaluation.jurisdiction_id)
    return evaluation


@transaction.atomic
def talent_goal_save(
    *, actor: Actor, target_year: int, title: str, total_target: int, high_skill_target: int,
    baseline_total: int = 0, baseline_high_skill: int = 0, baseline_on: dt.date | None = None, source: str = "",
) -> TalentGoal:
    """Set (or change) the authority's goal for its skill-talent totals in a year."""
    jurisdiction = own_jurisdiction(actor)
    today = timezone.localdate()
    try:
        target_year = int(target_year)
        numbers = [int(total_target), int(high_skill_target), int(baseline_total or 0), int(baseline_high_skill or 0)]
    except (TypeError, ValueError):
        raise DomainError(_("目标和基数应为整数。")) from None
    total_target, high_skill_target, baseline_total, baseline_high_skill = numbers
    if not today.year <= target_year <= today.year + 20:
        raise DomainError(_("目标年度应在今年至 %(y)d 年之间。") % {"y": today.year + 20}, field="target_year")
    if any(n < 0 or n > 100_000_000 for n in numbers):
        raise DomainError(_("人数应在 0 至 1 亿之间。"), field="total_target")
    if total_target <= 0:
        raise DomainError(_("请填写技能人才总量目标。"), field="total_target")
    if high_skill_target > total_target:
        raise DomainError(_("高技能人才目标不能大于技能人才总量目标。"), field="high_skill_target")
    if baseline_high_skill > baseline_total:
        raise DomainError(_("高技能人才基数不能大于技能人才基数。"), field="baseline_high_skill")
    baseline_on = baseline_on or today
    if baseline_on > today:
        raise DomainError(_("基数统计日期不能晚于今天。"), field="baseline_on")
    values = {"title": clean_text(title, "title", _("目标名称"), max_length=100), "total_target": total_target,
              "high_skill_target": high_skill_target, "baseline_total": baseline_total,
              "baseline_high_skill": baseline_high_skill, "baseline_on": baseline_on,
              "source": clean_text(source, "source", _("依据"), max_length=200, required=False), "set_by": actor.user}
    goal = TalentGoal.objects.select_for_update().filter(jurisdiction=jurisdiction, target_year=target_year).first()
    if goal is None:
        goal = TalentGoal.objects.create(jurisdiction=jurisdiction, target_year=target_year, **values)
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=goal, after=snapshot(goal),
                     summary=_("设定技能人才目标：%(t)s") % {"t": goal.title}, jurisdiction_id=jurisdiction.pk)
        return goal
    before = snapshot(goal)
    for name, value in values.items():
        setattr(goal, name, value)
    goal.save(update_fields=[*values, "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=goal, before=before, after=snapshot(goal),
                 summary=_("修改技能人才目标：%(t)s") % {"t": goal.title}, jurisdiction_id=jurisdiction.pk)
    return goal
