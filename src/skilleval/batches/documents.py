"""The documents of an evaluation batch, laid out like the seed's templates (SD):
the assessment plan (职业技能等级认定考核方案, att.2) as PDF and Word, the list of
accepted candidates filed with it (XLSX), the organisation's review commitment
(职业技能等级认定报名资料审核承诺书, att.3) and a candidate's application form
(职业技能等级认定申报表, att.1).

Pure functions: they read the batch or application and return bytes; nothing is
written and no audit event is recorded (the calling service does that). ID numbers
are masked everywhere except in `candidate_list_xlsx` (the authority's list) and
in `application_form_pdf(..., full_id=True)`.

Characters the embedded PDF font cannot draw (rare name characters, see
core.pdf.missing_glyphs) are left blank in the PDFs; nothing here fails on them.
The Word file only names its fonts (宋体/黑体 for East Asian text) and is drawn
with the reader's fonts."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, PageBreak, Paragraph, Spacer, Table

from skilleval.catalog.models import Level, PolicyProfile
from skilleval.core.pdf import (
    FRAME_WIDTH,
    GRID,
    LABEL_BACKGROUND,
    build_pdf,
    grid_table,
    para,
    register_fonts,
    styles,
)
from skilleval.core.tabular import write_xlsx

from .models import Application, Batch, BatchItem, BatchStaff, HeldCertificate, Method

# The texts of the seed's forms (SD att.1 and att.3), in full-width punctuation.
CANDIDATE_COMMITMENT_TEXT = (
    "本人已知悉本职业（工种）申报条件，承诺遵守职业技能等级认定有关要求，保证本次填报的信息材料真实准确，"
    "如有虚假，本人愿承担相关法律责任，并接受相应处理。"
)
REVIEW_COMMITMENT_TEXT = (
    "对本次（认定计划名称：%(name)s）职业技能等级认定工作，我单位严格按照在人力资源社会保障部门备案的申报条件审核报名资料，"
    "考生信息完整准确，提供证明资料真实可靠。如本单位没有按照规定程序审核或有弄虚作假现象，自愿承担由此造成的一切相关责任及后果。"
)
CANDIDATE_LIST_HEADERS = ["序号", "报名号", "姓名", "性别", "证件类型", "证件号码", "申报职业", "工种", "等级",
                          "认定路径", "符合的条件", "所在单位"]
BLANK_DATE = "\u00a0" * 8 + "年" + "\u00a0" * 6 + "月" + "\u00a0" * 6 + "日"  # non-breaking: kept in a PDF
BLANK_SIGNATURE = "＿＿＿＿＿＿＿＿"
_SEX = {"M": "男", "F": "女"}


# ---------------------------------------------------------------------------------------------
# Formatting


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return _("%(y)d年%(m)d月%(d)d日") % {"y": value.year, "m": value.month, "d": value.day}


def _month(value: dt.date) -> str:
    return _("%(y)d年%(m)d月") % {"y": value.year, "m": value.month}


def _item_name(item: BatchItem) -> str:
    if item.special_ability_id:
        return item.special_ability.name
    return item.work_type.name if item.work_type_id and item.work_type else item.occupation.name


def _items(batch: Batch) -> list[BatchItem]:
    return list(batch.items.select_related("occupation", "work_type", "level"))


# ---------------------------------------------------------------------------------------------
# The assessment plan (SD att.2): gathered once, laid out as PDF and as Word


@dataclass
class Grid:
    headers: list[str]
    rows: list[list[str]]
    widths: Sequence[float]  # mm, adding up to the PDF frame width
    center_columns: Sequence[int] = (0,)
    total_row: bool = False  # the last row is a 合计 line


@dataclass
class _PlanSection:
    heading: str
    paragraphs: list[str]
    grid: Grid | None = None


@dataclass
class _Plan:
    organisation: str
    batch_name: str
    batch_code: str
    cover_date: str
    title: str
    title_lines: str  # the title as printed: the organisation and batch, then the document's name
    preamble: str
    sections: list[_PlanSection] = field(default_factory=list)


def _policy_basis(batch: Batch) -> str:
    """The policy the plan is made under: the jurisdiction profile's source document,
    or the national rules when the organisation falls under the national default."""
    profile = batch.organisation.jurisdiction.policy_profile()
    source = (profile.source or "").strip()
    if profile.key == PolicyProfile.NATIONAL_DEFAULT_KEY or not source:
        return _("国家关于开展企业技能人才自主评价的有关规定")
    source = re.sub(r"（\d{4}年[^）]*）$", "", source)  # "…办法（试行）（2023年12月）" -> "…办法（试行）"
    return source if "《" in source else f"《{source}》"


def _weights(item: BatchItem) -> str:
    parts = [(_("理论知识"), item.theory_weight), (_("操作技能"), item.practical_weight),
             (_("业绩评审") if item.method == Method.PERFORMANCE else _("综合评审"), item.review_weight)]
    return "\n".join(f"{label}{weight}%" for label, weight in parts if weight) or "—"


def _method(item: BatchItem) -> str:
    text = item.get_method_display()
    if item.modules:
        text += "\n" + "；".join(f"{m.get('name', '')}（{_('必考') if m.get('mandatory') else _('选考')}）"
                                 for m in item.modules)
    return text


def plan_texts(batch: Batch) -> dict[str, str]:
    """The saved texts by heading key; a missing or blank text is drafted from the batch."""
    from .services import PLAN_HEADINGS, plan_draft

    saved = batch.plan if isinstance(batch.plan, dict) else {}
    texts = {key: str(saved.get(key) or "").strip() for key, _label in PLAN_HEADINGS}
    if not all(texts.values()):
        draft = plan_draft(batch)
        texts = {key: text or str(draft.get(key, "")) for key, text in texts.items()}
    return texts


def _gather_plan(batch: Batch, today: dt.date | None = None) -> _Plan:
    from .services import PLAN_HEADINGS

    organisation = batch.organisation.name
    items = _items(batch)
    counts: dict[int, int] = {}
    for item_id in batch.applications.filter(status=Application.Status.ACCEPTED).values_list("item_id", flat=True):
        counts[item_id] = counts.get(item_id, 0) + 1

    item_rows = []
    for i, item in enumerate(items, start=1):
        exam_date = item.exam_date
        item_rows.append([
            str(i), _item_name(item), item.work_type.code if item.work_type_id and item.work_type else item.occupation.code,
            item.level_label, _method(item), _weights(item), _("%(m)d分") % {"m": item.pass_mark},
            exam_date.isoformat() if exam_date else _("%(a)s\n至%(b)s") % {
                "a": batch.first_exam_date.isoformat(), "b": batch.last_exam_date.isoformat()},
        ])
    item_grid = Grid([_("序号"), _("职业（工种）"), _("职业（工种）编码"), _("等级"), _("评价方式"),
                       _("权重"), _("合格分数线"), _("考核日期")], item_rows, [9, 24, 25, 21, 30, 25, 18, 26],
                      center_columns=(0, 6))

    candidate_rows = [[str(i), _item_name(item), item.level_label, str(counts.get(item.pk, 0)),
                       str(item.capacity) if item.capacity else "—"] for i, item in enumerate(items, start=1)]
    candidate_rows.append([_("合计"), "", "", str(sum(counts.get(item.pk, 0) for item in items)),
                           str(sum(item.capacity or 0 for item in items)) if any(i.capacity for i in items) else "—"])
    candidate_grid = Grid([_("序号"), _("职业（工种）"), _("等级"), _("审核通过人数"), _("计划人数")], candidate_rows,
                           [14, 64, 44, 28, 28], center_columns=(0, 3, 4), total_row=True)

    roles = list(BatchStaff.Role.values)
    staff = sorted(batch.staff.all(), key=lambda m: (roles.index(m.role) if m.role in roles else 99, m.pk))
    staff_rows = [[str(i), m.get_role_display(), m.name, m.masked_id_number] for i, m in enumerate(staff, start=1)]
    staff_grid = Grid([_("序号"), _("职责"), _("姓名"), _("身份证号（脱敏）")], staff_rows, [14, 44, 50, 70],
                       center_columns=(0, 3))

    grids = {"occupations": item_grid, "candidates": candidate_grid, "staff": staff_grid}
    texts = plan_texts(batch)
    sections = [_PlanSection(str(label), [line for line in texts[key].splitlines() if line.strip()], grids.get(key))
                for key, label in PLAN_HEADINGS]

    saved = batch.plan if isinstance(batch.plan, dict) else {}
    preamble = str(saved.get("preamble") or "").strip() or _(
        "根据%(basis)s及本单位相关制度要求，为做好本单位（%(batch)s）职业技能等级认定工作，结合实际，制定本方案。") % {
        "basis": _policy_basis(batch), "batch": batch.name}
    when = batch.plan_filed_on or today or timezone.localdate()
    return _Plan(
        organisation=organisation, batch_name=batch.name, batch_code=batch.code, cover_date=_month(when),
        title=_("%(o)s（%(b)s）职业技能等级认定考核方案") % {"o": organisation, "b": batch.name},
        title_lines=_("%(o)s（%(b)s）\n职业技能等级认定考核方案") % {"o": organisation, "b": batch.name},
        preamble=preamble, sections=sections,
    )


def plan_styles() -> dict[str, ParagraphStyle]:
    base = styles()
    return {
        "cover_small": ParagraphStyle("plan_cover_small", parent=base["title"], fontSize=22, leading=34),
        "cover": ParagraphStyle("plan_cover", parent=base["title"], fontSize=30, leading=44),
        "cover_line": ParagraphStyle("plan_cover_line", parent=base["title"], fontSize=15, leading=24,
                                     spaceAfter=2 * mm),
        "title": ParagraphStyle("plan_title", parent=base["title"], fontSize=16, leading=24, spaceAfter=1 * mm),
        "heading": ParagraphStyle("plan_heading", parent=base["section"], fontSize=12, leading=18,
                                  spaceBefore=3 * mm, spaceAfter=1 * mm),
    }


def plan_paragraph(text: Any, style: ParagraphStyle) -> Paragraph:
    """Like core.pdf.para (escaped user text, line breaks kept), in a style of this module."""
    value = "" if text is None else str(text)
    return Paragraph(escape(value).replace("\r\n", "\n").replace("\n", "<br/>"), style)


def keep_with_next(flowable: Flowable) -> Flowable:
    flowable.keepWithNext = 1
    return flowable


def pdf_grid(grid: Grid) -> Flowable:
    rows = grid.rows or [[_("（无）")] + [""] * (len(grid.headers) - 1)]
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    if not grid.rows:
        spans.append(((0, 1), (-1, 1)))
    elif grid.total_row:
        last = len(rows)  # the header is row 0
        spans.append(((0, last), (2, last)))
    table = grid_table([grid.headers, *rows], [w * mm for w in grid.widths], header_rows=1, spans=spans,
                       center_columns=grid.center_columns if grid.rows else ())
    return table


def plan_pdf(batch: Batch, *, today: dt.date | None = None) -> bytes:
    """The assessment plan (考核方案, SD att.2) as a PDF: the cover, the title and
    preamble, then the nine headings with the saved texts (drafted where none was
    saved) and the tables of occupations and levels, candidates and staff (ID numbers
    masked). `today` dates the cover of a plan not yet filed."""
    plan = _gather_plan(batch, today)
    s = plan_styles()
    story: list[Flowable] = [
        Spacer(0, 55 * mm),
        plan_paragraph(_("职业技能等级认定"), s["cover_small"]),
        Spacer(0, 2 * mm),
        plan_paragraph(_("考　核　方　案"), s["cover"]),
        Spacer(0, 70 * mm),
    ]
    story += [plan_paragraph(text, s["cover_line"]) for text in (plan.organisation, plan.batch_name, plan.cover_date)]
    story.append(PageBreak())

    story += [plan_paragraph(plan.title_lines, s["title"]), Spacer(0, 3 * mm), para(plan.preamble, "letter")]
    for section in plan.sections:
        story.append(keep_with_next(plan_paragraph(section.heading, s["heading"])))
        body = [para(text, "letter") for text in section.paragraphs] or [para(_("（无）"), "letter")]
        story += body
        if section.grid is not None:
            story.append(Spacer(0, 2 * mm))
            story.append(pdf_grid(section.grid))
    story += [Spacer(0, 12 * mm), para(plan.organisation, "right"), para(plan.cover_date, "right")]
    return build_pdf(story, title=plan.title, author=plan.organisation, subject=plan.batch_code,
                     footer=_("考核方案 %(c)s") % {"c": plan.batch_code})


# --- Word -------------------------------------------------------------------------------------

DOCX_BODY_FONT = "宋体"  # SimSun: every Chinese Windows and Office install has it
DOCX_HEADING_FONT = "黑体"  # SimHei
DOCX_LATIN_FONT = "Times New Roman"


def docx_fonts(r_pr_owner: Any, east_asia: str, latin: str = DOCX_LATIN_FONT) -> None:
    """Name the fonts of a run or style: Latin text in `latin`, Chinese (w:eastAsia) in
    `east_asia`. Theme fonts are removed, since they would override the names."""
    r_pr = r_pr_owner.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def docx_setup_styles(document: Any) -> None:
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    docx_fonts(normal.element, DOCX_BODY_FONT)
    r_pr = normal.element.get_or_add_rPr()
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.ONE_POINT_FIVE
    normal.paragraph_format.space_after = Pt(0)
    heading = document.styles["Heading 1"]
    heading.font.size = Pt(14)
    heading.font.bold = False
    heading.font.color.rgb = RGBColor(0, 0, 0)
    heading.paragraph_format.space_before = Pt(10)
    heading.paragraph_format.space_after = Pt(4)
    docx_fonts(heading.element, DOCX_HEADING_FONT)


def docx_line(document: Any, text: str, *, size: float = 12, font: str = DOCX_BODY_FONT, center: bool = False,
               right: bool = False, indent: bool = False, bold: bool = False) -> Any:
    paragraph = document.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    docx_fonts(run._element, font)
    return paragraph


def docx_grid(document: Any, grid: Grid) -> None:
    rows = grid.rows or [[_("（无）")] + [""] * (len(grid.headers) - 1)]
    table = document.add_table(rows=1 + len(rows), cols=len(grid.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    centred = set(grid.center_columns)
    for r, values in enumerate([grid.headers, *rows]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.width = Mm(grid.widths[c])
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.line_spacing = 1.0
            if r == 0 or c in centred:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run()
            for n, line in enumerate(str(value).split("\n")):
                if n:
                    run.add_break()
                run.add_text(line)
            run.font.size = Pt(10.5)
            run.font.bold = r == 0
    if not grid.rows:
        table.cell(1, 0).merge(table.cell(1, len(grid.headers) - 1))
    elif grid.total_row:
        last = len(rows)
        merged = table.cell(last, 0).merge(table.cell(last, 2))
        for paragraph in merged.paragraphs[1:]:
            paragraph._element.getparent().remove(paragraph._element)


def plan_docx(batch: Batch, *, today: dt.date | None = None) -> bytes:
    """The assessment plan as a Word document (same content as `plan_pdf`), for the
    organisation to edit. The nine headings use the style 标题 1 (Heading 1); Chinese
    text is set in 宋体/黑体 through w:eastAsia."""
    plan = _gather_plan(batch, today)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(25)
    docx_setup_styles(document)

    for _blank in range(5):
        document.add_paragraph()
    docx_line(document, _("职业技能等级认定"), size=26, font=DOCX_HEADING_FONT, center=True)
    docx_line(document, _("考　核　方　案"), size=36, font=DOCX_HEADING_FONT, center=True)
    for _blank in range(8):
        document.add_paragraph()
    for text in (plan.organisation, plan.batch_name, plan.cover_date):
        docx_line(document, text, size=16, center=True)
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)

    for line in plan.title_lines.splitlines():
        docx_line(document, line, size=18, font=DOCX_HEADING_FONT, center=True)
    docx_line(document, plan.preamble, indent=True)
    for part in plan.sections:
        document.add_heading(part.heading, level=1)
        for text in part.paragraphs or [_("（无）")]:
            docx_line(document, text, indent=True)
        if part.grid is not None:
            docx_grid(document, part.grid)
            document.add_paragraph()
    document.add_paragraph()
    docx_line(document, plan.organisation, right=True)
    docx_line(document, plan.cover_date, right=True)

    properties = document.core_properties
    properties.title = plan.title
    properties.author = plan.organisation
    properties.subject = plan.batch_code
    properties.language = "zh-CN"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# The candidate list filed with the plan


def candidate_list_xlsx(batch: Batch) -> bytes:
    """The accepted candidates filed with the plan (符合报名条件的人员信息 [SD 4(4)]).

    The 证件号码 column holds the FULL ID number, unmasked: the authority files and
    checks the list against its records. Serve it only to the organisation's batch
    managers and the authority the plan is filed with. Formula-like values are
    written as text (core.tabular.write_xlsx)."""
    applications = (batch.applications.filter(status=Application.Status.ACCEPTED)
                    .select_related("person__id_type", "person__organisation", "item__occupation",
                                    "item__work_type", "item__level")
                    .order_by("number"))
    rows = []
    for i, a in enumerate(applications, start=1):
        person = a.person
        item = a.item
        rows.append([
            i, a.number, a.name, _SEX.get(a.sex, a.sex), person.id_type.name, person.id_number,
            item.occupation.name, item.work_type.name if item.work_type_id and item.work_type else "",
            item.level_label, a.get_route_display() if a.route else "", a.rule_label,
            person.organisation.name if person.organisation_id and person.organisation else "",
        ])
    return write_xlsx(list(CANDIDATE_LIST_HEADERS), rows, title=_("考生名单"))


# ---------------------------------------------------------------------------------------------
# The review commitment letter (SD att.3)


def commitment_pdf(batch: Batch) -> bytes:
    """The review commitment letter (报名资料审核承诺书, SD att.3) of a batch, with the
    signatory and date once signed (a plan sent back by the authority clears the
    signature date, and the letter is blank again until re-signed)."""
    organisation = batch.organisation.name
    signed = bool(batch.commitment_signed_by and batch.commitment_signed_at)
    title = _("职业技能等级认定报名资料审核承诺书")
    letter = styles()["letter"]
    signature = ParagraphStyle("commitment_signature", parent=letter, firstLineIndent=0, leftIndent=FRAME_WIDTH * 0.45)
    heading = ParagraphStyle("commitment_title", parent=styles()["title"], fontSize=18, leading=28,
                             alignment=TA_CENTER, spaceAfter=10 * mm)
    opening = ParagraphStyle("commitment_opening", parent=letter, firstLineIndent=0)
    story: list[Flowable] = [Spacer(0, 15 * mm), plan_paragraph(title, heading), plan_paragraph(_("我单位承诺："), opening),
                             Spacer(0, 3 * mm), para(REVIEW_COMMITMENT_TEXT % {"name": batch.name}, "letter"),
                             Spacer(0, 30 * mm)]
    lines = [
        _("负责人签字：%(s)s") % {"s": batch.commitment_signed_by if signed else BLANK_SIGNATURE},
        _("单位名称：%(o)s") % {"o": organisation},
        _("（盖章）"),
        _date(batch.commitment_signed_at) if signed else BLANK_DATE,
    ]
    story += [plan_paragraph(text, signature) for text in lines]
    story += [Spacer(0, 20 * mm),
              para(_("批次编号：%(c)s") % {"c": batch.code}
                   + ("" if signed else _("（尚未签署：全部报名审核完毕后由负责人签署）")), "small")]
    return build_pdf(story, title=title, author=organisation, subject=batch.code,
                     footer=_("审核承诺书 %(c)s") % {"c": batch.code})


# ---------------------------------------------------------------------------------------------
# The application form (SD att.1)


class _Choices(Flowable):
    """The printed form's check boxes (□ 正常申报 □ 破格申报 …), drawn as squares (the
    font's □ is too small to read) with a ✓ in the chosen one; the options wrap onto
    as many lines as the cell needs."""

    def __init__(self, choices: Sequence[tuple[str, Any]], selected: str, *, size: float = 9,
                 leading: float = 14) -> None:
        super().__init__()
        self.options = [(str(label), value == selected) for value, label in choices]
        self.size = size
        self.leading = leading
        self.lines: list[list[tuple[float, str, bool]]] = []

    def _option_width(self, label: str) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        return self.size * 1.25 + stringWidth(label, register_fonts(), self.size)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 (reportlab's names)
        gap = self.size
        self.lines = []
        line: list[tuple[float, str, bool]] = []
        x = 0.0
        for label, chosen in self.options:
            width = self._option_width(label)
            if line and x + width > availWidth:
                self.lines.append(line)
                line, x = [], 0.0
            line.append((x, label, chosen))
            x += width + gap
        if line:
            self.lines.append(line)
        self.width = availWidth
        self.height = self.leading * len(self.lines)
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        side = self.size * 0.85
        canvas.setLineWidth(0.6)
        for n, line in enumerate(self.lines):
            baseline = self.height - (n + 1) * self.leading + (self.leading - self.size) / 2 + self.size * 0.15
            for x, label, chosen in line:
                canvas.rect(x, baseline - self.size * 0.05, side, side, stroke=1, fill=0)
                canvas.setFont(register_fonts(), self.size)
                if chosen:
                    canvas.drawCentredString(x + side / 2, baseline + self.size * 0.02, "✓")
                canvas.drawString(x + self.size * 1.25, baseline, label)


_PHOTO_BOX = (26 * mm, 38 * mm)  # what fits inside the photo cell, padding included
# Seven columns: label, value, label, value, label, value, photo (mm; they add up to the frame).
_FORM_WIDTHS = [20, 26, 22, 26, 28, 26, 30]


def application_photo(application: Application) -> Flowable | None:
    """The candidate's photo when it is a readable JPEG or PNG, scaled into the box."""
    if not application.photo:
        return None
    try:
        with application.photo.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return None
    if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")):
        return None
    try:
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(data)) as picture:
            picture.verify()
        with PILImage.open(io.BytesIO(data)) as picture:
            width, height = picture.size
    except Exception:
        return None
    if not width or not height:
        return None
    scale = min(_PHOTO_BOX[0] / width, _PHOTO_BOX[1] / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


def _level_names() -> dict[int, str]:
    return {lv.code: str(lv) for lv in Level.objects.filter(code__isnull=False) if lv.code is not None}


def _certificate_rows(application: Application, levels: dict[int, str]) -> list[list[Any]]:
    """Two rows per held certificate (SD att.1: 证书类别/等级, 职业工种/证书编号/发证时间)."""
    certificates: list[HeldCertificate | None] = [
        *application.certificates.select_related("occupation").order_by("pk")] or [None]
    rows: list[list[Any]] = []
    for n, cert in enumerate(certificates):
        caption = _("现有技能或专业技术类证书情况") if n == 0 else ""
        level = levels.get(cert.level, str(cert.level)) if cert and cert.level else ""
        occupation = cert.occupation.name if cert and cert.occupation else ""
        rows.append([caption, _("证书类别"), _Choices(HeldCertificate.Kind.choices, cert.kind if cert else ""), "", "",
                     _("等级"), level])
        rows.append(["", _("职业工种"), occupation, _("证书编号"), cert.number if cert else "", _("发证时间"),
                     _date(cert.issued_on) if cert else ""])
    return rows


def _history(application: Application) -> str:
    lines = [line for line in (application.work_history or "").splitlines() if line.strip()]
    awards = list(application.awards.order_by("year", "pk"))
    if awards:
        lines.append(_("奖励、荣誉、成果："))
        for award in awards:
            rank = _("第%(n)d名") % {"n": award.rank} if award.rank else ""
            lines.append(f"{award.year}年　{award.get_tier_display()}　{award.name}" + (f"　{rank}" if rank else ""))
    return "\n".join(lines)


def _unit_opinion(application: Application) -> str:
    Status = Application.Status
    text = {
        Status.ACCEPTED: _("审核通过，符合申报条件。"),
        Status.REJECTED: _("审核不通过。"),
        Status.RETURNED: _("退回修改。"),
        Status.WITHDRAWN: _("考生已撤回报名。"),
    }.get(Status(application.status), _("待审核。"))
    if application.review_reason:
        text += _("意见：%(r)s") % {"r": application.review_reason}
    return text


@dataclass
class _Block:
    """A captioned block of the form's lower part (工作简历…, 个人承诺, 单位意见): one row
    per paragraph, so a long text continues on the next page; `signature` is printed
    right-aligned under the text."""

    caption: str
    paragraphs: list[str]
    min_height: float
    signature: str = ""


_MAX_SPANNED_LINES = 30  # a caption spans its block (centred) while the block surely fits a page


def _blocks_table(blocks: Sequence[_Block]) -> Table:
    """The captioned blocks as one bordered two-column table without inner lines inside a
    block: it reads like the printed form's merged cells, yet splits between (and inside)
    rows, so no text can be too long for a page."""
    right = ParagraphStyle("form_signature", parent=styles()["cell"], alignment=TA_RIGHT)
    text_width = sum(_FORM_WIDTHS[1:])
    chars_per_line = max(1, int(text_width / 3.3))  # 9 pt Chinese characters in the text column
    rows: list[list[Any]] = []
    heights: list[float] = []
    commands: list[tuple[Any, ...]] = [
        ("BOX", (0, 0), (-1, -1), 0.6, GRID), ("LINEAFTER", (0, 0), (0, -1), 0.6, GRID),
        ("VALIGN", (0, 0), (0, -1), "MIDDLE"), ("VALIGN", (1, 0), (1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for block in blocks:
        first = len(rows)
        cells: list[Any] = [para(text, "cell") for text in block.paragraphs or [""]]
        if block.signature:
            cells.append(plan_paragraph(block.signature, right))
        for n, cell in enumerate(cells):
            rows.append([para(block.caption, "label") if n == 0 else "", cell])
            heights.append(0)
        last = len(rows) - 1
        # Room to write in: the text row before the signature (or the last row) takes the slack.
        pad = last - 1 if block.signature else last
        heights[pad] = max(0, block.min_height - (len(cells) - 1) * 6 * mm)
        commands += [("BACKGROUND", (0, first), (0, last), LABEL_BACKGROUND),
                     ("LINEABOVE", (0, first), (-1, first), 0.6, GRID)]
        if block.signature:
            commands.append(("TOPPADDING", (1, last), (1, last), 3 * mm))
        lines = sum(max(1, -(-len(text) // chars_per_line)) for text in block.paragraphs)
        if lines <= _MAX_SPANNED_LINES:
            commands.append(("SPAN", (0, first), (0, last)))
    table = Table(rows, colWidths=[_FORM_WIDTHS[0] * mm, text_width * mm], minRowHeights=heights,
                  splitInRow=1, hAlign="CENTER")
    table.setStyle(commands)
    return table


def application_form_pdf(application: Application, *, full_id: bool = False) -> bytes:
    """One candidate's application form (职业技能等级认定申报表, SD att.1) in the seed's
    grid. The ID number is masked unless `full_id=True` (for the organisation's own
    paper file; the caller decides who may ask for it)."""
    a = application
    person = a.person
    batch = a.batch
    organisation = batch.organisation.name
    item = a.item
    id_label = _("身份证号") if person.id_type.is_resident_id else _("证件号码（%(t)s）") % {"t": person.id_type.name}
    id_number = person.id_number if full_id else person.masked_id_number
    photo = application_photo(a) or para(_("二寸\n近期\n免冠\n照片"), "label")
    years = f"{a.years_in_occupation.normalize():f}" if a.years_in_occupation is not None else ""

    rows: list[list[Any]] = [
        [_("姓　名"), a.name, _("性别"), _SEX.get(a.sex, a.sex), _("出生日期"), _date(a.birth_date), photo],
        [_("文化程度"), a.education, id_label, id_number, "", "", ""],
        [_("所学专业"), a.major, _("联系电话"), a.phone, "", "", ""],
        [_("毕业时间"), _date(a.graduated_on), _("参加工作时间"), _date(a.work_started_on), _("政治面貌"),
         a.political_status, ""],
        [_("现从事岗位"), a.current_post, _("岗位年限"), _("%(y)s年") % {"y": years} if years else "", _("工种方向"),
         a.work_type_direction, ""],
    ]
    spans = [((6, 0), (6, 4)), ((3, 1), (5, 1)), ((3, 2), (5, 2))]
    labels = [(0, r) for r in range(5)] + [(2, r) for r in range(5)] + [(4, 0), (4, 3), (4, 4)]

    start = len(rows)
    rows += _certificate_rows(a, _level_names())
    for r in range(start, len(rows), 2):
        spans.append(((2, r), (4, r)))
        labels += [(1, r), (5, r), (1, r + 1), (3, r + 1), (5, r + 1)]
    if len(rows) - start <= 2 * 8:  # the caption spans the certificates while they surely fit a page
        spans.append(((0, start), (0, len(rows) - 1)))
    labels += [(0, r) for r in range(start, len(rows))]

    start = len(rows)
    condition = a.condition_text or a.rule_label or _("（填写具体申报条件内容）")
    rows += [
        [_("申报技能等级认定情况"), _("申报职业"), item.occupation.name, _("工种方向"),
         item.work_type.name if item.work_type_id and item.work_type else a.work_type_direction, _("等级"),
         item.level_label],
        ["", _("申报类别及条件"), _Choices(Application.Route.choices, a.requested_route), "", condition, "", ""],
    ]
    spans += [((0, start), (0, start + 1)), ((2, start + 1), (3, start + 1)), ((4, start + 1), (6, start + 1))]
    labels += [(0, start), (1, start), (3, start), (5, start), (1, start + 1)]

    if a.commitment_signed:
        signature = _("申报人（签字）：%(n)s　（已于%(d)s在线签署）") % {
            "n": a.name, "d": _date(a.commitment_signed_at) or _("报名时")}
    else:
        signature = _("（尚未签署）申报人（签字）：%(b)s　%(d)s") % {"b": BLANK_SIGNATURE, "d": BLANK_DATE}
    reviewed = a.status in (Application.Status.ACCEPTED, Application.Status.REJECTED, Application.Status.RETURNED)
    stamp = _("%(o)s（章）　%(d)s") % {"o": organisation,
                                     "d": _date(a.reviewed_at) if reviewed and a.reviewed_at else BLANK_DATE}

    # Captions are centred, like the printed form's.
    for c, r in labels:
        if isinstance(rows[r][c], str):
            rows[r][c] = para(rows[r][c], "label")
    table = grid_table(rows, [w * mm for w in _FORM_WIDTHS], label_cells=labels, spans=spans,
                       min_row_heights=dict.fromkeys(range(5), 9 * mm))
    table.setStyle([("ALIGN", (6, 0), (6, 0), "CENTER")])
    blocks = _blocks_table([
        _Block(_("工作简历及奖励、荣誉、成果等"), _history(a).splitlines(), 45 * mm),
        _Block(_("个人承诺"), [CANDIDATE_COMMITMENT_TEXT], 22 * mm, signature),
        _Block(_("单位意见"), _unit_opinion(a).splitlines(), 22 * mm, stamp),
    ])

    title = _("职业技能等级认定申报表")
    header = _("报名号：%(n)s　　认定批次：%(b)s") % {"n": a.number, "b": batch.name}
    story: list[Flowable] = [para(title, "title"), para(header, "small"), Spacer(0, 2 * mm), table, blocks]
    if not full_id:
        story += [Spacer(0, 2 * mm), para(_("备注：证件号码已脱敏显示。"), "small")]
    return build_pdf(story, title=title, author=organisation, subject=a.number,
                     footer=_("申报表 %(n)s") % {"n": a.number})
