"""Random on-site inspections (双随机一公开) [HF 20, TJ 5(2), BB 5(2)] and the authority's
supervisors at a batch's key steps [BB 4(2)]: the inspector pool and its declared conflicts,
the reproducible draw against the profile's yearly share, the findings recorded on site
(checklist, photos, rectification demand), publication, and supervisor visits."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Actor, Perm
from skilleval.batches.models import Batch
from skilleval.catalog.models import Jurisdiction
from skilleval.core.audit import audit_record, snapshot
from skilleval.core.errors import DomainError
from skilleval.core.files import check_upload
from skilleval.core.models import AuditEvent
from skilleval.core.notifications import notify
from skilleval.exams.models import ExamSession
from skilleval.orgs.models import Organisation

from ..models import (
    Inspection,
    InspectionPhoto,
    InspectionPlan,
    Inspector,
    InspectorConflict,
    SupervisorVisit,
)
from ..sampling import InspectorSlot, SessionSlot, draw_sample, pool_to_json
from .common import clean_text, own_jurisdiction, require_authority_of

# What the inspectors check on site (SD 4(5)–4(6), HF 14–16): key, label.
CHECKLIST: tuple[tuple[str, Any], ...] = (
    ("plan", gettext_lazy("按报备的认定计划组织实施（时间、地点、职业等级、人数一致）")),
    ("site", gettext_lazy("考场设置、设施设备和视频监控符合要求")),
    ("staff", gettext_lazy("考务人员按名册到岗，监考、考评、督导不交叉，执行回避")),
    ("identity", gettext_lazy("考生身份核验、签到规范，无替考")),
    ("papers", gettext_lazy("试卷领取、保管、回收和密封规范")),
    ("discipline", gettext_lazy("考场纪律良好，违纪和突发事件如实记录、依规处理")),
    ("scoring", gettext_lazy("评分规范，每名考生评分考评员人数符合要求")),
    ("records", gettext_lazy("考务记录、影像资料完整留存")),
)
CHECK_RESULTS = {"ok": gettext_lazy("符合"), "issue": gettext_lazy("不符合"), "na": gettext_lazy("不涉及")}
MAX_PHOTOS = 30
PHOTO_TYPES = ("jpg", "jpeg", "png")


def _audit(actor: Actor, obj: Any, action: str, summary: str, *, before: dict | None = None,
           after: dict | None = None, organisation_id: int | None = None, jurisdiction_id: int | None = None) -> None:
    audit_record(actor=actor, action=action, obj=obj, summary=summary, before=before, after=after,
                 organisation_id=organisation_id, jurisdiction_id=jurisdiction_id)


# ---------------------------------------------------------------------------------------------
# The inspector pool


@transaction.atomic
def inspector_add(*, actor: Actor, name: str, unit: str, title: str = "", phone: str = "", user: Any = None) -> Inspector:
    jurisdiction = own_jurisdiction(actor)
    name = clean_text(name, "name", _("姓名"), max_length=50)
    unit = clean_text(unit, "unit", _("工作单位"), max_length=100)
    if user is not None:
        membership = user.memberships.filter(is_active=True, role="authority", jurisdiction=jurisdiction).exists()
        if not membership:
            raise DomainError(_("关联的登录账号应是本辖区人社部门的工作人员。"), field="user")
        if Inspector.objects.filter(jurisdiction=jurisdiction, user=user, is_active=True).exists():
            raise DomainError(_("该账号已在检查人员库中。"), field="user")
    inspector = Inspector.objects.create(jurisdiction=jurisdiction, name=name, unit=unit,
                                         title=clean_text(title, "title", _("职务/专业"), max_length=100, required=False),
                                         phone=clean_text(phone, "phone", _("联系电话"), max_length=30, required=False),
                                         user=user)
    _audit(actor, inspector, AuditEvent.Action.CREATE, _("检查人员入库：%(n)s") % {"n": name},
           after=snapshot(inspector), jurisdiction_id=jurisdiction.pk)
    return inspector


@transaction.atomic
def inspector_set_active(*, actor: Actor, inspector: Inspector, active: bool) -> Inspector:
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    require_authority_of(actor, inspector.jurisdiction_id)
    if inspector.is_active == active:
        return inspector
    inspector.is_active = active
    inspector.save(update_fields=["is_active", "updated_at"])
    _audit(actor, inspector, AuditEvent.Action.UPDATE, _("检查人员%(a)s：%(n)s") % {
        "a": _("恢复入库") if active else _("移出人员库"), "n": inspector.name},
        before={"is_active": not active}, after={"is_active": active}, jurisdiction_id=inspector.jurisdiction_id)
    return inspector


@transaction.atomic
def conflict_declare(*, actor: Actor, inspector: Inspector, organisation: Organisation, reason: str,
                     declared_on: dt.date | None = None) -> InspectorConflict:
    """An inspector's declared conflict with an organisation: never drawn for it again."""
    require_authority_of(actor, inspector.jurisdiction_id)
    if organisation.jurisdiction_id not in actor.jurisdiction_ids:
        raise DomainError(_("只能申报与本辖区评价机构的回避关系。"), field="organisation")
    reason = clean_text(reason, "reason", _("回避事由"), max_length=200)
    declared_on = declared_on or timezone.localdate()
    if declared_on > timezone.localdate():
        raise DomainError(_("申报日期不能晚于今天。"), field="declared_on")
    if InspectorConflict.objects.filter(inspector=inspector, organisation=organisation, withdrawn_on=None).exists():
        raise DomainError(_("%(i)s已申报与%(o)s回避。") % {"i": inspector.name, "o": organisation.name},
                          field="organisation")
    conflict = InspectorConflict.objects.create(inspector=inspector, organisation=organisation, reason=reason,
                                                declared_on=declared_on, recorded_by=actor.user)
    _audit(actor, conflict, AuditEvent.Action.CREATE, _("%(i)s申报回避：%(o)s") % {
        "i": inspector.name, "o": organisation.name}, after=snapshot(conflict), jurisdiction_id=inspector.jurisdiction_id)
    return conflict


