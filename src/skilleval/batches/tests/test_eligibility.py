"""The eligibility engine: the pure `evaluate` on facts (no database), the rules in the
database, and `evaluate_application` on real rows."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skilleval.batches.eligibility import (
    DEFAULT_RULES,
    DEFAULT_TEMPLATE,
    AwardFact,
    CandidateFacts,
    CertificateFact,
    RuleData,
    eligibility_template_seed,
    evaluate,
    evaluate_application,
    rules_for,
    skip_level_thresholds,
)
from skilleval.core.validators import resident_id_check_char

OCC = 101
OTHER = 202
ON = dt.date(2025, 6, 30)
MIN_AGE = 16

_seq = itertools.count(1)


def make_id(birth: dt.date, sex: str = "M", region: str = "340104") -> str:
    """A valid resident ID for this birth date and sex (odd 17th digit = male)."""
    n = next(_seq) % 500
    sequence = 2 * n + (1 if sex == "M" else 0)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def facts(*, years: str | int = 0, birth: dt.date = dt.date(1985, 3, 15), sex: str = "M",
          work_started_on: dt.date | None = dt.date(2004, 7, 1), **kwargs) -> CandidateFacts:
    values = {"id_number": make_id(birth, sex), "id_is_resident": True, **kwargs}
    return CandidateFacts(birth_date=birth, sex=sex, work_started_on=work_started_on,
                          years_in_occupation=Decimal(str(years)), **values)


def cert(level: int, occupation: int | None = OCC, kind: str = "skill_level",
         issued_on: dt.date | None = None) -> CertificateFact:
    return CertificateFact(kind, occupation, level, issued_on)


def run(candidate: CandidateFacts, level: int, rules=DEFAULT_RULES, occupation_id: int = OCC):
    return evaluate(candidate, occupation_id=occupation_id, level=level, rules=list(rules), min_age=MIN_AGE,
                    on_date=ON)


def label(level: int, order: int) -> str:
    return next(r.label for r in DEFAULT_RULES if r.level == level and r.order == order)


# ---------------------------------------------------------------------------------------------
# Normal route


@pytest.mark.parametrize(("level", "certificates", "years", "expected"), [
    (5, [], 1, "累计从事本职业或相关职业工作满1年"),
    (4, [cert(5)], 4, "取得本职业五级证书后，累计从事本职业工作满4年"),
    (3, [cert(4)], 5, "取得本职业四级证书后，累计从事本职业工作满5年"),
    (2, [cert(3)], 4, "取得本职业三级证书后，累计从事本职业工作满4年"),
    (1, [cert(2)], 4, "取得本职业二级证书后，累计从事本职业工作满4年"),
])
def test_normal_route_per_level(level, certificates, years, expected):
    verdict = run(facts(years=years, certificates=certificates), level)
    assert verdict.eligible, verdict.reasons
    assert verdict.route == "normal"
    assert verdict.rule_label == expected
    assert verdict.reasons == []


def test_a_higher_certificate_counts_for_a_lower_requirement():
    verdict = run(facts(years=5, certificates=[cert(3)]), 3)  # holds level 3, rule asks level 4 or higher
    assert verdict.eligible and verdict.rule_label == label(3, 1)


def test_level_4_by_six_years_without_certificate():
    verdict = run(facts(years=6), 4)
    assert verdict.eligible
    assert verdict.route == "normal"
    assert verdict.rule_label == "累计从事本职业或相关职业工作满6年"


def test_education_apprenticeship_and_preparatory_rules():
    assert run(facts(years=0, apprenticeship_completed=True), 5).rule_label == label(5, 2)
    school = run(facts(years=0, school_kind="technical_school", major_matches=True,
                       graduated_on=dt.date(2004, 6, 30)), 4)
    assert school.eligible and school.rule_label == label(4, 3)
    senior = run(facts(years=1, school_kind="senior_technical", major_matches=True,
                       graduated_on=dt.date(2004, 6, 30), certificates=[cert(4)]), 3)
    assert senior.eligible and senior.rule_label == label(3, 2)
    college = run(facts(years=2, school_kind="college", major_matches=True, graduated_on=dt.date(2004, 6, 30),
                        certificates=[cert(4)]), 3)
    assert college.eligible and college.rule_label == label(3, 3)
    preparatory = run(facts(years=2, certificates=[cert(None, kind="preparatory")]), 2)
    assert preparatory.eligible and preparatory.rule_label == label(2, 3)


def test_a_major_that_does_not_match_fails_the_education_rule():
    verdict = run(facts(years=0, school_kind="technical_school", major_matches=False,
                        graduated_on=dt.date(2004, 6, 30)), 4)
    assert not verdict.eligible
    assert any(r.startswith(label(4, 3)) and "所学专业与申报职业不相同或不相关" in r for r in verdict.reasons)


def test_a_certificate_of_another_occupation_does_not_count():
    verdict = run(facts(years=4, certificates=[cert(5, occupation=OTHER), cert(5, occupation=None)]), 4)
    assert not verdict.eligible
    assert verdict.route == ""
    assert f"{label(4, 1)}：未持有本职业五级及以上证书（其他职业的证书不能作为申报依据）" in verdict.reasons
    assert any("本职业工作年限4年，不足6年" in r for r in verdict.reasons)


def test_other_certificate_kinds_do_not_count():
    verdict = run(facts(years=4, certificates=[cert(5, kind="professional"), cert(5, kind="other")]), 4)
    assert not verdict.eligible


def test_refusal_names_each_failing_condition_of_each_rule():
    verdict = run(facts(years=3), 3)
    assert not verdict.eligible
    assert f"{label(3, 1)}：未持有本职业四级及以上证书；本职业工作年限3年，不足5年" in verdict.reasons
    assert any(r.startswith(label(3, 2)) and "未持有本职业四级及以上证书" in r and "不符合学历要求" in r
               for r in verdict.reasons)
    assert f"{label(3, 3)}：未持有本职业四级及以上证书；不符合学历要求：大专及以上本专业或相关专业毕业" in verdict.reasons
    assert "越级申报：未取得本职业证书，本职业工作年限3年，不足10年" in verdict.reasons

    with_cert = run(facts(years=3, certificates=[cert(4)]), 3)
    assert f"{label(3, 1)}：本职业工作年限3年，不足5年" in with_cert.reasons


# ---------------------------------------------------------------------------------------------
# Skip-level [HF 12]


def test_skip_level_thresholds_follow_the_template():
    assert skip_level_thresholds(DEFAULT_RULES) == {5: 1, 4: 5, 3: 10, 2: 14, 1: 18}


def test_skip_level_thresholds_are_computed_from_any_rules():
    rules = [
        RuleData(5, 1, None, Decimal(2), "", False, False, "满2年"),
        RuleData(4, 1, 5, Decimal(3), "", False, False, "五级证书后满3年"),
        RuleData(4, 2, None, Decimal("4.5"), "", False, False, "满4.5年"),
        RuleData(3, 1, 4, Decimal(1), "college", False, False, "大专并四级证书满1年"),  # not a tenure chain
        RuleData(2, 1, 5, Decimal(10), "", False, False, "五级证书后满10年"),
    ]
    assert skip_level_thresholds(rules) == {5: 2, 4: Decimal("4.5"), 2: 12}
    assert "不足12年" in " ".join(run(facts(years=11), 2, rules=rules).reasons)
    assert run(facts(years=12), 2, rules=rules).route == "skip_level"


def test_skip_level_to_level_3_with_eleven_years():
    verdict = run(facts(years=11), 3)
    assert verdict.eligible, verdict.reasons
    assert verdict.route == "skip_level"
    assert "10年" in verdict.rule_label
    assert any("越级申报" in f for f in verdict.flags)  # requested normal, judged skip-level


def test_skip_level_refused_with_nine_years_names_certificate_and_years():
    verdict = run(facts(years=9, requested_route="skip_level"), 3)
    assert not verdict.eligible
    assert any("未持有本职业四级及以上证书" in r for r in verdict.reasons)
    assert any("本职业工作年限9年，不足10年" in r for r in verdict.reasons)


def test_skip_level_needs_no_certificate_of_the_occupation():
    verdict = run(facts(years=11, certificates=[cert(5)], requested_route="skip_level"), 3)
    assert not verdict.eligible
    assert "越级申报：已取得本职业证书，不适用越级申报" in verdict.reasons
    # A certificate of another occupation does not block the route.
    assert run(facts(years=11, certificates=[cert(5, occupation=OTHER)]), 3).route == "skip_level"


# ---------------------------------------------------------------------------------------------
# Exceptional [HF 13] and competition [HS 9.4]

CITY_HONOUR = AwardFact("honour", "city", None, False)
PROVINCIAL_HONOUR = AwardFact("honour", "provincial", None, False)


def test_city_award_opens_level_2_only():
    accepted = run(facts(years=3, awards=[CITY_HONOUR], requested_route="exceptional"), 2)
    assert accepted.eligible, accepted.reasons
    assert accepted.route == "exceptional"
    assert "二级/技师" in accepted.rule_label

    refused = run(facts(years=3, awards=[CITY_HONOUR], requested_route="exceptional"), 1)
    assert not refused.eligible
    assert any("最高可破格申报二级/技师" in r and "一级/高级技师" in r for r in refused.reasons)


def test_provincial_award_opens_level_1():
    verdict = run(facts(years=3, awards=[PROVINCIAL_HONOUR], requested_route="exceptional"), 1)
    assert verdict.eligible, verdict.reasons
    assert verdict.route == "exceptional"


def test_exceptional_is_a_fallback_when_not_requested():
    # Not requested and nothing else holds: the exceptional route is still found, with a flag.
    verdict = run(facts(years=3, awards=[CITY_HONOUR]), 2)
    assert verdict.route == "exceptional"
    assert any("申报类别为“正常申报”" in f for f in verdict.flags)
    # Requested, but the normal route holds: normal wins.
    normal = run(facts(years=4, certificates=[cert(3)], awards=[CITY_HONOUR], requested_route="exceptional"), 2)
    assert normal.route == "normal"


def test_competition_top_three_of_a_filed_competition():
    second = AwardFact("competition", "city", 2, True)
    verdict = run(facts(years=2, awards=[second]), 3)
    assert verdict.eligible, verdict.reasons
    assert verdict.route == "competition"
    assert "第2名" in verdict.rule_label
    # Asked for exceptional: that route is tried before competition.
    assert run(facts(years=2, awards=[second], requested_route="exceptional"), 3).route == "exceptional"

    fourth = run(facts(years=2, awards=[AwardFact("competition", "city", 4, True)], requested_route="competition"), 3)
    assert not fourth.eligible
    assert "竞赛选拔：经备案竞赛的最好名次为第4名，须为前3名" in fourth.reasons

    unfiled = run(facts(years=2, awards=[AwardFact("competition", "national", 1, False)]), 1)
    assert unfiled.route == "exceptional"  # top 3 of any competition grounds an exceptional route
    asked = run(facts(years=2, awards=[AwardFact("competition", "national", 1, False)],
                      requested_route="competition"), 3)
    assert asked.route == "exceptional"  # an unfiled competition is no direct recognition
    assert "申报类别为“竞赛选拔”，按“破格申报”条件判定符合" in asked.flags


# ---------------------------------------------------------------------------------------------
# Consistency checks


def test_under_age_candidate_is_rejected():
    birth = dt.date(2009, 12, 1)  # 15 on 2025-06-30
    verdict = run(facts(years=0, birth=birth, work_started_on=None, apprenticeship_completed=True), 5)
    assert not verdict.eligible
    assert "年龄15周岁，未满16周岁" in verdict.reasons


def test_wrong_check_digit_is_rejected():
    good = make_id(dt.date(1985, 3, 15))
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    verdict = run(facts(years=1, id_number=bad), 5)
    assert not verdict.eligible
    assert any("校验位错误" in r for r in verdict.reasons)


def test_birth_date_and_sex_must_agree_with_the_id():
    candidate = facts(years=1)
    wrong = CandidateFacts(**{**candidate.__dict__, "sex": "F", "birth_date": dt.date(1985, 3, 16)})
    verdict = run(wrong, 5)
    assert not verdict.eligible
    assert "性别与身份证号码不一致" in verdict.reasons
    assert any("出生日期" in r and "不一致" in r for r in verdict.reasons)


def test_non_resident_id_skips_the_id_checks():
    verdict = run(facts(years=1, id_number="", id_is_resident=False), 5)
    assert verdict.eligible


def test_years_longer_than_adult_life_are_rejected():
    birth = dt.date(2000, 1, 1)  # 16 on 2016-01-01: 9.5 years of working life by 2025-06-30
    verdict = run(facts(years=12, birth=birth, work_started_on=dt.date(2016, 7, 1)), 3)
    assert not verdict.eligible
    assert any("本职业工作年限12年，超过" in r for r in verdict.reasons)
    assert verdict.route == ""


def test_work_before_sixteen_is_a_flag_and_graduation_dates_are_checked():
    verdict = run(facts(years=1, work_started_on=dt.date(2000, 1, 1)), 5)  # aged 14
    assert verdict.eligible
    assert any("早于年满16周岁" in f for f in verdict.flags)

    future = run(facts(years=1, graduated_on=dt.date(2026, 7, 1), school_kind="technical_school"), 5)
    assert not future.eligible
    assert any("毕业时间2026-07-01晚于" in r for r in future.reasons)

    during_school = run(facts(years=1, graduated_on=dt.date(2006, 7, 1), school_kind="technical_school"), 5)
    assert during_school.eligible
    assert any("早于毕业时间" in f for f in during_school.flags)


def test_certificate_issued_too_recently_is_flagged():
    verdict = run(facts(years=6, certificates=[cert(4, issued_on=dt.date(2023, 1, 1))]), 3)
    assert verdict.eligible
    assert any("至今不足5年" in f for f in verdict.flags)


# ---------------------------------------------------------------------------------------------
# Properties (Hypothesis)

dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2026, 12, 31))
year_values = st.integers(min_value=0, max_value=80).map(lambda n: Decimal(n) / 2)
certificates = st.lists(st.builds(
    CertificateFact,
    kind=st.sampled_from(["skill_level", "qualification", "preparatory", "professional", "other"]),
    occupation_id=st.sampled_from([OCC, OTHER, None]),
    level=st.one_of(st.none(), st.integers(min_value=1, max_value=5)),
    issued_on=st.one_of(st.none(), dates),
), max_size=3)
awards = st.lists(st.builds(
    AwardFact,
    kind=st.sampled_from(["honour", "competition", "innovation"]),
    tier=st.sampled_from(["city", "provincial", "national"]),
    rank=st.one_of(st.none(), st.integers(min_value=1, max_value=10)),
    filed_competition=st.booleans(),
), max_size=2)
school_kinds = st.sampled_from(["", "technical_school", "senior_technical", "college"])
routes = st.sampled_from(["normal", "skip_level", "exceptional", "competition"])


@st.composite
def random_facts(draw) -> CandidateFacts:
    birth = draw(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2015, 12, 31)))
    sex = draw(st.sampled_from(["M", "F"]))
    id_number = draw(st.one_of(st.just(make_id(birth, sex)), st.text("0123456789X", min_size=0, max_size=18)))
    return CandidateFacts(
        birth_date=birth, sex=sex, id_number=id_number, id_is_resident=draw(st.booleans()),
        work_started_on=draw(st.one_of(st.none(), dates)), years_in_occupation=draw(year_values),
        school_kind=draw(school_kinds), major_matches=draw(st.booleans()),
        graduated_on=draw(st.one_of(st.none(), dates)), apprenticeship_completed=draw(st.booleans()),
        requested_route=draw(routes), certificates=draw(certificates), awards=draw(awards),
    )


@settings(max_examples=300, deadline=None)
@given(candidate=random_facts(), level=st.integers(min_value=1, max_value=5))
def test_property_eligible_iff_no_reasons(candidate, level):
    verdict = run(candidate, level)
    assert verdict.eligible == (not verdict.reasons)
    if verdict.eligible:
        assert verdict.route in {"normal", "skip_level", "exceptional", "competition"}
        assert verdict.rule_label
    else:
        assert verdict.route == "" and verdict.rule_label == ""
    assert all(isinstance(r, str) and r for r in [*verdict.reasons, *verdict.flags])


@st.composite
def consistent_facts(draw) -> CandidateFacts:
    """Facts that pass every consistency check for up to 45 years in the occupation."""
    birth = dt.date(1960, 5, 4)
    sex = draw(st.sampled_from(["M", "F"]))
    return CandidateFacts(
        birth_date=birth, sex=sex, id_number=make_id(birth, sex), id_is_resident=True,
        work_started_on=dt.date(1979, 9, 1), years_in_occupation=draw(st.integers(0, 80).map(lambda n: Decimal(n) / 2)),
        school_kind=draw(school_kinds), major_matches=draw(st.booleans()), graduated_on=dt.date(1979, 7, 1),
        apprenticeship_completed=draw(st.booleans()), requested_route=draw(routes),
        certificates=draw(certificates), awards=draw(awards),
    )


@settings(max_examples=300, deadline=None)
@given(candidate=consistent_facts(), level=st.integers(min_value=1, max_value=5),
       extra=st.integers(min_value=0, max_value=10).map(lambda n: Decimal(n) / 2))
def test_property_more_years_never_undo_a_normal_verdict(candidate, level, extra):
    before = run(candidate, level)
    if not (before.eligible and before.route == "normal"):
        return
    more = CandidateFacts(**{**candidate.__dict__, "years_in_occupation": candidate.years_in_occupation + extra})
    after = run(more, level)
    assert after.eligible, after.reasons
    assert after.route == "normal"


@settings(max_examples=200, deadline=None)
@given(candidate=consistent_facts(), level=st.integers(min_value=1, max_value=5))
def test_property_skip_level_only_without_a_certificate_and_at_the_threshold(candidate, level):
    verdict = run(candidate, level)
    if verdict.route == "skip_level":
        assert not any(c.kind in ("skill_level", "qualification") and c.occupation_id == OCC and c.level
                       for c in candidate.certificates)
        assert candidate.years_in_occupation >= skip_level_thresholds(DEFAULT_RULES)[level]


# ---------------------------------------------------------------------------------------------
# Rules in the database


@pytest.fixture
def occupations(reference):
    from skilleval.catalog.models import Occupation

    return list(Occupation.objects.filter(is_access_type=False).order_by("code")[:2])


def test_template_seed_is_idempotent(db):
    from skilleval.batches.models import EligibilityRule

    assert rules_for(None) == list(DEFAULT_RULES)  # nothing in the database: the template, nothing written
    assert not EligibilityRule.objects.exists()
    assert eligibility_template_seed() == len(DEFAULT_TEMPLATE)
    assert eligibility_template_seed() == 0
    assert EligibilityRule.objects.filter(occupation__isnull=True).count() == len(DEFAULT_TEMPLATE)
    assert rules_for(None) == list(DEFAULT_RULES)


def test_occupation_rules_replace_the_template(occupations):
    from skilleval.batches.models import EligibilityRule

    own, other = occupations
    eligibility_template_seed()
    EligibilityRule.objects.create(occupation=own, level=4, order=1, required_certificate_level=5,
                                   min_years=Decimal(3), label="取得本职业五级证书后，累计从事本职业工作满3年")
    EligibilityRule.objects.create(occupation=own, level=5, order=1, apprenticeship=True,
                                   label="本职业学徒期满")
    own_rules = rules_for(own)
    assert [r.label for r in own_rules] == ["本职业学徒期满", "取得本职业五级证书后，累计从事本职业工作满3年"]
    assert rules_for(other.pk) == list(DEFAULT_RULES)

    six_years = facts(years=6)
    assert run(six_years, 4, rules=rules_for(other), occupation_id=other.pk).eligible  # template: >= 6 years
    refused = run(six_years, 4, rules=own_rules, occupation_id=own.pk)
    assert not refused.eligible  # the template's years-only rule no longer applies
    assert "取得本职业五级证书后，累计从事本职业工作满3年：未持有本职业五级及以上证书" in refused.reasons
    assert not any("累计从事本职业或相关职业工作满6年" in r for r in refused.reasons)
    assert skip_level_thresholds(own_rules) == {}  # no years-only chain: no skip-level
    accepted = run(facts(years=3, certificates=[cert(5, occupation=own.pk)]), 4, rules=own_rules,
                   occupation_id=own.pk)
    assert accepted.eligible and accepted.rule_label == "取得本职业五级证书后，累计从事本职业工作满3年"


# ---------------------------------------------------------------------------------------------
# evaluate_application on real rows


@pytest.fixture
def batch_setup(jurisdictions):
    from skilleval.batches.models import Batch, BatchItem
    from skilleval.catalog.models import Level, Occupation
    from skilleval.orgs.tests.factories import OrganisationFactory

    organisation = OrganisationFactory(jurisdiction=jurisdictions["合肥市"])
    batch = Batch.objects.create(
        organisation=organisation, code=f"{organisation.filing_number}-2025-01", name="2025年第一批",
        registration_opens=dt.date(2025, 6, 1), registration_closes=dt.date(2025, 6, 30),
        first_exam_date=dt.date(2025, 7, 20), last_exam_date=dt.date(2025, 7, 21), sites="本企业实训中心",
        contact="张三 0551-12345678")
    occupation = Occupation.objects.get(code="6-18-01-01")
    item = BatchItem.objects.create(batch=batch, occupation=occupation, level=Level.objects.get(code=3))
    return batch, item


_numbers = itertools.count(1)


def make_application(batch, item, *, person=None, years="6", birth=dt.date(1990, 5, 20), **fields):
    from skilleval.accounts.models import Person
    from skilleval.batches.models import Application
    from skilleval.catalog.models import IDType

    if person is None:
        person = Person.objects.create(id_type=IDType.objects.get(code="201"), id_number=make_id(birth, "F"),
                                       name="李四", sex="F", birth_date=birth, organisation=batch.organisation)
    values = {
        "batch": batch, "item": item, "person": person, "number": f"{batch.code}-{next(_numbers):05d}",
        "name": person.name, "sex": person.sex, "birth_date": person.birth_date, "education": "高中",
        "work_started_on": dt.date(2010, 7, 1), "phone": "13800000000", "current_post": "车工",
        "post_occupation": item.occupation, "years_in_occupation": Decimal(years), **fields,
    }
    return Application.objects.create(**values)


def test_evaluate_application_with_a_held_certificate(batch_setup, django_assert_max_num_queries):
    from skilleval.batches.models import HeldCertificate

    batch, item = batch_setup
    application = make_application(batch, item, years="6")
    HeldCertificate.objects.create(application=application, kind="skill_level", occupation=item.occupation, level=4)
    with django_assert_max_num_queries(9):
        verdict = evaluate_application(application)
    assert verdict.eligible, verdict.reasons
    assert verdict.route == "normal"
    assert verdict.rule_label == label(3, 1)


def test_evaluate_application_uses_the_registration_closing_date(batch_setup):
    from skilleval.batches.models import BatchItem
    from skilleval.catalog.models import Level

    batch, item = batch_setup
    level_5 = BatchItem.objects.create(batch=batch, occupation=item.occupation, level=Level.objects.get(code=5))
    birth = dt.date(2009, 7, 15)  # 15 on the closing date 2025-06-30, 16 from 2025-07-15
    application = make_application(batch, level_5, years="0", birth=birth, work_started_on=dt.date(2025, 3, 1),
                                   apprenticeship_completed=True)
    verdict = evaluate_application(application)
    assert not verdict.eligible
    assert "年龄15周岁，未满16周岁" in verdict.reasons
    assert evaluate_application(application, on_date=dt.date(2025, 8, 1)).eligible


def test_same_person_twice_in_a_batch(batch_setup):
    from skilleval.batches.models import Application, BatchItem, HeldCertificate
    from skilleval.catalog.models import Level

    batch, item = batch_setup
    first = make_application(batch, item, years="11")
    assert evaluate_application(first).route == "skip_level"
    # The database keeps one open application per person and batch; a withdrawn one does not count.
    first.status = Application.Status.WITHDRAWN
    first.save()
    level_4 = BatchItem.objects.create(batch=batch, occupation=item.occupation, level=Level.objects.get(code=4))
    second = make_application(batch, level_4, person=first.person, years="11")
    HeldCertificate.objects.create(application=second, kind="skill_level", occupation=item.occupation, level=5)
    assert evaluate_application(second).eligible
    # The withdrawn second application is re-examined while the first is open again.
    second.status = Application.Status.WITHDRAWN
    second.save()
    first.status = Application.Status.SUBMITTED
    first.save()
    verdict = evaluate_application(second)
    assert not verdict.eligible
    assert f"同一人在本批次已有报名（报名号{first.number}）" in verdict.reasons


def test_a_certificate_already_held_at_the_level(batch_setup):
    from skilleval.batches.models import HeldCertificate

    batch, item = batch_setup
    application = make_application(batch, item, years="12")
    HeldCertificate.objects.create(application=application, kind="qualification", occupation=item.occupation,
                                   level=3)
    verdict = evaluate_application(application)
    assert not verdict.eligible
    assert verdict.route == ""
    assert "已持有本职业该等级证书，不能重复申报" in verdict.reasons


def test_occupation_rules_in_the_database_drive_evaluate_application(batch_setup):
    from skilleval.batches.models import EligibilityRule

    batch, item = batch_setup
    eligibility_template_seed()
    application = make_application(batch, item, years="11")
    assert evaluate_application(application).route == "skip_level"
    EligibilityRule.objects.create(occupation=item.occupation, level=3, order=1, min_years=Decimal(20),
                                   label="累计从事本职业工作满20年")
    verdict = evaluate_application(application)
    assert not verdict.eligible
    assert "累计从事本职业工作满20年：本职业工作年限11年，不足20年" in verdict.reasons


def test_application_evaluate_stores_the_verdict(batch_setup):
    from skilleval.batches.services import application_evaluate

    batch, item = batch_setup
    application = make_application(batch, item, years="3")
    application_evaluate(application)
    application.refresh_from_db()
    assert application.eligible is False
    assert application.route == ""
    assert "越级申报：未取得本职业证书，本职业工作年限3年，不足10年" in application.reasons
