"""Pages of the random inspections (双随机一公开): yearly coverage and the draws, the draw
form, a plan with its reproducibility check, the on-site record, the inspector pool with
declared conflicts, the public results page, and the authority supervisors at a batch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from skilleval.accounts.access import Perm
from skilleval.accounts.models import User
from skilleval.batches.models import Batch
from skilleval.batches.selectors import batch_get_for_actor, batches_visible_to
from skilleval.core.errors import DomainError
from skilleval.core.views import ActionView, ActorView, Column, ListPageMixin, apply_domain_error
from skilleval.exams.models import ExamSession

from ..forms import (
    ConflictForm,
    DrawForm,
    FindingForm,
    InspectorForm,
    PhotoForm,
    VisitForm,
    VisitReportForm,
    YearForm,
)
from ..models import Inspection, InspectionPhoto, Inspector
from ..sampling import pool_from_json
from ..selectors import (
    conflict_get_for_actor,
    coverage_for,
    inspection_get_for_actor,
    inspections_published,
    inspections_visible_to,
    inspector_get_for_actor,
    inspectors_visible_to,
    model_organisations,
    organisations_supervised_by,
    plan_get_for_actor,
    plan_reproduces,
    plans_visible_to,
    visit_get_for_actor,
    visits_visible_to,
)
from ..services import inspections as services
from ..services.common import own_jurisdiction
from .common import AnyOfView, badge

CONCLUSION_COLOURS = {"compliant": "success", "rectify": "warning", "serious": "danger"}


def conclusion_badge(inspection):
    if not inspection.conclusion:
        return "—"
    return format_html('<span class="badge text-bg-{}">{}</span>', CONCLUSION_COLOURS[inspection.conclusion],
                       inspection.get_conclusion_display())


def _local(value, fmt="%Y-%m-%d %H:%M"):
    return timezone.localtime(value).strftime(fmt) if value else ""


# ---------------------------------------------------------------------------------------------
# Coverage and draws


class InspectionHomeView(ListPageMixin, ActorView):
    """The year's coverage against the profile's share, and the draws made."""

    permission = Perm.SUPERVISION_MANAGE
    template_name = "supervision/inspection_home.html"
    default_sort = "-drawn_at"
    export_name = "inspection-plans"
    empty_title = gettext_lazy("尚未组织双随机抽查")
    empty_text = gettext_lazy("点击“抽取检查场次”，按政策要求的比例随机抽取评价场次和检查人员。")
    columns = [
        Column("title", gettext_lazy("抽查名称"), html=lambda p: format_html(
            '<a href="{}">{}</a>', reverse("supervision:plan_detail", args=[p.pk]), p.title)),
        Column("jurisdiction__name", gettext_lazy("辖区")),
        Column("period", gettext_lazy("抽查期间"), value=lambda p: f"{p.period_start:%Y-%m-%d} 至 {p.period_end:%Y-%m-%d}"),
        Column("target", gettext_lazy("抽取场次"), sort="target"),
        Column("percent", gettext_lazy("比例（%）")),
        Column("seed", gettext_lazy("随机种子")),
        Column("drawn_at", gettext_lazy("抽取时间"), sort="drawn_at"),
    ]

    def get_queryset(self):
        return plans_visible_to(self.request.actor)

    def extra_context(self):
        actor = self.request.actor
        year = YearForm(self.request.GET or None).year_or_current()
        return {"coverage": coverage_for(actor, year), "year": year,
                "can_draw": actor.is_authority and actor.jurisdiction_id is not None}


class DrawView(ActorView):
    permission = Perm.SUPERVISION_MANAGE
    template_name = "supervision/draw.html"

    def _context(self, request, form):
        jurisdiction = own_jurisdiction(request.actor)
        profile = jurisdiction.policy_profile()
        year = timezone.localdate().year
        coverage = next((c for c in coverage_for(request.actor, year) if c.jurisdiction.pk == jurisdiction.pk), None)
        pool = Inspector.objects.filter(jurisdiction=jurisdiction, is_active=True).count()
        return {"form": form, "jurisdiction": jurisdiction, "profile": profile, "coverage": coverage,
                "pool_size": pool}

    def get(self, request):
        jurisdiction = own_jurisdiction(request.actor)
        today = timezone.localdate()
        form = DrawForm(initial={"period_start": today.replace(month=1, day=1), "period_end": today.replace(month=12,
                                                                                                             day=31),
                                 "percent": jurisdiction.policy_profile().inspection_min_percent,
                                 "inspectors_per_session": 2})
        return render(request, self.template_name, self._context(request, form))

    def post(self, request):
        form = DrawForm(request.POST)
        if form.is_valid():
            try:
                plan = services.inspection_draw(actor=request.actor, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已抽取 %(n)d 个场次，随机种子 %(s)d 已记录。") % {
                    "n": plan.inspections.count(), "s": plan.seed})
                return redirect("supervision:plan_detail", pk=plan.pk)
        return render(request, self.template_name, self._context(request, form), status=400)


class PlanDetailView(ActorView):
    permission = Perm.SUPERVISION_MANAGE

    def get(self, request, pk):
        plan = plan_get_for_actor(actor=request.actor, pk=pk)
        inspections = list(plan.inspections.select_related("session", "organisation", "session__batch_item__level",
                                                           "session__batch_item__occupation")
                           .prefetch_related("inspectors").order_by("order"))
        pool_sessions, pool_inspectors = pool_from_json(plan.pool)
        conflicted = sum(1 for i in pool_inspectors if i.conflicts)
        return render(request, "supervision/plan_detail.html", {
            "plan": plan, "inspections": inspections, "reproduces": plan_reproduces(plan),
            "pool_sessions": len(pool_sessions), "pool_inspectors": len(pool_inspectors),
            "conflicted_inspectors": conflicted,
        })


# ---------------------------------------------------------------------------------------------
# One inspection


def _inspection_context(request, inspection, *, finding_form=None, photo_form=None):
    actor = request.actor
    may_record = actor.has(Perm.SUPERVISION_MANAGE) and actor.jurisdiction_id == inspection.jurisdiction_id
    return {
        "inspection": inspection,
        "session": inspection.session,
        "inspectors": inspection.inspectors.all(),
        "photos": inspection.photos.all(),
        "may_record": may_record and inspection.can_record(),
        "may_publish": may_record and inspection.can_publish(),
        "finding_form": finding_form or FindingForm(initial=FindingForm.initial_for(inspection)),
        "photo_form": photo_form or PhotoForm(),
        "check_rows": [(label, (inspection.checklist or {}).get(key) or {}) for key, label in services.CHECKLIST],
    }


class InspectionDetailView(ActorView):
    permission = Perm.HOME

    def get(self, request, pk):
        inspection = inspection_get_for_actor(actor=request.actor, pk=pk)
        return render(request, "supervision/inspection_detail.html", _inspection_context(request, inspection))


class InspectionRecordView(ActorView):
    permission = Perm.SUPERVISION_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        inspection = inspection_get_for_actor(actor=request.actor, pk=pk)
        form = FindingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.inspection_record(
                    actor=request.actor, inspection=inspection, inspected_at=data["inspected_at"],
                    checklist=form.checklist(), findings=data["findings"], conclusion=data["conclusion"],
                    rectification_demand=data["rectification_demand"],
                    rectification_deadline=data["rectification_deadline"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("检查结果已保存。核对无误后可公开。"))
                return redirect("supervision:inspection_detail", pk=pk)
        inspection.refresh_from_db()
        return render(request, "supervision/inspection_detail.html",
                      _inspection_context(request, inspection, finding_form=form), status=400)


class InspectionPhotoView(ActorView):
    permission = Perm.SUPERVISION_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        inspection = inspection_get_for_actor(actor=request.actor, pk=pk)
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.inspection_photo_add(actor=request.actor, inspection=inspection,
                                              upload=form.cleaned_data["file"], caption=form.cleaned_data["caption"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("照片已上传。"))
                return redirect(reverse("supervision:inspection_detail", args=[pk]) + "#photos")
        return render(request, "supervision/inspection_detail.html",
                      _inspection_context(request, inspection, photo_form=form), status=400)


class InspectionPublishView(ActionView):
    permission = Perm.SUPERVISION_MANAGE

    def get_object(self, request, pk):
        return inspection_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, inspection, data):
        inspection = services.inspection_publish(actor=request.actor, inspection=inspection)
        if inspection.sanction_id:
            return _("检查结果已公开；整改要求已记入该机构信用记录并通知机构。")
        return _("检查结果已公开，并已通知被检查单位。")

    def success_url(self, request, inspection, **kwargs):
        return reverse("supervision:inspection_detail", args=[inspection.pk])


class InspectionPhotoFileView(ActorView):
    permission = Perm.HOME

    def get(self, request, pk):
        photo = InspectionPhoto.objects.filter(pk=pk, inspection__in=inspections_visible_to(request.actor)).first()
        if photo is None:
            raise Http404(_("未找到该记录，或您无权查看。"))
        return FileResponse(photo.file.open("rb"), filename=photo.original_name, content_type=photo.content_type)


class OrganisationInspectionsView(ListPageMixin, ActorView):
    """An organisation's published inspection results."""

    permission = Perm.BATCH_MANAGE
    template_name = "supervision/org_inspections.html"
    default_sort = "-published_at"
    export_name = "inspections"
    empty_title = gettext_lazy("暂无公开的抽查结果")
    empty_text = gettext_lazy("人社部门对本单位评价场次的双随机抽查结果公开后显示在这里。")
    columns = [
        Column("session__name", gettext_lazy("场次"), html=lambda i: format_html(
            '<a href="{}">{}</a>', reverse("supervision:inspection_detail", args=[i.pk]), i.session.name)),
        Column("inspected_at", gettext_lazy("检查时间"), sort="inspected_at"),
        Column("get_conclusion_display", gettext_lazy("检查结论"), html=conclusion_badge),
        Column("rectification_deadline", gettext_lazy("整改期限")),
        Column("published_at", gettext_lazy("公开时间"), sort="published_at"),
    ]

    def get_queryset(self):
        return inspections_visible_to(self.request.actor).filter(status=Inspection.Status.PUBLISHED)


