"""Benchmark `autosave_load`: the computer-based exam's autosave endpoint under load.

The production server runs as in `framework_floor` (gunicorn, 2 gthread workers x 4
threads, production settings) against a scratch database: on PostgreSQL (DATABASE_URL
from the environment) a fresh database created next to the configured one on the
same server and dropped afterwards; without a PostgreSQL DATABASE_URL, a temporary
SQLite file (reported as such: SQLite is not the production database). A separate
process migrates it and builds an organisation, a confirmed batch, N accepted
candidates, a bank and a blueprint, one session with one paper per candidate (through
the papers service) and the seats. Then every candidate signs in over HTTP (ticket
number + ID number), starts, and the load generator (`skilleval.portal.loadgen`, its
own process, loopback only) posts autosaves with each candidate's session cookie and
CSRF token: four single-choice items and one short answer per candidate, each save
with a higher version than the last, so every request is a real write (answer upsert
plus its log line in one transaction with the attempt's row lock). Afterwards the
saves written are counted in the database and the scratch database is dropped.

Figures: requests/s and latency (p50, p99) of the measured window, errors (any status
but 200), saves written, peak memory of the server processes. Target on PostgreSQL:
>= 300 requests/s with p99 < 200 ms.

Options from the environment (the bench command has no per-benchmark options):
SKILLEVAL_BENCH_CBT_CANDIDATES (default 200, rounded up to a multiple of the
concurrency, at most 2,000); SKILLEVAL_DB_CONN_MAX_AGE is passed to the server as set
(the server keeps database connections for 60 s when it is not set, as a production
deployment would).

Run it alone:  skilleval bench --only autosave_load
"""

from __future__ import annotations

import http.client
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.core.management.base import CommandError

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

DEFAULT_CANDIDATES = 200
MAX_CANDIDATES = 2000
SETUP_TIMEOUT = 600
SINGLES_PER_CANDIDATE = 4
SIGN_IN = "/exams/cbt/exam/sign-in/"
START = "/exams/cbt/exam/start/"
SAVE = "/exams/cbt/exam/save/"


# --- the scratch database -----------------------------------------------------------------


def _is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql", "pgsql", "postgis")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin_connection(url: str):
    """A connection to the server of `url` for CREATE/DROP DATABASE: through its maintenance
    database "postgres" (the configured database may not exist, as under pytest), else the
    configured one."""
    import psycopg

    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in ("postgres", "pgsql", "postgis") else parts.scheme
    last_error: Exception | None = None
    for path in ("/postgres", parts.path):
        try:
            return psycopg.connect(urlunsplit((scheme, parts.netloc, path, parts.query, "")), autocommit=True)
        except psycopg.OperationalError as exc:
            last_error = exc
    raise CommandError(f"无法连接 PostgreSQL 以创建临时数据库：{last_error}")


def _create_database(url: str) -> str:
    name = f"skilleval_bench_cbt_{secrets.token_hex(4)}"
    with _admin_connection(url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_database(url: str, name: str) -> None:
    with _admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- HTTP from the bench process ------------------------------------------------------------


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in response.msg.get_all("Set-Cookie") or []:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        jar.update({key: morsel.value for key, morsel in cookie.items()})
    return jar


def _request(conn: http.client.HTTPConnection, method: str, path: str, *, cookies: dict[str, str],
             body: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    all_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), **(headers or {})}
    data = None
    if body is not None:
        data = urlencode(body).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=data, headers=all_headers)
    response = conn.getresponse()
    response.read()
    cookies.update(_cookies(response))
    return response


def _sign_in(port: int, seat: dict[str, Any]) -> dict[str, str]:
    """Sign one candidate in and start the attempt; return the cookies."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        cookies: dict[str, str] = {}
        response = _request(conn, "GET", SIGN_IN, cookies=cookies)
        if response.status != 200 or "csrftoken" not in cookies:
            raise CommandError(f"考生登录页异常（{response.status}）。")
        response = _request(conn, "POST", SIGN_IN, cookies=cookies, body={
            "csrfmiddlewaretoken": cookies["csrftoken"], "ticket_number": seat["ticket"], "id_number": seat["id"]})
        if response.status != 302 or "sessionid" not in cookies:
            raise CommandError(f"考生 {seat['ticket']} 登录失败（{response.status}）。")
        response = _request(conn, "POST", START, cookies=cookies, body={"csrfmiddlewaretoken": cookies["csrftoken"]})
        if response.status != 302:
            raise CommandError(f"考生 {seat['ticket']} 开始作答失败（{response.status}）。")
        return cookies
    finally:
        conn.close()


def _spec(seats: list[dict[str, Any]], cookies: list[dict[str, str]]) -> dict[str, Any]:
    """Item-major order, so with a candidate count that is a multiple of the concurrency each
    candidate's saves always go through the same load-generator connection, in order."""
    requests = []
    for j in range(SINGLES_PER_CANDIDATE + 1):
        for seat, jar in zip(seats, cookies, strict=True):
            if j < SINGLES_PER_CANDIDATE:
                body = urlencode({"paper_item": seat["singles"][j], "response": "AB"[j % 2]}) + "&version={seq}"
            else:
                body = urlencode({"paper_item": seat["short"]}) + "&response=%E7%AD%94%E6%A1%88{seq}&version={seq}"
            requests.append({"path": SAVE, "body": body, "headers": {
                "Cookie": f"csrftoken={jar['csrftoken']}; sessionid={jar['sessionid']}",
                "X-CSRFToken": jar["csrftoken"], "HX-Request": "true",
                "Content-Type": "application/x-www-form-urlencoded"}})
    return {"method": "POST", "expect": 200, "idempotent": True, "requests": requests}


