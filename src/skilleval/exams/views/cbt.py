"""Pages of the computer-based theory exam (智能化考试).

Staff (behind the normal login and a permission): the sessions of a batch, seating,
closing, the marking queue and the confirmation of scores. Every lookup goes through
the scoped selectors, so another organisation's session, attempt or answer is a 404.

Candidates (no normal login): they sign in with the admission ticket number and their
ID number; the signed-in attempt is kept, signed, in their Django session, and every
candidate page works on that attempt only, never on an id taken from the request. The
pages show the paper without its key, a countdown whose remaining seconds come from the
server at every load, and save each answer with htmx as it changes (a version number
per item, so a repeated or late-arriving save changes nothing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from skilleval.accounts.access import Perm, get_scoped_or_404
from skilleval.batches.models import Batch
from skilleval.batches.selectors import batch_get_for_actor, batches_visible_to
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.core.selectors import audit_events_visible_to
from skilleval.core.templatetags.core_tags import status_colour
from skilleval.core.validators import mask_id_number
from skilleval.core.views import ActionView, ActorView, Column, ListPageMixin, apply_domain_error

from ..forms_cbt import MarkForm, SeatsForm, SessionFilterForm, SessionForm, SignInForm
from ..models import OBJECTIVE_KINDS, Answer, Attempt, ExamSession, ItemKind, PaperItem
from ..selectors import attempts_visible_to, exam_session_get_for_actor, exam_sessions_visible_to
from ..services import cbt

SIGNING_SALT = "skilleval.exams.cbt.attempt"
SESSION_KEY = "cbt_attempt"
SIGN_IN_MAX_AGE = 24 * 3600  # seconds a candidate's exam sign-in stays valid


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


ATTEMPT_COLOURS = {"not_started": "secondary", "in_progress": "info", "submitted": "success",
                   "timed_out": "warning", "absent": "dark"}


def _attempt_badge(attempt: Attempt) -> str:
    return format_html('<span class="badge text-bg-{}" data-testid="attempt-status">{}</span>',
                       ATTEMPT_COLOURS.get(attempt.status, status_colour(attempt.status)), attempt.get_status_display())


def _events(actor, obj, object_type: str) -> list[AuditEvent]:
    if not actor.has(Perm.AUDIT_VIEW):
        return []
    return list(audit_events_visible_to(actor).filter(object_type=object_type, object_id=str(obj.pk))
                .order_by("occurred_at", "id")[:200])


# ---------------------------------------------------------------------------------------------
# Staff: sessions


class SessionListView(ListPageMixin, ActorView):
    permission = Perm.BATCH_VIEW
    template_name = "exams/cbt/session_list.html"
    filter_form_class = SessionFilterForm
    default_sort = "-starts_at"
    export_name = "exam-sessions"
    empty_title = gettext_lazy("暂无机考场次")
    empty_text = gettext_lazy("认定计划经人社部门确认后，考务人员可为批次安排机考场次、编排考生。")
    columns = [
        Column("name", gettext_lazy("场次"), sort="name", html=lambda s: format_html(
            '<a href="{}">{}</a>', reverse("exams:cbt_session_detail", args=[s.pk]), s.name)),
        Column("batch__name", gettext_lazy("认定批次"), sort="batch__name"),
        Column("batch_item", gettext_lazy("职业（工种）及等级"), value=lambda s: str(s.batch_item)),
        Column("get_kind_display", gettext_lazy("考核类型"), sort="kind"),
        Column("room_names", gettext_lazy("考场")),
        Column("starts_at", gettext_lazy("开考时间"), sort="starts_at"),
        Column("duration_minutes", gettext_lazy("时长（分钟）"), sort="duration_minutes"),
        Column("get_mode_display", gettext_lazy("作答方式"), sort="mode"),
        Column("seats", gettext_lazy("考生数"), sort="seats"),
    ]

    def get_queryset(self):
        qs = exam_sessions_visible_to(self.request.actor).select_related(
            "batch_item__occupation", "batch_item__work_type", "batch_item__level").prefetch_related("rooms__site").annotate(seats=Count("attempts"))
        batch = self.request.GET.get("batch", "")
        return qs.filter(batch_id=int(batch)) if batch.isdigit() else qs

    def apply_filters(self, queryset, data):
        if data.get("q"):
            queryset = queryset.filter(name__contains=data["q"])
        return queryset

    def extra_context(self):
        actor = self.request.actor
        confirmed = []
        if actor.has(Perm.BATCH_MANAGE):
            confirmed = list(batches_visible_to(actor).filter(status=Batch.Status.PLAN_CONFIRMED,
                                                              organisation_id=actor.organisation_id))
        return {"confirmed_batches": confirmed}


class SessionCreateView(ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "exams/cbt/session_form.html"

    def _batch(self, request):
        pk = request.GET.get("batch", "")
        if not pk.isdigit():
            raise Http404(_("请先选择认定批次。"))
        return batch_get_for_actor(actor=request.actor, pk=int(pk))

    def get(self, request):
        batch = self._batch(request)
        form = SessionForm(batch=batch, initial={"name": _("理论知识考试第1场"), "per_candidate_papers": True})
        return render(request, self.template_name, {"form": form, "batch": batch})

    def post(self, request):
        batch = self._batch(request)
        form = SessionForm(request.POST, batch=batch)
        if form.is_valid():
            try:
                session = cbt.session_create(actor=request.actor, batch=batch, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已安排%(k)s场次，请编排考生（或在考场编排页自动编排）。") % {
                    "k": session.get_kind_display()})
                return redirect("exams:cbt_session_detail", pk=session.pk)
        return render(request, self.template_name, {"form": form, "batch": batch})


class SessionDetailView(ActorView):
    permission = Perm.BATCH_VIEW

    def get(self, request, pk):
        actor = request.actor
        session = exam_session_get_for_actor(actor=actor, pk=pk)
        attempts = list(session.attempts.select_related("application__person").order_by("ticket_number"))
        for attempt in attempts:
            attempt.masked_id = mask_id_number(attempt.application.person.id_number)
        now = timezone.now()
        manager = actor.has(Perm.BATCH_MANAGE) and actor.organisation_id == session.batch.organisation_id
        context = {
            "session": session,
            "attempts": attempts,
            "counts": cbt.session_counts(session),
            "manager": manager,
            "may_close": (manager or actor.has(Perm.EXAM_PROCTOR)) and now >= session.starts_at
            and any(a.status in cbt.OPEN for a in attempts),
            "marker": actor.has(Perm.EXAM_MARK),
            "seats_form": SeatsForm(session=session) if manager and now < session.ends_at else None,
            "unseated": session.batch_item.applications.filter(status="accepted").exclude(
                pk__in=Attempt.objects.filter(session__batch_item_id=session.batch_item_id,
                                              session__kind__in=cbt.session_part_kinds(session.kind)).exclude(
                    status=Attempt.Status.ABSENT).values("application_id")).count(),
            "events": _events(actor, session, "exams.examsession"),
            "now": now,
        }
        return render(request, "exams/cbt/session_detail.html", context)


class SeatsAssignView(ActionView):
    permission = Perm.BATCH_MANAGE

    def get_object(self, request, **kwargs):
        return exam_session_get_for_actor(actor=request.actor, pk=kwargs["pk"])

    def post(self, request, **kwargs):
        session = self.get_object(request, **kwargs)
        form = SeatsForm(request.POST, session=session)
        if not form.is_valid():
            messages.error(request, _("请选择有效的试卷。"))
        else:
            try:
                attempts = cbt.seats_assign(actor=request.actor, session=session, paper=form.cleaned_data["paper"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已编排考生 %(n)d 人并生成准考证号。") % {"n": len(attempts)})
        return redirect("exams:cbt_session_detail", pk=session.pk)


class SessionCloseView(ActionView):
    permission = Perm.BATCH_VIEW  # the service admits exam affairs and proctors

    def get_object(self, request, **kwargs):
        return exam_session_get_for_actor(actor=request.actor, pk=kwargs["pk"])

    def perform(self, request, obj, data):
        result = cbt.session_close(actor=request.actor, session=obj)
        return _("本场考试已结束：超时自动交卷 %(t)d 人，缺考 %(a)d 人。") % {"t": result.timed_out, "a": result.absent}

    def success_url(self, request, obj, **kwargs):
        return reverse("exams:cbt_session_detail", args=[obj.pk])


# ---------------------------------------------------------------------------------------------
# Staff: marking and confirmation


def _answer_get_for_actor(actor, pk: int) -> Answer:
    return get_scoped_or_404(Answer.objects.filter(attempt__in=attempts_visible_to(actor).filter(
        session__batch__organisation_id=actor.organisation_id)).select_related(
        "attempt__session", "paper_item__item", "marked_by"), pk=pk)


class MarkingQueueView(ActorView):
    permission = Perm.EXAM_MARK

    def get(self, request, pk):
        session = exam_session_get_for_actor(actor=request.actor, pk=pk)
        answers = list(cbt.marking_queue(session, include_marked=True))
        return render(request, "exams/cbt/marking.html", {
            "session": session, "answers": answers, "to_mark": sum(1 for a in answers if a.marker_score is None),
            "ready": list(session.attempts.filter(status__in=cbt.FINISHED, confirmed_at__isnull=True)
                          .order_by("ticket_number")),
        })


class AnswerMarkView(ActorView):
    permission = Perm.EXAM_MARK
    http_method_names = ["post"]

    def post(self, request, pk):
        answer = _answer_get_for_actor(request.actor, pk)
        form = MarkForm(request.POST, prefix=f"a{answer.pk}")
        error = ""
        if not form.is_valid():
            error = form.errors.get("score", [_("请填写分数。")])[0]
        else:
            try:
                answer = cbt.marker_mark(actor=request.actor, answer=answer, score=form.cleaned_data["score"])
            except DomainError as exc:
                error = exc.message
        if request.headers.get("HX-Request"):
            answer = _answer_get_for_actor(request.actor, pk)
            html = render_to_string("exams/cbt/_mark_row.html", {
                "a": answer, "form": form if error else MarkForm(prefix=f"a{answer.pk}"), "error": error,
                "saved": not error}, request=request)
            return HttpResponse(html, status=200)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("已评分。"))
        return redirect("exams:cbt_marking", pk=answer.attempt.session_id)


class AttemptDetailView(ActorView):
    """One candidate's answer sheet for staff: the log of every action, the answers with
    their automatic and manual marks, and the marker's confirmation. The key is shown to
    markers only."""

    permission = Perm.BATCH_VIEW

    def get(self, request, pk):
        actor = request.actor
        attempt = get_scoped_or_404(attempts_visible_to(actor).filter(
            session__batch__organisation_id=actor.organisation_id).select_related(
            "application__person", "session__batch", "confirmed_by"), pk=pk)
        answers = {a.paper_item_id: a for a in attempt.answers.select_related("marked_by")}
        rows = []
        for paper_item in PaperItem.objects.filter(paper_id=attempt.paper_id).select_related("item").order_by("order"):
            rows.append({"paper_item": paper_item, "item": paper_item.item, "answer": answers.get(paper_item.pk),
                         "objective": paper_item.item.kind in OBJECTIVE_KINDS})
        marker = actor.has(Perm.EXAM_MARK)
        return render(request, "exams/cbt/attempt_detail.html", {
            "attempt": attempt, "session": attempt.session, "rows": rows, "marker": marker,
            "masked_id": mask_id_number(attempt.application.person.id_number),
            "log": attempt.log.all(), "ready": cbt.attempt_ready_to_confirm(attempt),
            "events": _events(actor, attempt, "exams.attempt"), "short_kind": ItemKind.SHORT,
        })


class AttemptConfirmView(ActionView):
    permission = Perm.EXAM_MARK

    def get_object(self, request, **kwargs):
        actor = request.actor
        return get_scoped_or_404(attempts_visible_to(actor).filter(
            session__batch__organisation_id=actor.organisation_id), pk=kwargs["pk"])

    def perform(self, request, obj, data):
        attempt = cbt.attempt_confirm(actor=request.actor, attempt=obj)
        return _("已复核确认成绩：%(t)s 合计 %(s)s 分。") % {"t": attempt.ticket_number, "s": attempt.total_score}

    def success_url(self, request, obj, **kwargs):
        return reverse("exams:cbt_attempt_detail", args=[obj.pk])


# ---------------------------------------------------------------------------------------------
# The candidate (no normal login: ticket number + ID number, then the attempt in the session)


def _remember(request, attempt: Attempt) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = signing.dumps({"a": attempt.pk, "t": attempt.ticket_number}, salt=SIGNING_SALT)


def _forget(request) -> None:
    request.session.pop(SESSION_KEY, None)


def _signed_in(request) -> tuple[int, str] | None:
    value = request.session.get(SESSION_KEY)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=SIGNING_SALT, max_age=SIGN_IN_MAX_AGE)
    except signing.BadSignature:
        _forget(request)
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int) or not isinstance(data.get("t"), str):
        return None
    return data["a"], data["t"]


def candidate_attempt(request) -> Attempt | None:
    """The attempt this browser signed in to, or None."""
    signed = _signed_in(request)
    if signed is None:
        return None
    return Attempt.objects.select_related("session", "application").filter(
        pk=signed[0], ticket_number=signed[1]).first()


def candidate_attempt_reference(request) -> Attempt | None:
    """The signed-in attempt as a reference (pk and ticket number, no query), for the
    autosave path, whose service reads the attempt under its row lock by both."""
    signed = _signed_in(request)
    return Attempt(pk=signed[0], ticket_number=signed[1]) if signed else None


@method_decorator(login_not_required, name="dispatch")
class CandidateView(View):
    """A candidate page: public, but every one except the sign-in needs the exam sign-in."""


class SignInView(CandidateView):
    template_name = "exams/cbt/sign_in.html"

    def get(self, request):
        return render(request, self.template_name, {"form": SignInForm(), "attempt": candidate_attempt(request)})

    def post(self, request):
        form = SignInForm(request.POST)
        if form.is_valid():
            try:
                attempt = cbt.candidate_sign_in(ticket_number=form.cleaned_data["ticket_number"],
                                                id_number=form.cleaned_data["id_number"], ip_address=_ip(request))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                _remember(request, attempt)
                return redirect("exams:cbt_exam")
        return render(request, self.template_name, {"form": form, "attempt": None}, status=200)


class SignOutView(CandidateView):
    http_method_names = ["post"]

    def post(self, request):
        _forget(request)
        return redirect("exams:cbt_sign_in")


class ExamView(CandidateView):
    """The candidate's one page: before the start the rules and a start button; during
    the exam the paper (whole or one item at a time) with the server's countdown; after
    hand-in the confirmation, and the score once a marker has confirmed it."""

    def get(self, request):
        attempt = candidate_attempt(request)
        if attempt is None:
            return redirect("exams:cbt_sign_in")
        now = timezone.now()
        if attempt.status == Attempt.Status.IN_PROGRESS:
            attempt = cbt.attempt_touch(attempt=attempt, now=now)
        session = attempt.session
        context = {"attempt": attempt, "session": session, "candidate": attempt.application,
                   "masked_id": mask_id_number(attempt.application.person.id_number)}
        if attempt.status == Attempt.Status.NOT_STARTED:
            context["can_start"] = session.starts_at <= now < session.ends_at
            return render(request, "exams/cbt/start.html", context)
        if attempt.status != Attempt.Status.IN_PROGRESS:
            return render(request, "exams/cbt/done.html", context)
        questions = cbt.attempt_questions(attempt)
        one_by_one = session.mode == ExamSession.Mode.ONE_BY_ONE
        current = 1
        if one_by_one:
            raw = request.GET.get("q", "1")
            current = min(max(int(raw) if raw.isdigit() else 1, 1), max(len(questions), 1))
        context.update({
            "questions": questions,
            "shown": [questions[current - 1]] if one_by_one and questions else questions,
            "one_by_one": one_by_one, "current": current,
            "previous": current - 1 if one_by_one and current > 1 else None,
            "next": current + 1 if one_by_one and current < len(questions) else None,
            "remaining": cbt.attempt_remaining_seconds(attempt, now),
            "answered": sum(1 for q in questions if q.answered),
        })
        return render(request, "exams/cbt/exam.html", context)


class StartView(CandidateView):
    http_method_names = ["post"]

    def post(self, request):
        attempt = candidate_attempt(request)
        if attempt is None:
            return redirect("exams:cbt_sign_in")
        try:
            cbt.attempt_start(attempt=attempt, ip_address=_ip(request))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("exams:cbt_exam")


def _fragment(text: str, *, status: int = 200, kind: str = "ok", headers: dict | None = None) -> HttpResponse:
    html = format_html('<span class="{}">{}</span>', "text-danger" if kind == "error" else "text-success", text)
    response = HttpResponse(html, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class SaveView(CandidateView):
    """The autosave endpoint (htmx): one item's response with its version."""

    http_method_names = ["post"]

    def post(self, request):
        attempt = candidate_attempt_reference(request)
        if attempt is None:
            return _fragment(_("登录已失效，请重新登录。"), status=403, kind="error",
                             headers={"HX-Redirect": reverse("exams:cbt_sign_in")})
        try:
            result = cbt.answer_save(attempt=attempt, paper_item_id=request.POST.get("paper_item"),
                                     response=request.POST.getlist("response"), version=request.POST.get("version"),
                                     ip_address=_ip(request))
        except cbt.ItemNotOnPaper as exc:
            raise Http404(exc.message) from None
        except cbt.ResponseInvalid as exc:
            return _fragment(exc.message, status=400, kind="error")
        except cbt.AttemptClosed as exc:
            return _fragment(exc.message, status=409, kind="error", headers={"HX-Redirect": reverse("exams:cbt_exam")})
        saved_at = timezone.localtime(result.saved_at or timezone.now()).strftime("%H:%M:%S")
        return _fragment(_("已保存 %(t)s") % {"t": saved_at})


