"""Benchmark `assemble_papers`: one paper per candidate for 1,000 candidates from a
100-item blueprint with appraisal-element and difficulty shares, drawn from a bank of
20,000 approved items of one occupation and level, on the configured database.

Everything it creates (an organisation with its scope, a question-bank user, the bank,
the blueprint, the papers) lives inside one transaction that is rolled back at the end,
so the database is left as it was. The time covers `papers_for_candidates` alone:
reading the approved items, working out the cells, drawing 1,000 papers, checking they
are distinct, bulk-inserting 1,000 papers and 100,000 paper items, and the audit event;
not the final COMMIT, which the rollback replaces.

Memory is the process's peak resident set (VmHWM), reset just before the call through
/proc/self/clear_refs; where that is not possible, ru_maxrss (peak since start)."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from skilleval.portal.bench import Rollback, peak_mb, peak_reset, register

BANK_SIZE = 20_000
CANDIDATES = 1_000
SEED = 20_260_501
OCCUPATION = "6-18-01-01"  # 车工, in the sample catalogue
LEVEL = 4
KNOWLEDGE = {  # the blueprint's appraisal elements and shares (%)
    "识图与公差配合": 14, "金属材料与热处理": 10, "车床结构与维护": 12, "刀具选用与刃磨": 12, "外圆与端面车削": 12,
    "内孔加工": 10, "螺纹车削": 10, "量具与测量": 8, "工艺规程编制": 6, "安全文明生产": 6,
}
EXTRA_KNOWLEDGE = ("职业道德", "数控车削基础")  # in the bank, not in the blueprint
DIFFICULTY = {"1": 10, "2": 20, "3": 40, "4": 20, "5": 10}
SECTIONS = [{"kind": "single", "count": 50, "score": 1}, {"kind": "multiple", "count": 20, "score": 1.5},
            {"kind": "true_false", "count": 25, "score": 0.4}, {"kind": "short", "count": 5, "score": 2}]
KIND_WEIGHTS = (("single", 50), ("multiple", 20), ("true_false", 20), ("short", 10))
DIFFICULTY_WEIGHTS = (1, 2, 4, 2, 1)


def _setup(log: Any) -> tuple[Any, Any]:
    """An organisation with the occupation-level in scope, a question-bank user, the bank
    and the blueprint (through the blueprint service)."""
    from skilleval.accounts.access import actor_for
    from skilleval.accounts.models import Role
    from skilleval.accounts.services import user_create
    from skilleval.catalog.models import Jurisdiction, Level, Occupation
    from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference
    from skilleval.core.validators import uscc_check_char
    from skilleval.orgs.models import Organisation, ScopeItem

    from .models import ItemStatus, QuestionItem
    from .services.papers import blueprint_create

    if not Level.objects.filter(code__isnull=False).exists():
        log("载入参考数据（等级、证件类型、辖区、政策参数）")
        catalog_seed_reference()
    if not Occupation.objects.filter(code=OCCUPATION).exists():
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
        name=f"基准测试组卷有限公司{token}", uscc=uscc, city=jurisdiction, jurisdiction=jurisdiction,
        status=Organisation.Status.FILED, filing_number=filing_number, filed_at=today - dt.timedelta(days=30),
        filing_valid_from=today - dt.timedelta(days=30), filing_valid_until=today + dt.timedelta(days=1000),
        cert_serial_start=1, cert_serial_end=999999)
    occupation = Occupation.objects.get(code=OCCUPATION)
    ScopeItem.objects.create(organisation=org, occupation=occupation, level=Level.objects.get(code=LEVEL),
                             added_on=today)
    user = user_create(actor=None, username=f"bench_bank_{token}", full_name="基准测试题库",
                       password=f"Bench-{token}-{secrets.token_urlsafe(12)}", roles=[Role.QUESTION_BANK],
                       organisation=org)
    actor = actor_for(user)

    log(f"生成题库：{BANK_SIZE} 道已审定试题")
    rng = random.Random(SEED)
    points = [*KNOWLEDGE, *EXTRA_KNOWLEDGE]
    kinds = [k for k, _w in KIND_WEIGHTS]
    kind_weights = [w for _k, w in KIND_WEIGHTS]
    items = []
    for n in range(BANK_SIZE):
        kind = rng.choices(kinds, kind_weights)[0]
        options: list[dict[str, str]] = []
        answer: Any
        if kind in ("single", "multiple"):
            options = [{"key": key, "text": f"选项{key}{n}"} for key in "ABCD"]
            answer = [rng.choice("ABCD")] if kind == "single" else sorted(rng.sample("ABCD", rng.randint(2, 4)))
        elif kind == "true_false":
            answer = rng.random() < 0.5
        else:
            answer = f"参考答案{n}"
        items.append(QuestionItem(
            organisation=org, occupation=occupation, level=LEVEL, code=f"B{token}-{n:05d}", kind=kind,
            stem=f"第{n}题：关于{rng.choice(points)}的试题题干。", options=options, answer=answer,
            knowledge_point=rng.choice(points), difficulty=rng.choices(range(1, 6), DIFFICULTY_WEIGHTS)[0],
            status=ItemStatus.APPROVED))
    QuestionItem.objects.bulk_create(items, batch_size=2000)
    blueprint = blueprint_create(actor=actor, data={
        "name": "基准测试组卷方案", "occupation": occupation, "level": LEVEL, "duration_minutes": 90,
        "sections": SECTIONS, "knowledge_shares": KNOWLEDGE, "difficulty_shares": DIFFICULTY})
    return actor, blueprint


@register("assemble_papers")
def paper_assembly_bench(options: Any) -> list[dict]:
    from .models import Paper, PaperItem
    from .services.papers import blueprint_item_count, blueprint_shortfalls, papers_for_candidates

    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            options.log(f"准备数据（{connection.vendor}）：机构、{BANK_SIZE} 道试题的题库、100 题的组卷方案")
            actor, blueprint = _setup(options.log)
            shortfalls = blueprint_shortfalls(blueprint)
            if shortfalls:
                options.log(f"题库不足：{shortfalls[:5]}")
            keys = [f"2026{n:06d}" for n in range(1, CANDIDATES + 1)]
            options.log(f"为 {CANDIDATES} 名考生一人一卷（{blueprint_item_count(blueprint)} 题/卷），在事务中，结束时回滚")
            reset = peak_reset()
            started = time.perf_counter()
            papers = papers_for_candidates(actor=actor, blueprint=blueprint, keys=keys, base_seed=SEED)
            seconds = time.perf_counter() - started
            peak = peak_mb(reset)
            written = PaperItem.objects.filter(paper__blueprint=blueprint).count()
            result = {
                "name": "assemble_papers",
                "size": len(papers),
                "seconds": round(seconds, 2),
                "per_second": round(len(papers) / seconds, 1),
                "peak_mb": round(peak, 1),
                "memory": "peak RSS of the process during the assembly (VmHWM reset before)" if reset
                          else "ru_maxrss (peak RSS since the process started)",
                "database": connection.vendor,
                "bank": BANK_SIZE,
                "items_per_paper": blueprint_item_count(blueprint),
                "paper_items": written,
                "papers": Paper.objects.filter(blueprint=blueprint).count(),
            }
            raise Rollback
    except Rollback:
        pass
    return [result]


from . import bench_arrangement, bench_cbt  # noqa: E402,F401  (register assign_rooms, autosave_load)
