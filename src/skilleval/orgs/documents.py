"""The documents of a filing: the filing form (备案表) as PDF and as an Excel
workbook, laid out like the seeds' forms (BB att.3 职业技能等级认定企业备案表,
TJ att.1 职业技能等级认定机构备案申请表), and the filing receipt (备案回执 /
认定工作同意函) of an approved application [BB 3(4), TJ 3(3)].

Pure functions: they read the application and return bytes; nothing is written.
ID numbers on the rosters are always masked. The content is gathered once
(`_FilingForm`) and laid out twice, so the PDF and the workbook never disagree."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from skilleval.catalog.models import Level
from skilleval.core.errors import DomainError
from skilleval.core.pdf import FRAME_WIDTH, build_pdf, grid_table, para, section_bar, text_box
from skilleval.core.tabular import safe_cell

from .models import (
    REQUIRED_MATERIALS,
    FilingApplication,
    MaterialCategory,
    Nature,
    ScopeItem,
    StaffMember,
)

PLEDGE_TEXT = "本人承诺申报材料真实有效，如有虚假，自愿退出。"
_NUMERALS = "一二三四五六七八九十"


# ---------------------------------------------------------------------------------------------
# Formatting


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _display(value: Any) -> str:
    """A form value as printed: money with two decimals, nothing for an empty field."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _money(value)
    return str(value)


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return _("%(y)d年%(m)d月%(d)d日") % {"y": value.year, "m": value.month, "d": value.day}


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(size, 1) / 1024:.1f} KB"


def _level_names(*, short: bool = False) -> dict[int, str]:
    """Certificate level code -> "五级/初级工" (or "五级" when short)."""
    return {lv.code: (lv.name if short else str(lv)) for lv in Level.objects.filter(code__isnull=False)
            if lv.code is not None}


def _levels_text(codes: Sequence[int], names: dict[int, str], separator: str = "、") -> str:
    """Levels from the lowest (五级, code 5) up, as the seeds list them."""
    return separator.join(names.get(code, str(code)) for code in sorted(codes, reverse=True))


def _standard_text(kind_label: str, name: str) -> str:
    return kind_label if not name or name == kind_label else f"{kind_label}：{name}"


# ---------------------------------------------------------------------------------------------
# The content of the filing form, gathered once


@dataclass
class _Grid:
    """A table of the form: a caption, column headers and rows of text."""

    caption: str
    headers: list[str]
    rows: list[list[str]]
    pdf_widths: Sequence[float]  # in mm, adding up to the frame width
    xlsx_spans: Sequence[int] = field(default_factory=list)  # columns of the sheet 备案表 each column spans


@dataclass
class _Section:
    """A numbered section: texts, then tables, then texts (each text with an optional sub-heading)."""

    heading: str
    before: list[tuple[str, str]] = field(default_factory=list)
    grids: list[_Grid] = field(default_factory=list)
    after: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _FilingForm:
    title: str
    subtitle: str
    enterprise: str
    header: list[tuple[str, str]]
    basic: list[list[tuple[str, Any]]]  # rows of (label, raw value) pairs; one pair spans the row
    persons: _Grid
    occupations: _Grid
    sections: list[_Section]
    materials: _Grid
    pledge: list[tuple[str, str]]
    opinion_heading: str
    opinion: list[tuple[str, str]]  # (label, text); empty when undecided
    authority: str
    decided_on: str
    reference: str


# Roster columns of TJ att.1 五, with their PDF widths (mm) and spans on the sheet 备案表.
_ROSTER_COLUMNS: dict[str, tuple[list[str], Sequence[float], Sequence[int]]] = {
    StaffMember.Role.FULL_TIME: (["序号", "姓名", "身份证号", "职务/职称", "学历", "主要工作职责"],
                                 [10, 20, 34, 36, 16, 62], [1, 1, 1, 1, 2, 3]),
    StaffMember.Role.EXPERT: (["序号", "姓名", "身份证号", "所在单位", "职务/职称/技能等级", "学历", "专业方向"],
                              [10, 16, 34, 36, 28, 12, 42], [1, 1, 1, 1, 1, 1, 3]),
    StaffMember.Role.EXAMINER: (["序号", "姓名", "身份证号", "所在单位", "职务/职称/技能等级", "学历", "考评职业",
                                 "考评等级"], [10, 13, 34, 34, 18, 10, 31, 28], [1, 1, 1, 1, 1, 1, 1, 2]),
    StaffMember.Role.SUPERVISOR: (["序号", "姓名", "身份证号", "所在单位", "职务/职称/技能等级", "学历"],
                                  [10, 20, 34, 50, 44, 20], [1, 1, 1, 1, 1, 4]),
}


