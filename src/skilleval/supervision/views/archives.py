"""Pages of the archives [SD 7(2)]: the batches and their archive state, a batch's catalogue
with retention per category, filing and refreshing, the ZIP export, the destruction form
and the destruction ledger."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Perm
from skilleval.core.errors import DomainError
from skilleval.core.views import ActorView, Column, ListPageMixin, apply_domain_error

from ..catalogue import EMPTY
from ..documents import catalogue_xlsx
from ..forms import DestroyForm
from ..models import Archive
from ..selectors import (
    archive_batch_get_for_actor,
    archive_batches_visible_to,
    archive_catalogue,
    archive_entry_get_for_actor,
    destructions_visible_to,
)
from ..services import archives as services
from .common import AnyOfView

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


class _ArchiveReader(AnyOfView):
    """Organisation batch managers (their own archives) and authorities (their jurisdiction's)."""

    any_of = (Perm.BATCH_MANAGE, Perm.SUPERVISION_MANAGE)


def _archive_state(batch):
    archive = getattr(batch, "archive", None)
    if archive is None:
        if batch.last_exam_date < timezone.localdate():
            return format_html('<span class="badge text-bg-warning">{}</span>', _("待归档"))
        return format_html('<span class="badge text-bg-secondary">{}</span>', _("评价未结束"))
    return format_html('<span class="badge text-bg-success">{}</span> {}', _("已归档"), archive.archived_on.isoformat())


class ArchiveFilterForm(forms.Form):
    q = forms.CharField(label=_("批次名称或编号"), max_length=50, required=False)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    state = forms.ChoiceField(label=_("归档状态"), required=False, choices=[
        ("", _("全部")), ("archived", _("已归档")), ("pending", _("待归档"))])


class ArchiveListView(ListPageMixin, _ArchiveReader):
    template_name = "supervision/archive_list.html"
    filter_form_class = ArchiveFilterForm
    default_sort = "-first_exam_date"
    export_name = "archives"
    empty_title = gettext_lazy("暂无可归档的认定批次")
    empty_text = gettext_lazy("认定计划经人社部门确认并完成评价后，批次在这里归档：公告、方案、报名材料、签到、机考记录、试卷、评分、公示、影像和发证名册按类别自动汇集。")
    columns = [
        Column("code", gettext_lazy("批次编号"), sort="code"),
        Column("name", gettext_lazy("认定批次"), sort="name", html=lambda b: format_html(
            '<a href="{}">{}</a>', reverse("supervision:archive_detail", args=[b.pk]), b.name)),
        Column("organisation__name", gettext_lazy("评价机构"), sort="organisation__name"),
        Column("last_exam_date", gettext_lazy("评价结束"), sort="last_exam_date"),
        Column("archive_state", gettext_lazy("归档"), value=lambda b: (
            _("已归档 %(d)s") % {"d": b.archive.archived_on.isoformat()} if getattr(b, "archive", None)
            else _("未归档")), html=_archive_state),
    ]

    def get_queryset(self):
        return archive_batches_visible_to(self.request.actor).select_related("archive")

    def apply_filters(self, queryset, data):
        from django.db.models import Q

        if data.get("q"):
            queryset = queryset.filter(Q(name__contains=data["q"].strip()) | Q(code__startswith=data["q"].strip()))
        if data.get("year"):
            queryset = queryset.filter(first_exam_date__year=data["year"])
        if data.get("state") == "archived":
            queryset = queryset.filter(archive__isnull=False)
        elif data.get("state") == "pending":
            queryset = queryset.filter(archive__isnull=True, last_exam_date__lt=timezone.localdate())
        return queryset


class ArchiveDetailView(_ArchiveReader):
    def get(self, request, pk):
        batch = archive_batch_get_for_actor(actor=request.actor, pk=pk)
        archive = Archive.objects.filter(batch=batch).select_related("archived_by", "organisation").first()
        actor = request.actor
        manager = actor.has(Perm.BATCH_MANAGE) and actor.organisation_id == batch.organisation_id
        return render(request, "supervision/archive_detail.html", {
            "batch": batch, "archive": archive, "rows": archive_catalogue(batch, archive), "empty": EMPTY,
            "manager": manager, "may_destroy": actor.has(Perm.ORG_MANAGE) and manager,
            "may_export": archive is not None and services.may_export(actor, archive),
            "ended": batch.last_exam_date < timezone.localdate(),
            "destructions": destructions_visible_to(actor).filter(batch=batch),
            "profile": batch.organisation.jurisdiction.policy_profile(),
        })


class ArchiveCompileView(ActorView):
    permission = Perm.BATCH_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = archive_batch_get_for_actor(actor=request.actor, pk=pk)
        existed = Archive.objects.filter(batch=batch).exists()
        try:
            archive = services.archive_compile(actor=request.actor, batch=batch)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            filled = archive.entries.filter(item_count__gt=0).count()
            messages.success(request, (_("档案目录已更新：%(n)d 类材料有记录。") if existed else
                                       _("已归档：%(n)d 类材料有记录，保管期限自 %(d)s 起算。")) % {
                "n": filled, "d": archive.archived_on.isoformat()})
        return redirect("supervision:archive_detail", pk=pk)


class ArchiveExportView(_ArchiveReader):
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = archive_batch_get_for_actor(actor=request.actor, pk=pk)
        archive = Archive.objects.filter(batch=batch).first()
        if archive is None:
            messages.error(request, _("该批次尚未归档。"))
            return redirect("supervision:archive_detail", pk=pk)
        try:
            job = services.archive_export_start(actor=request.actor, archive=archive)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("supervision:archive_detail", pk=pk)
        messages.info(request, _("正在后台生成档案压缩包，完成后可在本页下载。"))
        return redirect("portal:job_detail", pk=job.pk)


class ArchiveCatalogueView(_ArchiveReader):
    """The catalogue alone, as XLSX."""

    def get(self, request, pk):
        batch = archive_batch_get_for_actor(actor=request.actor, pk=pk)
        archive = Archive.objects.filter(batch=batch).first()
        if archive is None:
            messages.error(request, _("该批次尚未归档。"))
            return redirect("supervision:archive_detail", pk=pk)
        return xlsx_response(catalogue_xlsx(archive, list(archive.entries.all())), f"catalogue-{batch.code}")


class DestroyView(ActorView):
    permission = Perm.ORG_MANAGE
    template_name = "supervision/destroy.html"

    def get(self, request, pk):
        entry = archive_entry_get_for_actor(actor=request.actor, pk=pk)
        return render(request, self.template_name, {"entry": entry, "form": DestroyForm(),
                                                    "due": entry.may_destroy()})

    def post(self, request, pk):
        entry = archive_entry_get_for_actor(actor=request.actor, pk=pk)
        form = DestroyForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
            try:
                services.archive_entry_destroy(actor=request.actor, entry=entry, **data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已登记销毁台帐：%(c)s。") % {"c": entry.get_category_display()})
                return redirect("supervision:archive_detail", pk=entry.archive.batch_id)
        return render(request, self.template_name, {"entry": entry, "form": form, "due": entry.may_destroy()},
                      status=400)


class LedgerFilterForm(forms.Form):
    year = forms.IntegerField(label=_("销毁年度"), min_value=2000, max_value=2100, required=False)


class LedgerView(ListPageMixin, _ArchiveReader):
    template_name = "supervision/ledger.html"
    filter_form_class = LedgerFilterForm
    default_sort = "-destroyed_on"
    export_name = "destruction-ledger"
    empty_title = gettext_lazy("销毁台帐暂无记录")
    empty_text = gettext_lazy("档案保管期满后，只能在批次档案页逐类登记销毁；登记后不可修改或删除。")
    columns = [
        Column("destroyed_on", gettext_lazy("销毁日期"), sort="destroyed_on"),
        Column("reason", gettext_lazy("销毁原因")),
        Column("get_method_display", gettext_lazy("销毁方式")),
        Column("batch", gettext_lazy("销毁批次"), sort="batch__code", value=lambda d: f"{d.batch.code} {d.batch.name}"),
        Column("organisation__name", gettext_lazy("评价机构")),
        Column("get_category_display", gettext_lazy("销毁资料分类名称"), sort="category"),
        Column("get_medium_display", gettext_lazy("载体")),
        Column("retention_ends_on", gettext_lazy("保管期满日期")),
        Column("destroyer", gettext_lazy("销毁人")),
        Column("responsible", gettext_lazy("负责人")),
        Column("recorded_by", gettext_lazy("登记人"), value=lambda d: d.recorded_by.get_full_name()),
        Column("recorded_at", gettext_lazy("登记时间"), sort="recorded_at"),
    ]

    def get_queryset(self):
        return destructions_visible_to(self.request.actor)

    def apply_filters(self, queryset, data):
        return queryset.filter(destroyed_on__year=data["year"]) if data.get("year") else queryset
