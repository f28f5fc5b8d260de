"""Score sheets (评分记录表): each examiner of a candidate's panel enters the scores item
by item against the task's rubric; the panel's leader signs the sheet off and it is
locked; a later change needs a reason and a second person's approval, and both values
stay in the audit trail [SD 4(5)2(2), 4(6)2, 5(1)].

The panel of a candidate is the examiner and leader assignments of the session and room
of the candidate's attempt (exams.StaffAssignment): at least the profile's minimum and
odd for practical and review sheets, with exactly one leader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.batches.models import Batch, BatchStaff
from skilleval.catalog.models import PolicyProfile
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.exams.models import Attempt, ExamIncident, ExamSession, StaffAssignment, StaffConflict

from ..models import PanelRule, ResultBook, ScoreChange, ScoreEntry, ScoreSheet
from ..scores import combine_panel, q1
from .common import (
    audit,
    book_for,
    lock_batch,
    parse_score,
    profile_of,
    require_confirmed,
    require_manager,
    require_not_approved,
)

SHEET_KIND: dict[str, str] = {
    ExamSession.Kind.PRACTICAL: ScoreSheet.Kind.PRACTICAL,
    ExamSession.Kind.REVIEW: ScoreSheet.Kind.REVIEW,
    ExamSession.Kind.THEORY_PAPER: ScoreSheet.Kind.THEORY_PAPER,
}
PANEL_DUTIES = (StaffAssignment.Duty.EXAMINER, StaffAssignment.Duty.LEADER)
VOID_HANDLINGS = (ExamIncident.Handling.VOID, ExamIncident.Handling.VOID_ALL)
# A comprehensive review without its own scoring rubric is scored as one item out of 100.
DEFAULT_REVIEW_RUBRIC = [{"item": "综合评审", "points": 100,
                          "criteria": "工作业绩、职业能力、职业道德和工匠精神综合评定 [HF 10]"}]
DEFAULT_PAPER_RUBRIC = [{"item": "卷面成绩", "points": 100, "criteria": "按标准答案和评分标准阅卷"}]
OBJECTIVE = ("single", "multiple", "true_false")


# ---------------------------------------------------------------------------------------------
# Panels and rubrics


def panel_of(attempt: Attempt) -> list[StaffAssignment]:
    """The examiners (with the leader) assigned to the candidate's session and room, or to
    the whole session when they have no room. A paper theory exam has no panel (the
    arrangement gives its rooms proctors only): its markers are the batch's roster
    examiners who have a login, shown as unsaved assignments without a leader."""
    room = Q(room__isnull=True) if attempt.room_id is None else Q(room_id=attempt.room_id) | Q(room__isnull=True)
    panel = list(StaffAssignment.objects.filter(room, session_id=attempt.session_id, duty__in=PANEL_DUTIES)
                 .select_related("staff").order_by("duty", "staff__name"))
    session = attempt.session
    if panel or session.kind != ExamSession.Kind.THEORY_PAPER:
        return panel
    markers = BatchStaff.objects.filter(batch_id=session.batch_id, role=BatchStaff.Role.EXAMINER,
                                        user__isnull=False).order_by("name")
    return [StaffAssignment(session=session, staff=m, duty=StaffAssignment.Duty.EXAMINER) for m in markers]


def is_paper_markers(panel: Sequence[StaffAssignment]) -> bool:
    """True when `panel` is the markers of a paper theory exam rather than a real panel."""
    return bool(panel) and all(a.pk is None for a in panel)


def panel_problem(kind: str, panel: Sequence[StaffAssignment], profile: PolicyProfile) -> str | None:
    """Why this panel may not score (Chinese), or None."""
    size = len(panel)
    leaders = [a for a in panel if a.duty == StaffAssignment.Duty.LEADER]
    if kind == ScoreSheet.Kind.THEORY_PAPER:
        if not size:
            return _("本批次没有关联登录账号的考评员，不能登分。")
        if is_paper_markers(panel):
            return None
    else:
        minimum = profile.min_examiners_per_candidate
        if size < minimum:
            return _("考评组只有 %(n)d 名考评员，每名考生须由不少于 %(m)d 名考评员评分，请先补足考评组。") % {
                "n": size, "m": minimum}
        if size % 2 == 0:
            return _("考评组人数应为单数，当前为 %(n)d 名，请调整考评组。") % {"n": size}
    if len(leaders) != 1:
        return _("考评组应有且只有一名组长（当前 %(n)d 名），请先指定组长。") % {"n": len(leaders)}
    return None


def rubric_for(session: ExamSession) -> list[dict[str, Any]]:
    """The rows a sheet is scored against: the practical task's rubric; for a review
    without a task one item of 100; for a paper theory exam the objective and
    short-answer parts of its blueprint (or the whole paper out of 100)."""
    task = session.practical_task
    rows: list[dict[str, Any]] = []
    if task is not None:
        rows = [{"item": str(r.get("item", "")), "points": int(r.get("points", 0)),
                 "criteria": str(r.get("criteria", ""))} for r in task.rubric or [] if isinstance(r, dict)]
        rows = [r for r in rows if r["item"] and r["points"] > 0]
    if session.kind == ExamSession.Kind.PRACTICAL:
        if not rows:
            raise DomainError(_("本场次未设置操作技能试题及其评分标准，不能评分。"))
        return rows
    if session.kind == ExamSession.Kind.REVIEW:
        return rows or [dict(r) for r in DEFAULT_REVIEW_RUBRIC]
    blueprint = session.blueprint
    if blueprint is None or not blueprint.sections:
        return [dict(r) for r in DEFAULT_PAPER_RUBRIC]
    objective = sum(int(s.get("count", 0)) * Decimal(str(s.get("score", 0))) for s in blueprint.sections
                    if s.get("kind") in OBJECTIVE)
    short = sum(int(s.get("count", 0)) * Decimal(str(s.get("score", 0))) for s in blueprint.sections
                if s.get("kind") not in OBJECTIVE)
    parts = [(_("客观题（单选、多选、判断）"), objective, _("按标准答案评分")),
             (_("主观题（简答）"), short, _("按参考答案和评分标准评分"))]
    return [{"item": str(name), "points": int(points) if points == int(points) else float(points),
             "criteria": str(criteria)} for name, points, criteria in parts if points > 0]


def rubric_max(rubric: Sequence[Mapping[str, Any]]) -> Decimal:
    return sum((Decimal(str(r["points"])) for r in rubric), Decimal(0))


def parse_scores(rubric: Sequence[Mapping[str, Any]], scores: Mapping[str, Any] | Sequence[Any]
                 ) -> tuple[list[dict[str, Any]], Decimal]:
    """The typed scores (a list in rubric order, or a mapping by item name) checked item by
    item: each 0..its points, one decimal place. Returns the rows and the total."""
    if isinstance(scores, Mapping):
        unknown = [k for k in scores if k not in {r["item"] for r in rubric}]
        if unknown:
            raise DomainError(_("评分标准中没有“%(i)s”这一项。") % {"i": unknown[0]})
        values = [scores.get(r["item"]) for r in rubric]
    else:
        values = list(scores)
        if len(values) != len(rubric):
            raise DomainError(_("评分标准共 %(n)d 项，提交了 %(m)d 项得分。") % {"n": len(rubric), "m": len(values)})
    rows, total = [], Decimal(0)
    for index, (row, value) in enumerate(zip(rubric, values, strict=True)):
        score = parse_score(value, Decimal(str(row["points"])), field=f"score_{index}", label=row["item"])
        rows.append({"item": row["item"], "points": row["points"], "score": str(score)})
        total += score
    return rows, q1(total)


# ---------------------------------------------------------------------------------------------
# Entry


def _attempt(attempt: Attempt) -> Attempt:
    return Attempt.objects.select_related(
        "session", "session__batch", "session__batch__organisation__jurisdiction", "session__practical_task",
        "session__blueprint", "application", "room").get(pk=attempt.pk)


def attempt_refusal(attempt: Attempt, now: dt.datetime | None = None) -> str | None:
    """Why no score may be entered for this candidate in this session, or None."""
    now = now or timezone.now()
    session = attempt.session
    if session.kind not in SHEET_KIND:
        return _("机考成绩由系统按标准答案自动汇总，简答题在机考阅卷中评分，不在此登分。")
    if attempt.status == Attempt.Status.ABSENT:
        return _("考生 %(n)s（准考证号 %(t)s）缺考，不能录入成绩。") % {"n": attempt.application.name,
                                                                 "t": attempt.ticket_number}
    if session.starts_at > now:
        return _("本场考核尚未开始，不能录入成绩。")
    voided = decided_voids().filter(
        Q(attempt=attempt, handling__in=VOID_HANDLINGS)
        | Q(attempt__application_id=attempt.application_id, handling=ExamIncident.Handling.VOID_ALL)).first()
    if voided is not None:
        return _("考生 %(n)s 因“%(c)s”被认定%(h)s，不能录入成绩。") % {
            "n": attempt.application.name, "c": voided.category, "h": voided.get_handling_display()}
    return None


def decided_voids():
    """Violations a quality supervisor decided with a void result (as exams' `voided_attempts`
    reads them): "本科目成绩无效" voids the attempt, "本次评价各科目成绩无效" the candidate."""
    return ExamIncident.objects.filter(kind=ExamIncident.Kind.VIOLATION, decided_at__isnull=False,
                                       handling__in=VOID_HANDLINGS)


def _place(actor: Actor, panel: Sequence[StaffAssignment]) -> StaffAssignment | None:
    if actor.user is None:
        return None
    return next((a for a in panel if a.staff.user_id == actor.user.pk), None)


def _check_entry_allowed(actor: Actor, attempt: Attempt, now: dt.datetime | None) -> tuple[
        Batch, list[StaffAssignment], StaffAssignment]:
    actor.require(Perm.EXAM_SCORE)
    batch = attempt.session.batch
    if actor.organisation_id != batch.organisation_id:
        raise DomainError(_("您只能为本单位的考生评分。"))
    require_confirmed(batch)
    refusal = attempt_refusal(attempt, now)
    if refusal:
        raise DomainError(refusal)
    panel = panel_of(attempt)
    place = _place(actor, panel)
    if place is None:
        raise DomainError(_("您不是考生 %(n)s 所在考场（%(r)s）的考评组成员，不能录入其成绩。") % {
            "n": attempt.application.name, "r": attempt.room or attempt.session.name})
    problem = panel_problem(SHEET_KIND[attempt.session.kind], panel, profile_of(batch))
    if problem:
        raise DomainError(problem)
    if StaffConflict.objects.filter(staff_id=place.staff_id, application_id=attempt.application_id).exists():
        raise DomainError(_("您已申报与考生 %(n)s 回避，不能为其评分。") % {"n": attempt.application.name})
    return batch, panel, place


def sheet_for(attempt: Attempt) -> ScoreSheet:
    """The candidate's sheet in this session, created with the rubric as it stands now."""
    sheet = ScoreSheet.objects.filter(attempt=attempt).first()
    if sheet is not None:
        return sheet
    rubric = rubric_for(attempt.session)
    try:
        with transaction.atomic():
            return ScoreSheet.objects.create(batch_id=attempt.session.batch_id, attempt=attempt,
                                             kind=SHEET_KIND[attempt.session.kind], rubric=rubric,
                                             max_score=rubric_max(rubric))
    except IntegrityError:
        return ScoreSheet.objects.get(attempt=attempt)