def _roster_row(index: int, member: StaffMember, short_levels: dict[int, str]) -> list[str]:
    row = [str(index), member.name, member.masked_id_number]
    if member.role == StaffMember.Role.FULL_TIME:
        return row + [member.title, member.education, member.duty]
    row += [member.unit, member.title, member.education]
    if member.role == StaffMember.Role.EXPERT:
        row.append(member.duty)
    elif member.role == StaffMember.Role.EXAMINER:
        occupation = member.occupation
        row += [f"{occupation.name}（{occupation.code}）" if occupation else "",
                _levels_text(member.levels, short_levels)]
    return row


def _nature_boxes(nature: str) -> str:
    return "　".join(("■" if value == nature else "□") + str(label) for value, label in Nature.choices)


def _gather(application: FilingApplication) -> _FilingForm:
    a = application
    organisation = a.organisation
    is_scope = a.kind == FilingApplication.Kind.SCOPE
    level_names = _level_names()
    short_levels = _level_names(short=True)

    header = [(_("申请编号"), a.reference), (_("申请类型"), a.get_kind_display()), (_("状态"), a.get_status_display())]
    if organisation.filing_number:
        header.append((_("备案号"), organisation.filing_number))
    if a.submitted_at:
        header.append((_("提交日期"), _date(a.submitted_at)))

    basic: list[list[tuple[str, Any]]] = [
        [(_("企业名称"), a.enterprise_name)],
        [(_("注册地址"), a.registered_address)],
        [(_("统一社会信用代码"), a.uscc), (_("注册登记机构"), a.registration_authority)],
        [(_("注册资本（万元）"), a.registered_capital), (_("上年度资产总额（万元）"), a.total_assets)],
        [(_("单位性质"), _nature_boxes(a.nature))],
        [(_("注册经营范围"), a.business_scope)],
        [(_("上年度职工工资总额（万元）"), a.payroll_total), (_("上年度销售、营业总额（万元）"), a.revenue)],
        [(_("上年度职工教育经费提取数额（万元）"), a.training_fund_extracted),
         (_("其中用于技能人才培养（万元）"), a.training_fund_for_skills)],
        [(_("技术工人总数（人）"), a.technical_workers), (_("高级工数（人）"), a.senior_workers)],
        [(_("技师数（人）"), a.technicians), (_("高级技师数（人）"), a.senior_technicians)],
    ]
    persons = _Grid("", ["", _("姓名"), _("职务/职称"), _("电话（传真）"), _("电子邮箱")], [
        [_("主要负责人"), a.principal_name, a.principal_title, a.principal_phone, a.principal_email],
        [_("工作联系人"), a.contact_name, a.contact_title, a.contact_phone, a.contact_email],
    ], [38, 28, 42, 32, 38], [2, 1, 1, 2, 3])

    occupation_headers = [_("序号"), _("职业名称"), _("职业编码"), _("工种名称"), _("认定等级"),
                          _("依据的职业标准/评价规范"), _("题库资源情况")]
    widths, spans = [10, 26, 22, 24, 30, 36, 30], [1, 1, 1, 1, 1, 2, 2]
    if is_scope:
        occupation_headers.append(_("调整方式"))
        widths, spans = [10, 24, 20, 22, 28, 30, 26, 18], [1, 1, 1, 1, 1, 2, 1, 1]
    occupation_rows = []
    lines = a.occupations.select_related("occupation", "work_type").order_by("occupation__code", "pk")
    for i, line in enumerate(lines, start=1):
        bank = line.get_question_bank_display()
        row = [str(i), line.occupation.name, line.occupation.code, line.work_type.name if line.work_type else "",
               _levels_text(line.levels, level_names, "\n"),
               _standard_text(line.get_standard_kind_display(), line.standard_name),
               f"{bank}：{line.question_bank_note}" if line.question_bank_note else bank]
        if is_scope:
            row.append(line.get_change_display())
        occupation_rows.append(row)
    occupations = _Grid(_("申请开展职业技能等级认定的职业（工种）"), occupation_headers, occupation_rows, widths,
                        spans)

    staff = list(a.staff.select_related("occupation").order_by("pk"))
    rosters = []
    for n, role in enumerate(StaffMember.Role):
        headers, role_widths, role_spans = _ROSTER_COLUMNS[role]
        members = [m for m in staff if m.role == role]
        rows = [_roster_row(i, m, short_levels) for i, m in enumerate(members, start=1)]
        rosters.append(_Grid(f"（{_NUMERALS[n]}）{role.label}", [_(h) for h in headers], rows, role_widths,
                             role_spans))

    equipment = _Grid(_("（二）设施设备情况"), [_("序号"), _("名称"), _("品牌"), _("规格/型号"), _("数量"), _("所有权归属")],
                      [[str(i), e.name, e.brand, e.model, str(e.quantity), e.ownership]
                       for i, e in enumerate(a.equipment.order_by("pk"), start=1)], [10, 48, 30, 42, 18, 30],
                      [1, 2, 1, 1, 1, 3])

    sections = []
    if is_scope:
        sections.append(_Section(_("职业范围调整理由"), [("", a.adjustment_reason)]))
    sections += [
        _Section(_("企业基本情况，企业技能人才培养、评价、使用、激励等人力资源管理制度建设情况（附相关文件材料）"), [
            ("", a.hr_systems), (_("具备的组织优势、专业优势"), a.strengths)]),
        _Section(_("企业职工教育经费提取及使用情况说明（附相关佐证材料）"), [("", a.training_fund_usage)]),
        _Section(_("企业专门负责职工培训考核的内设机构情况、现有专职工作人员、专家、考评员、质量督导员等专业人员情况"),
                 [("", a.training_department)], rosters),
        _Section(_("企业考核场地、设施设备、视频监控系统、信息管理系统等资产情况"), [
            (_("（一）场地情况"), a.site_description)], [equipment],
            [(_("（三）计算机考务管理及视频监控设备配置情况"), a.it_and_video)]),
    ]
    if is_scope:
        # An adjustment carries only what changes (new examiners, sites): leave out what it left empty.
        for section in sections:
            section.grids = [g for g in section.grids if g.rows]
        sections = [s for s in sections if s.grids or any(text for _sub, text in s.before + s.after)]

    attachments = list(a.attachments.order_by("category", "pk"))
    order = {value: i for i, value in enumerate(MaterialCategory.values)}
    attachments.sort(key=lambda x: (order.get(x.category, 99), x.pk))
    material_rows = [[str(i), x.get_category_display(), x.original_name, _size(x.size), _date(x.created_at)]
                     for i, x in enumerate(attachments, start=1)]
    present = {x.category for x in attachments}
    for category in REQUIRED_MATERIALS[FilingApplication.Kind(a.kind)]:
        if category not in present:
            material_rows.append([str(len(material_rows) + 1), str(MaterialCategory(category).label), _("（未上传）"), "",
                                  ""])
    materials = _Grid(_("申请材料目录"), [_("序号"), _("材料类别"), _("文件名"), _("大小"), _("上传日期")],
                      material_rows, [10, 52, 70, 18, 28], [1, 2, 2, 1, 3])

    # A scope adjustment is covered by the filing's pledge unless it carries its own.
    pledge = [] if is_scope and not a.pledge_accepted else [
        ("", PLEDGE_TEXT if a.pledge_accepted else PLEDGE_TEXT + _("（尚未签署）")),
        (_("法定代表人（签字）"), a.pledge_signatory if a.pledge_accepted else ""),
        (_("单位名称（公章）"), a.enterprise_name or organisation.name),
        (_("承诺日期"), _date(a.pledged_at) if a.pledge_accepted else ""),
    ]

    authority = a.jurisdiction.authority_name or str(a.jurisdiction)
    opinion: list[tuple[str, str]] = []
    decided = a.status in (FilingApplication.Status.APPROVED, FilingApplication.Status.REJECTED) and a.decided_at
    if decided:
        evaluation = a.evaluations.first()
        if evaluation is not None:
            opinion.append((_("专家评估"), _("%(form)s（%(date)s），评估专家：%(experts)s。结论：%(c)s。意见：%(o)s") % {
                "form": evaluation.get_form_display(), "date": _date(evaluation.evaluated_on),
                "experts": evaluation.experts, "c": evaluation.get_conclusion_display(), "o": evaluation.opinions}))
        if a.status == FilingApplication.Status.APPROVED:
            if is_scope:
                decision = _("同意调整职业技能等级认定职业（工种）范围。")
            else:
                decision = _("同意备案。备案号：%(n)s；证书编号号段：%(r)s；备案有效期：%(f)s至%(u)s。") % {
                    "n": organisation.filing_number or "", "r": organisation.serial_range_display,
                    "f": _date(organisation.filing_valid_from), "u": _date(organisation.filing_valid_until)}
        else:
            decision = _("不予通过。")
        if a.decision_reason:
            decision += a.decision_reason
        opinion.append((_("审批意见"), decision))

    return _FilingForm(
        title=_("职业技能等级认定企业备案表"), subtitle=_("（职业范围调整）") if is_scope else "",
        enterprise=a.enterprise_name or organisation.name, header=header, basic=basic,
        persons=persons, occupations=occupations, sections=sections, materials=materials, pledge=pledge,
        opinion_heading=_("人力资源社会保障部门意见"), opinion=opinion, authority=authority,
        decided_on=_date(a.decided_at) if decided else "", reference=a.reference,
    )


