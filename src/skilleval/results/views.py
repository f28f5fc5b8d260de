"""Pages of results: examiners' score sheets, the batch's results workbench (compile,
approve, publicity, objections, report), the authority's review of reports, the
publicity list and the candidate's own results. Every lookup goes through the scoped
selectors (404 outside the actor's scope); every write through a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Perm
from skilleval.batches.models import Application
from skilleval.catalog.models import PolicyProfile
from skilleval.core.errors import DomainError
from skilleval.core.selectors import audit_events_visible_to
from skilleval.core.views import (
    ActionView,
    ActorView,
    Column,
    ListPageMixin,
    apply_domain_error,
    form_errors_text,
)
from skilleval.core.workdays import working_calendar

from . import forms, selectors
from .models import Objection, Publicity, Report, Result, ResultBook, ScoreChange, ScoreSheet
from .services import outcomes, publicity, reports, scoring
from .services.common import profile_of

AREA_PERMISSIONS = (Perm.BATCH_MANAGE, Perm.EXAM_SCORE, Perm.RESULT_REVIEW, Perm.CANDIDATE_SELF)
RESULT_COLOURS = {"pending": "secondary", "scored": "info", "approved": "success", "absent": "dark",
                  "disqualified": "danger"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _badge(label, colour, testid="status"):
    return format_html('<span class="badge text-bg-{}" data-testid="{}">{}</span>', colour, testid, label)


def _stage_badge(batch):
    stage = selectors.stage_of(batch)
    return _badge(selectors.STAGES[stage], selectors.STAGE_COLOURS[stage], "stage")


def _outcome_badge(result):
    colour = "success" if result.passed else RESULT_COLOURS.get(result.status, "secondary")
    if result.status in (Result.Status.SCORED, Result.Status.APPROVED) and not result.passed:
        colour = "warning"
    return _badge(result.outcome_label, colour, "outcome")


def _events(actor, objects):
    if not actor.has(Perm.AUDIT_VIEW):
        return []
    condition = Q(pk__in=[])
    for obj in objects:
        if obj is not None and obj.pk:
            condition |= Q(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(audit_events_visible_to(actor).filter(condition).order_by("occurred_at", "id")[:300])


def _download(content, filename, content_type=XLSX):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Home: batches and their stage, the examiner's sessions


class ResultsHomeView(ListPageMixin, ActorView):
    permission = Perm.HOME
    template_name = "results/home.html"
    filter_form_class = forms.BatchFilterForm
    default_sort = "-first_exam_date"
    export_name = "results-batches"
    empty_title = gettext_lazy("暂无需要办理成绩的批次")
    empty_text = gettext_lazy("认定计划经人社部门确认并组织考核后，批次在这里汇总成绩、公示和报备；"
                              "人社部门在机构报备评价结果后看到该批次。")

    def dispatch(self, request, *args, **kwargs):
        self.today = timezone.localdate()
        self.calendar = working_calendar()
        return super().dispatch(request, *args, **kwargs)

    @property
    def columns(self):
        def deadline(batch):
            due, label = selectors.stage_deadline(batch, self.today, self.calendar)
            return f"{label}：{due.label}" if due else ""

        def deadline_html(batch):
            due, label = selectors.stage_deadline(batch, self.today, self.calendar)
            if due is None:
                return ""
            return format_html('<span class="{}" data-testid="deadline">{}：{}</span>',
                               "text-danger fw-semibold" if due.overdue else "", label, due.label)

        return [
            Column("code", _("批次编号"), sort="code"),
            Column("name", _("批次名称"), sort="name", html=lambda b: format_html(
                '<a href="{}">{}</a>', reverse("results:batch", args=[b.pk]), b.name)),
            Column("organisation__name", _("评价机构"), sort="organisation__name"),
            Column("stage", _("阶段"), value=lambda b: str(selectors.STAGES[selectors.stage_of(b)]),
                   html=_stage_badge),
            Column("last_exam_date", _("评价结束"), sort="last_exam_date"),
            Column("passed_count", _("合格/结果"), value=lambda b: f"{b.passed_count or 0}/{b.result_count or 0}"),
            Column("deadline", _("期限"), value=deadline, html=deadline_html),
        ]

    def get(self, request, *args, **kwargs):
        actor = request.actor
        if not (actor.is_platform_admin or any(actor.has(p) for p in AREA_PERMISSIONS)):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        if actor.is_candidate and not actor.is_org_staff and not actor.is_authority and not actor.is_platform_admin:
            return redirect("results:mine")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        actor = self.request.actor
        if not (actor.has(Perm.BATCH_MANAGE) or actor.has(Perm.RESULT_REVIEW) or actor.is_platform_admin):
            return selectors.result_batches_visible_to(actor).none()
        return selectors.result_batches_visible_to(actor)

    def apply_filters(self, queryset, data):
        if data.get("q"):
            queryset = queryset.filter(Q(name__contains=data["q"]) | Q(code__startswith=data["q"]))
        return queryset

    def extra_context(self):
        actor = self.request.actor
        sessions = []
        if actor.has(Perm.EXAM_SCORE) and not actor.has(Perm.BATCH_MANAGE):
            sessions = list(selectors.scoring_sessions_visible_to(actor).order_by("-starts_at")[:50])
        return {"sessions": sessions, "manager": actor.has(Perm.BATCH_MANAGE),
                "authority": actor.is_authority}


# ---------------------------------------------------------------------------------------------
# The batch's workbench


def _batch_context(request, batch, **forms_in):
    actor = request.actor
    today = timezone.localdate()
    calendar = working_calendar()
    manager = selectors.is_manager(actor, batch)
    book = ResultBook.objects.filter(batch=batch).select_related("approved_by").first()
    publicity_row = Publicity.objects.filter(batch=batch).first()
    report_rows = list(Report.objects.filter(batch=batch).select_related("submitted_by", "decided_by")
                       .order_by("-version"))
    latest = report_rows[0] if report_rows else None
    counts: dict[str, int] = {}
    for status in Result.objects.filter(batch=batch).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    profile = profile_of(batch)
    objections = list(selectors.objections_visible_to(actor).filter(batch=batch).order_by("status", "-created_at"))
    results_qs = Result.objects.filter(batch=batch).select_related("application", "application__item")
    record_items = [i for i in batch.items.select_related("occupation", "work_type", "level")
                    if i.method in outcomes.RECORD_METHODS]
    recognition_rows = []
    if manager and record_items:
        recognition_rows = list(Application.objects.filter(
            batch=batch, item__in=record_items, status=Application.Status.ACCEPTED).select_related(
            "item", "item__level", "recognition").order_by("number"))
    deadline, deadline_label = selectors.stage_deadline(batch, today, calendar)
    return {
        "batch": batch, "stage": selectors.stage_of(batch), "stage_label": selectors.STAGES[selectors.stage_of(batch)],
        "stage_colour": selectors.STAGE_COLOURS[selectors.stage_of(batch)],
        "manager": manager, "decider": selectors.is_receiving_authority(actor, batch),
        "book": book, "profile": profile, "day_kind": PolicyProfile.DayKind(profile.publicity_day_kind).label,
        "progress": selectors.scoring_progress(batch) if manager else [],
        "counts": counts, "passed": Result.objects.filter(batch=batch, passed=True).count(),
        "total": sum(counts.values()),
        "publicity": publicity_row, "objections": objections,
        "open_objections": sum(1 for o in objections if o.is_open),
        "publicity_running": publicity_row is not None and publicity_row.is_running(today),
        "can_close": publicity_row is not None and publicity_row.status == Publicity.Status.OPEN
        and today > publicity_row.ends_on,
        "reports": report_rows, "latest": latest, "deadline": deadline, "deadline_label": deadline_label,
        "recognition_rows": recognition_rows, "today": today,
        "rule_form": forms_in.get("rule_form") or forms.PanelRuleForm(
            prefix="rule", initial={"panel_rule": book.panel_rule if book else "mean"}),
        "approve_form": forms.ApproveForm(prefix="approve"),
        "revoke_form": forms.ReasonForm(prefix="revoke"),
        "publicity_form": forms.PublicityStartForm(prefix="publicity", initial={"starts_on": today}),
        "submit_form": forms.ReportSubmitForm(prefix="submit"),
        "return_form": forms.ReasonForm(prefix="return"),
        "decide_form_factory": lambda o: forms.ObjectionDecideForm(prefix=f"objection{o.pk}", results=results_qs,
                                                                   initial={"result": o.result_id}),
        "recognition_form": forms.RecognitionForm(prefix="recognition"),
        "events": _events(actor, [book, publicity_row, *report_rows, *objections]),
    }


class BatchResultsView(ActorView):
    permission = Perm.HOME

    def get(self, request, pk):
        batch = selectors.result_batch_get_for_actor(actor=request.actor, pk=pk)
        actor = request.actor
        if not (actor.has(Perm.BATCH_MANAGE) or actor.has(Perm.RESULT_REVIEW) or actor.is_platform_admin):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        context = _batch_context(request, batch)
        context["decide_forms"] = [(o, context["decide_form_factory"](o)) for o in context["objections"]]
        return render(request, "results/batch.html", context)


class BatchAction(ActionView):
    """A POST on a batch's results by its exam affairs."""

    permission = Perm.BATCH_MANAGE

    def get_object(self, request, pk, **kwargs):
        return selectors.result_batch_get_for_actor(actor=request.actor, pk=pk)

    def success_url(self, request, obj, **kwargs):
        return reverse("results:batch", args=[obj.pk]) + getattr(self, "anchor", "")


