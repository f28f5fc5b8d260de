"""/api/v1/supervision/: random inspections (双随机一公开) and their yearly coverage, the
archive catalogue of a batch with its retention and the destruction ledger, and the
statistics of the actor's scope (DOMAIN.md §3.11–3.12).

The same rules as the pages in supervision/views/: each endpoint asks for the same
permission as its page, reads through the actor-scoped selectors (404 outside the scope)
and calls the same services."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from skilleval.accounts.access import Actor, Perm
from skilleval.supervision.models import Archive
from skilleval.supervision.selectors import (
    StatsFilter,
    archive_batch_get_for_actor,
    archive_catalogue,
    archive_entry_get_for_actor,
    coverage_for,
    destructions_visible_to,
    goal_progress,
    goals_visible_to,
    inspection_get_for_actor,
    inspections_published,
    plan_get_for_actor,
    plans_visible_to,
    statistics_for,
)
from skilleval.supervision.services import archives as archive_services
from skilleval.supervision.services import inspections as inspection_services

from . import supervision_schemas as s
from .pagination import Pages

router = Router(tags=["监督管理"])


def _require(request, perm: str) -> Actor:
    actor = request.actor
    actor.require(perm)
    return actor


def _require_reader(request) -> Actor:
    actor = request.actor
    if not (actor.has(Perm.SUPERVISION_MANAGE) or actor.has(Perm.BATCH_MANAGE)):
        raise PermissionDenied
    return actor


# ---------------------------------------------------------------------------------------------
# Inspections


@router.get("/inspections/published", response=list[s.PublicInspectionOut], auth=None,
            summary="公开的双随机抽查结果（无需登录）")
@paginate(Pages, page_size=50)
def inspections_public(request, year: int | None = Query(None, ge=2000, le=2100)):
    qs = inspections_published()
    return qs.filter(plan__year=year) if year else qs


@router.get("/inspections/coverage", response=list[s.CoverageOut], summary="年度抽查覆盖率（对照政策比例）")
def coverage(request, year: int | None = Query(None, ge=2000, le=2100)):
    actor = _require(request, Perm.SUPERVISION_MANAGE)
    rows = coverage_for(actor, year or timezone.localdate().year)
    return [{"jurisdiction_code": c.jurisdiction.code, "jurisdiction_name": c.jurisdiction.name, "year": c.year,
             "sessions": c.sessions, "held": c.held, "inspected": c.inspected, "percent": c.percent,
             "required_percent": c.required_percent, "required_count": c.required_count, "met": c.met}
            for c in rows]


@router.get("/inspections/plans", response=list[s.PlanOut], summary="抽查记录")
@paginate(Pages, page_size=50)
def plans(request, year: int | None = Query(None, ge=2000, le=2100)):
    actor = _require(request, Perm.SUPERVISION_MANAGE)
    qs = plans_visible_to(actor)
    return qs.filter(year=year) if year else qs


@router.post("/inspections/plans", response={201: s.PlanDetailOut},
             summary="双随机抽取：随机场次与检查人员（达不到比例时说明原因，不保存）")
def draw(request, payload: s.DrawIn):
    actor = _require(request, Perm.SUPERVISION_MANAGE)
    plan = inspection_services.inspection_draw(actor=actor, **payload.dict())
    return Status(201, plan)


@router.get("/inspections/plans/{int:plan_id}", response=s.PlanDetailOut, summary="抽查计划：种子、依据、抽中场次与人员")
def plan_detail(request, plan_id: int):
    actor = _require(request, Perm.SUPERVISION_MANAGE)
    return plan_get_for_actor(actor=actor, pk=plan_id)


@router.get("/inspections/{int:inspection_id}", response=s.InspectionOut, summary="现场检查")
def inspection_detail(request, inspection_id: int):
    actor = _require(request, Perm.HOME)
    return inspection_get_for_actor(actor=actor, pk=inspection_id)


@router.post("/inspections/{int:inspection_id}/findings", response=s.InspectionOut, summary="录入现场检查结果")
def inspection_findings(request, inspection_id: int, payload: s.FindingIn):
    actor = _require(request, Perm.SUPERVISION_MANAGE)
    inspection = inspection_get_for_actor(actor=actor, pk=inspection_id)
    data = payload.dict()
    data["checklist"] = {k: dict(v) for k, v in data["checklist"].items()}
    return inspection_services.inspection_record(actor=actor, inspection=inspection, **data)


@router.post("/inspections/{int:inspection_id}/publish", response=s.InspectionOut,
             summary="公开检查结果（整改要求记入信用记录）")
def inspection_publish(request, inspection_id: int):
    actor = _require(request, Perm.SUPERVISION_MANAGE)
    inspection = inspection_get_for_actor(actor=actor, pk=inspection_id)
    return inspection_services.inspection_publish(actor=actor, inspection=inspection)


# ---------------------------------------------------------------------------------------------
# Archives


def _archive_out(batch, actor):
    archive = Archive.objects.filter(batch=batch).first()
    may_destroy = actor.has(Perm.ORG_MANAGE) and actor.organisation_id == batch.organisation_id
    categories = []
    for row in archive_catalogue(batch, archive):
        entry = row["entry"]
        categories.append({
            "entry_id": entry.pk if entry else None, "category": row["spec"].category.value,
            "label": row["spec"].label, "medium": row["spec"].medium.value, "retention_years": row["years"],
            "retention_ends_on": row["ends"], "item_count": row["count"], "items": row["items"],
            "destroyed_on": row["destroyed"], "may_destroy": bool(may_destroy and row["due"]),
        })
    return {"batch_id": batch.pk, "batch_code": batch.code, "batch_name": batch.name,
            "organisation_name": batch.organisation.name, "archived": archive is not None,
            "archived_on": archive.archived_on if archive else None, "categories": categories}


@router.get("/archives/ledger", response=list[s.DestructionOut], summary="销毁台帐（按权限范围）")
@paginate(Pages, page_size=50)
def ledger(request, year: int | None = Query(None, ge=2000, le=2100)):
    actor = _require_reader(request)
    qs = destructions_visible_to(actor)
    return qs.filter(destroyed_on__year=year) if year else qs


@router.get("/archives/{int:batch_id}", response=s.ArchiveOut,
            summary="批次档案目录：各类材料、载体、保管期限与销毁情况（未归档时为按当前记录汇集的预览）")
def archive_detail(request, batch_id: int):
    actor = _require_reader(request)
    batch = archive_batch_get_for_actor(actor=actor, pk=batch_id)
    return _archive_out(batch, actor)


@router.post("/archives/{int:batch_id}/compile", response=s.ArchiveOut, summary="归档或更新档案目录（评价结束后）")
def archive_compile(request, batch_id: int):
    actor = _require(request, Perm.BATCH_MANAGE)
    batch = archive_batch_get_for_actor(actor=actor, pk=batch_id)
    archive_services.archive_compile(actor=actor, batch=batch)
    return _archive_out(batch, actor)


@router.post("/archives/entries/{int:entry_id}/destroy", response={201: s.DestructionOut},
             summary="登记销毁台帐（保管期满后，逐类）")
def archive_destroy(request, entry_id: int, payload: s.DestroyIn):
    actor = _require(request, Perm.ORG_MANAGE)
    entry = archive_entry_get_for_actor(actor=actor, pk=entry_id)
    return Status(201, archive_services.archive_entry_destroy(actor=actor, entry=entry, **payload.dict()))


# ---------------------------------------------------------------------------------------------
# Statistics


def _row(row):
    return {"key": row.key, "label": row.label, "registered": row.registered, "accepted": row.accepted,
            "assessed": row.assessed, "passed": row.passed, "pass_rate": row.pass_rate, "certified": row.certified,
            "high_skill": row.high_skill}


@router.get("/statistics", response=s.StatisticsOut,
            summary="统计：参评、合格与获证人数（按等级、职业、年度、地区、机构），时限完成情况，技能人才目标")
def statistics(request, year: int | None = Query(None, ge=2000, le=2100), city: str = Query("", max_length=6),
               occupation: str = Query("", max_length=20), level: int | None = Query(None, ge=1, le=5)):
    from skilleval.catalog.models import Jurisdiction, Occupation

    actor = _require_reader(request)
    today = timezone.localdate()
    city_id = Jurisdiction.objects.filter(code=city).values_list("pk", flat=True).first() if city else None
    occupation_id = Occupation.objects.filter(code=occupation).values_list("pk", flat=True).first() \
        if occupation else None
    if (city and city_id is None) or (occupation and occupation_id is None):
        return statistics_empty(actor, today)
    stats = statistics_for(actor, StatsFilter(year=year, city_id=city_id, occupation_id=occupation_id,
                                              level_code=level), today=today)
    return _statistics_out(stats, actor, today)


def statistics_empty(actor, today):
    from skilleval.supervision.selectors import Statistics, StatRow

    zero = StatRow(key=None, label="合计", registered=0, accepted=0, assessed=0, passed=0, certified=0, high_skill=0)
    return _statistics_out(Statistics(totals=zero, deadline_counts={"met": 0, "missed": 0, "open": 0}), actor, today)


def _statistics_out(stats, actor, today):
    goals = [goal_progress(g) for g in goals_visible_to(actor)] if actor.is_authority else []
    return {
        "totals": _row(stats.totals), "by_level": [_row(r) for r in stats.by_level],
        "by_occupation": [_row(r) for r in stats.by_occupation], "by_year": [_row(r) for r in stats.by_year],
        "by_city": [_row(r) for r in stats.by_city], "by_organisation": [_row(r) for r in stats.by_organisation],
        "deadline_counts": stats.deadline_counts,
        "deadlines": [{"kind": d.kind, "organisation": d.organisation, "subject": d.subject, "due": d.due,
                       "done": d.done, "status": d.status(today)} for d in stats.deadlines],
        "goals": [{"jurisdiction_code": p.goal.jurisdiction.code, "title": p.goal.title,
                   "target_year": p.goal.target_year, "total_target": p.goal.total_target,
                   "high_skill_target": p.goal.high_skill_target, "baseline_total": p.goal.baseline_total,
                   "baseline_high_skill": p.goal.baseline_high_skill, "baseline_on": p.goal.baseline_on,
                   "certified": p.certified, "high_skill": p.high_skill, "total": p.total,
                   "high_skill_total": p.high_skill_total, "total_percent": p.total_percent,
                   "high_skill_percent": p.high_skill_percent} for p in goals],
    }

