"""In-app notifications: services call `notify` inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Notification


def notify(*, title: str, body: str = "", link: str = "", user: Any = None,
           organisation_id: int | None = None, jurisdiction_id: int | None = None) -> Notification:
    return Notification.objects.create(title=title[:200], body=body, link=link[:300], user=user,
                                       organisation_id=organisation_id, jurisdiction_id=jurisdiction_id)


def notify_once(*, key: str, title: str, body: str = "", link: str = "", user: Any = None,
                organisation_id: int | None = None, jurisdiction_id: int | None = None) -> bool:
    """A reminder sent at most once per `key` (scheduled jobs run daily and may run
    twice). Returns whether it was sent now."""
    _, created = Notification.objects.get_or_create(key=key[:120], defaults={
        "title": title[:200], "body": body, "link": link[:300], "user": user, "organisation_id": organisation_id,
        "jurisdiction_id": jurisdiction_id})
    return created


def notifications_for(actor: Any) -> QuerySet[Notification]:
    if actor.user is None:
        return Notification.objects.none()
    condition = Q(user=actor.user)
    if actor.is_org_staff and actor.organisation_id:
        condition |= Q(organisation_id=actor.organisation_id, user=None)
    if actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(jurisdiction_id__in=actor.jurisdiction_ids, user=None)
    return Notification.objects.filter(condition)


def notifications_mark_read(*, actor: Any) -> int:
    return notifications_for(actor).filter(read_at=None).update(read_at=timezone.now())
