"""Scoped reads of results: the batches whose results an actor works on, score sheets of
the panels an examiner sits on, results, the publicity list, objections and reports,
deadline countdowns, and what the certificates app reads (`certifiable_results`).

Who sees what:
- the organisation's exam affairs (batch.manage): everything of its own batches;
- an examiner: the sessions and sheets of the panels they sit on;
- the organisation's staff and workforce, and the batch's candidates: the publicity list;
- a candidate: their own result, once published;
- the authority: a batch only once its results were reported to it (never before publicity ends);
- the platform admin: everything."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm, get_scoped_or_404
from skilleval.accounts.models import Person
from skilleval.batches.models import Application, Batch, BatchStaff
from skilleval.core.workdays import WorkingCalendar
from skilleval.exams.models import Attempt, ExamSession, StaffAssignment

from .models import Objection, Publicity, Report, Result, ScoreChange, ScoreEntry, ScoreSheet
from .services.scoring import PANEL_DUTIES, SHEET_KIND, is_paper_markers, panel_of

SCORED_KINDS = tuple(SHEET_KIND)

STAGES = {
    "scoring": _("评分与成绩汇总"),
    "approved": _("已审定，待公示"),
    "publicity": _("公示中"),
    "publicity_ended": _("公示结束，待报备"),
    "submitted": _("已报备，待人社部门审核"),
    "returned": _("报备被退回，待更正"),
    "accepted": _("人社部门已接收"),
}
STAGE_COLOURS = {"scoring": "secondary", "approved": "info", "publicity": "primary", "publicity_ended": "warning",
                 "submitted": "info", "returned": "danger", "accepted": "success"}


# ---------------------------------------------------------------------------------------------
# Deadlines


@dataclass(frozen=True)
class Countdown:
    """A deadline as the pages show it: days left (working or calendar days), overdue."""

    due_on: dt.date
    days_left: int
    working: bool = True
    provisional: bool = False

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def unit(self) -> str:
        return _("个工作日") if self.working else _("天")

    @property
    def label(self) -> str:
        if self.days_left < 0:
            text = _("已逾期 %(n)d %(u)s（期限 %(d)s）") % {"n": -self.days_left, "u": self.unit,
                                                         "d": self.due_on.isoformat()}
        elif self.days_left == 0:
            text = _("今天截止（%(d)s）") % {"d": self.due_on.isoformat()}
        else:
            text = _("剩余 %(n)d %(u)s（截止 %(d)s）") % {"n": self.days_left, "u": self.unit,
                                                       "d": self.due_on.isoformat()}
        return text + (_("，日历暂定") if self.provisional else "")


def countdown(due_on: dt.date, today: dt.date, calendar: WorkingCalendar, *, working: bool = True) -> Countdown:
    if working:
        days, provisional = calendar.between(today, due_on)
        return Countdown(due_on, days, True, provisional)
    return Countdown(due_on, (due_on - today).days, False)


# ---------------------------------------------------------------------------------------------
# Batches and their stage


def _annotated(qs: QuerySet[Batch]) -> QuerySet[Batch]:
    latest = Report.objects.filter(batch=OuterRef("pk")).order_by("-version")
    results = Result.objects.filter(batch=OuterRef("pk")).order_by().values("batch")
    return qs.annotate(
        results_approved_at=F("result_book__approved_at"),
        publicity_status=F("publicity__status"),
        publicity_starts_on=F("publicity__starts_on"),
        publicity_day_kind=F("publicity__day_kind"),
        publicity_ends_on=F("publicity__ends_on"),
        report_due_on=F("publicity__report_due_on"),
        report_status=Subquery(latest.values("status")[:1]),
        report_version=Subquery(latest.values("version")[:1]),
        correction_due_on=Subquery(latest.values("correction_due_on")[:1]),
        result_count=Subquery(results.annotate(n=Count("pk")).values("n")[:1]),
        passed_count=Subquery(results.filter(passed=True).annotate(n=Count("pk")).values("n")[:1]),
    )


def stage_of(batch: Any) -> str:
    """The stage of a batch annotated by `_annotated`."""
    if batch.report_status:
        return str(batch.report_status)
    if batch.publicity_status == Publicity.Status.CLOSED:
        return "publicity_ended"
    if batch.publicity_status == Publicity.Status.OPEN:
        return "publicity"
    if batch.results_approved_at:
        return "approved"
    return "scoring"


def stage_deadline(batch: Any, today: dt.date, calendar: WorkingCalendar) -> tuple[Countdown | None, str]:
    """The deadline that matters at the batch's stage (annotated batch), as a countdown:
    the end of publicity (its own day kind), the report deadline, the correction deadline."""
    stage = stage_of(batch)
    if stage == "publicity" and batch.publicity_ends_on:
        working = batch.publicity_day_kind == "working"
        return countdown(batch.publicity_ends_on, today, calendar, working=working), _("公示截止")
    if stage == "publicity_ended" and batch.report_due_on:
        return countdown(batch.report_due_on, today, calendar), _("结果报备期限")
    if stage == "returned" and batch.correction_due_on:
        return countdown(batch.correction_due_on, today, calendar), _("更正报送期限")
    return None, ""


def result_batches_visible_to(actor: Actor) -> QuerySet[Batch]:
    qs = _annotated(Batch.objects.select_related("organisation", "organisation__jurisdiction",
                                                 "plan_jurisdiction"))
    confirmed = Q(status=Batch.Status.PLAN_CONFIRMED)
    if actor.is_platform_admin:
        return qs.filter(confirmed)
    condition = Q(pk__in=[])
    if actor.is_org_staff and actor.organisation_id:
        condition |= confirmed & Q(organisation_id=actor.organisation_id)
    if actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(plan_jurisdiction_id__in=actor.jurisdiction_ids, reports__isnull=False)
    return qs.filter(condition).distinct()


def result_batch_get_for_actor(*, actor: Actor, pk: int) -> Batch:
    return get_scoped_or_404(result_batches_visible_to(actor), pk=pk)


def is_manager(actor: Actor, batch: Batch) -> bool:
    return actor.has(Perm.BATCH_MANAGE) and actor.organisation_id == batch.organisation_id


def is_receiving_authority(actor: Actor, batch: Batch) -> bool:
    return actor.is_authority and actor.has(Perm.RESULT_REVIEW) and actor.jurisdiction_id == batch.plan_jurisdiction_id


# ---------------------------------------------------------------------------------------------
# Scoring


def scoring_sessions_visible_to(actor: Actor) -> QuerySet[ExamSession]:
    """Sessions scored on sheets: all of the organisation's for its exam affairs, the
    panels' own for an examiner."""
    qs = ExamSession.objects.filter(kind__in=SCORED_KINDS, batch__status=Batch.Status.PLAN_CONFIRMED).select_related(
        "batch", "batch_item", "batch_item__occupation", "batch_item__work_type", "batch_item__level",
        "practical_task")
    if actor.is_platform_admin:
        return qs
    if not actor.is_org_staff or not actor.organisation_id:
        return qs.none()
    qs = qs.filter(batch__organisation_id=actor.organisation_id)
    if actor.has(Perm.BATCH_MANAGE):
        return qs
    if actor.has(Perm.EXAM_SCORE) and actor.user is not None:
        mine = StaffAssignment.objects.filter(staff__user=actor.user, duty__in=PANEL_DUTIES).values("session_id")
        marking = BatchStaff.objects.filter(user=actor.user, role=BatchStaff.Role.EXAMINER).values("batch_id")
        return qs.filter(Q(pk__in=mine) | Q(kind=ExamSession.Kind.THEORY_PAPER, batch_id__in=marking))
    return qs.none()


