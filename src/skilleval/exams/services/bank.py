"""The question bank (题库): an organisation's theory items and practical tasks per
occupation and level (DOMAIN.md §3.6).

Every write is here: create and update (drafts only), approve (draft -> approved) and
retire (approved -> retired), the XLSX import as a background job and the XLSX export.
The bank is confidential: only the organisation's 题库管理人员 (Perm.BANK_MANAGE) may
act on it, for their own organisation only, and every view or export of item content
writes an audit event (`*_record_view`, `*_export_xlsx`).

Validation is one function per kind of row (`question_item_check`, `practical_task_check`)
used by the forms, the services and the import alike; it answers a list of
(field, Chinese message) so each message lands at its field (or, in the import, at
its column). The paper assembler reads approved `QuestionItem` rows directly; the
stored shapes are:
- `options`: [{"key": "A", "text": "…"}, …], letters from A without gaps (choice kinds only);
- `answer`: ["A"] (single), ["A", "B", "D"] (multiple), true/false (true_false), the
  reference text (short);
- `PracticalTask.rubric`: [{"item": "…", "points": 40, "criteria": "…"}, …], points > 0."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from skilleval.accounts.access import Actor, Perm
from skilleval.catalog.models import Level, Occupation
from skilleval.core.audit import audit_record, snapshot
from skilleval.core.errors import DomainError
from skilleval.core.jobs import Progress, job_task
from skilleval.core.models import AuditEvent, Job
from skilleval.core.tabular import RowError, error_report_xlsx, merged_ranges_message, read_table, write_xlsx
from skilleval.orgs.models import Organisation, ScopeItem

from ..models import ItemKind, ItemStatus, PracticalTask, QuestionItem

LETTERS = ("A", "B", "C", "D", "E", "F")
CHOICE_KINDS = frozenset({ItemKind.SINGLE, ItemKind.MULTIPLE})
MIN_OPTIONS = {ItemKind.SINGLE: 2, ItemKind.MULTIPLE: 3}
CODE_RE = re.compile(r"[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_.\-\u4e00-\u9fff]{0,39}")
STEM_MAX = 4000
OPTION_MAX = 500
ANSWER_MAX = 4000
RUBRIC_CRITERIA_MAX = 500

# The short words of the import file and the export, and the words a file may use.
KIND_WORDS = {ItemKind.SINGLE: "单选", ItemKind.MULTIPLE: "多选", ItemKind.TRUE_FALSE: "判断", ItemKind.SHORT: "简答"}


def _kind_aliases() -> dict[str, str]:
    aliases = {"单项选择": ItemKind.SINGLE.value, "多项选择": ItemKind.MULTIPLE.value,
               "是非题": ItemKind.TRUE_FALSE.value, "问答题": ItemKind.SHORT.value}
    for kind, word in KIND_WORDS.items():
        for alias in (word, word + "题", str(kind.label), kind.value):
            aliases[alias.lower()] = kind.value
    return aliases


_KIND_ALIASES = _kind_aliases()
_TRUE = {"对", "正确", "√", "✓", "T", "TRUE", "Y", "YES", "是", "1"}
_FALSE = {"错", "错误", "×", "✗", "X", "F", "FALSE", "N", "NO", "否", "0"}
_ANSWER_SEPARATORS = re.compile(r"[\s,，、;；/|]+")
_RUBRIC_SPLIT = re.compile(r"[|｜]")

# The import template's columns, in order.
IMPORT_COLUMNS = ["试题编号", "职业编码", "等级", "题型", "题干", *[f"选项{x}" for x in LETTERS], "答案", "鉴定要素", "难度"]
REQUIRED_COLUMNS = ("试题编号", "职业编码", "等级", "题型", "题干", "答案", "鉴定要素", "难度")
EXPORT_COLUMNS = [*IMPORT_COLUMNS, "状态"]
FIELD_COLUMNS = {"code": "试题编号", "occupation": "职业编码", "level": "等级", "kind": "题型", "stem": "题干",
                 **{f"option_{x.lower()}": f"选项{x}" for x in LETTERS}, "answer": "答案",
                 "knowledge_point": "鉴定要素", "difficulty": "难度"}
EXAMPLE_PREFIX = "示例"
MAX_IMPORT_ROWS = 20_000
PROGRESS_EVERY = 200
_CHUNK = 500


class BankInvalid(DomainError):
    """One or more fields are wrong; `errors` lists (field, Chinese message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors[0][1], field=errors[0][0])
        self.errors = errors


# ---------------------------------------------------------------------------------------------
# Access, scope and levels


def _require_bank(actor: Actor, organisation_id: int | None = None) -> int:
    """The actor's organisation, when they are its question-bank staff (and, with
    `organisation_id`, it is theirs)."""
    actor.require(Perm.BANK_MANAGE)
    if not actor.organisation_id:
        raise DomainError(_("您不属于任何评价机构，不能管理题库。"))
    if organisation_id is not None and organisation_id != actor.organisation_id:
        raise DomainError(_("您只能管理本单位的题库。"))
    return actor.organisation_id


def bank_scope(organisation_id: int) -> dict[str, set[int]]:
    """Occupation code -> the levels of the organisation's current approved scope."""
    scope: dict[str, set[int]] = {}
    rows = ScopeItem.objects.filter(organisation_id=organisation_id, removed_on=None).values_list(
        "occupation__code", "level__code")
    for code, level in rows:
        if level is not None:
            scope.setdefault(code, set()).add(level)
    return scope


def bank_occupations(organisation_id: int) -> list[Occupation]:
    """The occupations of the organisation's current scope, for choosing in a form."""
    return list(Occupation.objects.filter(
        pk__in=ScopeItem.objects.filter(organisation_id=organisation_id, removed_on=None).values("occupation_id"))
        .order_by("code"))


def level_words() -> dict[str, int]:
    """Every way a certificate level may be written ("5", "5级", "五级", "初级工",
    "五级/初级工") -> its code, from the Level reference data."""
    words: dict[str, int] = {}
    for code, name, title in _certificate_levels():
        for text in (str(code), f"{code}级", name, title, f"{name}/{title}" if title else name):
            if text:
                words[text] = code
    return words


def _certificate_levels() -> list[tuple[int, str, str]]:
    rows = Level.objects.filter(code__isnull=False).values_list("code", "name", "title")
    return [(code, name, title) for code, name, title in rows if code is not None]


def level_labels() -> dict[int, str]:
    return {code: f"{name}/{title}" if title else name for code, name, title in _certificate_levels()}


def _parse_level(value: Any, words: dict[str, int]) -> int | None:
    if isinstance(value, int):
        return value if value in words.values() else None
    key = str(value or "").replace(" ", "").replace("／", "/")
    if key.endswith(".0"):
        key = key[:-2]
    return words.get(key)


