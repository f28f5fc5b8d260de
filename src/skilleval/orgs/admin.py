from django.contrib import admin

from skilleval.core.admin import AuditedAdmin

from .models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "uscc", "jurisdiction", "status", "filing_number"]
    list_filter = ["status", "jurisdiction"]
    search_fields = ["name", "uscc", "filing_number"]