class SubmitView(CandidateView):
    http_method_names = ["post"]

    def post(self, request):
        attempt = candidate_attempt(request)
        if attempt is None:
            return redirect("exams:cbt_sign_in")
        try:
            cbt.attempt_submit(attempt=attempt, ip_address=_ip(request), automatic=request.POST.get("auto") == "1")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("exams:cbt_exam")


urlpatterns = [
    path("cbt/sessions/", SessionListView.as_view(), name="cbt_session_list"),
    path("cbt/sessions/new/", SessionCreateView.as_view(), name="cbt_session_create"),
    path("cbt/sessions/<int:pk>/", SessionDetailView.as_view(), name="cbt_session_detail"),
    path("cbt/sessions/<int:pk>/seats/", SeatsAssignView.as_view(), name="cbt_seats_assign"),
    path("cbt/sessions/<int:pk>/close/", SessionCloseView.as_view(), name="cbt_session_close"),
    path("cbt/sessions/<int:pk>/marking/", MarkingQueueView.as_view(), name="cbt_marking"),
    path("cbt/answers/<int:pk>/mark/", AnswerMarkView.as_view(), name="cbt_answer_mark"),
    path("cbt/attempts/<int:pk>/", AttemptDetailView.as_view(), name="cbt_attempt_detail"),
    path("cbt/attempts/<int:pk>/confirm/", AttemptConfirmView.as_view(), name="cbt_attempt_confirm"),
    # The candidate's pages: public, tied to the exam sign-in kept in the session.
    path("cbt/exam/", ExamView.as_view(), name="cbt_exam"),
    path("cbt/exam/sign-in/", SignInView.as_view(), name="cbt_sign_in"),
    path("cbt/exam/start/", StartView.as_view(), name="cbt_start"),
    path("cbt/exam/save/", SaveView.as_view(), name="cbt_save"),
    path("cbt/exam/submit/", SubmitView.as_view(), name="cbt_submit"),
    path("cbt/exam/sign-out/", SignOutView.as_view(), name="cbt_sign_out"),
]
