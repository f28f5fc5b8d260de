"""Bulk import of applications (SD att.1) into a batch from the XLSX template the
organisation downloads from the system.

Every row is checked with the same `services.application_check` as the online form,
with the lookups loaded once, plus what only a file can get wrong: the same ID twice
in the file, a person already registered in the batch, values that are not dates,
levels or yes/no, formula cells. The answer is a report naming the row and the
Chinese column of each problem. Nothing is saved while any row is wrong, unless the
user asks to import exactly the clean rows; then those are written in bulk in one
transaction (persons, applications, certificates, awards, the engine's verdicts) with
one audit event for the whole import."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation

from skilleval.accounts.access import Actor
from skilleval.accounts.models import Person
from skilleval.catalog.models import IDType, Occupation
from skilleval.core.audit import audit_record
from skilleval.core.errors import DomainError
from skilleval.core.jobs import Progress
from skilleval.core.models import AuditEvent
from skilleval.core.tabular import RowError, read_table, write_xlsx
from skilleval.core.validators import normalize_resident_id

from . import services
from .models import Application, Award, Batch, BatchItem, Education, HeldCertificate

MAX_IMPORT_ROWS = 20_000
PROGRESS_EVERY = 500
_CHUNK = 1000  # rows per IN (...) lookup and per INSERT

# The template's columns, in order: the application form (SD att.1) as ApplicationData.
IMPORT_COLUMNS = [
    "姓名", "证件类型代码", "证件号码", "性别", "出生日期",
    "申报职业编码", "申报工种编码", "申报等级",
    "现岗位职业编码", "现从事岗位", "本职业年限", "参加工作时间",
    "文化程度", "所学专业", "毕业时间", "毕业院校类别", "专业对口", "学徒期满",
    "联系电话", "政治面貌", "工种方向", "申报类别",
    "已有证书等级", "已有证书编号", "已有证书发证日期",
    "奖励级别", "奖励名称", "竞赛名次",
    "个人承诺",
]
REQUIRED_COLUMNS = ("姓名", "证件号码", "申报职业编码", "申报等级", "现岗位职业编码", "现从事岗位", "本职业年限",
                    "参加工作时间", "文化程度", "联系电话", "个人承诺")
# Columns written as text in the template, so a spreadsheet keeps 18-digit IDs and leading zeros.
TEXT_COLUMNS = ("证件类型代码", "证件号码", "申报职业编码", "申报工种编码", "现岗位职业编码", "联系电话", "已有证书编号")

# application_check's field names -> the template's column.
FIELD_COLUMNS = {
    "id_type_code": "证件类型代码", "id_number": "证件号码", "birth_date": "出生日期", "sex": "性别", "name": "姓名",
    "item": "申报职业编码", "post_occupation_code": "现岗位职业编码", "education": "文化程度",
    "school_kind": "毕业院校类别", "work_started_on": "参加工作时间", "years_in_occupation": "本职业年限",
    "phone": "联系电话", "current_post": "现从事岗位", "requested_route": "申报类别", "graduated_on": "毕业时间",
    "major": "所学专业", "political_status": "政治面貌", "work_type_direction": "工种方向",
    "commitment_signed": "个人承诺",
}

LEVEL_WORDS = {
    5: ("五级", "初级工"), 4: ("四级", "中级工"), 3: ("三级", "高级工"), 2: ("二级", "技师"), 1: ("一级", "高级技师"),
}
_LEVELS: dict[str, int] = {
    text: code for code, (short, title) in LEVEL_WORDS.items()
    for text in (str(code), f"{code}级", short, title, f"{short}/{title}")
}

SCHOOL_KINDS = {
    "": "", "无": "",
    "技工学校": Education.TECHNICAL_SCHOOL.value,
    "高级技工学校或技师学院": Education.SENIOR_TECHNICAL.value,
    "高级技工学校": Education.SENIOR_TECHNICAL.value,
    "技师学院": Education.SENIOR_TECHNICAL.value,
    "大专及以上": Education.COLLEGE.value,
}
ROUTES = {
    "": Application.Route.NORMAL.value, "正常": Application.Route.NORMAL.value,
    "正常申报": Application.Route.NORMAL.value,
    "破格": Application.Route.EXCEPTIONAL.value, "破格申报": Application.Route.EXCEPTIONAL.value,
    "越级": Application.Route.SKIP_LEVEL.value, "越级申报": Application.Route.SKIP_LEVEL.value,
    "竞赛": Application.Route.COMPETITION.value, "竞赛选拔": Application.Route.COMPETITION.value,
}
SEXES = {"": "", "男": "M", "女": "F"}
TIERS = {"市级": Award.Tier.CITY.value, "省级": Award.Tier.PROVINCIAL.value, "省部级": Award.Tier.PROVINCIAL.value,
         "国家级": Award.Tier.NATIONAL.value}
_YES = {"是", "y", "yes", "true", "1", "√"}
_NO = {"否", "n", "no", "false", "0", ""}

# The template's example row is recognised by this ID number (the GB 11643 sample) and
# reported if it is left in the file.
EXAMPLE_ID_NUMBER = "11010519491231002X"

_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?(?:\s+0{1,2}:00(?::00)?)?")
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YEARS_RE = re.compile(r"\d{1,2}(?:\.\d0*)?")


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    clean_rows_only: bool = False
    numbers: tuple[str, str] | None = None  # first and last application number written

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors if e.row})

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "error_rows": self.error_rows,
            "clean_rows_only": self.clean_rows_only,
            "numbers": list(self.numbers) if self.numbers else [],
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }


@dataclass
class _Clean:
    row: int
    checked: services.CheckedApplication
    id_number: str


# ---------------------------------------------------------------------------------------------
# Template


def _batch_items(batch: Batch) -> list[BatchItem]:
    return list(batch.items.select_related("occupation", "work_type", "level", "special_ability").order_by(
        "occupation__code", "work_type__code", "-level__code"))


def _level_label(code: int | None) -> str:
    if code in LEVEL_WORDS:
        return "/".join(LEVEL_WORDS[code])
    return str(code)


def import_template_xlsx(batch: Batch) -> bytes:
    """The import template: the header row and one example row on the first sheet, and
    a 说明 sheet with the batch's occupations and levels and the allowed values."""
    items = _batch_items(batch)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "报名信息"
    sheet.append(IMPORT_COLUMNS)
    first = items[0] if items else None
    example = {
        "姓名": "张三（示例，导入前请删除本行）", "证件类型代码": "201", "证件号码": EXAMPLE_ID_NUMBER, "性别": "女",
        "出生日期": "1949-12-31",
        "申报职业编码": first.occupation.code if first else "6-18-01-01",
        "申报工种编码": first.work_type.code if first and first.work_type else "",
        "申报等级": "" if batch.is_special_assessment else (
            LEVEL_WORDS[first.level.code][0] if first and first.level and first.level.code in LEVEL_WORDS else "五级"),
        "现岗位职业编码": first.occupation.code if first else "6-18-01-01",
        "现从事岗位": first.occupation.name if first else "车工", "本职业年限": "3", "参加工作时间": "2015-07-01",
        "文化程度": "中专", "所学专业": f"{first.occupation.name if first else '车工'}相关专业", "毕业时间": "2015-06-30", "毕业院校类别": "技工学校",
        "专业对口": "是", "学徒期满": "否", "联系电话": "13800000000", "政治面貌": "群众", "工种方向": "",
        "申报类别": "正常", "已有证书等级": "", "已有证书编号": "", "已有证书发证日期": "",
        "奖励级别": "", "奖励名称": "", "竞赛名次": "", "个人承诺": "是",
    }
    sheet.append([example[c] for c in IMPORT_COLUMNS])
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    optional_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(IMPORT_COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = required_fill if column in REQUIRED_COLUMNS else optional_fill
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[letter].width = max(12, len(column) * 2 + 4)
        if column in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
    sheet.column_dimensions[get_column_letter(IMPORT_COLUMNS.index("证件号码") + 1)].width = 22
    sheet.freeze_panes = "B2"
    last = MAX_IMPORT_ROWS + 1
    for column, values in (("性别", "男,女"), ("申报等级", "五级,四级,三级,二级,一级"),
                           ("毕业院校类别", "技工学校,高级技工学校或技师学院,大专及以上,无"),
                           ("专业对口", "是,否"), ("学徒期满", "是,否"), ("申报类别", "正常,破格"),
                           ("已有证书等级", "五级,四级,三级,二级,一级"), ("奖励级别", "市级,省级,国家级"),
                           ("个人承诺", "是")):
        letter = get_column_letter(IMPORT_COLUMNS.index(column) + 1)
        validation = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True,
                                    error=_("请从下拉列表中选择。"), errorTitle=column, showErrorMessage=True)
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)

    notes = workbook.create_sheet("说明")
    bold = Font(bold=True)
    notes.append([_("认定批次"), batch.code, batch.name])
    notes.append([_("使用说明"), _("在“报名信息”页从第2行起每行填写一名考生，删除示例行；不要修改表头、不要合并单元格、"
                               "不要使用公式。一次最多导入%(n)d行。") % {"n": MAX_IMPORT_ROWS}])
    notes.append([])
    notes.append([_("本批次可申报的职业（工种）及等级")])
    notes.append(["申报职业编码", "职业名称", "申报工种编码", "工种名称", "申报等级", "等级名称", "评价方式"])
    for cell in (*notes[notes.max_row - 1], *notes[notes.max_row]):
        cell.font = bold
    for item in items:
        code = item.level.code if item.level else None
        work_type = item.work_type
        notes.append([item.occupation.code, item.occupation.name, work_type.code if work_type else "",
                      work_type.name if work_type else "", code if code is not None else "",
                      _level_label(code) if code is not None else item.level_label, item.get_method_display()])
    notes.append([])
    notes.append([_("各列填写要求")])
    notes.append(["列", "必填", "填写要求"])
    for cell in (*notes[notes.max_row - 1], *notes[notes.max_row]):
        cell.font = bold
    for column, required, rule in _column_rules():
        notes.append([column, required, rule])
    for letter, width in zip("ABCDEFG", (18, 24, 20, 30, 12, 16, 30), strict=True):
        notes.column_dimensions[letter].width = width
    notes["A1"].font = notes["A2"].font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_rules() -> list[tuple[str, str, str]]:
    yes_no = _("填“是”或“否”，不填为否")
    date = _("日期，如 2015-07-01 或 2015-07")
    rules = {
        "姓名": _("不超过50个字符"),
        "证件类型代码": _("不填为201（居民身份证）；其他：227 中国护照、210 港澳居民来往内地通行证、237 港澳居民居住证、"
                    "213 台湾居民来往大陆通行证、238 台湾居民居住证、208 外国护照、233 外国人永久居留身份证、"
                    "239/240/241 外国人工作许可证、299 其他个人证件"),
        "证件号码": _("居民身份证18位（含校验位）；请设为文本格式，避免末三位变成0"),
        "性别": _("男/女；居民身份证可不填（按证件号码），其他证件必填"),
        "出生日期": _("居民身份证可不填（按证件号码），其他证件必填；") + date,
        "申报职业编码": _("见上表，须为本批次评价的职业"),
        "申报工种编码": _("按工种评价时填写，见上表"),
        "申报等级": _("1至5，或 五级、四级、三级、二级、一级"),
        "现岗位职业编码": _("现从事岗位对应的职业编码，应与申报职业一致"),
        "现从事岗位": _("不超过100个字符"),
        "本职业年限": _("0至60之间的数字，可有一位小数"),
        "参加工作时间": date,
        "文化程度": _("如 初中、高中、中专、大专、本科，不超过30个字符"),
        "所学专业": _("不超过100个字符"),
        "毕业时间": date,
        "毕业院校类别": _("技工学校、高级技工学校或技师学院、大专及以上、无"),
        "专业对口": yes_no,
        "学徒期满": yes_no,
        "联系电话": _("手机或固定电话"),
        "政治面貌": _("不超过20个字符"),
        "工种方向": _("不超过50个字符"),
        "申报类别": _("正常（不填即为正常）或 破格"),
        "已有证书等级": _("已取得的本职业技能等级证书或职业资格证书等级：1至5，或 五级、四级、三级、二级、一级"),
        "已有证书编号": _("不超过40个字符"),
        "已有证书发证日期": date,
        "奖励级别": _("市级、省级、国家级；填写后须填写奖励名称"),
        "奖励名称": _("荣誉或竞赛名称，不超过200个字符"),
        "竞赛名次": _("职业技能竞赛名次，正整数"),
        "个人承诺": _("须为“是”：考生本人已签署个人承诺（含工作年限书面承诺）"),
    }
    return [(c, _("是") if c in REQUIRED_COLUMNS else _("否"), rules[c]) for c in IMPORT_COLUMNS]


