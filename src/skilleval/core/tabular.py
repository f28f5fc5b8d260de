"""Reading uploaded tables (CSV or XLSX) for every import in the system, and
writing XLSX exports. Bad files raise DomainError with a Chinese message;
nothing here writes to the database."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from .errors import DomainError

MAX_ROWS = 200_000
# Uncompressed size an XLSX may expand to (zip bombs stop here).
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    # With read_table(..., flag_formulas=True): the (row, header) of every formula cell,
    # whose text is then "" (the value a spreadsheet last computed is not trusted).
    formula_cells: list[tuple[int, str]] = field(default_factory=list)
    # Merged ranges of the XLSX sheet read, in A1 notation ("B3:B6").
    merged_ranges: list[str] = field(default_factory=list)


class _Formula:
    """Marks a formula cell in the raw rows of an XLSX read with flag_formulas."""


_FORMULA = _Formula()
_MERGE_CELL_RE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(_("无法识别文件编码，请将 CSV 文件另存为 UTF-8 编码后重新上传。"))


def read_table(source: IO[bytes] | Path | bytes, filename: str, *, required: Iterable[str], max_rows: int = MAX_ROWS,
               flag_formulas: bool = False) -> Table:
    """Read the first sheet of an XLSX, or a CSV, into header -> text rows.
    Row numbers are those a person sees in the spreadsheet (header = row 1).

    An XLSX's merged ranges are listed in `Table.merged_ranges`. With `flag_formulas`
    a formula cell reads as "" and is listed in `Table.formula_cells` instead of
    giving the value the spreadsheet last cached (absent in generated files)."""
    if isinstance(source, Path):
        data = source.read_bytes()
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read()
    name = filename.lower()
    if name.endswith(".csv"):
        raw_rows: Iterator[list[Any]] = iter(csv.reader(io.StringIO(_decode(data))))
    elif name.endswith(".xlsx"):
        merged: list[str] = []
        raw_rows = _xlsx_rows(data, flag_formulas=flag_formulas, merged=merged)
    else:
        raise DomainError(_("只支持 .xlsx 或 .csv 文件。"))
    try:
        header_row = next(raw_rows)
    except StopIteration:
        raise DomainError(_("文件是空的，没有表头。")) from None
    headers = [_cell_text(h) if h is not _FORMULA else "" for h in header_row]
    missing = [h for h in required if h not in headers]
    if missing:
        raise DomainError(_("缺少必需的列：%(cols)s。请使用系统提供的模板。") % {"cols": "、".join(missing)})
    table = Table(headers=headers)
    for index, raw in enumerate(raw_rows, start=2):
        formulas = [i for i, v in enumerate(raw) if v is _FORMULA] if flag_formulas else []
        values = [_cell_text(v) if v is not _FORMULA else "" for v in raw]
        if not any(values) and not formulas:
            continue
        if len(table.rows) >= max_rows:
            raise DomainError(_("文件超过 %(n)d 行的上限，请拆分后分批导入。") % {"n": max_rows})
        table.rows.append((index, {h: (values[i] if i < len(values) else "") for i, h in enumerate(headers) if h}))
        table.formula_cells.extend((index, headers[i] if i < len(headers) else "") for i in formulas)
    if name.endswith(".xlsx"):
        table.merged_ranges = merged
    return table


def _is_code(member: str) -> bool:
    """Macros (vbaProject.bin) and ActiveX controls; printer settings are harmless .bin too."""
    name = member.lower()
    return name.endswith("vbaproject.bin") or (name.startswith("xl/activex/") and name.endswith(".bin"))


def _xlsx_rows(data: bytes, *, flag_formulas: bool = False, merged: list[str] | None = None) -> Iterator[list[Any]]:
    """The first sheet's rows as values; with `flag_formulas` a formula cell is _FORMULA.
    `merged`, when given, receives the sheet's merged ranges before the first row."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise DomainError(_("文件解压后过大，已拒绝。"))
            if any(_is_code(info.filename) for info in archive.infolist()):
                raise DomainError(_("文件含有宏或嵌入的程序代码，已拒绝。请另存为不含宏的 .xlsx 工作簿后重新上传。"))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=not flag_formulas)
        sheet = workbook.worksheets[0]
        if merged is not None:
            merged.extend(_merged_ranges(data, getattr(sheet, "_worksheet_path", "")))
    except DomainError:
        raise
    except Exception:
        raise DomainError(_("无法读取该 Excel 文件，请确认是有效的 .xlsx 文件。")) from None
    try:
        if flag_formulas:
            for cells in sheet.iter_rows():
                yield [_FORMULA if c.data_type == "f" else c.value for c in cells]
        else:
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
    finally:
        workbook.close()


def _merged_ranges(data: bytes, sheet_path: str) -> list[str]:
    """The <mergeCell ref="..."> entries of one sheet, read as a stream (cell text
    cannot contain a raw "<", so the pattern only matches the merge list)."""
    if not sheet_path:
        return []
    ranges: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            member = archive.open(sheet_path.lstrip("/"))
        except KeyError:
            return []
        with member:
            buffer = b""
            while chunk := member.read(1 << 20):
                buffer += chunk
                end = 0
                for match in _MERGE_CELL_RE.finditer(buffer):
                    ranges.append(match.group(1).decode())
                    end = match.end()
                buffer = buffer[max(end, len(buffer) - 256):]
    return ranges


def write_xlsx(headers: list[str], rows: Iterable[Iterable[Any]], *, title: str = "Sheet1") -> bytes:
    """An XLSX with one header row. Values starting with = + - @ are written as text
    so a spreadsheet never runs them as formulas."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and len(value) > 1:
        return "'" + value
    return value


def error_report_xlsx(errors: Iterable[RowError]) -> bytes:
    """The per-row, per-column error report of an import, as an XLSX to download."""
    return write_xlsx(["行号", "列", "错误说明"], [(e.row, e.column, e.message) for e in errors], title="错误报告")


def merged_ranges_message(ranges: list[str], headers: list[str]) -> str:
    """The Chinese refusal of a sheet with merged cells, naming the first ranges by
    row and by the template's column (`headers`, in sheet order)."""
    from openpyxl.utils import get_column_letter, range_boundaries

    parts = []
    for ref in ranges[:5]:
        min_col, min_row, _max_col, max_row = range_boundaries(ref)
        column = headers[min_col - 1] if min_col and min_col <= len(headers) else get_column_letter(min_col or 1)
        rows = f"{min_row}" if min_row == max_row else f"{min_row}至{max_row}"
        parts.append(_("%(ref)s（第%(rows)s行，“%(col)s”列起）") % {"ref": ref, "rows": rows, "col": column})
    more = _("等%(n)d处") % {"n": len(ranges)} if len(ranges) > 5 else ""
    return _("表格中有合并单元格：%(p)s%(m)s。合并后只有第一格有内容，请取消合并、在每一行填写完整后重新上传；"
             "未导入任何数据。") % {"p": "；".join(parts), "m": more}
