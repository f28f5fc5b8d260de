"""Results (评价结果): from the exam records to one result per candidate and module, with
the batch item's weights and pass mark (each module that carries weight must pass);
absent and disqualified candidates; methods without exams from their own records; the
assessment committee's approval of the list [SD 4(3), 5(1); HF 11]."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor
from skilleval.batches.eligibility import COMPETITION_TOP
from skilleval.batches.models import Application, Award, Batch, BatchItem, Method
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.exams.models import Attempt, ExamIncident, ExamSession

from ..models import Recognition, Result, ScoreSheet
from ..scores import to_percent, weighted_total
from .common import (
    audit,
    book_for,
    lock_batch,
    parse_score,
    require_confirmed,
    require_manager,
    require_not_approved,
)
from .scoring import decided_voids

MODULES = ("theory", "practical", "review")
MODULE_SESSION_KINDS = {
    "theory": (ExamSession.Kind.THEORY_CBT, ExamSession.Kind.THEORY_PAPER),
    "practical": (ExamSession.Kind.PRACTICAL,),
    "review": (ExamSession.Kind.REVIEW,),
}
RECORD_METHODS = frozenset({Method.DIRECT, Method.COMPETITION})  # results from their own records
RESULT_FIELDS = ("status", "theory_score", "practical_score", "review_score", "total_score", "passed", "note")


def module_label(module: str) -> str:
    return {"theory": _("理论知识"), "practical": _("操作技能"), "review": _("综合评审")}[module]


def module_weight(item: BatchItem, module: str) -> int:
    return int(getattr(item, f"{module}_weight"))


@dataclass
class Computed:
    """A result worked out from the records, before it is stored."""

    status: str
    theory_score: Decimal | None = None
    practical_score: Decimal | None = None
    review_score: Decimal | None = None
    total_score: Decimal | None = None
    passed: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        return "；".join(self.notes)[:200]

    def values(self) -> dict[str, Any]:
        return {"status": self.status, "theory_score": self.theory_score, "practical_score": self.practical_score,
                "review_score": self.review_score, "total_score": self.total_score, "passed": self.passed,
                "note": self.note}


def evaluate(item: BatchItem, scores: dict[str, Decimal | None]) -> tuple[Decimal | None, bool]:
    """The weighted total and whether every weighted module reaches the pass mark."""
    weighted = [(m, module_weight(item, m)) for m in MODULES if module_weight(item, m) > 0]
    if not weighted or any(scores.get(m) is None for m, _w in weighted):
        return None, False
    total = weighted_total([(scores[m], w) for m, w in weighted])  # type: ignore[misc]
    passed = all(Decimal(scores[m]) >= item.pass_mark for m, _w in weighted)  # type: ignore[arg-type]
    return total, passed


def _attempt_score(attempt: Attempt, sheet: ScoreSheet | None) -> tuple[str, Decimal | None, str]:
    """('scored' | 'pending' | 'absent', score on 100, what is missing)."""
    session = attempt.session
    if attempt.status == Attempt.Status.ABSENT:
        return "absent", None, ""
    if session.kind == ExamSession.Kind.THEORY_CBT:
        total = attempt.total_score
        if total is None:
            return "pending", None, _("理论机考成绩尚未复核确认")
        maximum = attempt.paper.total_score if attempt.paper is not None else None
        return "scored", to_percent(total, maximum or Decimal(100)), ""
    if sheet is None or not sheet.is_locked:
        labels: dict[str, str] = {ExamSession.Kind.PRACTICAL: _("操作技能评分表"),
                                  ExamSession.Kind.REVIEW: _("综合评审评分表"),
                                  ExamSession.Kind.THEORY_PAPER: _("理论笔试登分表")}
        label = str(ScoreSheet.Kind(sheet.kind).label) if sheet else labels.get(session.kind, _("评分表"))
        return "pending", None, _("%(l)s尚未签字锁定") % {"l": label}
    return "scored", sheet.percent_score, ""


def compute_result(application: Application, attempts: list[Attempt], sheets: dict[int, ScoreSheet],
                   voided: ExamIncident | None, recognition: Recognition | None) -> Computed:
    """One candidate's result from their attempts, sheets, incidents and records."""
    item = application.item
    if voided is not None:
        return Computed(Result.Status.DISQUALIFIED, notes=[_("%(c)s：%(h)s") % {
            "c": voided.category, "h": voided.get_handling_display()}])
    if item.method in RECORD_METHODS:
        if recognition is None:
            return Computed(Result.Status.PENDING, notes=[_("尚未登记%(m)s结果") % {"m": item.get_method_display()}])
        return Computed(Result.Status.SCORED, passed=recognition.passed,
                        notes=[_("%(m)s：%(b)s") % {"m": item.get_method_display(), "b": recognition.basis[:120]}])
    by_module: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        for module, kinds in MODULE_SESSION_KINDS.items():
            if attempt.session.kind in kinds:
                by_module[module].append(attempt)
    result = Computed(Result.Status.SCORED)
    states: dict[str, str] = {}
    scores: dict[str, Decimal | None] = {}
    for module in MODULES:
        if module_weight(item, module) <= 0:
            continue
        outcomes = [_attempt_score(a, sheets.get(a.pk)) for a in by_module.get(module, [])]
        scored = [o for o in outcomes if o[0] == "scored"]
        pending = [o for o in outcomes if o[0] == "pending"]
        if scored:
            states[module], scores[module] = "scored", scored[-1][1]
        elif pending:
            states[module] = "pending"
            result.notes.append(pending[-1][2])
        elif outcomes:
            states[module] = "absent"
            result.notes.append(_("%(m)s缺考") % {"m": module_label(module)})
        else:
            states[module] = "pending"
            result.notes.append(_("未安排%(m)s考核") % {"m": module_label(module)})
        setattr(result, f"{module}_score", scores.get(module))
    if states and all(s == "absent" for s in states.values()):
        return Computed(Result.Status.ABSENT, notes=[_("缺考")])
    if any(s == "pending" for s in states.values()):
        result.status = Result.Status.PENDING
        return result
    result.total_score, result.passed = evaluate(item, scores)
    if not result.passed and result.total_score is not None:
        failed = [module_label(m) for m in MODULES if module_weight(item, m) > 0
                  and scores[m] is not None and Decimal(scores[m]) < item.pass_mark]  # type: ignore[arg-type]
        result.notes.append(_("%(m)s未达到合格线 %(p)d 分") % {"m": "、".join(failed), "p": item.pass_mark})
    return result


