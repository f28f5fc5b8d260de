"""Blueprints (组卷方案) and paper assembly (组卷).

A blueprint says how many items of each kind a theory paper has and what each is
worth, and optionally how the items spread over the appraisal elements (鉴定要素)
and the five difficulties, in whole percent. Those shares become counts per cell
(kind x appraisal element x difficulty) once, here, by largest-remainder rounding:

1. each kind's count is shared out over the appraisal elements (largest remainder);
2. the same count is shared out over the difficulties (largest remainder);
3. the element x difficulty table of the kind is rounded so that every cell is the
   floor or the ceiling of its exact share and the rows and columns add up to the
   counts of steps 1 and 2 (a controlled rounding, found by augmenting paths).

So a paper meets the element shares and the difficulty shares of every kind, not
only roughly: plain nested rounding would let the difficulties drift (ten elements
of six items at 10/20/40/20/10 % would give 17 % easy items instead of 10 %).

A paper is a pure function of its blueprint, its seed and the approved bank: the
same seed gives the same items in the same order, as long as the bank is unchanged.
Papers for many candidates load the approved items once, draw in memory and write
in bulk; every call is one audit event however many papers it makes.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.core.audit import audit_record, snapshot
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent

from ..models import Blueprint, ItemKind, ItemStatus, Paper, PaperItem, QuestionItem

DIFFICULTIES = ("1", "2", "3", "4", "5")
MAX_ITEMS_PER_PAPER = 1000
MAX_SCORE_PER_ITEM = Decimal("1000")
MAX_DURATION_MINUTES = 600
MAX_PAPERS_PER_CALL = 10_000
MAX_SEED = 2**63 - 1  # Paper.seed is a signed 64-bit integer
MAX_VARIANT_LENGTH = 40  # Paper.variant
DISTINCT_ATTEMPTS = 50
WRITE_CHUNK = 200  # papers written per bulk insert, to bound memory

MODE_PER_CANDIDATE = "per_candidate"
MODE_AB = "ab"
AB_VARIANTS = ("A", "B")

BLUEPRINT_FIELDS = ("name", "occupation_id", "level", "sections", "knowledge_shares", "difficulty_shares",
                    "duration_minutes")


class ShortfallError(DomainError):
    """The approved bank cannot fill the blueprint; `shortfalls` says where, one line per cell."""

    def __init__(self, shortfalls: list[str]):
        super().__init__(_("题库中已审定的试题不足，无法按方案组卷：%(list)s") % {"list": "；".join(shortfalls)})
        self.shortfalls = shortfalls


# ---------------------------------------------------------------------------------------------
# Access


def _require_bank(actor: Actor, organisation_id: int | None) -> None:
    """Blueprints are part of the confidential bank: its own organisation's bank staff only."""
    actor.require(Perm.BANK_MANAGE)
    if not actor.organisation_id or actor.organisation_id != organisation_id:
        raise DomainError(_("您只能管理本单位题库的组卷方案。"))


def can_assemble(actor: Actor, blueprint: Blueprint) -> bool:
    """Bank staff assemble papers; exam affairs staff (batch.manage) of the same
    organisation may too, for their computer-based sessions, without seeing the bank."""
    return bool(actor.organisation_id) and actor.organisation_id == blueprint.organisation_id and (
        actor.has(Perm.BANK_MANAGE) or actor.has(Perm.BATCH_MANAGE))


def _require_assembler(actor: Actor, blueprint: Blueprint) -> None:
    if not (actor.has(Perm.BANK_MANAGE) or actor.has(Perm.BATCH_MANAGE)):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    if not can_assemble(actor, blueprint):
        raise DomainError(_("您只能使用本单位的组卷方案。"))


# ---------------------------------------------------------------------------------------------
# Checking a blueprint


def _kind_label(kind: str) -> str:
    return str(ItemKind(kind).label)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+").isdigit():
        return int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return None


