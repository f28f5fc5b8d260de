"""The exams area: each part keeps its own URL list beside its views."""

from .views import arrangement, bank, cbt, home, papers
from .views import examday as examday_views

app_name = "exams"

urlpatterns = [*home.urlpatterns, *bank.urlpatterns, *papers.urlpatterns, *cbt.urlpatterns,
               *examday_views.urlpatterns, *arrangement.urlpatterns]
