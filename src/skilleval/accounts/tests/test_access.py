"""The access layer: who may do what, and who sees which rows."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from skilleval.accounts.access import ANONYMOUS, Perm, actor_for, get_scoped_or_404
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.core.errors import DomainError
from skilleval.orgs.selectors import organisation_get_for_actor, organisations_visible_to

pytestmark = pytest.mark.django_db


def names(qs):
    return sorted(o.name for o in qs)


def test_province_authority_sees_its_cities_and_province_level_organisations(orgs, jurisdictions):
    actor = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["安徽省"]))
    assert names(organisations_visible_to(actor)) == names([orgs["hefei"], orgs["bengbu"], orgs["anhui"]])


def test_city_authority_sees_only_its_city(orgs, jurisdictions):
    actor = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    assert names(organisations_visible_to(actor)) == [orgs["hefei"].name]
    with pytest.raises(Http404):
        organisation_get_for_actor(actor=actor, pk=orgs["bengbu"].pk)


def test_organisation_staff_see_only_their_own_organisation(orgs):
    actor = actor_for(make_user(Role.EXAMINER, organisation=orgs["hefei"]))
    assert names(organisations_visible_to(actor)) == [orgs["hefei"].name]
    with pytest.raises(Http404):
        organisation_get_for_actor(actor=actor, pk=orgs["qingdao"].pk)


def test_candidate_and_anonymous_see_no_organisations(orgs):
    candidate = actor_for(make_user(candidate=True, organisation=orgs["hefei"]))
    assert candidate.is_candidate and not candidate.is_org_staff
    assert list(organisations_visible_to(candidate)) == []
    assert list(organisations_visible_to(ANONYMOUS)) == []


def test_platform_admin_sees_everything(orgs):
    actor = actor_for(make_user(Role.PLATFORM_ADMIN))
    assert organisations_visible_to(actor).count() == 4


def test_permissions_are_denied_by_default(orgs, jurisdictions):
    examiner = actor_for(make_user(Role.EXAMINER, organisation=orgs["hefei"]))
    assert examiner.has(Perm.EXAM_SCORE)
    assert not examiner.has(Perm.FILING_REVIEW)
    assert not examiner.has(Perm.AUDIT_VIEW)
    with pytest.raises(PermissionDenied):
        examiner.require(Perm.REFERENCE_MANAGE)
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    assert authority.has(Perm.FILING_REVIEW) and not authority.has(Perm.BATCH_MANAGE)
    assert not ANONYMOUS.has(Perm.HOME)
    assert not ANONYMOUS.has("no.such.permission")


def test_inactive_membership_grants_nothing(orgs):
    user = make_user(Role.ORG_ADMIN, organisation=orgs["hefei"])
    user.memberships.update(is_active=False)
    actor = actor_for(user)
    assert actor.roles == frozenset()
    assert list(organisations_visible_to(actor)) == []


def test_a_user_cannot_belong_to_two_organisations(orgs):
    from skilleval.accounts.services import membership_add

    user = make_user(Role.EXAMINER, organisation=orgs["hefei"])
    with pytest.raises(DomainError, match="只能属于一个机构"):
        membership_add(actor=None, user=user, role=Role.PROCTOR, organisation=orgs["qingdao"])
    assert user.memberships.count() == 1


def test_get_scoped_or_404_never_returns_outside_rows(orgs):
    actor = actor_for(make_user(Role.ORG_ADMIN, organisation=orgs["qingdao"]))
    with pytest.raises(Http404):
        get_scoped_or_404(organisations_visible_to(actor), pk=orgs["hefei"].pk)