# ---------------------------------------------------------------------------------------------
# Parsing one row


class _RowErrors:
    """The errors of one row; once a cell is reported as a formula, the column's other
    complaints (it reads as empty) are left out."""

    def __init__(self, report: ImportReport, row: int, formula_columns: Iterable[str] = ()) -> None:
        self.report, self.row, self.count = report, row, 0
        self.columns: set[str] = set()
        self.formula_columns = set(formula_columns)
        for column in sorted(self.formula_columns, key=_column_order):
            self._append(column, _("该单元格是公式，请复制后“选择性粘贴为数值”再导入。"))

    def _append(self, column: str, message: str) -> None:
        self.report.errors.append(RowError(self.row, column, message))
        self.columns.add(column)
        self.count += 1

    def add(self, column: str, message: str) -> None:
        if column not in self.formula_columns:
            self._append(column, message)


def _date(value: str, column: str, errors: _RowErrors, today: dt.date) -> dt.date | None:
    if not value:
        return None
    match = _DATE_RE.fullmatch(value) or _COMPACT_DATE_RE.fullmatch(value)
    day = None
    if match:
        try:
            day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))
        except ValueError:
            day = None
    if day is None:
        errors.add(column, _("“%(v)s”不是有效日期，请填写如 2015-07-01 或 2015-07。") % {"v": value[:30]})
        return None
    if day.year < 1900 or day > today:
        errors.add(column, _("日期 %(d)s 不合理（应在1900年之后且不晚于今天）。") % {"d": day.isoformat()})
        return None
    return day


