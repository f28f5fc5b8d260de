"""Scoped reads of batches and applications."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from skilleval.accounts.access import Actor, get_scoped_or_404
from skilleval.catalog.models import SpecialAbility

from .models import Application, Batch

if TYPE_CHECKING:
    from skilleval.orgs.models import Organisation


def batches_visible_to(actor: Actor) -> QuerySet[Batch]:
    """Organisation staff see their organisation's batches; an authority the plans filed
    in its jurisdictions (a province also reads its cities' plans, which it receives
    for levels 2 and 1); a candidate the announced batches of their employer."""
    qs = Batch.objects.select_related("organisation", "organisation__jurisdiction")
    if actor.is_platform_admin:
        return qs
    condition = Q(pk__in=[])
    if actor.is_org_staff and actor.organisation_id:
        condition |= Q(organisation_id=actor.organisation_id)
    if actor.is_authority and actor.jurisdiction_ids:
        filed = ~Q(status__in=(Batch.Status.DRAFT, Batch.Status.ANNOUNCED, Batch.Status.CANCELLED))
        condition |= filed & Q(plan_jurisdiction_id__in=actor.jurisdiction_ids)
    if actor.person_id:
        from skilleval.accounts.models import Person

        employer = Person.objects.filter(pk=actor.person_id).values_list("organisation_id", flat=True).first()
        if employer:
            condition |= Q(organisation_id=employer) & ~Q(status__in=(Batch.Status.DRAFT, Batch.Status.CANCELLED))
    return qs.filter(condition)


def batch_get_for_actor(*, actor: Actor, pk: int) -> Batch:
    return get_scoped_or_404(batches_visible_to(actor), pk=pk)


def applications_visible_to(actor: Actor) -> QuerySet[Application]:
    qs = Application.objects.select_related("batch", "item", "item__occupation", "item__work_type", "item__level",
                                            "person")
    if actor.is_platform_admin:
        return qs
    condition = Q(pk__in=[])
    if actor.is_org_staff and actor.organisation_id:
        condition |= Q(batch__organisation_id=actor.organisation_id)
    if actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(batch__in=batches_visible_to(actor).filter(organisation__jurisdiction__isnull=False))
    if actor.person_id:
        condition |= Q(person_id=actor.person_id)
    return qs.filter(condition)


def application_get_for_actor(*, actor: Actor, pk: int) -> Application:
    return get_scoped_or_404(applications_visible_to(actor), pk=pk)


def open_announcements_for(actor: Actor, today: dt.date | None = None) -> QuerySet[Batch]:
    """Announced batches of the candidate's employer whose registration is open."""
    today = today or timezone.localdate()
    return batches_visible_to(actor).filter(status=Batch.Status.ANNOUNCED, registration_opens__lte=today,
                                            registration_closes__gte=today)


def application_counts(batch: Batch) -> dict[str, int]:
    rows = batch.applications.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def special_abilities_for(organisation: Organisation) -> QuerySet[SpecialAbility]:
    """The special abilities an organisation may assess: those whose norm was filed with
    its city's authority (or, for a province-level organisation, its province's) [seed
    004 (十): "依照经市级人社部门备案通过后的专项职业能力考核规范"]."""
    jurisdiction = organisation.jurisdiction
    allowed = [jurisdiction.pk] + ([jurisdiction.parent_id] if jurisdiction.parent_id else [])
    return SpecialAbility.objects.filter(jurisdiction_id__in=allowed).select_related("occupation", "jurisdiction")
