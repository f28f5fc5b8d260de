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


def special_ability(jurisdiction, *, code="ZX340100-0018", name="数控车床操作", occupation="6-18-01-01",
                    pass_mark=70, module="操作技能"):
    """A special ability whose norm (考核规范) is filed with `jurisdiction`."""
    from skilleval.catalog.models import SpecialAbility

    return SpecialAbility.objects.create(
        code=code, name=name, occupation=Occupation.objects.get(code=occupation), pass_mark=pass_mark, module=module,
        norm_title=f"{jurisdiction.name}{name}专项职业能力考核规范", jurisdiction=jurisdiction,
        filed_on=dt.date(2025, 3, 18))


def special_batch_for(org, ability=None, *, announce=True, manager=None, opens=None, first=None):
    """A special vocational ability assessment batch of `org` naming `ability`."""
    manager = manager or make_user(Role.ORG_ADMIN, organisation=org)
    actor = actor_for(manager)
    opens = opens or TODAY - dt.timedelta(days=3)
    first = first or working_calendar().add(TODAY, 20).date
    closes = TODAY + dt.timedelta(days=5) if first > TODAY + dt.timedelta(days=5) else opens + dt.timedelta(days=5)
    batch = services.batch_create(
        actor=actor, organisation=org, kind="special", name="2026年第一期数控车床操作专项职业能力考核",
        registration_opens=opens, registration_closes=closes, first_exam_date=first,
        last_exam_date=first + dt.timedelta(days=1), sites="二号车间数控实操考场", contact="李俊 0551-63821106")
    if ability is not None:
        services.batch_special_ability_set(actor=actor, batch=batch, ability_code=ability.code)
        if announce:
            services.batch_announce(actor=actor, batch=batch, today=opens)
    return batch, actor


def special_data(batch, *, birth="19990418", id_number=None, name="陶思远", post="6-20-03-02", years="0", **extra):
    """An application to a special batch: any post, no years needed."""
    return services.ApplicationData(
        id_type_code="201", id_number=id_number or resident_id(birth), name=name, item_id=batch.items.get().pk,
        post_occupation_code=post, education="高中", work_started_on=dt.date(2019, 7, 1),
        years_in_occupation=Decimal(years), phone="13905510000", current_post="数控车床操作工", commitment_signed=True,
        **extra)


def special_world(jurisdiction, *, candidates=3, name="合肥专项考核机床有限公司"):
    """A special batch in the past with `candidates` accepted applications and its plan
    confirmed by the authority, all through the real services."""
    org = filed_organisation(jurisdiction, name=name, scope=(("6-18-01-01", "", (5,)),))
    ability = special_ability(jurisdiction)
    manager_user = make_user(Role.ORG_ADMIN, organisation=org, full_name="王海燕")
    first = TODAY - dt.timedelta(days=1)
    batch, manager = special_batch_for(org, ability, manager=manager_user, opens=TODAY - dt.timedelta(days=30),
                                       first=first)
    applications = []
    for i in range(candidates):
        user = candidate(org, name=f"专项考生{i}")
        application = services.application_submit(
            actor=actor_for(user), batch=batch, today=TODAY - dt.timedelta(days=28),
            data=special_data(batch, id_number=user.person.id_number, name=f"专项考生{i}"))
        services.application_review(actor=manager, application=application, decision="accept")
        applications.append(application)
    authority = plan_confirmed(batch, manager, jurisdiction)
    return org, manager, batch, ability, applications, authority


def plan_confirmed(batch, manager, jurisdiction):
    """Roster, commitment, plan filed 12 working days before the first exam day and confirmed
    by the authority (returned), all through the real services."""
    from skilleval.batches.models import BatchStaff
    from skilleval.orgs.sample import sample_id_number

    for role, count in ((BatchStaff.Role.HEAD, 1), (BatchStaff.Role.PROCTOR, 2), (BatchStaff.Role.EXAMINER, 3),
                        (BatchStaff.Role.SUPERVISOR, 1)):
        for k in range(count):
            services.batch_staff_add(actor=manager, batch=batch, role=role, name=f"{role}{k}",
                                     id_number=sample_id_number())
    services.batch_sign_commitment(actor=manager, batch=batch, signatory="王海燕")
    services.batch_plan_save(actor=manager, batch=batch, plan=services.plan_draft(batch))
    services.batch_file_plan(actor=manager, batch=batch,
                             today=working_calendar().subtract(batch.first_exam_date, 12).date)
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdiction))
    services.batch_plan_confirm(actor=authority, batch=batch)
    batch.refresh_from_db()
    return authority