def _choice(value: str, table: dict[str, Any], column: str, errors: _RowErrors, allowed: str) -> Any:
    key = value.replace(" ", "")
    if key in table:
        return table[key]
    errors.add(column, _("“%(v)s”不正确，应填：%(a)s。") % {"v": value[:30], "a": allowed})
    return None


def _flag(value: str, column: str, errors: _RowErrors) -> bool:
    key = value.strip().lower()
    if key in _YES:
        return True
    if key not in _NO:
        errors.add(column, _("应填“是”或“否”。"))
    return False


def _level(value: str) -> int | None:
    key = value.replace(" ", "").replace("／", "/")
    if key.endswith(".0"):
        key = key[:-2]
    return _LEVELS.get(key)


def _text(row: dict[str, str], column: str, limit: int, errors: _RowErrors) -> str:
    value = row.get(column, "").strip()
    if len(value) > limit:
        errors.add(column, _("不能超过%(n)d个字符（当前%(m)d个）。") % {"n": limit, "m": len(value)})
        return value[:limit]
    return value


class _Lookups:
    """Everything a row is checked against, loaded once per import."""

    def __init__(self, batch: Batch, table_rows: list[tuple[int, dict[str, str]]]) -> None:
        self.items = {i.pk: i for i in _batch_items(batch)}
        self.by_key: dict[tuple[str, str, int], BatchItem] = {}
        self.by_occupation_level: dict[tuple[str, int], list[BatchItem]] = {}
        self.levels_by_occupation: dict[str, set[int]] = {}
        # A special ability assessment has one item and no level: every row applies for it.
        self.special_item = next(iter(self.items.values()), None) if batch.is_special_assessment else None
        for item in self.items.values():
            code, level = item.occupation.code, (item.level.code if item.level else None) or 0
            wt = item.work_type.code if item.work_type else ""
            self.by_key[(code, wt, level)] = item
            self.by_occupation_level.setdefault((code, level), []).append(item)
            self.levels_by_occupation.setdefault(code, set()).add(level)
        self.id_types = {t.code: t for t in IDType.objects.all()}
        codes = {row.get("现岗位职业编码", "").strip() for _n, row in table_rows} | {
            row.get("申报职业编码", "").strip() for _n, row in table_rows}
        codes.discard("")
        self.occupations: dict[str, Occupation] = {}
        for chunk in _chunks(sorted(codes)):
            self.occupations.update({o.code: o for o in Occupation.objects.filter(code__in=chunk)})
        self.in_batch = _open_applications(batch)