class _Lookups:
    """What a row is checked against, loaded once (per import, or per form)."""

    def __init__(self, organisation_id: int, codes: Iterable[str] = ()) -> None:
        self.organisation_id = organisation_id
        self.scope = bank_scope(organisation_id)
        self.levels = level_words()
        self.labels = level_labels()
        wanted = set(self.scope) | {c for c in codes if c}
        self.occupations: dict[str, Occupation] = {}
        ordered = sorted(wanted)
        for start in range(0, len(ordered), _CHUNK):
            self.occupations.update({o.code: o for o in Occupation.objects.filter(code__in=ordered[start:start + _CHUNK])})

    def level_label(self, code: int) -> str:
        return self.labels.get(code, str(code))


def _scope_problem(lookups: _Lookups, occupation: Occupation | None, level: int | None) -> tuple[str, str] | None:
    if occupation is None or level is None:
        return None
    levels = lookups.scope.get(occupation.code)
    if not levels:
        return "occupation", _("职业“%(c)s %(n)s”不在本单位当前的备案范围内，不能为其建题。") % {
            "c": occupation.code, "n": occupation.name}
    if level not in levels:
        return "level", _("本单位备案范围内“%(n)s”的等级为：%(l)s；不含%(x)s。") % {
            "n": occupation.name, "l": "、".join(lookups.level_label(c) for c in sorted(levels, reverse=True)),
            "x": lookups.level_label(level)}
    return None


def _check_common(*, lookups: _Lookups, code: str, occupation_code: str, level: Any,
                  problems: list[tuple[str, str]]) -> tuple[str, Occupation | None, int | None]:
    code = (code or "").strip()
    if not code:
        problems.append(("code", _("请填写试题编号。")))
    elif not CODE_RE.fullmatch(code):
        problems.append(("code", _("试题编号“%(v)s”不正确：最多40个字符，只能使用字母、数字、汉字和 - _ .。") % {
            "v": code[:40]}))
    occupation_code = (occupation_code or "").strip()
    occupation = None
    if not occupation_code:
        problems.append(("occupation", _("请选择职业（填写职业编码）。")))
    else:
        occupation = lookups.occupations.get(occupation_code)
        if occupation is None:
            problems.append(("occupation", _("职业编码“%(c)s”不存在，请对照国家职业分类大典填写，如 6-18-01-01。") % {
                "c": occupation_code[:20]}))
    level_code = None
    if level in (None, ""):
        problems.append(("level", _("请填写等级。")))
    else:
        level_code = _parse_level(level, lookups.levels)
        if level_code is None:
            problems.append(("level", _("等级“%(v)s”不正确，应填1至5，或 五级、四级、三级、二级、一级。") % {
                "v": str(level)[:20]}))
    scope_problem = _scope_problem(lookups, occupation, level_code)
    if scope_problem:
        problems.append(scope_problem)
    return code, occupation, level_code


# ---------------------------------------------------------------------------------------------
# Theory items: checking


@dataclass
class ItemData:
    """A theory item as a person writes it (form, file or API): the answer as text
    ("A", "ABD", "对"/"错", or the reference text) or already structured."""

    code: str = ""
    occupation_code: str = ""
    level: Any = None
    kind: str = ""
    stem: str = ""
    options: dict[str, str] = field(default_factory=dict)  # letter -> text; blanks are no option
    answer: Any = ""
    knowledge_point: str = ""
    difficulty: Any = 3


@dataclass
class CheckedItem:
    code: str
    occupation: Occupation
    level: int
    kind: str
    stem: str
    options: list[dict[str, str]]
    answer: Any
    knowledge_point: str
    difficulty: int

    def values(self) -> dict[str, Any]:
        return {"occupation": self.occupation, "level": self.level, "kind": self.kind, "stem": self.stem,
                "options": self.options, "answer": self.answer, "knowledge_point": self.knowledge_point,
                "difficulty": self.difficulty}


ITEM_FIELDS = ("code", "occupation_id", "level", "kind", "stem", "options", "answer", "knowledge_point", "difficulty")


def _option_field(letter: str) -> str:
    return f"option_{letter.lower()}"


def _check_options(kind: str, options: dict[str, str], problems: list[tuple[str, str]]) -> list[dict[str, str]]:
    filled = {k.upper(): str(v or "").strip() for k, v in (options or {}).items()}
    if any(key not in LETTERS for key in filled):
        problems.append(("options", _("选项只能是A至F。")))
    filled = {k: v for k, v in filled.items() if k in LETTERS and v}
    if kind not in CHOICE_KINDS:
        for letter in LETTERS:
            if letter in filled:
                problems.append((_option_field(letter), _("%(k)s不设选项，请清空选项%(l)s。") % {
                    "k": ItemKind(kind).label, "l": letter}))
        return []
    result = []
    seen: dict[str, str] = {}
    last = max((LETTERS.index(k) for k in filled), default=-1)
    for letter in LETTERS[:last + 1]:
        text = filled.get(letter, "")
        if not text:
            problems.append((_option_field(letter), _("选项须从A起连续填写：已填写选项%(n)s，请先填写选项%(l)s。") % {
                "n": LETTERS[last], "l": letter}))
            continue
        if len(text) > OPTION_MAX:
            problems.append((_option_field(letter), _("选项不能超过%(n)d个字符（当前%(m)d个）。") % {
                "n": OPTION_MAX, "m": len(text)}))
        if text in seen:
            problems.append((_option_field(letter), _("选项%(l)s与选项%(o)s内容相同。") % {"l": letter, "o": seen[text]}))
        seen.setdefault(text, letter)
        result.append({"key": letter, "text": text})
    needed = MIN_OPTIONS[ItemKind(kind)]
    if last + 1 < needed:
        letter = LETTERS[last + 1]
        problems.append((_option_field(letter), _("%(k)s至少需要%(n)d个选项，请填写选项%(l)s。") % {
            "k": ItemKind(kind).label, "n": needed, "l": letter}))
    return result


