"""Benchmark `page_times`: server time of the main pages on the current database (issue 9:
every page under 300 ms with the 1,000,000-certificate data set).

Meant for a database filled by `skilleval synthesize` (without synthetic data it writes a
small jurisdiction first, inside the same rolled-back transaction, and says so). Users for
each role are created for the organisation with the most certificates, its authority, its
province, the platform and one of its certificate holders; every page is requested in this
process through Django's test client (the whole request: middleware, view, queries,
template; no network), once to warm up and then SKILLEVAL_BENCH_PAGE_RUNS times (default 5).
Everything is rolled back at the end.

One JSON line: size (certificates in the register), seconds, per_second (pages per second),
p50_ms and p99_ms over every request, peak_mb, and `slowest`: the ten slowest pages by
their median, `over_300ms`: the pages whose median exceeds the target."""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from django.db import transaction
from django.test import Client
from django.test.utils import override_settings

from skilleval.portal.bench import Rollback, peak_mb, peak_reset, register

RUNS = 5
TARGET_MS = 300


def _pages(tenant: dict[str, Any]) -> list[tuple[str, str, str, dict[str, str] | None]]:
    """(label, role, path, POST data or None)."""
    c = tenant["certificate"]
    batch, application = tenant["batch"], tenant["application"]
    pages: list[tuple[str, str, str, dict[str, str] | None]] = []
    for role in ("org_admin", "authority", "province", "platform_admin", "candidate"):
        pages.append((f"home ({role})", role, "/home/", None))
    for role in ("org_admin", "authority", "province", "platform_admin"):
        if role != "platform_admin":  # batches and statistics belong to organisations and authorities
            pages += [(f"batch list ({role})", role, "/batches/", None),
                      (f"statistics ({role})", role, "/supervision/statistics/", None)]
        pages += [
            (f"certificate register ({role})", role, "/certificates/register/", None),
            (f"register search by number ({role})", role, f"/certificates/register/?q={c.number}", None),
            (f"register search by name ({role})", role, f"/certificates/register/?q={c.name}", None),
            (f"register search by ID number ({role})", role, f"/certificates/register/?id_number={c.id_number}", None),
            (f"register API ({role})", role, "/api/v1/certificates", None),
            (f"organisations ({role})", role, "/orgs/organisations/", None),
            (f"results home ({role})", role, "/results/", None),
            (f"audit trail ({role})", role, "/audit/", None),
        ]
    pages += [
        ("batch applications (org_admin)", "org_admin", f"/batches/{batch}/applications/", None),
        ("application search (org_admin)", "org_admin",
         f"/batches/{batch}/applications/?q={application.name}", None),
        ("batch results (org_admin)", "org_admin", f"/results/batches/{batch}/results/", None),
        ("certificate issue (org_admin)", "org_admin", "/certificates/issue/", None),
        ("my certificates (candidate)", "candidate", "/certificates/mine/", None),
        ("public directory", "anonymous", "/orgs/directory/", None),
        ("public query page", "anonymous", "/certificates/query/", None),
        ("public query by number", "anonymous", f"/certificates/query/?number={c.number}", None),
        ("public query by name + ID", "anonymous", "/certificates/query/",
         {"name": c.name, "id_number": c.id_number}),
        ("public query API by number", "anonymous", f"/api/v1/certificates/query?number={c.number}", None),
    ]
    return pages