# ---------------------------------------------------------------------------------------------
# The public page (一公开)


@method_decorator(login_not_required, name="dispatch")
class PublicInspectionsView(ListPageMixin, View):
    template_name = "supervision/public.html"
    filter_form_class = YearForm
    default_sort = "-published_at"
    export_name = "inspection-results"
    empty_title = gettext_lazy("暂无公开的抽查结果")
    empty_text = gettext_lazy("人社部门对评价过程的双随机抽查结果在公开后显示在这里。")
    columns = [
        Column("jurisdiction__authority_name", gettext_lazy("抽查部门"),
               value=lambda i: i.jurisdiction.authority_name or i.jurisdiction.name),
        Column("organisation__name", gettext_lazy("被检查单位"), sort="organisation__name"),
        Column("session", gettext_lazy("评价场次"), value=lambda i: f"{i.session.name}（{_local(i.session.starts_at)}）"),
        Column("inspectors", gettext_lazy("检查人员"), value=lambda i: "、".join(x.name for x in i.inspectors.all())),
        Column("inspected_at", gettext_lazy("检查时间"), sort="inspected_at"),
        Column("get_conclusion_display", gettext_lazy("检查结论"), html=conclusion_badge),
        Column("findings", gettext_lazy("检查情况")),
        Column("rectification", gettext_lazy("整改要求"), value=lambda i: (
            f"{i.rectification_demand}（期限 {i.rectification_deadline:%Y-%m-%d}）" if i.rectification_demand else "")),
        Column("published_at", gettext_lazy("公开时间"), sort="published_at"),
    ]

    def get_queryset(self):
        return inspections_published()

    def apply_filters(self, queryset, data):
        return queryset.filter(plan__year=data["year"]) if data.get("year") else queryset

    def extra_context(self):
        year = YearForm(self.request.GET or None).year_or_current()
        models = model_organisations(year)
        if not models.exists():  # early in a year, last year's model organisations are the latest
            year -= 1
            models = model_organisations(year)
        return {"models_year": year, "models": models}