@transaction.atomic
def conflict_withdraw(*, actor: Actor, conflict: InspectorConflict) -> InspectorConflict:
    conflict = InspectorConflict.objects.select_for_update().select_related("inspector", "organisation").get(
        pk=conflict.pk)
    require_authority_of(actor, conflict.inspector.jurisdiction_id)
    if conflict.withdrawn_on is not None:
        raise DomainError(_("该回避申报已撤销。"))
    conflict.withdrawn_on = timezone.localdate()
    conflict.save(update_fields=["withdrawn_on", "updated_at"])
    _audit(actor, conflict, AuditEvent.Action.UPDATE, _("撤销回避申报：%(i)s / %(o)s") % {
        "i": conflict.inspector.name, "o": conflict.organisation.name},
        after={"withdrawn_on": conflict.withdrawn_on}, jurisdiction_id=conflict.inspector.jurisdiction_id)
    return conflict


def _inspector_slots(jurisdiction: Jurisdiction) -> list[InspectorSlot]:
    inspectors = list(Inspector.objects.filter(jurisdiction=jurisdiction, is_active=True).order_by("pk"))
    conflicts: dict[int, set[int]] = {}
    for inspector_id, organisation_id in InspectorConflict.objects.filter(
            inspector__in=inspectors, withdrawn_on=None).values_list("inspector_id", "organisation_id"):
        conflicts.setdefault(inspector_id, set()).add(organisation_id)
    return [InspectorSlot(i.pk, frozenset(conflicts.get(i.pk, ()))) for i in inspectors]


# ---------------------------------------------------------------------------------------------
# The draw


def sessions_of(jurisdiction: Jurisdiction, start: dt.date, end: dt.date):
    """Evaluation sessions of the organisations the authority supervises, held in [start, end]
    (cancelled batches left out)."""
    return (ExamSession.objects.filter(batch__organisation__jurisdiction=jurisdiction, starts_at__date__gte=start,
                                       starts_at__date__lte=end)
            .exclude(batch__status=Batch.Status.CANCELLED))


