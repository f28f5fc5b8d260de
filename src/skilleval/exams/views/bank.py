"""Pages of the question bank (题库): theory items and practical tasks, their import
and export. Only the organisation's 题库管理人员 (Perm.BANK_MANAGE) reach them; every
lookup goes through the scoped selectors (another organisation's item is a 404), and
every page that shows item content records a view event through the services."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Perm, get_scoped_or_404
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.core.templatetags.core_tags import status_colour
from skilleval.core.views import ActionView, ActorView, Column, ListPageMixin, apply_domain_error

from ..forms_bank import (
    BankImportForm,
    PracticalTaskFilterForm,
    PracticalTaskForm,
    QuestionItemFilterForm,
    QuestionItemForm,
    RetireForm,
)
from ..models import ItemStatus, PracticalTask, QuestionItem
from ..selectors import practical_tasks_visible_to, question_items_visible_to
from ..services import bank

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _badge(obj) -> str:
    return format_html('<span class="badge text-bg-{}">{}</span>', status_colour(obj.status), obj.get_status_display())


def _xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _apply_errors(form, exc: DomainError) -> None:
    """A service refusal at its fields (BankInvalid may name several)."""
    for name, message in getattr(exc, "errors", None) or [(exc.field, exc.message)]:
        form.add_error(name if name in form.fields else None, message)


def _history(obj, object_type: str, organisation_id: int) -> list[AuditEvent]:
    """The item's own audit events (its staff may see who viewed and changed it)."""
    return list(AuditEvent.objects.filter(object_type=object_type, object_id=str(obj.pk),
                                          organisation_id=organisation_id).order_by("-occurred_at", "-id")[:50])


