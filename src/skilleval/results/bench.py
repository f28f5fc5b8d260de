"""Benchmark `results_batch`: a batch of 2,000 candidates (车工 level 4: computer-based
theory, practical and review, weights 30/60/10) whose exam records are in place — each
theory attempt confirmed, each practical and review sheet locked with three examiners'
entries — taken through the results services on the configured database:
`results_compile`, `results_approve`, `publicity_start`, `publicity_close` and
`report_submit` (which writes both XLSX tables: the summary and one certificate row per
passed candidate).

The rows are bulk-created (the services that normally write them are measured by their
own tests); everything lives in one transaction rolled back at the end. Memory is the
process's peak resident set during the timed steps (VmHWM reset before)."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from skilleval.core.workdays import working_calendar
from skilleval.portal.bench import Rollback, peak_mb, peak_reset, register

CANDIDATES = 2_000
SEED = 20_261_122
RUBRIC = [{"item": "尺寸精度", "points": 40, "criteria": "公差"}, {"item": "表面粗糙度", "points": 30, "criteria": "Ra"},
          {"item": "安全文明生产", "points": 30, "criteria": "规范"}]


def _setup(log: Any) -> tuple[Any, Any]:
    from skilleval.accounts.access import actor_for
    from skilleval.accounts.models import Person, Role
    from skilleval.accounts.services import user_create
    from skilleval.batches.models import Application, Batch, BatchItem, BatchStaff
    from skilleval.catalog.models import IDType, Jurisdiction, Level, Occupation
    from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference
    from skilleval.core.validators import resident_id_check_char, uscc_check_char
    from skilleval.exams.models import Attempt, ExamSession, PracticalTask
    from skilleval.orgs.models import Organisation

    from .models import ScoreEntry, ScoreSheet

    if not Level.objects.filter(code__isnull=False).exists():
        catalog_seed_reference()
    if not Occupation.objects.filter(code="6-18-01-01").exists():
        catalog_load_sample()
    today = timezone.localdate()
    token = secrets.token_hex(4)
    jurisdiction = Jurisdiction.objects.get(code="340100")
    first17 = f"91340100MA{secrets.randbelow(10**7):07d}"
    org = Organisation.objects.create(
        name=f"基准测试成绩有限公司{token}", uscc=first17 + uscc_check_char(first17), city=jurisdiction,
        jurisdiction=jurisdiction, status=Organisation.Status.FILED, filing_number=f"Y8{secrets.randbelow(10**11):011d}",
        filed_at=today - dt.timedelta(days=300), filing_valid_from=today - dt.timedelta(days=300),
        filing_valid_until=today + dt.timedelta(days=700), cert_serial_start=1, cert_serial_end=999999)
    manager = actor_for(user_create(actor=None, username=f"bench_results_{token}", full_name="基准测试考务",
                                    password=f"Bench-{token}-{secrets.token_urlsafe(12)}", roles=[Role.ORG_ADMIN],
                                    organisation=org))
    occupation = Occupation.objects.get(code="6-18-01-01")
    first = today - dt.timedelta(days=10)
    batch = Batch.objects.create(
        organisation=org, code=f"{org.filing_number}-BENCH", name="基准测试认定批次", status=Batch.Status.PLAN_CONFIRMED,
        registration_opens=first - dt.timedelta(days=60), registration_closes=first - dt.timedelta(days=30),
        first_exam_date=first, last_exam_date=first + dt.timedelta(days=1), sites="实训楼", contact="基准 0551-0000000",
        plan_jurisdiction=jurisdiction)
    item = BatchItem.objects.create(batch=batch, occupation=occupation, level=Level.objects.get(code=4),
                                    theory_weight=30, practical_weight=60, review_weight=10, pass_mark=60)
    log(f"生成 {CANDIDATES} 名考生、报名和考试记录")
    resident = IDType.objects.get(code="201")
    persons = []
    for n in range(CANDIDATES):
        body = f"340104{1980 + n % 20}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        persons.append(Person(id_type=resident, id_number=body + resident_id_check_char(body), name=f"考生{n:04d}",
                              sex="M" if n % 2 else "F", birth_date=dt.date(1980 + n % 20, 1 + n % 12, 1 + n % 28),
                              organisation=org))
    Person.objects.bulk_create(persons, batch_size=1000, ignore_conflicts=True)
    persons = list(Person.objects.filter(organisation=org).order_by("pk"))
    applications = Application.objects.bulk_create([Application(
        batch=batch, item=item, person=p, status=Application.Status.ACCEPTED, source=Application.Source.IMPORT,
        number=f"{batch.code}-{n:05d}", name=p.name, sex=p.sex, birth_date=p.birth_date, education="高中",
        work_started_on=dt.date(2010, 7, 1), phone="13900000000", current_post="车工", post_occupation=occupation,
        years_in_occupation=Decimal(8), eligible=True) for n, p in enumerate(persons)], batch_size=1000)
    applications = list(Application.objects.filter(batch=batch).order_by("pk"))
    staff = BatchStaff.objects.bulk_create([BatchStaff(batch=batch, role=BatchStaff.Role.EXAMINER, name=f"考评员{k}",
                                                       id_number=f"34010419800101{k:03d}X") for k in range(3)])
    task = PracticalTask.objects.create(organisation=org, occupation=occupation, level=4, code=f"B{token}",
                                        title="基准实操", description="…", rubric=RUBRIC, status="approved")
    starts = timezone.now() - dt.timedelta(days=10)
    sessions = {kind: ExamSession.objects.create(batch=batch, batch_item=item, kind=kind, name=kind,
                                                 practical_task=task if kind != "theory_cbt" else None,
                                                 starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                                                 duration_minutes=90)
                for kind in ("theory_cbt", "practical", "review")}
    rng = random.Random(SEED)
    attempts = []
    for kind, session in sessions.items():
        for n, application in enumerate(applications):
            attempts.append(Attempt(
                session=session, application=application, ticket_number=f"{token}{kind[:2]}{n:05d}",
                status=Attempt.Status.SUBMITTED, objective_score=Decimal(rng.randint(40, 100)) if kind == "theory_cbt"
                else None, subjective_score=Decimal(0) if kind == "theory_cbt" else None,
                confirmed_at=timezone.now() if kind == "theory_cbt" else None))
    Attempt.objects.bulk_create(attempts, batch_size=2000)
    sheets = [ScoreSheet(batch=batch, attempt=a, kind=a.session.kind, rubric=RUBRIC, max_score=Decimal(100),
                         status=ScoreSheet.Status.LOCKED, panel_rule="mean",
                         combined_score=Decimal(rng.randint(500, 1000)) / 10, signed_off_at=timezone.now(),
                         signed_off_by=manager.user)
              for a in Attempt.objects.filter(session__batch=batch).exclude(session__kind="theory_cbt")
              .select_related("session")]
    ScoreSheet.objects.bulk_create(sheets, batch_size=2000)
    entries = [ScoreEntry(sheet=s, examiner=member, entered_by=manager.user, total=s.combined_score,
                          scores=[{"item": r["item"], "points": r["points"], "score": "0"} for r in RUBRIC])
               for s in ScoreSheet.objects.filter(batch=batch) for member in staff]
    ScoreEntry.objects.bulk_create(entries, batch_size=5000)
    return manager, batch


@register("results_batch")
def results_batch_bench(options: Any) -> list[dict]:
    from .models import Publicity, Result
    from .services import outcomes, publicity, reports

    rows: list[dict] = []
    try:
        with transaction.atomic():
            options.log(f"准备数据（{connection.vendor}）")
            manager, batch = _setup(options.log)
            reverse("results:mine")  # load the URL configuration before timing (the services link pages)
            working_calendar().add(timezone.localdate(), 5)  # and the holiday library's tables
            steps = []
            reset = peak_reset()
            for name, call in (
                ("compile", lambda: outcomes.results_compile(actor=manager, batch=batch)),
                ("approve", lambda: outcomes.results_approve(actor=manager, batch=batch, committee_note="基准测试")),
                ("publicity_start", lambda: publicity.publicity_start(actor=manager, batch=batch)),
                ("publicity_close", lambda: (Publicity.objects.filter(batch=batch).update(
                    starts_on=timezone.localdate() - dt.timedelta(days=20),
                    ends_on=timezone.localdate() - dt.timedelta(days=12)),
                    publicity.publicity_close(actor=manager, batch=batch))),
                ("report_submit_xlsx", lambda: reports.report_submit(actor=manager, batch=batch)),
            ):
                options.log(f"{name}：{CANDIDATES} 名考生")
                started = time.perf_counter()
                call()
                steps.append((name, time.perf_counter() - started))
            peak = peak_mb(reset)
            passed = Result.objects.filter(batch=batch, passed=True).count()
            for name, seconds in steps:
                rows.append({"name": f"results_batch.{name}", "size": CANDIDATES, "seconds": round(seconds, 2),
                             "per_second": round(CANDIDATES / seconds, 1), "database": connection.vendor})
            rows.append({"name": "results_batch", "size": CANDIDATES, "seconds": round(sum(s for _n, s in steps), 2),
                         "peak_mb": round(peak, 1), "passed": passed, "database": connection.vendor})
            raise Rollback
    except Rollback:
        pass
    return rows