class PanelRuleView(BatchAction):
    form_class = forms.PanelRuleForm
    form_prefix = "rule"
    anchor = "#scoring"

    def perform(self, request, obj, data):
        scoring.panel_rule_set(actor=request.actor, batch=obj, rule=data["panel_rule"])
        return _("已保存考评组评分合成规则。")


class CompileView(BatchAction):
    anchor = "#results"

    def perform(self, request, obj, data):
        summary = outcomes.results_compile(actor=request.actor, batch=obj)
        message = _("已汇总 %(n)d 名考生的成绩，合格 %(p)d 人。") % {"n": sum(summary.counts.values()),
                                                               "p": summary.passed}
        if summary.pending:
            name, why = summary.pending[0]
            message += _("还有 %(n)d 人未完成（如 %(a)s：%(w)s）。") % {"n": len(summary.pending), "a": name, "w": why}
        return message


class ApproveView(BatchAction):
    form_class = forms.ApproveForm
    form_prefix = "approve"
    anchor = "#results"

    def perform(self, request, obj, data):
        count = outcomes.results_approve(actor=request.actor, batch=obj, committee_note=data["committee_note"])
        return _("评价委员会已审定 %(n)d 名考生的评价结果，可以发布公示。") % {"n": count}


class RevokeView(BatchAction):
    form_class = forms.ReasonForm
    form_prefix = "revoke"
    anchor = "#results"

    def perform(self, request, obj, data):
        outcomes.results_approval_revoke(actor=request.actor, batch=obj, reason=data["reason"])
        return _("已撤销审定，可重新汇总成绩。")