# ---------------------------------------------------------------------------------------------
# PDF


def _keep_with_next(flowable: Flowable) -> Flowable:
    flowable.keepWithNext = 1
    return flowable


def _pdf_grid(grid: _Grid) -> Flowable:
    rows = grid.rows or [[_("（无）")] + [""] * (len(grid.headers) - 1)]
    spans = [((0, 1), (-1, 1))] if not grid.rows else []
    return grid_table([grid.headers, *rows], [w * mm for w in grid.pdf_widths], header_rows=1, spans=spans,
                      center_columns=[0] if grid.rows and grid.headers[0] == _("序号") else [])


def _pdf_caption(text: str) -> Flowable:
    table = grid_table([[text]], [FRAME_WIDTH])
    return _keep_with_next(table)


def _pdf_basic(form: _FilingForm) -> list[Flowable]:
    widths = [38 * mm, 51 * mm, 38 * mm, 51 * mm]
    rows: list[list[str]] = []
    spans = []
    labels = []
    for r, pairs in enumerate(form.basic):
        if len(pairs) == 1:
            rows.append([pairs[0][0], _display(pairs[0][1]), "", ""])
            spans.append(((1, r), (3, r)))
            labels.append((0, r))
        else:
            rows.append([pairs[0][0], _display(pairs[0][1]), pairs[1][0], _display(pairs[1][1])])
            labels += [(0, r), (2, r)]
    basic = grid_table(rows, widths, label_cells=labels, spans=spans,
                       min_row_heights=dict.fromkeys(range(len(rows)), 8 * mm))
    persons = grid_table([form.persons.headers, *form.persons.rows], [w * mm for w in form.persons.pdf_widths],
                         header_rows=1, label_cells=[(0, 1), (0, 2)], min_row_heights={1: 8 * mm, 2: 8 * mm})
    return [basic, persons]


