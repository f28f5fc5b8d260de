"""The exams area: each part keeps its own URL list beside its views."""

from .views import bank, cbt, papers

app_name = "exams"

urlpatterns = [*bank.urlpatterns, *papers.urlpatterns, *cbt.urlpatterns]