def _chunks(values: list[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _open_applications(batch: Batch) -> dict[tuple[int, str], str]:
    """(id type id, id number) -> application number of the batch's open applications."""
    rows = (Application.objects.filter(batch=batch).exclude(status=Application.Status.WITHDRAWN)
            .values_list("person__id_type_id", "person__id_number", "number"))
    return {(t, n): number for t, n, number in rows}


def _persons(keys: set[tuple[int, str]]) -> dict[tuple[int, str], Person]:
    found: dict[tuple[int, str], Person] = {}
    numbers = sorted({n for _t, n in keys})
    for chunk in _chunks(numbers):
        for person in Person.objects.filter(id_number__in=chunk).only("pk", "id_type_id", "id_number", "name"):
            key = (person.id_type_id, person.id_number)
            if key in keys:
                found[key] = person
    return found


def _item_for(row: dict[str, str], lookups: _Lookups, errors: _RowErrors) -> BatchItem | None:
    code = row.get("申报职业编码", "").strip()
    level_text = row.get("申报等级", "").strip()
    wt_code = row.get("申报工种编码", "").strip()
    special = lookups.special_item
    if special is not None:  # no level to read; the occupation, when given, must be the ability's
        if code and code != special.occupation.code:
            errors.add("申报职业编码", _("本批次考核专项职业能力“%(a)s”（所属职业编码%(c)s），申报职业编码应留空或填写%(c)s。") % {
                "a": special.special_ability.name if special.special_ability else "", "c": special.occupation.code})
            return None
        return special
    if not code:
        errors.add("申报职业编码", _("请填写申报职业编码。"))
    elif code not in lookups.levels_by_occupation:
        known = lookups.occupations.get(code)
        errors.add("申报职业编码", _("本批次不评价职业“%(c)s”%(n)s，请对照“说明”页填写本批次的职业编码。") % {
            "c": code, "n": f"（{known.name}）" if known else ""})
        code = ""
    level = _level(level_text) if level_text else None
    if not level_text:
        errors.add("申报等级", _("请填写申报等级。"))
    elif level is None:
        errors.add("申报等级", _("“%(v)s”不正确，应填1至5，或 五级、四级、三级、二级、一级。") % {"v": level_text[:20]})
    if not code or level is None:
        return None
    if wt_code:
        item = lookups.by_key.get((code, wt_code, level))
        if item is None:
            errors.add("申报工种编码", _("本批次没有工种“%(w)s”%(l)s的评价，请对照“说明”页填写。") % {
                "w": wt_code, "l": _level_label(level)})
        return item
    candidates = lookups.by_occupation_level.get((code, level), [])
    if not candidates:
        offered = "、".join(LEVEL_WORDS[c][0] for c in sorted(lookups.levels_by_occupation[code], reverse=True)
                           if c in LEVEL_WORDS)
        errors.add("申报等级", _("本批次不评价该职业的%(l)s（可申报：%(o)s）。") % {"l": _level_label(level), "o": offered})
        return None
    whole = [i for i in candidates if not i.work_type_id]
    if whole:
        return whole[0]
    errors.add("申报工种编码", _("该职业在本批次按工种评价，请填写申报工种编码（%(w)s）。") % {
        "w": "、".join(f"{i.work_type.code} {i.work_type.name}" for i in candidates if i.work_type)})
    return None


def _row_data(row: dict[str, str], lookups: _Lookups, errors: _RowErrors,
              today: dt.date) -> tuple[services.ApplicationData, bool]:
    """The row as ApplicationData; the flag says whether the item was resolved here
    (its errors already reported, so application_check's own item error is dropped)."""
    item = _item_for(row, lookups, errors)
    id_type_code = row.get("证件类型代码", "").strip() or "201"
    if id_type_code.endswith(".0"):
        id_type_code = id_type_code[:-2]
    id_number = normalize_resident_id(row.get("证件号码", ""))
    if not id_number:
        errors.add("证件号码", _("请填写证件号码。"))
    elif len(id_number) > 40:
        errors.add("证件号码", _("证件号码不能超过40个字符。"))
    elif id_number == EXAMPLE_ID_NUMBER:
        errors.add("证件号码", _("这是模板中的示例行，请删除后再导入。"))
    sex = _choice(row.get("性别", "").strip(), SEXES, "性别", errors, _("男 或 女")) or ""
    birth = _date(row.get("出生日期", "").strip(), "出生日期", errors, today)
    school_kind = _choice(row.get("毕业院校类别", "").strip(), SCHOOL_KINDS, "毕业院校类别", errors,
                          _("技工学校、高级技工学校或技师学院、大专及以上、无"))
    route = _choice(row.get("申报类别", "").strip(), ROUTES, "申报类别", errors, _("正常 或 破格"))
    years = row.get("本职业年限", "").strip().removesuffix("年").strip()
    if not years:
        errors.add("本职业年限", _("请填写本职业年限。"))
    elif not _YEARS_RE.fullmatch(years):
        errors.add("本职业年限", _("本职业年限应为0至60之间的数字，最多一位小数（如 3 或 2.5）。"))
    commitment = _flag(row.get("个人承诺", ""), "个人承诺", errors)
    if not commitment and "个人承诺" not in errors.columns:
        errors.add("个人承诺", _("须填“是”：考生本人已签署个人承诺（含工作年限书面承诺）。"))
    data = services.ApplicationData(
        id_type_code=id_type_code,
        id_number=id_number,
        name=row.get("姓名", "").strip(),
        item_id=item.pk if item else None,
        post_occupation_code=row.get("现岗位职业编码", "").strip(),
        education=_text(row, "文化程度", 30, errors),
        work_started_on=_date(row.get("参加工作时间", "").strip(), "参加工作时间", errors, today),
        years_in_occupation=years or "0",
        phone=row.get("联系电话", "").strip(),
        current_post=_text(row, "现从事岗位", 100, errors),
        sex=sex,
        birth_date=birth,
        major=_text(row, "所学专业", 100, errors),
        graduated_on=_date(row.get("毕业时间", "").strip(), "毕业时间", errors, today),
        school_kind=school_kind or "",
        major_matches=_flag(row.get("专业对口", ""), "专业对口", errors),
        political_status=_text(row, "政治面貌", 20, errors),
        work_type_direction=_text(row, "工种方向", 50, errors),
        apprenticeship_completed=_flag(row.get("学徒期满", ""), "学徒期满", errors),
        requested_route=route or Application.Route.NORMAL.value,
        commitment_signed=commitment,
    )
    occupation_code = item.occupation.code if item else row.get("申报职业编码", "").strip()
    cert_level_text = row.get("已有证书等级", "").strip()
    cert_number = _text(row, "已有证书编号", 40, errors)
    cert_issued = _date(row.get("已有证书发证日期", "").strip(), "已有证书发证日期", errors, today)
    if cert_level_text:
        cert_level = _level(cert_level_text)
        if cert_level is None:
            errors.add("已有证书等级", _("“%(v)s”不正确，应填1至5，或 五级、四级、三级、二级、一级。") % {
                "v": cert_level_text[:20]})
        else:
            data.certificates.append({"kind": HeldCertificate.Kind.SKILL_LEVEL.value, "occupation_code": occupation_code,
                                      "level": cert_level, "number": cert_number, "issued_on": cert_issued})
    elif cert_number or cert_issued:
        errors.add("已有证书等级", _("填写了已有证书编号或发证日期时，须填写已有证书等级。"))
    tier_text = row.get("奖励级别", "").strip()
    award_name = _text(row, "奖励名称", 200, errors)
    rank_text = row.get("竞赛名次", "").strip().removesuffix(".0")
    rank = None
    if rank_text:
        rank = int(rank_text) if rank_text.isdigit() and 0 < int(rank_text) < 1000 else None
        if rank is None:
            errors.add("竞赛名次", _("竞赛名次应为正整数。"))
    if tier_text:
        tier = _choice(tier_text, TIERS, "奖励级别", errors, _("市级、省级、国家级"))
        if not award_name:
            errors.add("奖励名称", _("填写了奖励级别时，须填写奖励名称。"))
        if tier:
            kind = Award.Kind.COMPETITION.value if rank_text else Award.Kind.HONOUR.value
            data.awards.append({"kind": kind, "tier": tier, "name": award_name, "rank": rank,
                                "year": today.year})
    elif award_name or rank_text:
        errors.add("奖励级别", _("填写了奖励名称或竞赛名次时，须填写奖励级别。"))
    return data, item is None


# ---------------------------------------------------------------------------------------------
# The import


def _require_manager(actor: Actor, batch: Batch) -> None:
    try:
        services._require_org(actor, batch.organisation_id)
    except PermissionDenied:
        raise DomainError(_("您没有导入报名的权限。")) from None
    if not batch.can_review():
        raise DomainError(_("批次当前为“%(s)s”，不能导入报名（公告发布后、计划报备前可以导入）。") % {
            "s": batch.get_status_display()})


def _check_filename(filename: str) -> None:
    if not (filename or "").lower().endswith(".xlsx"):
        hint = _("旧版 .xls 文件请在 Excel 中另存为 .xlsx。") if (filename or "").lower().endswith(".xls") else ""
        raise DomainError(_("只支持 .xlsx 文件，请下载本批次的导入模板填写后上传。") + hint, field="file")


def _merged_message(ranges: list[str]) -> str:
    parts = []
    for ref in ranges[:5]:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        column = IMPORT_COLUMNS[min_col - 1] if min_col and min_col <= len(IMPORT_COLUMNS) else get_column_letter(
            min_col or 1)
        rows = f"{min_row}" if min_row == max_row else f"{min_row}至{max_row}"
        parts.append(_("%(ref)s（第%(rows)s行，“%(col)s”列起）") % {"ref": ref, "rows": rows, "col": column})
    more = _("等%(n)d处") % {"n": len(ranges)} if len(ranges) > 5 else ""
    return _("表格中有合并单元格：%(p)s%(m)s。合并后只有第一格有内容，请取消合并、在每一行填写完整后重新上传；"
             "未导入任何数据。") % {"p": "；".join(parts), "m": more}


def applications_import(
    *, actor: Actor, batch: Batch, source: IO[bytes] | Path | bytes, filename: str, clean_rows_only: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import applications from the batch's XLSX template.

    Every row is checked; each problem is reported with its row and column. With any
    error nothing is saved, unless `clean_rows_only`, in which case exactly the rows
    without errors are saved. File-level problems (not XLSX, wrong template, merged
    cells, too many rows) raise DomainError."""
    batch = Batch.objects.select_related("organisation", "organisation__jurisdiction").get(pk=batch.pk)
    _require_manager(actor, batch)
    _check_filename(filename)
    table = read_table(source, filename, required=IMPORT_COLUMNS, max_rows=MAX_IMPORT_ROWS, flag_formulas=True)
    if table.merged_ranges:
        raise DomainError(_merged_message(table.merged_ranges))
    report = ImportReport(rows=len(table.rows), clean_rows_only=clean_rows_only)
    if not table.rows:
        report.errors.append(RowError(0, "", _("文件中没有数据行。")))
        return report
    total = len(table.rows)
    today = timezone.localdate()
    lookups = _Lookups(batch, table.rows)
    formulas: dict[int, list[str]] = {}
    for row_no, column in table.formula_cells:
        if column in IMPORT_COLUMNS:  # formulas in the user's own extra columns are not read
            formulas.setdefault(row_no, []).append(column)

    clean: list[_Clean] = []
    seen: dict[tuple[str, str], int] = {}
    for position, (row_no, row) in enumerate(table.rows, start=1):
        errors = _RowErrors(report, row_no, formulas.get(row_no, ()))
        data, item_reported = _row_data(row, lookups, errors, today)
        checked, problems = services.application_check(batch, data, items=lookups.items,
                                                       occupations=lookups.occupations, id_types=lookups.id_types)
        for name, message in problems:
            if name == "item" and item_reported:
                continue
            column = FIELD_COLUMNS.get(name, name)
            if column in errors.columns and name in ("years_in_occupation", "work_started_on", "graduated_on"):
                continue  # already reported by the parser
            if name == "id_number" and data.id_number == EXAMPLE_ID_NUMBER:
                continue
            errors.add(column, message)
        if data.id_number:
            key = (data.id_type_code, data.id_number)
            if key in seen:
                errors.add("证件号码", _("与第%(r)d行的证件号码重复，同一人在同一批次只能申报一个职业（工种）。") % {"r": seen[key]})
            else:
                seen[key] = row_no
        if checked is not None:
            existing = lookups.in_batch.get((checked.id_type.pk, data.id_number))
            if existing:
                errors.add("证件号码", _("该考生已报名本批次（报名号%(n)s），同一批次只能申报一个职业（工种）。") % {
                    "n": existing})
        if checked is not None and not errors.count:
            clean.append(_Clean(row_no, checked, data.id_number))
        if progress and (position % PROGRESS_EVERY == 0 or position == total):
            progress(position, total, _("已校验 %(n)d / %(t)d 行") % {"n": position, "t": total})

    if _check_known_persons(clean, report):
        wrong = {e.row for e in report.errors}
        clean = [c for c in clean if c.row not in wrong]
    report.errors.sort(key=lambda e: (e.row, _column_order(e.column)))
    if report.errors and not clean_rows_only:
        return report
    if not clean:
        return report
    _write(actor=actor, batch=batch, clean=clean, report=report, filename=filename, progress=progress)
    return report


def _column_order(column: str) -> int:
    try:
        return IMPORT_COLUMNS.index(column)
    except ValueError:
        return len(IMPORT_COLUMNS)


def _check_known_persons(clean: list[_Clean], report: ImportReport) -> int:
    """A person already registered under the ID must carry the same name. Returns how
    many rows were refused."""
    keys = {(c.checked.id_type.pk, c.id_number) for c in clean}
    known = _persons(keys)
    refused = 0
    for entry in clean:
        person = known.get((entry.checked.id_type.pk, entry.id_number))
        if person is not None and person.name != entry.checked.data.name.strip():
            refused += 1
            report.errors.append(RowError(entry.row, "姓名", _(
                "该证件号码已登记为“%(p)s”，与填写的姓名“%(n)s”不一致，请核对姓名和证件号码。") % {
                "p": person.name, "n": entry.checked.data.name.strip()}))
    return refused


@transaction.atomic
def _write(*, actor: Actor, batch: Batch, clean: list[_Clean], report: ImportReport, filename: str,
           progress: Progress | None) -> None:
    total = len(clean)
    batch = services._lock(batch)
    # Registrations may have arrived since the check: under the batch lock, look again.
    open_now = _open_applications(batch)
    late = [c for c in clean if (c.checked.id_type.pk, c.id_number) in open_now]
    if late:
        raise DomainError(_("导入期间第%(r)s行的考生已在本批次报名，请重新导入。") % {
            "r": "、".join(str(c.row) for c in late[:10])})
    if progress:
        progress(0, total, _("正在保存 %(n)d 份报名……") % {"n": total})

    # Persons: reuse by ID document, create the others for the batch's organisation.
    keys = {(c.checked.id_type.pk, c.id_number) for c in clean}
    persons = _persons(keys)
    new_persons = []
    for entry in clean:
        key = (entry.checked.id_type.pk, entry.id_number)
        if key in persons:
            continue
        data = entry.checked.data
        person = Person(id_type=entry.checked.id_type, id_number=entry.id_number, name=data.name.strip(),
                        sex=entry.checked.sex, birth_date=entry.checked.birth_date, phone=data.phone.strip(),
                        organisation_id=batch.organisation_id)
        persons[key] = person
        new_persons.append(person)
    # Another organisation's import may be writing the same new person right now: its row
    # wins (the insert waits for it, then skips), and the person is read back below.
    Person.objects.bulk_create(new_persons, batch_size=_CHUNK, ignore_conflicts=True)
    if any(p.pk is None for p in new_persons):  # skipped, or a backend that does not return keys
        persons.update(_persons({k for k, p in persons.items() if p.pk is None}))

    # Applications, with the engine's verdict computed before the insert.
    verdicts = _Verdicts(batch)
    sequence = services._next_sequence(batch)
    now = timezone.now()
    applications: list[Application] = []
    for position, entry in enumerate(clean):
        checked = entry.checked
        application = Application(batch=batch, person=persons[(checked.id_type.pk, entry.id_number)],
                                  source=Application.Source.IMPORT,
                                  number=services._application_number(batch, sequence + position))
        services._fill(application, checked)
        verdict = verdicts.evaluate(checked, entry.id_number)
        application.eligible = verdict.eligible
        application.route = verdict.route
        application.rule_label = verdict.rule_label[:300]
        application.reasons = verdict.reasons
        application.flags = verdict.flags
        application.evaluated_at = now
        applications.append(application)
        done = position + 1
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total, _("已判定申报条件 %(n)d / %(t)d 份") % {"n": done, "t": total})
    Application.objects.bulk_create(applications, batch_size=_CHUNK)
    if any(a.pk is None for a in applications):
        numbers = {a.number: a for a in applications}
        for chunk in _chunks(list(numbers)):
            for pk, number in Application.objects.filter(number__in=chunk).values_list("pk", "number"):
                numbers[number].pk = pk

    # Certificates and awards of the form.
    certificates, awards = [], []
    for entry, application in zip(clean, applications, strict=True):
        data = entry.checked.data
        for cert in data.certificates:
            certificates.append(HeldCertificate(
                application_id=application.pk, kind=cert["kind"], occupation=entry.checked.item.occupation,
                level=cert["level"], number=cert["number"], issued_on=cert["issued_on"]))
        for award in data.awards:
            awards.append(Award(application_id=application.pk, kind=award["kind"], tier=award["tier"],
                                name=award["name"], year=award["year"], rank=award["rank"],
                                filed_competition=bool(award.get("filed_competition"))))
    HeldCertificate.objects.bulk_create(certificates, batch_size=_CHUNK)
    Award.objects.bulk_create(awards, batch_size=_CHUNK)

    report.imported = len(applications)
    report.numbers = (applications[0].number, applications[-1].number)
    eligible = sum(1 for a in applications if a.eligible)
    audit_record(
        actor=actor, action=AuditEvent.Action.IMPORT, obj=batch,
        summary=_("导入报名 %(n)d 份（符合申报条件 %(e)d 份），跳过有错误的行 %(s)d 行：%(f)s") % {
            "n": report.imported, "e": eligible, "s": report.error_rows, "f": Path(filename).name},
        after={"filename": Path(filename).name, "rows": report.rows, "imported": report.imported,
               "eligible": eligible, "error_rows": report.error_rows, "clean_rows_only": report.clean_rows_only,
               "numbers": list(report.numbers), "new_persons": len(new_persons)},
        organisation_id=batch.organisation_id,
    )


class _Verdicts:
    """The eligibility engine on checked rows, with the policy profile and the rules of
    each occupation loaded once: the pure `evaluate` plus the database checks of
    `evaluate_application` that apply to a new application (a person already in the
    batch was refused by the import; the level already held is checked here)."""

    def __init__(self, batch: Batch) -> None:
        from . import eligibility

        self.engine = eligibility
        self.on_date = batch.registration_closes or timezone.localdate()
        self.min_age = batch.organisation.jurisdiction.policy_profile().min_candidate_age
        self.rules: dict[int, list[Any]] = {}
        self.kind = batch.kind

    def evaluate(self, checked: services.CheckedApplication, id_number: str) -> Any:
        engine = self.engine
        data = checked.data
        occupation_id = checked.item.occupation_id
        level = checked.item.level.code if checked.item.level else None
        if occupation_id not in self.rules:
            self.rules[occupation_id] = engine.rules_for(occupation_id)
        certificates = tuple(engine.CertificateFact(c["kind"], occupation_id, c["level"], c["issued_on"])
                             for c in data.certificates)
        facts = engine.CandidateFacts(
            birth_date=checked.birth_date, sex=checked.sex, id_number=id_number,
            id_is_resident=checked.id_type.is_resident_id, work_started_on=data.work_started_on,
            years_in_occupation=Decimal(checked.years), school_kind=data.school_kind or "",
            major_matches=bool(data.major_matches), graduated_on=data.graduated_on,
            apprenticeship_completed=bool(data.apprenticeship_completed),
            requested_route=data.requested_route or Application.Route.NORMAL.value,
            certificates=certificates,
            awards=tuple(engine.AwardFact(a["kind"], a["tier"], a["rank"], bool(a.get("filed_competition")))
                         for a in data.awards),
        )
        verdict = engine.evaluate(facts, occupation_id=occupation_id, level=level if level is not None else 0,
                                  rules=self.rules[occupation_id], min_age=self.min_age, on_date=self.on_date,
                                  kind=self.kind)
        if level is not None and any(c.kind in engine.LEVEL_CERTIFICATE_KINDS and c.level == level
                                     for c in certificates):
            verdict = engine.Verdict(False, reasons=[*verdict.reasons, _("已持有本职业该等级证书，不能重复申报")],
                                     flags=verdict.flags)
        return verdict


# ---------------------------------------------------------------------------------------------
# Background job


def applications_import_start(*, actor: Actor, batch: Batch, upload: Any, clean_rows_only: bool = False) -> Any:
    """Check the upload, store it and queue the import as a background job."""
    from skilleval.core.files import check_upload
    from skilleval.core.jobs import job_create, job_enqueue

    from .tasks import import_applications_task

    batch = Batch.objects.get(pk=batch.pk)
    _require_manager(actor, batch)
    _check_filename(getattr(upload, "name", "") or "")
    checked = check_upload(upload, allowed=("xlsx",), max_bytes=settings.SKILLEVAL_MAX_IMPORT_BYTES)
    with transaction.atomic():
        job = job_create(
            actor=actor, kind="applications_import",
            title=_("报名导入：%(b)s（%(f)s）") % {"b": batch.name, "f": checked.name},
            params={"filename": checked.name, "batch_id": batch.pk, "clean_rows_only": bool(clean_rows_only)},
            organisation_id=batch.organisation_id,
        )
        job.input_file.save(checked.name, upload, save=True)
        job_enqueue(job, import_applications_task)
    return job


def error_report_xlsx(errors: list[RowError]) -> bytes:
    return write_xlsx(["行号", "列", "错误说明"], [(e.row, e.column, e.message) for e in errors], title="错误报告")


def applications_import_job_body(job: Any, progress: Progress) -> dict:
    from django.core.files.base import ContentFile

    from skilleval.accounts.access import actor_for

    batch = Batch.objects.get(pk=job.params["batch_id"])
    actor = actor_for(job.created_by)
    clean_rows_only = bool(job.params.get("clean_rows_only"))
    try:
        with job.input_file.open("rb") as handle:
            report = applications_import(actor=actor, batch=batch, source=handle, filename=job.params["filename"],
                                         clean_rows_only=clean_rows_only, progress=progress)
    except DomainError as exc:
        if _("未导入任何数据") in exc.message:
            raise
        raise DomainError(exc.message + _("未导入任何数据。")) from None
    result = {key: value for key, value in report.as_dict().items() if key != "errors"}
    result["errors"] = report.as_dict()["errors"][:200]
    if report.errors:
        job.output_file.save(f"applications-import-errors-{job.pk}.xlsx", ContentFile(error_report_xlsx(report.errors)),
                             save=False)
        type(job).objects.filter(pk=job.pk).update(output_file=job.output_file.name, result=result)
    if report.imported:
        message = _("导入 %(n)d 行，跳过 %(m)d 行有错误的数据。") % {"n": report.imported, "m": report.error_rows} \
            if report.errors else _("导入 %(n)d 行。") % {"n": report.imported}
        result["message"] = message
        progress(report.rows, report.rows, message)
        return result
    if report.errors and any(e.row == 0 for e in report.errors):
        raise DomainError(report.errors[0].message + _("未导入任何数据。"))
    if clean_rows_only:
        raise DomainError(_("%(m)d 行都有错误，没有可以导入的行，未导入任何数据。请下载错误报告，修改后重新上传。") % {
            "m": report.error_rows})
    raise DomainError(_("文件中有 %(m)d 行共 %(n)d 处错误，未导入任何数据。请下载错误报告，修改后重新上传；"
                        "也可以选择“只导入没有错误的行”。") % {"m": report.error_rows, "n": len(report.errors)})
