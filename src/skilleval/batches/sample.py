"""Builders for demo data and tests: rows of the import template and a workbook of
them, as an organisation's clerk would fill it in."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook

from .imports import IMPORT_COLUMNS


def import_row(name: str, id_number: str, *, level: str = "五级", years: str = "3", occupation: str = "6-18-01-01",
               post: str | None = None, **extra: str) -> list[str]:
    """One template row; extra columns by their Chinese header."""
    values = {"姓名": name, "证件类型代码": "201", "证件号码": id_number, "申报职业编码": occupation,
              "申报等级": level, "现岗位职业编码": post or occupation, "现从事岗位": "车工", "本职业年限": years,
              "参加工作时间": "2010-07-01", "文化程度": "高中", "联系电话": "13905510000", "申报类别": "正常",
              "个人承诺": "是", **extra}
    return [values.get(column, "") for column in IMPORT_COLUMNS]


def import_workbook(rows: Iterable[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(IMPORT_COLUMNS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