def _check_answer(kind: str, answer: Any, options: list[dict[str, str]], problems: list[tuple[str, str]]) -> Any:
    if kind in CHOICE_KINDS:
        if isinstance(answer, (list, tuple)):
            text = "".join(str(a) for a in answer)
        else:
            text = str(answer if answer is not None else "")
        text = _ANSWER_SEPARATORS.sub("", text).upper()
        if not text:
            problems.append(("answer", _("请填写标准答案（选项字母，如 A 或 ABD）。")))
            return None
        if any(ch not in LETTERS for ch in text):
            problems.append(("answer", _("答案“%(v)s”不正确，应填选项字母，如 A 或 ABD。") % {"v": str(answer)[:20]}))
            return None
        keys = sorted(set(text))
        offered = [o["key"] for o in options]
        missing = [k for k in keys if k not in offered]
        if missing and offered:
            problems.append(("answer", _("答案%(k)s不在已填写的选项（%(o)s）中。") % {
                "k": "".join(missing), "o": "".join(offered)}))
            return None
        if kind == ItemKind.SINGLE and len(keys) != 1:
            problems.append(("answer", _("单项选择题只能有一个正确答案（当前为 %(k)s）。") % {"k": "".join(keys)}))
        if kind == ItemKind.MULTIPLE and len(keys) < 2:
            problems.append(("answer", _("多项选择题至少有两个正确答案（当前为 %(k)s）。") % {"k": "".join(keys)}))
        return keys
    if kind == ItemKind.TRUE_FALSE:
        if isinstance(answer, bool):
            return answer
        text = str(answer if answer is not None else "").strip().upper()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        problems.append(("answer", _("判断题答案应填“对”或“错”。") if not text else
                         _("判断题答案“%(v)s”不正确，应填“对”或“错”。") % {"v": text[:20]}))
        return None
    text = str(answer if answer is not None else "").strip()
    if not text:
        problems.append(("answer", _("请填写参考答案（简答题的评分要点）。")))
        return None
    if len(text) > ANSWER_MAX:
        problems.append(("answer", _("参考答案不能超过%(n)d个字符（当前%(m)d个）。") % {"n": ANSWER_MAX, "m": len(text)}))
    return text


def _check_difficulty(value: Any, problems: list[tuple[str, str]]) -> int | None:
    text = str(value if value is not None else "").strip().removesuffix(".0")
    if not text:
        problems.append(("difficulty", _("请填写难度（1至5）。")))
        return None
    if not text.isdigit() or not 1 <= int(text) <= 5:
        problems.append(("difficulty", _("难度应为1至5的整数（1最易，5最难）。")))
        return None
    return int(text)


def question_item_check(*, organisation_id: int, data: ItemData,
                        lookups: _Lookups | None = None) -> tuple[CheckedItem | None, list[tuple[str, str]]]:
    """Check one theory item without saving: the cleaned item, or the problems as
    (field, Chinese message) pairs. Fields: code, occupation, level, kind, stem,
    option_a … option_f, answer, knowledge_point, difficulty."""
    lookups = lookups or _Lookups(organisation_id, [str(data.occupation_code or "").strip()])
    problems: list[tuple[str, str]] = []
    code, occupation, level = _check_common(lookups=lookups, code=data.code, occupation_code=data.occupation_code,
                                            level=data.level, problems=problems)
    kind_text = str(data.kind or "").strip()
    kind = _KIND_ALIASES.get(kind_text.lower())
    if not kind_text:
        problems.append(("kind", _("请选择题型。")))
    elif kind is None:
        problems.append(("kind", _("题型“%(v)s”不正确，应为 单选、多选、判断 或 简答。") % {"v": kind_text[:20]}))
    stem = str(data.stem or "").strip()
    if not stem:
        problems.append(("stem", _("请填写题干。")))
    elif len(stem) > STEM_MAX:
        problems.append(("stem", _("题干不能超过%(n)d个字符（当前%(m)d个）。") % {"n": STEM_MAX, "m": len(stem)}))
    options: list[dict[str, str]] = []
    answer = None
    if kind is not None:
        options = _check_options(kind, data.options, problems)
        answer = _check_answer(kind, data.answer, options, problems)
    knowledge_point = str(data.knowledge_point or "").strip()
    if not knowledge_point:
        problems.append(("knowledge_point", _("请填写鉴定要素（本题考核的知识点）。")))
    elif len(knowledge_point) > 100:
        problems.append(("knowledge_point", _("鉴定要素不能超过100个字符（当前%(m)d个）。") % {"m": len(knowledge_point)}))
    difficulty = _check_difficulty(data.difficulty, problems)
    if problems or occupation is None or level is None or kind is None or difficulty is None:
        return None, problems
    return CheckedItem(code=code, occupation=occupation, level=level, kind=kind, stem=stem, options=options,
                       answer=answer, knowledge_point=knowledge_point, difficulty=difficulty), []


def item_answer_text(item: QuestionItem) -> str:
    """The standard answer as a person writes it: "A", "ABD", "对"/"错", or the text."""
    answer = item.answer
    if item.kind in CHOICE_KINDS:
        return "".join(answer or [])
    if item.kind == ItemKind.TRUE_FALSE:
        return _("对") if answer is True else _("错") if answer is False else ""
    return str(answer or "")


def item_options(item: QuestionItem) -> dict[str, str]:
    return {o.get("key", ""): o.get("text", "") for o in (item.options or [])}


def item_data_from(item: QuestionItem) -> ItemData:
    """An item's data in the shape a form or file writes it (for editing)."""
    return ItemData(code=item.code, occupation_code=item.occupation.code, level=item.level, kind=item.kind,
                    stem=item.stem, options=item_options(item), answer=item_answer_text(item),
                    knowledge_point=item.knowledge_point, difficulty=item.difficulty)


# ---------------------------------------------------------------------------------------------
# Theory items: writes and transitions


def _audit(actor: Actor, obj: Any, action: str, summary: str, *, organisation_id: int, **kwargs: Any) -> None:
    audit_record(actor=actor, action=action, obj=obj, summary=summary, organisation_id=organisation_id, **kwargs)


def _code_taken(model: type[QuestionItem] | type[PracticalTask], organisation_id: int, code: str,
                exclude_pk: int | None = None) -> bool:
    qs = model.objects.filter(organisation_id=organisation_id, code=code)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


@transaction.atomic
def question_item_create(*, actor: Actor, data: ItemData) -> QuestionItem:
    """A new draft theory item of the actor's organisation."""
    organisation_id = _require_bank(actor)
    checked, problems = question_item_check(organisation_id=organisation_id, data=data)
    if checked is None:
        raise BankInvalid(problems)
    if _code_taken(QuestionItem, organisation_id, checked.code):
        raise BankInvalid([("code", _("试题编号“%(c)s”已存在，请换一个编号。") % {"c": checked.code})])
    try:
        with transaction.atomic():
            item = QuestionItem.objects.create(organisation_id=organisation_id, code=checked.code,
                                               created_by=actor.user, **checked.values())
    except IntegrityError:
        raise BankInvalid([("code", _("试题编号“%(c)s”已存在，请换一个编号。") % {"c": checked.code})]) from None
    _audit(actor, item, AuditEvent.Action.CREATE, _("新建理论试题 %(c)s") % {"c": item.code},
           after=snapshot(item, ITEM_FIELDS), organisation_id=organisation_id)
    return item


def _lock_item(item: QuestionItem) -> QuestionItem:
    return QuestionItem.objects.select_for_update().select_related("occupation").get(pk=item.pk)


