from django.urls import path

from . import views

app_name = "batches"

urlpatterns = [
    path("", views.BatchListView.as_view(), name="batch_list"),
    path("new/", views.BatchCreateView.as_view(), name="batch_create"),
    path("<int:pk>/", views.BatchDetailView.as_view(), name="batch_detail"),
    path("<int:pk>/edit/", views.BatchEditView.as_view(), name="batch_edit"),
    path("<int:pk>/items/", views.BatchItemAddView.as_view(), name="item_add"),
    path("<int:pk>/items/<int:item_id>/delete/", views.BatchItemRemoveView.as_view(), name="item_remove"),
    path("<int:pk>/special-ability/", views.BatchSpecialAbilityView.as_view(), name="special_ability"),
    path("<int:pk>/announce/", views.BatchAnnounceView.as_view(), name="announce"),
    path("<int:pk>/announcement/", views.AnnouncementView.as_view(), name="announcement"),
    path("<int:pk>/apply/", views.ApplyView.as_view(), name="apply"),
    path("<int:pk>/applications/", views.ApplicationListView.as_view(), name="application_list"),
    path("<int:pk>/import/", views.ImportView.as_view(), name="import"),
    path("<int:pk>/import/template.xlsx", views.ImportTemplateView.as_view(), name="import_template"),
    path("<int:pk>/commitment/", views.CommitmentView.as_view(), name="commitment"),
    path("<int:pk>/staff/", views.StaffView.as_view(), name="staff"),
    path("<int:pk>/staff/<int:member_id>/delete/", views.StaffRemoveView.as_view(), name="staff_remove"),
    path("<int:pk>/plan/", views.PlanView.as_view(), name="plan"),
    path("<int:pk>/plan/file/", views.PlanFileView.as_view(), name="plan_file"),
    path("<int:pk>/reschedule/", views.RescheduleView.as_view(), name="reschedule"),
    path("<int:pk>/plan/decide/<str:decision>/", views.PlanDecisionView.as_view(), name="plan_decide"),
    path("<int:pk>/documents/<str:document>/", views.BatchDocumentView.as_view(), name="document"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application_detail"),
    path("applications/<int:pk>/edit/", views.ApplicationEditView.as_view(), name="application_edit"),
    path("applications/<int:pk>/review/", views.ApplicationReviewView.as_view(), name="application_review"),
    path("applications/<int:pk>/withdraw/", views.ApplicationWithdrawView.as_view(), name="application_withdraw"),
]
