"""Benchmark `public_query_load`: the public certificate query on the production server
with a large register, loaded from a separate process on loopback.

As `autosave_load`: gunicorn (production settings: skilleval.config.gunicorn_conf, with
2 gthread workers x 4 threads, the same as framework_floor) on a
scratch database (on PostgreSQL a fresh database next to DATABASE_URL's, dropped after;
without PostgreSQL a temporary SQLite file, reported as such). A helper process migrates
it and writes the synthetic register with bulk inserts (on PostgreSQL one INSERT ...
SELECT over generate_series per table): persons and certificates over six years and five
levels. The load generator (`skilleval.portal.loadgen`, its own process) then sends a mix:
three of four requests are queries by number (`GET /certificates/query/?number=`, one in
ten for a number that does not exist), one of four a query by name plus ID number (POST
with the CSRF token), all answered 200 with the page. The query guard runs on every
request (its counters in Redis when a local Redis answers, as in production; else the
file cache); its limits are raised for the run, since all load comes from one address.

The requests are all different (SAMPLE of them, more than a run sends), so the main
figures are the cold path: every answer is read from the database, none from the answer
cache. The same list is then sent again (warm_*: the answers the first run read now come
from the cache, as for a certificate scanned again), and a mix of its own to the JSON API
(/api/v1/certificates/query), reported as api_*. One JSON line per register size
(SKILLEVAL_BENCH_QUERY_SIZES, default 100000,1000000): requests/s, p50 and p99 latency.
Target at 1,000,000: >= 500 requests/s, p99 < 50 ms, and the same throughput within 20%
at 100,000 (the cost does not grow with the register).

Run it alone:  skilleval bench --only public_query_load"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
from http.cookies import SimpleCookie
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode

from django.core.management.base import CommandError

from skilleval.exams.bench_cbt import (
    _create_database,
    _drop_database,
    _is_postgres,
    _run_loadgen,
    _with_database,
)
from skilleval.portal.bench import (
    GUNICORN_ARGS,
    HOST,
    child_pids,
    free_port,
    log_tail,
    peak_rss_kb,
    production_env,
    register,
    stop,
    wait_until_healthy,
)

QUERY = "/certificates/query/"
API = "/api/v1/certificates/query"
SIZES = "100000,1000000"
PER_COMBINATION = 33_334  # serials per (year, level): 6 years x 5 levels cover 1,000,000
SAMPLE = 40_000  # distinct requests: more than a 5-second run sends at the target
SETUP_TIMEOUT = 1800


def number_of(filing_number: str, i: int) -> str:
    combination = i // PER_COMBINATION
    year = 2021 + combination // 5
    level = 5 - combination % 5
    return f"{filing_number}{year % 100:02d}{level}{i % PER_COMBINATION + 1:06d}"


def identity_of(i: int) -> tuple[str, str]:
    return f"持证人{i}", f"P{i:017d}"


def _redis_url() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/13"
    except OSError:
        pass
    return ""


def _helper(env: dict[str, str], var_dir: Path, *args: str) -> dict:
    completed = subprocess.run([sys.executable, "-m", "skilleval.certificates.bench_query", *args], env=env,
                               cwd=var_dir, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                               timeout=SETUP_TIMEOUT)
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise CommandError(f"基准测试准备进程失败（{' '.join(args)}）：\n{tail}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _csrf(port: int) -> str:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", QUERY)
        response = conn.getresponse()
        response.read()
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            if "csrftoken" in cookie:
                return cookie["csrftoken"].value
    finally:
        conn.close()
    raise CommandError("查询页没有返回 CSRF 令牌。")


def _api_spec(filing_number: str, size: int, seed: int) -> dict[str, Any]:
    """The same mix on the JSON API (/api/v1/certificates/query)."""
    rng = random.Random(seed)
    requests = []
    for k in range(SAMPLE):
        if k % 4 == 3:
            name, id_number = identity_of(rng.randrange(size))
            requests.append({"method": "POST", "path": API, "body": json.dumps({"name": name, "id_number": id_number}),
                             "headers": {"Content-Type": "application/json"}})
        else:
            i = rng.randrange(size) if k % 10 else size + rng.randrange(size)
            requests.append({"method": "GET", "path": f"{API}?number={quote(number_of(filing_number, i))}"})
    return {"method": "GET", "expect": 200, "idempotent": True, "requests": requests}


def _spec(filing_number: str, size: int, csrf: str, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    requests = []
    for k in range(SAMPLE):
        if k % 4 == 3:
            name, id_number = identity_of(rng.randrange(size))
            requests.append({"method": "POST", "path": QUERY, "body": urlencode({"name": name, "id_number": id_number}),
                             "headers": {"Cookie": f"csrftoken={csrf}", "X-CSRFToken": csrf,
                                         "Content-Type": "application/x-www-form-urlencoded"}})
        else:
            i = rng.randrange(size) if k % 10 else size + rng.randrange(size)  # one in ten does not exist
            requests.append({"method": "GET", "path": f"{QUERY}?number={quote(number_of(filing_number, i))}"})
    return {"method": "GET", "expect": 200, "idempotent": True, "requests": requests}


def _warm_up(options: Any) -> SimpleNamespace:
    return SimpleNamespace(concurrency=options.concurrency, duration=3.0, warmup=2.0, log=options.log)


def _wait(server: subprocess.Popen, port: int, server_log: Path, attempts: int = 4) -> None:
    """wait_until_healthy, given more time: on a loaded machine two workers importing Django
    can take longer than its 30 seconds."""
    for attempt in range(attempts):
        try:
            wait_until_healthy(server, port, server_log)
            return
        except CommandError:
            if server.poll() is not None or attempt == attempts - 1:
                raise


@register("public_query_load")
def public_query_load(options: Any) -> list[dict]:
    sizes = sorted(int(s) for s in os.environ.get("SKILLEVAL_BENCH_QUERY_SIZES", SIZES).split(",") if s.strip())
    configured = os.environ.get("DATABASE_URL", "")
    postgres = _is_postgres(configured)
    cache_url = _redis_url()
    results = []
    with tempfile.TemporaryDirectory(prefix="skilleval-bench-query-") as tmp:
        var_dir = Path(tmp)
        (var_dir / "static").mkdir()
        env = production_env(var_dir)
        env.setdefault("SKILLEVAL_DB_CONN_MAX_AGE", "60")
        env.update({"SKILLEVAL_CERT_QUERY_FREE": "1000000000", "SKILLEVAL_CERT_QUERY_LIMIT": "1000000000",
                    "SKILLEVAL_CACHE_URL": cache_url})
        if not env.get("SKILLEVAL_DATA_KEY"):  # production needs the ID-number key (core/crypto.py)
            try:
                from skilleval.core.crypto import new_key_entry
            except ImportError:
                pass
            else:
                env["SKILLEVAL_DATA_KEY"] = new_key_entry()
        scratch = ""
        if postgres:
            scratch = _create_database(configured)
            env["DATABASE_URL"] = _with_database(configured, scratch)
            options.log(f"PostgreSQL 临时数据库 {scratch}")
        else:
            options.log("DATABASE_URL 未指向 PostgreSQL：在临时 SQLite 数据库上运行（不代表生产数据库的性能）。")
        try:
            options.log("迁移并准备机构")
            setup = _helper(env, var_dir, "setup")
            written = 0
            for size in sizes:
                options.log(f"批量写入证书登记册至 {size} 张")
                filled = _helper(env, var_dir, "fill", str(written), str(size))
                written = size
                port = free_port()
                server_log = var_dir / f"gunicorn-{size}.log"
                command = [sys.executable, "-m", "gunicorn", "skilleval.config.wsgi:application",
                           "--bind", f"{HOST}:{port}", *GUNICORN_ARGS]
                with server_log.open("wb") as log_file:
                    server = subprocess.Popen(command, env=env, cwd=var_dir, stdin=subprocess.DEVNULL,
                                              stdout=log_file, stderr=subprocess.STDOUT)
                    try:
                        _wait(server, port, server_log)
                        spec_path = var_dir / "query.json"
                        filing, csrf = setup["filing_number"], _csrf(port)
                        # Warm both workers up first (imports, templates, connections: seconds on a
                        # busy machine) on certificates of their own, so the runs below stay cold.
                        spec_path.write_text(json.dumps(_spec(filing, size, csrf, seed=size + 2)), encoding="utf-8")
                        _run_loadgen(f"http://{HOST}:{port}{QUERY}", spec_path, _warm_up(options))
                        spec_path.write_text(json.dumps(_api_spec(filing, size, seed=size + 3)), encoding="utf-8")
                        _run_loadgen(f"http://{HOST}:{port}{API}", spec_path, _warm_up(options))
                        spec_path.write_text(json.dumps(_spec(filing, size, csrf, seed=size)), encoding="utf-8")
                        options.log(f"压测 {QUERY}（{size} 张证书）：并发 {options.concurrency}，预热 {options.warmup} 秒，"
                                    f"计量 {options.duration} 秒")
                        load = _run_loadgen(f"http://{HOST}:{port}{QUERY}", spec_path, options)
                        warm = _run_loadgen(f"http://{HOST}:{port}{QUERY}", spec_path, options)
                        # Not the pages' certificates: those answers are cached by now.
                        spec_path.write_text(json.dumps(_api_spec(filing, size, seed=size + 1)), encoding="utf-8")
                        api = _run_loadgen(f"http://{HOST}:{port}{API}", spec_path, options)
                        peak = sum(peak_rss_kb(pid) for pid in [server.pid, *child_pids(server.pid)]) / 1024
                    except CommandError as exc:
                        raise CommandError(f"{exc}\n服务器日志摘要：\n{log_tail(server_log)}") from None
                    finally:
                        stop(server)
                results.append({
                    "name": "public_query_load", "size": size, "requests": load["requests"],
                    "seconds": load["seconds"], "per_second": load["per_second"], "p50_ms": load["p50_ms"],
                    "p99_ms": load["p99_ms"], "peak_mb": round(peak, 1), "errors": load["errors"],
                    "database": "postgresql" if postgres else "sqlite", "cache": "redis" if cache_url else "file",
                    "mix": "75% GET by number (10% unknown), 25% POST by name + ID",
                    "fill_seconds": filled["seconds"], "path": "cold: every answer read from the database",
                    "warm_per_second": warm["per_second"], "warm_p50_ms": warm["p50_ms"],
                    "warm_p99_ms": warm["p99_ms"], "warm_errors": warm["errors"],
                    "api_per_second": api["per_second"], "api_p50_ms": api["p50_ms"], "api_p99_ms": api["p99_ms"],
                    "api_errors": api["errors"],
                    "target": ">= 500 req/s, p99 < 50 ms at 1,000,000; throughput within 20% at 100,000",
                })
        finally:
            if scratch:
                _drop_database(configured, scratch)
    return results


# --- the helper process ---------------------------------------------------------------------


def _setup() -> dict:
    from django.core.management import call_command

    from skilleval.exams.bench_cbt import _collect_static

    from .bench import _organisation

    call_command("migrate", verbosity=0, interactive=False)
    _collect_static()
    organisation = _organisation("基准测试公开查询")
    return {"organisation": organisation.pk, "filing_number": organisation.filing_number}


def _fill(start: int, end: int) -> dict:
    import time

    from django.db import connection
    from django.utils import timezone

    from skilleval.accounts.models import Person
    from skilleval.catalog.models import IDType, Level, Occupation
    from skilleval.orgs.models import Organisation

    from .models import Certificate

    started = time.perf_counter()
    organisation = Organisation.objects.filter(name__startswith="基准测试公开查询").get()
    id_type = IDType.objects.get(code="227")
    occupation = Occupation.objects.get(code="6-18-01-01")
    levels = {lv.code: lv.pk for lv in Level.objects.filter(code__isnull=False)}
    name = organisation.name
    if connection.vendor == "postgresql":
        params = {"start": start, "end": end - 1, "id_type": id_type.pk, "org": organisation.pk, "org_name": name,
                  "filing": organisation.filing_number, "occupation": occupation.pk, "per": PER_COMBINATION}
        # The ID numbers as the field stores them (encrypted at rest where the field does so),
        # copied into a scratch table the INSERT ... SELECTs join.
        field = Certificate._meta.get_field("id_number")
        kind = ", kind" if any(f.name == "kind" for f in Certificate._meta.fields) else ""
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE bench_ids (i integer PRIMARY KEY, id_number text NOT NULL)")
            with cursor.cursor.copy("COPY bench_ids (i, id_number) FROM STDIN") as copy:
                for i in range(start, end):
                    copy.write_row((i, field.get_db_prep_value(identity_of(i)[1], connection)))
            cursor.execute("ANALYZE bench_ids")
            cursor.execute("""
                INSERT INTO accounts_person (created_at, updated_at, id_type_id, id_number, name, sex, birth_date, phone)
                SELECT now(), now(), %(id_type)s, b.id_number, '持证人' || i,
                       CASE WHEN i %% 2 = 0 THEN 'F' ELSE 'M' END, date '1975-01-01' + (i %% 9000), ''
                FROM bench_ids b""", params)
            cursor.execute(f"""
                INSERT INTO certificates_certificate (
                    created_at, updated_at, number, organisation_id, year, level_id, level_code, serial, person_id,
                    name, id_type_id, id_number, unit, occupation_id, issued_on, evaluation_organisation,
                    issuing_organisation, status, revision, unprintable, revoked_by_authority, revocation_ground,
                    revocation_reason{kind})
                SELECT now(), now(),
                       %(filing)s || lpad(((2021 + (i / %(per)s) / 5) %% 100)::text, 2, '0')
                           || (5 - (i / %(per)s) %% 5)::text || lpad((i %% %(per)s + 1)::text, 6, '0'),
                       %(org)s, 2021 + (i / %(per)s) / 5, l.id, l.code, i %% %(per)s + 1, p.id,
                       p.name, %(id_type)s, p.id_number, %(org_name)s, %(occupation)s,
                       make_date((2021 + (i / %(per)s) / 5)::int, 6, 30), %(org_name)s, %(org_name)s,
                       CASE WHEN i %% 97 = 0 THEN 'reissued' ELSE 'valid' END, CASE WHEN i %% 97 = 0 THEN 2 ELSE 1 END,
                       '', false, '', ''{", 'level'" if kind else ""}
                FROM bench_ids b
                JOIN catalog_level l ON l.code = 5 - (b.i / %(per)s) %% 5
                JOIN accounts_person p ON p.id_type_id = %(id_type)s AND p.id_number = b.id_number
            """, params)
            cursor.execute("DROP TABLE bench_ids")
            cursor.execute("ANALYZE accounts_person")
            cursor.execute("ANALYZE certificates_certificate")
    else:
        now = timezone.now()
        for chunk in range(start, end, 5000):
            indexes = range(chunk, min(end, chunk + 5000))
            people = Person.objects.bulk_create([Person(
                id_type=id_type, id_number=identity_of(i)[1], name=identity_of(i)[0], sex="F" if i % 2 == 0 else "M",
                birth_date=dt.date(1975, 1, 1) + dt.timedelta(days=i % 9000)) for i in indexes])
            certificates = []
            for i, person in zip(indexes, people, strict=True):
                number = number_of(organisation.filing_number, i)
                certificates.append(Certificate(
                    number=number, organisation=organisation, year=2000 + int(number[13:15]),
                    level_id=levels[int(number[15])], level_code=int(number[15]), serial=int(number[16:]),
                    person=person, name=person.name, id_type=id_type, id_number=person.id_number, unit=name,
                    occupation=occupation, issued_on=dt.date(2000 + int(number[13:15]), 6, 30),
                    evaluation_organisation=name, issuing_organisation=name, created_at=now))
            Certificate.objects.bulk_create(certificates)
    return {"written": Certificate.objects.count(), "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str]) -> None:
    import django

    django.setup()
    if argv == ["setup"]:
        result = _setup()
    elif argv[:1] == ["fill"] and len(argv) == 3:
        result = _fill(int(argv[1]), int(argv[2]))
    else:
        raise SystemExit("usage: python -m skilleval.certificates.bench_query setup | fill START END")
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