@transaction.atomic
def question_item_update(*, actor: Actor, item: QuestionItem, data: ItemData) -> QuestionItem:
    """Change a draft item. An approved item is never edited (papers use it): retire
    it and write a new one."""
    item = _lock_item(item)
    organisation_id = _require_bank(actor, item.organisation_id)
    if item.status != ItemStatus.DRAFT:
        raise DomainError(_("试题“%(c)s”%(s)s，不能修改；如需修改请停用后另建新题。") % {
            "c": item.code, "s": item.get_status_display()})
    checked, problems = question_item_check(organisation_id=organisation_id, data=data)
    if checked is None:
        raise BankInvalid(problems)
    if checked.code != item.code and _code_taken(QuestionItem, organisation_id, checked.code, item.pk):
        raise BankInvalid([("code", _("试题编号“%(c)s”已存在，请换一个编号。") % {"c": checked.code})])
    before = snapshot(item, ITEM_FIELDS)
    item.code = checked.code
    for name, value in checked.values().items():
        setattr(item, name, value)
    item.save(update_fields=[*(f.removesuffix("_id") for f in ITEM_FIELDS), "updated_at"])
    _audit(actor, item, AuditEvent.Action.UPDATE, _("修改理论试题 %(c)s") % {"c": item.code}, before=before,
           after=snapshot(item, ITEM_FIELDS), organisation_id=organisation_id)
    return item


def _transition(*, actor: Actor, obj: Any, lock: Any, source: str, target: str, summary: str,
                refusal: str, reason: str = "") -> Any:
    obj = lock(obj)
    organisation_id = _require_bank(actor, obj.organisation_id)
    if obj.status != source:
        raise DomainError(refusal % {"c": obj.code, "s": obj.get_status_display()})
    before = obj.status
    obj.status = target
    obj.save(update_fields=["status", "updated_at"])
    after: dict[str, Any] = {"status": target}
    if reason:
        after["reason"] = reason
    _audit(actor, obj, AuditEvent.Action.TRANSITION, summary % {"c": obj.code} + (f"：{reason}" if reason else ""),
           before={"status": before}, after=after, organisation_id=organisation_id)
    return obj


@transaction.atomic
def question_item_approve(*, actor: Actor, item: QuestionItem) -> QuestionItem:
    """审定: a draft item becomes usable in papers."""
    return _transition(actor=actor, obj=item, lock=_lock_item, source=ItemStatus.DRAFT, target=ItemStatus.APPROVED,
                       summary=_("审定理论试题 %(c)s"),
                       refusal=_("试题“%(c)s”当前为“%(s)s”，只有草稿可以审定。"))


@transaction.atomic
def question_item_retire(*, actor: Actor, item: QuestionItem, reason: str = "") -> QuestionItem:
    """停用: an approved item leaves new papers (papers already made keep it)."""
    return _transition(actor=actor, obj=item, lock=_lock_item, source=ItemStatus.APPROVED, target=ItemStatus.RETIRED,
                       summary=_("停用理论试题 %(c)s"), reason=(reason or "").strip()[:200],
                       refusal=_("试题“%(c)s”当前为“%(s)s”，只有已审定的试题可以停用。"))


@transaction.atomic
def question_items_approve_many(*, actor: Actor, items: QuerySet[QuestionItem]) -> int:
    """Approve every draft among `items` (the actor's scoped, filtered list), one audit
    event per item. Returns how many were approved."""
    organisation_id = _require_bank(actor)
    locked = list(QuestionItem.objects.select_for_update().filter(
        pk__in=items.filter(organisation_id=organisation_id, status=ItemStatus.DRAFT).values("pk")).order_by("pk"))
    if not locked:
        return 0
    QuestionItem.objects.filter(pk__in=[i.pk for i in locked]).update(status=ItemStatus.APPROVED,
                                                                       updated_at=timezone.now())
    jurisdiction_id = Organisation.objects.filter(pk=organisation_id).values_list("jurisdiction_id", flat=True).first()
    for item in locked:
        audit_record(actor=actor, action=AuditEvent.Action.TRANSITION, obj=item,
                     summary=_("审定理论试题 %(c)s（批量）") % {"c": item.code}, before={"status": ItemStatus.DRAFT},
                     after={"status": ItemStatus.APPROVED}, organisation_id=organisation_id,
                     jurisdiction_id=jurisdiction_id)
    return len(locked)


# ---------------------------------------------------------------------------------------------
# Confidentiality: every view and export of content is audited


def question_item_record_view(*, actor: Actor, item: QuestionItem, ip_address: str | None = None) -> None:
    """Record that the actor opened an item's content (detail or edit page, API)."""
    organisation_id = _require_bank(actor, item.organisation_id)
    _audit(actor, item, AuditEvent.Action.VIEW, _("查看理论试题 %(c)s") % {"c": item.code},
           organisation_id=organisation_id, ip_address=ip_address)


def question_items_record_list_view(*, actor: Actor, items: Iterable[QuestionItem], page: int = 1,
                                    ip_address: str | None = None) -> None:
    """Record one page of the bank list (its stems are item content)."""
    organisation_id = _require_bank(actor)
    codes = [i.code for i in items]
    if not codes:
        return
    audit_record(actor=actor, action=AuditEvent.Action.VIEW, object_type="exams.questionitem",
                 object_repr=_("题库列表"), summary=_("浏览题库列表第%(p)d页，%(n)d题：%(c)s") % {
                     "p": page, "n": len(codes), "c": "、".join(codes)[:120]},
                 after={"codes": codes, "page": page}, organisation_id=organisation_id, ip_address=ip_address)


def _export_rows(items: Iterable[QuestionItem], labels: dict[int, str]) -> Iterable[list[Any]]:
    for item in items:
        options = item_options(item)
        yield [item.code, item.occupation.code, labels.get(item.level, str(item.level)),
               KIND_WORDS.get(ItemKind(item.kind), item.kind), item.stem, *[options.get(x, "") for x in LETTERS],
               item_answer_text(item), item.knowledge_point, item.difficulty, item.get_status_display()]


def question_items_export_xlsx(*, actor: Actor, items: QuerySet[QuestionItem], description: str = "",
                               max_rows: int = 50_000, ip_address: str | None = None) -> bytes:
    """The filtered items in the import template's columns (plus 状态), so a file can
    be corrected and imported again. One audit event names every exported code."""
    organisation_id = _require_bank(actor)
    rows = list(items.filter(organisation_id=organisation_id).select_related("occupation")[:max_rows])
    content = write_xlsx(EXPORT_COLUMNS, _export_rows(rows, level_labels()), title="理论试题")
    codes = [i.code for i in rows]
    audit_record(actor=actor, action=AuditEvent.Action.EXPORT, object_type="exams.questionitem",
                 object_repr=_("题库导出"), summary=_("导出理论试题 %(n)d 题%(d)s") % {
                     "n": len(rows), "d": f"（{description}）" if description else ""},
                 after={"count": len(rows), "filters": description, "codes": codes},
                 organisation_id=organisation_id, ip_address=ip_address)
    return content


