"""Supervision: random inspections, authority supervisors, annual evaluation, archives
with retention and the destruction ledger, statistics (DOMAIN.md §3.11–3.12)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from .views import archives, evaluation, home, inspections, statistics

app_name = "supervision"

urlpatterns = [
    path("", home.SupervisionHomeView.as_view(), name="home"),
    # Random inspections (双随机一公开)
    path("public/", login_not_required(inspections.PublicInspectionsView.as_view()), name="public"),
    path("inspections/", inspections.InspectionHomeView.as_view(), name="inspection_home"),
    path("inspections/draw/", inspections.DrawView.as_view(), name="draw"),
    path("inspections/plans/<int:pk>/", inspections.PlanDetailView.as_view(), name="plan_detail"),
    path("inspections/<int:pk>/", inspections.InspectionDetailView.as_view(), name="inspection_detail"),
    path("inspections/<int:pk>/record/", inspections.InspectionRecordView.as_view(), name="inspection_record"),
    path("inspections/<int:pk>/photos/", inspections.InspectionPhotoView.as_view(), name="inspection_photo"),
    path("inspections/<int:pk>/publish/", inspections.InspectionPublishView.as_view(), name="inspection_publish"),
    path("inspections/photos/<int:pk>/", inspections.InspectionPhotoFileView.as_view(), name="photo_file"),
    path("inspections/mine/", inspections.OrganisationInspectionsView.as_view(), name="org_inspections"),
    path("inspectors/", inspections.InspectorListView.as_view(), name="inspector_list"),
    path("inspectors/<int:pk>/", inspections.InspectorDetailView.as_view(), name="inspector_detail"),
    path("inspectors/<int:pk>/active/", inspections.InspectorActiveView.as_view(), name="inspector_active"),
    path("conflicts/<int:pk>/withdraw/", inspections.ConflictWithdrawView.as_view(), name="conflict_withdraw"),
    # Authority supervisors at a batch's key steps
    path("visits/", inspections.VisitListView.as_view(), name="visit_list"),
    path("visits/new/<int:batch_pk>/", inspections.VisitCreateView.as_view(), name="visit_create"),
    path("visits/<int:pk>/", inspections.VisitDetailView.as_view(), name="visit_detail"),
    # Annual evaluation
    path("evaluations/", evaluation.EvaluationListView.as_view(), name="evaluation_list"),
    path("evaluations/prepare/", evaluation.EvaluationPrepareView.as_view(), name="evaluation_prepare"),
    path("evaluations/<int:pk>/", evaluation.EvaluationDetailView.as_view(), name="evaluation_detail"),
    path("evaluations/<int:pk>/finalise/", evaluation.EvaluationFinaliseView.as_view(), name="evaluation_finalise"),
    path("evaluations/<int:pk>/model/", evaluation.EvaluationModelView.as_view(), name="evaluation_model"),
    # Archives
    path("archives/", archives.ArchiveListView.as_view(), name="archive_list"),
    path("archives/ledger/", archives.LedgerView.as_view(), name="ledger"),
    path("archives/<int:pk>/", archives.ArchiveDetailView.as_view(), name="archive_detail"),
    path("archives/<int:pk>/compile/", archives.ArchiveCompileView.as_view(), name="archive_compile"),
    path("archives/<int:pk>/export/", archives.ArchiveExportView.as_view(), name="archive_export"),
    path("archives/<int:pk>/catalogue.xlsx", archives.ArchiveCatalogueView.as_view(), name="archive_catalogue"),
    path("archives/entries/<int:pk>/destroy/", archives.DestroyView.as_view(), name="destroy"),
    # Statistics
    path("statistics/", statistics.StatisticsView.as_view(), name="statistics"),
    path("statistics/goals/", statistics.GoalView.as_view(), name="goals"),
]
