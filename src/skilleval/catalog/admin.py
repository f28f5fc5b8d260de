from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from skilleval.core.admin import AuditedAdmin
from skilleval.core.errors import DomainError

from .forms import CatalogImportForm
from .models import IDType, Jurisdiction, Level, Occupation, PolicyProfile, SpecialAbility, WorkType
from .services import catalog_import_start


@admin.register(Level)
class LevelAdmin(AuditedAdmin):
    list_display = ["rank", "name", "title", "code", "is_certificate_level", "is_high_skill"]


@admin.register(IDType)
class IDTypeAdmin(AuditedAdmin):
    list_display = ["code", "name", "is_resident_id", "sort_order"]


@admin.register(Occupation)
class OccupationAdmin(AuditedAdmin):
    list_display = ["code", "name", "is_skill_type", "is_access_type", "is_sample"]
    list_filter = ["is_skill_type", "is_access_type", "is_sample"]
    search_fields = ["code", "name"]
    change_list_template = "admin/catalog/occupation/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="catalog_occupation_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        form = CatalogImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = catalog_import_start(actor=request.user, upload=form.cleaned_data["file"])
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                messages.info(request, _("导入任务已提交，可在任务页面查看进度。"))
                return redirect(reverse("portal:job_detail", args=[job.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": _("导入职业目录")}
        return render(request, "admin/catalog/occupation/import.html", context)


@admin.register(WorkType)
class WorkTypeAdmin(AuditedAdmin):
    list_display = ["code", "name", "occupation"]
    search_fields = ["code", "name", "occupation__name"]
    autocomplete_fields = ["occupation"]


@admin.register(Jurisdiction)
class JurisdictionAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent", "authority_name"]
    list_filter = ["level"]


@admin.register(PolicyProfile)
class PolicyProfileAdmin(AuditedAdmin):
    list_display = ["name", "jurisdiction", "publicity_days", "publicity_day_kind", "plan_lead_workdays",
                    "min_examiners_per_occupation_level", "is_builtin"]
    readonly_fields = ["is_builtin"]


@admin.register(SpecialAbility)
class SpecialAbilityAdmin(AuditedAdmin):
    list_display = ["code", "name", "occupation", "module", "pass_mark", "jurisdiction", "filed_on"]
    list_filter = ["jurisdiction"]
    search_fields = ["code", "name", "norm_title"]