def compute_batch(batch: Batch) -> dict[int, Computed]:
    """Every accepted application's result, keyed by application id, read in a few queries."""
    applications = list(Application.objects.filter(batch=batch, status=Application.Status.ACCEPTED)
                        .select_related("item").order_by("number"))
    item_of = {a.pk: a.item_id for a in applications}
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in (Attempt.objects.filter(session__batch=batch, application__in=applications)
                    .select_related("session", "paper").order_by("session__starts_at", "pk")):
        if attempt.session.batch_item_id == item_of[attempt.application_id]:
            attempts[attempt.application_id].append(attempt)
    sheets = {s.attempt_id: s for s in ScoreSheet.objects.filter(batch=batch)}
    voided: dict[int, ExamIncident] = {}
    for incident in (decided_voids().filter(session__batch=batch, attempt__isnull=False)
                     .select_related("attempt").order_by("occurred_at")):
        if incident.attempt is not None:
            voided.setdefault(incident.attempt.application_id, incident)
    undecided = dict(ExamIncident.objects.filter(
        session__batch=batch, kind=ExamIncident.Kind.VIOLATION, decided_at__isnull=True,
        attempt__isnull=False).values_list("attempt__application_id", "category"))
    recognitions = {r.application_id: r for r in Recognition.objects.filter(application__batch=batch)}
    results = {a.pk: compute_result(a, attempts.get(a.pk, []), sheets, voided.get(a.pk), recognitions.get(a.pk))
               for a in applications}
    for application_id, category in undecided.items():
        result = results.get(application_id)
        if result is not None and result.status != Result.Status.DISQUALIFIED:
            result.status = Result.Status.PENDING
            result.notes.insert(0, _("违纪违规（%(c)s）待质量督导员认定") % {"c": category})
    return results


def result_values(result: Result) -> dict[str, Any]:
    return {name: getattr(result, name) for name in RESULT_FIELDS}


