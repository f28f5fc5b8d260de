import datetime as dt

import pytest

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.models import PolicyProfile
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.core.workdays import working_calendar
from skilleval.orgs.models import Organisation

from .. import services
from ..models import Application, Batch, BatchStaff
from ..selectors import application_get_for_actor, batches_visible_to
from .factories import TODAY, application_data, batch_for, candidate, filed_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def hefei_org(jurisdictions):
    return filed_organisation(jurisdictions["合肥市"], name="合肥批次测试机械有限公司")


def test_items_only_inside_the_approved_scope(hefei_org):
    batch, actor = batch_for(hefei_org, items=(("6-18-01-01", 5),), announce=False)
    with pytest.raises(DomainError, match="不在本单位备案的职业范围内"):
        services.batch_item_add(actor=actor, batch=batch, occupation_code="6-18-01-01", level_code=1,
                                method="exam", theory_weight=30, practical_weight=70)
    with pytest.raises(DomainError, match="权重之和应为100%"):
        services.batch_item_add(actor=actor, batch=batch, occupation_code="6-18-01-01", level_code=4,
                                method="exam", theory_weight=30, practical_weight=60)
    with pytest.raises(DomainError, match="必考模块"):
        services.batch_item_add(actor=actor, batch=batch, occupation_code="6-18-01-01", level_code=4,
                                method="modular", theory_weight=40, practical_weight=60,
                                modules=[{"name": "数控加工", "mandatory": False}])
    item = services.batch_item_add(actor=actor, batch=batch, occupation_code="6-18-01-01", level_code=2,
                                   method="performance")
    assert (item.theory_weight, item.review_weight, item.pass_mark) == (0, 100, 60)
    assert batch.items.count() == 2


def test_a_terminated_or_unfiled_organisation_cannot_open_a_batch(jurisdictions):
    org = filed_organisation(jurisdictions["合肥市"], status=Organisation.Status.TERMINATED)
    with pytest.raises(DomainError, match="只有备案有效"):
        batch_for(org)
    assert not Batch.objects.exists()


def test_online_registration_and_the_post_rule(hefei_org):
    batch, manager = batch_for(hefei_org)
    user = candidate(hefei_org)
    actor = actor_for(user)
    data = application_data(batch, id_number=user.person.id_number)
    data.post_occupation_code = "6-31-01-03"
    with pytest.raises(DomainError, match="与现从事岗位的职业"):
        services.application_submit(actor=actor, batch=batch, data=data)
    application = services.application_submit(actor=actor, batch=batch,
                                              data=application_data(batch, id_number=user.person.id_number))
    assert application.eligible and application.route == Application.Route.NORMAL
    assert application.number.startswith(batch.code)
    with pytest.raises(DomainError, match="只能申报一个职业"):
        services.application_submit(actor=actor, batch=batch,
                                    data=application_data(batch, level=4, id_number=user.person.id_number))


def test_registration_outside_the_window_is_refused(hefei_org):
    batch, _manager = batch_for(hefei_org)
    user = candidate(hefei_org)
    with pytest.raises(DomainError, match="不在报名时间内"):
        services.application_submit(actor=actor_for(user), batch=batch, today=TODAY + dt.timedelta(days=30),
                                    data=application_data(batch, id_number=user.person.id_number))


def test_review_needs_reasons_and_an_eligible_verdict(hefei_org):
    batch, manager = batch_for(hefei_org)
    user = candidate(hefei_org)
    application = services.application_submit(
        actor=actor_for(user), batch=batch, data=application_data(batch, level=3, years="1",
                                                                  id_number=user.person.id_number))
    assert not application.eligible
    with pytest.raises(DomainError, match="不能审核通过"):
        services.application_review(actor=manager, application=application, decision="accept")
    with pytest.raises(DomainError, match="须写明理由"):
        services.application_review(actor=manager, application=application, decision="return")
    services.application_review(actor=manager, application=application, decision="return",
                                reason="请补充四级证书复印件")
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    assert user.notifications.filter(title__contains="退回修改").exists()


def _ready_for_plan(batch, manager, org, n=3):
    for i in range(n):
        user = candidate(org, name=f"考生{i}")
        application = services.application_submit(actor=actor_for(user), batch=batch,
                                                  data=application_data(batch, id_number=user.person.id_number,
                                                                        name=f"考生{i}"))
        services.application_review(actor=manager, application=application, decision="accept")
    from skilleval.orgs.sample import sample_id_number

    for role, count in ((BatchStaff.Role.HEAD, 1), (BatchStaff.Role.PROCTOR, 2), (BatchStaff.Role.EXAMINER, 3),
                        (BatchStaff.Role.SUPERVISOR, 1)):
        for k in range(count):
            services.batch_staff_add(actor=manager, batch=batch, role=role, name=f"{role}{k}",
                                     id_number=sample_id_number())
    services.batch_sign_commitment(actor=manager, batch=batch, signatory="王海燕")
    services.batch_plan_save(actor=manager, batch=batch, plan=services.plan_draft(batch))