# ---------------------------------------------------------------------------------------------
# Import template


def question_items_template_xlsx(*, actor: Actor) -> bytes:
    """The import template: header, one example row per kind (to delete), and a 说明
    sheet with the organisation's scope and what each column takes."""
    organisation_id = _require_bank(actor)
    scope = bank_scope(organisation_id)
    labels = level_labels()
    occupations = {o.code: o for o in Occupation.objects.filter(code__in=scope)}
    first = sorted(scope)[0] if scope else "6-18-01-01"
    first_level = str(max(scope[first])) if scope else "5"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "理论试题"
    sheet.append(IMPORT_COLUMNS)
    examples = [
        [f"{EXAMPLE_PREFIX}-01", first, first_level, "单选", "车削外圆时，工件的旋转是（ ）。", "主运动", "进给运动",
         "辅助运动", "切入运动", "", "", "A", "切削运动", "2"],
        [f"{EXAMPLE_PREFIX}-02", first, first_level, "多选", "下列属于安全文明生产要求的有（ ）。", "穿戴好劳保用品",
         "戴手套操作车床", "工作场地整洁", "工量具摆放整齐", "", "", "ACD", "安全文明生产", "3"],
        [f"{EXAMPLE_PREFIX}-03", first, first_level, "判断", "车床开动时可以测量工件尺寸。", "", "", "", "", "", "",
         "错", "安全操作规程", "1"],
        [f"{EXAMPLE_PREFIX}-04", first, first_level, "简答", "简述切削液的主要作用。", "", "", "", "", "", "",
         "冷却、润滑、清洗和防锈。", "切削液", "3"],
    ]
    for example in examples:
        sheet.append(example)
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    optional_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(IMPORT_COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = required_fill if column in REQUIRED_COLUMNS else optional_fill
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[letter].width = {"题干": 40, "答案": 16}.get(column, 14)
        if column in ("试题编号", "职业编码", "答案"):
            for row in range(2, len(examples) + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "B2"
    last = MAX_IMPORT_ROWS + 1
    for column, values in (("题型", "单选,多选,判断,简答"), ("难度", "1,2,3,4,5"),
                           ("等级", "五级,四级,三级,二级,一级")):
        letter = get_column_letter(IMPORT_COLUMNS.index(column) + 1)
        validation = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True,
                                    error=_("请从下拉列表中选择。"), errorTitle=column, showErrorMessage=True)
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)

    notes = workbook.create_sheet("说明")
    bold = Font(bold=True)
    notes.append([_("使用说明"), _("在“理论试题”页从第2行起每行填写一道题，删除以“示例”开头的示例行；不要修改表头、"
                               "不要合并单元格、不要使用公式。一次最多导入%(n)d行。试题编号已存在且仍为草稿的，"
                               "按文件内容修改；已审定或已停用的试题不能通过导入修改。") % {"n": MAX_IMPORT_ROWS}])
    notes.append([])
    notes.append([_("本单位备案范围内可建题的职业及等级")])
    notes.append(["职业编码", "职业名称", "等级"])
    for cell in (*notes[notes.max_row - 1], *notes[notes.max_row]):
        cell.font = bold
    for code in sorted(scope):
        occupation = occupations.get(code)
        notes.append([code, occupation.name if occupation else "",
                      "、".join(labels.get(c, str(c)) for c in sorted(scope[code], reverse=True))])
    notes.append([])
    notes.append([_("各列填写要求")])
    notes.append(["列", "必填", "填写要求"])
    for cell in (*notes[notes.max_row - 1], *notes[notes.max_row]):
        cell.font = bold
    rules = {
        "试题编号": _("本单位内唯一，最多40个字符（字母、数字、汉字和 - _ .）"),
        "职业编码": _("见上表，须在本单位当前备案范围内"),
        "等级": _("1至5，或 五级、四级、三级、二级、一级；须在备案范围内"),
        "题型": _("单选、多选、判断、简答"),
        "题干": _("不超过%(n)d个字符") % {"n": STEM_MAX},
        "选项A": _("单选、多选题从选项A起连续填写：单选至少2项、多选至少3项，最多到选项F；判断、简答题不填"),
        "答案": _("单选填一个字母（如 A）；多选填两个以上字母（如 ABD）；判断填“对”或“错”；简答填参考答案（评分要点）"),
        "鉴定要素": _("本题考核的鉴定要素（知识点），不超过100个字符"),
        "难度": _("1至5的整数，1最易，5最难"),
    }
    for column in IMPORT_COLUMNS:
        if column in ("选项B", "选项C", "选项D", "选项E", "选项F"):
            continue
        label = "选项A～选项F" if column == "选项A" else column
        notes.append([label, _("是") if column in REQUIRED_COLUMNS or column == "选项A" else _("否"), rules[column]])
    for letter, width in zip("ABC", (18, 24, 80), strict=True):
        notes.column_dimensions[letter].width = width
    notes["A1"].font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Import


@dataclass
class BankImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    clean_rows_only: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors if e.row})

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "error_rows": self.error_rows,
                "clean_rows_only": self.clean_rows_only,
                "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors]}


class _RowErrors:
    """One row's errors; a formula cell is reported once and its column's other
    complaints (it reads as empty) are left out."""

    def __init__(self, report: BankImportReport, row: int, formula_columns: Iterable[str] = ()) -> None:
        self.report, self.row, self.count = report, row, 0
        self.formula_columns = set(formula_columns)
        for column in sorted(self.formula_columns, key=_column_order):
            self._append(column, _("该单元格是公式，请复制后“选择性粘贴为数值”再导入。"))

    def _append(self, column: str, message: str) -> None:
        self.report.errors.append(RowError(self.row, column, message))
        self.count += 1

    def add(self, column: str, message: str) -> None:
        if column not in self.formula_columns:
            self._append(column, message)


def _column_order(column: str) -> int:
    try:
        return IMPORT_COLUMNS.index(column)
    except ValueError:
        return len(IMPORT_COLUMNS)


def _check_filename(filename: str) -> None:
    if not (filename or "").lower().endswith(".xlsx"):
        hint = _("旧版 .xls 文件请在 Excel 中另存为 .xlsx。") if (filename or "").lower().endswith(".xls") else ""
        raise DomainError(_("只支持 .xlsx 文件，请下载题库导入模板填写后上传。") + hint, field="file")


@dataclass
class _Clean:
    row: int
    checked: CheckedItem


