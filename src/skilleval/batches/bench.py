"""Benchmark `import_applications`: check and import 10,000 applications from an XLSX
file into a batch, on the configured database.

Everything it creates (an organisation with its scope, a manager, an announced batch,
the persons and applications) lives inside one transaction that is rolled back at the
end, so the database is left as it was. The time covers `applications_import` from
the file's bytes to the last row written: reading, checking every row, writing in
bulk, the eligibility verdicts and the audit event; not the final COMMIT, which the
rollback replaces. The XLSX is generated beforehand, outside the timing.

Memory is the process's peak resident set (VmHWM), reset just before the import
through /proc/self/clear_refs, so it is the real peak of the process during the
import (Django and the loaded file included), not only Python's allocations. Where
the reset is not possible it is ru_maxrss, the peak since the process started.

The number of rows is SKILLEVAL_BENCH_IMPORT_ROWS (default 10,000, at most 20,000)
because the bench command has no per-benchmark options.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import secrets
import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from openpyxl import Workbook

from skilleval.portal.bench import Rollback, peak_mb, peak_reset, register

DEFAULT_ROWS = 10_000
SEED = 20_260_401
# (occupation code, levels the batch evaluates): skill-type, non-access occupations of the sample catalogue.
ITEMS = (
    ("6-18-01-01", (5, 4, 3, 2)),
    ("6-18-01-02", (5, 4, 3)),
    ("6-18-01-04", (5, 4)),
    ("6-31-01-10", (5, 4, 3)),
    ("6-28-01-01", (5, 4, 3)),
    ("4-10-01-05", (5, 4)),
)
REGIONS = ("340104", "340102", "340111", "340302", "370102", "370203", "120101", "420202", "110105", "320106")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建国志海波宁鹏飞斌云"
EDUCATION = ("初中", "高中", "中专", "技校", "大专", "本科")
POSTS = {"6-18-01-01": "车工", "6-18-01-02": "铣工", "6-18-01-04": "磨工", "6-31-01-10": "机器人运维",
         "6-28-01-01": "化工总控", "4-10-01-05": "养老护理"}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _setup(log: Any) -> tuple[Any, Any]:
    """A filed organisation with its scope, its manager and an announced batch."""
    from skilleval.accounts.access import actor_for
    from skilleval.accounts.models import Role
    from skilleval.accounts.services import user_create
    from skilleval.catalog.models import Jurisdiction, Level, Occupation
    from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference
    from skilleval.core.validators import uscc_check_char
    from skilleval.orgs.models import Organisation, ScopeItem

    from . import services

    if not Level.objects.filter(code__isnull=False).exists():
        log("载入参考数据（等级、证件类型、辖区、政策参数）")
        catalog_seed_reference()
    if Occupation.objects.filter(code__in=[c for c, _levels in ITEMS]).count() < len(ITEMS):
        log("载入示例职业目录")
        catalog_load_sample()
    today = timezone.localdate()
    token = secrets.token_hex(4)
    jurisdiction = Jurisdiction.objects.filter(level=Jurisdiction.Level.CITY).order_by("code").first()
    assert jurisdiction is not None, "reference data has city jurisdictions"
    while True:
        first17 = f"91340100MA{secrets.randbelow(10**7):07d}"
        uscc = first17 + uscc_check_char(first17)
        filing_number = f"Y9{secrets.randbelow(10**11):011d}"
        if not Organisation.objects.filter(uscc=uscc).exists() and \
                not Organisation.objects.filter(filing_number=filing_number).exists():
            break
    org = Organisation.objects.create(
        name=f"基准测试机械有限公司{token}", uscc=uscc, city=jurisdiction, jurisdiction=jurisdiction,
        status=Organisation.Status.FILED, filing_number=filing_number, filed_at=today - dt.timedelta(days=30),
        filing_valid_from=today - dt.timedelta(days=30), filing_valid_until=today + dt.timedelta(days=1000),
        cert_serial_start=1, cert_serial_end=999999)
    levels = {lv.code: lv for lv in Level.objects.filter(code__isnull=False)}
    occupations = {o.code: o for o in Occupation.objects.filter(code__in=[c for c, _levels in ITEMS])}
    ScopeItem.objects.bulk_create([
        ScopeItem(organisation=org, occupation=occupations[code], level=levels[level], added_on=today)
        for code, item_levels in ITEMS for level in item_levels])
    user = user_create(actor=None, username=f"bench_{token}", full_name="基准测试", password=f"Bench-{token}-{secrets.token_urlsafe(12)}",
                       roles=[Role.ORG_ADMIN], organisation=org)
    actor = actor_for(user)
    batch = services.batch_create(
        actor=actor, organisation=org, name=f"基准测试批次{token}", registration_opens=today,
        registration_closes=today + dt.timedelta(days=10), first_exam_date=today + dt.timedelta(days=40),
        last_exam_date=today + dt.timedelta(days=45), sites="基准测试考点", contact="基准测试 0551-00000000")
    for code, item_levels in ITEMS:
        for level in item_levels:
            services.batch_item_add(actor=actor, batch=batch, occupation_code=code, level_code=level, method="exam",
                                    theory_weight=30, practical_weight=60, review_weight=10)
    batch = services.batch_announce(actor=actor, batch=batch)
    return actor, batch


def _id_number(rng: random.Random, birth: dt.date) -> str:
    from skilleval.core.validators import resident_id_check_char

    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + resident_id_check_char(first17)


def _rows(count: int) -> list[list[Any]]:
    """Valid, varied rows: every level, certificates, schools, awards, other ID types."""
    from skilleval.accounts.models import Person

    from .imports import IMPORT_COLUMNS, LEVEL_WORDS

    rng = random.Random(SEED)
    today = timezone.localdate()
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    choices = [(code, level) for code, levels in ITEMS for level in levels]
    while len(rows) < count:
        code, level = rng.choice(choices)
        birth = dt.date(rng.randint(1966, 2004), rng.randint(1, 12), rng.randint(1, 28))
        start = dt.date(max(birth.year + 18, 1985), rng.randint(1, 12), 1)
        if start >= today:
            continue
        possible = (today - start).days // 366
        needed = {5: 1, 4: 6, 3: 5, 2: 4}[level]
        years = min(possible, rng.randint(needed, needed + 10))
        foreign = rng.random() < 0.02
        id_number = f"E{rng.randrange(10**8):08d}" if foreign else _id_number(rng, birth)
        if id_number in seen:
            continue
        seen.add(id_number)
        row = {
            "姓名": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
            "证件类型代码": "208" if foreign else "201", "证件号码": id_number,
            "性别": rng.choice("男女") if foreign else "", "出生日期": birth.isoformat() if foreign else "",
            "申报职业编码": code, "申报等级": LEVEL_WORDS[level][0] if rng.random() < 0.5 else str(level),
            "现岗位职业编码": code, "现从事岗位": POSTS[code], "本职业年限": str(years),
            "参加工作时间": start.isoformat() if rng.random() < 0.7 else start.strftime("%Y.%m"),
            "文化程度": rng.choice(EDUCATION), "联系电话": f"139{rng.randrange(10**8):08d}",
            "政治面貌": rng.choice(("群众", "共青团员", "中共党员")), "申报类别": "正常", "学徒期满": "否",
            "个人承诺": "是",
        }
        if level < 5:
            row.update({"已有证书等级": str(level + 1), "已有证书编号": f"{rng.randrange(10**12):012d}",
                        "已有证书发证日期": dt.date(max(start.year, today.year - years), 6, 30).isoformat()})
        if rng.random() < 0.3:
            row.update({"所学专业": "机电一体化", "毕业时间": dt.date(start.year, 6, 30).isoformat(),
                        "毕业院校类别": rng.choice(("技工学校", "高级技工学校或技师学院", "大专及以上")),
                        "专业对口": rng.choice(("是", "否"))})
        if rng.random() < 0.05:
            row.update({"奖励级别": rng.choice(("市级", "省级")), "奖励名称": "职业技能大赛",
                        "竞赛名次": str(rng.randint(1, 10))})
        rows.append(row)
    # Persons already in the database under another name would be refused: leave them out.
    numbers = [r["证件号码"] for r in rows]
    taken: set[str] = set()
    for start_index in range(0, len(numbers), 1000):
        taken.update(Person.objects.filter(id_number__in=numbers[start_index:start_index + 1000])
                     .values_list("id_number", flat=True))
    if taken:
        rows = [r for r in rows if r["证件号码"] not in taken]
    # Empty cells are left out, as a spreadsheet saves them.
    return [[r.get(column) or None for column in IMPORT_COLUMNS] for r in rows]


def _xlsx(rows: list[list[Any]]) -> bytes:
    from .imports import IMPORT_COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("报名信息")
    sheet.append(IMPORT_COLUMNS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@register("import_applications")
def applications_import_bench(options: Any) -> list[dict]:
    from .imports import MAX_IMPORT_ROWS, applications_import
    from .models import Application

    size = int(os.environ.get("SKILLEVAL_BENCH_IMPORT_ROWS", DEFAULT_ROWS))
    size = max(1, min(size, MAX_IMPORT_ROWS))
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            options.log(f"准备数据（{connection.vendor}）：机构、批次、{size} 行报名表")
            actor, batch = _setup(options.log)
            content = _xlsx(_rows(size))
            options.log(f"导入 {size} 行（{len(content) / 1024 / 1024:.1f} MB），全部在事务中，结束时回滚")
            marks: dict[str, float] = {}

            def progress(done: int, total: int, message: str) -> None:
                if message.startswith("正在保存"):
                    marks["write"] = time.perf_counter()

            baseline = _rss_mb()
            reset = peak_reset()
            started = time.perf_counter()
            report = applications_import(actor=actor, batch=batch, source=content, filename="bench.xlsx",
                                         progress=progress)
            seconds = time.perf_counter() - started
            peak = peak_mb(reset)
            eligible = Application.objects.filter(batch=batch, eligible=True).count()
            result = {
                "name": "import_applications",
                "size": report.rows,
                "seconds": round(seconds, 2),
                "per_second": round(report.rows / seconds, 1),
                "peak_mb": round(peak, 1),
                "memory": "peak RSS of the process during the import (VmHWM reset before)" if reset
                          else "ru_maxrss (peak RSS since the process started)",
                "baseline_mb": round(baseline, 1),
                "check_seconds": round(marks.get("write", started + seconds) - started, 2),
                "write_seconds": round(started + seconds - marks["write"], 2) if "write" in marks else None,
                "database": connection.vendor,
                "imported": report.imported,
                "eligible": eligible,
                "errors": len(report.errors),
            }
            if report.errors:
                options.log(f"导入报告有错误（前5条）：{report.as_dict()['errors'][:5]}")
            raise Rollback
    except Rollback:
        pass
    return [result]
