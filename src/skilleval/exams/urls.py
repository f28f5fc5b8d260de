"""The exams area: each part keeps its own URL list beside its views."""

from .views import bank, cbt, home, papers

app_name = "exams"

urlpatterns = [*home.urlpatterns, *bank.urlpatterns, *papers.urlpatterns, *cbt.urlpatterns]