def _score(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not score.is_finite() or score <= 0 or score > MAX_SCORE_PER_ITEM or score != score.quantize(Decimal("0.1")):
        return None
    return score.quantize(Decimal("0.1"))


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _clean_sections(sections: Any) -> list[dict[str, Any]]:
    if not isinstance(sections, (list, tuple)) or not sections:
        raise DomainError(_("请至少设置一种题型的题量和分值。"), field="sections")
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in sections:
        if not isinstance(row, Mapping):
            raise DomainError(_("题型结构格式不正确。"), field="sections")
        kind = row.get("kind")
        if kind not in ItemKind.values:
            raise DomainError(_("题型“%(kind)s”不存在。") % {"kind": kind}, field="sections")
        label = _kind_label(kind)
        if kind in seen:
            raise DomainError(_("题型“%(kind)s”重复设置，每种题型只能出现一次。") % {"kind": label}, field="sections")
        seen.add(kind)
        count = _whole_number(row.get("count"))
        if count is None or count <= 0:
            raise DomainError(_("%(kind)s的题量必须是大于0的整数。") % {"kind": label}, field="sections")
        score = _score(row.get("score"))
        if score is None:
            raise DomainError(_("%(kind)s的每题分值必须大于0、不超过%(max)s分，且最多一位小数。")
                              % {"kind": label, "max": MAX_SCORE_PER_ITEM}, field="sections")
        cleaned.append({"kind": kind, "count": count, "score": _json_number(score)})
    total = sum(row["count"] for row in cleaned)
    if total > MAX_ITEMS_PER_PAPER:
        raise DomainError(_("每份试卷最多%(max)d题，方案共%(n)d题。") % {"max": MAX_ITEMS_PER_PAPER, "n": total},
                          field="sections")
    return cleaned


def _clean_shares(shares: Any, *, field: str, caption: str, keys: Iterable[str] | None = None) -> dict[str, int]:
    """Whole percentages summing to 100, or nothing at all (no constraint). Zero shares are dropped."""
    if shares in (None, "", {}):
        return {}
    if not isinstance(shares, Mapping):
        raise DomainError(_("%(c)s格式不正确。") % {"c": caption}, field=field)
    allowed = set(keys) if keys is not None else None
    cleaned: dict[str, int] = {}
    for raw_key, raw_value in shares.items():
        key = str(raw_key).strip()
        if not key:
            raise DomainError(_("%(c)s中有空白的名称。") % {"c": caption}, field=field)
        if allowed is not None and key not in allowed:
            raise DomainError(_("%(c)s中的“%(k)s”无效，难度只能是1至5。") % {"c": caption, "k": key}, field=field)
        if len(key) > 100:
            raise DomainError(_("鉴定要素“%(k)s…”超过100个字。") % {"k": key[:20]}, field=field)
        if key in cleaned:
            raise DomainError(_("%(c)s中“%(k)s”重复。") % {"c": caption, "k": key}, field=field)
        value = _whole_number(raw_value)
        if value is None or value < 0 or value > 100:
            raise DomainError(_("%(c)s中“%(k)s”的比重必须是0至100的整数。") % {"c": caption, "k": key}, field=field)
        if value:
            cleaned[key] = value
    if not cleaned:
        return {}
    total = sum(cleaned.values())
    if total != 100:
        raise DomainError(_("%(c)s合计必须为100%%，现为%(t)d%%。") % {"c": caption, "t": total}, field=field)
    return cleaned


def blueprint_clean(data: Mapping[str, Any], *, organisation_id: int) -> dict[str, Any]:
    """Check a blueprint's fields and return them normalised; DomainError (Chinese, with
    the field it concerns) at the first fault."""
    from skilleval.orgs.models import ScopeItem

    name = str(data.get("name") or "").strip()
    if not name:
        raise DomainError(_("请填写方案名称。"), field="name")
    if len(name) > 100:
        raise DomainError(_("方案名称不能超过100个字。"), field="name")
    occupation = data.get("occupation")
    if occupation is None:
        raise DomainError(_("请选择职业。"), field="occupation")
    level = _whole_number(data.get("level"))
    if level is None or not 1 <= level <= 5:
        raise DomainError(_("等级代码必须是1至5。"), field="level")
    in_scope = ScopeItem.objects.filter(organisation_id=organisation_id, occupation=occupation, level__code=level,
                                        removed_on=None).exists()
    if not in_scope:
        raise DomainError(_("该职业和等级不在本单位的备案范围内。"), field="occupation")
    duration = _whole_number(data.get("duration_minutes"))
    if duration is None or not 1 <= duration <= MAX_DURATION_MINUTES:
        raise DomainError(_("考试时长必须是1至%(max)d分钟。") % {"max": MAX_DURATION_MINUTES}, field="duration_minutes")
    return {
        "name": name,
        "occupation": occupation,
        "level": level,
        "sections": _clean_sections(data.get("sections")),
        "knowledge_shares": _clean_shares(data.get("knowledge_shares"), field="knowledge_shares",
                                          caption=_("鉴定要素比重")),
        "difficulty_shares": _clean_shares(data.get("difficulty_shares"), field="difficulty_shares",
                                           caption=_("难度比重"), keys=DIFFICULTIES),
        "duration_minutes": duration,
    }


def blueprint_total_score(blueprint: Blueprint) -> Decimal:
    """Sum of count x score over the sections."""
    return sum((Decimal(str(s["score"])) * int(s["count"]) for s in blueprint.sections), Decimal("0")).quantize(
        Decimal("0.1"))


def blueprint_sections(blueprint: Blueprint) -> list[dict[str, Any]]:
    """The sections for display: kind, its label, count, score per item and subtotal."""
    return [{"kind": s["kind"], "label": _kind_label(s["kind"]), "count": int(s["count"]),
             "score": Decimal(str(s["score"])).quantize(Decimal("0.1")),
             "subtotal": (Decimal(str(s["score"])) * int(s["count"])).quantize(Decimal("0.1"))}
            for s in blueprint.sections]


def blueprint_item_count(blueprint: Blueprint) -> int:
    return sum(int(s["count"]) for s in blueprint.sections)


def blueprint_can_edit(blueprint: Blueprint) -> bool:
    """A blueprint with papers is frozen, so each paper stays reproducible from it; copy it instead."""
    return not blueprint.papers.exists()


# ---------------------------------------------------------------------------------------------
# Writing a blueprint


def blueprint_create(*, actor: Actor, data: Mapping[str, Any]) -> Blueprint:
    _require_bank(actor, actor.organisation_id)
    assert actor.organisation_id is not None
    cleaned = blueprint_clean(data, organisation_id=actor.organisation_id)
    with transaction.atomic():
        blueprint = Blueprint.objects.create(organisation_id=actor.organisation_id, **cleaned)
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=blueprint,
                     summary=_("新建组卷方案（共%(n)d题，总分%(s)s）") % {
                         "n": blueprint_item_count(blueprint), "s": blueprint_total_score(blueprint)},
                     after=snapshot(blueprint, BLUEPRINT_FIELDS), organisation_id=blueprint.organisation_id)
    return blueprint


