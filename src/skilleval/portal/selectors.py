"""What each role's home page shows: the user's next tasks and the state of
their area, read through the scoped selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone

from skilleval.accounts.access import Actor
from skilleval.accounts.models import Person, User
from skilleval.batches.models import Batch
from skilleval.catalog.models import Jurisdiction, Occupation, PolicyProfile
from skilleval.core.selectors import audit_events_visible_to, jobs_visible_to
from skilleval.core.workdays import working_calendar
from skilleval.orgs.models import FilingApplication, Organisation
from skilleval.orgs.selectors import applications_visible_to, organisations_flagged, organisations_visible_to


def home_context(actor: Actor) -> dict[str, Any]:
    today = timezone.localdate()
    calendar = working_calendar()
    context: dict[str, Any] = {"today": today, "recent_jobs": list(jobs_visible_to(actor)[:5])}
    if actor.is_platform_admin:
        context["admin"] = {
            "occupations": Occupation.objects.count(),
            "sample_only": not Occupation.objects.filter(is_sample=False).exists(),
            "jurisdictions": Jurisdiction.objects.count(),
            "profiles": PolicyProfile.objects.count(),
            "users": User.objects.count(),
            "organisations": Organisation.objects.count(),
            "next_year": today.year + 1,
            "next_year_confirmed": calendar.is_confirmed_year(today.year + 1),
        }
    if actor.is_authority and actor.jurisdiction_id is not None:
        jurisdiction = Jurisdiction.objects.select_related("parent").get(pk=actor.jurisdiction_id)
        profile = jurisdiction.policy_profile()
        orgs = organisations_visible_to(actor)
        context["authority"] = {
            "jurisdiction": jurisdiction,
            "profile": profile,
            "org_counts": {row["status"]: row["n"] for row in orgs.values("status").annotate(n=Count("pk"))},
            "organisations": list(orgs.order_by("name")[:10]),
            "organisation_total": orgs.count(),
            "review_deadline": calendar.add(today, profile.filing_review_workdays),
            "pending": list(applications_visible_to(actor).filter(status__in=(
                FilingApplication.Status.SUBMITTED, FilingApplication.Status.EXPERT_REVIEW)).order_by(
                "review_deadline")[:8]),
            "flags": organisations_flagged(actor, today=today),
            "recent_events": list(audit_events_visible_to(actor)[:8]),
        }
    if actor.is_org_staff and actor.organisation_id is not None:
        organisation = Organisation.objects.select_related("jurisdiction").get(pk=actor.organisation_id)
        context["organisation"] = {
            "organisation": organisation,
            "profile": organisation.jurisdiction.policy_profile(),
            "workforce": Person.objects.filter(organisation=organisation).count(),
            "staff": User.objects.filter(memberships__organisation=organisation).distinct().count(),
            "batches": list(Batch.objects.filter(organisation=organisation).exclude(
                status=Batch.Status.CANCELLED).order_by("-first_exam_date")[:6]),
            "open_applications": list(organisation.applications.filter(
                status__in=FilingApplication.OPEN_STATUSES).order_by("-created_at")),
        }
    if actor.person_id is not None:
        person = Person.objects.select_related("organisation", "id_type").get(pk=actor.person_id)
        from skilleval.batches.models import Application
        from skilleval.batches.selectors import open_announcements_for

        context["candidate"] = {
            "person": person, "age": _age(person.birth_date, today),
            "announcements": list(open_announcements_for(actor, today)[:10]),
            "applications": list(Application.objects.filter(person=person).select_related(
                "batch", "item", "item__occupation", "item__level", "item__work_type").order_by("-created_at")[:10]),
        }
    return context


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