def _ceil_share(percent: int, count: int) -> int:
    return math.ceil(percent * count / 100)


@transaction.atomic
def inspection_draw(
    *, actor: Actor, period_start: dt.date, period_end: dt.date, percent: int | None = None,
    inspectors_per_session: int = 2, seed: int | None = None, title: str = "",
) -> InspectionPlan:
    """Draw random sessions of the period and random inspectors for each, enough for the
    period to reach `percent` and the year, up to the period's end, to reach the profile's
    share [TJ 5(2)]. Refused with the reason, and nothing saved, when the sample cannot
    reach it (too few sessions, too few inspectors free of conflicts)."""
    jurisdiction = Jurisdiction.objects.select_for_update().filter(pk=actor.jurisdiction_id).first() \
        if actor.has(Perm.SUPERVISION_MANAGE) and actor.jurisdiction_id else None
    if jurisdiction is None:
        raise DomainError(_("只有人社部门工作人员可以组织抽查。"))
    required = jurisdiction.policy_profile().inspection_min_percent
    if period_start is None or period_end is None:
        raise DomainError(_("请填写抽查期间。"), field="period_start")
    if period_end < period_start:
        raise DomainError(_("抽查期间的结束日期不能早于开始日期。"), field="period_end")
    if period_start.year != period_end.year:
        raise DomainError(_("抽查比例按年度计算，抽查期间不能跨年度。"), field="period_end")
    percent = required if percent is None else int(percent)
    if percent < required:
        raise DomainError(_("抽查比例不得低于政策要求的 %(r)d%%。") % {"r": required}, field="percent")
    if percent > 100:
        raise DomainError(_("抽查比例不能超过 100%。"), field="percent")
    per_session = int(inspectors_per_session)
    if not 1 <= per_session <= 10:
        raise DomainError(_("每个场次的检查人员应为 1 至 10 名。"), field="inspectors_per_session")
    if seed is None:
        seed, seed_entered = 100_000_000 + secrets.randbelow(900_000_000), False
    else:
        seed, seed_entered = int(seed), True
        if not 0 <= seed < 2**62:
            raise DomainError(_("随机种子应为不超过 18 位的非负整数。"), field="seed")
    year = period_start.year
    title = clean_text(title, "title", _("抽查名称"), max_length=100, required=False) or _(
        "%(y)d年%(a)s至%(b)s评价过程双随机抽查") % {"y": year, "a": period_start.strftime("%m月%d日"),
                                          "b": period_end.strftime("%m月%d日")}

    in_period = list(sessions_of(jurisdiction, period_start, period_end).select_related("batch__organisation")
                     .order_by("pk"))
    year_to_date = sessions_of(jurisdiction, dt.date(year, 1, 1), period_end)
    inspected_ids = set(Inspection.objects.filter(session__in=year_to_date).values_list("session_id", flat=True))
    sessions_in_year = year_to_date.count()
    in_period_ids = {s.pk for s in in_period}
    inspected_in_period = len(in_period_ids & inspected_ids)
    target = max(_ceil_share(percent, len(in_period)) - inspected_in_period,
                 _ceil_share(required, sessions_in_year) - len(inspected_ids))
    if not in_period:
        raise DomainError(_("%(a)s至%(b)s没有本辖区评价机构的评价场次，无法抽取。") % {
            "a": period_start.isoformat(), "b": period_end.isoformat()}, field="period_start")
    if target <= 0:
        raise DomainError(_("该期间 %(n)d 个场次中已抽查 %(k)d 个，本年度已达到 %(p)d%% 的抽查比例，无需再抽取。") % {
            "n": len(in_period), "k": inspected_in_period, "p": percent})
    pool_sessions = [SessionSlot(s.pk, s.batch.organisation_id, s.starts_at, s.ends_at) for s in in_period
                     if s.pk not in inspected_ids]
    inspectors = _inspector_slots(jurisdiction)
    basis = _("按 %(p)d%% 的比例，须抽取 %(t)d 个场次（期间内 %(n)d 个场次；本年度截至 %(e)s 共 %(y)d 个场次，此前已抽查 %(k)d 个）") % {
        "p": percent, "t": target, "n": len(in_period), "e": period_end.isoformat(), "y": sessions_in_year,
        "k": len(inspected_ids)}
    if len(inspectors) < per_session:
        raise DomainError(_("检查人员库在库人员只有 %(n)d 名，每个场次需要 %(s)d 名，无法抽取。请先补充检查人员。") % {
            "n": len(inspectors), "s": per_session}, field="inspectors_per_session")
    if len(pool_sessions) < target:
        raise DomainError(_("无法达到抽查比例：%(b)s，但期间内尚未抽查的场次只有 %(m)d 个。请扩大抽查期间。") % {
            "b": basis, "m": len(pool_sessions)}, field="period_end")
    draw = draw_sample(seed=seed, sessions=pool_sessions, inspectors=inspectors, target=target,
                       per_session=per_session)
    if len(draw.picked) < target:
        names = "、".join(s.name for s in in_period if s.pk in set(draw.unstaffable))
        raise DomainError(_("无法达到抽查比例：%(b)s，但只能为 %(k)d 个场次安排检查人员——%(u)s 因回避或时间冲突，"
                            "可用检查人员不足 %(s)d 名。请补充检查人员或扩大抽查期间。") % {
            "b": basis, "k": len(draw.picked), "u": names, "s": per_session}, field="inspectors_per_session")

    plan = InspectionPlan.objects.create(
        jurisdiction=jurisdiction, title=title, year=year, period_start=period_start, period_end=period_end,
        percent=percent, required_percent=required, inspectors_per_session=per_session, seed=seed,
        seed_entered=seed_entered, target=target, sessions_in_period=len(in_period),
        sessions_in_year=sessions_in_year, inspected_before=len(inspected_ids),
        pool=pool_to_json(pool_sessions, inspectors), drawn_at=timezone.now(), drawn_by=actor.user)
    by_id = {s.pk: s for s in in_period}
    inspections = Inspection.objects.bulk_create([
        Inspection(plan=plan, jurisdiction=jurisdiction, session=by_id[session_id],
                   organisation_id=by_id[session_id].batch.organisation_id, order=order)
        for order, (session_id, _ids) in enumerate(draw.picked, start=1)])
    if any(i.pk is None for i in inspections):  # a backend that does not return bulk-inserted keys
        inspections = list(plan.inspections.order_by("order"))
    through = Inspection.inspectors.through
    through.objects.bulk_create([through(inspection_id=inspection.pk, inspector_id=inspector_id)
                                 for inspection, (_s, ids) in zip(inspections, draw.picked, strict=True)
                                 for inspector_id in ids])
    users = {i.pk: i.user for i in Inspector.objects.filter(
        pk__in={i for _s, ids in draw.picked for i in ids}, user__isnull=False).select_related("user")}
    for inspection, (session_id, inspector_ids) in zip(inspections, draw.picked, strict=True):
        session = by_id[session_id]
        for inspector_id in inspector_ids:
            if inspector_id in users:
                notify(user=users[inspector_id], title=_("您被抽选为现场检查人员：%(s)s") % {"s": session.name},
                       body=_("%(o)s，开考时间 %(t)s。") % {"o": session.batch.organisation.name,
                                                       "t": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")},
                       link=reverse("supervision:inspection_detail", args=[inspection.pk]))
    _audit(actor, plan, AuditEvent.Action.CREATE, _("双随机抽取 %(n)d 个场次（种子 %(s)d）") % {
        "n": len(draw.picked), "s": seed},
        after={"target": target, "seed": seed, "sessions": [s for s, _i in draw.picked]},
        jurisdiction_id=jurisdiction.pk)
    return plan


# ---------------------------------------------------------------------------------------------
# Findings and publication


def _parse_checklist(checklist: dict[str, Any]) -> dict[str, dict[str, str]]:
    parsed: dict[str, dict[str, str]] = {}
    for key, label in CHECKLIST:
        entry = checklist.get(key) or {}
        result = str(entry.get("result") or "")
        note = str(entry.get("note") or "").strip()[:300]
        if result not in CHECK_RESULTS:
            raise DomainError(_("请逐项填写检查结果：“%(l)s”未填写。") % {"l": label}, field=f"check_{key}")
        if result == "issue" and not note:
            raise DomainError(_("“%(l)s”不符合，请写明发现的问题。") % {"l": label}, field=f"note_{key}")
        parsed[key] = {"result": result, "note": note}
    return parsed


def _lock_inspection(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("session", "organisation", "plan").get(
        pk=inspection.pk)


@transaction.atomic
def inspection_record(
    *, actor: Actor, inspection: Inspection, inspected_at: dt.datetime, checklist: dict[str, Any], findings: str,
    conclusion: str, rectification_demand: str = "", rectification_deadline: dt.date | None = None,
) -> Inspection:
    """What the inspectors found on site. May be corrected until it is published."""
    inspection = _lock_inspection(inspection)
    require_authority_of(actor, inspection.jurisdiction_id)
    if not inspection.can_record():
        raise DomainError(_("检查结果已公开，不能再修改。"))
    if inspected_at is None:
        raise DomainError(_("请填写检查时间。"), field="inspected_at")
    session_day = timezone.localtime(inspection.session.starts_at).date()
    if timezone.localtime(inspected_at).date() < session_day:
        raise DomainError(_("检查时间不能早于场次开考日期（%(d)s）。") % {"d": session_day.isoformat()},
                          field="inspected_at")
    if inspected_at > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError(_("检查时间不能晚于现在。"), field="inspected_at")
    parsed = _parse_checklist(checklist)
    findings = clean_text(findings, "findings", _("检查情况"), max_length=4000)
    if conclusion not in Inspection.Conclusion.values:
        raise DomainError(_("请选择检查结论。"), field="conclusion")
    issues = [str(label) for key, label in CHECKLIST if parsed[key]["result"] == "issue"]
    if issues and conclusion == Inspection.Conclusion.COMPLIANT:
        raise DomainError(_("检查项目中有不符合项（%(i)s），结论不能为“符合规定”。") % {"i": "；".join(issues)},
                          field="conclusion")
    demand = clean_text(rectification_demand, "rectification_demand", _("整改要求"), max_length=2000, required=False)
    if conclusion == Inspection.Conclusion.RECTIFY and not demand:
        raise DomainError(_("责令限期整改须写明整改要求。"), field="rectification_demand")
    if demand:
        if rectification_deadline is None:
            raise DomainError(_("请填写整改期限。"), field="rectification_deadline")
        if rectification_deadline <= timezone.localtime(inspected_at).date():
            raise DomainError(_("整改期限应晚于检查日期。"), field="rectification_deadline")
    else:
        rectification_deadline = None
    fields = ["inspected_at", "checklist", "findings", "conclusion", "rectification_demand",
              "rectification_deadline", "status", "recorded_by", "recorded_at"]
    before = snapshot(inspection, fields)
    inspection.inspected_at = inspected_at
    inspection.checklist = parsed
    inspection.findings = findings
    inspection.conclusion = conclusion
    inspection.rectification_demand = demand
    inspection.rectification_deadline = rectification_deadline
    inspection.status = Inspection.Status.RECORDED
    inspection.recorded_by = actor.user
    inspection.recorded_at = timezone.now()
    inspection.save(update_fields=[*fields, "updated_at"])
    _audit(actor, inspection, AuditEvent.Action.UPDATE, _("录入现场检查结果：%(c)s") % {
        "c": inspection.get_conclusion_display()}, before=before, after=snapshot(inspection, fields),
        organisation_id=inspection.organisation_id, jurisdiction_id=inspection.jurisdiction_id)
    return inspection


@transaction.atomic
def inspection_photo_add(*, actor: Actor, inspection: Inspection, upload: Any, caption: str = "") -> InspectionPhoto:
    inspection = _lock_inspection(inspection)
    require_authority_of(actor, inspection.jurisdiction_id)
    if inspection.status == Inspection.Status.PUBLISHED:
        raise DomainError(_("检查结果已公开，不能再添加照片。"), field="file")
    if inspection.photos.count() >= MAX_PHOTOS:
        raise DomainError(_("每次检查最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}, field="file")
    checked = check_upload(upload, allowed=PHOTO_TYPES)
    photo = InspectionPhoto(inspection=inspection, original_name=checked.name, content_type=checked.content_type,
                            size=checked.size, uploaded_by=actor.user,
                            caption=clean_text(caption, "caption", _("说明"), max_length=200, required=False))
    photo.file.save(f"inspection-{inspection.pk}.{checked.extension}", upload, save=False)
    photo.save()
    _audit(actor, photo, AuditEvent.Action.CREATE, _("上传现场检查照片：%(n)s") % {"n": checked.name},
           organisation_id=inspection.organisation_id, jurisdiction_id=inspection.jurisdiction_id)
    return photo


@transaction.atomic
def inspection_publish(*, actor: Actor, inspection: Inspection) -> Inspection:
    """Publish the result on the public page (一公开); a rectification demand enters the
    organisation's credit record as a rectification order and the organisation is told."""
    from skilleval.orgs.services import sanction_record

    inspection = _lock_inspection(inspection)
    require_authority_of(actor, inspection.jurisdiction_id)
    if not inspection.can_publish():
        raise DomainError(_("请先录入检查结果再公开。") if inspection.status == Inspection.Status.ASSIGNED
                          else _("检查结果已公开。"))
    if inspection.rectification_demand and inspection.sanction_id is None:
        inspection.sanction = sanction_record(
            actor=actor, organisation=inspection.organisation, kind="rectification", ground="irregular",
            description=_("双随机现场抽查（%(p)s，%(s)s）：%(d)s") % {
                "p": inspection.plan.title, "s": inspection.session.name, "d": inspection.rectification_demand},
            occurred_on=timezone.localtime(inspection.inspected_at).date() if inspection.inspected_at
            else timezone.localdate(),
            rectification_deadline=inspection.rectification_deadline)
    inspection.status = Inspection.Status.PUBLISHED
    inspection.published_at = timezone.now()
    inspection.published_by = actor.user
    inspection.save(update_fields=["status", "published_at", "published_by", "sanction", "updated_at"])
    _audit(actor, inspection, AuditEvent.Action.TRANSITION, _("公开现场检查结果"),
           before={"status": Inspection.Status.RECORDED}, after={"status": inspection.status},
           organisation_id=inspection.organisation_id, jurisdiction_id=inspection.jurisdiction_id)
    notify(organisation_id=inspection.organisation_id,
           title=_("双随机抽查结果已公开：%(c)s") % {"c": inspection.get_conclusion_display()},
           body=inspection.findings, link=reverse("supervision:inspection_detail", args=[inspection.pk]))
    return inspection


# ---------------------------------------------------------------------------------------------
# Authority supervisors at a batch's key steps [BB 4(2)]


def _supervisors(actor: Actor, organisation: Organisation, supervisors: Iterable[Inspector]) -> list[Inspector]:
    chosen = list(supervisors)
    if not chosen:
        raise DomainError(_("请选择督导人员。"), field="supervisors")
    for inspector in chosen:
        if inspector.jurisdiction_id != actor.jurisdiction_id or not inspector.is_active:
            raise DomainError(_("%(n)s不在本辖区检查人员库中。") % {"n": inspector.name}, field="supervisors")
    conflicted = set(InspectorConflict.objects.filter(inspector__in=chosen, organisation=organisation,
                                                      withdrawn_on=None).values_list("inspector__name", flat=True))
    if conflicted:
        raise DomainError(_("%(n)s已申报与%(o)s回避，不能选派。") % {"n": "、".join(sorted(conflicted)),
                                                                 "o": organisation.name}, field="supervisors")
    return chosen


@transaction.atomic
def visit_dispatch(*, actor: Actor, batch: Batch, step: str, planned_on: dt.date, supervisors: Iterable[Inspector],
                   session: ExamSession | None = None) -> SupervisorVisit:
    """Send supervisors to a key step of a batch whose plan was filed with the authority."""
    jurisdiction = own_jurisdiction(actor)
    batch = Batch.objects.select_related("organisation").get(pk=batch.pk)
    if batch.plan_jurisdiction_id not in actor.jurisdiction_ids:
        raise DomainError(_("只能向本辖区报备计划的认定批次选派督导人员。"))
    if batch.status not in (Batch.Status.PLAN_FILED, Batch.Status.PLAN_CONFIRMED):
        raise DomainError(_("批次当前为“%(s)s”，认定计划报备后才能选派督导人员。") % {"s": batch.get_status_display()})
    if step not in SupervisorVisit.Step.values:
        raise DomainError(_("请选择督导环节。"), field="step")
    if planned_on is None:
        raise DomainError(_("请填写督导日期。"), field="planned_on")
    if planned_on < batch.registration_opens:
        raise DomainError(_("督导日期不能早于报名开始日期（%(d)s）。") % {"d": batch.registration_opens.isoformat()},
                          field="planned_on")
    if session is not None and session.batch_id != batch.pk:
        raise DomainError(_("所选场次不属于该批次。"), field="session")
    chosen = _supervisors(actor, batch.organisation, supervisors)
    visit = SupervisorVisit.objects.create(batch=batch, organisation=batch.organisation, jurisdiction=jurisdiction,
                                           step=step, session=session, planned_on=planned_on,
                                           dispatched_by=actor.user)
    visit.supervisors.set(chosen)
    names = "、".join(i.name for i in chosen)
    _audit(actor, visit, AuditEvent.Action.CREATE, _("选派督导人员（%(n)s）：%(s)s") % {
        "n": names, "s": visit.get_step_display()}, after={**snapshot(visit), "supervisors": [i.pk for i in chosen]},
        organisation_id=batch.organisation_id, jurisdiction_id=jurisdiction.pk)
    notify(organisation_id=batch.organisation_id,
           title=_("%(a)s将于 %(d)s 选派督导人员到“%(b)s”的%(s)s环节") % {
               "a": jurisdiction.authority_name or jurisdiction.name, "d": planned_on.isoformat(), "b": batch.name,
               "s": visit.get_step_display()},
           body=_("督导人员：%(n)s。请做好配合。") % {"n": names},
           link=reverse("supervision:visit_detail", args=[visit.pk]))
    return visit


@transaction.atomic
def visit_report(*, actor: Actor, visit: SupervisorVisit, report: str, issues: str = "") -> SupervisorVisit:
    """The supervisors' report: it joins the batch's records (archive: 督导情况反馈)."""
    visit = SupervisorVisit.objects.select_for_update().get(pk=visit.pk)
    require_authority_of(actor, visit.jurisdiction_id)
    if not visit.can_report():
        raise DomainError(_("督导报告已提交。"))
    if visit.planned_on > timezone.localdate():
        raise DomainError(_("督导日期（%(d)s）尚未到，不能提交报告。") % {"d": visit.planned_on.isoformat()})
    visit.report = clean_text(report, "report", _("督导情况"), max_length=4000)
    visit.issues = clean_text(issues, "issues", _("发现的问题及处理建议"), max_length=4000, required=False)
    visit.status = SupervisorVisit.Status.REPORTED
    visit.reported_at = timezone.now()
    visit.reported_by = actor.user
    visit.save(update_fields=["report", "issues", "status", "reported_at", "reported_by", "updated_at"])
    _audit(actor, visit, AuditEvent.Action.TRANSITION, _("提交督导报告：%(s)s") % {"s": visit.get_step_display()},
           before={"status": SupervisorVisit.Status.DISPATCHED}, after=snapshot(visit, ["status", "report", "issues"]),
           organisation_id=visit.organisation_id, jurisdiction_id=visit.jurisdiction_id)
    notify(organisation_id=visit.organisation_id, title=_("人社部门督导报告：%(s)s") % {"s": visit.get_step_display()},
           body=visit.report, link=reverse("supervision:visit_detail", args=[visit.pk]))
    return visit
