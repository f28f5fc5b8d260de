"""Pages of the rooms and staff arrangement (考场编排).

Exam affairs (Perm.BATCH_MANAGE) keep the sites and rooms, run the automatic arrangement
of a batch, adjust it by hand, record declared conflicts and export the room arrangement
table. Proctors, examiners and supervisors see their own duties ("我的考务安排") and
declare their own conflicts, once exam affairs have linked their roster entry to their
login. Every lookup goes through the scoped selectors: another organisation's batch,
session, room or row is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Perm, get_scoped_or_404
from skilleval.batches.models import Batch, BatchStaff
from skilleval.batches.selectors import batches_visible_to
from skilleval.core.errors import DomainError
from skilleval.core.selectors import audit_events_visible_to
from skilleval.core.validators import mask_id_number
from skilleval.core.views import (
    ActionView,
    ActorView,
    Column,
    ListPageMixin,
    apply_domain_error,
    form_errors_text,
)

from ..forms_arrangement import (
    AccountLinkForm,
    ConflictFilterForm,
    ConflictForm,
    MoveForm,
    ReplaceForm,
    RoomFilterForm,
    RoomForm,
    RunForm,
    SessionRoomsForm,
    SiteFilterForm,
    SiteForm,
    StaffAddForm,
    SwapForm,
)
from ..models import Attempt, ExamSession, RoomKind
from ..selectors import (
    exam_room_get_for_actor,
    exam_rooms_visible_to,
    exam_session_get_for_actor,
    exam_site_get_for_actor,
    exam_sites_visible_to,
    my_staff_assignments,
    staff_assignment_get_for_actor,
    staff_conflicts_visible_to,
)
from ..services import arrangement, cbt

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own_batch(request, pk: int) -> Batch:
    """A batch of the actor's own organisation (exam affairs work on their own batches)."""
    return get_scoped_or_404(batches_visible_to(request.actor).filter(
        organisation_id=request.actor.organisation_id), pk=pk)


def _own_session(request, pk: int) -> ExamSession:
    return exam_session_get_for_actor(actor=request.actor, pk=pk)


# ---------------------------------------------------------------------------------------------
# Sites and rooms


