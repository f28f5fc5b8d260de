"""The one access-control module.

It answers both questions every page and API endpoint asks:
- may this actor do this? `actor.has(Perm.X)` / `actor.require(Perm.X)`;
- which objects may this actor see? `scope(queryset, actor, ...)`.

Deny by default: a permission no role grants is refused, and a queryset that
names no path the actor matches comes back empty. Objects outside an actor's
scope are answered with 404 by `get_scoped_or_404`, never with their data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .models import ORGANISATION_ROLES, Role

M = TypeVar("M", bound=Model)


class Perm(StrEnum):
    HOME = "home"
    REFERENCE_VIEW = "reference.view"
    REFERENCE_MANAGE = "reference.manage"
    AUDIT_VIEW = "audit.view"
    JOB_VIEW = "job.view"
    API_TOKENS = "api.tokens"
    ORG_VIEW = "org.view"
    ORG_MANAGE = "org.manage"
    FILING_REVIEW = "filing.review"
    BATCH_VIEW = "batch.view"
    BATCH_MANAGE = "batch.manage"
    EXAM_PROCTOR = "exam.proctor"
    EXAM_SCORE = "exam.score"
    QUALITY_SUPERVISE = "quality.supervise"
    RESULT_REVIEW = "result.review"
    CERTIFICATE_MANAGE = "certificate.manage"
    SUPERVISION_MANAGE = "supervision.manage"
    CANDIDATE_SELF = "candidate.self"
    BANK_MANAGE = "bank.manage"  # the confidential question bank: its own staff only
    EXAM_MARK = "exam.mark"  # marking short answers and confirming computer-exam scores


_EVERYONE = {Perm.HOME, Perm.REFERENCE_VIEW, Perm.JOB_VIEW, Perm.API_TOKENS}
_ORG_STAFF = _EVERYONE | {Perm.ORG_VIEW, Perm.BATCH_VIEW}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.PLATFORM_ADMIN: frozenset(_EVERYONE | {Perm.REFERENCE_MANAGE, Perm.AUDIT_VIEW, Perm.ORG_VIEW}),
    Role.AUTHORITY: frozenset(
        _EVERYONE
        | {Perm.AUDIT_VIEW, Perm.ORG_VIEW, Perm.FILING_REVIEW, Perm.BATCH_VIEW, Perm.RESULT_REVIEW,
           Perm.SUPERVISION_MANAGE}
    ),
    Role.ORG_ADMIN: frozenset(
        _ORG_STAFF | {Perm.AUDIT_VIEW, Perm.ORG_MANAGE, Perm.BATCH_MANAGE, Perm.CERTIFICATE_MANAGE}
    ),
    Role.EXAM_AFFAIRS: frozenset(_ORG_STAFF | {Perm.BATCH_MANAGE, Perm.CERTIFICATE_MANAGE}),
    Role.PROCTOR: frozenset(_ORG_STAFF | {Perm.EXAM_PROCTOR}),
    Role.EXAMINER: frozenset(_ORG_STAFF | {Perm.EXAM_SCORE, Perm.EXAM_MARK}),
    Role.QUALITY_SUPERVISOR: frozenset(_ORG_STAFF | {Perm.QUALITY_SUPERVISE}),
    Role.QUESTION_BANK: frozenset(_ORG_STAFF | {Perm.BANK_MANAGE}),
}
CANDIDATE_PERMISSIONS = frozenset(_EVERYONE | {Perm.CANDIDATE_SELF})


@dataclass(frozen=True)
class Actor:
    """Who is asking: the user, their roles and the scope those roles reach."""

    user: Any = None
    roles: frozenset[str] = frozenset()
    organisation_id: int | None = None
    jurisdiction_id: int | None = None
    jurisdiction_ids: frozenset[int] = frozenset()
    person_id: int | None = None
    permissions: frozenset[str] = field(default=frozenset())

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    @property
    def is_platform_admin(self) -> bool:
        return Role.PLATFORM_ADMIN in self.roles

    @property
    def is_authority(self) -> bool:
        return Role.AUTHORITY in self.roles

    @property
    def is_org_staff(self) -> bool:
        return bool(self.roles & ORGANISATION_ROLES)

    @property
    def is_candidate(self) -> bool:
        return self.person_id is not None

    def has(self, perm: str) -> bool:
        return perm in self.permissions

    def require(self, perm: str) -> None:
        if not self.has(perm):
            raise PermissionDenied(_("您没有执行此操作的权限。"))

    @property
    def role_labels(self) -> list[str]:
        labels = [str(Role(r).label) for r in sorted(self.roles)]
        if self.is_candidate:
            labels.append(_("考生"))
        return labels


ANONYMOUS = Actor()


def actor_for(user: Any) -> Actor:
    """Build the actor from the user's active memberships and person record."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    from skilleval.catalog.models import Jurisdiction

    from .models import Person

    memberships = list(user.memberships.filter(is_active=True).select_related("jurisdiction"))
    roles = frozenset(m.role for m in memberships)
    organisation_id = next((m.organisation_id for m in memberships if m.organisation_id), None)
    jurisdiction = next((m.jurisdiction for m in memberships if m.jurisdiction_id), None)
    jurisdiction_ids: frozenset[int] = frozenset()
    if jurisdiction is not None:
        ids = {jurisdiction.pk}
        if jurisdiction.level == Jurisdiction.Level.PROVINCE:
            ids |= set(Jurisdiction.objects.filter(parent=jurisdiction).values_list("pk", flat=True))
        jurisdiction_ids = frozenset(ids)
    person_id = Person.objects.filter(user=user).values_list("pk", flat=True).first()
    permissions: set[str] = set(_EVERYONE)
    for role in roles:
        permissions |= ROLE_PERMISSIONS.get(role, frozenset())
    if person_id is not None:
        permissions |= CANDIDATE_PERMISSIONS
    return Actor(
        user=user,
        roles=roles,
        organisation_id=organisation_id,
        jurisdiction_id=jurisdiction.pk if jurisdiction else None,
        jurisdiction_ids=jurisdiction_ids,
        person_id=person_id,
        permissions=frozenset(permissions),
    )


def scope(
    queryset: QuerySet[M],
    actor: Actor,
    *,
    organisation: str | None = None,
    jurisdiction: str | None = None,
    person: str | None = None,
    public: Q | None = None,
) -> QuerySet[M]:
    """Narrow `queryset` to what `actor` may see. Name the lookup paths that tie a
    row to an organisation, a jurisdiction and a person; the platform admin sees all,
    an authority what lies in its jurisdictions, organisation staff their own
    organisation's rows, a candidate their own. Anything else: nothing."""
    if actor.is_platform_admin:
        return queryset
    condition = Q(pk__in=[])
    if public is not None:
        condition |= public
    if jurisdiction and actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(**{f"{jurisdiction}__in": actor.jurisdiction_ids})
    if organisation and actor.is_org_staff and actor.organisation_id:
        condition |= Q(**{organisation: actor.organisation_id})
    if person and actor.person_id:
        condition |= Q(**{person: actor.person_id})
    return queryset.filter(condition)


def get_scoped_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404(_("未找到该记录，或您无权查看。"))
    return obj