class RecognitionView(BatchAction):
    form_class = forms.RecognitionForm
    form_prefix = "recognition"
    anchor = "#recognition"

    def perform(self, request, obj, data):
        application = Application.objects.filter(batch=obj, pk=self.kwargs["application_id"]).first()
        if application is None:
            raise Http404(_("未找到该记录，或您无权查看。"))
        outcomes.recognition_record(actor=request.actor, application=application, passed=data["passed"],
                                    basis=data["basis"])
        return _("已登记 %(n)s 的认定结果。") % {"n": application.name}


class PublicityStartView(BatchAction):
    form_class = forms.PublicityStartForm
    form_prefix = "publicity"
    anchor = "#publicity"

    def perform(self, request, obj, data):
        row = publicity.publicity_start(actor=request.actor, batch=obj, starts_on=data["starts_on"],
                                        notice=data["notice"])
        return _("已发布公示：%(a)s 至 %(b)s。考生已收到通知。") % {"a": row.starts_on.isoformat(),
                                                                "b": row.ends_on.isoformat()}


class PublicityCloseView(BatchAction):
    anchor = "#publicity"

    def perform(self, request, obj, data):
        row = publicity.publicity_close(actor=request.actor, batch=obj)
        return _("公示已结束，请于 %(d)s 前向人社部门报备结果。") % {"d": row.report_due_on.isoformat()}