def _tenant(options: Any) -> dict[str, Any]:
    from django.db.models import Count

    from skilleval.accounts.models import Person, Role
    from skilleval.accounts.services import user_create
    from skilleval.batches.models import Application
    from skilleval.certificates.models import Certificate
    from skilleval.orgs.models import Organisation
    from skilleval.portal.synthetic import Sizes, synthesize, synthetic_data_exists

    if not synthetic_data_exists():
        options.log("数据库中没有合成数据：先在本事务中生成一个小辖区（20 家机构、2,000 名考生、10,000 张证书；"
                    "规模数据请先执行 skilleval synthesize）。")
        synthesize(sizes=Sizes(organisations=20, candidates=2_000, certificates=10_000), log=options.log)
    top = (Certificate.objects.values("organisation_id").order_by().annotate(n=Count("id")).order_by("-n")
           .first())
    if top is None:
        from django.core.management.base import CommandError

        raise CommandError("数据库中没有证书。")
    organisation = Organisation.objects.select_related("jurisdiction").get(pk=top["organisation_id"])
    certificate = Certificate.objects.filter(organisation=organisation).order_by("pk").first()
    assert certificate is not None
    # An application of a batch with results (a confirmed batch), for the batch pages.
    application = (Application.objects.filter(batch__organisation=organisation, result__isnull=False)
                   .order_by("-batch__pk", "pk").select_related("batch").first())
    batch = application.batch_id if application else 0
    password = "Bench-page-times-2026"

    def user(label: str, role: str | None, **scope: Any) -> Any:
        return user_create(actor=None, username=f"bp_{label}_{time.monotonic_ns() % 10**9}", full_name=label,
                           password=password, roles=[role] if role else [], **scope)

    province = organisation.jurisdiction.parent or organisation.jurisdiction
    users = {
        "org_admin": user("org", Role.ORG_ADMIN, organisation=organisation),
        "authority": user("authority", Role.AUTHORITY, jurisdiction=organisation.jurisdiction),
        "province": user("province", Role.AUTHORITY, jurisdiction=province),
        "platform_admin": user("admin", Role.PLATFORM_ADMIN),
        "candidate": user("candidate", None),
    }
    Person.objects.filter(pk=certificate.person_id).update(user=users["candidate"])
    return {"users": users, "certificate": certificate, "batch": batch, "application": application,
            "organisation": organisation}


@register("page_times")
def page_times(options: Any) -> list[dict]:
    from skilleval.certificates.models import Certificate

    runs = int(os.environ.get("SKILLEVAL_BENCH_PAGE_RUNS", RUNS))
    reset = peak_reset()
    medians: dict[str, float] = {}
    samples: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    size = 0
    try:
        with override_settings(SKILLEVAL_CERT_QUERY_FREE=10**9, SKILLEVAL_CERT_QUERY_LIMIT=10**9), \
                transaction.atomic():
            tenant = _tenant(options)
            size = Certificate.objects.count()
            clients: dict[str, Client] = {}
            for role, user in tenant["users"].items():
                clients[role] = Client()
                clients[role].force_login(user)
            clients["anonymous"] = Client()
            pages = [p for p in _pages(tenant) if tenant["batch"] or "/batches/0/" not in p[2]]
            options.log(f"测量 {len(pages)} 个页面，每页 {runs} 次（{size} 张证书）")
            for label, role, path, data in pages:
                client = clients[role]
                times = []
                for run in range(runs + 1):
                    t0 = time.perf_counter()
                    response = client.post(path, data) if data is not None else client.get(path)
                    elapsed = (time.perf_counter() - t0) * 1000
                    if response.status_code != 200:
                        errors.append(f"{label}: HTTP {response.status_code}")
                        break
                    if run:  # the first request warms caches
                        times.append(elapsed)
                if times:
                    medians[label] = statistics.median(times)
                    samples.extend(times)
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    samples.sort()
    ranked = sorted(medians.items(), key=lambda kv: -kv[1])
    return [{
        "name": "page_times", "size": size, "seconds": round(seconds, 2),
        "per_second": round(len(samples) / (sum(samples) / 1000), 1) if samples else 0,
        "p50_ms": round(statistics.median(samples), 1) if samples else None,
        "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 1) if samples else None,
        "peak_mb": round(peak_mb(reset), 1), "pages": len(medians),
        "slowest": [[label, round(ms, 1)] for label, ms in ranked[:10]],
        "over_300ms": [[label, round(ms, 1)] for label, ms in ranked if ms > TARGET_MS],
        "errors": errors, "target": f"every page < {TARGET_MS} ms server time at 1,000,000 certificates",
    }]
