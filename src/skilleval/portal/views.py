from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from skilleval.accounts.access import Perm
from skilleval.catalog.forms import CatalogImportForm
from skilleval.catalog.selectors import (
    certificate_levels,
    id_types_all,
    jurisdictions_all,
    occupations_search,
    profiles_all,
)
from skilleval.catalog.services import IMPORT_COLUMNS, catalog_import_start
from skilleval.core.errors import DomainError
from skilleval.core.notifications import notifications_for, notifications_mark_read
from skilleval.core.selectors import audit_events_visible_to, job_get_for_actor, jobs_visible_to
from skilleval.core.tabular import write_xlsx
from skilleval.core.views import ActorView, Column, ListPageMixin, apply_domain_error
from skilleval.core.workdays import working_calendar

from .forms import AuditFilterForm, JobFilterForm, OccupationFilterForm, WorkdaysAddForm, WorkdaysBetweenForm
from .navigation import AREAS_BY_SLUG
from .selectors import home_context


@method_decorator(login_not_required, name="dispatch")
class LandingView(View):
    def get(self, request):
        if request.user.is_authenticated:
            return redirect("portal:home")
        return render(request, "portal/landing.html")


@method_decorator(login_not_required, name="dispatch")
class HealthView(View):
    """A trivial answer for load balancers and the framework_floor benchmark."""

    def get(self, request):
        return JsonResponse({"status": "ok"})


class HomeView(ActorView):
    permission = Perm.HOME

    def get(self, request):
        return render(request, "portal/home.html", home_context(request.actor))


class AreaView(ActorView):
    permission = Perm.HOME

    def get(self, request, slug):
        area = AREAS_BY_SLUG.get(slug)
        if area is None or not any(request.actor.has(p) for p in area.permissions):
            raise Http404(_("页面不存在。"))
        return render(request, "portal/area.html", {"area": area})


def _audit_object(event):
    return format_html('<span class="text-muted small">{}</span><br>{}', event.object_type, event.object_repr)


