from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.LandingView.as_view(), name="landing"),
    path("healthz", views.HealthView.as_view(), name="health"),
    path("home/", views.HomeView.as_view(), name="home"),
    path("area/<slug:slug>/", views.AreaView.as_view(), name="area"),
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
    path("audit/<int:pk>/", views.AuditEventDetailView.as_view(), name="audit_detail"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("jobs/", views.JobListView.as_view(), name="jobs"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/<str:which>/", views.JobFileView.as_view(), name="job_file"),
    path("reference/occupations/", views.OccupationListView.as_view(), name="occupations"),
    path("reference/profiles/", views.PolicyProfileListView.as_view(), name="profiles"),
    path("reference/workdays/", views.WorkdaysView.as_view(), name="workdays"),
    path("reference/import/", views.CatalogImportView.as_view(), name="catalog_import"),
    path("reference/template.xlsx", views.CatalogTemplateView.as_view(), name="catalog_template"),
]
