from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("register/", login_not_required(views.RegisterView.as_view()), name="register"),
    path("directory/", login_not_required(views.DirectoryView.as_view()), name="directory"),
    path("", views.OrgsHomeView.as_view(), name="home"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation_detail"),
    path("organisations/<int:pk>/sanctions/", views.SanctionCreateView.as_view(), name="sanction_create"),
    path("organisations/<int:pk>/terminate/", views.TerminateView.as_view(), name="terminate"),
    path("sanctions/<int:pk>/rectified/", views.RectificationCloseView.as_view(), name="rectification_close"),
    path("filing/start/", views.FilingStartView.as_view(), name="filing_start"),
    path("scope/start/", views.ScopeAdjustmentStartView.as_view(), name="scope_start"),
    path("applications/", views.ApplicationListView.as_view(), name="application_list"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application_detail"),
    path("applications/<int:pk>/edit/", views.ApplicationEditView.as_view(), name="application_edit"),
    path("applications/<int:pk>/lines/<str:kind>/", views.LineAddView.as_view(), name="line_add"),
    path("applications/<int:pk>/lines/<str:kind>/<int:line_id>/delete/", views.LineRemoveView.as_view(),
         name="line_remove"),
    path("applications/<int:pk>/submit/", views.SubmitView.as_view(), name="application_submit"),
    path("applications/<int:pk>/review/<str:action>/", views.ReviewActionView.as_view(), name="review_action"),
    path("applications/<int:pk>/documents/<str:document>/", views.ApplicationDocumentView.as_view(),
         name="application_document"),
    path("attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment"),
]
