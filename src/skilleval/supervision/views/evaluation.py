"""Pages of the annual evaluation [HF 18]: the year's evaluations with their figures, one
evaluation with the authority's grade, remarks and model-organisation mark."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Perm
from skilleval.core.errors import DomainError
from skilleval.core.views import ActionView, ActorView, Column, ListPageMixin, apply_domain_error

from ..documents import evaluation_headers, evaluation_row
from ..forms import GradeForm, YearForm
from ..models import AnnualEvaluation
from ..selectors import METRIC_LABELS, evaluation_get_for_actor, evaluations_visible_to
from ..services import evaluation as services
from .common import AnyOfView, badge


def _metric(key):
    return lambda e: "—" if (e.metrics or {}).get(key) is None else e.metrics[key]


def _grade(e):
    if not e.grade:
        return "—"
    colour = {"excellent": "success", "good": "primary", "pass": "secondary", "fail": "danger"}[e.grade]
    model = format_html(' <span class="badge text-bg-warning">{}</span>', _("示范机构")) if e.is_model else ""
    return format_html('<span class="badge text-bg-{}">{}</span>{}', colour, e.get_grade_display(), model)


class EvaluationListView(ListPageMixin, AnyOfView):
    any_of = (Perm.SUPERVISION_MANAGE, Perm.ORG_MANAGE)
    template_name = "supervision/evaluation_list.html"
    filter_form_class = YearForm
    default_sort = "organisation__name"
    export_name = "annual-evaluations"
    empty_title = gettext_lazy("该年度暂无年度评估")
    empty_text = gettext_lazy("点击“生成年度评估数据”，系统按本辖区备案机构的批次、时限、报备、抽查和信用记录汇总数据，再逐一评定等次。")
    columns = [
        Column("organisation__name", gettext_lazy("评价机构"), sort="organisation__name", html=lambda e: format_html(
            '<a href="{}">{}</a>', reverse("supervision:evaluation_detail", args=[e.pk]), e.organisation.name)),
        Column("year", gettext_lazy("年度"), sort="year"),
        Column("batches_held", gettext_lazy("认定批次"), value=_metric("batches_held")),
        Column("candidates", gettext_lazy("参评人数"), value=_metric("candidates")),
        Column("deadlines_missed", gettext_lazy("逾期时限"), value=_metric("deadlines_missed")),
        Column("reports_returned", gettext_lazy("退回报备"), value=_metric("reports_returned")),
        Column("inspections", gettext_lazy("被抽查场次"), value=_metric("inspections")),
        Column("sanctions_rectification", gettext_lazy("限期整改"), value=_metric("sanctions_rectification")),
        Column("get_grade_display", gettext_lazy("评估等次"), sort="grade", html=_grade),
        Column("get_status_display", gettext_lazy("状态"), sort="status",
               html=lambda e: badge(e.get_status_display(), "accepted" if e.status == "finalised" else "draft")),
    ]

    def _year(self):
        return YearForm(self.request.GET or None).year_or_current()

    def get_queryset(self):
        return evaluations_visible_to(self.request.actor).filter(year=self._year())

    def list_context(self, request):
        if request.GET.get("export") == "xlsx":
            from skilleval.core.tabular import write_xlsx

            from .archives import xlsx_response

            rows = [evaluation_row(e) for e in self.get_queryset().order_by("organisation__name")]
            return xlsx_response(write_xlsx(evaluation_headers(), rows, title=_("年度评估")),
                                 f"annual-evaluations-{self._year()}")
        return super().list_context(request)

    def extra_context(self):
        actor = self.request.actor
        year = self._year()
        context = {"year": year, "may_prepare": actor.has(Perm.SUPERVISION_MANAGE) and actor.jurisdiction_id,
                   "this_year": timezone.localdate().year}
        if actor.is_authority and actor.jurisdiction_id:
            from skilleval.catalog.models import Jurisdiction

            jurisdiction = Jurisdiction.objects.get(pk=actor.jurisdiction_id)
            context["quota"] = jurisdiction.policy_profile().model_organisations_per_year
            context["models"] = AnnualEvaluation.objects.filter(jurisdiction=jurisdiction, year=year,
                                                                is_model=True).select_related("organisation")
        return context


class EvaluationPrepareView(ActorView):
    permission = Perm.SUPERVISION_MANAGE
    http_method_names = ["post"]

    def post(self, request):
        form = YearForm(request.POST)
        year = form.year_or_current()
        try:
            count = services.evaluations_prepare(actor=request.actor, year=year)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已生成/更新 %(y)d 年度 %(n)d 家机构的评估数据（已确定的评估不变）。") % {
                "y": year, "n": count})
        return redirect(reverse("supervision:evaluation_list") + f"?year={year}")


class EvaluationDetailView(ActorView):
    permission = Perm.HOME

    def _render(self, request, evaluation, form=None, status=200):
        actor = request.actor
        may_manage = actor.has(Perm.SUPERVISION_MANAGE) and actor.jurisdiction_id == evaluation.jurisdiction_id
        metrics = evaluation.metrics or {}
        return render(request, "supervision/evaluation_detail.html", {
            "evaluation": evaluation, "may_manage": may_manage,
            "metrics": [(label, metrics.get(key)) for key, label in METRIC_LABELS],
            "form": form or GradeForm(initial={"grade": evaluation.grade, "remarks": evaluation.remarks}),
            "quota": evaluation.jurisdiction.policy_profile().model_organisations_per_year,
            "model_count": AnnualEvaluation.objects.filter(jurisdiction_id=evaluation.jurisdiction_id,
                                                           year=evaluation.year, is_model=True).count(),
        }, status=status)

    def get(self, request, pk):
        evaluation = evaluation_get_for_actor(actor=request.actor, pk=pk)
        return self._render(request, evaluation)

    def post(self, request, pk):
        evaluation = evaluation_get_for_actor(actor=request.actor, pk=pk)
        request.actor.require(Perm.SUPERVISION_MANAGE)
        form = GradeForm(request.POST)
        if form.is_valid():
            try:
                services.evaluation_grade(actor=request.actor, evaluation=evaluation, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已保存评估等次和意见。"))
                return redirect("supervision:evaluation_detail", pk=pk)
        return self._render(request, evaluation, form, status=400)


class EvaluationFinaliseView(ActionView):
    permission = Perm.SUPERVISION_MANAGE
    success_message = gettext_lazy("年度评估已确定，并已通知机构。")

    def get_object(self, request, pk):
        return evaluation_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, evaluation, data):
        services.evaluation_finalise(actor=request.actor, evaluation=evaluation)

    def success_url(self, request, evaluation, **kwargs):
        return reverse("supervision:evaluation_detail", args=[evaluation.pk])


class EvaluationModelView(ActionView):
    permission = Perm.SUPERVISION_MANAGE

    def get_object(self, request, pk):
        return evaluation_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, evaluation, data):
        is_model = request.POST.get("is_model") == "1"
        services.evaluation_set_model(actor=request.actor, evaluation=evaluation, is_model=is_model)
        return _("已选树为 %(y)d 年度示范机构。") % {"y": evaluation.year} if is_model else _("已取消年度示范机构。")

    def success_url(self, request, evaluation, **kwargs):
        return reverse("supervision:evaluation_detail", args=[evaluation.pk])