class SiteListView(ListPageMixin, ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "exams/arrangement/site_list.html"
    filter_form_class = SiteFilterForm
    default_sort = "name"
    export_name = "exam-sites"
    empty_title = gettext_lazy("暂无考点")
    empty_text = gettext_lazy("先新增考点（如培训中心、实训基地），再在考点下新增理论、实操或评审考场。")
    columns = [
        Column("name", gettext_lazy("考点名称"), sort="name", html=lambda s: format_html(
            '<a href="{}">{}</a>', reverse("exams:arrangement_site_edit", args=[s.pk]), s.name)),
        Column("address", gettext_lazy("地址"), sort="address"),
        Column("room_count", gettext_lazy("考场数"), sort="room_count"),
        Column("seat_count", gettext_lazy("座位数"), sort="seat_count", value=lambda s: s.seat_count or 0),
    ]

    def get_queryset(self):
        return exam_sites_visible_to(self.request.actor).annotate(room_count=Count("rooms"),
                                                                  seat_count=Sum("rooms__capacity"))

    def apply_filters(self, queryset, data):
        if data.get("q"):
            queryset = queryset.filter(Q(name__contains=data["q"]) | Q(address__contains=data["q"]))
        return queryset


class SiteCreateView(ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "exams/arrangement/site_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": SiteForm(), "site": None})

    def post(self, request):
        form = SiteForm(request.POST)
        if form.is_valid():
            try:
                site = arrangement.site_create(actor=request.actor, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已新增考点“%(n)s”，请为其新增考场。") % {"n": site.name})
                return redirect(reverse("exams:arrangement_room_create") + f"?site={site.pk}")
        return render(request, self.template_name, {"form": form, "site": None})


class SiteEditView(ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "exams/arrangement/site_form.html"

    def get(self, request, pk):
        site = exam_site_get_for_actor(actor=request.actor, pk=pk)
        form = SiteForm(initial={"name": site.name, "address": site.address})
        return render(request, self.template_name, {"form": form, "site": site, "rooms": site.rooms.all()})

    def post(self, request, pk):
        site = exam_site_get_for_actor(actor=request.actor, pk=pk)
        form = SiteForm(request.POST)
        if form.is_valid():
            try:
                arrangement.site_update(actor=request.actor, site=site, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已保存考点。"))
                return redirect("exams:arrangement_sites")
        return render(request, self.template_name, {"form": form, "site": site, "rooms": site.rooms.all()})


class RoomListView(ListPageMixin, ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "exams/arrangement/room_list.html"
    default_sort = "site__name"
    export_name = "exam-rooms"
    empty_title = gettext_lazy("暂无考场")
    empty_text = gettext_lazy("在考点下新增考场并填写座位数；机考用理论考场（机房），实操用实操考场，综合评审用评审考场。")
    columns = [
        Column("site__name", gettext_lazy("考点"), sort="site__name"),
        Column("name", gettext_lazy("考场名称"), sort="name", html=lambda r: format_html(
            '<a href="{}">{}</a>', reverse("exams:arrangement_room_edit", args=[r.pk]), r.name)),
        Column("get_kind_display", gettext_lazy("考场类型"), sort="kind"),
        Column("capacity", gettext_lazy("座位数"), sort="capacity"),
        Column("has_video", gettext_lazy("电子监控"), value=lambda r: _("有") if r.has_video else _("无")),
        Column("notes", gettext_lazy("说明")),
        Column("session_count", gettext_lazy("已用于场次"), sort="session_count"),
    ]

    @property
    def filter_form_class(self):
        organisation_id = self.request.actor.organisation_id
        return lambda data=None: RoomFilterForm(data, organisation_id=organisation_id)

    def get_queryset(self):
        return exam_rooms_visible_to(self.request.actor).annotate(session_count=Count("sessions"))

    def apply_filters(self, queryset, data):
        if data.get("q"):
            queryset = queryset.filter(name__contains=data["q"])
        if data.get("site"):
            queryset = queryset.filter(site=data["site"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        return queryset


def _room_data(cleaned: dict) -> arrangement.RoomData:
    return arrangement.RoomData(name=cleaned["name"], kind=cleaned["kind"], capacity=cleaned["capacity"],
                                has_video=cleaned["has_video"], notes=cleaned["notes"])


class RoomCreateView(ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "exams/arrangement/room_form.html"

    def get(self, request):
        site = request.GET.get("site", "")
        form = RoomForm(organisation_id=request.actor.organisation_id,
                        initial={"site": int(site) if site.isdigit() else None, "has_video": True})
        return render(request, self.template_name, {"form": form, "room": None})

    def post(self, request):
        form = RoomForm(request.POST, organisation_id=request.actor.organisation_id)
        if form.is_valid():
            try:
                room = arrangement.room_create(actor=request.actor, site=form.cleaned_data["site"],
                                               data=_room_data(form.cleaned_data))
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已新增考场“%(r)s”（%(c)d 座）。") % {"r": room, "c": room.capacity})
                return redirect("exams:arrangement_rooms")
        return render(request, self.template_name, {"form": form, "room": None})


class RoomEditView(ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "exams/arrangement/room_form.html"

    def get(self, request, pk):
        room = exam_room_get_for_actor(actor=request.actor, pk=pk)
        form = RoomForm(organisation_id=request.actor.organisation_id, editing=True, initial={
            "name": room.name, "kind": room.kind, "capacity": room.capacity, "has_video": room.has_video,
            "notes": room.notes})
        return render(request, self.template_name, {"form": form, "room": room})

    def post(self, request, pk):
        room = exam_room_get_for_actor(actor=request.actor, pk=pk)
        form = RoomForm(request.POST, organisation_id=request.actor.organisation_id, editing=True)
        if form.is_valid():
            try:
                arrangement.room_update(actor=request.actor, room=room, data=_room_data(form.cleaned_data))
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已保存考场“%(r)s”。") % {"r": room})
                return redirect("exams:arrangement_rooms")
        return render(request, self.template_name, {"form": form, "room": room})


# ---------------------------------------------------------------------------------------------
# The batch's arrangement


class ArrangementIndexView(ActorView):
    """The batches whose rooms and staff can be arranged (plan confirmed), and the others."""

    permission = Perm.BATCH_MANAGE

    def get(self, request):
        batches = list(batches_visible_to(request.actor).filter(organisation_id=request.actor.organisation_id).annotate(
            session_count=Count("exam_sessions", distinct=True),
            staff_count=Count("staff", distinct=True)).order_by("-first_exam_date", "-pk"))
        return render(request, "exams/arrangement/index.html", {
            "batches": batches, "confirmed": Batch.Status.PLAN_CONFIRMED,
            "site_count": exam_sites_visible_to(request.actor).count(),
            "room_count": exam_rooms_visible_to(request.actor).count()})


class ArrangementView(ActorView):
    permission = Perm.BATCH_MANAGE

    def get(self, request, pk):
        batch = _own_batch(request, pk)
        plans = arrangement.arrangement_plans(batch)
        conflicts = list(staff_conflicts_visible_to(request.actor).filter(batch=batch).order_by("staff__name"))
        events = list(audit_events_visible_to(request.actor).filter(
            object_type="batches.batch", object_id=str(batch.pk), summary__startswith="自动编排").order_by(
            "-occurred_at", "-id")[:5]) if request.actor.has(Perm.AUDIT_VIEW) else []
        problems = arrangement.arrangement_problems(batch)
        for conflict in conflicts:
            conflict.clash = any(conflict.staff.name in p and conflict.application.name in p and "回避" in p
                                 for p in problems)
        roster = list(batch.staff.select_related("user").order_by("role", "name"))
        for member in roster:
            member.masked = mask_id_number(member.id_number)
        return render(request, "exams/arrangement/batch.html", {
            "batch": batch, "plans": plans, "problems": problems,
            "conflicts": conflicts, "run_form": RunForm(), "events": events, "roster": roster,
            "account_form": AccountLinkForm(batch=batch), "rules": arrangement.rules_for(batch),
            "can_run": batch.status == Batch.Status.PLAN_CONFIRMED,
            "seated": sum(p.candidates for p in plans),
        })


class ArrangementRunView(ActorView):
    permission = Perm.BATCH_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = _own_batch(request, pk)
        form = RunForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
            return redirect("exams:arrangement_batch", pk=batch.pk)
        try:
            result = arrangement.arrangement_run(actor=request.actor, batch=batch, seed=form.cleaned_data["seed"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, result.summary)
            for line in result.dropped_manual:
                messages.warning(request, _("人工调整未保留：%(l)s") % {"l": line})
            for line in result.notices:
                messages.info(request, line)
        return redirect("exams:arrangement_batch", pk=batch.pk)


class ArrangementExportView(ActorView):
    permission = Perm.BATCH_MANAGE

    def get(self, request, pk):
        batch = _own_batch(request, pk)
        what = "seats" if request.GET.get("what") == "seats" else "rooms"
        content = arrangement.arrangement_export_xlsx(actor=request.actor, batch=batch, what=what)
        response = HttpResponse(content, content_type=XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d%H%M")
        response["Content-Disposition"] = f'attachment; filename="{what}-{batch.code}-{stamp}.xlsx"'
        return response


class AccountLinkView(ActorView):
    permission = Perm.BATCH_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = _own_batch(request, pk)
        form = AccountLinkForm(request.POST, batch=batch)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
        else:
            try:
                member = arrangement.staff_account_link(actor=request.actor, staff=form.cleaned_data["staff"],
                                                        user=form.cleaned_data["user"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已更新 %(s)s 的登录账号。") % {"s": member.name})
        return redirect(reverse("exams:arrangement_batch", args=[batch.pk]) + "#roster")


# ---------------------------------------------------------------------------------------------
# A session: rooms, candidates, staff, and the manual adjustments


class SessionArrangementView(ActorView):
    permission = Perm.BATCH_MANAGE

    def get(self, request, pk):
        session = _own_session(request, pk)
        plan = arrangement.arrangement_plans(session.batch, [session])[0]
        attempts = list(Attempt.objects.filter(session=session).select_related("application", "room").order_by(
            "room__name", "seat", "ticket_number"))
        by_room: dict[int | None, list[Attempt]] = {}
        for attempt in attempts:
            by_room.setdefault(attempt.room_id, []).append(attempt)
        conflicts = set(staff_conflicts_visible_to(request.actor).filter(batch=session.batch).values_list(
            "staff_id", "application_id"))
        for room in plan.rooms:
            room.attempts = by_room.get(room.room.pk, [])
            for row in room.staff:
                row.replace_form = ReplaceForm(assignment=row, prefix=f"r{row.pk}")
        for row in [*plan.heads, *plan.supervisors]:
            row.replace_form = ReplaceForm(assignment=row, prefix=f"r{row.pk}")
        now = timezone.now()
        room_kind = cbt.PART_ROOM_KINDS[cbt.SESSION_PARTS[session.kind]]
        return render(request, "exams/arrangement/session.html", {
            "session": session, "plan": plan, "unplaced": by_room.get(None, []),
            "honoured": [c for c in conflicts if any(a.application_id == c[1] for a in attempts)],
            "editable": now < session.ends_at, "movable": now < session.starts_at,
            "move_form": MoveForm(session=session), "add_form": StaffAddForm(session=session),
            "swap_form": SwapForm(session=session),
            "rooms_form": SessionRoomsForm(session=session, room_kind=room_kind,
                                           initial={"rooms": [r.room.pk for r in plan.rooms]}),
            "room_kind": RoomKind(room_kind).label,
        })


class _SessionAction(ActorView):
    """A POST on one session of the actor's organisation that runs one service."""

    permission = Perm.BATCH_MANAGE
    http_method_names = ["post"]
    form_class: type | None = None
    anchor = ""

    def post(self, request, pk):
        session = _own_session(request, pk)
        form = self.form_class(request.POST, session=session) if self.form_class else None
        if form is not None and not form.is_valid():
            messages.error(request, form_errors_text(form))
        else:
            try:
                message = self.perform(request, session, form.cleaned_data if form else {})
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, message)
        return redirect(reverse("exams:arrangement_session", args=[session.pk]) + self.anchor)

    def perform(self, request, session, data) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class SessionRoomsView(_SessionAction):
    anchor = "#rooms"

    def post(self, request, pk):
        session = _own_session(request, pk)
        room_kind = cbt.PART_ROOM_KINDS[cbt.SESSION_PARTS[session.kind]]
        form = SessionRoomsForm(request.POST, session=session, room_kind=room_kind)
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
        else:
            try:
                arrangement.session_rooms_set(actor=request.actor, session=session, rooms=form.cleaned_data["rooms"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已调整场次的考场。"))
        return redirect(reverse("exams:arrangement_session", args=[session.pk]) + self.anchor)


class AttemptMoveView(_SessionAction):
    form_class = MoveForm
    anchor = "#rooms"

    def perform(self, request, session, data):
        ticket = data["ticket_number"].strip()
        attempt = Attempt.objects.filter(session=session, ticket_number=ticket).first()
        if attempt is None:
            raise DomainError(_("本场次没有准考证号为 %(t)s 的考生。") % {"t": ticket})
        moved = arrangement.attempt_move(actor=request.actor, attempt=attempt, room=data["room"], seat=data["seat"])
        return _("已将考生 %(a)s 调至考场“%(r)s”第 %(n)d 号座位。") % {
            "a": moved.application.name, "r": moved.room, "n": moved.seat}


class StaffAddView(_SessionAction):
    form_class = StaffAddForm
    anchor = "#staff"

    def perform(self, request, session, data):
        row = arrangement.staff_assign(actor=request.actor, session=session, staff=data["staff"], duty=data["duty"],
                                       room=data["room"], site=data["site"])
        return _("已安排 %(p)s 任%(d)s。") % {"p": row.staff.name, "d": row.get_duty_display()}


class StaffSwapView(_SessionAction):
    form_class = SwapForm
    anchor = "#staff"

    def perform(self, request, session, data):
        first, second = arrangement.staff_swap(actor=request.actor, first=data["first"], second=data["second"])
        return _("已对调 %(a)s 与 %(b)s 的安排。") % {"a": first.staff.name, "b": second.staff.name}


class _AssignmentAction(ActionView):
    permission = Perm.BATCH_MANAGE

    def get_object(self, request, **kwargs):
        return staff_assignment_get_for_actor(actor=request.actor, pk=kwargs["pk"])

    def success_url(self, request, obj, **kwargs):
        return reverse("exams:arrangement_session", args=[obj.session_id]) + "#staff"


class StaffReplaceView(_AssignmentAction):
    def post(self, request, **kwargs):
        row = self.get_object(request, **kwargs)
        form = ReplaceForm(request.POST, assignment=row, prefix=f"r{row.pk}")
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
        else:
            try:
                new = arrangement.staff_replace(actor=request.actor, assignment=row, staff=form.cleaned_data["staff"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已替换为 %(p)s。") % {"p": new.staff.name})
        return redirect(self.success_url(request, row))


class StaffRemoveView(_AssignmentAction):
    def perform(self, request, obj, data):
        arrangement.staff_unassign(actor=request.actor, assignment=obj)
        return _("已移除 %(p)s 的安排。") % {"p": obj.staff.name}


class StaffLeaderView(_AssignmentAction):
    def perform(self, request, obj, data):
        row = arrangement.panel_leader_set(actor=request.actor, assignment=obj)
        return _("已指定 %(p)s 为考评组长。") % {"p": row.staff.name}


# ---------------------------------------------------------------------------------------------
# Declared conflicts


class ConflictListView(ListPageMixin, ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "exams/arrangement/conflicts.html"
    filter_form_class = ConflictFilterForm
    default_sort = "staff__name"
    export_name = "staff-conflicts"
    empty_title = gettext_lazy("暂无回避申报")
    empty_text = gettext_lazy("考务人员、考评员与考生为同一班组或亲属等关系的，应申报回避；自动编排会让其不进入该考生所在考场。")
    columns = [
        Column("staff__name", gettext_lazy("考务人员"), sort="staff__name"),
        Column("staff__get_role_display", gettext_lazy("职责"), sort="staff__role"),
        Column("application__name", gettext_lazy("须回避的考生"), sort="application__name"),
        Column("application__number", gettext_lazy("报名号"), sort="application__number"),
        Column("get_kind_display", gettext_lazy("回避事由"), sort="kind"),
        Column("note", gettext_lazy("说明")),
        Column("created_at", gettext_lazy("申报时间"), sort="created_at"),
    ]

    def get_queryset(self):
        return staff_conflicts_visible_to(self.request.actor).filter(batch=self.batch)

    def apply_filters(self, queryset, data):
        if data.get("q"):
            queryset = queryset.filter(Q(staff__name__contains=data["q"]) | Q(application__name__contains=data["q"]))
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        return queryset

    def get(self, request, pk):
        self.batch = _own_batch(request, pk)
        return super().get(request)

    def extra_context(self):
        return {"batch": self.batch, "form": ConflictForm(batch=self.batch)}


class ConflictCreateView(ActorView):
    """Exam affairs record a conflict for any roster member of the batch."""

    permission = Perm.BATCH_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = _own_batch(request, pk)
        form = ConflictForm(request.POST, batch=batch)
        target = reverse("exams:arrangement_conflicts", args=[batch.pk])
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
            return redirect(target)
        try:
            conflict = arrangement.conflict_declare(actor=request.actor, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已登记回避：%(s)s — 考生 %(a)s。") % {
                "s": conflict.staff.name, "a": conflict.application.name})
            for line in arrangement.conflict_clashes(conflict):
                messages.warning(request, _("当前编排与此回避冲突：%(l)s。请重新自动编排或人工调整。") % {"l": line})
        return redirect(target)


class ConflictWithdrawView(ActorView):
    permission = Perm.BATCH_VIEW
    http_method_names = ["post"]

    def post(self, request, pk):
        conflict = get_scoped_or_404(staff_conflicts_visible_to(request.actor), pk=pk)
        manager = request.actor.has(Perm.BATCH_MANAGE)
        try:
            arrangement.conflict_withdraw(actor=request.actor, conflict=conflict)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已撤回回避申报。"))
        return redirect(reverse("exams:arrangement_conflicts", args=[conflict.batch_id]) if manager else
                        reverse("exams:arrangement_mine"))


# ---------------------------------------------------------------------------------------------
# My duties (proctors, examiners, supervisors, site heads)


class MyAssignmentsView(ActorView):
    permission = Perm.BATCH_VIEW

    def get(self, request):
        rows = list(my_staff_assignments(request.actor).order_by("session__starts_at", "pk"))
        members = list(BatchStaff.objects.filter(user=request.user, batch__organisation_id=request.actor.organisation_id)
                       .select_related("batch").order_by("-batch__first_exam_date"))
        forms = []
        for member in members:
            if member.batch.status == Batch.Status.PLAN_CONFIRMED:
                form = ConflictForm(batch=member.batch, staff_queryset=BatchStaff.objects.filter(pk=member.pk),
                                    prefix=f"m{member.pk}", initial={"staff": member.pk})
                forms.append((member, form))
        counts = {(c["session_id"], c["room_id"]): c["n"] for c in Attempt.objects.filter(
            session__in={r.session_id for r in rows}).values("session_id", "room_id").annotate(n=Count("pk"))}
        for row in rows:
            row.candidates = counts.get((row.session_id, row.room_id)) if row.room_id else None
        conflicts = list(staff_conflicts_visible_to(request.actor).filter(staff__in=members))
        return render(request, "exams/arrangement/mine.html", {
            "rows": rows, "members": members, "forms": forms, "conflicts": conflicts, "now": timezone.now()})


class MyConflictCreateView(ActorView):
    """A staff member's own declaration (the form on "我的考务安排" carries a prefix)."""

    permission = Perm.BATCH_VIEW
    http_method_names = ["post"]

    def post(self, request, pk):
        member = get_scoped_or_404(BatchStaff.objects.filter(user=request.user).select_related("batch"), pk=pk)
        form = ConflictForm(request.POST, batch=member.batch, staff_queryset=BatchStaff.objects.filter(pk=member.pk),
                            prefix=f"m{member.pk}")
        if not form.is_valid():
            messages.error(request, form_errors_text(form))
        else:
            try:
                conflict = arrangement.conflict_declare(actor=request.actor, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已申报回避：考生 %(a)s。考务人员编排时将使您不进入该考生所在考场。") % {
                    "a": conflict.application.name})
        return redirect("exams:arrangement_mine")


urlpatterns = [
    path("arrangement/", ArrangementIndexView.as_view(), name="arrangement_index"),
    path("arrangement/sites/", SiteListView.as_view(), name="arrangement_sites"),
    path("arrangement/sites/new/", SiteCreateView.as_view(), name="arrangement_site_create"),
    path("arrangement/sites/<int:pk>/", SiteEditView.as_view(), name="arrangement_site_edit"),
    path("arrangement/rooms/", RoomListView.as_view(), name="arrangement_rooms"),
    path("arrangement/rooms/new/", RoomCreateView.as_view(), name="arrangement_room_create"),
    path("arrangement/rooms/<int:pk>/", RoomEditView.as_view(), name="arrangement_room_edit"),
    path("arrangement/batches/<int:pk>/", ArrangementView.as_view(), name="arrangement_batch"),
    path("arrangement/batches/<int:pk>/run/", ArrangementRunView.as_view(), name="arrangement_run"),
    path("arrangement/batches/<int:pk>/export/", ArrangementExportView.as_view(), name="arrangement_export"),
    path("arrangement/batches/<int:pk>/accounts/", AccountLinkView.as_view(), name="arrangement_account_link"),
    path("arrangement/batches/<int:pk>/conflicts/", ConflictListView.as_view(), name="arrangement_conflicts"),
    path("arrangement/batches/<int:pk>/conflicts/new/", ConflictCreateView.as_view(),
         name="arrangement_conflict_create"),
    path("arrangement/conflicts/<int:pk>/withdraw/", ConflictWithdrawView.as_view(),
         name="arrangement_conflict_withdraw"),
    path("arrangement/sessions/<int:pk>/", SessionArrangementView.as_view(), name="arrangement_session"),
    path("arrangement/sessions/<int:pk>/rooms/", SessionRoomsView.as_view(), name="arrangement_session_rooms"),
    path("arrangement/sessions/<int:pk>/move/", AttemptMoveView.as_view(), name="arrangement_move"),
    path("arrangement/sessions/<int:pk>/staff/add/", StaffAddView.as_view(), name="arrangement_staff_add"),
    path("arrangement/sessions/<int:pk>/staff/swap/", StaffSwapView.as_view(), name="arrangement_staff_swap"),
    path("arrangement/staff/<int:pk>/replace/", StaffReplaceView.as_view(), name="arrangement_staff_replace"),
    path("arrangement/staff/<int:pk>/remove/", StaffRemoveView.as_view(), name="arrangement_staff_remove"),
    path("arrangement/staff/<int:pk>/leader/", StaffLeaderView.as_view(), name="arrangement_staff_leader"),
    path("arrangement/mine/", MyAssignmentsView.as_view(), name="arrangement_mine"),
    path("arrangement/mine/<int:pk>/conflicts/", MyConflictCreateView.as_view(), name="arrangement_my_conflict"),
]
