"""Certificate benchmarks (figures, not timed tests).

`issue_certificates`: issue 10,000 certificates of one batch (numbers, records, the first
copy of each with its signed token) on the configured database, inside a transaction that
is rolled back at the end. The time covers `certificates_issue` alone. Target < 10 s on
PostgreSQL. SKILLEVAL_BENCH_ISSUE_COUNT changes the count.

`render_certificate_pdfs`: render N certificates (default 200, SKILLEVAL_BENCH_PDF_COUNT)
in this one process (so the rate is per core): the page alone, the page plus its PAdES
signature (the electronic file each person gets), and the batch's merged print file.
Target >= 20 certificates per second per core.

`public_query_load` (in bench_query.py): the public query on gunicorn under load.

Run one:  skilleval bench --only issue_certificates"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from skilleval.portal.bench import Rollback, peak_mb, peak_reset, register

ISSUE_COUNT = 10_000
PDF_COUNT = 200


def _organisation(label: str) -> Any:
    from skilleval.catalog.models import Jurisdiction, Level, Occupation
    from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference
    from skilleval.core.validators import uscc_check_char
    from skilleval.orgs.models import Organisation, ScopeItem

    if not Level.objects.filter(code__isnull=False).exists():
        catalog_seed_reference()
    if not Occupation.objects.filter(code="6-18-01-01").exists():
        catalog_load_sample()
    today = timezone.localdate()
    jurisdiction = Jurisdiction.objects.filter(level=Jurisdiction.Level.CITY).order_by("code").first()
    while True:
        first17 = f"91340100MA{secrets.randbelow(10**7):07d}"
        filing_number = f"Y9{secrets.randbelow(10**11):011d}"
        if not Organisation.objects.filter(uscc=first17 + uscc_check_char(first17)).exists() and \
                not Organisation.objects.filter(filing_number=filing_number).exists():
            break
    org = Organisation.objects.create(
        name=f"{label}有限公司", uscc=first17 + uscc_check_char(first17), city=jurisdiction,
        jurisdiction=jurisdiction, status=Organisation.Status.FILED, filing_number=filing_number,
        filed_at=today - dt.timedelta(days=60), filing_valid_from=today - dt.timedelta(days=60),
        filing_valid_until=today + dt.timedelta(days=1000), cert_serial_start=1, cert_serial_end=999999)
    ScopeItem.objects.create(organisation=org, occupation=Occupation.objects.get(code="6-18-01-01"),
                             level=Level.objects.get(code=4), added_on=today)
    return org


def batch_with_passed(count: int, label: str = "基准测试发证") -> tuple[Any, Any]:
    """An organisation, its manager, a batch with `count` passed results and an accepted
    report (written in bulk: the results app's contract rows)."""
    from skilleval.accounts.access import actor_for
    from skilleval.accounts.models import Person, Role
    from skilleval.accounts.services import user_create
    from skilleval.batches.models import Application, Batch, BatchItem
    from skilleval.catalog.models import IDType, Level, Occupation
    from skilleval.core.validators import resident_id_check_char
    from skilleval.results.models import Report, Result

    org = _organisation(f"{label}{secrets.token_hex(3)}")
    manager = actor_for(user_create(actor=None, username=f"bench_cert_{secrets.token_hex(4)}", full_name="发证专员",
                                    password=f"Bench-{secrets.token_urlsafe(16)}", roles=[Role.ORG_ADMIN],
                                    organisation=org))
    today = timezone.localdate()
    occupation = Occupation.objects.get(code="6-18-01-01")
    batch = Batch.objects.create(
        organisation=org, code=f"{org.filing_number}-{today.year}-01", name=f"{label}批次",
        status=Batch.Status.PLAN_CONFIRMED, registration_opens=today - dt.timedelta(days=60),
        registration_closes=today - dt.timedelta(days=50), first_exam_date=today - dt.timedelta(days=30),
        last_exam_date=today - dt.timedelta(days=29), sites="基准测试考场", contact="基准测试")
    item = BatchItem.objects.create(batch=batch, occupation=occupation, level=Level.objects.get(code=4),
                                    method="exam", theory_weight=30, practical_weight=70)
    id_type = IDType.objects.get(code="201")
    region = f"34{secrets.randbelow(90) + 10:02d}{secrets.randbelow(90) + 10:02d}"
    people = []
    for n in range(count):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=n // 900)
        first17 = f"{region}{birth:%Y%m%d}{100 + n % 900:03d}"
        people.append(Person(id_type=id_type, id_number=first17 + resident_id_check_char(first17),
                             name=f"持证人{n:05d}", sex="M" if n % 2 else "F", birth_date=birth, organisation=org))
    people = Person.objects.bulk_create(people, batch_size=2000)
    applications = Application.objects.bulk_create([Application(
        batch=batch, item=item, person=p, status=Application.Status.ACCEPTED, number=f"B{batch.pk}-{n:06d}",
        name=p.name, sex=p.sex, birth_date=p.birth_date, education="高中", work_started_on=dt.date(2010, 7, 1),
        phone="13900000000", current_post="车工", post_occupation=occupation, years_in_occupation=Decimal("8"),
        eligible=True) for n, p in enumerate(people)], batch_size=2000)
    now = timezone.now()
    Result.objects.bulk_create([Result(batch=batch, application=a, passed=True, status=Result.Status.APPROVED,
                                       total_score=Decimal("80.0"), approved_at=now) for a in applications],
                               batch_size=2000)
    Report.objects.create(batch=batch, version=1, status=Report.Status.ACCEPTED, submitted_at=now,
                          submitted_by=manager.user, decided_at=now)
    return manager, batch


@register("issue_certificates")
def issue_certificates(options: Any) -> list[dict]:
    from .models import Certificate, CertificateCopy
    from .services import certificates_issue, platform_key_active

    count = int(os.environ.get("SKILLEVAL_BENCH_ISSUE_COUNT", ISSUE_COUNT))
    platform_key_active()  # the first key is made once, outside the rolled-back transaction
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            options.log(f"准备数据（{connection.vendor}）：{count} 名合格人员、已接收的结果报备（事务中，结束时回滚）")
            manager, batch = batch_with_passed(count)
            reset = peak_reset()
            started = time.perf_counter()
            issued = certificates_issue(actor=manager, batch=batch)
            seconds = time.perf_counter() - started
            result = {
                "name": "issue_certificates", "size": len(issued), "seconds": round(seconds, 2),
                "per_second": round(len(issued) / seconds, 1), "peak_mb": round(peak_mb(reset), 1),
                "database": connection.vendor, "target": "< 10 s (PostgreSQL)",
                "certificates": Certificate.objects.filter(batch=batch).count(),
                "copies": CertificateCopy.objects.filter(certificate__batch=batch).count(),
                "first": issued[0].number, "last": issued[-1].number,
            }
            raise Rollback
    except Rollback:
        pass
    return [result]


@register("render_certificate_pdfs")
def render_certificate_pdfs(options: Any) -> list[dict]:
    from . import documents
    from .models import Certificate, CertificateCopy
    from .services import _key_material, certificates_issue, platform_key_active

    count = int(os.environ.get("SKILLEVAL_BENCH_PDF_COUNT", PDF_COUNT))
    key = platform_key_active()
    material = _key_material(key)
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            options.log(f"准备数据：{count} 张证书（事务中，结束时回滚）；在本进程内（单核）生成 PDF")
            manager, batch = batch_with_passed(count, label="基准测试证书PDF")
            certificates_issue(actor=manager, batch=batch)
            certificates = list(Certificate.objects.filter(batch=batch).select_related(
                "level", "id_type", "occupation", "work_type", "result__application").order_by("serial"))
            copies = {c.certificate_id: c for c in CertificateCopy.objects.filter(certificate__batch=batch)}
            documents.render_certificate(certificates[0], copies[certificates[0].pk], electronic=True)  # warm-up
            reset = peak_reset()
            started = time.perf_counter()
            pages = [documents.render_certificate(c, copies[c.pk], electronic=True) for c in certificates]
            render_seconds = time.perf_counter() - started
            started = time.perf_counter()
            signed = [documents.sign_pdf(p, material, number=c.number) for p, c in zip(pages, certificates,
                                                                                         strict=True)]
            sign_seconds = time.perf_counter() - started
            started = time.perf_counter()
            merged = documents.render_pages(
                [documents.Page(certificate=c, copy=copies[c.pk], electronic=False) for c in certificates],
                title="print")
            merged_seconds = time.perf_counter() - started
            electronic = render_seconds + sign_seconds
            result = {
                "name": "render_certificate_pdfs", "size": count, "seconds": round(electronic, 2),
                "per_second": round(count / electronic, 1), "peak_mb": round(peak_mb(reset), 1),
                "per_second_page_only": round(count / render_seconds, 1),
                "per_second_signature_only": round(count / sign_seconds, 1),
                "per_second_merged_print_file": round(count / merged_seconds, 1),
                "kb_per_signed_pdf": round(sum(len(s) for s in signed) / count / 1024, 1),
                "merged_print_file_mb": round(len(merged) / 1024 / 1024, 1),
                "cores": 1, "target": ">= 20 certificates/s per core (page + PAdES signature)",
            }
            raise Rollback
    except Rollback:
        pass
    return [result]


from . import bench_query  # noqa: E402,F401  (registers public_query_load)