def _run_loadgen(url: str, spec_path: Path, options) -> dict:
    command = [sys.executable, "-m", "skilleval.portal.loadgen", "--url", url, "--spec", str(spec_path),
               "--concurrency", str(options.concurrency), "--duration", str(options.duration),
               "--warmup", str(options.warmup)]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                   timeout=options.warmup + options.duration + 60)
    except subprocess.TimeoutExpired:
        raise CommandError("压测进程超时未结束。") from None
    if completed.returncode != 0:
        raise CommandError(f"压测进程失败（退出码 {completed.returncode}）：\n{completed.stderr.strip()}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _helper(env: dict[str, str], var_dir: Path, *args: str) -> dict:
    """Run this module as a separate Django process on the scratch database."""
    completed = subprocess.run([sys.executable, "-m", "skilleval.exams.bench_cbt", *args], env=env, cwd=var_dir,
                               capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=SETUP_TIMEOUT)
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise CommandError(f"基准测试准备进程失败（{' '.join(args)}）：\n{tail}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


@register("autosave_load")
def exam_autosave(options) -> list[dict]:
    """Autosave requests per second and their latency on the production server."""
    requested = int(os.environ.get("SKILLEVAL_BENCH_CBT_CANDIDATES", DEFAULT_CANDIDATES))
    concurrency = max(1, int(options.concurrency))
    candidates = min(MAX_CANDIDATES, max(concurrency, math.ceil(max(requested, 1) / concurrency) * concurrency))
    configured = os.environ.get("DATABASE_URL", "")
    postgres = _is_postgres(configured)
    with tempfile.TemporaryDirectory(prefix="skilleval-bench-cbt-") as tmp:
        var_dir = Path(tmp)
        (var_dir / "static").mkdir()
        env = production_env(var_dir)
        env.setdefault("SKILLEVAL_DB_CONN_MAX_AGE", "60")
        scratch = ""
        if postgres:
            scratch = _create_database(configured)
            env["DATABASE_URL"] = _with_database(configured, scratch)
            options.log(f"PostgreSQL 临时数据库 {scratch}")
        else:
            options.log("DATABASE_URL 未指向 PostgreSQL：在临时 SQLite 数据库上运行（不代表生产数据库的性能）。")
        try:
            options.log(f"迁移并准备数据：{candidates} 名考生、一人一卷")
            setup = _helper(env, var_dir, "setup", str(candidates))
            seats = setup["seats"]
            port = free_port()
            server_log = var_dir / "gunicorn.log"
            command = [sys.executable, "-m", "gunicorn", "skilleval.config.wsgi:application",
                       "--bind", f"{HOST}:{port}", *GUNICORN_ARGS]
            options.log(f"启动 gunicorn（生产配置）：{HOST}:{port}")
            with server_log.open("wb") as log_file:
                server = subprocess.Popen(command, env=env, cwd=var_dir, stdin=subprocess.DEVNULL, stdout=log_file,
                                          stderr=subprocess.STDOUT)
                try:
                    wait_until_healthy(server, port, server_log)
                    started = time.monotonic()
                    # SQLite takes one writer at a time: sign in one by one there.
                    with ThreadPoolExecutor(max_workers=4 if postgres else 1) as pool:
                        cookies = list(pool.map(lambda seat: _sign_in(port, seat), seats))
                    options.log(f"{len(seats)} 名考生已登录并开始作答（{time.monotonic() - started:.1f} 秒）")
                    spec_path = var_dir / "autosave.json"
                    spec_path.write_text(json.dumps(_spec(seats, cookies)), encoding="utf-8")
                    options.log(f"压测 {SAVE}：并发 {options.concurrency}，预热 {options.warmup} 秒，"
                                f"计量 {options.duration} 秒")
                    load = _run_loadgen(f"http://{HOST}:{port}{SAVE}", spec_path, options)
                    peak_mb = sum(peak_rss_kb(pid) for pid in [server.pid, *child_pids(server.pid)]) / 1024
                except CommandError as exc:
                    raise CommandError(f"{exc}\n服务器日志摘要：\n{log_tail(server_log)}") from None
                finally:
                    stop(server)
            written = _helper(env, var_dir, "count")
        finally:
            if scratch:
                _drop_database(configured, scratch)
    return [{
        "name": "autosave_load",
        "size": load["requests"],
        "seconds": load["seconds"],
        "per_second": load["per_second"],
        "p50_ms": load["p50_ms"],
        "p99_ms": load["p99_ms"],
        "peak_mb": round(peak_mb, 1),
        "errors": load["errors"],
        "database": "postgresql" if postgres else "sqlite",
        "candidates": candidates,
        "sent": load.get("sent"),
        "saves_written": written["saves"],
        "denied": written["denied"],
        "target": ">= 300 req/s, p99 < 200 ms (PostgreSQL)",
    }]


# --- the helper process ---------------------------------------------------------------------


def _collect_static() -> None:
    """The production pages need the static manifest. The vendored Bootstrap files name
    source maps that are not vendored, which the manifest storage refuses; the bench
    collects with a storage that leaves source-map comments alone (the manifest it
    writes is the same one the server reads)."""
    from django.core.management import call_command
    from django.test.utils import override_settings
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    class WithoutSourceMaps(CompressedManifestStaticFilesStorage):
        patterns = tuple(
            (extension, tuple(p for p in rules if "sourceMappingURL" not in (p if isinstance(p, str) else p[0])))
            for extension, rules in CompressedManifestStaticFilesStorage.patterns)

    globals()["WithoutSourceMaps"] = WithoutSourceMaps
    from django.conf import settings

    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": f"{__name__}.WithoutSourceMaps"}}
    with override_settings(STORAGES=storages):
        call_command("collectstatic", verbosity=0, interactive=False)


def _setup(candidates: int) -> dict:
    """Migrate the scratch database, collect the static files (production pages need their
    manifest) and build the exam; return the seats."""
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone

    from skilleval.accounts.access import actor_for
    from skilleval.accounts.models import Person, Role
    from skilleval.accounts.services import user_create
    from skilleval.batches.models import Application, Batch, BatchItem
    from skilleval.catalog.models import IDType, Jurisdiction, Level, Occupation
    from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference
    from skilleval.core.validators import resident_id_check_char, uscc_check_char
    from skilleval.orgs.models import Organisation, ScopeItem

    from .models import (
        Blueprint,
        ExamRoom,
        ExamSession,
        ExamSite,
        ItemKind,
        ItemStatus,
        PaperItem,
        QuestionItem,
        RoomKind,
    )
    from .services import cbt

    call_command("migrate", verbosity=0, interactive=False)
    _collect_static()
    catalog_seed_reference()
    catalog_load_sample()
    today = timezone.localdate()
    jurisdiction = Jurisdiction.objects.filter(level=Jurisdiction.Level.CITY).order_by("code").first()
    occupation = Occupation.objects.get(code="6-18-01-01")
    level = Level.objects.get(code=5)
    first17 = "91340100MA" + f"{secrets.randbelow(10**7):07d}"
    org = Organisation.objects.create(
        name="基准测试机考有限公司", uscc=first17 + uscc_check_char(first17), city=jurisdiction,
        jurisdiction=jurisdiction, status=Organisation.Status.FILED, filing_number="Y9" + f"{secrets.randbelow(10**11):011d}",
        filed_at=today - dt.timedelta(days=60), filing_valid_from=today - dt.timedelta(days=60),
        filing_valid_until=today + dt.timedelta(days=1000), cert_serial_start=1, cert_serial_end=999999)
    ScopeItem.objects.create(organisation=org, occupation=occupation, level=level, added_on=today)
    manager = actor_for(user_create(actor=None, username="bench_cbt", full_name="基准测试考务",
                                    password=f"Bench-{secrets.token_urlsafe(16)}", roles=[Role.ORG_ADMIN],
                                    organisation=org))
    # The batch's earlier life (announcement, review, plan filing and confirmation) is
    # what the batches benchmark and tests exercise; here it starts confirmed.
    batch = Batch.objects.create(
        organisation=org, code=f"{org.filing_number}-{today.year}-01", name="基准测试机考批次",
        status=Batch.Status.PLAN_CONFIRMED, registration_opens=today - dt.timedelta(days=40),
        registration_closes=today - dt.timedelta(days=30), first_exam_date=today - dt.timedelta(days=1),
        last_exam_date=today + dt.timedelta(days=1), sites="基准测试机房", contact="基准测试")
    item = BatchItem.objects.create(batch=batch, occupation=occupation, level=level, method="exam",
                                    theory_weight=30, practical_weight=70)
    id_type = IDType.objects.get(code="201")
    people = []
    for n in range(candidates):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=n // 1000)  # with the 3 sequence digits: unique
        number17 = f"340104{birth:%Y%m%d}{n % 1000:03d}"
        people.append(Person(id_type=id_type, id_number=number17 + resident_id_check_char(number17),
                             name=f"考生{n:04d}", sex="M" if n % 2 else "F", birth_date=birth, organisation=org))
    people = Person.objects.bulk_create(people)
    Application.objects.bulk_create([Application(
        batch=batch, item=item, person=p, status=Application.Status.ACCEPTED, number=f"BENCH{n:06d}", name=p.name,
        sex=p.sex, birth_date=p.birth_date, education="高中", work_started_on=dt.date(2010, 7, 1), phone="13900000000",
        current_post="车工", post_occupation=occupation, years_in_occupation=Decimal("5"), eligible=True)
        for n, p in enumerate(people)])

    bank = [(ItemKind.SINGLE, 60), (ItemKind.MULTIPLE, 15), (ItemKind.TRUE_FALSE, 20), (ItemKind.SHORT, 4)]
    options = [{"key": k, "text": f"选项{k}"} for k in "ABCD"]
    rows = []
    for kind, count in bank:
        for n in range(count):
            rows.append(QuestionItem(
                organisation=org, occupation=occupation, level=5, code=f"B-{kind}-{n:03d}", kind=kind,
                stem=f"基准测试{ItemKind(kind).label}第{n + 1}题", status=ItemStatus.APPROVED,
                options=options if kind in (ItemKind.SINGLE, ItemKind.MULTIPLE) else [],
                answer={"single": ["A"], "multiple": ["A", "C"], "true_false": True}.get(kind, "参考答案"),
                knowledge_point="车削加工", difficulty=3))
    QuestionItem.objects.bulk_create(rows)
    blueprint = Blueprint.objects.create(
        organisation=org, occupation=occupation, level=5, name="基准测试组卷方案", duration_minutes=90,
        sections=[{"kind": "single", "count": 20, "score": 1}, {"kind": "multiple", "count": 5, "score": 2},
                  {"kind": "true_false", "count": 10, "score": 1}, {"kind": "short", "count": 2, "score": 10}])
    now = timezone.now()
    site = ExamSite.objects.create(organisation=org, name="基准测试考点")
    seats = Application.objects.filter(item=item, status=Application.Status.ACCEPTED).count()
    rooms = [ExamRoom.objects.create(site=site, name=f"第{n + 1:02d}机房", kind=RoomKind.THEORY, capacity=50)
             for n in range(max(1, -(-seats // 50)))]
    session = cbt.session_create(
        actor=manager, batch=batch, batch_item=item, blueprint=blueprint, name="基准测试第1场", rooms=rooms,
        starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=3), duration_minutes=150,
        mode=ExamSession.Mode.WHOLE, per_candidate_papers=True)
    attempts = cbt.seats_assign(actor=manager, session=session)
    items: dict[int, dict[str, list[int]]] = {}
    for paper_id, pk, kind in PaperItem.objects.filter(paper__attempts__session=session).values_list(
            "paper_id", "pk", "item__kind").order_by("paper_id", "order"):
        items.setdefault(paper_id, {}).setdefault(kind, []).append(pk)
    ids = dict(Application.objects.filter(batch=batch).values_list("pk", "person__id_number"))
    return {"session": session.pk, "seats": [{
        "ticket": a.ticket_number, "id": ids[a.application_id],
        "singles": items[a.paper_id][ItemKind.SINGLE][:SINGLES_PER_CANDIDATE],
        "short": items[a.paper_id][ItemKind.SHORT][0]} for a in attempts]}


def _count() -> dict:
    from .models import AttemptLog

    return {"saves": AttemptLog.objects.filter(event=AttemptLog.Event.SAVE).count(),
            "denied": AttemptLog.objects.filter(event=AttemptLog.Event.DENIED).count()}


def main(argv: list[str]) -> None:
    import django

    django.setup()
    if argv[:1] == ["setup"] and len(argv) == 2:
        result = _setup(int(argv[1]))
    elif argv == ["count"]:
        result = _count()
    else:
        raise SystemExit("usage: python -m skilleval.exams.bench_cbt setup N | count")
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
