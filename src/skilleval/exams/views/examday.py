"""Pages of the exam day (考试当天): one page per session gathering the sign-in, absences,
incidents and violations, the written records, photos and videos, the printed
documents and the session's timeline; the proctor's sign-in page per room (a scanner
types the ticket's QR code into a text box, or the ID number is typed by hand, then
the proctor compares photo, name and seat before confirming); the candidate's own
admission tickets ("我的准考证").

Every lookup goes through the scoped selectors (another organisation's session,
attempt, incident or record is a 404); every write goes through services/examday.py,
which checks the permission again and decides."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from skilleval.accounts.access import Perm, get_scoped_or_404
from skilleval.batches.selectors import batch_get_for_actor
from skilleval.core.errors import DomainError
from skilleval.core.selectors import audit_events_visible_to
from skilleval.core.validators import mask_id_number
from skilleval.core.views import ActorView, apply_domain_error, form_errors_text

from ..forms_examday import (
    AbsentForm,
    CheckInForm,
    DecideForm,
    IncidentForm,
    MediaForm,
    ReasonForm,
    record_form_class,
)
from ..models import ExamIncident, ExamSession, SessionMedia, SessionRecord
from ..selectors import attempts_visible_to, exam_session_get_for_actor
from ..services import examday
from ..services.examday import CHECK_IN_METHODS, ID, QR

IMAGE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def _require_any(actor, perms) -> None:
    if not examday.may(actor, perms):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def _session(request, pk: int) -> ExamSession:
    return exam_session_get_for_actor(actor=request.actor, pk=pk)


def _own(request, queryset, pk: int):
    """A row of the actor's own organisation's sessions (404 otherwise)."""
    return get_scoped_or_404(queryset.filter(session__batch__organisation_id=request.actor.organisation_id)
                             if request.actor.organisation_id else queryset.none(), pk=pk)


def _room(request, session: ExamSession, value: str | None):
    if not value:
        return None
    if not str(value).isdigit():
        raise Http404(_("未找到该考场。"))
    return get_scoped_or_404(session.rooms.select_related("site"), pk=int(value))


def _back(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _day_url(session: ExamSession, anchor: str = "") -> str:
    return reverse("exams:examday", args=[session.pk]) + (f"#{anchor}" if anchor else "")


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def image_response(field_file) -> HttpResponse:
    """Serve a stored photo, by its content type (JPEG/PNG), never as HTML."""
    if not field_file:
        raise Http404(_("没有照片。"))
    try:
        with field_file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        raise Http404(_("照片文件不存在。")) from None
    content_type = next((t for sig, t in IMAGE_TYPES.items() if data.startswith(sig)), None)
    if content_type is None:
        raise Http404(_("照片格式无效。"))
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


def _masked(attempts):
    for attempt in attempts:
        attempt.masked_id = mask_id_number(attempt.application.person.id_number)
    return attempts


# ---------------------------------------------------------------------------------------------
# The exam-day page


class ExamDayView(ActorView):
    permission = Perm.BATCH_VIEW

    def get(self, request, pk):
        actor = request.actor
        session = _session(request, pk)
        now = timezone.now()
        own = actor.organisation_id == session.batch.organisation_id
        can_check_in = own and examday.may(actor, examday.CHECK_IN_PERMS)
        attempts = _masked(list(session.attempts.select_related(
            "application__person", "room__site", "checked_in_by").order_by("room__name", "seat", "ticket_number")))
        void = set(examday.voided_attempts(session.attempts.all()).values_list("pk", flat=True))
        for attempt in attempts:
            attempt.voided = attempt.pk in void
        rooms = list(session.rooms.select_related("site").order_by("site__name", "name"))
        for room in rooms:
            room.counts = examday.day_counts(session, room)
        incidents = list(session.incidents.select_related("attempt__application", "room", "recorded_by",
                                                          "decided_by").order_by("-occurred_at", "-pk"))
        can_decide = own and actor.has(examday.DECIDE_PERM)
        for incident in incidents:
            incident.decide_form = (DecideForm(incident=incident, prefix=f"i{incident.pk}")
                                    if can_decide and incident.kind == "violation" and not incident.decided_at else None)
        records: dict[str, list[SessionRecord]] = {}
        for record in session.records.select_related("room", "recorded_by").order_by("kind", "room__name"):
            records.setdefault(record.kind, []).append(record)
        kinds = [{"spec": spec, "records": records.get(kind, []), "may": own and examday.may(actor, spec.perms),
                  "open_rooms": [room for room in rooms if room.pk not in {r.room_id for r in records.get(kind, [])}]}
                 for kind, spec in examday.RECORD_SPECS.items()]
        absentable = examday.absentable(session) if can_check_in and now >= session.starts_at else None
        events = []
        if actor.has(Perm.AUDIT_VIEW):
            events = list(audit_events_visible_to(actor).filter(examday.session_audit_filter(session))
                          .order_by("occurred_at", "id")[:300])
        context = {
            "session": session, "now": now, "counts": examday.day_counts(session), "rooms": rooms,
            "attempts": attempts, "incidents": incidents, "kinds": kinds,
            "media": list(session.media.select_related("room", "uploaded_by")),
            "media_form": MediaForm(session=session) if own and examday.may(actor, examday.MEDIA_PERMS) else None,
            "keep_until": examday.media_keep_until(session),
            "can_check_in": can_check_in, "can_record": own and examday.may(actor, examday.RECORDER_PERMS),
            "can_decide": can_decide, "may_revoke": can_check_in and now < session.ends_at,
            "absent_form": AbsentForm(candidates=absentable) if absentable is not None and absentable.exists() else None,
            "can_affairs": own and actor.has(Perm.BATCH_MANAGE),
            "can_sign_in_sheet": own and examday.may(actor, examday.SESSION_DOCUMENTS["sign-in.pdf"][0]),
            "events": events,
        }
        return render(request, "exams/examday/day.html", context)


# ---------------------------------------------------------------------------------------------
# Sign-in (proctors)


class CheckInView(ActorView):
    permission = Perm.BATCH_VIEW  # and a proctor's or exam affairs' permission, checked below and by the service
    template_name = "exams/examday/check_in.html"

    def _context(self, request, session, room, **extra):
        roster = session.attempts.select_related("application__person", "checked_in_by", "room").order_by(
            "room__name", "seat", "ticket_number")
        if room is not None:
            roster = roster.filter(room=room)
        now = timezone.now()
        absentable = examday.absentable(session, room) if now >= session.starts_at else None
        return {
            "session": session, "room": room, "now": now,
            "rooms": session.rooms.select_related("site").order_by("site__name", "name"),
            "counts": examday.day_counts(session, room), "roster": _masked(list(roster)),
            "absent_form": AbsentForm(candidates=absentable) if absentable is not None and absentable.exists() else None,
            "qr_form": CheckInForm(initial={"method": QR}, prefix="qr"),
            "id_form": CheckInForm(initial={"method": ID}, prefix="id"),
            "opens_minutes": examday.CHECK_IN_OPENS_MINUTES, **extra,
        }

    def get(self, request, pk):
        session = _session(request, pk)
        _require_any(request.actor, examday.CHECK_IN_PERMS)
        room = _room(request, session, request.GET.get("room"))
        return render(request, self.template_name, self._context(request, session, room))

    def post(self, request, pk):
        actor = request.actor
        session = _session(request, pk)
        _require_any(actor, examday.CHECK_IN_PERMS)
        room = _room(request, session, request.POST.get("room"))
        prefix = "id" if request.POST.get("id-method") == ID else "qr"
        form = CheckInForm(request.POST, prefix=prefix)
        here = reverse("exams:examday_check_in", args=[session.pk]) + (f"?room={room.pk}" if room else "")
        if not form.is_valid():
            messages.error(request, _("请扫描准考证二维码或输入证件号码。"))
            return redirect(here)
        code, method = form.cleaned_data["code"], form.cleaned_data["method"]
        if request.POST.get("action") == "confirm":
            try:
                attempt = examday.attempt_check_in(actor=actor, session=session, code=code, method=method, room=room)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已签到：%(n)s，%(r)s %(s)s 号座位（%(m)s）。") % {
                    "n": attempt.application.name, "r": attempt.room.name if attempt.room else "—",
                    "s": attempt.seat or "—", "m": CHECK_IN_METHODS[method]})
            return redirect(here)
        try:
            found = examday.attempt_identify(actor=actor, session=session, code=code, method=method, room=room)
        except DomainError as exc:
            return render(request, self.template_name, self._context(request, session, room, error=exc.message,
                                                                     failed_method=method))
        found.masked_id = mask_id_number(found.application.person.id_number)
        return render(request, self.template_name, self._context(
            request, session, room, found=found, confirm={"prefix": prefix, "code": code, "method": method},
            method_label=CHECK_IN_METHODS[method]))


class AbsentView(ActorView):
    permission = Perm.BATCH_VIEW
    http_method_names = ["post"]

    def post(self, request, pk):
        session = _session(request, pk)
        _require_any(request.actor, examday.CHECK_IN_PERMS)
        form = AbsentForm(request.POST, candidates=examday.absentable(session))
        back = _back(request, _day_url(session, "roster"))
        if not form.is_valid():
            messages.error(request, form.errors.get("attempts", [_("请选择要标记缺考的考生。")])[0])
            return redirect(back)
        try:
            marked = examday.attempts_mark_absent(actor=request.actor, session=session,
                                                  attempt_ids=[a.pk for a in form.cleaned_data["attempts"]])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已标记缺考 %(n)d 人：%(l)s。") % {
                "n": len(marked), "l": "、".join(a.application.name for a in marked)})
        return redirect(back)


class AbsenceRevokeView(ActorView):
    permission = Perm.BATCH_VIEW
    http_method_names = ["post"]

    def post(self, request, pk):
        attempt = _own(request, attempts_visible_to(request.actor), pk)
        _require_any(request.actor, examday.CHECK_IN_PERMS)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请说明撤销缺考的原因。"))
        else:
            try:
                examday.attempt_absence_revoke(actor=request.actor, attempt=attempt, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已撤销 %(n)s 的缺考记录。") % {"n": attempt.application.name})
        return redirect(_back(request, _day_url(attempt.session, "roster")))


class AttemptPhotoView(ActorView):
    """The candidate's application photo, for the proctor's comparison at sign-in."""

    permission = Perm.BATCH_VIEW

    def get(self, request, pk):
        attempt = _own(request, attempts_visible_to(request.actor).select_related("application"), pk)
        return image_response(attempt.application.photo)


# ---------------------------------------------------------------------------------------------
# Incidents and violations


class IncidentCreateView(ActorView):
    permission = Perm.BATCH_VIEW
    template_name = "exams/examday/incident_form.html"

    def get(self, request, pk):
        session = _session(request, pk)
        _require_any(request.actor, examday.RECORDER_PERMS)
        kind = request.GET.get("kind") if request.GET.get("kind") in ExamIncident.Kind.values else "violation"
        initial = {"kind": kind, "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                   "ticket_number": request.GET.get("ticket", "")[:30], "room": request.GET.get("room")}
        return render(request, self.template_name, self._context(session, IncidentForm(initial=initial,
                                                                                        session=session)))

    def _context(self, session, form):
        return {"session": session, "form": form, "categories": examday.CATEGORIES}

    def post(self, request, pk):
        session = _session(request, pk)
        _require_any(request.actor, examday.RECORDER_PERMS)
        form = IncidentForm(request.POST, session=session)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = examday.incident_record(
                    actor=request.actor, session=session, kind=data["kind"], category=data["category"],
                    occurred_at=data["occurred_at"], description=data["description"], handling=data["handling"],
                    handling_note=data["handling_note"], attempt=data["ticket_number"], room=data["room"])
            except DomainError as exc:
                if exc.field == "attempt":
                    exc.field = "ticket_number"
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已记录：%(c)s（%(h)s）。") % {
                    "c": incident.category, "h": incident.get_handling_display() if incident.decided_at else _(
                        "待质量督导员认定")})
                return redirect(_day_url(session, "incidents"))
        return render(request, self.template_name, self._context(session, form))


class IncidentDecideView(ActorView):
    permission = Perm.QUALITY_SUPERVISE
    http_method_names = ["post"]

    def post(self, request, pk):
        incident = _own(request, ExamIncident.objects.select_related("session__batch"), pk)
        form = DecideForm(request.POST, incident=incident, prefix=f"i{incident.pk}")
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
        else:
            try:
                examday.incident_decide(actor=request.actor, incident=incident, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                incident.refresh_from_db()
                messages.success(request, _("已认定：%(c)s，%(h)s。") % {"c": incident.category,
                                                                    "h": incident.get_handling_display()})
        return redirect(_day_url(incident.session, "incidents"))


# ---------------------------------------------------------------------------------------------
# Session records


class RecordCreateView(ActorView):
    permission = Perm.BATCH_VIEW
    template_name = "exams/examday/record_form.html"

    def _spec(self, request, kind):
        if kind not in examday.RECORD_SPECS:
            raise Http404(_("未知的记录类型。"))
        spec = examday.RECORD_SPECS[kind]
        _require_any(request.actor, spec.perms)
        return spec

    def get(self, request, pk, kind):
        session = _session(request, pk)
        spec = self._spec(request, kind)
        form = record_form_class(spec, session)(initial={"room": request.GET.get("room")})
        return render(request, self.template_name, {"session": session, "spec": spec, "form": form})

    def post(self, request, pk, kind):
        session = _session(request, pk)
        spec = self._spec(request, kind)
        form = record_form_class(spec, session)(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            room = data.pop("room", None)
            try:
                examday.session_record_create(actor=request.actor, session=session, kind=kind, content=data, room=room)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已保存%(k)s。") % {"k": spec.label})
                return redirect(_day_url(session, "records"))
        return render(request, self.template_name, {"session": session, "spec": spec, "form": form})


class RecordDetailView(ActorView):
    permission = Perm.BATCH_VIEW

    def get(self, request, pk):
        record = _own(request, SessionRecord.objects.select_related("session__batch", "room", "recorded_by"), pk)
        if request.GET.get("format") == "pdf":
            return _download(*examday.record_document(actor=request.actor, record=record))
        return render(request, "exams/examday/record_detail.html", {
            "record": record, "session": record.session, "spec": examday.RECORD_SPECS.get(record.kind),
            "rows": examday.record_rows(record)})


# ---------------------------------------------------------------------------------------------
# Photos and video references


class MediaAddView(ActorView):
    permission = Perm.BATCH_VIEW
    http_method_names = ["post"]

    def post(self, request, pk):
        session = _session(request, pk)
        _require_any(request.actor, examday.MEDIA_PERMS)
        form = MediaForm(request.POST, request.FILES, session=session)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
        else:
            data = form.cleaned_data
            try:
                media = examday.session_media_add(actor=request.actor, session=session, kind=data["kind"],
                                                  upload=data["file"], reference=data["reference"],
                                                  description=data["description"], room=data["room"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已添加%(k)s，保存至 %(d)s。") % {
                    "k": media.get_kind_display(), "d": media.keep_until.isoformat()})
        return redirect(_day_url(session, "media"))


class MediaFileView(ActorView):
    permission = Perm.BATCH_VIEW

    def get(self, request, pk):
        media = _own(request, SessionMedia.objects.select_related("session__batch"), pk)
        return image_response(media.file)


# ---------------------------------------------------------------------------------------------
# Documents


class SessionDocumentView(ActorView):
    permission = Perm.BATCH_VIEW

    def get(self, request, pk, document):
        session = _session(request, pk)
        if document not in examday.SESSION_DOCUMENTS:
            raise Http404(_("未知的文书。"))
        _require_any(request.actor, examday.SESSION_DOCUMENTS[document][0])
        room = _room(request, session, request.GET.get("room"))
        try:
            if document == "tickets.pdf" and session.attempts.count() > examday.TICKETS_INLINE_MAX:
                job = examday.tickets_job_start(actor=request.actor, session=session)
                messages.info(request, _("考生较多，准考证在后台生成，完成后可在此下载。"))
                return redirect("portal:job_detail", pk=job.pk)
            return _download(*examday.session_document(actor=request.actor, session=session, document=document,
                                                       room=room))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(_day_url(session, "documents"))


class BatchDocumentView(ActorView):
    permission = Perm.BATCH_VIEW

    def get(self, request, pk, document):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        if document not in examday.BATCH_DOCUMENTS:
            raise Http404(_("未知的文书。"))
        try:
            return _download(*examday.batch_document(actor=request.actor, batch=batch, document=document))
        except DomainError as exc:
            raise PermissionDenied(exc.message) from None


# ---------------------------------------------------------------------------------------------
# The candidate's own tickets


class MyTicketsView(ActorView):
    permission = Perm.CANDIDATE_SELF

    def get(self, request):
        actor = request.actor
        attempts = list(attempts_visible_to(actor).filter(application__person_id=actor.person_id).select_related(
            "session__batch", "room__site", "application__item__level", "application__item__occupation",
            "application__item__work_type").order_by("-session__starts_at"))
        return render(request, "exams/examday/my_tickets.html", {"attempts": attempts})


class MyTicketDownloadView(ActorView):
    permission = Perm.CANDIDATE_SELF

    def get(self, request, pk):
        actor = request.actor
        attempt = get_scoped_or_404(attempts_visible_to(actor).filter(application__person_id=actor.person_id), pk=pk)
        return _download(*examday.candidate_ticket(actor=actor, attempt=attempt))


urlpatterns = [
    path("examday/sessions/<int:pk>/", ExamDayView.as_view(), name="examday"),
    path("examday/sessions/<int:pk>/check-in/", CheckInView.as_view(), name="examday_check_in"),
    path("examday/sessions/<int:pk>/absent/", AbsentView.as_view(), name="examday_absent"),
    path("examday/sessions/<int:pk>/incidents/new/", IncidentCreateView.as_view(), name="examday_incident_create"),
    path("examday/sessions/<int:pk>/records/<str:kind>/new/", RecordCreateView.as_view(),
         name="examday_record_create"),
    path("examday/sessions/<int:pk>/media/", MediaAddView.as_view(), name="examday_media_add"),
    path("examday/sessions/<int:pk>/documents/<str:document>", SessionDocumentView.as_view(),
         name="examday_session_document"),
    path("examday/batches/<int:pk>/documents/<str:document>", BatchDocumentView.as_view(),
         name="examday_batch_document"),
    path("examday/attempts/<int:pk>/photo/", AttemptPhotoView.as_view(), name="examday_attempt_photo"),
    path("examday/attempts/<int:pk>/absence-revoke/", AbsenceRevokeView.as_view(), name="examday_absence_revoke"),
    path("examday/incidents/<int:pk>/decide/", IncidentDecideView.as_view(), name="examday_incident_decide"),
    path("examday/records/<int:pk>/", RecordDetailView.as_view(), name="examday_record_detail"),
    path("examday/media/<int:pk>/", MediaFileView.as_view(), name="examday_media_file"),
    path("my-tickets/", MyTicketsView.as_view(), name="my_tickets"),
    path("my-tickets/<int:pk>/", MyTicketDownloadView.as_view(), name="my_ticket_download"),
]
