"""The printable documents of the exams area: a theory paper for a paper-based exam
(理论知识考试试卷) and its answer key (标准答案), laid out like the national
appraisal papers: the confidentiality mark, the title with occupation, level and
paper variant, the candidate's header, the score table, the notices, then one part
per item kind ("一、单项选择题（第1题～第60题。…每题1分，满分60分。）") with
items numbered through the whole paper.

Pure functions: they read the paper and return bytes; nothing is written and no
audit event is recorded (services.papers.paper_document does that)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from skilleval.catalog.models import Level
from skilleval.core.pdf import FRAME_WIDTH, build_pdf, grid_table, para

from .models import ItemKind, Paper, PaperItem

NUMERALS = "一二三四五六七八九十"
SECRET_MARK = "绝密★启用前"
INSTRUCTIONS = {
    ItemKind.SINGLE: gettext_noop("选择一个正确的答案，将相应的字母填入题内的括号中。"),
    ItemKind.MULTIPLE: gettext_noop("选择两个或两个以上正确的答案，将相应的字母填入题内的括号中。错选、少选、多选均不得分。"),
    ItemKind.TRUE_FALSE: gettext_noop("将判断结果填入括号中。正确的填“√”，错误的填“×”。"),
    ItemKind.SHORT: gettext_noop("请在题后空白处作答。"),
}
TRUE_MARK, FALSE_MARK = "√", "×"
_INLINE_OPTION_LENGTH = 12  # options this short go on one line


def _score_text(value: Decimal) -> str:
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize())


def _level_text(code: int) -> str:
    level = Level.objects.filter(code=code).first()
    return str(level) if level else _("%(c)d级") % {"c": code}


def answer_text(kind: str, answer: Any) -> str:
    """An item's standard answer as printed: letters for choices, √/× for true-false,
    the reference text for short answers."""
    if kind in (ItemKind.SINGLE, ItemKind.MULTIPLE):
        letters = answer if isinstance(answer, (list, tuple)) else [answer]
        return "".join(sorted(str(x).strip().upper() for x in letters if x is not None))
    if kind == ItemKind.TRUE_FALSE:
        if isinstance(answer, str):
            truthy = answer.strip().lower() in ("true", "t", "1", "对", "正确", "√", "是")
        else:
            truthy = bool(answer)
        return TRUE_MARK if truthy else FALSE_MARK
    if isinstance(answer, (list, tuple)):
        return "\n".join(str(x) for x in answer)
    return "" if answer is None else str(answer)


@dataclass
class _Section:
    number: str
    kind: str
    score: Decimal
    rows: list[PaperItem]

    @property
    def first(self) -> int:
        return self.rows[0].order

    @property
    def last(self) -> int:
        return self.rows[-1].order

    @property
    def total(self) -> Decimal:
        return sum((r.score for r in self.rows), Decimal("0"))

    def heading(self, *, with_instruction: bool = True) -> str:
        scores = {r.score for r in self.rows}
        each = _("每题%(s)s分，") % {"s": _score_text(self.score)} if len(scores) == 1 else ""
        instruction = _(INSTRUCTIONS[ItemKind(self.kind)]) if with_instruction else ""
        span = (_("第%(a)d题～第%(b)d题") % {"a": self.first, "b": self.last} if self.last > self.first
                else _("第%(a)d题") % {"a": self.first})
        return _("%(no)s、%(kind)s（%(span)s。%(i)s%(each)s满分%(t)s分。）") % {
            "no": self.number, "kind": ItemKind(self.kind).label, "span": span, "i": instruction, "each": each,
            "t": _score_text(self.total)}


def _sections(paper: Paper) -> list[_Section]:
    rows = list(PaperItem.objects.filter(paper=paper).select_related("item").order_by("order"))
    sections: list[_Section] = []
    for row in rows:
        if not sections or sections[-1].kind != row.item.kind:
            sections.append(_Section(NUMERALS[len(sections) % len(NUMERALS)], row.item.kind, row.score, []))
        sections[-1].rows.append(row)
    return sections


def _title(paper: Paper) -> tuple[str, str]:
    blueprint = paper.blueprint
    occupation = blueprint.occupation
    subtitle = f"{occupation.name}（{occupation.code}）{_level_text(blueprint.level)}"
    if paper.variant:
        subtitle += _("　卷别：%(v)s") % {"v": paper.variant}
    return _("职业技能等级认定理论知识考试试卷"), subtitle


def _header(paper: Paper, sections: Sequence[_Section]) -> list[Flowable]:
    blueprint = paper.blueprint
    title, subtitle = _title(paper)
    flow: list[Flowable] = [para(SECRET_MARK, "small"), para(title, "title"), para(subtitle, "subtitle")]
    flow.append(grid_table(
        [[_("职业（工种）"), blueprint.occupation.name, _("等级"), _level_text(blueprint.level)],
         [_("考试时间"), _("%(m)d分钟") % {"m": blueprint.duration_minutes}, _("满分"), _score_text(paper.total_score)],
         [_("姓名"), "", _("准考证号"), ""],
         [_("所在单位"), "", _("考场/座号"), ""]],
        [26 * mm, FRAME_WIDTH / 2 - 26 * mm, 26 * mm, FRAME_WIDTH / 2 - 26 * mm],
        label_cells=[(c, r) for r in range(4) for c in (0, 2)], min_row_heights={2: 9 * mm, 3: 9 * mm}))
    flow.append(Spacer(1, 3 * mm))
    headers = [_("题号")] + [s.number for s in sections] + [_("总分"), _("评分人")]
    widths = [22 * mm] + [18 * mm] * len(sections) + [22 * mm, 24 * mm]
    scale = min(1.0, FRAME_WIDTH / sum(widths))
    flow.append(grid_table([headers, [_("得分")] + [""] * (len(sections) + 2)], [w * scale for w in widths],
                           header_rows=1, label_cells=[(0, 1)], min_row_heights={1: 9 * mm}))
    flow.append(Spacer(1, 3 * mm))
    notices = [
        _("注意事项"),
        _("1．考试时间：%(m)d分钟。") % {"m": blueprint.duration_minutes},
        _("2．请首先按要求在试卷的标封处填写您的姓名、准考证号和所在单位的名称。"),
        _("3．请仔细阅读各种题目的回答要求，在规定的位置填写您的答案。"),
        _("4．不要在试卷上乱写乱画，不要在标封区填写无关的内容。"),
    ]
    flow += [para(line, "small") for line in notices]
    flow.append(Spacer(1, 4 * mm))
    return flow


def _options(item: Any) -> list[Flowable]:
    options = [o for o in (item.options or []) if isinstance(o, dict)]
    if not options:
        return []
    texts = [f"{str(o.get('key', '')).strip()}．{o.get('text', '')}" for o in options]
    if all(len(str(o.get("text", ""))) <= _INLINE_OPTION_LENGTH for o in options):
        return [para("\u3000\u3000" + "\u3000\u3000".join(texts), "body")]
    return [para("\u3000\u3000" + text, "body") for text in texts]


def paper_pdf(paper: Paper) -> bytes:
    """The printable paper: header, score table, notices, then the items by kind."""
    sections = _sections(paper)
    flow = _header(paper, sections)
    for section in sections:
        flow.append(para(section.heading(), "section"))
        flow.append(Spacer(1, 2 * mm))
        for row in section.rows:
            item = row.item
            blank = "（\u3000\u3000）" if section.kind != ItemKind.SHORT else ""
            block: list[Flowable] = [para(f"{row.order}．{item.stem}{blank}", "body"), *_options(item)]
            if section.kind == ItemKind.SHORT:
                block.append(Spacer(1, 36 * mm))
            block.append(Spacer(1, 2 * mm))
            flow.append(KeepTogether(block))
        flow.append(Spacer(1, 3 * mm))
    title, subtitle = _title(paper)
    return build_pdf(flow, title=f"{title} {subtitle}", subject=_("理论知识考试试卷"),
                     footer=_("%(mark)s　试卷编号 %(pk)d") % {"mark": SECRET_MARK, "pk": paper.pk})


def answer_key_pdf(paper: Paper) -> bytes:
    """The answer key: per part, the answer of every item number (a grid for the objective
    kinds, the reference answer and score for short answers)."""
    sections = _sections(paper)
    title, subtitle = _title(paper)
    flow: list[Flowable] = [para(SECRET_MARK, "small"), para(_("%(t)s 标准答案") % {"t": title}, "title"),
                            para(subtitle, "subtitle")]
    per_line = 10
    for section in sections:
        flow.append(para(section.heading(with_instruction=False), "section"))
        flow.append(Spacer(1, 2 * mm))
        if section.kind == ItemKind.SHORT:
            rows = [[_("题号"), _("参考答案及评分要点"), _("分值")]]
            rows += [[str(r.order), answer_text(r.item.kind, r.item.answer), _score_text(r.score)]
                     for r in section.rows]
            flow.append(grid_table(rows, [16 * mm, FRAME_WIDTH - 32 * mm, 16 * mm], header_rows=1,
                                   center_columns=(0, 2)))
        else:
            table: list[list[str]] = []
            label_cells = []
            for start in range(0, len(section.rows), per_line):
                chunk = section.rows[start:start + per_line]
                padding = [""] * (per_line - len(chunk))
                label_cells += [(0, len(table)), (0, len(table) + 1)]
                table.append([_("题号")] + [str(r.order) for r in chunk] + padding)
                table.append([_("答案")] + [answer_text(r.item.kind, r.item.answer) for r in chunk] + padding)
            width = (FRAME_WIDTH - 16 * mm) / per_line
            flow.append(grid_table(table, [16 * mm] + [width] * per_line, label_cells=label_cells,
                                   center_columns=range(per_line + 1)))
        flow.append(Spacer(1, 4 * mm))
    return build_pdf(flow, title=_("%(t)s 标准答案") % {"t": title}, subject=_("标准答案"),
                     footer=_("%(mark)s　试卷编号 %(pk)d　标准答案") % {"mark": SECRET_MARK, "pk": paper.pk})