@transaction.atomic
def score_entry_save(*, actor: Actor, attempt: Attempt, scores: Mapping[str, Any] | Sequence[Any],
                     now: dt.datetime | None = None) -> ScoreEntry:
    """A panel member enters (or, before sign-off, corrects) their scores for a candidate."""
    attempt = _attempt(attempt)
    batch, _panel, place = _check_entry_allowed(actor, attempt, now)
    book = book_for(batch)
    require_not_approved(book)
    sheet = ScoreSheet.objects.select_for_update().get(pk=sheet_for(attempt).pk)
    if sheet.is_locked:
        raise DomainError(_("评分表已由考评组长签字锁定；如需修改，请提出更正申请，写明理由，经第二人审批。"))
    rows, total = parse_scores(sheet.rubric, scores)
    entry = ScoreEntry.objects.filter(sheet=sheet, examiner_id=place.staff_id).first()
    before = {"scores": entry.scores, "total": entry.total} if entry else None
    if entry is None:
        entry = ScoreEntry.objects.create(sheet=sheet, examiner_id=place.staff_id, entered_by=actor.user,
                                          scores=rows, total=total)
    else:
        entry.scores, entry.total, entry.entered_by = rows, total, actor.user
        entry.save(update_fields=["scores", "total", "entered_by", "updated_at"])
    audit(actor, sheet, AuditEvent.Action.UPDATE if before else AuditEvent.Action.CREATE,
          _("%(e)s 录入评分：%(n)s（准考证号 %(t)s）合计 %(s)s 分") % {
              "e": place.staff.name, "n": attempt.application.name, "t": attempt.ticket_number, "s": total},
          before=before, after={"examiner": place.staff.name, "scores": rows, "total": total},
          organisation_id=batch.organisation_id)
    return entry