class _BankListPage(ListPageMixin, ActorView):
    """A bank list: scoped, filtered, sorted; its page view and its export audited."""

    permission = Perm.BANK_MANAGE
    filter_class: type = QuestionItemFilterForm

    @property
    def filter_form_class(self):
        return partial(self.filter_class, organisation_id=self.request.actor.organisation_id)

    def filtered(self, data):
        """The scoped queryset narrowed by `data` (GET or POST), sorted like the page."""
        form = self.filter_form_class(data or None)
        queryset = self.get_queryset()
        if form.is_bound and form.is_valid():
            queryset = self.apply_filters(queryset, form.cleaned_data)
        sort = data.get("sort", self.default_sort)
        if sort.lstrip("-") not in {c.sort for c in self.columns if c.sort}:
            sort = self.default_sort
        return queryset.order_by(sort, "-pk"), form

    def export(self, request, queryset, description: str) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def record_page(self, request, rows, page: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            queryset, form = self.filtered(request.GET)
            stamp = timezone.localtime().strftime("%Y%m%d%H%M")
            return _xlsx_response(self.export(request, queryset, form.describe()), f"{self.export_name}-{stamp}.xlsx")
        return super().get(request, *args, **kwargs)

    def list_context(self, request):
        context = super().list_context(request)
        if isinstance(context, dict):
            self.record_page(request, context["rows"], context["page"].number)
        return context


def _item_link(item: QuestionItem) -> str:
    return format_html('<a href="{}">{}</a>', reverse("exams:bank_item_detail", args=[item.pk]), item.code)


class BankItemListView(_BankListPage):
    template_name = "exams/bank/item_list.html"
    filter_class = QuestionItemFilterForm
    default_sort = "code"
    export_name = "question-bank"
    empty_title = gettext_lazy("没有符合条件的理论试题")
    empty_text = gettext_lazy("新建试题或按模板批量导入；草稿经审定后才能用于组卷。")
    columns = [
        Column("code", gettext_lazy("试题编号"), sort="code", html=_item_link),
        Column("occupation", gettext_lazy("职业"), sort="occupation__code",
               value=lambda i: f"{i.occupation.code} {i.occupation.name}"),
        Column("level", gettext_lazy("等级"), sort="level", value=lambda i: f"{i.level}级"),
        Column("kind", gettext_lazy("题型"), sort="kind", value=lambda i: i.get_kind_display()),
        Column("stem", gettext_lazy("题干"), value=lambda i: Truncator(i.stem).chars(40)),
        Column("knowledge_point", gettext_lazy("鉴定要素"), sort="knowledge_point"),
        Column("difficulty", gettext_lazy("难度"), sort="difficulty"),
        Column("status", gettext_lazy("状态"), sort="status", html=_badge, value=lambda i: i.get_status_display()),
        Column("updated_at", gettext_lazy("更新时间"), sort="updated_at"),
    ]

    def get_queryset(self):
        return question_items_visible_to(self.request.actor)

    def apply_filters(self, queryset, data):
        if data.get("q"):
            q = data["q"].strip()
            queryset = queryset.filter(Q(code__icontains=q) | Q(stem__contains=q))
        if data.get("occupation"):
            queryset = queryset.filter(occupation__code=data["occupation"])
        if data.get("level"):
            queryset = queryset.filter(level=int(data["level"]))
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("knowledge_point"):
            queryset = queryset.filter(knowledge_point__contains=data["knowledge_point"].strip())
        return queryset

    def export(self, request, queryset, description):
        return bank.question_items_export_xlsx(actor=request.actor, items=queryset, description=description,
                                               max_rows=self.max_export_rows, ip_address=_ip(request))

    def record_page(self, request, rows, page):
        bank.question_items_record_list_view(actor=request.actor, items=rows, page=page, ip_address=_ip(request))

    def extra_context(self):
        queryset, _form = self.filtered(self.request.GET)
        return {"draft_count": queryset.filter(status=ItemStatus.DRAFT).count(),
                "filter_items": [(k, v) for k, v in self.request.GET.items() if k not in ("page", "export")]}


class BankItemsApproveView(ActorView):
    """Approve every draft of the filtered list (the filters come back as hidden fields)."""

    permission = Perm.BANK_MANAGE
    http_method_names = ["post"]

    def post(self, request):
        queryset, _form = BankItemListView(request=request).filtered(request.POST)
        try:
            count = bank.question_items_approve_many(actor=request.actor, items=queryset)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if count:
                messages.success(request, _("已审定 %(n)d 道试题。") % {"n": count})
            else:
                messages.info(request, _("筛选结果中没有待审定的草稿。"))
        query = urlencode([(k, v) for k, v in request.POST.items() if k != "csrfmiddlewaretoken"])
        return redirect(reverse("exams:bank_items") + (f"?{query}" if query else ""))


class BankItemCreateView(ActorView):
    permission = Perm.BANK_MANAGE
    template_name = "exams/bank/item_form.html"

    def get(self, request):
        form = QuestionItemForm(organisation_id=request.actor.organisation_id)
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = QuestionItemForm(request.POST, organisation_id=request.actor.organisation_id)
        if form.is_valid():
            try:
                item = bank.question_item_create(actor=request.actor, data=form.item_data())
            except DomainError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已保存试题 %(c)s（草稿），审定后可用于组卷。") % {"c": item.code})
                if request.POST.get("next") == "new":
                    return redirect("exams:bank_item_create")
                return redirect("exams:bank_item_detail", pk=item.pk)
        return render(request, self.template_name, {"form": form}, status=400)


def _item_for(request, pk) -> QuestionItem:
    return get_scoped_or_404(question_items_visible_to(request.actor), pk=pk)


class BankItemDetailView(ActorView):
    permission = Perm.BANK_MANAGE

    def get(self, request, pk):
        item = _item_for(request, pk)
        bank.question_item_record_view(actor=request.actor, item=item, ip_address=_ip(request))
        return render(request, "exams/bank/item_detail.html", {
            "item": item,
            "options": item.options or [],
            "answer": bank.item_answer_text(item),
            "level_label": bank.level_labels().get(item.level, item.level),
            "retire_form": RetireForm(),
            "events": _history(item, "exams.questionitem", item.organisation_id),
        })


class BankItemEditView(ActorView):
    permission = Perm.BANK_MANAGE
    template_name = "exams/bank/item_form.html"

    def get(self, request, pk):
        item = _item_for(request, pk)
        if item.status != ItemStatus.DRAFT:
            messages.error(request, _("只有草稿可以修改；已审定的试题请停用后另建新题。"))
            return redirect("exams:bank_item_detail", pk=item.pk)
        bank.question_item_record_view(actor=request.actor, item=item, ip_address=_ip(request))
        form = QuestionItemForm(initial=QuestionItemForm.initial_from(item), organisation_id=item.organisation_id,
                                instance=item)
        return render(request, self.template_name, {"form": form, "item": item})

    def post(self, request, pk):
        item = _item_for(request, pk)
        form = QuestionItemForm(request.POST, organisation_id=item.organisation_id, instance=item)
        if form.is_valid():
            try:
                item = bank.question_item_update(actor=request.actor, item=item, data=form.item_data())
            except DomainError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已保存试题 %(c)s。") % {"c": item.code})
                return redirect("exams:bank_item_detail", pk=item.pk)
        return render(request, self.template_name, {"form": form, "item": item}, status=400)


class _ItemAction(ActionView):
    permission = Perm.BANK_MANAGE

    def get_object(self, request, **kwargs):
        return _item_for(request, kwargs["pk"])

    def success_url(self, request, obj, **kwargs):
        return reverse("exams:bank_item_detail", args=[obj.pk])


class BankItemApproveView(_ItemAction):
    def perform(self, request, item, data):
        bank.question_item_approve(actor=request.actor, item=item)
        return _("试题 %(c)s 已审定，可用于组卷。") % {"c": item.code}


class BankItemRetireView(_ItemAction):
    form_class = RetireForm

    def perform(self, request, item, data):
        bank.question_item_retire(actor=request.actor, item=item, reason=data.get("reason", ""))
        return _("试题 %(c)s 已停用，不再用于新组的试卷。") % {"c": item.code}


# ---------------------------------------------------------------------------------------------
# Import, template


class BankImportView(ActorView):
    permission = Perm.BANK_MANAGE
    template_name = "exams/bank/import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": BankImportForm()})

    def post(self, request):
        form = BankImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = bank.question_items_import_start(actor=request.actor, upload=form.cleaned_data["file"],
                                                       clean_rows_only=form.cleaned_data["clean_rows_only"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect("portal:job_detail", pk=job.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class BankImportTemplateView(ActorView):
    permission = Perm.BANK_MANAGE

    def get(self, request):
        return _xlsx_response(bank.question_items_template_xlsx(actor=request.actor), "question-bank-template.xlsx")


# ---------------------------------------------------------------------------------------------
# Practical tasks


def _task_link(task: PracticalTask) -> str:
    return format_html('<a href="{}">{}</a>', reverse("exams:bank_task_detail", args=[task.pk]), task.code)


class BankTaskListView(_BankListPage):
    template_name = "exams/bank/task_list.html"
    filter_class = PracticalTaskFilterForm
    default_sort = "code"
    export_name = "practical-tasks"
    empty_title = gettext_lazy("没有符合条件的操作技能试题")
    empty_text = gettext_lazy("新建操作技能试题并填写评分标准；草稿经审定后才能用于考核。")
    columns = [
        Column("code", gettext_lazy("试题编号"), sort="code", html=_task_link),
        Column("occupation", gettext_lazy("职业"), sort="occupation__code",
               value=lambda t: f"{t.occupation.code} {t.occupation.name}"),
        Column("level", gettext_lazy("等级"), sort="level", value=lambda t: f"{t.level}级"),
        Column("title", gettext_lazy("试题名称"), sort="title"),
        Column("duration_minutes", gettext_lazy("考核时间（分钟）"), sort="duration_minutes"),
        Column("total_points", gettext_lazy("总分")),
        Column("status", gettext_lazy("状态"), sort="status", html=_badge, value=lambda t: t.get_status_display()),
        Column("updated_at", gettext_lazy("更新时间"), sort="updated_at"),
    ]

    def get_queryset(self):
        return practical_tasks_visible_to(self.request.actor)

    def apply_filters(self, queryset, data):
        if data.get("q"):
            q = data["q"].strip()
            queryset = queryset.filter(Q(code__icontains=q) | Q(title__contains=q))
        if data.get("occupation"):
            queryset = queryset.filter(occupation__code=data["occupation"])
        if data.get("level"):
            queryset = queryset.filter(level=int(data["level"]))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        return queryset

    def export(self, request, queryset, description):
        return bank.practical_tasks_export_xlsx(actor=request.actor, tasks=queryset, description=description,
                                                max_rows=self.max_export_rows, ip_address=_ip(request))

    def record_page(self, request, rows, page):
        bank.practical_tasks_record_list_view(actor=request.actor, tasks=rows, page=page, ip_address=_ip(request))


def _task_for(request, pk) -> PracticalTask:
    return get_scoped_or_404(practical_tasks_visible_to(request.actor), pk=pk)


class BankTaskCreateView(ActorView):
    permission = Perm.BANK_MANAGE
    template_name = "exams/bank/task_form.html"

    def get(self, request):
        return render(request, self.template_name,
                      {"form": PracticalTaskForm(organisation_id=request.actor.organisation_id)})

    def post(self, request):
        form = PracticalTaskForm(request.POST, organisation_id=request.actor.organisation_id)
        if form.is_valid():
            try:
                task = bank.practical_task_create(actor=request.actor, data=form.task_data())
            except DomainError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已保存操作技能试题 %(c)s（草稿）。") % {"c": task.code})
                return redirect("exams:bank_task_detail", pk=task.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class BankTaskDetailView(ActorView):
    permission = Perm.BANK_MANAGE

    def get(self, request, pk):
        task = _task_for(request, pk)
        bank.practical_task_record_view(actor=request.actor, task=task, ip_address=_ip(request))
        return render(request, "exams/bank/task_detail.html", {
            "task": task,
            "level_label": bank.level_labels().get(task.level, task.level),
            "retire_form": RetireForm(),
            "events": _history(task, "exams.practicaltask", task.organisation_id),
        })


class BankTaskEditView(ActorView):
    permission = Perm.BANK_MANAGE
    template_name = "exams/bank/task_form.html"

    def get(self, request, pk):
        task = _task_for(request, pk)
        if task.status != ItemStatus.DRAFT:
            messages.error(request, _("只有草稿可以修改；已审定的试题请停用后另建新题。"))
            return redirect("exams:bank_task_detail", pk=task.pk)
        bank.practical_task_record_view(actor=request.actor, task=task, ip_address=_ip(request))
        form = PracticalTaskForm(initial=PracticalTaskForm.initial_from(task), organisation_id=task.organisation_id,
                                 instance=task)
        return render(request, self.template_name, {"form": form, "task": task})

    def post(self, request, pk):
        task = _task_for(request, pk)
        form = PracticalTaskForm(request.POST, organisation_id=task.organisation_id, instance=task)
        if form.is_valid():
            try:
                task = bank.practical_task_update(actor=request.actor, task=task, data=form.task_data())
            except DomainError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已保存操作技能试题 %(c)s。") % {"c": task.code})
                return redirect("exams:bank_task_detail", pk=task.pk)
        return render(request, self.template_name, {"form": form, "task": task}, status=400)


class _TaskAction(ActionView):
    permission = Perm.BANK_MANAGE

    def get_object(self, request, **kwargs):
        return _task_for(request, kwargs["pk"])

    def success_url(self, request, obj, **kwargs):
        return reverse("exams:bank_task_detail", args=[obj.pk])


class BankTaskApproveView(_TaskAction):
    def perform(self, request, task, data):
        bank.practical_task_approve(actor=request.actor, task=task)
        return _("操作技能试题 %(c)s 已审定。") % {"c": task.code}


class BankTaskRetireView(_TaskAction):
    form_class = RetireForm

    def perform(self, request, task, data):
        bank.practical_task_retire(actor=request.actor, task=task, reason=data.get("reason", ""))
        return _("操作技能试题 %(c)s 已停用。") % {"c": task.code}


urlpatterns = [
    path("bank/", BankItemListView.as_view(), name="bank_items"),
    path("bank/items/new/", BankItemCreateView.as_view(), name="bank_item_create"),
    path("bank/items/approve/", BankItemsApproveView.as_view(), name="bank_items_approve"),
    path("bank/items/<int:pk>/", BankItemDetailView.as_view(), name="bank_item_detail"),
    path("bank/items/<int:pk>/edit/", BankItemEditView.as_view(), name="bank_item_edit"),
    path("bank/items/<int:pk>/approve/", BankItemApproveView.as_view(), name="bank_item_approve"),
    path("bank/items/<int:pk>/retire/", BankItemRetireView.as_view(), name="bank_item_retire"),
    path("bank/import/", BankImportView.as_view(), name="bank_import"),
    path("bank/import/template/", BankImportTemplateView.as_view(), name="bank_import_template"),
    path("bank/tasks/", BankTaskListView.as_view(), name="bank_tasks"),
    path("bank/tasks/new/", BankTaskCreateView.as_view(), name="bank_task_create"),
    path("bank/tasks/<int:pk>/", BankTaskDetailView.as_view(), name="bank_task_detail"),
    path("bank/tasks/<int:pk>/edit/", BankTaskEditView.as_view(), name="bank_task_edit"),
    path("bank/tasks/<int:pk>/approve/", BankTaskApproveView.as_view(), name="bank_task_approve"),
    path("bank/tasks/<int:pk>/retire/", BankTaskRetireView.as_view(), name="bank_task_retire"),
]