# ---------------------------------------------------------------------------------------------
# The inspector pool


def _user_choices(jurisdiction):
    users = User.objects.filter(memberships__role="authority", memberships__jurisdiction=jurisdiction,
                                memberships__is_active=True, is_active=True).order_by("username")
    return [(u.pk, f"{u.get_full_name()}（{u.username}）") for u in users]


class InspectorListView(ListPageMixin, ActorView):
    permission = Perm.SUPERVISION_MANAGE
    template_name = "supervision/inspector_list.html"
    default_sort = "name"
    export_name = "inspectors"
    empty_title = gettext_lazy("检查人员库为空")
    empty_text = gettext_lazy("添加本部门工作人员或聘请的专家，双随机抽查从在库人员中随机选派。")
    columns = [
        Column("name", gettext_lazy("姓名"), sort="name", html=lambda i: format_html(
            '<a href="{}">{}</a>', reverse("supervision:inspector_detail", args=[i.pk]), i.name)),
        Column("unit", gettext_lazy("工作单位（处室）")),
        Column("title", gettext_lazy("职务/专业")),
        Column("phone", gettext_lazy("联系电话")),
        Column("jurisdiction__name", gettext_lazy("辖区")),
        Column("open_conflicts", gettext_lazy("回避单位数"), sort="open_conflicts"),
        Column("is_active", gettext_lazy("状态"), value=lambda i: _("在库") if i.is_active else _("已移出")),
    ]

    def get_queryset(self):
        return inspectors_visible_to(self.request.actor).annotate(
            open_conflicts=Count("conflicts", filter=Q(conflicts__withdrawn_on=None)))

    def extra_context(self):
        actor = self.request.actor
        if not (actor.is_authority and actor.jurisdiction_id):
            return {"form": None}
        jurisdiction = own_jurisdiction(actor)
        return {"form": getattr(self, "form", None) or InspectorForm(user_choices=_user_choices(jurisdiction))}

    def post(self, request):
        jurisdiction = own_jurisdiction(request.actor)
        form = InspectorForm(request.POST, user_choices=_user_choices(jurisdiction))
        if form.is_valid():
            data = dict(form.cleaned_data)
            user_id = data.pop("user")
            try:
                inspector = services.inspector_add(actor=request.actor, user=User.objects.filter(pk=user_id).first()
                                                   if user_id else None, **data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已将%(n)s加入检查人员库。") % {"n": inspector.name})
                return redirect("supervision:inspector_list")
        self.form = form
        response = self.get(request)
        response.status_code = 400
        return response


class InspectorDetailView(ActorView):
    permission = Perm.SUPERVISION_MANAGE

    def _render(self, request, inspector, form=None, status=200):
        may_manage = request.actor.jurisdiction_id == inspector.jurisdiction_id
        choices = [(o.pk, o.name) for o in organisations_supervised_by(request.actor)]
        return render(request, "supervision/inspector_detail.html", {
            "inspector": inspector, "may_manage": may_manage,
            "conflicts": inspector.conflicts.select_related("organisation").order_by("withdrawn_on", "-declared_on"),
            "form": form or ConflictForm(organisation_choices=choices),
            "recent": inspector.inspections.select_related("session", "organisation").order_by("-pk")[:20],
        }, status=status)

    def get(self, request, pk):
        return self._render(request, inspector_get_for_actor(actor=request.actor, pk=pk))

    def post(self, request, pk):
        inspector = inspector_get_for_actor(actor=request.actor, pk=pk)
        choices = [(o.pk, o.name) for o in organisations_supervised_by(request.actor)]
        form = ConflictForm(request.POST, organisation_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            organisation = organisations_supervised_by(request.actor).filter(pk=data["organisation"]).first()
            try:
                if organisation is None:
                    raise DomainError(_("请选择本辖区的评价机构。"), field="organisation")
                services.conflict_declare(actor=request.actor, inspector=inspector, organisation=organisation,
                                          reason=data["reason"], declared_on=data["declared_on"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已登记回避：抽查和督导选派不会再抽到%(n)s到该单位。") % {"n": inspector.name})
                return redirect("supervision:inspector_detail", pk=pk)
        return self._render(request, inspector, form, status=400)


class InspectorActiveView(ActionView):
    permission = Perm.SUPERVISION_MANAGE

    def get_object(self, request, pk):
        return inspector_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, inspector, data):
        active = request.POST.get("active") == "1"
        services.inspector_set_active(actor=request.actor, inspector=inspector, active=active)
        return _("已恢复入库。") if active else _("已移出检查人员库（历史抽查记录保留）。")

    def success_url(self, request, inspector, **kwargs):
        return reverse("supervision:inspector_detail", args=[inspector.pk])


class ConflictWithdrawView(ActionView):
    permission = Perm.SUPERVISION_MANAGE
    success_message = gettext_lazy("已撤销回避申报。")

    def get_object(self, request, pk):
        return conflict_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, conflict, data):
        services.conflict_withdraw(actor=request.actor, conflict=conflict)

    def success_url(self, request, conflict, **kwargs):
        return reverse("supervision:inspector_detail", args=[conflict.inspector_id])


# ---------------------------------------------------------------------------------------------
# Authority supervisors at a batch's key steps


class VisitListView(ListPageMixin, AnyOfView):
    any_of = (Perm.SUPERVISION_MANAGE, Perm.BATCH_MANAGE)
    template_name = "supervision/visit_list.html"
    default_sort = "-planned_on"
    export_name = "supervisor-visits"
    empty_title = gettext_lazy("暂无督导派驻")
    empty_text = gettext_lazy("人社部门可向已报备计划的认定批次的关键环节选派质量督导员，督导报告归入批次档案。")
    columns = [
        Column("batch__name", gettext_lazy("认定批次"), html=lambda v: format_html(
            '<a href="{}">{}</a>', reverse("supervision:visit_detail", args=[v.pk]), v.batch.name)),
        Column("organisation__name", gettext_lazy("评价机构"), sort="organisation__name"),
        Column("get_step_display", gettext_lazy("督导环节"), sort="step"),
        Column("planned_on", gettext_lazy("督导日期"), sort="planned_on"),
        Column("get_status_display", gettext_lazy("状态"), sort="status",
               html=lambda v: badge(v.get_status_display(), "accepted" if v.status == "reported" else "submitted")),
    ]

    def get_queryset(self):
        return visits_visible_to(self.request.actor)

    def extra_context(self):
        actor = self.request.actor
        batches = []
        if actor.has(Perm.SUPERVISION_MANAGE) and actor.jurisdiction_id:
            batches = list(batches_visible_to(actor).filter(
                status__in=(Batch.Status.PLAN_FILED, Batch.Status.PLAN_CONFIRMED),
                plan_jurisdiction_id=actor.jurisdiction_id).order_by("-first_exam_date")[:50])
        return {"dispatchable": batches}


def _visit_form(request, batch, data=None):
    sessions = ExamSession.objects.filter(batch=batch).order_by("starts_at")
    jurisdiction = own_jurisdiction(request.actor)
    supervisors = Inspector.objects.filter(jurisdiction=jurisdiction, is_active=True).exclude(
        conflicts__organisation=batch.organisation, conflicts__withdrawn_on=None).order_by("name")
    return VisitForm(data, session_choices=[(s.pk, f"{s.name}（{_local(s.starts_at)}）") for s in sessions],
                     supervisor_choices=[(i.pk, f"{i.name} · {i.unit}") for i in supervisors])


class VisitCreateView(ActorView):
    permission = Perm.SUPERVISION_MANAGE
    template_name = "supervision/visit_form.html"

    def get(self, request, batch_pk):
        batch = batch_get_for_actor(actor=request.actor, pk=batch_pk)
        return render(request, self.template_name, {"batch": batch, "form": _visit_form(request, batch)})

    def post(self, request, batch_pk):
        batch = batch_get_for_actor(actor=request.actor, pk=batch_pk)
        form = _visit_form(request, batch, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            session = ExamSession.objects.filter(batch=batch, pk=data["session"]).first() if data["session"] else None
            supervisors = list(Inspector.objects.filter(pk__in=data["supervisors"]))
            try:
                visit = services.visit_dispatch(actor=request.actor, batch=batch, step=data["step"],
                                                planned_on=data["planned_on"], supervisors=supervisors,
                                                session=session)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已选派督导人员，并通知评价机构。"))
                return redirect("supervision:visit_detail", pk=visit.pk)
        return render(request, self.template_name, {"batch": batch, "form": form}, status=400)


class VisitDetailView(ActorView):
    permission = Perm.HOME

    def _render(self, request, visit, form=None, status=200):
        actor = request.actor
        may_report = (actor.has(Perm.SUPERVISION_MANAGE) and actor.jurisdiction_id == visit.jurisdiction_id
                      and visit.can_report())
        return render(request, "supervision/visit_detail.html", {
            "visit": visit, "supervisors": visit.supervisors.all(), "may_report": may_report,
            "form": form or VisitReportForm(), "due": visit.planned_on <= timezone.localdate(),
        }, status=status)

    def get(self, request, pk):
        return self._render(request, visit_get_for_actor(actor=request.actor, pk=pk))

    def post(self, request, pk):
        visit = visit_get_for_actor(actor=request.actor, pk=pk)
        request.actor.require(Perm.SUPERVISION_MANAGE)
        form = VisitReportForm(request.POST)
        if form.is_valid():
            try:
                services.visit_report(actor=request.actor, visit=visit, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("督导报告已提交，并归入该批次档案的“督导情况反馈”。"))
                return redirect("supervision:visit_detail", pk=pk)
        return self._render(request, visit, form, status=400)

