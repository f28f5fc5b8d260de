"""/api/v1/results/: score entry, results, publicity and objections, the report to the
authority and the candidate's own results (DOMAIN.md §3.7–3.9).

The same rules as the pages in results/views.py: each endpoint asks for the permission
of its page, fetches through the actor-scoped selector (404 outside the actor's scope)
and calls the same service, which decides."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from skilleval.accounts.access import Actor, Perm
from skilleval.batches.models import Application
from skilleval.results import selectors
from skilleval.results.models import Publicity, Report, Result, ScoreSheet
from skilleval.results.services import outcomes, publicity, reports, scoring

from . import results_schemas as s
from .pagination import Pages

router = Router(tags=["成绩与公示"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(request, perm: str) -> Actor:
    actor = request.actor
    actor.require(perm)
    return actor


def _results_batch(request, batch_id: int, perm: str = Perm.HOME):
    actor = _require(request, perm)
    if not (actor.has(Perm.BATCH_MANAGE) or actor.has(Perm.RESULT_REVIEW) or actor.is_platform_admin):
        raise PermissionDenied
    return actor, selectors.result_batch_get_for_actor(actor=actor, pk=batch_id)


def _scores(payload) -> dict | list:
    return payload.scores


# ---------------------------------------------------------------------------------------------
# The candidate's own results (no batch id first)


@router.get("/mine", response=list[s.OwnResultOut], summary="考生本人已公示的成绩与认定结果")
def mine(request):
    actor = _require(request, Perm.CANDIDATE_SELF)
    return selectors.own_results(actor)


# ---------------------------------------------------------------------------------------------
# Batches and results


@router.get("/batches", response=list[s.BatchResultsOut],
            summary="办理成绩的批次（机构：本单位计划已确认的批次；人社部门：已向其报备的批次）及所处阶段、期限倒计时")
@paginate(Pages, page_size=50)
def batch_list(request):
    actor = _require(request, Perm.HOME)
    if not (actor.has(Perm.BATCH_MANAGE) or actor.has(Perm.RESULT_REVIEW) or actor.is_platform_admin):
        raise PermissionDenied
    return selectors.result_batches_visible_to(actor).order_by("-last_exam_date", "-pk")


@router.get("/batches/{int:batch_id}", response=s.BatchResultsOut, summary="批次的成绩阶段与期限")
def batch_detail(request, batch_id: int):
    _actor, batch = _results_batch(request, batch_id)
    return batch


@router.get("/batches/{int:batch_id}/results", response=list[s.ResultOut], summary="评价结果名单（各模块成绩、综合成绩、结果）")
@paginate(Pages, page_size=100)
def result_list(request, batch_id: int, status: Result.Status | None = None, passed: bool | None = None):
    actor, batch = _results_batch(request, batch_id)
    qs = selectors.results_visible_to(actor).filter(batch=batch).order_by("application__number")
    if status:
        qs = qs.filter(status=status)
    if passed is not None:
        qs = qs.filter(passed=passed)
    return qs


@router.put("/batches/{int:batch_id}/panel-rule", response=s.BatchResultsOut,
            summary="考评组评分合成规则：mean 算术平均；trimmed 去掉最高最低分（5人及以上）")
def panel_rule(request, batch_id: int, payload: s.PanelRuleIn):
    actor, batch = _results_batch(request, batch_id, Perm.BATCH_MANAGE)
    scoring.panel_rule_set(actor=actor, batch=batch, rule=payload.panel_rule)
    return selectors.result_batch_get_for_actor(actor=actor, pk=batch_id)


@router.post("/batches/{int:batch_id}/compile", response=s.CompileOut, summary="汇总成绩（审定前可重复）")
def compile_results(request, batch_id: int):
    actor, batch = _results_batch(request, batch_id, Perm.BATCH_MANAGE)
    summary = outcomes.results_compile(actor=actor, batch=batch)
    return {"counts": summary.counts, "passed": summary.passed,
            "pending": [{"name": name, "missing": why} for name, why in summary.pending]}


@router.post("/batches/{int:batch_id}/approve", response=s.BatchResultsOut, summary="评价委员会审定评价结果名单")
def approve(request, batch_id: int, payload: s.CommitteeIn):
    actor, batch = _results_batch(request, batch_id, Perm.BATCH_MANAGE)
    outcomes.results_approve(actor=actor, batch=batch, committee_note=payload.committee_note)
    return selectors.result_batch_get_for_actor(actor=actor, pk=batch_id)


@router.post("/batches/{int:batch_id}/recognitions", response=s.RecognitionOut,
             summary="登记直接认定或竞赛选拔的认定结果（无考试的评价方式）")
def recognition(request, batch_id: int, payload: s.RecognitionIn):
    actor, batch = _results_batch(request, batch_id, Perm.BATCH_MANAGE)
    application = Application.objects.filter(batch=batch, pk=payload.application_id).first()
    if application is None:
        raise Http404
    return outcomes.recognition_record(actor=actor, application=application, passed=payload.passed,
                                       basis=payload.basis)


@router.post("/results/{int:result_id}/correct", response=s.ResultOut, summary="更正被人社部门退回的数据（重新报送前）")
def result_correct(request, result_id: int, payload: s.CorrectIn):
    actor = _require(request, Perm.BATCH_MANAGE)
    result = selectors.result_get_for_actor(actor=actor, pk=result_id)
    scores = {"theory": payload.theory_score, "practical": payload.practical_score, "review": payload.review_score}
    return reports.result_correct(actor=actor, result=result, reason=payload.reason, scores=scores,
                                  passed=payload.passed, disqualify=payload.disqualify)


# ---------------------------------------------------------------------------------------------
# Scoring


@router.get("/sessions", response=list[s.SessionOut], summary="我参与评分的场次（考务人员：本单位全部评分场次）")
def sessions(request):
    actor = request.actor
    if not (actor.has(Perm.EXAM_SCORE) or actor.has(Perm.BATCH_MANAGE)):
        raise PermissionDenied
    return selectors.scoring_sessions_visible_to(actor).order_by("-starts_at")[:200]


def _sheet_out(actor: Actor, attempt) -> dict:
    sheet = ScoreSheet.objects.filter(attempt=attempt).first()
    panel = scoring.panel_of(attempt)
    place = next((a for a in panel if actor.user is not None and a.staff.user_id == actor.user.pk), None)
    manager = actor.has(Perm.BATCH_MANAGE)
    rubric = sheet.rubric if sheet else scoring.rubric_for(attempt.session)
    entries = []
    for entry in sheet.entries.select_related("examiner") if sheet else []:
        visible = manager or sheet.is_locked or (place is not None and entry.examiner_id == place.staff_id)
        entries.append({"id": entry.pk, "examiner": entry.examiner.name, "scores": entry.scores if visible else None,
                        "total": entry.total if visible else None})
    return {
        "attempt_id": attempt.pk, "ticket_number": attempt.ticket_number, "candidate": attempt.application.name,
        "kind": sheet.kind if sheet else scoring.SHEET_KIND.get(attempt.session.kind, attempt.session.kind),
        "status": sheet.status if sheet else "none", "rubric": rubric,
        "max_score": sheet.max_score if sheet else scoring.rubric_max(rubric),
        "panel_rule": sheet.panel_rule if sheet else "", "combined_score": sheet.combined_score if sheet else None,
        "signed_off_at": sheet.signed_off_at if sheet else None,
        "panel": [a.staff.name for a in panel],
        "missing": scoring.sheet_missing(sheet, panel) if sheet else [a.staff.name for a in panel],
        "entries": entries,
    }


def _attempt(request, attempt_id: int):
    actor = request.actor
    if not (actor.has(Perm.EXAM_SCORE) or actor.has(Perm.BATCH_MANAGE)):
        raise PermissionDenied
    return actor, selectors.scoring_attempt_get_for_actor(actor=actor, pk=attempt_id)


@router.get("/attempts/{int:attempt_id}/sheet", response=s.SheetOut,
            summary="考生的评分表：评分标准、考评组、各考评员评分（签字前只见本人）与合成得分")
def sheet_detail(request, attempt_id: int):
    actor, attempt = _attempt(request, attempt_id)
    return _sheet_out(actor, attempt)


@router.put("/attempts/{int:attempt_id}/sheet/entry", response=s.SheetOut,
            summary="考评员按评分标准逐项录入（签字前可修改）本人对该考生的评分")
def entry_save(request, attempt_id: int, payload: s.ScoresIn):
    actor, attempt = _attempt(request, attempt_id)
    actor.require(Perm.EXAM_SCORE)
    scoring.score_entry_save(actor=actor, attempt=attempt, scores=_scores(payload))
    return _sheet_out(actor, attempt)


@router.post("/sheets/{int:sheet_id}/sign-off", response=s.SheetOut,
             summary="考评组长签字锁定评分表（全组评分后）；笔试登分表由考务负责人复核确认")
def sheet_sign_off(request, sheet_id: int):
    actor = request.actor
    if not (actor.has(Perm.EXAM_SCORE) or actor.has(Perm.BATCH_MANAGE)):
        raise PermissionDenied
    sheet = selectors.score_sheet_get_for_actor(actor=actor, pk=sheet_id)
    scoring.score_sheet_sign_off(actor=actor, sheet=sheet)
    return _sheet_out(actor, sheet.attempt)


@router.post("/entries/{int:entry_id}/changes", response={201: s.ChangeOut},
             summary="锁定后申请更正评分：写明理由，须由第二人审批")
def change_request(request, entry_id: int, payload: s.ChangeIn):
    actor = _require(request, Perm.EXAM_SCORE)
    entry = selectors.score_entry_get_for_actor(actor=actor, pk=entry_id)
    return Status(201, scoring.score_change_request(actor=actor, entry=entry, scores=_scores(payload),
                                                    reason=payload.reason))


def _change(request, change_id: int):
    actor = request.actor
    if not (actor.has(Perm.EXAM_SCORE) or actor.has(Perm.BATCH_MANAGE)):
        raise PermissionDenied
    return actor, selectors.score_change_get_for_actor(actor=actor, pk=change_id)


@router.post("/changes/{int:change_id}/approve", response=s.ChangeOut, summary="批准评分更正（考评组长或考务负责人，不能是申请人）")
def change_approve(request, change_id: int, payload: s.NoteIn):
    actor, change = _change(request, change_id)
    return scoring.score_change_approve(actor=actor, change=change, note=payload.note)


@router.post("/changes/{int:change_id}/reject", response=s.ChangeOut, summary="驳回评分更正（须写明理由）")
def change_reject(request, change_id: int, payload: s.NoteIn):
    actor, change = _change(request, change_id)
    return scoring.score_change_reject(actor=actor, change=change, note=payload.note)


# ---------------------------------------------------------------------------------------------
# Publicity and objections


@router.post("/batches/{int:batch_id}/publicity", response={201: s.PublicityOut},
             summary="发布评价结果公示（公示期按政策参数：工作日或自然日）")
def publicity_start(request, batch_id: int, payload: s.PublicityIn):
    actor, batch = _results_batch(request, batch_id, Perm.BATCH_MANAGE)
    return Status(201, publicity.publicity_start(actor=actor, batch=batch, starts_on=payload.starts_on,
                                                 notice=payload.notice))


@router.get("/batches/{int:batch_id}/publicity", response=s.PublicityListOut,
            summary="公示名单（本单位职工和本批次考生可见）：姓名、职业等级、综合成绩、认定结果")
def publicity_list(request, batch_id: int):
    actor = _require(request, Perm.HOME)
    batch = selectors.publicity_batch_get_for_actor(actor=actor, pk=batch_id)
    return {"publicity": Publicity.objects.get(batch=batch), "rows": list(selectors.publicity_list(batch))}


@router.post("/batches/{int:batch_id}/publicity/close", response=s.PublicityOut,
             summary="结束公示（公示期满且异议全部处理后），开始计算报备期限")
def publicity_close(request, batch_id: int):
    actor, batch = _results_batch(request, batch_id, Perm.BATCH_MANAGE)
    return publicity.publicity_close(actor=actor, batch=batch)


@router.post("/batches/{int:batch_id}/objections", response={201: s.ObjectionOut}, summary="公示期内提出异议")
def objection_raise(request, batch_id: int, payload: s.ObjectionIn):
    actor = _require(request, Perm.HOME)
    batch = selectors.publicity_batch_get_for_actor(actor=actor, pk=batch_id)
    result = None
    if payload.result_id is not None:
        result = Result.objects.filter(batch=batch, pk=payload.result_id).select_related("application").first()
        if result is None:
            raise Http404
    return Status(201, publicity.objection_raise(actor=actor, batch=batch, text=payload.text, result=result))


@router.get("/batches/{int:batch_id}/objections", response=list[s.ObjectionOut],
            summary="批次的公示异议（机构：全部；提出人：本人提出的）")
def objection_list(request, batch_id: int):
    actor = _require(request, Perm.HOME)
    return selectors.objections_visible_to(actor).filter(batch_id=batch_id).order_by("-created_at")


@router.post("/objections/{int:objection_id}/decide", response=s.ObjectionOut,
             summary="评价委员会处理异议：成立（更正结果）或不成立（写明理由）")
def objection_decide(request, objection_id: int, payload: s.ObjectionDecideIn):
    actor = _require(request, Perm.BATCH_MANAGE)
    objection = selectors.objection_get_for_actor(actor=actor, pk=objection_id)
    result = None
    if payload.result_id is not None:
        result = Result.objects.filter(batch_id=objection.batch_id, pk=payload.result_id).first()
        if result is None:
            raise Http404
    scores = {"theory": payload.theory_score, "practical": payload.practical_score, "review": payload.review_score}
    return publicity.objection_decide(actor=actor, objection=objection, decision=payload.decision,
                                      reason=payload.reason, result=result, scores=scores, passed=payload.passed,
                                      disqualify=payload.disqualify)


# ---------------------------------------------------------------------------------------------
# Reports


@router.get("/batches/{int:batch_id}/reports", response=list[s.ReportOut], summary="结果报备的各个版本")
def report_list(request, batch_id: int):
    actor, batch = _results_batch(request, batch_id)
    return selectors.reports_visible_to(actor).filter(batch=batch).order_by("-version")


@router.post("/batches/{int:batch_id}/reports", response={201: s.ReportOut},
             summary="向人社部门报备结果：生成结果汇总表和证书信息表（公示结束后；被退回后更正重报须写更正说明）")
def report_submit(request, batch_id: int, payload: s.ReportIn):
    actor, batch = _results_batch(request, batch_id, Perm.BATCH_MANAGE)
    return Status(201, reports.report_submit(actor=actor, batch=batch, note=payload.note))


def _report(request, report_id: int) -> tuple[Actor, Report]:
    actor = _require(request, Perm.RESULT_REVIEW)
    return actor, selectors.report_get_for_actor(actor=actor, pk=report_id)


@router.post("/reports/{int:report_id}/accept", response=s.ReportOut, summary="人社部门接收报备")
def report_accept(request, report_id: int):
    actor, report = _report(request, report_id)
    return reports.report_accept(actor=actor, report=report)


@router.post("/reports/{int:report_id}/return", response=s.ReportOut, summary="人社部门退回报备（写明理由，开始计算更正期限）")
def report_return(request, report_id: int, payload: s.ReturnIn):
    actor, report = _report(request, report_id)
    return reports.report_return(actor=actor, report=report, reason=payload.reason)


@router.get("/reports/{int:report_id}/files/{kind}", response={200: None},
            summary="下载报备文件：summary 结果汇总表，certificates 证书信息表（XLSX）")
def report_file(request, report_id: int, kind: str):
    actor = _require(request, Perm.HOME)
    report = selectors.report_get_for_actor(actor=actor, pk=report_id)
    if kind not in reports.FILES:
        raise Http404
    content, filename = reports.report_file(actor=actor, report=report, kind=kind)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