def _pdf_opinion(form: _FilingForm) -> list[Flowable]:
    flowables: list[Flowable] = [_keep_with_next(section_bar(form.opinion_heading))]
    rows = [[label, text] for label, text in form.opinion]
    signature = para(_("%(a)s（盖章）\n%(d)s") % {"a": form.authority, "d": form.decided_on or _("年　　月　　日")},
                     "right")
    if rows:
        rows.append([signature, ""])
        table = grid_table(rows, [38 * mm, FRAME_WIDTH - 38 * mm], label_cells=[(0, i) for i in range(len(rows) - 1)],
                           spans=[((0, len(rows) - 1), (1, len(rows) - 1))])
    else:
        table = grid_table([[signature]], [FRAME_WIDTH], min_row_heights={0: 32 * mm})
        table.setStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")])
    flowables.append(table)
    return flowables


def filing_form_pdf(application: FilingApplication) -> bytes:
    """The filing form (备案表) of an application as a PDF, in the layout of BB att.3
    with the rosters, equipment and pledge of TJ att.1."""
    form = _gather(application)
    story: list[Flowable] = [para(form.title, "title")]
    if form.subtitle:
        story.append(para(form.subtitle, "subtitle"))
    story.append(para("　　".join(f"{label}：{value}" for label, value in form.header), "small"))
    story.append(Spacer(0, 2 * mm))
    story.append(para(_("填报单位（盖章）：%(n)s") % {"n": form.enterprise}, "body"))
    story.append(Spacer(0, 2 * mm))

    number = iter(_NUMERALS)
    story.append(_keep_with_next(section_bar(f"{next(number)}、" + _("企业基本信息"))))
    story += _pdf_basic(form)
    story.append(_keep_with_next(section_bar(f"{next(number)}、{form.occupations.caption}")))
    story.append(_pdf_grid(form.occupations))
    for section in form.sections:
        story.append(_keep_with_next(section_bar(f"{next(number)}、{section.heading}")))
        for subheading, text in section.before:
            if subheading:
                story.append(_pdf_caption(subheading))
            story.append(text_box(text))
        for grid in section.grids:
            story.append(_pdf_caption(grid.caption))
            story.append(_pdf_grid(grid))
        for subheading, text in section.after:
            story.append(_pdf_caption(subheading))
            story.append(text_box(text))
    story.append(_keep_with_next(section_bar(f"{next(number)}、{form.materials.caption}")))
    story.append(_pdf_grid(form.materials))
    if form.pledge:
        story.append(_keep_with_next(section_bar(f"{next(number)}、" + _("诚信承诺"))))
        pledge_rows = [[form.pledge[0][1], ""]] + [[label, value] for label, value in form.pledge[1:]]
        story.append(grid_table(pledge_rows, [38 * mm, FRAME_WIDTH - 38 * mm], spans=[((0, 0), (1, 0))],
                                label_cells=[(0, i) for i in range(1, len(pledge_rows))],
                                min_row_heights={0: 12 * mm, 1: 10 * mm}))
    story += _pdf_opinion(form)
    story.append(Spacer(0, 3 * mm))
    story.append(para(_("备注：本表由系统依据申请 %(r)s 的填报内容生成；人员身份证号已脱敏显示。") % {"r": form.reference},
                      "small"))
    return build_pdf(story, title=form.title, author=form.enterprise, subject=form.reference,
                     footer=f"{form.title} {form.reference}")


