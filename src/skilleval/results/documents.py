"""The two tables reported to the authority, as XLSX in the seeds' layouts [BB 4(3), HF 16]:
the result summary table (企业职业技能等级认定结果汇总表, BB att.5) and the certificate
information table of the candidates who passed (企业职业技能等级认定合格人员证书信息表,
BB att.6: ID-type codes, dates as YYYY-MM-DD, without the notes, as its note 5 asks).

The certificate number and issue date columns are there but left blank in the report:
numbers are drawn (22 digits whose positions 14–15 are the issue year [BB att.2]) and
certificates issued only after the authority has accepted the results [SD 6(1)]. The
certificates app fills them in when it writes the issue register by passing
`certificates={application_id: (number, issued_on)}`."""

from __future__ import annotations

import datetime as dt
import io
from collections import OrderedDict
from collections.abc import Mapping

from django.db.models import Count
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from skilleval.batches.models import Application, Batch
from skilleval.core.tabular import safe_cell

from .models import Result

SUMMARY_TITLE = "企业职业技能等级认定结果汇总表"
SUMMARY_LEVEL_HEADERS = ("/", "初级", "中级", "高级", "技师", "高级技师", "小计")
SUMMARY_LEVEL_CODES = (5, 4, 3, 2, 1)  # 初级 … 高级技师, the certificate level codes [BB att.2]
CERTIFICATE_TITLE = "企业职业技能等级认定合格人员证书信息表"
CERTIFICATE_HEADERS = ("姓名", "证件类型", "证件号码", "所在单位", "职业名称", "工种名称", "职业技能等级", "证书编号",
                       "发证日期", "评价机构", "发证机构")
CERTIFICATE_HEADER_ROW = 3  # title, 填报单位, then the column headers
SUMMARY_LEVEL_HEADER_ROW = 7

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _box(sheet, first_row: int, last_row: int, columns: int) -> None:
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row, max_col=columns):
        for cell in row:
            cell.border = BOX
            if cell.alignment is None or not cell.alignment.wrap_text:
                cell.alignment = CENTRE


def _merge(sheet, row: int, first: int, last: int, value, *, align=CENTRE) -> None:
    cell = sheet.cell(row=row, column=first, value=safe_cell(value))
    cell.alignment = align
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def work_type_label(application: Application) -> str:
    item = application.item
    return item.work_type.name if item.work_type_id else item.occupation.name


def _candidate_source(batch: Batch, results: list[Result]) -> str:
    """考生来源: the organisation itself, or the units the candidates come from."""
    units = OrderedDict()
    for result in results:
        person = result.application.person
        units[person.organisation.name if person.organisation_id else batch.organisation.name] = True
    names = list(units) or [batch.organisation.name]
    if names == [batch.organisation.name]:
        return f"本企业（{batch.organisation.name}）"
    return "、".join(names)


def _results(batch: Batch):
    return list(Result.objects.filter(batch=batch).select_related(
        "application", "application__person", "application__person__organisation", "application__person__id_type",
        "application__item", "application__item__occupation", "application__item__work_type",
        "application__item__level").order_by("application__number"))