def question_items_import(
    *, actor: Actor, source: IO[bytes] | Path | bytes, filename: str, clean_rows_only: bool = False,
    progress: Progress | None = None,
) -> BankImportReport:
    """Import theory items from the template: a new code creates a draft, an existing
    draft's code updates it. Every row is checked with `question_item_check` and each
    problem reported by row and column; with any error nothing is saved, unless
    `clean_rows_only`, which saves exactly the rows without errors. File-level
    problems (not XLSX, wrong header, merged cells, too many rows) raise DomainError."""
    organisation_id = _require_bank(actor)
    _check_filename(filename)
    table = read_table(source, filename, required=REQUIRED_COLUMNS, max_rows=MAX_IMPORT_ROWS, flag_formulas=True)
    if table.merged_ranges:
        raise DomainError(merged_ranges_message(table.merged_ranges, table.headers))
    report = BankImportReport(rows=len(table.rows), clean_rows_only=clean_rows_only)
    if not table.rows:
        report.errors.append(RowError(0, "", _("文件中没有数据行。")))
        return report
    total = len(table.rows)
    lookups = _Lookups(organisation_id, {row.get("职业编码", "").strip() for _n, row in table.rows})
    codes = sorted({row.get("试题编号", "").strip() for _n, row in table.rows} - {""})
    existing: dict[str, str] = {}
    for start in range(0, len(codes), _CHUNK):
        existing.update(QuestionItem.objects.filter(organisation_id=organisation_id, code__in=codes[start:start + _CHUNK])
                        .values_list("code", "status"))
    formulas: dict[int, list[str]] = {}
    for row_no, column in table.formula_cells:
        if column in IMPORT_COLUMNS:
            formulas.setdefault(row_no, []).append(column)

    clean: list[_Clean] = []
    seen: dict[str, int] = {}
    for position, (row_no, row) in enumerate(table.rows, start=1):
        errors = _RowErrors(report, row_no, formulas.get(row_no, ()))
        data = ItemData(code=row.get("试题编号", ""), occupation_code=row.get("职业编码", ""), level=row.get("等级", ""),
                        kind=row.get("题型", ""), stem=row.get("题干", ""),
                        options={x: row.get(f"选项{x}", "") for x in LETTERS}, answer=row.get("答案", ""),
                        knowledge_point=row.get("鉴定要素", ""), difficulty=row.get("难度", ""))
        checked, problems = question_item_check(organisation_id=organisation_id, data=data, lookups=lookups)
        for name, message in problems:
            errors.add(FIELD_COLUMNS.get(name, "选项A" if name == "options" else name), message)
        code = data.code.strip()
        if code.startswith(EXAMPLE_PREFIX):
            errors.add("试题编号", _("这是模板中的示例行，请删除后再导入。"))
        elif code:
            if code in seen:
                errors.add("试题编号", _("与第%(r)d行的试题编号重复。") % {"r": seen[code]})
            else:
                seen[code] = row_no
            status = existing.get(code)
            if status and status != ItemStatus.DRAFT:
                errors.add("试题编号", _("试题“%(c)s”%(s)s，不能通过导入修改；如需修改请停用后以新编号导入。") % {
                    "c": code, "s": ItemStatus(status).label})
        if checked is not None and not errors.count:
            clean.append(_Clean(row_no, checked))
        if progress and (position % PROGRESS_EVERY == 0 or position == total):
            progress(position, total, _("已校验 %(n)d / %(t)d 行") % {"n": position, "t": total})

    report.errors.sort(key=lambda e: (e.row, _column_order(e.column)))
    if (report.errors and not clean_rows_only) or not clean:
        return report
    _import_write(actor=actor, organisation_id=organisation_id, clean=clean, report=report, filename=filename,
                  progress=progress)
    return report


@transaction.atomic
def _import_write(*, actor: Actor, organisation_id: int, clean: list[_Clean], report: BankImportReport,
                  filename: str, progress: Progress | None) -> None:
    total = len(clean)
    if progress:
        progress(0, total, _("正在保存 %(n)d 道试题……") % {"n": total})
    codes = [c.checked.code for c in clean]
    current: dict[str, QuestionItem] = {}
    for start in range(0, len(codes), _CHUNK):
        for item in QuestionItem.objects.select_for_update().filter(organisation_id=organisation_id,
                                                                   code__in=codes[start:start + _CHUNK]):
            current[item.code] = item
    late = [c for c in clean if c.checked.code in current and current[c.checked.code].status != ItemStatus.DRAFT]
    if late:
        raise DomainError(_("导入期间第%(r)s行的试题已被审定或停用，请重新导入。") % {
            "r": "、".join(str(c.row) for c in late[:10])})
    to_create: list[QuestionItem] = []
    to_update: list[QuestionItem] = []
    for entry in clean:
        values = entry.checked.values()
        existing = current.get(entry.checked.code)
        if existing is None:
            to_create.append(QuestionItem(organisation_id=organisation_id, code=entry.checked.code,
                                          created_by=actor.user, **values))
        else:
            for name, value in values.items():
                setattr(existing, name, value)
            to_update.append(existing)
    QuestionItem.objects.bulk_create(to_create, batch_size=_CHUNK)
    QuestionItem.objects.bulk_update(to_update, ["occupation", "level", "kind", "stem", "options", "answer",
                                                 "knowledge_point", "difficulty", "updated_at"], batch_size=_CHUNK)
    report.created, report.updated = len(to_create), len(to_update)
    if progress:
        progress(total, total, _("已保存 %(n)d 道试题") % {"n": total})
    audit_record(
        actor=actor, action=AuditEvent.Action.IMPORT, object_type="exams.questionitem",
        object_repr=_("题库导入：%(f)s") % {"f": Path(filename).name},
        summary=_("导入理论试题：新增 %(c)d 题、修改 %(u)d 题，跳过有错误的行 %(s)d 行：%(f)s") % {
            "c": report.created, "u": report.updated, "s": report.error_rows, "f": Path(filename).name},
        after={"filename": Path(filename).name, "rows": report.rows, "created": report.created,
               "updated": report.updated, "error_rows": report.error_rows, "clean_rows_only": report.clean_rows_only,
               "created_codes": [i.code for i in to_create], "updated_codes": [i.code for i in to_update]},
        organisation_id=organisation_id,
    )


def question_items_import_start(*, actor: Actor, upload: Any, clean_rows_only: bool = False) -> Job:
    """Check the upload, store it and queue the import as a background job; the page
    then follows the job (portal:job_detail)."""
    from skilleval.core.files import check_upload
    from skilleval.core.jobs import job_create, job_enqueue

    organisation_id = _require_bank(actor)
    _check_filename(getattr(upload, "name", "") or "")
    checked = check_upload(upload, allowed=("xlsx",), max_bytes=settings.SKILLEVAL_MAX_IMPORT_BYTES)
    with transaction.atomic():
        job = job_create(actor=actor, kind="bank_import", title=_("题库导入：%(f)s") % {"f": checked.name},
                         params={"filename": checked.name, "clean_rows_only": bool(clean_rows_only)},
                         organisation_id=organisation_id)
        job.input_file.save(checked.name, upload, save=True)
        job_enqueue(job, import_question_items_task)
    return job