def test_plan_lead_time_nine_working_days_refused_ten_accepted(hefei_org):
    batch, manager = batch_for(hefei_org, items=(("6-18-01-01", 5),))
    _ready_for_plan(batch, manager, hefei_org)
    calendar = working_calendar()
    nine_before = calendar.subtract(batch.first_exam_date, 9).date
    with pytest.raises(DomainError) as exc:
        services.batch_file_plan(actor=manager, batch=batch, today=nine_before)
    assert "至少10个工作日" in exc.value.message and "最早可于" in exc.value.message
    ten_before = calendar.subtract(batch.first_exam_date, 10).date
    assert services.plan_latest_filing_date(batch) == ten_before
    services.batch_file_plan(actor=manager, batch=batch, today=ten_before)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PLAN_FILED and batch.plan_filed_on == ten_before
    assert not batch.plan_copy_to_province


def test_levels_two_and_one_are_copied_to_the_province_and_confirmed(hefei_org, jurisdictions):
    batch, manager = batch_for(hefei_org, items=(("6-18-01-01", 5), ("6-18-01-01", 2)))
    _ready_for_plan(batch, manager, hefei_org)
    services.batch_file_plan(actor=manager, batch=batch)
    batch.refresh_from_db()
    assert batch.plan_copy_to_province and batch.plan_jurisdiction == jurisdictions["合肥市"]
    province = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["安徽省"]))
    bengbu = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["蚌埠市"]))
    city = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    assert batch in batches_visible_to(province) and batch not in batches_visible_to(bengbu)
    with pytest.raises(DomainError, match="不是向您所在辖区报备"):
        services.batch_plan_confirm(actor=bengbu, batch=batch)
    services.batch_plan_confirm(actor=city, batch=batch)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PLAN_CONFIRMED
    assert AuditEvent.objects.filter(object_type="batches.batch", summary="确认认定计划").exists()


def test_plan_return_needs_a_reason_and_reopens_the_batch(hefei_org, jurisdictions):
    batch, manager = batch_for(hefei_org, items=(("6-18-01-01", 5),))
    _ready_for_plan(batch, manager, hefei_org)
    services.batch_file_plan(actor=manager, batch=batch)
    city = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    with pytest.raises(DomainError, match="退回理由"):
        services.batch_plan_return(actor=city, batch=batch, reason="")
    services.batch_plan_return(actor=city, batch=batch, reason="考评员人数不足")
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PLAN_RETURNED and batch.can_file_plan()
    assert batch.commitment_signed_at is None


def test_staff_roles_never_overlap_and_candidates_are_not_staff(hefei_org):
    batch, manager = batch_for(hefei_org, items=(("6-18-01-01", 5),))
    services.batch_staff_add(actor=manager, batch=batch, role="proctor", name="赵雪", id_number="11010519491231002X")
    with pytest.raises(DomainError, match="不得兼任"):
        services.batch_staff_add(actor=manager, batch=batch, role="examiner", name="赵雪",
                                 id_number="11010519491231002X")
    user = candidate(hefei_org)
    services.application_submit(actor=actor_for(user), batch=batch,
                                data=application_data(batch, id_number=user.person.id_number))
    with pytest.raises(DomainError, match="是本批次的考生"):
        services.batch_staff_add(actor=manager, batch=batch, role="examiner", name=user.person.name,
                                 id_number=user.person.id_number)


def test_other_organisations_never_see_the_applications(hefei_org, jurisdictions):
    batch, _manager = batch_for(hefei_org, items=(("6-18-01-01", 5),))
    user = candidate(hefei_org)
    application = services.application_submit(actor=actor_for(user), batch=batch,
                                              data=application_data(batch, id_number=user.person.id_number))
    other = filed_organisation(jurisdictions["合肥市"])
    from django.http import Http404

    with pytest.raises(Http404):
        application_get_for_actor(actor=actor_for(make_user(Role.ORG_ADMIN, organisation=other)), pk=application.pk)
    with pytest.raises(Http404):
        application_get_for_actor(actor=actor_for(candidate(hefei_org, name="别人")), pk=application.pk)
    assert PolicyProfile.objects.get(key="hefei").plan_lead_workdays == 10