def blueprint_update(*, actor: Actor, blueprint: Blueprint, data: Mapping[str, Any]) -> Blueprint:
    _require_bank(actor, blueprint.organisation_id)
    cleaned = blueprint_clean(data, organisation_id=blueprint.organisation_id)
    with transaction.atomic():
        locked = Blueprint.objects.select_for_update().get(pk=blueprint.pk)
        if not blueprint_can_edit(locked):
            raise DomainError(_("该方案已用于组卷，不能再修改；请复制为新方案后修改。"))
        before = snapshot(locked, BLUEPRINT_FIELDS)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*cleaned.keys(), "updated_at"])
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, summary=_("修改组卷方案"),
                     before=before, after=snapshot(locked, BLUEPRINT_FIELDS), organisation_id=locked.organisation_id)
    for name in (*cleaned.keys(), "updated_at"):
        setattr(blueprint, name, getattr(locked, name))
    return locked


def blueprint_copy(*, actor: Actor, blueprint: Blueprint) -> Blueprint:
    """A new, editable blueprint with the same settings (for a frozen one)."""
    _require_bank(actor, blueprint.organisation_id)
    with transaction.atomic():
        copy = Blueprint.objects.create(
            organisation_id=blueprint.organisation_id, occupation_id=blueprint.occupation_id, level=blueprint.level,
            name=(_("%(name)s（副本）") % {"name": blueprint.name})[:100], sections=blueprint.sections,
            knowledge_shares=blueprint.knowledge_shares, difficulty_shares=blueprint.difficulty_shares,
            duration_minutes=blueprint.duration_minutes)
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=copy,
                     summary=_("复制组卷方案 #%(pk)d") % {"pk": blueprint.pk},
                     after=snapshot(copy, BLUEPRINT_FIELDS), organisation_id=copy.organisation_id)
    return copy


# ---------------------------------------------------------------------------------------------
# From shares to counts


