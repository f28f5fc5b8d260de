"""Special vocational ability assessment (专项职业能力考核) in batches: the kind chosen at
creation, one special ability with its norm and pass mark instead of occupations and
levels, level-only steps refused in Chinese, and light eligibility (no level, seniority
or route rules; the minimum age and the ID still count)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import PASSWORD, make_user, resident_id
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent

from .. import services
from ..eligibility import CandidateFacts, evaluate
from ..imports import applications_import
from ..models import Application, Batch, BatchKind
from ..sample import import_row, import_workbook
from .factories import (
    TODAY,
    batch_for,
    candidate,
    filed_organisation,
    special_ability,
    special_batch_for,
    special_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hefei(jurisdictions):
    return jurisdictions["合肥市"]


@pytest.fixture
def org(hefei):
    return filed_organisation(hefei)


def test_special_batch_names_one_ability_with_its_norm_and_pass_mark(org, hefei):
    ability = special_ability(hefei, pass_mark=70)
    batch, _actor = special_batch_for(org, ability, announce=False)
    assert batch.kind == BatchKind.SPECIAL and batch.is_special_assessment
    item = batch.items.get()
    assert item.level is None and item.special_ability == ability
    assert (item.theory_weight, item.practical_weight, item.review_weight) == (0, 100, 0)
    assert item.modules == [{"name": "操作技能", "mandatory": True}]
    assert item.pass_mark == 70
    assert str(item) == "数控车床操作（专项职业能力考核）"
    assert item.level_label == "专项职业能力考核"
    assert AuditEvent.objects.filter(summary__contains="设置考核的专项职业能力：数控车床操作").exists()


def test_a_norm_without_a_pass_mark_takes_the_profile_default(org, hefei):
    ability = special_ability(hefei, pass_mark=None)
    batch, _actor = special_batch_for(org, ability, announce=False)
    assert batch.items.get().pass_mark == hefei.policy_profile().default_pass_mark


def test_choosing_again_replaces_the_ability_while_draft(org, hefei):
    first = special_ability(hefei)
    second = special_ability(hefei, code="ZX340100-0023", name="钳工划线与锉削", occupation="6-20-03-02")
    batch, actor = special_batch_for(org, first, announce=False)
    services.batch_special_ability_set(actor=actor, batch=batch, ability_code=second.code)
    assert [i.special_ability.name for i in batch.items.all()] == ["钳工划线与锉削"]


def test_level_only_steps_are_refused_for_a_special_batch(org, hefei):
    ability = special_ability(hefei)
    batch, actor = special_batch_for(org, ability, announce=False)
    with pytest.raises(DomainError, match="专项职业能力考核批次不设职业等级"):
        services.batch_item_add(actor=actor, batch=batch, occupation_code="6-18-01-01", level_code=5, method="exam",
                                theory_weight=30, practical_weight=60, review_weight=10)
    level_batch, level_actor = batch_for(org, announce=False, manager=actor.user)
    with pytest.raises(DomainError, match="职业技能等级认定批次请添加评价职业及等级"):
        services.batch_special_ability_set(actor=level_actor, batch=level_batch, ability_code=ability.code)
    services.batch_announce(actor=actor, batch=batch)
    with pytest.raises(DomainError, match="公告发布后不能再更改考核的专项职业能力"):
        services.batch_special_ability_set(actor=actor, batch=batch, ability_code=ability.code)


def test_only_a_norm_filed_with_the_organisations_city_may_be_assessed(org, jurisdictions):
    elsewhere = special_ability(jurisdictions["蚌埠市"], code="ZX340300-0005")
    batch, actor = special_batch_for(org, None, announce=False)
    with pytest.raises(DomainError, match="不是经本地市级人社部门备案考核规范的专项职业能力") as caught:
        services.batch_special_ability_set(actor=actor, batch=batch, ability_code=elsewhere.code)
    assert caught.value.field == "ability_code"
    assert not batch.items.exists()
    with pytest.raises(DomainError, match="请选择本批次考核的专项职业能力"):
        services.batch_announce(actor=actor, batch=batch)


def test_an_unknown_kind_is_refused_with_nothing_saved(org):
    actor = actor_for(make_user(Role.ORG_ADMIN, organisation=org))
    first = TODAY + dt.timedelta(days=40)
    with pytest.raises(DomainError, match="请选择评价类型") as caught:
        services.batch_create(actor=actor, organisation=org, kind="vocational", name="错误类型", sites="车间",
                              contact="李俊", registration_opens=TODAY, registration_closes=TODAY + dt.timedelta(days=5),
                              first_exam_date=first, last_exam_date=first)
    assert caught.value.field == "kind"
    assert not Batch.objects.exists()


def test_eligibility_is_light_no_level_years_or_post_rules(org, hefei):
    ability = special_ability(hefei)
    batch, manager = special_batch_for(org, ability)
    user = candidate(org, name="陶思远")
    # Zero years, and a post of another occupation (钳工): fine for a special ability.
    application = services.application_submit(
        actor=actor_for(user), batch=batch,
        data=special_data(batch, id_number=user.person.id_number, name="陶思远", post="6-20-03-02", years="0"))
    assert application.eligible and application.reasons == []
    assert application.route == Application.Route.NORMAL
    assert "不设等级、工作年限和学历条件" in application.rule_label
    services.application_review(actor=manager, application=application, decision="accept")
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED


def test_special_eligibility_still_checks_the_minimum_age(org, hefei):
    ability = special_ability(hefei)
    min_age = hefei.policy_profile().min_candidate_age
    facts = CandidateFacts(birth_date=TODAY.replace(year=TODAY.year - min_age + 1), sex="M",
                           id_number="", id_is_resident=False, work_started_on=None,
                           years_in_occupation=Decimal(0))
    verdict = evaluate(facts, occupation_id=ability.occupation_id, level=0, rules=[], min_age=min_age,
                       on_date=TODAY, kind=BatchKind.SPECIAL)
    assert not verdict.eligible
    assert any(f"未满{min_age}周岁" in r for r in verdict.reasons)
    adult = CandidateFacts(birth_date=dt.date(1999, 4, 18), sex="M", id_number="", id_is_resident=False,
                           work_started_on=None, years_in_occupation=Decimal(0))
    assert evaluate(adult, occupation_id=ability.occupation_id, level=0, rules=[], min_age=min_age, on_date=TODAY,
                    kind=BatchKind.SPECIAL).eligible
    # The same facts for a level batch with no rules at all are refused: the kind decides.
    assert not evaluate(adult, occupation_id=ability.occupation_id, level=5, rules=[], min_age=min_age,
                        on_date=TODAY).eligible


def test_exceptional_route_is_refused_for_a_special_batch(org, hefei):
    batch, _manager = special_batch_for(org, special_ability(hefei))
    user = candidate(org, name="胡晓燕")
    data = special_data(batch, id_number=user.person.id_number, name="胡晓燕", requested_route="exceptional")
    with pytest.raises(DomainError, match="专项职业能力考核不分等级，没有越级或破格申报"):
        services.application_submit(actor=actor_for(user), batch=batch, data=data)
    assert not Application.objects.exists()


def test_import_rows_need_no_level_and_a_wrong_occupation_is_named(org, hefei):
    batch, manager = special_batch_for(org, special_ability(hefei))
    rows = [import_row("潘立伟", resident_id("19960105"), level="", occupation="", post="6-20-03-02", years="0"),
            import_row("彭嘉欣", resident_id("20010630"), level="", occupation="6-18-01-01", years="1"),
            import_row("韩雪", resident_id("19980214"), level="", occupation="6-31-01-03", years="1")]
    report = applications_import(actor=manager, batch=batch, source=import_workbook(rows), filename="专项报名.xlsx",
                                 clean_rows_only=True)
    assert report.imported == 2
    assert all(a.eligible for a in Application.objects.filter(batch=batch))
    messages = " ".join(e.message for e in report.errors)
    assert "申报职业编码应留空或填写6-18-01-01" in messages


def test_views_create_filter_and_set_the_ability(client, org, hefei):
    ability = special_ability(hefei)
    manager = make_user(Role.ORG_ADMIN, organisation=org)
    batch_for(org, announce=False, manager=manager)
    client.login(username=manager.username, password=PASSWORD)
    page = client.get(reverse("batches:batch_create"))
    assert "专项职业能力考核" in page.content.decode()
    first = TODAY + dt.timedelta(days=60)
    response = client.post(reverse("batches:batch_create"), {
        "kind": "special", "name": "2026年第一期数控车床操作专项职业能力考核", "registration_opens": TODAY.isoformat(),
        "registration_closes": (TODAY + dt.timedelta(days=10)).isoformat(), "first_exam_date": first.isoformat(),
        "last_exam_date": first.isoformat(), "sites": "二号车间", "contact": "李俊 0551-63821106"})
    special = Batch.objects.get(kind="special")
    assert response.status_code == 302
    detail = client.get(reverse("batches:batch_detail", args=[special.pk])).content.decode()
    assert 'data-testid="special-ability-form"' in detail and ability.name in detail
    assert "添加评价职业" not in detail
    bad = client.post(reverse("batches:special_ability", args=[special.pk]), {"ability_code": "NOPE"})
    assert bad.status_code == 400 and "选择一个有效的选项" in bad.content.decode()
    ok = client.post(reverse("batches:special_ability", args=[special.pk]), {"ability_code": ability.code})
    assert ok.status_code == 302
    detail = client.get(reverse("batches:batch_detail", args=[special.pk])).content.decode()
    assert ability.norm_title in detail and "专项职业能力考核" in detail
    listing = client.get(reverse("batches:batch_list"), {"kind": "special"}).content.decode()
    assert special.name in listing and "2026年第四期车工认定" not in listing
    listing = client.get(reverse("batches:batch_list"), {"kind": "level"}).content.decode()
    assert special.name not in listing and "2026年第四期车工认定" in listing
    # The kind cannot be changed afterwards.
    edit = client.get(reverse("batches:batch_edit", args=[special.pk])).content.decode()
    assert 'name="kind"' in edit and "disabled" in edit
