"""The exams area's entry: what this member of staff can do here."""

from django.shortcuts import render
from django.urls import path

from skilleval.accounts.access import Perm
from skilleval.core.views import ActorView

from ..selectors import exam_sessions_visible_to, my_staff_assignments, question_items_visible_to


class ExamsHomeView(ActorView):
    permission = Perm.HOME

    def get(self, request):
        actor = request.actor
        context = {
            "bank": actor.has(Perm.BANK_MANAGE),
            "affairs": actor.has(Perm.BATCH_MANAGE),
            "marker": actor.has(Perm.EXAM_MARK),
            "examday": actor.is_org_staff and any(actor.has(p) for p in (
                Perm.BATCH_MANAGE, Perm.EXAM_PROCTOR, Perm.QUALITY_SUPERVISE, Perm.EXAM_SCORE)),
            "item_count": question_items_visible_to(actor).count() if actor.has(Perm.BANK_MANAGE) else None,
            "sessions": list(exam_sessions_visible_to(actor).order_by("-starts_at")[:8]),
            "my_duties": my_staff_assignments(actor).count() if actor.is_org_staff else None,
        }
        return render(request, "exams/home.html", context)


urlpatterns = [path("", ExamsHomeView.as_view(), name="home")]
