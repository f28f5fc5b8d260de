"""Read-only admin pages: results change only through the services (with their checks
and audit trail), never by editing rows."""

from django.contrib import admin

from .models import Objection, Publicity, Report, Result, ScoreSheet


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ["application", "batch", "status", "total_score", "passed"]
    list_filter = ["status", "passed"]
    search_fields = ["application__name", "application__number"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["batch", "version", "status", "submitted_at", "decided_at"]
    list_filter = ["status"]


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ReadOnlyAdmin):
    list_display = ["attempt", "kind", "status", "combined_score", "signed_off_at"]
    list_filter = ["kind", "status"]


@admin.register(Publicity)
class PublicityAdmin(ReadOnlyAdmin):
    list_display = ["batch", "starts_on", "ends_on", "status", "report_due_on"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["batch", "raised_on", "status"]
    list_filter = ["status"]