# ---------------------------------------------------------------------------------------------
# XLSX

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="center")
_WRAP_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
_WRAP_RIGHT = Alignment(wrap_text=True, vertical="bottom", horizontal="right")
# Columns A..I of the sheet 备案表; label/value blocks use A:B, C:D, E:F and G:I.
_FORM_WIDTHS = [6, 12, 21, 22, 18, 9, 20, 12, 10]
_FORM_COLUMNS = len(_FORM_WIDTHS)
_NUMBER_HEADERS = ("序号", "数量")
_MAX_ROW_HEIGHT = 409  # Excel's limit, in points


def _text_width(text: str) -> int:
    """Display width in Excel character units: a CJK character counts two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _lines_needed(text: str, width: float) -> int:
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(_text_width(line) / usable)) for line in (text or "").split("\n"))


class _FormSheet:
    """Writes label/value blocks and tables into a worksheet row by row, the way the
    paper form is drawn: merged cells, borders, wrapped text, row heights that fit."""

    def __init__(self, sheet: Worksheet, widths: Sequence[float]):
        self.sheet = sheet
        self.widths = list(widths)
        self.row = 1
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width

    def line(self, cells: Sequence[tuple[Any, int, str]], *, min_lines: int = 1) -> None:
        """One row of (value, number of columns spanned, kind): kind is "label", "value",
        "header", "section", "title", "number" (centred), "signature" (right-aligned) or "plain"
        (no border)."""
        column = 1
        lines = min_lines
        for value, span, kind in cells:
            cell = self.sheet.cell(row=self.row, column=column, value=safe_cell(value))
            last = column + span - 1
            if span > 1:
                self.sheet.merge_cells(start_row=self.row, start_column=column, end_row=self.row, end_column=last)
            cell.alignment = (_WRAP_CENTER if kind in ("label", "header", "title", "number")
                              else _WRAP_RIGHT if kind == "signature" else _WRAP)
            if kind == "title":
                cell.font = Font(size=16, bold=True)
            elif kind in ("header", "section"):
                cell.font = Font(bold=True)
            if kind != "plain" and kind != "title":
                for c in range(column, last + 1):
                    target = self.sheet.cell(row=self.row, column=c)
                    target.border = _BORDER
                    if kind in ("label", "header", "section"):
                        target.fill = _LABEL_FILL
            if isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            width = sum(self.widths[column - 1:last])
            lines = max(lines, _lines_needed(str(value) if value is not None else "", width))
            column = last + 1
        height = 30 if any(kind == "title" for _v, _s, kind in cells) else min(_MAX_ROW_HEIGHT, 15 * lines + 4)
        self.sheet.row_dimensions[self.row].height = height
        self.row += 1

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], spans: Sequence[int]) -> None:
        self.line([(h, s, "header") for h, s in zip(headers, spans, strict=True)])
        numeric = {i for i, h in enumerate(headers) if h in _NUMBER_HEADERS}
        for row in rows or [[_("（无）")] + [""] * (len(headers) - 1)]:
            values = [int(v) if i in numeric and isinstance(v, str) and v.isdigit() else v for i, v in enumerate(row)]
            self.line([(v, s, "number" if i in numeric else "value")
                       for i, (v, s) in enumerate(zip(values, spans, strict=True))])

    def text(self, text: str, *, min_lines: int = 3) -> None:
        paragraphs = [p for p in (text or "").splitlines() if p.strip()] or [""]
        for paragraph in paragraphs:
            self.line([(paragraph, len(self.widths), "value")], min_lines=min_lines if len(paragraphs) == 1 else 1)

    def gap(self) -> None:
        self.row += 1


def _print_setup(sheet: Worksheet, *, landscape: bool = False) -> None:
    """A4, as wide as the page, as many pages down as it takes."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True