def scoring_session_get_for_actor(*, actor: Actor, pk: int) -> ExamSession:
    return get_scoped_or_404(scoring_sessions_visible_to(actor), pk=pk)


def scoring_attempt_get_for_actor(*, actor: Actor, pk: int) -> Attempt:
    """A candidate's place in a scored session the actor may see. An examiner sees only
    the rooms of their own panels."""
    qs = Attempt.objects.filter(session__in=scoring_sessions_visible_to(actor)).select_related(
        "session", "session__batch", "session__practical_task", "session__blueprint", "application", "room",
        "application__item", "application__item__level")
    attempt = get_scoped_or_404(qs, pk=pk)
    manager = actor.has(Perm.BATCH_MANAGE) or actor.is_platform_admin
    if not manager and (actor.user is None or not any(a.staff.user_id == actor.user.pk for a in panel_of(attempt))):
        raise Http404(_("未找到该记录，或您无权查看。"))
    return attempt


def score_sheet_get_for_actor(*, actor: Actor, pk: int) -> ScoreSheet:
    sheet = get_scoped_or_404(ScoreSheet.objects.select_related("attempt"), pk=pk)
    scoring_attempt_get_for_actor(actor=actor, pk=sheet.attempt_id)
    return sheet


def score_entry_get_for_actor(*, actor: Actor, pk: int) -> ScoreEntry:
    entry = get_scoped_or_404(ScoreEntry.objects.select_related("sheet"), pk=pk)
    scoring_attempt_get_for_actor(actor=actor, pk=entry.sheet.attempt_id)
    return entry


def score_change_get_for_actor(*, actor: Actor, pk: int) -> ScoreChange:
    change = get_scoped_or_404(ScoreChange.objects.select_related("entry__sheet"), pk=pk)
    scoring_attempt_get_for_actor(actor=actor, pk=change.entry.sheet.attempt_id)
    return change


