"""The supervision area's entry: what this authority or organisation can do here."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from skilleval.accounts.access import Perm
from skilleval.core.views import ActorView

from ..models import Inspection, SupervisorVisit
from ..selectors import (
    archive_batches_visible_to,
    coverage_for,
    inspections_visible_to,
    visits_visible_to,
)


class SupervisionHomeView(ActorView):
    permission = Perm.HOME

    def get(self, request):
        actor = request.actor
        today = timezone.localdate()
        authority = actor.has(Perm.SUPERVISION_MANAGE)
        organisation = actor.has(Perm.BATCH_MANAGE) and actor.organisation_id is not None
        batches = archive_batches_visible_to(actor) if authority or organisation else None
        context = {
            "authority": authority,
            "organisation": organisation,
            "org_admin": actor.has(Perm.ORG_MANAGE),
            "year": today.year,
            "coverage": coverage_for(actor, today.year, today) if authority else [],
            "to_record": inspections_visible_to(actor).filter(status=Inspection.Status.ASSIGNED).count()
            if authority else 0,
            "to_publish": inspections_visible_to(actor).filter(status=Inspection.Status.RECORDED).count()
            if authority else 0,
            "visits_open": visits_visible_to(actor).filter(status=SupervisorVisit.Status.DISPATCHED).count(),
            "pending_archives": batches.filter(archive__isnull=True, last_exam_date__lt=today).count()
            if batches is not None else 0,
            "published": inspections_visible_to(actor).filter(status=Inspection.Status.PUBLISHED).count()
            if organisation else 0,
        }
        return render(request, "supervision/home.html", context)