def _plain_sheet(workbook: Workbook, title: str, headers: list[str], rows: list[list[Any]],
                 widths: Sequence[float]) -> None:
    sheet = workbook.create_sheet(title)
    _print_setup(sheet, landscape=True)
    writer = _FormSheet(sheet, widths)
    writer.table(headers, rows, [1] * len(headers))
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"


def filing_form_xlsx(application: FilingApplication) -> bytes:
    """The filing form as an Excel workbook: the sheet 备案表 in the paper form's layout,
    and the sheets 申请职业, 人员名册 and 设施设备 as plain tables."""
    form = _gather(application)
    a = application
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("备案表")
    _print_setup(sheet)
    w = _FormSheet(sheet, _FORM_WIDTHS)
    w.line([(form.title, _FORM_COLUMNS, "title")])
    if form.subtitle:
        w.line([(form.subtitle, _FORM_COLUMNS, "title")])
    w.line([("　　".join(f"{label}：{value}" for label, value in form.header), _FORM_COLUMNS, "plain")])
    w.line([(_("填报单位（盖章）：%(n)s") % {"n": form.enterprise}, _FORM_COLUMNS, "plain")])

    number = iter(_NUMERALS)
    w.line([(f"{next(number)}、" + _("企业基本信息"), _FORM_COLUMNS, "section")])
    for pairs in form.basic:
        # Money and counts stay numbers, so the spreadsheet can add them up.
        if len(pairs) == 1:
            w.line([(pairs[0][0], 2, "label"), (pairs[0][1], _FORM_COLUMNS - 2, "value")])
        else:
            (left, left_value), (right, right_value) = pairs
            w.line([(left, 2, "label"), (left_value, 2, "value"), (right, 2, "label"),
                    (right_value, _FORM_COLUMNS - 6, "value")])
    w.table(form.persons.headers, form.persons.rows, form.persons.xlsx_spans)

    w.line([(f"{next(number)}、{form.occupations.caption}", _FORM_COLUMNS, "section")])
    w.table(form.occupations.headers, form.occupations.rows, form.occupations.xlsx_spans)
    for section in form.sections:
        w.line([(f"{next(number)}、{section.heading}", _FORM_COLUMNS, "section")])
        for subheading, text in section.before:
            if subheading:
                w.line([(subheading, _FORM_COLUMNS, "label")])
            w.text(text)
        for grid in section.grids:
            w.line([(grid.caption, _FORM_COLUMNS, "label")])
            w.table(grid.headers, grid.rows, grid.xlsx_spans)
        for subheading, text in section.after:
            w.line([(subheading, _FORM_COLUMNS, "label")])
            w.text(text)
    w.line([(f"{next(number)}、{form.materials.caption}", _FORM_COLUMNS, "section")])
    w.table(form.materials.headers, form.materials.rows, form.materials.xlsx_spans)
    if form.pledge:
        w.line([(f"{next(number)}、" + _("诚信承诺"), _FORM_COLUMNS, "section")])
        w.line([(form.pledge[0][1], _FORM_COLUMNS, "value")], min_lines=2)
        for label, value in form.pledge[1:]:
            w.line([(label, 2, "label"), (value, _FORM_COLUMNS - 2, "value")])
    w.line([(form.opinion_heading, _FORM_COLUMNS, "section")])
    for label, text in form.opinion:
        w.line([(label, 2, "label"), (text, _FORM_COLUMNS - 2, "value")])
    signature = _("%(a)s（盖章）　%(d)s") % {"a": form.authority, "d": form.decided_on or _("年　　月　　日")}
    w.line([(signature, _FORM_COLUMNS, "signature")], min_lines=1 if form.opinion else 3)
    sheet.print_title_rows = "1:1"

    level_names = _level_names()
    lines = a.occupations.select_related("occupation", "work_type").order_by("occupation__code", "pk")
    occupation_headers = [_("序号"), _("职业名称"), _("职业编码"), _("工种名称"), _("工种编码"), _("认定等级"),
                          _("等级代码"), _("依据标准类型"), _("依据的职业标准、评价规范"), _("题库资源情况"), _("题库说明")]
    is_scope = a.kind == FilingApplication.Kind.SCOPE
    if is_scope:
        occupation_headers.append(_("调整方式"))
    occupation_rows = []
    for i, line in enumerate(lines, start=1):
        row: list[Any] = [i, line.occupation.name, line.occupation.code,
                          line.work_type.name if line.work_type else "", line.work_type.code if line.work_type else "",
                          _levels_text(line.levels, level_names),
                          ",".join(str(c) for c in sorted(line.levels, reverse=True)),
                          line.get_standard_kind_display(), line.standard_name, line.get_question_bank_display(),
                          line.question_bank_note]
        if is_scope:
            row.append(line.get_change_display())
        occupation_rows.append(row)
    _plain_sheet(workbook, _("申请职业"), occupation_headers, occupation_rows,
                 [6, 18, 14, 18, 18, 30, 10, 22, 26, 18, 20, 10][:len(occupation_headers)])

    short_levels = _level_names(short=True)
    staff_rows = []
    roles = list(StaffMember.Role.values)
    staff = sorted(a.staff.select_related("occupation"), key=lambda m: (roles.index(m.role), m.pk))
    for i, m in enumerate(staff, start=1):
        staff_rows.append([i, m.get_role_display(), m.name, m.masked_id_number, m.unit, m.title, m.education, m.duty,
                           m.occupation.code if m.occupation else "", m.occupation.name if m.occupation else "",
                           _levels_text(m.levels, short_levels)])
    _plain_sheet(workbook, _("人员名册"),
                 [_("序号"), _("类别"), _("姓名"), _("身份证号（脱敏）"), _("所在单位"), _("职务/职称/技能等级"), _("学历"),
                  _("主要工作职责/专业方向"), _("考评职业编码"), _("考评职业"), _("可考评等级")], staff_rows,
                 [6, 14, 10, 22, 24, 18, 8, 26, 14, 16, 18])
    equipment_rows = [[i, e.name, e.brand, e.model, e.quantity, e.ownership]
                      for i, e in enumerate(a.equipment.order_by("pk"), start=1)]
    _plain_sheet(workbook, _("设施设备"), [_("序号"), _("名称"), _("品牌"), _("规格/型号"), _("数量"), _("所有权归属")],
                 equipment_rows, [6, 24, 16, 22, 8, 16])

    workbook.properties.title = form.title
    workbook.properties.subject = form.reference
    workbook.properties.creator = "skilleval"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# The receipt


