from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, CalendarOverride, CalendarYear, Job
from .services import record_delete, record_save


class AuditedAdmin(admin.ModelAdmin):
    """Admin whose every save and delete goes through the audited services."""

    def save_model(self, request, obj, form, change):
        record_save(actor=request.user, obj=obj, is_new=not change)

    def delete_model(self, request, obj):
        record_delete(actor=request.user, obj=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_delete(actor=request.user, obj=obj)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AuditedAdmin):
    list_display = ["date", "kind", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ["year", "source", "created_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "actor_name", "action", "object_type", "object_repr", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "done", "total", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


admin.site.site_header = _("企业技能人才自主评价平台 · 管理后台")
admin.site.site_title = _("skilleval 管理后台")
admin.site.index_title = _("参考数据与系统设置")