@dataclass(frozen=True)
class Cell:
    """How many items of one kind a paper takes from one appraisal element and one
    difficulty; None where the blueprint leaves that dimension free."""

    kind: str
    knowledge_point: str | None
    difficulty: int | None
    needed: int

    @property
    def key(self) -> tuple[str, str | None, int | None]:
        return self.kind, self.knowledge_point, self.difficulty

    @property
    def kind_label(self) -> str:
        return _kind_label(self.kind)

    @property
    def label(self) -> str:
        parts = [_kind_label(self.kind)]
        if self.knowledge_point is not None:
            parts.append(_("鉴定要素“%(k)s”") % {"k": self.knowledge_point})
        if self.difficulty is not None:
            parts.append(_("难度%(d)d") % {"d": self.difficulty})
        return " · ".join(parts)


@dataclass(frozen=True)
class CellSupply:
    cell: Cell
    available: int

    @property
    def missing(self) -> int:
        return max(self.cell.needed - self.available, 0)


def _ordered_shares(shares: Mapping[str, Any]) -> list[tuple[str, int]]:
    """Shares in a fixed order (largest first, then by name): JSON objects keep no order
    in PostgreSQL (jsonb), and the order breaks ties in the rounding."""
    return sorted(((str(k), int(v)) for k, v in shares.items() if int(v) > 0), key=lambda kv: (-kv[1], kv[0]))


