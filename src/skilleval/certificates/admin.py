from django.contrib import admin

from .models import Certificate, CertificateCopy, PlatformKey, ReissueRequest, SerialCounter


class ReadOnlyAdmin(admin.ModelAdmin):
    """Certificates change only through their services (numbering, reissue, revocation)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "organisation", "level_code", "issued_on", "status", "revision"]
    list_filter = ["status", "level_code", "year"]
    search_fields = ["=number", "=id_number", "name"]


@admin.register(CertificateCopy)
class CertificateCopyAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "revision", "kind", "kid", "issued_at", "superseded_at"]


@admin.register(PlatformKey)
class PlatformKeyAdmin(ReadOnlyAdmin):
    list_display = ["kid", "algorithm", "status", "activated_at", "retired_at"]


@admin.register(SerialCounter)
class SerialCounterAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "year", "level_code", "last_serial"]


@admin.register(ReissueRequest)
class ReissueRequestAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "kind", "status", "created_at", "decided_at"]
