"""Benchmarks of supervision, on the configured database, each inside a transaction that is
rolled back (the rows are set up with bulk inserts in a far year, 2099, so that data already
in the database stays out of the counts):

- `inspection_draw`: a year of 2,000 sessions of 40 organisations in Tianjin and a pool of 80
  inspectors, each with two declared conflicts; one draw at the 30% share (600 sessions, two
  inspectors each, no one in two overlapping sessions) through the service, then the plan's
  reproducibility check;
- `supervision_statistics`: 20,000 applications with results of 40 organisations in Anhui
  (Hefei, Bengbu and the province itself); the province's dashboard figures (totals, by level,
  occupation, year, city and organisation, deadlines) for that year, with the working-day
  calendar already loaded as in a running server."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from skilleval.core.workdays import working_calendar
from skilleval.portal.bench import Rollback, peak_mb, peak_reset, register

YEAR = 2099
SEED = 20990101


def _reference(log: Any) -> None:
    from skilleval.catalog.models import Level, Occupation
    from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference

    if not Level.objects.filter(code__isnull=False).exists():
        log("载入参考数据（等级、证件类型、辖区、政策参数）")
        catalog_seed_reference()
    if not Occupation.objects.filter(code="6-18-01-01").exists():
        log("载入示例职业目录")
        catalog_load_sample()


def _organisations(jurisdictions: list[Any], count: int, token: str) -> list[Any]:
    from skilleval.core.validators import uscc_check_char
    from skilleval.orgs.models import Organisation

    today = timezone.localdate()
    rows = []
    for n in range(count):
        jurisdiction = jurisdictions[n % len(jurisdictions)]
        first17 = f"91{jurisdiction.code}{token[:4].upper()}{n:05d}".replace("I", "J").replace("O", "P")
        rows.append(Organisation(
            name=f"基准测试机构{token}-{n:03d}", uscc=first17 + uscc_check_char(first17), jurisdiction=jurisdiction,
            city=jurisdiction, status=Organisation.Status.FILED, filing_number=f"Y8{int(token, 16) % 1000:03d}{n:08d}",
            filed_at=today - dt.timedelta(days=400), filing_valid_from=today - dt.timedelta(days=400),
            filing_valid_until=today + dt.timedelta(days=1000), cert_serial_start=1, cert_serial_end=999999))
    return Organisation.objects.bulk_create(rows)


def _batches(organisations: list[Any], token: str, levels: tuple[int, ...]) -> list[tuple[Any, list[Any]]]:
    from skilleval.batches.models import Batch, BatchItem
    from skilleval.catalog.models import Level, Occupation

    occupation = Occupation.objects.get(code="6-18-01-01")
    level_rows = {lv.code: lv for lv in Level.objects.filter(code__in=levels)}
    batches = Batch.objects.bulk_create([
        Batch(organisation=o, code=f"B{token}-{n:04d}", name=f"{YEAR}年基准认定批次{n}", status=Batch.Status.PLAN_CONFIRMED,
              registration_opens=dt.date(YEAR, 1, 2), registration_closes=dt.date(YEAR, 1, 12),
              first_exam_date=dt.date(YEAR, 3, 1), last_exam_date=dt.date(YEAR, 11, 30), sites="基准考点",
              contact="基准", plan_filed_on=dt.date(YEAR, 2, 1), plan_jurisdiction=o.jurisdiction)
        for n, o in enumerate(organisations)])
    items = BatchItem.objects.bulk_create([
        BatchItem(batch=b, occupation=occupation, level=level_rows[code], theory_weight=30, practical_weight=70)
        for b in batches for code in levels])
    per_batch = len(levels)
    return [(b, items[i * per_batch:(i + 1) * per_batch]) for i, b in enumerate(batches)]


@register("inspection_draw")
def inspection_draw_bench(options: Any) -> list[dict]:
    from skilleval.accounts.access import actor_for
    from skilleval.accounts.models import Role
    from skilleval.accounts.services import user_create
    from skilleval.catalog.models import Jurisdiction
    from skilleval.exams.models import ExamSession

    from .models import Inspection, Inspector, InspectorConflict
    from .selectors import plan_reproduces
    from .services.inspections import inspection_draw

    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            _reference(options.log)
            token = secrets.token_hex(4)
            tianjin = Jurisdiction.objects.get(code="120000")
            options.log(f"准备数据（{connection.vendor}）：40 家机构、2000 个场次、80 名检查人员（各申报 2 个回避单位）")
            organisations = _organisations([tianjin], 40, token)
            rng = random.Random(SEED)
            sessions = []
            for batch, items in _batches(organisations, token, (4,)):
                for k in range(50):
                    day = dt.date(YEAR, 3, 1) + dt.timedelta(days=rng.randrange(270))
                    start = timezone.make_aware(dt.datetime.combine(day, dt.time(8 + rng.randrange(8))))
                    sessions.append(ExamSession(batch=batch, batch_item=items[0], kind=ExamSession.Kind.PRACTICAL,
                                                name=f"基准场次{k}", starts_at=start,
                                                ends_at=start + dt.timedelta(hours=2), duration_minutes=120))
            ExamSession.objects.bulk_create(sessions, batch_size=1000)
            pool = Inspector.objects.bulk_create([Inspector(jurisdiction=tianjin, name=f"检查员{n}", unit="基准中心")
                                                  for n in range(80)])
            user = user_create(actor=None, username=f"bench_tj_{token}", full_name="基准测试人社",
                               password=f"Bench-{token}-{secrets.token_urlsafe(12)}", roles=[Role.AUTHORITY],
                               jurisdiction=tianjin)
            InspectorConflict.objects.bulk_create([
                InspectorConflict(inspector=i, organisation=o, reason="基准回避", declared_on=timezone.localdate(),
                                  recorded_by=user)
                for i in pool for o in rng.sample(organisations, 2)])
            actor = actor_for(user)
            options.log("抽取：期间为全年，比例 30%，每场次 2 人")
            reset = peak_reset()
            started = time.perf_counter()
            plan = inspection_draw(actor=actor, period_start=dt.date(YEAR, 1, 1), period_end=dt.date(YEAR, 12, 31),
                                   seed=SEED)
            seconds = time.perf_counter() - started
            peak = peak_mb(reset)
            started = time.perf_counter()
            reproduces = plan_reproduces(plan)
            verify = time.perf_counter() - started
            result = {"name": "inspection_draw", "size": len(sessions), "seconds": round(seconds, 2),
                      "sampled": Inspection.objects.filter(plan=plan).count(), "inspectors": len(pool),
                      "verify_seconds": round(verify, 2), "reproduces": reproduces, "peak_mb": round(peak, 1),
                      "database": connection.vendor}
            raise Rollback
    except Rollback:
        pass
    return [result]


@register("supervision_statistics")
def statistics_bench(options: Any) -> list[dict]:
    from skilleval.accounts.access import actor_for
    from skilleval.accounts.models import Person, Role
    from skilleval.accounts.services import user_create
    from skilleval.batches.models import Application
    from skilleval.catalog.models import IDType, Jurisdiction, Occupation
    from skilleval.results.models import Report, Result

    from .selectors import StatsFilter, statistics_for

    result: dict[str, Any] = {}
    per_org = 500
    try:
        with transaction.atomic():
            _reference(options.log)
            token = secrets.token_hex(4)
            anhui = Jurisdiction.objects.get(code="340000")
            places = [anhui, *Jurisdiction.objects.filter(parent=anhui)]
            options.log(f"准备数据（{connection.vendor}）：40 家机构、{40 * per_org} 份报名及成绩")
            organisations = _organisations(places, 40, token)
            batches = _batches(organisations, token, (5, 4, 3))
            id_type = IDType.objects.get(code="201")
            occupation = Occupation.objects.get(code="6-18-01-01")
            people = Person.objects.bulk_create([
                Person(id_type=id_type, id_number=f"B{token}{n:08d}", name=f"考生{n}", sex="M",
                       birth_date=dt.date(1990, 1, 1)) for n in range(40 * per_org)], batch_size=2000)
            rng = random.Random(SEED)
            applications = []
            for b, (batch, items) in enumerate(batches):
                for k in range(per_org):
                    person = people[b * per_org + k]
                    applications.append(Application(
                        batch=batch, item=items[k % len(items)], person=person, status=Application.Status.ACCEPTED,
                        number=f"A{token}-{b:03d}-{k:05d}", name=person.name, sex="M", birth_date=person.birth_date,
                        education="高中", work_started_on=dt.date(2010, 7, 1), phone="13900000000",
                        current_post="车工", post_occupation=occupation, years_in_occupation=8))
            Application.objects.bulk_create(applications, batch_size=2000)
            Result.objects.bulk_create([
                Result(batch=a.batch, application=a, status=Result.Status.APPROVED, passed=rng.random() < 0.8)
                for a in applications], batch_size=2000)
            user = user_create(actor=None, username=f"bench_ah_{token}", full_name="基准测试省厅",
                               password=f"Bench-{token}-{secrets.token_urlsafe(12)}", roles=[Role.AUTHORITY],
                               jurisdiction=anhui)
            Report.objects.bulk_create([
                Report(batch=batch, version=1, status=Report.Status.ACCEPTED, submitted_by=user,
                       submitted_at=timezone.now(), decided_at=timezone.now())
                for n, (batch, _items) in enumerate(batches) if n % 2 == 0])
            actor = actor_for(user)
            working_calendar()  # the holiday library's years load once per process (about 1.4 s), not per page
            options.log("统计：省级看板（按等级、职业、年度、地区、机构及时限）")
            reset = peak_reset()
            started = time.perf_counter()
            stats = statistics_for(actor, StatsFilter(year=YEAR))
            seconds = time.perf_counter() - started
            peak = peak_mb(reset)
            result = {"name": "supervision_statistics", "size": stats.totals.registered, "seconds": round(seconds, 2),
                      "certified": stats.totals.certified, "organisations": len(stats.by_organisation),
                      "deadlines": len(stats.deadlines), "peak_mb": round(peak, 1), "database": connection.vendor}
            raise Rollback
    except Rollback:
        pass
    return [result]