def corrected_values(result: Result, scores: dict[str, Any], passed: bool | None, disqualify: bool) -> dict[str, Any]:
    """The result's values after the committee's correction."""
    item = result.application.item
    values = result_values(result)
    if disqualify:
        values.update(status=Result.Status.DISQUALIFIED, passed=False)
        return values
    if item.method in RECORD_METHODS:
        if passed is None:
            raise DomainError(_("请选择更正后的认定结果（合格或不合格）。"), field="passed")
        values.update(status=Result.Status.APPROVED, passed=bool(passed))
        return values
    typed = {m: v for m, v in (scores or {}).items() if m in MODULES and str(v if v is not None else "").strip()}
    if not typed:
        raise DomainError(_("异议成立须更正该考生的成绩（填写更正后的模块成绩）或认定其成绩无效。"), field="theory_score")
    current: dict[str, Decimal | None] = {m: getattr(result, f"{m}_score") for m in MODULES}
    for module, value in typed.items():
        if module_weight(item, module) <= 0:
            raise DomainError(_("“%(i)s”不考核%(m)s。") % {"i": item, "m": module_label(module)},
                              field=f"{module}_score")
        current[module] = parse_score(value, 100, field=f"{module}_score", label=module_label(module))
    total, ok = evaluate(item, current)
    values.update({f"{m}_score": current[m] for m in MODULES})
    values.update(status=Result.Status.APPROVED, total_score=total, passed=ok)
    return values


@dataclass
class CompileSummary:
    counts: dict[str, int]
    pending: list[tuple[str, str]]  # (candidate, what is missing)
    passed: int


@transaction.atomic
def results_compile(*, actor: Actor, batch: Batch) -> CompileSummary:
    """Work out (again) every candidate's result from the exam records, before approval."""
    batch = lock_batch(batch)
    require_manager(actor, batch)
    require_confirmed(batch)
    book = book_for(batch, lock=True)
    require_not_approved(book)
    computed = compute_batch(batch)
    if not computed:
        raise DomainError(_("本批次没有审核通过的考生。"))
    existing = {r.application_id: r for r in Result.objects.filter(batch=batch)}
    names = dict(Application.objects.filter(pk__in=computed).values_list("pk", "name"))
    created, updated = [], []
    now = timezone.now()
    for application_id, values in computed.items():
        result = existing.get(application_id)
        if result is None:
            created.append(Result(batch=batch, application_id=application_id, **values.values()))
        elif result_values(result) != values.values():
            for key, value in values.values().items():
                setattr(result, key, value)
            result.updated_at = now
            updated.append(result)
    Result.objects.bulk_create(created, batch_size=1000)
    Result.objects.bulk_update(updated, [*RESULT_FIELDS, "updated_at"], batch_size=1000)
    changed = len(created) + len(updated)
    book.compiled_at = timezone.now()
    book.save(update_fields=["compiled_at", "updated_at"])
    counts: dict[str, int] = defaultdict(int)
    for values in computed.values():
        counts[values.status] += 1
    summary = CompileSummary(counts=dict(counts), passed=sum(1 for v in computed.values() if v.passed),
                             pending=[(names[k], v.note) for k, v in computed.items()
                                      if v.status == Result.Status.PENDING])
    audit(actor, book, AuditEvent.Action.UPDATE,
          _("汇总成绩：%(n)d 人，合格 %(p)d 人，待完成 %(w)d 人，更新 %(c)d 条") % {
              "n": len(computed), "p": summary.passed, "w": len(summary.pending), "c": changed},
          after={"counts": summary.counts, "passed": summary.passed}, organisation_id=batch.organisation_id)
    return summary


@transaction.atomic
def results_approve(*, actor: Actor, batch: Batch, committee_note: str) -> int:
    """The assessment committee approves the results list as compiled. Refused while a
    result is incomplete or when the records changed since the last compilation."""
    batch = lock_batch(batch)
    require_manager(actor, batch)
    require_confirmed(batch)
    book = book_for(batch, lock=True)
    require_not_approved(book)
    note = (committee_note or "").strip()
    if not note:
        raise DomainError(_("请填写审定记录（如：评价委员会会议名称、日期及到会委员）。"), field="committee_note")
    results = {r.application_id: r for r in Result.objects.select_for_update().filter(batch=batch)}
    computed = compute_batch(batch)
    if not results:
        raise DomainError(_("请先汇总成绩。"))
    if set(results) != set(computed) or any(result_values(results[k]) != v.values() for k, v in computed.items()):
        raise DomainError(_("汇总后评分记录有变动，请先重新汇总成绩并核对，再提交评价委员会审定。"))
    pending = [r for r in results.values() if r.status == Result.Status.PENDING]
    if pending:
        raise DomainError(_("还有 %(n)d 名考生的成绩未汇总完成（如 %(a)s：%(w)s），不能审定。") % {
            "n": len(pending), "a": pending[0].application.name, "w": pending[0].note})
    now = timezone.now()
    Result.objects.filter(batch=batch, status=Result.Status.SCORED).update(status=Result.Status.APPROVED)
    Result.objects.filter(batch=batch).update(approved_at=now, approved_by=actor.user, updated_at=now)
    book.approved_at, book.approved_by, book.committee_note = now, actor.user, note[:300]
    book.save(update_fields=["approved_at", "approved_by", "committee_note", "updated_at"])
    passed = sum(1 for r in results.values() if r.passed)
    audit(actor, book, AuditEvent.Action.TRANSITION, _("评价委员会审定评价结果：%(n)d 人，合格 %(p)d 人（%(c)s）") % {
        "n": len(results), "p": passed, "c": note[:100]}, after={"approved": len(results), "passed": passed},
        organisation_id=batch.organisation_id)
    return len(results)


