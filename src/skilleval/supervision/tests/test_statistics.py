"""Statistics: candidates, pass rates and certificates by level, year, city and organisation,
scoped to the actor (city → its own organisations, province → its cities and itself,
organisation → itself), never counting another jurisdiction; high-skill talents against the
authority's goal; deadlines met and missed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches.models import Batch
from skilleval.certificates.models import Certificate, CertificateTally
from skilleval.certificates.services import certificate_reissue, certificate_revoke, certificates_issue
from skilleval.certificates.tally import tally_rebuild, tally_rows
from skilleval.core.workdays import working_calendar
from skilleval.orgs.models import Organisation
from skilleval.orgs.selectors import organisations_visible_to
from skilleval.results.models import Report

from ..selectors import StatsFilter, goal_progress, statistics_applications, statistics_for
from ..services.evaluation import talent_goal_save
from .factories import at, evaluated_batch, filed, issue_certificates, record_results

pytestmark = pytest.mark.django_db
Y1 = timezone.localdate().year - 2
Y2 = timezone.localdate().year - 1


@pytest.fixture
def data(jurisdictions):
    hefei_city, anhui = jurisdictions["合肥市"], jurisdictions["安徽省"]
    hefei = filed(hefei_city, "合肥统计测试机械有限公司")
    old = evaluated_batch(hefei, first=dt.date(Y1, 5, 10), levels=(5, 3))  # 5, 5, 3, 3
    record_results(old, passed=3)  # two level-5 and one level-3 pass; report accepted: 3 certified, 1 high-skill
    issue_certificates(old)
    new = evaluated_batch(hefei, first=dt.date(Y2, 5, 10), levels=(4,), manager=old.manager)
    record_results(new, passed=2, report=None)
    Report.objects.create(batch=new.batch, version=1, status=Report.Status.RETURNED, submitted_at=at(dt.date(Y2, 6, 1)),
                          submitted_by=old.manager.user, correction_due_on=dt.date(Y2, 7, 1))
    Report.objects.create(batch=new.batch, version=2, status=Report.Status.SUBMITTED,
                          submitted_at=at(dt.date(Y2, 7, 10)), submitted_by=old.manager.user)
    bengbu = filed(jurisdictions["蚌埠市"], "蚌埠统计测试仪器有限公司")
    bb = evaluated_batch(bengbu, first=dt.date(Y2, 6, 10), levels=(5,))
    record_results(bb, passed=1)
    issue_certificates(bb)
    provincial = filed(anhui, "安徽省统计测试集团有限公司")
    Organisation.objects.filter(pk=provincial.pk).update(city=hefei_city)
    soe = evaluated_batch(provincial, first=dt.date(Y2, 8, 10), levels=(5,))
    record_results(soe, passed=2)
    issue_certificates(soe)
    tianjin = filed(jurisdictions["天津市"], "天津统计测试石化有限公司")
    tj = evaluated_batch(tianjin, first=dt.date(Y2, 9, 10), levels=(5, 3))
    record_results(tj, passed=4, submitted=at(tj.batch.last_exam_date + dt.timedelta(days=40)))
    issue_certificates(tj)
    return {"hefei": hefei, "bengbu": bengbu, "provincial": provincial, "tianjin": tianjin, "tj": tj,
            "manager": old.manager, "j": jurisdictions}


def authority(data, name):
    return actor_for(make_user(Role.AUTHORITY, jurisdiction=data["j"][name]))


def totals(stats):
    t = stats.totals
    return t.registered, t.accepted, t.assessed, t.passed, t.certified, t.high_skill


def test_a_city_counts_only_the_organisations_it_supervises(data):
    stats = statistics_for(authority(data, "合肥市"))
    assert totals(stats) == (6, 6, 6, 5, 3, 1)
    assert stats.totals.pass_rate == round(5 * 100 / 6, 1)
    assert [(r.label, r.accepted, r.passed, r.certified) for r in stats.by_level] == [
        ("五级", 2, 2, 2), ("四级", 2, 2, 0), ("三级", 2, 1, 1)]
    assert [(r.key, r.accepted, r.certified) for r in stats.by_year] == [(Y1, 4, 3), (Y2, 2, 0)]
    assert [r.label for r in stats.by_organisation] == [data["hefei"].name]
    assert [r.label for r in stats.by_city] == ["合肥市"]


def test_a_province_counts_its_cities_and_itself_never_another_province(data):
    stats = statistics_for(authority(data, "安徽省"))
    assert totals(stats) == (6 + 2 + 2, 10, 10, 5 + 1 + 2, 3 + 1 + 2, 1)
    assert {r.label: r.accepted for r in stats.by_city} == {"合肥市": 8, "蚌埠市": 2}
    assert data["tianjin"].name not in {r.label for r in stats.by_organisation}
    narrowed = statistics_for(authority(data, "安徽省"), StatsFilter(city_id=data["j"]["合肥市"].pk))
    assert {r.label for r in narrowed.by_organisation} == {data["hefei"].name, data["provincial"].name}
    tianjin = statistics_for(authority(data, "天津市"))
    assert totals(tianjin) == (4, 4, 4, 4, 4, 2)
    shandong = statistics_for(authority(data, "山东省"))
    assert totals(shandong) == (0, 0, 0, 0, 0, 0) and shandong.totals.pass_rate is None


def test_an_organisation_sees_itself_and_a_candidate_nothing(data):
    assert totals(statistics_for(data["manager"])) == (6, 6, 6, 5, 3, 1)
    examiner = actor_for(make_user(Role.EXAMINER, organisation=data["bengbu"]))
    assert totals(statistics_for(examiner)) == (2, 2, 2, 1, 1, 0)
    candidate = actor_for(make_user(candidate=True, organisation=data["hefei"]))
    assert totals(statistics_for(candidate)) == (0, 0, 0, 0, 0, 0)


def test_filters_by_year_and_level(data):
    hefei = authority(data, "合肥市")
    assert totals(statistics_for(hefei, StatsFilter(year=Y1))) == (4, 4, 4, 3, 3, 1)
    assert totals(statistics_for(hefei, StatsFilter(level_code=3))) == (2, 2, 2, 1, 1, 1)


def test_deadlines_met_and_missed(data):
    tianjin = statistics_for(authority(data, "天津市"))
    kinds = {d.kind: d for d in tianjin.deadlines}
    report = next(d for k, d in kinds.items() if "评价结束后" in k and "结果报备" in k)
    assert report.due == working_calendar().add(data["tj"].batch.last_exam_date, 10).date
    assert report.status(timezone.localdate()) == "missed"
    assert tianjin.deadline_counts == {"met": 1, "missed": 1, "open": 0}
    hefei = statistics_for(authority(data, "合肥市"))
    assert hefei.deadline_counts == {"met": 2, "missed": 1, "open": 0}
    correction = next(d for d in hefei.deadlines if "更正" in d.kind)
    assert correction.due == dt.date(Y2, 7, 1) and correction.done == dt.date(Y2, 7, 10)
    assert statistics_for(authority(data, "合肥市"), StatsFilter(year=Y1)).deadline_counts["missed"] == 0


def test_the_talent_goal_counts_the_baseline_and_the_jurisdictions_certificates(data, jurisdictions):
    huangshi = filed(jurisdictions["黄石市"], "黄石统计测试特钢有限公司")
    evaluated = evaluated_batch(huangshi, first=dt.date(Y2, 4, 10), levels=(5, 3))
    record_results(evaluated, passed=4, decided=at(dt.date(Y2, 6, 1)))
    issue_certificates(evaluated, on=dt.date(Y2, 6, 5))
    actor = authority(data, "黄石市")
    goal = talent_goal_save(actor=actor, target_year=timezone.localdate().year + 2, title="全市技能人才总量",
                            total_target=330000, high_skill_target=115000, baseline_total=250000,
                            baseline_high_skill=80000, baseline_on=dt.date(Y1, 1, 1))
    progress = goal_progress(goal)
    assert (progress.certified, progress.high_skill) == (4, 2)  # Hefei's certificates are not Huangshi's
    assert (progress.total, progress.high_skill_total) == (250004, 80002)
    assert progress.total_percent == round(250004 * 100 / 330000, 1)
    later = talent_goal_save(actor=actor, target_year=goal.target_year, title="全市技能人才总量", total_target=330000,
                             high_skill_target=115000, baseline_on=timezone.localdate())
    assert goal_progress(later).certified == 0  # certified before the baseline date are in the baseline


def counted_from_the_rows(actor, filters: StatsFilter | None = None):
    """Each dashboard table recomputed one row at a time: applications and results from the
    applications, certificates in force from the register (by year of issue)."""
    filters = filters or StatsFilter()
    tables = {name: {} for name in ("level", "occupation", "year", "city", "organisation")}

    def add(organisation, level, occupation, year, position):
        place = organisation.city or organisation.jurisdiction
        for name, key in (("level", level.code if level else None), ("occupation", occupation.code),
                          ("year", year), ("city", place.code), ("organisation", organisation.pk)):
            row = tables[name].setdefault(key, [0] * 6)
            row[position] += 1
            if position == 4 and level is not None and level.is_high_skill:
                row[5] += 1

    for a in statistics_applications(actor, filters).select_related(
            "batch__organisation__city", "batch__organisation__jurisdiction", "item__level", "item__occupation"):
        result = getattr(a, "result", None)
        organisation, item = a.batch.organisation, a.item
        for position, counted in enumerate((True, a.status == "accepted", bool(result and result.status == "approved"),
                                            bool(result and result.status == "approved" and result.passed))):
            if counted:
                add(organisation, item.level, item.occupation, a.batch.first_exam_date.year, position)
    certificates = (Certificate.objects.filter(organisation__in=organisations_visible_to(actor))
                    .exclude(status=Certificate.Status.REVOKED)
                    .select_related("organisation__city", "organisation__jurisdiction", "level", "occupation"))
    for c in certificates:
        place = c.organisation.city or c.organisation.jurisdiction
        if ((filters.year and c.year != filters.year) or (filters.city_id and place.pk != filters.city_id)
                or (filters.occupation_id and c.occupation_id != filters.occupation_id)
                or (filters.level_code and c.level_code != filters.level_code)):
            continue
        add(c.organisation, c.level, c.occupation, c.year, 4)
    return {name: {k: tuple(v) for k, v in table.items()} for name, table in tables.items()}


def shown(stats):
    def table(rows):
        return {r.key: (r.registered, r.accepted, r.assessed, r.passed, r.certified, r.high_skill) for r in rows}

    return {"level": table(stats.by_level), "occupation": table(stats.by_occupation), "year": table(stats.by_year),
            "city": table(stats.by_city), "organisation": table(stats.by_organisation)}


def test_every_table_equals_the_counts_from_the_rows(data):
    province, hefei = authority(data, "安徽省"), data["j"]["合肥市"]
    for actor, filters in ((province, StatsFilter()), (province, StatsFilter(city_id=hefei.pk)),
                           (province, StatsFilter(year=Y2)), (province, StatsFilter(level_code=5)),
                           (authority(data, "合肥市"), StatsFilter()), (authority(data, "天津市"), StatsFilter()),
                           (data["manager"], StatsFilter())):
        stats = statistics_for(actor, filters)
        expected = counted_from_the_rows(actor, filters)
        assert shown(stats) == expected, filters
        assert stats.totals.certified == sum(row[4] for row in expected["level"].values())


def test_a_revocation_or_a_new_issue_shows_on_the_dashboard_at_once(data):
    """No stale figures: the certificate counts come from a tally the issue and revocation
    services keep in their own transaction."""
    hefei = authority(data, "合肥市")
    client = Client()
    client.force_login(hefei.user)
    page = client.get(reverse("supervision:statistics")).content.decode()
    assert 'data-testid="kpi-certified">3<' in page and 'data-testid="kpi-high-skill">1<' in page

    level_3 = Certificate.objects.get(organisation=data["hefei"], level_code=3)
    certificate_revoke(actor=data["manager"], certificate=level_3, ground="fraud", reason="伪造工作年限证明")
    page = client.get(reverse("supervision:statistics")).content.decode()
    assert 'data-testid="kpi-certified">2<' in page and 'data-testid="kpi-high-skill">0<' in page
    assert totals(statistics_for(hefei)) == (6, 6, 6, 5, 2, 0)

    level_5 = Certificate.objects.filter(organisation=data["hefei"], level_code=5).first()
    certificate_reissue(actor=data["manager"], certificate=level_5, kind="reissue", reason="证书遗失")
    assert statistics_for(hefei).totals.certified == 2  # a reissued certificate is still one certificate

    # The returned-then-resubmitted batch of last year: its report accepted, its two passes issued.
    batch = Batch.objects.get(organisation=data["hefei"], first_exam_date__year=Y2)
    Report.objects.filter(batch=batch, version=2).update(status=Report.Status.ACCEPTED, decided_at=timezone.now())
    certificates_issue(actor=data["manager"], batch=batch, issued_on=dt.date(Y2, 8, 1))
    stats = statistics_for(hefei)
    assert totals(stats) == (6, 6, 6, 5, 4, 0)
    assert [(r.key, r.certified) for r in stats.by_year] == [(Y1, 2), (Y2, 2)]
    page = client.get(reverse("supervision:statistics")).content.decode()
    assert 'data-testid="kpi-certified">4<' in page
    assert shown(stats) == counted_from_the_rows(hefei)


def test_the_tally_equals_the_register_counted_again(data):
    level_5 = Certificate.objects.filter(organisation=data["bengbu"]).first()
    certificate_revoke(actor=authority(data, "蚌埠市"), certificate=level_5, ground="irregular", reason="考场违规")
    kept = sorted((t.organisation_id, t.year, t.level_code, t.occupation_id, t.issued, t.revoked)
                  for t in CertificateTally.objects.all())
    counted = sorted((t.organisation_id, t.year, t.level_code, t.occupation_id, t.issued, t.revoked)
                     for t in tally_rows(Certificate.objects.all()))
    assert kept == counted and sum(row[4] for row in kept) == Certificate.objects.count() == 3 + 1 + 2 + 4
    assert sum(row[5] for row in kept) == 1
    assert tally_rebuild() == len(kept)
    assert sorted((t.organisation_id, t.year, t.level_code, t.occupation_id, t.issued, t.revoked)
                  for t in CertificateTally.objects.all()) == kept