# ---------------------------------------------------------------------------------------------
# Sign-off


def _sheet(sheet: ScoreSheet, *, lock: bool = False) -> ScoreSheet:
    qs = ScoreSheet.objects.select_for_update(of=("self",)) if lock else ScoreSheet.objects
    return qs.select_related("batch", "batch__organisation__jurisdiction", "attempt", "attempt__session",
                             "attempt__application", "attempt__room").get(pk=sheet.pk)


def sheet_missing(sheet: ScoreSheet, panel: Sequence[StaffAssignment]) -> list[str]:
    """Names of panel members who have not entered their scores yet (for a paper theory
    exam: a marker, until one has)."""
    entered = set(sheet.entries.values_list("examiner_id", flat=True))
    if is_paper_markers(panel):
        return [] if entered else [_("阅卷人")]
    return [a.staff.name for a in panel if a.staff_id not in entered]


def _sign_off(actor: Actor, sheet: ScoreSheet, rule: str) -> ScoreSheet:
    """Lock one sheet (locked by the caller), after its checks."""
    attempt = sheet.attempt
    panel = panel_of(attempt)
    place = _place(actor, panel)
    markers = is_paper_markers(panel)
    if markers:
        if not (actor.has(Perm.BATCH_MANAGE) and actor.organisation_id == sheet.batch.organisation_id):
            raise DomainError(_("笔试登分表由考务负责人复核确认。"))
        if place is not None and sheet.entries.filter(examiner_id=place.staff_id).exists():
            raise DomainError(_("复核确认须由阅卷人以外的人员办理。"))
    elif place is None or place.duty != StaffAssignment.Duty.LEADER:
        raise DomainError(_("只有考生所在考场考评组的组长可以签字确认评分表。"))
    if sheet.is_locked:
        raise DomainError(_("评分表已于 %(t)s 签字锁定。") % {
            "t": timezone.localtime(sheet.signed_off_at).strftime("%Y-%m-%d %H:%M")})
    problem = panel_problem(sheet.kind, panel, profile_of(sheet.batch))
    if problem:
        raise DomainError(problem)
    refusal = attempt_refusal(attempt)
    if refusal:
        raise DomainError(refusal)
    missing = sheet_missing(sheet, panel)
    if missing:
        raise DomainError(_("还有考评员未评分：%(n)s。全组评分后组长才能签字。") % {"n": "、".join(missing)})
    members = {a.staff_id for a in panel}
    totals = [e.total for e in sheet.entries.all() if markers or e.examiner_id in members]
    sheet.combined_score = combine_panel(totals, rule)
    sheet.panel_rule = rule
    sheet.status = ScoreSheet.Status.LOCKED
    sheet.signed_off_at = timezone.now()
    sheet.signed_off_by = actor.user
    sheet.save(update_fields=["combined_score", "panel_rule", "status", "signed_off_at", "signed_off_by",
                              "updated_at"])
    audit(actor, sheet, AuditEvent.Action.TRANSITION,
          _("考评组长签字锁定评分表：%(n)s（准考证号 %(t)s），%(k)d 名考评员评分 %(s)s，按“%(r)s”合成 %(c)s 分") % {
              "n": attempt.application.name, "t": attempt.ticket_number, "k": len(totals),
              "s": "、".join(str(t) for t in totals), "r": PanelRule(rule).label, "c": sheet.combined_score},
          before={"status": ScoreSheet.Status.OPEN},
          after={"status": sheet.status, "combined_score": sheet.combined_score, "totals": totals},
          organisation_id=sheet.batch.organisation_id)
    return sheet