def _scope_rows(items: Sequence[ScopeItem]) -> list[list[str]]:
    """Scope items grouped per occupation (work type), one line per level from 五级 up."""
    grouped: dict[tuple[int, int | None], list[ScopeItem]] = {}
    for item in items:
        grouped.setdefault((item.occupation_id, item.work_type_id), []).append(item)
    rows = []
    for i, group in enumerate(grouped.values(), start=1):
        first = group[0]
        levels = sorted(group, key=lambda x: x.level.code or 0, reverse=True)
        rows.append([str(i), first.occupation.name, first.occupation.code,
                     first.work_type.name if first.work_type else "", "\n".join(str(x.level) for x in levels),
                     first.standard_name])
    return rows


def filing_receipt_pdf(application: FilingApplication) -> bytes:
    """The filing receipt (备案回执 / 认定工作同意函) of an approved filing or scope
    adjustment. Anything not approved is refused with DomainError."""
    if application.status != FilingApplication.Status.APPROVED:
        raise DomainError(_("申请当前状态为“%(s)s”，只有已批准的申请才能出具备案回执。") % {
            "s": application.get_status_display()})
    organisation = application.organisation
    is_scope = application.kind == FilingApplication.Kind.SCOPE
    authority = application.jurisdiction.authority_name or str(application.jurisdiction)
    decided_on = _date(application.decided_at)
    level_names = _level_names()

    title = _("职业技能等级认定职业范围调整同意函") if is_scope else _("职业技能等级认定工作同意函")
    story: list[Flowable] = [para(title, "title"), para(_("（备案回执）"), "subtitle"),
                             para(_("申请编号：%(r)s") % {"r": application.reference}, "right"),
                             Spacer(0, 4 * mm), para(f"{organisation.name}：", "body"), Spacer(0, 2 * mm)]
    if is_scope:
        body = _("你单位报送的职业技能等级认定职业（工种）范围调整申请（申请编号：%(r)s）及相关材料收悉。经审核和专家评估，"
                 "同意调整你单位职业技能等级认定的职业（工种）范围。调整事项及调整后的备案信息如下：")
    else:
        body = _("你单位报送的《职业技能等级认定企业备案表》（申请编号：%(r)s）及相关材料收悉。经初审和专家评估，"
                 "你单位具备开展职业技能等级认定工作的条件，同意备案。现将备案信息函告如下：")
    story += [para(body % {"r": application.reference}, "letter"), Spacer(0, 3 * mm)]

    info = [
        [_("单位名称"), organisation.name, "", ""],
        [_("统一社会信用代码"), organisation.uscc, _("备案号"), organisation.filing_number or ""],
        [_("证书编号号段"), organisation.serial_range_display, _("备案有效期"),
         _("%(f)s至%(u)s") % {"f": _date(organisation.filing_valid_from), "u": _date(organisation.filing_valid_until)}],
        [_("备案机关"), authority, _("批准日期"), decided_on],
    ]
    story.append(_keep_with_next(section_bar(_("一、备案信息"))))
    story.append(grid_table(info, [36 * mm, 53 * mm, 36 * mm, 53 * mm], spans=[((1, 0), (3, 0))],
                            label_cells=[(0, r) for r in range(4)] + [(2, r) for r in range(1, 4)],
                            min_row_heights=dict.fromkeys(range(4), 8 * mm)))
    number = iter(_NUMERALS[1:])
    if is_scope:
        rows = []
        lines = application.occupations.select_related("occupation", "work_type").order_by("occupation__code", "pk")
        for i, line in enumerate(lines, start=1):
            rows.append([str(i), line.get_change_display(), line.occupation.name, line.occupation.code,
                         line.work_type.name if line.work_type else "", _levels_text(line.levels, level_names, "\n")])
        story.append(_keep_with_next(section_bar(f"{next(number)}、" + _("本次调整事项"))))
        story.append(_pdf_grid(_Grid("", [_("序号"), _("调整方式"), _("职业名称"), _("职业编码"), _("工种名称"),
                                          _("认定等级")], rows, [10, 20, 36, 26, 36, 50])))
    scope = list(ScopeItem.objects.filter(organisation=organisation, removed_on=None)
                 .select_related("occupation", "work_type", "level")
                 .order_by("occupation__code", "work_type__code", "-level__code"))
    story.append(_keep_with_next(section_bar(f"{next(number)}、" + _("备案的职业（工种）及等级范围"))))
    story.append(_pdf_grid(_Grid("", [_("序号"), _("职业名称"), _("职业编码"), _("工种名称"), _("认定等级"),
                                      _("依据的职业标准/评价规范")], _scope_rows(scope), [10, 32, 24, 30, 46, 36])))
    story.append(Spacer(0, 4 * mm))
    notes = [
        _("一、证书编号共22位：第1至13位为备案号，第14、15位为发证年份后两位，第16位为职业技能等级代码，"
          "第17至22位为证书序列号；证书序列号由你单位按年度分等级在上述号段内依次取用。"),
        _("二、请在备案的职业（工种）、等级范围和有效期内开展职业技能等级认定，认定批次计划按规定提前报备，"
          "按照“谁评价、谁发证、谁负责”的原则承担主体责任，主动接受人力资源社会保障部门的监督检查。"),
        _("三、备案信息将在评价机构目录中向社会公布；单位名称、地址、联系方式等发生变化的，请及时报告。"),
    ]
    if application.decision_reason:
        notes.append(_("四、审批意见：%(o)s") % {"o": application.decision_reason})
    story.append(para(_("说明："), "body"))
    story += [para(note, "body") for note in notes]
    story.append(Spacer(0, 12 * mm))
    story.append(para(authority, "right"))
    story.append(para(_("（盖章）"), "right"))
    story.append(para(decided_on, "right"))
    return build_pdf(story, title=title, author=authority, subject=organisation.filing_number or "",
                     footer=f"{title} {organisation.filing_number or ''}")