def apportion(total: int, percents: Sequence[int]) -> list[int]:
    """Largest-remainder rounding of `total` by percentages summing to 100: floors first,
    then one more to the largest remainders (ties: the larger share, then the earlier)."""
    quotas = [Fraction(total * pct, 100) for pct in percents]
    counts = [q.numerator // q.denominator for q in quotas]
    left = total - sum(counts)
    order = sorted(range(len(percents)), key=lambda i: (-(quotas[i] - counts[i]), -percents[i], i))
    for i in order[:left]:
        counts[i] += 1
    return counts


def _controlled_rounding(rows: list[int], row_shares: Sequence[int], columns: list[int],
                         column_shares: Sequence[int]) -> list[list[int]]:
    """Round the table rows[r] * column_shares[c] / 100 to integers with the given row and
    column totals, every cell the floor or ceiling of its exact value. Cells with the largest
    fractions are taken first; augmenting paths finish the job, as a 2-D table always has such
    a rounding. Deterministic."""
    exact = [[Fraction(n * pct, 100) for pct in column_shares] for n in rows]
    table = [[q.numerator // q.denominator for q in line] for line in exact]
    row_need = [rows[r] - sum(table[r]) for r in range(len(rows))]
    column_need = [columns[c] - sum(table[r][c] for r in range(len(rows))) for c in range(len(columns))]
    fractional = [[exact[r][c] != table[r][c] for c in range(len(columns))] for r in range(len(rows))]
    raised = [[False] * len(columns) for _r in rows]
    candidates = sorted(((r, c) for r in range(len(rows)) for c in range(len(columns)) if fractional[r][c]),
                        key=lambda rc: (-(exact[rc[0]][rc[1]] - table[rc[0]][rc[1]]), -row_shares[rc[0]], rc))
    for r, c in candidates:
        if row_need[r] > 0 and column_need[c] > 0:
            raised[r][c] = True
            row_need[r] -= 1
            column_need[c] -= 1

    def augment(start: int, allow_any: bool) -> bool:
        # Breadth-first: row -> column over a cell not yet raised, column -> row over a raised cell.
        came_from: dict[tuple[str, int], tuple[str, int] | None] = {("r", start): None}
        queue = [("r", start)]
        while queue:
            side, index = queue.pop(0)
            if side == "r":
                for c in range(len(columns)):
                    if raised[index][c] or not (fractional[index][c] or allow_any) or ("c", c) in came_from:
                        continue
                    came_from[("c", c)] = (side, index)
                    if column_need[c] > 0:
                        node: tuple[str, int] | None = ("c", c)
                        while node is not None:
                            previous = came_from[node]
                            if previous is None:
                                break
                            if node[0] == "c":  # previous is a row: raise that cell
                                raised[previous[1]][node[1]] = True
                            else:  # previous is a column: lower that cell
                                raised[node[1]][previous[1]] = False
                            node = previous
                        column_need[c] -= 1
                        row_need[start] -= 1
                        return True
                    queue.append(("c", c))
            else:
                for r in range(len(rows)):
                    if raised[r][index] and ("r", r) not in came_from:
                        came_from[("r", r)] = (side, index)
                        queue.append(("r", r))
        return False

    for allow_any in (False, True):
        for r in range(len(rows)):
            while row_need[r] > 0 and augment(r, allow_any):
                pass
    if any(row_need) or any(column_need):  # pragma: no cover - impossible for consistent totals
        raise AssertionError("controlled rounding failed")
    return [[table[r][c] + raised[r][c] for c in range(len(columns))] for r in range(len(rows))]


def blueprint_cells(blueprint: Blueprint) -> list[Cell]:
    """The blueprint's targets, cell by cell, in paper order: sections in their order, then
    appraisal elements (largest share first), then difficulties 1 to 5. Empty cells are left out."""
    knowledge = _ordered_shares(blueprint.knowledge_shares or {})
    difficulty = sorted(((int(k), int(v)) for k, v in (blueprint.difficulty_shares or {}).items() if int(v) > 0))
    cells: list[Cell] = []
    for section in blueprint.sections:
        kind, count = section["kind"], int(section["count"])
        row_keys: list[str | None] = [k for k, _pct in knowledge] or [None]
        row_shares = [pct for _k, pct in knowledge] or [100]
        column_keys: list[int | None] = [d for d, _pct in difficulty] or [None]
        column_shares = [pct for _d, pct in difficulty] or [100]
        rows = apportion(count, row_shares)
        columns = apportion(count, column_shares)
        table = _controlled_rounding(rows, row_shares, columns, column_shares)
        for r, point in enumerate(row_keys):
            for c, level in enumerate(column_keys):
                if table[r][c]:
                    cells.append(Cell(kind, point, level, table[r][c]))
    return cells


# ---------------------------------------------------------------------------------------------
# What the bank holds


def _approved_items(blueprint: Blueprint):
    qs = QuestionItem.objects.filter(organisation_id=blueprint.organisation_id, occupation_id=blueprint.occupation_id,
                                     level=blueprint.level, status=ItemStatus.APPROVED,
                                     kind__in=[s["kind"] for s in blueprint.sections])
    if blueprint.knowledge_shares:
        qs = qs.filter(knowledge_point__in=list(blueprint.knowledge_shares))
    if blueprint.difficulty_shares:
        qs = qs.filter(difficulty__in=[int(d) for d in blueprint.difficulty_shares])
    return qs


def _cell_key(blueprint: Blueprint, kind: str, point: str, difficulty: int) -> tuple[str, str | None, int | None]:
    return (kind, point if blueprint.knowledge_shares else None,
            difficulty if blueprint.difficulty_shares else None)


def blueprint_supply(blueprint: Blueprint) -> list[CellSupply]:
    """Each target cell with the number of approved items the bank holds for it (one query)."""
    cells = blueprint_cells(blueprint)
    available: dict[tuple[str, str | None, int | None], int] = defaultdict(int)
    rows = _approved_items(blueprint).order_by().values_list("kind", "knowledge_point", "difficulty").annotate(
        n=Count("pk"))
    for kind, point, difficulty, n in rows:
        available[_cell_key(blueprint, kind, point, difficulty)] += n
    return [CellSupply(cell, available.get(cell.key, 0)) for cell in cells]


def _shortfall_lines(supply: Iterable[CellSupply]) -> list[str]:
    return [_("%(cell)s：需要%(n)d题，题库只有%(a)d题，缺%(m)d题") % {
        "cell": s.cell.label, "n": s.cell.needed, "a": s.available, "m": s.missing} for s in supply if s.missing]


def blueprint_shortfalls(blueprint: Blueprint, *, supply: Sequence[CellSupply] | None = None) -> list[str]:
    """Why the approved bank cannot fill the blueprint, one line per short cell, e.g.
    "单项选择题 · 鉴定要素“车削加工” · 难度3：需要12题，题库只有9题，缺3题". Empty when it can.
    Pass `supply` (from blueprint_supply) to save its query."""
    return _shortfall_lines(blueprint_supply(blueprint) if supply is None else supply)


# ---------------------------------------------------------------------------------------------
# Assembly


class _Pools:
    """The approved items of a blueprint, loaded once (ids only, by id), in its cells."""

    def __init__(self, blueprint: Blueprint):
        self.cells = blueprint_cells(blueprint)
        pools: dict[tuple[str, str | None, int | None], list[int]] = defaultdict(list)
        for pk, kind, point, difficulty in _approved_items(blueprint).order_by("pk").values_list(
                "pk", "kind", "knowledge_point", "difficulty").iterator(chunk_size=5000):
            pools[_cell_key(blueprint, kind, point, difficulty)].append(pk)
        self.pools = {cell.key: pools.get(cell.key, []) for cell in self.cells}
        self.shortfalls = _shortfall_lines(CellSupply(c, len(self.pools[c.key])) for c in self.cells)
        self.sections = [(s["kind"], Decimal(str(s["score"])).quantize(Decimal("0.1"))) for s in blueprint.sections]
        self.total = blueprint_total_score(blueprint)

    def draw(self, seed: int) -> list[tuple[int, Decimal]]:
        """One paper: (item id, score) in paper order. Sections keep the blueprint's order;
        inside a section the drawn items are shuffled."""
        rng = random.Random(seed)
        chosen: dict[str, list[int]] = defaultdict(list)
        for cell in self.cells:
            chosen[cell.kind].extend(rng.sample(self.pools[cell.key], cell.needed))
        paper: list[tuple[int, Decimal]] = []
        for kind, score in self.sections:
            items = chosen[kind]
            rng.shuffle(items)
            paper.extend((pk, score) for pk in items)
        return paper


def _check_seed(seed: Any) -> int:
    value = _whole_number(seed)
    if value is None or not 0 <= value <= MAX_SEED:
        raise DomainError(_("随机种子必须是0至%(max)d之间的整数。") % {"max": MAX_SEED}, field="seed")
    return value


def derive_seed(base_seed: int, key: str, attempt: int = 0) -> int:
    """A candidate's own seed from the call's base seed and the candidate's key (63 bits)."""
    digest = hashlib.blake2b(f"{base_seed}\x1f{key}\x1f{attempt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _write(blueprint: Blueprint, drawn: list[tuple[int, str, list[tuple[int, Decimal]]]], total: Decimal) -> list[Paper]:
    """Bulk-insert papers and their items, a chunk at a time."""
    papers: list[Paper] = []
    for start in range(0, len(drawn), WRITE_CHUNK):
        chunk = drawn[start:start + WRITE_CHUNK]
        created = Paper.objects.bulk_create(
            [Paper(blueprint=blueprint, seed=seed, variant=variant, total_score=total) for seed, variant, _i in chunk])
        rows = [PaperItem(paper_id=paper.pk, item_id=pk, order=order, score=score)
                for paper, (_s, _v, items) in zip(created, chunk, strict=True)
                for order, (pk, score) in enumerate(items, start=1)]
        PaperItem.objects.bulk_create(rows, batch_size=2000)
        papers.extend(created)
    return papers


def paper_assemble(*, actor: Actor, blueprint: Blueprint, seed: int, variant: str = "") -> Paper:
    """Assemble one paper from the approved items of the blueprint's organisation, occupation
    and level, meeting every cell's count. Same seed, same items in the same order (for an
    unchanged bank). ShortfallError (a DomainError with `.shortfalls`) when the bank cannot."""
    _require_assembler(actor, blueprint)
    seed = _check_seed(seed)
    variant = str(variant or "").strip()
    if len(variant) > MAX_VARIANT_LENGTH:
        raise DomainError(_("卷别不能超过%(n)d个字。") % {"n": MAX_VARIANT_LENGTH}, field="variant")
    pools = _Pools(blueprint)
    if pools.shortfalls:
        raise ShortfallError(pools.shortfalls)
    with transaction.atomic():
        [paper] = _write(blueprint, [(seed, variant, pools.draw(seed))], pools.total)
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=paper,
                     summary=_("按方案“%(b)s”组卷（种子%(s)d）") % {"b": blueprint.name, "s": seed},
                     after={"blueprint": blueprint.pk, "seed": seed, "variant": variant,
                            "items": blueprint_item_count(blueprint), "total_score": pools.total},
                     organisation_id=blueprint.organisation_id)
    return paper


def papers_for_candidates(*, actor: Actor, blueprint: Blueprint, keys: Sequence[str], base_seed: int,
                          mode: str = MODE_PER_CANDIDATE) -> list[Paper]:
    """Papers for a list of candidates (`keys`, e.g. ticket numbers), aligned with `keys`.

    - mode "per_candidate" (一人一卷): every key gets its own paper, variant = the key, seed
      derived from `base_seed` and the key; no two papers have the same items in the same order.
    - mode "ab" (A/B 卷): two papers, variants "A" and "B", handed out alternately along
      `keys` (A, B, A, B, ...), so neighbours in seat order hold different variants.

    The approved items are read once, papers are drawn in memory and written in bulk; the
    whole call is one transaction and one audit event. ShortfallError when the bank cannot
    fill the blueprint."""
    _require_assembler(actor, blueprint)
    base_seed = _check_seed(base_seed)
    if mode not in (MODE_PER_CANDIDATE, MODE_AB):
        raise DomainError(_("组卷方式无效。"), field="mode")
    keys = [str(k).strip() for k in keys]
    if not keys:
        raise DomainError(_("请至少提供一名考生。"), field="keys")
    if len(keys) > MAX_PAPERS_PER_CALL:
        raise DomainError(_("一次最多为%(n)d名考生组卷。") % {"n": MAX_PAPERS_PER_CALL}, field="keys")
    if mode == MODE_PER_CANDIDATE:
        if any(not k for k in keys):
            raise DomainError(_("考生编号不能为空。"), field="keys")
        if any(len(k) > MAX_VARIANT_LENGTH for k in keys):
            raise DomainError(_("考生编号不能超过%(n)d个字。") % {"n": MAX_VARIANT_LENGTH}, field="keys")
        if len(set(keys)) != len(keys):
            raise DomainError(_("考生编号有重复。"), field="keys")
    pools = _Pools(blueprint)
    if pools.shortfalls:
        raise ShortfallError(pools.shortfalls)

    variants = list(keys) if mode == MODE_PER_CANDIDATE else list(AB_VARIANTS)
    drawn: list[tuple[int, str, list[tuple[int, Decimal]]]] = []
    seen: set[tuple[int, ...]] = set()
    for variant in variants:
        for attempt in range(DISTINCT_ATTEMPTS):
            seed = derive_seed(base_seed, variant, attempt)
            items = pools.draw(seed)
            signature = tuple(pk for pk, _score in items)
            if signature not in seen:
                break
        else:
            raise DomainError(_("题库中的试题太少，无法为每位考生生成不同的试卷。"))
        seen.add(signature)
        drawn.append((seed, variant, items))

    with transaction.atomic():
        papers = _write(blueprint, drawn, pools.total)
        label = _("一人一卷") if mode == MODE_PER_CANDIDATE else _("A/B卷")
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=blueprint,
                     summary=_("按方案组卷（%(mode)s）：%(k)d名考生，%(p)d份试卷") % {
                         "mode": label, "k": len(keys), "p": len(papers)},
                     after={"mode": mode, "base_seed": base_seed, "candidates": len(keys),
                            "papers": [p.pk for p in papers], "items": blueprint_item_count(blueprint),
                            "total_score": pools.total},
                     organisation_id=blueprint.organisation_id)
    if mode == MODE_AB:
        return [papers[i % 2] for i in range(len(keys))]
    return papers


# ---------------------------------------------------------------------------------------------
# Documents


DOCUMENTS = {"paper.pdf": "paper_pdf", "key.pdf": "answer_key_pdf"}


def paper_document(*, actor: Actor, paper: Paper, document: str) -> tuple[bytes, str, str]:
    """The printable paper or its answer key as PDF, with the export recorded; LookupError
    for an unknown document."""
    from .. import documents

    builder = DOCUMENTS[document]
    _require_bank(actor, paper.blueprint.organisation_id)
    caption = _("试卷") if document == "paper.pdf" else _("标准答案")
    content = getattr(documents, builder)(paper)
    audit_record(actor=actor, action=AuditEvent.Action.EXPORT, obj=paper,
                 summary=_("导出%(c)s PDF") % {"c": caption}, organisation_id=paper.blueprint.organisation_id)
    stem = "paper" if document == "paper.pdf" else "answer-key"
    variant = f"-{paper.variant}" if paper.variant and paper.variant.isascii() and paper.variant.isalnum() else ""
    return content, "application/pdf", f"{stem}-{paper.pk}{variant}.pdf"