@transaction.atomic
def score_sheet_sign_off(*, actor: Actor, sheet: ScoreSheet) -> ScoreSheet:
    if not actor.has(Perm.BATCH_MANAGE):
        actor.require(Perm.EXAM_SCORE)
    sheet = _sheet(sheet, lock=True)
    if actor.organisation_id != sheet.batch.organisation_id:
        raise DomainError(_("您只能签字确认本单位的评分表。"))
    book = book_for(sheet.batch)
    require_not_approved(book)
    return _sign_off(actor, sheet, book.panel_rule)


@transaction.atomic
def score_sheets_sign_off(*, actor: Actor, session: ExamSession, room_id: int | None) -> int:
    """The leader signs off every sheet of the room whose panel has finished; returns how
    many were locked (the others are left as they are)."""
    actor.require(Perm.EXAM_SCORE)
    session = ExamSession.objects.select_related("batch").get(pk=session.pk)
    if actor.organisation_id != session.batch.organisation_id:
        raise DomainError(_("您只能签字确认本单位的评分表。"))
    book = book_for(session.batch)
    require_not_approved(book)
    room = Q(room__isnull=True) if room_id is None else Q(room_id=room_id) | Q(room__isnull=True)
    leaders = StaffAssignment.objects.filter(room, session=session, duty=StaffAssignment.Duty.LEADER)
    if actor.user is None or not leaders.filter(staff__user=actor.user).exists():
        raise DomainError(_("只有本考场考评组的组长可以签字确认评分表。"))
    sheets = ScoreSheet.objects.filter(attempt__session=session, attempt__room_id=room_id,
                                       status=ScoreSheet.Status.OPEN).order_by("attempt__ticket_number")
    locked = 0
    for sheet in sheets:
        try:
            with transaction.atomic():
                _sign_off(actor, _sheet(sheet, lock=True), book.panel_rule)
        except DomainError:
            continue  # not finished yet: left open, shown on the page
        locked += 1
    if not locked:
        raise DomainError(_("没有可以签字的评分表：全组评分完成的评分表才能签字锁定。"))
    return locked


