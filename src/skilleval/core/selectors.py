"""Reads of core rows, scoped to the actor (anything with the access layer's
Actor attributes: is_platform_admin, is_authority, jurisdiction_ids,
is_org_staff, organisation_id, user)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .models import AuditEvent, Job


def audit_events_visible_to(actor: Any) -> QuerySet[AuditEvent]:
    """The platform admin reads the whole trail; an authority the lines of its
    jurisdictions; an organisation's admin its organisation's lines."""
    qs = AuditEvent.objects.all()
    if actor.is_platform_admin:
        return qs
    condition = Q(pk__in=[])
    if actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(jurisdiction_id__in=actor.jurisdiction_ids)
    if actor.is_org_staff and actor.organisation_id and actor.has("audit.view"):
        condition |= Q(organisation_id=actor.organisation_id)
    return qs.filter(condition)


def jobs_visible_to(actor: Any) -> QuerySet[Job]:
    qs = Job.objects.all()
    if actor.is_platform_admin:
        return qs
    if actor.user is None:
        return qs.none()
    return qs.filter(created_by=actor.user)


def job_get_for_actor(*, actor: Any, pk: int) -> Job:
    job = jobs_visible_to(actor).filter(pk=pk).first()
    if job is None:
        raise Http404(_("未找到该任务，或您无权查看。"))
    return job