class ObjectionDecideView(ActionView):
    permission = Perm.BATCH_MANAGE

    def get_object(self, request, pk, **kwargs):
        return selectors.objection_get_for_actor(actor=request.actor, pk=pk)

    def post(self, request, pk):
        objection = self.get_object(request, pk)
        results = Result.objects.filter(batch_id=objection.batch_id).select_related("application",
                                                                                  "application__item")
        form = forms.ObjectionDecideForm(request.POST, prefix=f"objection{objection.pk}", results=results)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
        else:
            data = form.cleaned_data
            try:
                publicity.objection_decide(actor=request.actor, objection=objection, decision=data["decision"],
                                           reason=data["reason"], result=data["result"], scores=form.scores(),
                                           passed=data["passed"], disqualify=data["disqualify"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已处理异议。"))
        return redirect(reverse("results:batch", args=[objection.batch_id]) + "#objections")


class ReportSubmitView(BatchAction):
    form_class = forms.ReportSubmitForm
    form_prefix = "submit"
    anchor = "#report"

    def perform(self, request, obj, data):
        report = reports.report_submit(actor=request.actor, batch=obj, note=data["note"])
        return _("已向%(a)s报备评价结果（第 %(v)d 版）。") % {
            "a": obj.plan_jurisdiction.authority_name or obj.plan_jurisdiction.name, "v": report.version}


class ReportDecideView(ActionView):
    permission = Perm.RESULT_REVIEW

    def get_object(self, request, pk, **kwargs):
        return selectors.report_get_for_actor(actor=request.actor, pk=pk)

    def post(self, request, pk, decision):
        report = self.get_object(request, pk)
        try:
            if decision == "accept":
                reports.report_accept(actor=request.actor, report=report)
                messages.success(request, _("已接收第 %(v)d 版报备。") % {"v": report.version})
            elif decision == "return":
                form = forms.ReasonForm(request.POST, prefix="return")
                reason = form.cleaned_data["reason"] if form.is_valid() else ""
                report = reports.report_return(actor=request.actor, report=report, reason=reason)
                messages.success(request, _("已退回，机构须于 %(d)s 前更正后重新报送。") % {
                    "d": report.correction_due_on.isoformat()})
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(reverse("results:batch", args=[report.batch_id]) + "#report")


class ReportFileView(ActorView):
    permission = Perm.HOME

    def get(self, request, pk, kind):
        report = selectors.report_get_for_actor(actor=request.actor, pk=pk)
        if kind not in reports.FILES:
            raise Http404
        try:
            content, filename = reports.report_file(actor=request.actor, report=report, kind=kind)
        except DomainError as exc:
            raise Http404(exc.message) from None
        return _download(content, filename)


# ---------------------------------------------------------------------------------------------
# The results list (and corrections after a return)


class ResultListView(ListPageMixin, ActorView):
    permission = Perm.HOME
    template_name = "results/result_list.html"
    filter_form_class = forms.ResultFilterForm
    default_sort = "application__number"
    export_name = "results"
    empty_title = gettext_lazy("尚未汇总成绩")
    empty_text = gettext_lazy("全部评分表签字锁定、机考成绩复核确认后，在批次页面点击“汇总成绩”。")

    def dispatch(self, request, pk, *args, **kwargs):
        self.batch = selectors.result_batch_get_for_actor(actor=request.actor, pk=pk)
        return super().dispatch(request, pk, *args, **kwargs)

    @property
    def columns(self):
        correcting = self.batch.report_status == Report.Status.RETURNED and selectors.is_manager(
            self.request.actor, self.batch)
        columns = [
            Column("application__number", _("报名号"), sort="application__number"),
            Column("application__name", _("姓名"), sort="application__name"),
            Column("item", _("职业（工种）及等级"), value=lambda r: str(r.application.item)),
            Column("theory_score", _("理论知识"), sort="theory_score"),
            Column("practical_score", _("操作技能"), sort="practical_score"),
            Column("review_score", _("综合评审/业绩"), sort="review_score"),
            Column("total_score", _("综合成绩"), sort="total_score"),
            Column("outcome", _("结果"), value=lambda r: r.outcome_label, html=_outcome_badge),
            Column("get_status_display", _("状态"), sort="status"),
            Column("note", _("备注")),
        ]
        if correcting:
            columns.append(Column("correct", _("更正"), value=lambda r: "", html=lambda r: format_html(
                '<a href="{}">{}</a>', reverse("results:result_correct", args=[r.pk]), _("更正"))))
        return columns

    def get(self, request, *args, **kwargs):
        actor = request.actor
        if not (selectors.is_manager(actor, self.batch) or actor.has(Perm.RESULT_REVIEW)
                or actor.is_platform_admin):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.results_visible_to(self.request.actor).filter(batch=self.batch)

    def apply_filters(self, queryset, data):
        if data.get("q"):
            queryset = queryset.filter(Q(application__name__contains=data["q"])
                                       | Q(application__number__startswith=data["q"]))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("outcome") == "passed":
            queryset = queryset.filter(passed=True)
        elif data.get("outcome") == "failed":
            queryset = queryset.filter(passed=False)
        return queryset

    def extra_context(self):
        return {"batch": self.batch}


class ResultCorrectView(ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "results/result_correct.html"

    def _result(self, request, pk):
        return selectors.result_get_for_actor(actor=request.actor, pk=pk)

    def get(self, request, pk):
        result = self._result(request, pk)
        return render(request, self.template_name, {"result": result, "form": forms.ResultCorrectForm()})

    def post(self, request, pk):
        result = self._result(request, pk)
        form = forms.ResultCorrectForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                reports.result_correct(actor=request.actor, result=result, reason=data["reason"],
                                       scores=form.scores(), passed=data["passed"], disqualify=data["disqualify"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已更正 %(n)s 的结果；请在批次页面重新报送。") % {
                    "n": result.application.name})
                return redirect("results:result_list", pk=result.batch_id)
        return render(request, self.template_name, {"result": result, "form": form}, status=400)


# ---------------------------------------------------------------------------------------------
# Scoring: the session's rooms and a candidate's sheet


class SessionScoringView(ActorView):
    permission = Perm.HOME
    template_name = "results/session.html"

    def get(self, request, pk):
        actor = request.actor
        if not (actor.has(Perm.EXAM_SCORE) or actor.has(Perm.BATCH_MANAGE)):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        session = selectors.scoring_session_get_for_actor(actor=actor, pk=pk)
        rooms = selectors.session_rooms(session, actor)
        profile = profile_of(session.batch)
        problems = {id(r): scoring.panel_problem(scoring.SHEET_KIND[session.kind], r.panel, profile) for r in rooms}
        return render(request, self.template_name, {
            "session": session, "rooms": [(r, problems[id(r)]) for r in rooms], "profile": profile,
            "book": ResultBook.objects.filter(batch=session.batch).first()})


class RoomSignOffView(ActionView):
    permission = Perm.EXAM_SCORE

    def get_object(self, request, pk, **kwargs):
        return selectors.scoring_session_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, obj, data):
        room = request.POST.get("room", "")
        count = scoring.score_sheets_sign_off(actor=request.actor, session=obj,
                                              room_id=int(room) if room.isdigit() else None)
        return _("已签字锁定 %(n)d 份评分表。") % {"n": count}

    def success_url(self, request, obj, **kwargs):
        return reverse("results:session", args=[obj.pk])


def _entry_visible(actor, sheet, entry, place, manager) -> bool:
    """Scores are independent: before sign-off a member sees only their own entry."""
    if manager or sheet.is_locked:
        return True
    return place is not None and entry.examiner_id == place.staff_id


def _sheet_context(request, attempt, form=None, change_form=None):
    actor = request.actor
    sheet = ScoreSheet.objects.filter(attempt=attempt).first()
    panel = scoring.panel_of(attempt)
    place = next((a for a in panel if actor.user is not None and a.staff.user_id == actor.user.pk), None)
    manager = actor.has(Perm.BATCH_MANAGE) and actor.organisation_id == attempt.session.batch.organisation_id
    entries = list(sheet.entries.select_related("examiner", "entered_by")) if sheet else []
    mine = next((e for e in entries if place is not None and e.examiner_id == place.staff_id), None)
    try:
        rubric = sheet.rubric if sheet else scoring.rubric_for(attempt.session)
        rubric_error = ""
    except DomainError as exc:
        rubric, rubric_error = [], exc.message
    book = ResultBook.objects.filter(batch=attempt.session.batch).first()
    approved = book is not None and book.approved_at is not None
    refusal = scoring.attempt_refusal(attempt) or rubric_error
    problem = scoring.panel_problem(scoring.SHEET_KIND.get(attempt.session.kind, ""), panel,
                                    profile_of(attempt.session.batch)) if attempt.session.kind in scoring.SHEET_KIND \
        else None
    initial = [row.get("score") for row in mine.scores] if mine else []
    changes = list(ScoreChange.objects.filter(entry__sheet=sheet).select_related(
        "entry__examiner", "requested_by", "decided_by").order_by("-created_at")) if sheet else []
    is_leader = place is not None and place.duty == "leader"
    can_change = bool(sheet and sheet.is_locked and mine is not None and not approved)
    return {
        "attempt": attempt, "session": attempt.session, "sheet": sheet, "panel": panel, "place": place,
        "manager": manager, "is_leader": is_leader, "rubric": rubric, "refusal": refusal, "problem": problem,
        "approved": approved,
        "entries": [(e, _entry_visible(actor, sheet, e, place, manager)) for e in entries],
        "missing": scoring.sheet_missing(sheet, panel) if sheet else [a.staff.name for a in panel],
        "mine": mine,
        "can_enter": place is not None and not refusal and not problem and not approved and not (
            sheet and sheet.is_locked),
        "can_sign": sheet is not None and not sheet.is_locked and not approved and (
            is_leader or (scoring.is_paper_markers(panel) and manager)),
        "markers": scoring.is_paper_markers(panel),
        "can_change": can_change,
        "form": form or forms.RubricScoresForm(rubric=rubric, initial_scores=initial),
        "change_form": change_form or forms.ChangeRequestForm(prefix="change", rubric=rubric,
                                                              initial_scores=initial),
        "changes": changes,
        "can_decide": lambda c: (c.status == ScoreChange.Status.PENDING and actor.user is not None
                                 and c.requested_by_id != actor.user.pk and (is_leader or manager)),
        "events": _events(actor, [sheet]) if sheet else [],
    }


class SheetView(ActorView):
    permission = Perm.HOME
    template_name = "results/sheet.html"

    def _attempt(self, request, pk):
        actor = request.actor
        if not (actor.has(Perm.EXAM_SCORE) or actor.has(Perm.BATCH_MANAGE)):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return selectors.scoring_attempt_get_for_actor(actor=actor, pk=pk)

    def render_sheet(self, request, attempt, status=200, **kwargs):
        context = _sheet_context(request, attempt, **kwargs)
        context["change_rows"] = [(c, context["can_decide"](c)) for c in context["changes"]]
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_sheet(request, self._attempt(request, pk))

    def post(self, request, pk):
        attempt = self._attempt(request, pk)
        request.actor.require(Perm.EXAM_SCORE)
        sheet = ScoreSheet.objects.filter(attempt=attempt).first()
        try:
            rubric = sheet.rubric if sheet else scoring.rubric_for(attempt.session)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("results:sheet", pk=pk)
        form = forms.RubricScoresForm(request.POST, rubric=rubric)
        if form.is_valid():
            try:
                entry = scoring.score_entry_save(actor=request.actor, attempt=attempt, scores=form.scores())
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已保存您的评分：合计 %(t)s 分。") % {"t": entry.total})
                return redirect("results:sheet", pk=pk)
        return self.render_sheet(request, attempt, status=400, form=form)


class SheetSignOffView(ActionView):
    permission = Perm.HOME  # the leader (exam.score) or, for a paper theory exam, exam affairs

    def get_object(self, request, pk, **kwargs):
        if not (request.actor.has(Perm.EXAM_SCORE) or request.actor.has(Perm.BATCH_MANAGE)):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return selectors.score_sheet_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, obj, data):
        sheet = scoring.score_sheet_sign_off(actor=request.actor, sheet=obj)
        return _("评分表已签字锁定，考评组合成得分 %(s)s 分。") % {"s": sheet.combined_score}

    def success_url(self, request, obj, **kwargs):
        return reverse("results:sheet", args=[obj.attempt_id])


class ChangeRequestView(SheetView):
    http_method_names = ["post"]

    def post(self, request, pk):
        actor = request.actor
        actor.require(Perm.EXAM_SCORE)
        entry = selectors.score_entry_get_for_actor(actor=actor, pk=pk)
        attempt = selectors.scoring_attempt_get_for_actor(actor=actor, pk=entry.sheet.attempt_id)
        form = forms.ChangeRequestForm(request.POST, prefix="change", rubric=entry.sheet.rubric)
        if form.is_valid():
            try:
                scoring.score_change_request(actor=actor, entry=entry, scores=form.scores(),
                                             reason=form.cleaned_data["reason"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("更正申请已提交，须由第二人审批后生效。"))
                return redirect("results:sheet", pk=attempt.pk)
        return self.render_sheet(request, attempt, status=400, change_form=form)


class ChangeDecideView(ActionView):
    permission = Perm.HOME
    form_class = forms.NoteForm

    def get_object(self, request, pk, **kwargs):
        actor = request.actor
        if not (actor.has(Perm.EXAM_SCORE) or actor.has(Perm.BATCH_MANAGE)):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return selectors.score_change_get_for_actor(actor=actor, pk=pk)

    def perform(self, request, obj, data):
        if self.kwargs["decision"] == "approve":
            scoring.score_change_approve(actor=request.actor, change=obj, note=data["note"])
            return _("已批准更正，评分表合成得分已重新计算。")
        if self.kwargs["decision"] == "reject":
            scoring.score_change_reject(actor=request.actor, change=obj, note=data["note"])
            return _("已驳回更正申请。")
        raise Http404

    def success_url(self, request, obj, **kwargs):
        return reverse("results:sheet", args=[obj.entry.sheet.attempt_id])


# ---------------------------------------------------------------------------------------------
# Publicity: the list, objections; the candidate's own results


class PublicityView(ActorView):
    permission = Perm.HOME
    template_name = "results/publicity.html"

    def _context(self, request, batch, form=None):
        actor = request.actor
        today = timezone.localdate()
        row = batch.publicity
        rows = list(selectors.publicity_list(batch))
        mine = list(Objection.objects.filter(batch=batch, raised_by=actor.user).select_related(
            "result__application").order_by("-created_at")) if actor.user else []
        return {
            "batch": batch, "publicity": row, "rows": rows, "today": today,
            "running": row.is_running(today),
            "countdown": selectors.countdown(row.ends_on, today, working_calendar(), working=False),
            "may_object": row.is_running(today) and publicity.may_object(actor, batch),
            "form": form or forms.ObjectionForm(results=selectors.publicity_list(batch)),
            "my_objections": mine, "manager": selectors.is_manager(actor, batch),
        }

    def get(self, request, pk):
        batch = selectors.publicity_batch_get_for_actor(actor=request.actor, pk=pk)
        return render(request, self.template_name, self._context(request, batch))

    def post(self, request, pk):
        batch = selectors.publicity_batch_get_for_actor(actor=request.actor, pk=pk)
        form = forms.ObjectionForm(request.POST, results=selectors.publicity_list(batch))
        if form.is_valid():
            try:
                publicity.objection_raise(actor=request.actor, batch=batch, text=form.cleaned_data["text"],
                                          result=form.cleaned_data["result"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("异议已提交，评价委员会将调查处理并告知您结果。"))
                return redirect("results:publicity", pk=pk)
        return render(request, self.template_name, self._context(request, batch, form), status=400)


class MyResultsView(ActorView):
    permission = Perm.CANDIDATE_SELF
    template_name = "results/mine.html"

    def get(self, request):
        actor = request.actor
        results = list(selectors.own_results(actor))
        objections = list(Objection.objects.filter(raised_by=actor.user).select_related("batch").order_by(
            "-created_at")[:20])
        return render(request, self.template_name, {"results": results, "objections": objections})
