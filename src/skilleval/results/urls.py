from django.urls import path

from . import views

app_name = "results"

urlpatterns = [
    path("", views.ResultsHomeView.as_view(), name="home"),
    path("mine/", views.MyResultsView.as_view(), name="mine"),
    path("batches/<int:pk>/", views.BatchResultsView.as_view(), name="batch"),
    path("batches/<int:pk>/panel-rule/", views.PanelRuleView.as_view(), name="panel_rule"),
    path("batches/<int:pk>/compile/", views.CompileView.as_view(), name="compile"),
    path("batches/<int:pk>/approve/", views.ApproveView.as_view(), name="approve"),
    path("batches/<int:pk>/revoke/", views.RevokeView.as_view(), name="revoke"),
    path("batches/<int:pk>/recognition/<int:application_id>/", views.RecognitionView.as_view(), name="recognition"),
    path("batches/<int:pk>/results/", views.ResultListView.as_view(), name="result_list"),
    path("batches/<int:pk>/publicity/", views.PublicityView.as_view(), name="publicity"),
    path("batches/<int:pk>/publicity/start/", views.PublicityStartView.as_view(), name="publicity_start"),
    path("batches/<int:pk>/publicity/close/", views.PublicityCloseView.as_view(), name="publicity_close"),
    path("batches/<int:pk>/report/", views.ReportSubmitView.as_view(), name="report_submit"),
    path("results/<int:pk>/correct/", views.ResultCorrectView.as_view(), name="result_correct"),
    path("objections/<int:pk>/decide/", views.ObjectionDecideView.as_view(), name="objection_decide"),
    path("reports/<int:pk>/<str:decision>/", views.ReportDecideView.as_view(), name="report_decide"),
    path("reports/<int:pk>/files/<str:kind>.xlsx", views.ReportFileView.as_view(), name="report_file"),
    path("sessions/<int:pk>/", views.SessionScoringView.as_view(), name="session"),
    path("sessions/<int:pk>/sign-off/", views.RoomSignOffView.as_view(), name="room_sign_off"),
    path("attempts/<int:pk>/sheet/", views.SheetView.as_view(), name="sheet"),
    path("sheets/<int:pk>/sign-off/", views.SheetSignOffView.as_view(), name="sheet_sign_off"),
    path("entries/<int:pk>/change/", views.ChangeRequestView.as_view(), name="change_request"),
    path("changes/<int:pk>/<str:decision>/", views.ChangeDecideView.as_view(), name="change_decide"),
]
