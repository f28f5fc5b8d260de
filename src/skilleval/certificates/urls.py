"""Certificates: numbering, issue, electronic certificates and verification, public
query, reissue, revocation and the register (DOMAIN.md §3.10, §5). The verification
page /c/<number> (what QR codes open) is routed in config/urls.py."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("register/", views.RegisterView.as_view(), name="register"),
    path("mine/", views.MyCertificatesView.as_view(), name="mine"),
    path("issue/", views.IssueBatchListView.as_view(), name="issue_batches"),
    path("issue/<int:pk>/", views.IssueBatchView.as_view(), name="issue_batch"),
    path("<int:pk>/", views.CertificateDetailView.as_view(), name="detail"),
    path("<int:pk>/pdf/<int:revision>/", views.CopyPdfView.as_view(), name="copy_pdf"),
    path("<int:pk>/print.pdf", views.PrintPdfView.as_view(), name="print_pdf"),
    path("<int:pk>/reissue/", views.ReissueView.as_view(), name="reissue"),
    path("<int:pk>/revoke/", views.RevokeView.as_view(), name="revoke"),
    path("<int:pk>/request/", views.RequestSubmitView.as_view(), name="request"),
    path("requests/<int:pk>/approve/", views.RequestApproveView.as_view(), name="request_approve"),
    path("requests/<int:pk>/reject/", views.RequestRejectView.as_view(), name="request_reject"),
    # Public: no login
    path("query/", login_not_required(views.QueryView.as_view()), name="query"),
    path("query/captcha/<str:token>.png", login_not_required(views.CaptchaImageView.as_view()), name="captcha"),
    path("keys.json", login_not_required(views.KeysView.as_view()), name="keys"),
]