def question_items_import_job_body(job: Job, progress: Progress) -> dict:
    from django.core.files.base import ContentFile

    from skilleval.accounts.access import actor_for

    actor = actor_for(job.created_by)
    clean_rows_only = bool(job.params.get("clean_rows_only"))
    try:
        with job.input_file.open("rb") as handle:
            report = question_items_import(actor=actor, source=handle, filename=job.params["filename"],
                                           clean_rows_only=clean_rows_only, progress=progress)
    except DomainError as exc:
        if _("未导入任何数据") in exc.message:
            raise
        raise DomainError(exc.message + _("未导入任何数据。")) from None
    result = report.as_dict()
    result["errors"] = result["errors"][:200]
    if report.errors:
        job.output_file.save(f"bank-import-errors-{job.pk}.xlsx", ContentFile(error_report_xlsx(report.errors)),
                             save=False)
        Job.objects.filter(pk=job.pk).update(output_file=job.output_file.name, result=result)
    if report.imported:
        message = _("新增 %(c)d 题、修改 %(u)d 题。") % {"c": report.created, "u": report.updated}
        if report.errors:
            message += _("跳过 %(m)d 行有错误的数据。") % {"m": report.error_rows}
        result["message"] = message
        progress(report.rows, report.rows, message)
        return result
    if any(e.row == 0 for e in report.errors):
        raise DomainError(report.errors[0].message + _("未导入任何数据。"))
    if clean_rows_only:
        raise DomainError(_("%(m)d 行都有错误，没有可以导入的行，未导入任何数据。请下载错误报告，修改后重新上传。") % {
            "m": report.error_rows})
    raise DomainError(_("文件中有 %(m)d 行共 %(n)d 处错误，未导入任何数据。请下载错误报告，修改后重新上传；"
                        "也可以选择“只导入没有错误的行”。") % {"m": report.error_rows, "n": len(report.errors)})


@job_task("exams.import_question_items")
def import_question_items_task():
    return question_items_import_job_body


# ---------------------------------------------------------------------------------------------
# Practical tasks


@dataclass
class TaskData:
    """A practical task as written; `rubric` is either the text of the form (one line
    per row: 项目|分值|评分标准) or already a list of {"item", "points", "criteria"}."""

    code: str = ""
    occupation_code: str = ""
    level: Any = None
    title: str = ""
    description: str = ""
    duration_minutes: Any = 120
    rubric: Any = ""


@dataclass
class CheckedTask:
    code: str
    occupation: Occupation
    level: int
    title: str
    description: str
    duration_minutes: int
    rubric: list[dict[str, Any]]

    def values(self) -> dict[str, Any]:
        return {"occupation": self.occupation, "level": self.level, "title": self.title,
                "description": self.description, "duration_minutes": self.duration_minutes, "rubric": self.rubric}


TASK_FIELDS = ("code", "occupation_id", "level", "title", "description", "duration_minutes", "rubric")