class AuditLogView(ListPageMixin, ActorView):
    permission = Perm.AUDIT_VIEW
    filter_form_class = AuditFilterForm
    default_sort = "-occurred_at"
    export_name = "audit-log"
    columns = [
        Column("occurred_at", gettext_lazy("时间"), sort="occurred_at"),
        Column("actor_name", gettext_lazy("操作人"), sort="actor_name"),
        Column("get_action_display", gettext_lazy("操作"), sort="action"),
        Column("object_repr", gettext_lazy("对象"), html=_audit_object),
        Column("summary", gettext_lazy("说明")),
        Column("detail", gettext_lazy("详情"), value=lambda e: str(e.changed_fields) if e.changed_fields else "",
               html=lambda e: format_html('<a href="{}">{}</a>', reverse("portal:audit_detail", args=[e.pk]), _("查看"))),
    ]

    def get_queryset(self):
        return audit_events_visible_to(self.request.actor)

    def apply_filters(self, queryset, data):
        if data.get("q"):
            q = data["q"]
            queryset = queryset.filter(Q(actor_name__contains=q) | Q(object_repr__contains=q) | Q(summary__contains=q)
                                       | Q(object_id=q))
        if data.get("action"):
            queryset = queryset.filter(action=data["action"])
        if data.get("date_from"):
            queryset = queryset.filter(occurred_at__date__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(occurred_at__date__lte=data["date_to"])
        return queryset

    template_name = "portal/audit_log.html"
    empty_title = gettext_lazy("没有符合条件的审计记录")
    empty_text = gettext_lazy("业务对象的创建、修改、状态变更和删除都会记录在这里。")


class AuditEventDetailView(ActorView):
    permission = Perm.AUDIT_VIEW

    def get(self, request, pk):
        event = audit_events_visible_to(request.actor).filter(pk=pk).first()
        if event is None:
            raise Http404(_("未找到该记录，或您无权查看。"))
        return render(request, "portal/audit_detail.html", {"event": event})


def _job_link(job):
    return format_html('<a href="{}">{}</a>', reverse("portal:job_detail", args=[job.pk]), job.title)


def _job_status(job):
    from skilleval.core.templatetags.core_tags import status_colour

    return format_html('<span class="badge text-bg-{}">{}</span>', status_colour(job.status), job.get_status_display())


class JobListView(ListPageMixin, ActorView):
    permission = Perm.JOB_VIEW
    filter_form_class = JobFilterForm
    default_sort = "-created_at"
    export_name = "jobs"
    columns = [
        Column("title", gettext_lazy("任务"), html=_job_link),
        Column("get_status_display", gettext_lazy("状态"), sort="status", html=_job_status),
        Column("percent", gettext_lazy("进度（%）")),
        Column("created_at", gettext_lazy("提交时间"), sort="created_at"),
        Column("finished_at", gettext_lazy("完成时间"), sort="finished_at"),
    ]

    def get_queryset(self):
        return jobs_visible_to(self.request.actor)

    def apply_filters(self, queryset, data):
        return queryset.filter(status=data["status"]) if data.get("status") else queryset

    template_name = "portal/jobs.html"
    empty_title = gettext_lazy("暂无后台任务")
    empty_text = gettext_lazy("导入、批量生成证书、报表等耗时操作会在后台执行，进度显示在这里。")


class JobDetailView(ActorView):
    permission = Perm.JOB_VIEW

    def get(self, request, pk):
        job = job_get_for_actor(actor=request.actor, pk=pk)
        template = "portal/_job_progress.html" if request.headers.get("HX-Request") else "portal/job_detail.html"
        return render(request, template, {"job": job})


class JobFileView(ActorView):
    permission = Perm.JOB_VIEW

    def get(self, request, pk, which):
        job = job_get_for_actor(actor=request.actor, pk=pk)
        field = {"output": job.output_file}.get(which)
        if not field:
            raise Http404(_("该任务没有可下载的文件。"))
        return FileResponse(field.open("rb"), as_attachment=True, filename=field.name.rsplit("/", 1)[-1])


def _occupation_status(occupation):
    if occupation.can_self_evaluate:
        return format_html('<span class="badge text-bg-success">{}</span>', _("可自主评价"))
    reason = _("准入类") if occupation.is_access_type else _("非技能类")
    return format_html('<span class="badge text-bg-secondary">{}</span>', _("不可自主评价（%(r)s）") % {"r": reason})


class OccupationListView(ListPageMixin, ActorView):
    permission = Perm.REFERENCE_VIEW
    filter_form_class = OccupationFilterForm
    default_sort = "code"
    export_name = "occupations"
    columns = [
        Column("code", gettext_lazy("职业编码"), sort="code"),
        Column("name", gettext_lazy("职业名称"), sort="name"),
        Column("work_type_count", gettext_lazy("工种数")),
        Column("status", gettext_lazy("自主评价"), html=_occupation_status,
               value=lambda o: _("可") if o.can_self_evaluate else _("否")),
        Column("is_sample", gettext_lazy("来源"), value=lambda o: _("示例数据") if o.is_sample else _("官方目录")),
    ]

    def get_queryset(self):
        return occupations_search()

    def apply_filters(self, queryset, data):
        evaluable = {"yes": True, "no": False}.get(data.get("evaluable") or "")
        return occupations_search(q=data.get("q") or "", evaluable=evaluable)

    template_name = "portal/occupations.html"
    empty_title = gettext_lazy("没有符合条件的职业")
    empty_text = gettext_lazy("平台管理员导入国家职业分类大典后，职业和工种将显示在这里。")

    def extra_context(self):
        return {"levels": certificate_levels(), "id_types": id_types_all(),
                "has_sample": occupations_search(sample=True).exists()}


class PolicyProfileListView(ActorView):
    permission = Perm.REFERENCE_VIEW

    def get(self, request):
        return render(request, "portal/profiles.html",
                      {"profiles": profiles_all(), "jurisdictions": jurisdictions_all()})


class CatalogImportView(ActorView):
    permission = Perm.REFERENCE_MANAGE

    def get(self, request):
        return render(request, "portal/catalog_import.html", {"form": CatalogImportForm()})

    def post(self, request):
        form = CatalogImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = catalog_import_start(actor=request.actor, upload=form.cleaned_data["file"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect("portal:job_detail", pk=job.pk)
        return render(request, "portal/catalog_import.html", {"form": form})


class CatalogTemplateView(ActorView):
    permission = Perm.REFERENCE_VIEW

    def get(self, request):
        content = write_xlsx(IMPORT_COLUMNS, [["6-18-01-01", "车工", "", "", "技能类", "否"],
                                              ["6-31-01-03", "电工", "6-31-01-03-01", "维修电工", "技能类", "否"]],
                             title="职业目录")
        response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="catalog-template.xlsx"'
        return response


class WorkdaysView(ActorView):
    permission = Perm.REFERENCE_VIEW

    def get(self, request):
        calendar = working_calendar()
        add_form = WorkdaysAddForm(request.GET if "add-days" in request.GET else None, prefix="add")
        between_form = WorkdaysBetweenForm(request.GET if "between-end" in request.GET else None, prefix="between")
        context = {"add_form": add_form, "between_form": between_form}
        if add_form.is_bound and add_form.is_valid():
            context["add_result"] = calendar.add(add_form.cleaned_data["start"], add_form.cleaned_data["days"])
        if between_form.is_bound and between_form.is_valid():
            count, provisional = calendar.between(between_form.cleaned_data["start"], between_form.cleaned_data["end"])
            context["between_result"] = {"count": count, "provisional": provisional}
        return render(request, "portal/workdays.html", context)


class NotificationListView(ActorView):
    permission = Perm.HOME

    def get(self, request):
        notifications = list(notifications_for(request.actor)[:100])
        return render(request, "portal/notifications.html", {"notifications": notifications})

    def post(self, request):
        notifications_mark_read(actor=request.actor)
        return redirect("portal:notifications")
