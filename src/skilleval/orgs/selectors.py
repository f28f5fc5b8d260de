"""Reads of organisations, applications and credit records, scoped to the actor."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from skilleval.accounts.access import Actor, get_scoped_or_404, scope
from skilleval.catalog.models import Jurisdiction
from skilleval.catalog.selectors import policy_profiles_in_force

from .models import Attachment, FilingApplication, Organisation, Sanction, ScopeItem


def organisations_visible_to(actor: Actor) -> QuerySet[Organisation]:
    return scope(Organisation.objects.select_related("jurisdiction", "city"), actor,
                 organisation="pk", jurisdiction="jurisdiction")


def organisation_get_for_actor(*, actor: Actor, pk: int) -> Organisation:
    return get_scoped_or_404(organisations_visible_to(actor), pk=pk)


def applications_visible_to(actor: Actor) -> QuerySet[FilingApplication]:
    """An enterprise sees its own applications; an authority those filed with it,
    once submitted (drafts stay the enterprise's own)."""
    qs = FilingApplication.objects.select_related("organisation", "jurisdiction")
    if actor.is_platform_admin:
        return qs
    condition = Q(pk__in=[])
    if actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(jurisdiction_id__in=actor.jurisdiction_ids) & ~Q(status=FilingApplication.Status.DRAFT)
    if actor.is_org_staff and actor.organisation_id:
        condition |= Q(organisation_id=actor.organisation_id)
    return qs.filter(condition)


def application_get_for_actor(*, actor: Actor, pk: int) -> FilingApplication:
    return get_scoped_or_404(applications_visible_to(actor), pk=pk)


def attachment_get_for_actor(*, actor: Actor, pk: int) -> Attachment:
    return get_scoped_or_404(
        Attachment.objects.filter(application__in=applications_visible_to(actor)).select_related("application"),
        pk=pk)


def registration_cities() -> QuerySet[Jurisdiction]:
    """Where an enterprise can be located: a city, or a municipality (a province-level
    jurisdiction without cities)."""
    return Jurisdiction.objects.filter(
        Q(level=Jurisdiction.Level.CITY) | Q(level=Jurisdiction.Level.PROVINCE, children__isnull=True)
    ).select_related("parent").order_by("code")


def overdue_condition(today: dt.date | None = None) -> Q:
    """FilingApplication.is_overdue() as a query: submitted and past the review deadline."""
    return Q(status=FilingApplication.Status.SUBMITTED, review_deadline__lt=today or timezone.localdate())


def credit_record_for_actor(actor: Actor, organisation: Organisation) -> QuerySet[Sanction] | None:
    """The organisation's credit record, for its supervising authority, the platform
    admin and its own admin; None for anyone else."""
    supervises = actor.has("supervision.manage") and organisation.jurisdiction_id in actor.jurisdiction_ids
    own_admin = actor.has("org.manage") and actor.organisation_id == organisation.pk
    if not (supervises or own_admin or actor.is_platform_admin):
        return None
    return organisation.sanctions.select_related("recorded_by")


def sanction_get_for_actor(*, actor: Actor, pk: int) -> Sanction:
    return get_scoped_or_404(
        Sanction.objects.filter(organisation__in=organisations_visible_to(actor)).select_related("organisation"),
        pk=pk)


def current_scope(organisation: Organisation) -> QuerySet[ScopeItem]:
    return ScopeItem.objects.filter(organisation=organisation, removed_on=None).select_related(
        "occupation", "work_type", "level")


def scope_history(organisation: Organisation) -> QuerySet[ScopeItem]:
    return ScopeItem.objects.filter(organisation=organisation).select_related(
        "occupation", "work_type", "level", "added_by_application", "removed_by_application"
    ).order_by("occupation__code", "-level__code", "added_on")


def directory(*, today: dt.date | None = None, q: str = "", city_id: int | None = None,
              occupation_code: str = "", occupation_name: str = "",
              level_code: int | None = None) -> QuerySet[Organisation]:
    """The public directory: organisations in good standing (filed and inside their term).
    Terminated or expired filings leave it by themselves."""
    today = today or timezone.localdate()
    current = ScopeItem.objects.filter(removed_on=None).select_related("occupation", "work_type", "level")
    qs = Organisation.objects.filter(status=Organisation.Status.FILED, filing_valid_until__gte=today).select_related(
        "jurisdiction", "city").prefetch_related(Prefetch("scope_items", queryset=current, to_attr="current_scope"))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(filing_number__startswith=q.upper()))
    if city_id:
        qs = qs.filter(Q(city_id=city_id) | Q(jurisdiction_id=city_id))
    if occupation_code or occupation_name or level_code:
        items = ScopeItem.objects.filter(organisation=OuterRef("pk"), removed_on=None)
        if occupation_code:
            items = items.filter(occupation__code=occupation_code)
        if occupation_name:
            items = items.filter(Q(occupation__name__contains=occupation_name)
                                 | Q(work_type__name__contains=occupation_name))
        if level_code:
            items = items.filter(level__code=level_code)
        qs = qs.filter(Exists(items))
    return qs.order_by("jurisdiction__code", "name")


def organisations_flagged(actor: Actor, *, today: dt.date | None = None) -> dict[str, list[Organisation]]:
    """Filed organisations the authority should look at: no evaluation for longer than the
    profile allows (a termination ground, HF 21(3)), and filings near the end of their term."""
    today = today or timezone.localdate()
    filed = list(organisations_visible_to(actor).filter(status=Organisation.Status.FILED))
    inactive, expiring = [], []
    warning = dt.timedelta(days=settings.SKILLEVAL_FILING_EXPIRY_WARNING_DAYS)
    profile_in_force = policy_profiles_in_force()  # one query, not one per organisation
    for organisation in filed:
        profile = profile_in_force(organisation.jurisdiction)
        since = organisation.last_evaluation_on or organisation.filed_at
        if since is not None and _months_between(since, today) > profile.inactivity_months:
            inactive.append(organisation)
        if organisation.filing_valid_until and organisation.filing_valid_until - today <= warning:
            expiring.append(organisation)
    return {"inactive": inactive, "expiring": expiring}


def _months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)