# ---------------------------------------------------------------------------------------------
# Changes after lock


def _entry(entry: ScoreEntry, *, lock: bool = False) -> ScoreEntry:
    qs = ScoreEntry.objects.select_for_update(of=("self",)) if lock else ScoreEntry.objects
    return qs.select_related("sheet", "sheet__batch", "sheet__attempt", "sheet__attempt__application",
                             "examiner").get(pk=entry.pk)


@transaction.atomic
def score_change_request(*, actor: Actor, entry: ScoreEntry, scores: Mapping[str, Any] | Sequence[Any],
                         reason: str) -> ScoreChange:
    """The examiner who entered the scores (or the panel's leader) asks to change them on a
    locked sheet, with the reason; a second person decides."""
    actor.require(Perm.EXAM_SCORE)
    entry = _entry(entry, lock=True)
    sheet = entry.sheet
    if actor.organisation_id != sheet.batch.organisation_id:
        raise DomainError(_("您只能更正本单位的评分。"))
    require_not_approved(book_for(sheet.batch))
    if not sheet.is_locked:
        raise DomainError(_("评分表尚未签字锁定，考评员可直接修改自己的评分。"))
    place = _place(actor, panel_of(sheet.attempt))
    if place is None or (place.staff_id != entry.examiner_id and place.duty != StaffAssignment.Duty.LEADER):
        raise DomainError(_("只有该评分的考评员本人或考评组长可以提出更正申请。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(_("请写明更正理由（至少4个字）。"), field="reason")
    rows, total = parse_scores(sheet.rubric, scores)
    if rows == entry.scores:
        raise DomainError(_("更正后的分数与原评分相同，无需更正。"))
    if ScoreChange.objects.filter(entry=entry, status=ScoreChange.Status.PENDING).exists():
        raise DomainError(_("该评分已有一条待审批的更正申请，请等待审批。"))
    change = ScoreChange.objects.create(entry=entry, reason=reason[:2000], before_scores=entry.scores,
                                        before_total=entry.total, after_scores=rows, after_total=total,
                                        requested_by=actor.user)
    audit(actor, sheet, AuditEvent.Action.UPDATE,
          _("申请更正 %(e)s 对 %(n)s 的评分：%(a)s → %(b)s 分，理由：%(r)s") % {
              "e": entry.examiner.name, "n": sheet.attempt.application.name, "a": entry.total, "b": total,
              "r": reason[:80]},
          before={"scores": entry.scores, "total": entry.total}, after={"scores": rows, "total": total},
          organisation_id=sheet.batch.organisation_id)
    return change


def _check_decider(actor: Actor, change: ScoreChange) -> None:
    sheet = change.entry.sheet
    if actor.organisation_id != sheet.batch.organisation_id:
        raise DomainError(_("您只能审批本单位的评分更正。"))
    if actor.user is not None and change.requested_by_id == actor.user.pk:
        raise DomainError(_("评分更正须由申请人以外的第二人审批，您不能审批自己的申请。"))
    place = _place(actor, panel_of(sheet.attempt))
    is_leader = place is not None and place.duty == StaffAssignment.Duty.LEADER
    if not (is_leader or actor.has(Perm.BATCH_MANAGE)):
        raise DomainError(_("评分更正由考评组长或考务负责人审批。"))
    if change.status != ScoreChange.Status.PENDING:
        raise DomainError(_("该更正申请已%(s)s。") % {"s": change.get_status_display()})


def _change(change: ScoreChange) -> ScoreChange:
    return ScoreChange.objects.select_for_update(of=("self",)).select_related(
        "entry", "entry__examiner", "entry__sheet", "entry__sheet__batch__organisation__jurisdiction",
        "entry__sheet__attempt", "entry__sheet__attempt__application").get(pk=change.pk)


@transaction.atomic
def score_change_approve(*, actor: Actor, change: ScoreChange, note: str = "") -> ScoreChange:
    """A second person approves: the entry takes the new scores and the sheet's combined
    score is worked out again; both values are kept (the change row and the audit trail)."""
    change = _change(change)
    _check_decider(actor, change)
    entry = _entry(change.entry, lock=True)
    sheet = _sheet(entry.sheet, lock=True)
    require_not_approved(book_for(sheet.batch))
    before_sheet = sheet.combined_score
    entry.scores, entry.total = change.after_scores, change.after_total
    entry.save(update_fields=["scores", "total", "updated_at"])
    panel = panel_of(sheet.attempt)
    members = {a.staff_id for a in panel}
    totals = [e.total for e in sheet.entries.all() if is_paper_markers(panel) or e.examiner_id in members]
    sheet.combined_score = combine_panel(totals, sheet.panel_rule or PanelRule.MEAN)
    sheet.save(update_fields=["combined_score", "updated_at"])
    change.status = ScoreChange.Status.APPROVED
    change.decided_by, change.decided_at = actor.user, timezone.now()
    change.decision_note = (note or "").strip()[:2000]
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit(actor, sheet, AuditEvent.Action.UPDATE,
          _("批准评分更正：%(e)s 对 %(n)s 的评分 %(a)s → %(b)s 分，考评组合成 %(c)s → %(d)s 分（理由：%(r)s）") % {
              "e": entry.examiner.name, "n": sheet.attempt.application.name, "a": change.before_total,
              "b": change.after_total, "c": before_sheet, "d": sheet.combined_score, "r": change.reason[:60]},
          before={"entry_total": change.before_total, "entry_scores": change.before_scores,
                  "combined_score": before_sheet},
          after={"entry_total": change.after_total, "entry_scores": change.after_scores,
                 "combined_score": sheet.combined_score, "requested_by": change.requested_by_id},
          organisation_id=sheet.batch.organisation_id)
    return change


@transaction.atomic
def score_change_reject(*, actor: Actor, change: ScoreChange, note: str) -> ScoreChange:
    change = _change(change)
    _check_decider(actor, change)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("请填写驳回理由。"), field="note")
    change.status = ScoreChange.Status.REJECTED
    change.decided_by, change.decided_at, change.decision_note = actor.user, timezone.now(), note[:2000]
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    sheet = change.entry.sheet
    audit(actor, sheet, AuditEvent.Action.UPDATE, _("驳回评分更正申请（%(a)s → %(b)s 分）：%(r)s") % {
        "a": change.before_total, "b": change.after_total, "r": note[:80]}, organisation_id=sheet.batch.organisation_id)
    return change


# ---------------------------------------------------------------------------------------------
# The batch's panel rule


@transaction.atomic
def panel_rule_set(*, actor: Actor, batch: Batch, rule: str) -> ResultBook:
    """Choose how panels combine for this batch, before any sheet is locked."""
    batch = lock_batch(batch)
    require_manager(actor, batch)
    if rule not in PanelRule.values:
        raise DomainError(_("请选择考评组评分合成规则。"), field="panel_rule")
    book = book_for(batch, lock=True)
    if book.panel_rule == rule:
        return book
    if ScoreSheet.objects.filter(batch=batch, status=ScoreSheet.Status.LOCKED).exists():
        raise DomainError(_("已有评分表签字锁定，不能再更改合成规则。"), field="panel_rule")
    before = book.panel_rule
    book.panel_rule = rule
    book.save(update_fields=["panel_rule", "updated_at"])
    audit(actor, book, AuditEvent.Action.UPDATE, _("考评组评分合成规则：%(r)s") % {"r": PanelRule(rule).label},
          before={"panel_rule": before}, after={"panel_rule": rule}, organisation_id=batch.organisation_id)
    return book
