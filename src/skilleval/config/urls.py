from django.contrib import admin
from django.urls import include, path

from skilleval.api.api import api
from skilleval.certificates.views import VerifyView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("skilleval.accounts.urls")),
    path("api/v1/", api.urls),
    path("orgs/", include("skilleval.orgs.urls")),
    path("batches/", include("skilleval.batches.urls")),
    path("exams/", include("skilleval.exams.urls")),
    path("results/", include("skilleval.results.urls")),
    path("certificates/", include("skilleval.certificates.urls")),
    path("c/<str:number>", VerifyView.as_view(), name="certificate_verify"),  # what certificate QR codes open
    path("supervision/", include("skilleval.supervision.urls")),
    path("", include("skilleval.portal.urls")),
]

handler403 = "skilleval.portal.errors.permission_denied"
handler404 = "skilleval.portal.errors.not_found"
handler500 = "skilleval.portal.errors.server_error"
