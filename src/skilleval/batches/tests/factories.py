"""Builders for batch tests: a filed organisation with a scope, an announced batch,
candidates of its workforce, all through the real services."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user, resident_id
from skilleval.catalog.models import Level, Occupation, WorkType
from skilleval.core.workdays import working_calendar
from skilleval.orgs.models import ScopeItem
from skilleval.orgs.tests.factories import OrganisationFactory

from .. import services

TODAY = timezone.localdate()


def filed_organisation(jurisdiction, scope=(("6-18-01-01", "", (5, 4, 3, 2)),), **kwargs):
    org = OrganisationFactory(jurisdiction=jurisdiction, **kwargs)
    for code, work_type_code, levels in scope:
        occupation = Occupation.objects.get(code=code)
        work_type = WorkType.objects.get(code=work_type_code) if work_type_code else None
        for level in levels:
            ScopeItem.objects.create(organisation=org, occupation=occupation, work_type=work_type,
                                     level=Level.objects.get(code=level), added_on=TODAY)
    return org


def batch_for(org, *, items=(("6-18-01-01", 5), ("6-18-01-01", 4), ("6-18-01-01", 3), ("6-18-01-01", 2)),
              first_exam_in_workdays=20, announce=True, manager=None):
    manager = manager or make_user(Role.ORG_ADMIN, organisation=org)
    actor = actor_for(manager)
    first = working_calendar().add(TODAY, first_exam_in_workdays).date
    batch = services.batch_create(
        actor=actor, organisation=org, name="2026年第四期车工认定", registration_opens=TODAY - dt.timedelta(days=3),
        registration_closes=TODAY + dt.timedelta(days=5), first_exam_date=first,
        last_exam_date=first + dt.timedelta(days=2), sites="实训楼一层理论考场、二号车间实操考场",
        candidate_scope="本企业在岗职工", contact="李俊 0551-63821106")
    for code, level in items:
        services.batch_item_add(actor=actor, batch=batch, occupation_code=code, level_code=level, method="exam",
                                theory_weight=30, practical_weight=60, review_weight=10)
    if announce:
        services.batch_announce(actor=actor, batch=batch)
    return batch, actor


def application_data(batch, *, level=5, years="3", birth="19900101", id_number=None, name="张伟", **extra):
    item = batch.items.get(level__code=level)
    return services.ApplicationData(
        id_type_code="201", id_number=id_number or resident_id(birth), name=name, item_id=item.pk,
        post_occupation_code=item.occupation.code, education="高中", work_started_on=dt.date(2012, 7, 1),
        years_in_occupation=Decimal(years), phone="13905510000", current_post="车工", commitment_signed=True,
        **extra)


def candidate(org, *, birth="19900101", name="张伟"):
    return make_user(candidate=True, organisation=org, full_name=name)