def summary_table_xlsx(batch: Batch, *, filled_on: dt.date) -> bytes:
    """BB att.5: time, applicants, source, evaluated and passed counts, passed candidates
    per work type and level with subtotals and totals, and the two opinion rows."""
    results = _results(batch)
    applied = (Application.objects.filter(batch=batch).exclude(status=Application.Status.WITHDRAWN)
               .aggregate(n=Count("pk"))["n"])
    evaluated = sum(1 for r in results if r.status not in (Result.Status.ABSENT, Result.Status.PENDING))
    passed = [r for r in results if r.passed]
    rows: OrderedDict[str, dict[int | None, int]] = OrderedDict()
    for item in batch.items.select_related("occupation", "work_type").order_by("occupation__code", "pk"):
        rows.setdefault(item.work_type.name if item.work_type_id else item.occupation.name, {})
    for result in passed:
        counts = rows.setdefault(work_type_label(result.application), {})
        level = result.application.item.level
        code = level.code if level is not None else None  # a special ability: counted in 小计 only
        counts[code] = counts.get(code, 0) + 1

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "结果汇总表"
    width = len(SUMMARY_LEVEL_HEADERS)
    _merge(sheet, 1, 1, width, SUMMARY_TITLE)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=16)
    _merge(sheet, 2, 1, 4, f"填报单位（章）：{batch.organisation.name}", align=LEFT)
    _merge(sheet, 2, 5, width, f"填报日期：{filled_on.year}年{filled_on.month}月{filled_on.day}日", align=LEFT)
    sheet.cell(row=3, column=1, value="认定时间")
    _merge(sheet, 3, 2, 4, f"{batch.first_exam_date.isoformat()} 至 {batch.last_exam_date.isoformat()}")
    sheet.cell(row=3, column=5, value="申报人数")
    _merge(sheet, 3, 6, width, applied)
    sheet.cell(row=4, column=1, value="考生来源")
    _merge(sheet, 4, 2, width, _candidate_source(batch, results))
    sheet.cell(row=5, column=1, value="认定人数")
    _merge(sheet, 5, 2, 4, evaluated)
    sheet.cell(row=5, column=5, value="合格人数")
    _merge(sheet, 5, 6, width, len(passed))
    sheet.cell(row=6, column=1, value="认定工种")
    _merge(sheet, 6, 2, width, "等级及合格人数")
    for column, header in enumerate(SUMMARY_LEVEL_HEADERS, start=1):
        sheet.cell(row=SUMMARY_LEVEL_HEADER_ROW, column=column, value=header).font = Font(bold=True)
    row = SUMMARY_LEVEL_HEADER_ROW
    totals = dict.fromkeys(SUMMARY_LEVEL_CODES, 0)
    for name, counts in rows.items():
        row += 1
        sheet.cell(row=row, column=1, value=safe_cell(name))
        for column, code in enumerate(SUMMARY_LEVEL_CODES, start=2):
            sheet.cell(row=row, column=column, value=counts.get(code, 0))
            totals[code] += counts.get(code, 0)
        sheet.cell(row=row, column=width, value=sum(counts.values()))
    row += 1
    sheet.cell(row=row, column=1, value="合计").font = Font(bold=True)
    for column, code in enumerate(SUMMARY_LEVEL_CODES, start=2):
        sheet.cell(row=row, column=column, value=totals[code])
    sheet.cell(row=row, column=width, value=sum(sum(counts.values()) for counts in rows.values()))
    for label in ("所属职业技能鉴定（指导）中心\n意见", "所属人力资源社会保障行政部门\n意见"):
        row += 1
        sheet.cell(row=row, column=1, value=label).alignment = CENTRE
        _merge(sheet, row, 2, width, "\n\n负责人：        年    月     日", align=Alignment(
            horizontal="right", vertical="bottom", wrap_text=True))
        sheet.row_dimensions[row].height = 60
    _box(sheet, 3, row, width)
    sheet.column_dimensions["A"].width = 30
    for column in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 12
    return _save(workbook)


def certificate_rows(batch: Batch, certificates: Mapping[int, tuple[str, dt.date]] | None = None) -> list[list[str]]:
    """One row per candidate who passed, in the columns of BB att.6."""
    rows = []
    for result in _results(batch):
        if not result.passed:
            continue
        application = result.application
        person = application.person
        item = application.item
        number, issued = (certificates or {}).get(application.pk, ("", None))
        rows.append([
            application.name, person.id_type.code, person.id_number,
            person.organisation.name if person.organisation_id else batch.organisation.name,
            item.occupation.name, item.work_type.name if item.work_type_id else "", item.level_label,
            number, issued.isoformat() if issued else "", batch.organisation.name, batch.organisation.name,
        ])
    return rows


def certificate_table_xlsx(batch: Batch, *, certificates: Mapping[int, tuple[str, dt.date]] | None = None) -> bytes:
    """BB att.6 for the candidates who passed: every column, ID type as its code, dates
    as YYYY-MM-DD text, numbers and ID numbers as text (never a rounded number)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "证书信息表"
    width = len(CERTIFICATE_HEADERS)
    _merge(sheet, 1, 1, width, CERTIFICATE_TITLE)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=16)
    _merge(sheet, 2, 1, width, f"填报单位（章）：{batch.organisation.name}", align=LEFT)
    for column, header in enumerate(CERTIFICATE_HEADERS, start=1):
        sheet.cell(row=CERTIFICATE_HEADER_ROW, column=column, value=header).font = Font(bold=True)
    row = CERTIFICATE_HEADER_ROW
    for values in certificate_rows(batch, certificates):
        row += 1
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column, value=safe_cell(value))
            cell.number_format = "@"
    _box(sheet, CERTIFICATE_HEADER_ROW, row, width)
    for column, size in enumerate((10, 10, 22, 28, 16, 16, 14, 26, 12, 28, 28), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = size
    return _save(workbook)