@transaction.atomic
def results_approval_revoke(*, actor: Actor, batch: Batch, reason: str) -> None:
    """Take the approval back before publicity (a mistake found before publishing)."""
    batch = lock_batch(batch)
    require_manager(actor, batch)
    book = book_for(batch, lock=True)
    if book.approved_at is None:
        raise DomainError(_("成绩尚未审定。"))
    if hasattr(batch, "publicity"):
        raise DomainError(_("评价结果已公示，更正须通过公示异议处理办理。"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤销审定的理由。"), field="reason")
    Result.objects.filter(batch=batch, status=Result.Status.APPROVED).update(status=Result.Status.SCORED)
    Result.objects.filter(batch=batch).update(approved_at=None, approved_by=None, updated_at=timezone.now())
    before = {"approved_at": book.approved_at, "committee_note": book.committee_note}
    book.approved_at, book.approved_by = None, None
    book.save(update_fields=["approved_at", "approved_by", "updated_at"])
    audit(actor, book, AuditEvent.Action.TRANSITION, _("撤销成绩审定：%(r)s") % {"r": reason[:120]}, before=before,
          after={"approved_at": None}, organisation_id=batch.organisation_id)


def qualifying_competition(application: Application) -> Award | None:
    """A filed competition placing within the top places [HS 9.4]."""
    return (application.awards.filter(kind=Award.Kind.COMPETITION, filed_competition=True, rank__gte=1,
                                      rank__lte=COMPETITION_TOP).order_by("rank").first())


@transaction.atomic
def recognition_record(*, actor: Actor, application: Application, passed: bool, basis: str,
                       today: dt.date | None = None) -> Recognition:
    """Record the result of direct recognition or of a competition from its own records."""
    application = Application.objects.select_for_update().select_related("batch", "item").get(pk=application.pk)
    batch = application.batch
    require_manager(actor, batch)
    require_confirmed(batch)
    require_not_approved(book_for(batch))
    item = application.item
    if item.method not in RECORD_METHODS:
        raise DomainError(_("“%(i)s”的评价方式为%(m)s，成绩来自考核评分，不能直接登记认定结果。") % {
            "i": item, "m": item.get_method_display()})
    if application.status != Application.Status.ACCEPTED:
        raise DomainError(_("只能为审核通过的考生登记认定结果。"))
    basis = (basis or "").strip()
    if not basis:
        raise DomainError(_("请填写认定依据（如直接认定方案条款、竞赛名称及名次）。"), field="basis")
    if item.method == Method.COMPETITION and passed and qualifying_competition(application) is None:
        raise DomainError(_("竞赛选拔只认定经人社部门备案的职业技能竞赛前%(n)d名；该考生没有符合条件的竞赛名次。") % {
            "n": COMPETITION_TOP}, field="passed")
    record = Recognition.objects.filter(application=application).first()
    before = {"passed": record.passed, "basis": record.basis} if record else None
    if record is None:
        record = Recognition.objects.create(application=application, passed=bool(passed), basis=basis[:2000],
                                            recorded_by=actor.user)
    else:
        record.passed, record.basis, record.recorded_by = bool(passed), basis[:2000], actor.user
        record.save(update_fields=["passed", "basis", "recorded_by", "updated_at"])
    audit(actor, application, AuditEvent.Action.UPDATE, _("登记%(m)s结果：%(n)s %(r)s") % {
        "m": item.get_method_display(), "n": application.name, "r": _("合格") if passed else _("不合格")},
        before=before, after={"passed": bool(passed), "basis": basis[:200]}, organisation_id=batch.organisation_id)
    return record