@dataclass
class SheetRow:
    """One candidate on a session's scoring page."""

    attempt: Attempt
    sheet: ScoreSheet | None
    entries: int
    my_entry: ScoreEntry | None
    pending_changes: int

    @property
    def status_label(self) -> str:
        if self.attempt.status == Attempt.Status.ABSENT:
            return _("缺考")
        if self.sheet is None:
            return _("未评分")
        return str(self.sheet.get_status_display())


@dataclass
class RoomPanel:
    room: Any
    panel: list[StaffAssignment]
    rows: list[SheetRow] = field(default_factory=list)
    is_leader: bool = False
    is_member: bool = False

    @property
    def markers(self) -> bool:
        return is_paper_markers(self.panel)

    @property
    def ready(self) -> int:
        needed = 1 if self.markers else len(self.panel)
        return sum(1 for r in self.rows if r.sheet and not r.sheet.is_locked and r.entries >= needed)


def session_rooms(session: ExamSession, actor: Actor) -> list[RoomPanel]:
    """The session's candidates grouped by room with the room's panel and each sheet's
    state; an examiner gets only the rooms of their own panels."""
    attempts = list(Attempt.objects.filter(session=session).select_related("application", "room")
                    .order_by("room__name", "ticket_number"))
    sheets = {s.attempt_id: s for s in ScoreSheet.objects.filter(attempt__session=session).annotate(
        n=Count("entries", distinct=True))}
    mine = {}
    pending: dict[int, int] = defaultdict(int)
    if actor.user is not None:
        mine = {e.sheet.attempt_id: e for e in ScoreEntry.objects.filter(
            sheet__attempt__session=session, examiner__user=actor.user).select_related("sheet")}
    for sheet_id in ScoreChange.objects.filter(entry__sheet__attempt__session=session,
                                               status=ScoreChange.Status.PENDING).values_list("entry__sheet_id",
                                                                                              flat=True):
        pending[sheet_id] += 1
    rooms: dict[Any, RoomPanel] = {}
    for attempt in attempts:
        key = attempt.room_id
        if key not in rooms:
            panel = panel_of(attempt)
            user_id = actor.user.pk if actor.user is not None else None
            rooms[key] = RoomPanel(
                room=attempt.room, panel=panel,
                is_member=any(a.staff.user_id == user_id for a in panel),
                is_leader=any(a.staff.user_id == user_id and a.duty == StaffAssignment.Duty.LEADER for a in panel))
        sheet = sheets.get(attempt.pk)
        rooms[key].rows.append(SheetRow(attempt=attempt, sheet=sheet, entries=getattr(sheet, "n", 0) if sheet else 0,
                                        my_entry=mine.get(attempt.pk),
                                        pending_changes=pending.get(sheet.pk, 0) if sheet else 0))
    visible = list(rooms.values())
    if not actor.has(Perm.BATCH_MANAGE) and not actor.is_platform_admin:
        visible = [r for r in visible if r.is_member]
    return visible


def scoring_progress(batch: Batch) -> list[dict[str, Any]]:
    """Per session of the batch: candidates, absent, sheets locked (or CBT totals confirmed)."""
    rows = []
    sessions = (ExamSession.objects.filter(batch=batch).select_related("batch_item", "batch_item__occupation",
                                                                      "batch_item__work_type", "batch_item__level")
                .annotate(candidates=Count("attempts", distinct=True),
                          absent=Count("attempts", filter=Q(attempts__status=Attempt.Status.ABSENT), distinct=True),
                          confirmed=Count("attempts", filter=Q(attempts__confirmed_at__isnull=False), distinct=True),
                          locked=Count("attempts", filter=Q(attempts__score_sheet__status=ScoreSheet.Status.LOCKED),
                                       distinct=True))
                .order_by("starts_at"))
    for session in sessions:
        done = session.confirmed if session.kind == ExamSession.Kind.THEORY_CBT else session.locked
        rows.append({"session": session, "candidates": session.candidates, "absent": session.absent, "done": done,
                     "complete": done + session.absent >= session.candidates, "on_sheets": session.kind in SCORED_KINDS})
    return rows


# ---------------------------------------------------------------------------------------------
# Results, publicity and objections


def _result_related(qs: QuerySet[Result]) -> QuerySet[Result]:
    return qs.select_related("batch", "application", "application__person", "application__item",
                             "application__item__occupation", "application__item__work_type",
                             "application__item__level")


