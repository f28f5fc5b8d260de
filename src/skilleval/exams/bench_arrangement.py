"""Benchmark `assign_rooms`: the automatic arrangement of a batch of 5,000 candidates in
10 occupation-levels (500 each), 100 rooms on 3 sites (65 theory rooms of 40 seats, 35
practical rooms of 20) and a roster of 300 (6 site heads, 140 proctors, 140 examiners,
14 supervisors), with 60 declared conflicts.

The sessions are what a large evaluation looks like: day 1 the paper theory exam, five
occupation-levels in the morning and five in the afternoon (13 rooms each); days 2 to 5
the practical exam, every occupation-level in 7 practical rooms, four half-day sessions
each (140 seats per session), five running side by side. That is 50 sessions, 10,000
places for candidates and about 4,300 staff duties under every rule (proctors, odd
panels with a leader, site heads, supervisors, nobody in two places at once, rotation,
recusal).

Everything it creates lives inside one transaction that is rolled back at the end. The
time covers `arrangement_run` alone: reading the batch, placing the candidates, the
counts, building and solving the CP-SAT model, writing 10,000 attempts and the staff
rows, and the audit event. Memory is the process's peak resident set (VmHWM) from just
before the call."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from skilleval.portal.bench import Rollback, peak_mb, peak_reset, register

SEED = 20_260_601
CANDIDATES_PER_ITEM = 500
OCCUPATIONS = ["6-18-01-01", "6-18-01-02", "6-18-01-04", "6-31-01-10", "6-28-01-01", "6-11-01-03", "6-22-02-05",
               "4-03-02-01", "4-10-01-05", "6-29-02-01"]
LEVEL = 4
ROSTER = {"head": 6, "proctor": 140, "examiner": 140, "supervisor": 14}
THEORY_ROOMS, THEORY_SEATS = 65, 40
PRACTICAL_ROOMS, PRACTICAL_SEATS = 35, 20
PRACTICAL_SESSIONS_PER_ITEM = 4
CONFLICTS = 60


def _id_number(region: str, n: int) -> str:
    from skilleval.core.validators import resident_id_check_char

    birth = dt.date(1970, 1, 1) + dt.timedelta(days=n // 1000)  # with the 3 sequence digits: unique
    first17 = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def _setup(log: Any) -> tuple[Any, Any]:
    """An organisation with its scope, a confirmed batch of 10 items with 5,000 accepted
    applications, 3 sites with 100 rooms, the roster, 50 sessions and 60 conflicts."""
    from skilleval.accounts.access import actor_for
    from skilleval.accounts.models import Person, Role
    from skilleval.accounts.services import user_create
    from skilleval.batches.models import Application, Batch, BatchItem, BatchStaff
    from skilleval.catalog.models import IDType, Jurisdiction, Level, Occupation
    from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference
    from skilleval.core.validators import uscc_check_char
    from skilleval.orgs.models import Organisation, ScopeItem

    from .models import ExamRoom, ExamSession, ExamSite, ItemStatus, PracticalTask, RoomKind, StaffConflict
    from .services import cbt

    if not Level.objects.exists():
        log("载入参考数据（等级、证件类型、辖区、政策参数）")
        catalog_seed_reference()
    if not Occupation.objects.filter(code=OCCUPATIONS[0]).exists():
        log("载入示例职业目录")
        catalog_load_sample()
    today = timezone.localdate()
    token = secrets.token_hex(4)
    jurisdiction = Jurisdiction.objects.filter(level=Jurisdiction.Level.CITY).order_by("code").first()
    assert jurisdiction is not None, "reference data has city jurisdictions"
    first17 = "91340100MA" + f"{secrets.randbelow(10**7):07d}"
    org = Organisation.objects.create(
        name=f"基准测试考场编排有限公司{token}", uscc=first17 + uscc_check_char(first17), city=jurisdiction,
        jurisdiction=jurisdiction, status=Organisation.Status.FILED,
        filing_number="Y9" + f"{secrets.randbelow(10**11):011d}", filed_at=today - dt.timedelta(days=60),
        filing_valid_from=today - dt.timedelta(days=60), filing_valid_until=today + dt.timedelta(days=1000),
        cert_serial_start=1, cert_serial_end=999999)
    level = Level.objects.get(code=LEVEL)
    occupations = [Occupation.objects.get(code=code) for code in OCCUPATIONS]
    ScopeItem.objects.bulk_create([ScopeItem(organisation=org, occupation=o, level=level, added_on=today)
                                   for o in occupations])
    manager = actor_for(user_create(actor=None, username=f"bench_arrange_{token}", full_name="基准测试考务",
                                    password=f"Bench-{secrets.token_urlsafe(16)}", roles=[Role.ORG_ADMIN],
                                    organisation=org))
    first = today + dt.timedelta(days=20)
    # The batch's earlier life (announcement, review, plan filing and confirmation) is what the
    # batches benchmark and tests exercise; here it starts confirmed.
    batch = Batch.objects.create(
        organisation=org, code=f"{org.filing_number}-{today.year}-09", name="基准测试考场编排批次",
        status=Batch.Status.PLAN_CONFIRMED, registration_opens=today - dt.timedelta(days=40),
        registration_closes=today - dt.timedelta(days=30), first_exam_date=first,
        last_exam_date=first + dt.timedelta(days=4), sites="基准测试考点", contact="基准测试")
    items = [BatchItem.objects.create(batch=batch, occupation=o, level=level, method="exam", theory_weight=30,
                                      practical_weight=70) for o in occupations]
    log(f"生成考生：{len(items) * CANDIDATES_PER_ITEM} 份审核通过的报名")
    id_type = IDType.objects.get(code="201")
    region = f"{110000 + secrets.randbelow(800000)}"  # a fresh prefix: the database may hold earlier people
    people = Person.objects.bulk_create([
        Person(id_type=id_type, id_number=_id_number(region, n), name=f"考生{n:04d}", sex="M" if n % 2 else "F",
               birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=n // 1000), organisation=org)
        for n in range(len(items) * CANDIDATES_PER_ITEM)], batch_size=1000)
    applications = Application.objects.bulk_create([Application(
        batch=batch, item=items[n // CANDIDATES_PER_ITEM], person=p, status=Application.Status.ACCEPTED,
        number=f"BA{token}{n:05d}", name=p.name, sex=p.sex, birth_date=p.birth_date, education="高中",
        work_started_on=dt.date(2010, 7, 1), phone="13900000000", current_post="操作工",
        post_occupation=items[n // CANDIDATES_PER_ITEM].occupation, years_in_occupation=Decimal("7"), eligible=True)
        for n, p in enumerate(people)], batch_size=1000)
    roster = []
    n = 0
    for role, count in ROSTER.items():
        for k in range(count):
            roster.append(BatchStaff(batch=batch, role=role, name=f"{BatchStaff.Role(role).label}{k + 1:03d}",
                                     id_number=_id_number(region, 500_000 + n)))
            n += 1
    roster = BatchStaff.objects.bulk_create(roster)
    rng = random.Random(SEED)
    StaffConflict.objects.bulk_create([
        StaffConflict(batch=batch, staff=staff, application=application, kind=StaffConflict.Kind.TEAM)
        for staff, application in zip(rng.sample([s for s in roster if s.role in ("proctor", "examiner")], CONFLICTS),
                                      rng.sample(applications, CONFLICTS), strict=True)])

    sites = [ExamSite.objects.create(organisation=org, name=f"基准测试{name}") for name in ("东区考点", "西区考点", "实训基地")]
    theory = ExamRoom.objects.bulk_create([ExamRoom(site=sites[k % 2], name=f"理论{k + 1:03d}", kind=RoomKind.THEORY,
                                                    capacity=THEORY_SEATS) for k in range(THEORY_ROOMS)])
    practical = ExamRoom.objects.bulk_create([ExamRoom(site=sites[2], name=f"实操{k + 1:03d}", kind=RoomKind.PRACTICAL,
                                                       capacity=PRACTICAL_SEATS) for k in range(PRACTICAL_ROOMS)])
    theory = list(ExamRoom.objects.filter(pk__in=[r.pk for r in theory]).select_related("site"))
    practical = list(ExamRoom.objects.filter(pk__in=[r.pk for r in practical]).select_related("site"))
    tasks = [PracticalTask.objects.create(organisation=org, occupation=item.occupation, level=LEVEL,
                                          code=f"P{token}-{i}", title=f"{item.occupation.name}四级实操",
                                          description="按图纸完成操作。", status=ItemStatus.APPROVED)
             for i, item in enumerate(items)]

    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(first + dt.timedelta(days=day), dt.time(hour, minute)))

    log("安排场次：理论笔试 10 场、实操 40 场")
    per_theory = THEORY_ROOMS // 5
    per_practical = PRACTICAL_ROOMS // 5
    for i, item in enumerate(items):
        half = i // 5  # items 0-4 in the morning and on days 2-3, items 5-9 in the afternoon and on days 4-5
        slot = i % 5
        start = at(0, 8, 30) if half == 0 else at(0, 14)
        cbt.session_create(
            actor=manager, batch=batch, batch_item=item, kind=ExamSession.Kind.THEORY_PAPER,
            name=f"{item.occupation.name}理论", rooms=theory[slot * per_theory:(slot + 1) * per_theory],
            starts_at=start, ends_at=start + dt.timedelta(minutes=120), duration_minutes=90)
        for k in range(PRACTICAL_SESSIONS_PER_ITEM):
            day = 1 + 2 * half + k // 2
            begin = at(day, 8, 30) if k % 2 == 0 else at(day, 13, 30)
            cbt.session_create(
                actor=manager, batch=batch, batch_item=item, kind=ExamSession.Kind.PRACTICAL,
                practical_task=tasks[i], name=f"{item.occupation.name}实操第{k + 1}场",
                rooms=practical[slot * per_practical:(slot + 1) * per_practical],
                starts_at=begin, ends_at=begin + dt.timedelta(minutes=180), duration_minutes=150)
    return manager, batch


@register("assign_rooms")
def assign_rooms_bench(options: Any) -> list[dict]:
    from .models import Attempt, StaffAssignment
    from .services.arrangement import arrangement_problems, arrangement_run

    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            options.log(f"准备数据（{connection.vendor}）：5000 名考生、100 个考场、300 名考务人员、50 个场次")
            manager, batch = _setup(options.log)
            options.log("自动编排（在事务中，结束时回滚）")
            reset = peak_reset()
            started = time.perf_counter()
            outcome = arrangement_run(actor=manager, batch=batch, seed=SEED)
            seconds = time.perf_counter() - started
            peak = peak_mb(reset)
            problems = arrangement_problems(batch)
            result = {
                "name": "assign_rooms",
                "size": outcome.seats,
                "seconds": round(seconds, 2),
                "solver_seconds": outcome.solver_seconds,
                "peak_mb": round(peak, 1),
                "memory": "peak RSS of the process during the run (VmHWM reset before)" if reset
                          else "ru_maxrss (peak RSS since the process started)",
                "database": connection.vendor,
                "candidates": len(OCCUPATIONS) * CANDIDATES_PER_ITEM,
                "rooms": THEORY_ROOMS + PRACTICAL_ROOMS,
                "staff": sum(ROSTER.values()),
                "sessions": outcome.sessions,
                "attempts": Attempt.objects.filter(session__batch=batch).count(),
                "staff_duties": StaffAssignment.objects.filter(session__batch=batch).count(),
                "variables": outcome.variables,
                "problems": len(problems),
            }
            raise Rollback
    except Rollback:
        pass
    return [result]