def rubric_parse(rubric: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The rubric rows and one Chinese message per wrong line ("第2行：…")."""
    if isinstance(rubric, (list, tuple)):
        lines = [f"{r.get('item', '')}|{r.get('points', '')}|{r.get('criteria', '')}" for r in rubric]
    else:
        lines = str(rubric or "").splitlines()
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in _RUBRIC_SPLIT.split(line, maxsplit=2)]
        if len(parts) < 3:
            errors.append(_("第%(n)d行：应为“项目|分值|评分标准”三段，用“|”分隔。") % {"n": number})
            continue
        item, points_text, criteria = parts
        line_errors = []
        if not item:
            line_errors.append(_("第%(n)d行：请填写评分项目。") % {"n": number})
        elif len(item) > 100:
            line_errors.append(_("第%(n)d行：评分项目不能超过100个字符。") % {"n": number})
        elif item in seen:
            line_errors.append(_("第%(n)d行：评分项目“%(i)s”与第%(m)d行重复。") % {"n": number, "i": item, "m": seen[item]})
        points_text = points_text.removesuffix("分").strip()
        if not points_text.isdigit() or int(points_text) <= 0:
            line_errors.append(_("第%(n)d行：分值“%(v)s”应为正整数。") % {"n": number, "v": points_text[:10]})
        if not criteria:
            line_errors.append(_("第%(n)d行：请填写评分标准。") % {"n": number})
        elif len(criteria) > RUBRIC_CRITERIA_MAX:
            line_errors.append(_("第%(n)d行：评分标准不能超过%(m)d个字符。") % {"n": number, "m": RUBRIC_CRITERIA_MAX})
        if line_errors:
            errors.extend(line_errors)
            continue
        seen[item] = number
        rows.append({"item": item, "points": int(points_text), "criteria": criteria})
    if not rows and not errors:
        errors.append(_("请至少填写一行评分标准（项目|分值|评分标准），总分须大于0。"))
    return rows, errors


def rubric_text(rubric: list[dict[str, Any]]) -> str:
    return "\n".join(f"{r.get('item', '')}|{r.get('points', '')}|{r.get('criteria', '')}" for r in rubric or [])


def practical_task_check(*, organisation_id: int, data: TaskData,
                         lookups: _Lookups | None = None) -> tuple[CheckedTask | None, list[tuple[str, str]]]:
    """Check one practical task without saving. Fields: code, occupation, level, title,
    description, duration_minutes, rubric (one message per wrong rubric line)."""
    lookups = lookups or _Lookups(organisation_id, [str(data.occupation_code or "").strip()])
    problems: list[tuple[str, str]] = []
    code, occupation, level = _check_common(lookups=lookups, code=data.code, occupation_code=data.occupation_code,
                                            level=data.level, problems=problems)
    title = str(data.title or "").strip()
    if not title:
        problems.append(("title", _("请填写试题名称。")))
    elif len(title) > 200:
        problems.append(("title", _("试题名称不能超过200个字符。")))
    description = str(data.description or "").strip()
    if not description:
        problems.append(("description", _("请填写试题内容与要求。")))
    duration_text = str(data.duration_minutes if data.duration_minutes is not None else "").strip()
    duration = int(duration_text) if duration_text.isdigit() else None
    if duration is None or not 1 <= duration <= 600:
        problems.append(("duration_minutes", _("考核时间应为1至600之间的整数（分钟）。")))
    rubric, rubric_errors = rubric_parse(data.rubric)
    problems.extend(("rubric", message) for message in rubric_errors)
    if problems or occupation is None or level is None or duration is None:
        return None, problems
    return CheckedTask(code=code, occupation=occupation, level=level, title=title, description=description,
                       duration_minutes=duration, rubric=rubric), []


def task_data_from(task: PracticalTask) -> TaskData:
    return TaskData(code=task.code, occupation_code=task.occupation.code, level=task.level, title=task.title,
                    description=task.description, duration_minutes=task.duration_minutes,
                    rubric=rubric_text(task.rubric))


@transaction.atomic
def practical_task_create(*, actor: Actor, data: TaskData) -> PracticalTask:
    organisation_id = _require_bank(actor)
    checked, problems = practical_task_check(organisation_id=organisation_id, data=data)
    if checked is None:
        raise BankInvalid(problems)
    if _code_taken(PracticalTask, organisation_id, checked.code):
        raise BankInvalid([("code", _("试题编号“%(c)s”已存在，请换一个编号。") % {"c": checked.code})])
    try:
        with transaction.atomic():
            task = PracticalTask.objects.create(organisation_id=organisation_id, code=checked.code, **checked.values())
    except IntegrityError:
        raise BankInvalid([("code", _("试题编号“%(c)s”已存在，请换一个编号。") % {"c": checked.code})]) from None
    _audit(actor, task, AuditEvent.Action.CREATE, _("新建操作技能试题 %(c)s") % {"c": task.code},
           after=snapshot(task, TASK_FIELDS), organisation_id=organisation_id)
    return task


def _lock_task(task: PracticalTask) -> PracticalTask:
    return PracticalTask.objects.select_for_update().select_related("occupation").get(pk=task.pk)


@transaction.atomic
def practical_task_update(*, actor: Actor, task: PracticalTask, data: TaskData) -> PracticalTask:
    task = _lock_task(task)
    organisation_id = _require_bank(actor, task.organisation_id)
    if task.status != ItemStatus.DRAFT:
        raise DomainError(_("试题“%(c)s”%(s)s，不能修改；如需修改请停用后另建新题。") % {
            "c": task.code, "s": task.get_status_display()})
    checked, problems = practical_task_check(organisation_id=organisation_id, data=data)
    if checked is None:
        raise BankInvalid(problems)
    if checked.code != task.code and _code_taken(PracticalTask, organisation_id, checked.code, task.pk):
        raise BankInvalid([("code", _("试题编号“%(c)s”已存在，请换一个编号。") % {"c": checked.code})])
    before = snapshot(task, TASK_FIELDS)
    task.code = checked.code
    for name, value in checked.values().items():
        setattr(task, name, value)
    task.save(update_fields=[*(f.removesuffix("_id") for f in TASK_FIELDS), "updated_at"])
    _audit(actor, task, AuditEvent.Action.UPDATE, _("修改操作技能试题 %(c)s") % {"c": task.code}, before=before,
           after=snapshot(task, TASK_FIELDS), organisation_id=organisation_id)
    return task


@transaction.atomic
def practical_task_approve(*, actor: Actor, task: PracticalTask) -> PracticalTask:
    return _transition(actor=actor, obj=task, lock=_lock_task, source=ItemStatus.DRAFT, target=ItemStatus.APPROVED,
                       summary=_("审定操作技能试题 %(c)s"),
                       refusal=_("试题“%(c)s”当前为“%(s)s”，只有草稿可以审定。"))


@transaction.atomic
def practical_task_retire(*, actor: Actor, task: PracticalTask, reason: str = "") -> PracticalTask:
    return _transition(actor=actor, obj=task, lock=_lock_task, source=ItemStatus.APPROVED, target=ItemStatus.RETIRED,
                       summary=_("停用操作技能试题 %(c)s"), reason=(reason or "").strip()[:200],
                       refusal=_("试题“%(c)s”当前为“%(s)s”，只有已审定的试题可以停用。"))


def practical_task_record_view(*, actor: Actor, task: PracticalTask, ip_address: str | None = None) -> None:
    organisation_id = _require_bank(actor, task.organisation_id)
    _audit(actor, task, AuditEvent.Action.VIEW, _("查看操作技能试题 %(c)s") % {"c": task.code},
           organisation_id=organisation_id, ip_address=ip_address)


def practical_tasks_record_list_view(*, actor: Actor, tasks: Iterable[PracticalTask], page: int = 1,
                                     ip_address: str | None = None) -> None:
    organisation_id = _require_bank(actor)
    codes = [t.code for t in tasks]
    if not codes:
        return
    audit_record(actor=actor, action=AuditEvent.Action.VIEW, object_type="exams.practicaltask",
                 object_repr=_("操作技能试题列表"), summary=_("浏览操作技能试题列表第%(p)d页，%(n)d题：%(c)s") % {
                     "p": page, "n": len(codes), "c": "、".join(codes)[:120]},
                 after={"codes": codes, "page": page}, organisation_id=organisation_id, ip_address=ip_address)


TASK_EXPORT_COLUMNS = ["试题编号", "职业编码", "职业名称", "等级", "试题名称", "试题内容与要求", "考核时间（分钟）",
                       "评分标准（项目|分值|评分标准）", "总分", "状态"]


def practical_tasks_export_xlsx(*, actor: Actor, tasks: QuerySet[PracticalTask], description: str = "",
                                max_rows: int = 50_000, ip_address: str | None = None) -> bytes:
    organisation_id = _require_bank(actor)
    rows = list(tasks.filter(organisation_id=organisation_id).select_related("occupation")[:max_rows])
    labels = level_labels()
    content = write_xlsx(TASK_EXPORT_COLUMNS, (
        [t.code, t.occupation.code, t.occupation.name, labels.get(t.level, str(t.level)), t.title, t.description,
         t.duration_minutes, rubric_text(t.rubric), t.total_points, t.get_status_display()] for t in rows),
        title="操作技能试题")
    audit_record(actor=actor, action=AuditEvent.Action.EXPORT, object_type="exams.practicaltask",
                 object_repr=_("操作技能试题导出"), summary=_("导出操作技能试题 %(n)d 题%(d)s") % {
                     "n": len(rows), "d": f"（{description}）" if description else ""},
                 after={"count": len(rows), "filters": description, "codes": [t.code for t in rows]},
                 organisation_id=organisation_id, ip_address=ip_address)
    return content


__all__ = [
    "BankImportReport", "BankInvalid", "CheckedItem", "CheckedTask", "EXPORT_COLUMNS", "IMPORT_COLUMNS", "ItemData",
    "KIND_WORDS", "LETTERS", "TaskData", "bank_occupations", "bank_scope", "import_question_items_task",
    "item_answer_text", "item_data_from", "item_options", "level_labels", "practical_task_approve",
    "practical_task_check", "practical_task_create", "practical_task_record_view", "practical_task_retire",
    "practical_task_update", "practical_tasks_export_xlsx", "practical_tasks_record_list_view",
    "question_item_approve", "question_item_check", "question_item_create", "question_item_record_view",
    "question_item_retire", "question_item_update", "question_items_approve_many", "question_items_export_xlsx",
    "question_items_import", "question_items_import_job_body", "question_items_import_start",
    "question_items_record_list_view", "question_items_template_xlsx", "rubric_parse", "rubric_text",
    "task_data_from",
]