def results_visible_to(actor: Actor) -> QuerySet[Result]:
    """Full results (module scores): the organisation's exam affairs, the authority once
    reported, the candidate their own once published."""
    qs = _result_related(Result.objects.all())
    if actor.is_platform_admin:
        return qs
    condition = Q(pk__in=[])
    if actor.has(Perm.BATCH_MANAGE) and actor.organisation_id:
        condition |= Q(batch__organisation_id=actor.organisation_id)
    if actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(batch__plan_jurisdiction_id__in=actor.jurisdiction_ids, batch__reports__isnull=False)
    if actor.person_id:
        condition |= Q(application__person_id=actor.person_id, batch__publicity__starts_on__lte=timezone.localdate())
    return qs.filter(condition).distinct()


def result_get_for_actor(*, actor: Actor, pk: int) -> Result:
    return get_scoped_or_404(results_visible_to(actor), pk=pk)


def own_results(actor: Actor, today: dt.date | None = None) -> QuerySet[Result]:
    """The candidate's own results whose publicity has started."""
    if actor.person_id is None:
        return Result.objects.none()
    today = today or timezone.localdate()
    return _result_related(Result.objects.filter(application__person_id=actor.person_id,
                                                 batch__publicity__starts_on__lte=today)).select_related(
        "batch__publicity", "batch__organisation").order_by("-batch__publicity__starts_on")


def publicity_batches_visible_to(actor: Actor, today: dt.date | None = None) -> QuerySet[Batch]:
    """Batches whose publicity list the actor may read: inside the organisation (its staff
    and workforce) and the batch's candidates, from the first day of publicity; the
    authority once reported."""
    today = today or timezone.localdate()
    qs = Batch.objects.filter(publicity__isnull=False).select_related("organisation", "publicity")
    if actor.is_platform_admin:
        return qs
    condition = Q(pk__in=[])
    if actor.is_org_staff and actor.organisation_id:
        condition |= Q(organisation_id=actor.organisation_id)
    if actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(plan_jurisdiction_id__in=actor.jurisdiction_ids, reports__isnull=False)
    if actor.person_id:
        employer = Person.objects.filter(pk=actor.person_id).values_list("organisation_id", flat=True).first()
        inside = Q(applications__person_id=actor.person_id) & ~Q(applications__status=Application.Status.WITHDRAWN)
        if employer:
            inside |= Q(organisation_id=employer)
        condition |= inside & Q(publicity__starts_on__lte=today)
    return qs.filter(condition).distinct()


def publicity_batch_get_for_actor(*, actor: Actor, pk: int) -> Batch:
    return get_scoped_or_404(publicity_batches_visible_to(actor), pk=pk)


def publicity_list(batch: Batch) -> QuerySet[Result]:
    """The published list: name, occupation (work type), level, total score and outcome."""
    return _result_related(Result.objects.filter(batch=batch)).order_by(
        "application__item__occupation__code", "application__item__level__code", "application__number")


def objections_visible_to(actor: Actor) -> QuerySet[Objection]:
    qs = Objection.objects.select_related("batch", "result", "result__application", "raised_by", "decided_by")
    if actor.is_platform_admin:
        return qs
    condition = Q(pk__in=[])
    if actor.has(Perm.BATCH_MANAGE) and actor.organisation_id:
        condition |= Q(batch__organisation_id=actor.organisation_id)
    if actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(batch__plan_jurisdiction_id__in=actor.jurisdiction_ids, batch__reports__isnull=False)
    if actor.user is not None:
        condition |= Q(raised_by=actor.user)
    return qs.filter(condition).distinct()


def objection_get_for_actor(*, actor: Actor, pk: int) -> Objection:
    return get_scoped_or_404(objections_visible_to(actor), pk=pk)


# ---------------------------------------------------------------------------------------------
# Reports


def reports_visible_to(actor: Actor) -> QuerySet[Report]:
    qs = Report.objects.select_related("batch", "batch__organisation", "submitted_by", "decided_by")
    if actor.is_platform_admin:
        return qs
    condition = Q(pk__in=[])
    if actor.has(Perm.BATCH_MANAGE) and actor.organisation_id:
        condition |= Q(batch__organisation_id=actor.organisation_id)
    if actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(batch__plan_jurisdiction_id__in=actor.jurisdiction_ids)
    return qs.filter(condition)


def report_get_for_actor(*, actor: Actor, pk: int) -> Report:
    return get_scoped_or_404(reports_visible_to(actor), pk=pk)


def certifiable_results(batch: Batch) -> QuerySet[Result]:
    """What the certificates app issues to: the passed results of a batch whose latest
    report the authority has accepted (nothing otherwise)."""
    latest = Report.objects.filter(batch=batch).order_by("-version").first()
    if latest is None or latest.status != Report.Status.ACCEPTED:
        return Result.objects.none()
    return Result.objects.filter(batch=batch, passed=True).select_related(
        "batch", "batch__organisation", "application", "application__person", "application__person__id_type",
        "application__person__organisation", "application__item", "application__item__occupation",
        "application__item__work_type", "application__item__level").order_by("application__number")
