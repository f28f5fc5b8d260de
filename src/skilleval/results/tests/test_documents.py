"""The two XLSX files reported to the authority open with openpyxl and have exactly the
columns of BB att.5 (result summary table) and att.6 (certificate information table)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from skilleval.accounts.models import Person
from skilleval.catalog.models import IDType
from skilleval.exams.models import Attempt

from ..documents import (
    CERTIFICATE_HEADER_ROW,
    CERTIFICATE_TITLE,
    SUMMARY_LEVEL_HEADER_ROW,
    SUMMARY_TITLE,
    certificate_table_xlsx,
    summary_table_xlsx,
)
from ..models import Result
from .factories import build_results_world, publicity_over, reported

pytestmark = pytest.mark.django_db

# BB att.6, in the seed's order.
SEED_CERTIFICATE_COLUMNS = ["姓名", "证件类型", "证件号码", "所在单位", "职业名称", "工种名称", "职业技能等级", "证书编号",
                            "发证日期", "评价机构", "发证机构"]
# BB att.5: the level table under 认定工种 / 等级及合格人数.
SEED_SUMMARY_COLUMNS = ["/", "初级", "中级", "高级", "技师", "高级技师", "小计"]


@pytest.fixture
def rw(jurisdictions):
    return build_results_world(jurisdictions["合肥市"], candidates=4)


def rows(sheet):
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_certificate_table_has_exactly_the_seeds_columns(rw):
    report = reported(rw)
    workbook = load_workbook(io.BytesIO(report.certificates_file.read()))
    sheet = workbook.active
    assert sheet.max_column == len(SEED_CERTIFICATE_COLUMNS)
    assert sheet["A1"].value == CERTIFICATE_TITLE == "企业职业技能等级认定合格人员证书信息表"
    assert sheet["A2"].value == f"填报单位（章）：{rw.world.org.name}"
    assert [c.value for c in sheet[CERTIFICATE_HEADER_ROW]] == SEED_CERTIFICATE_COLUMNS
    data = rows(sheet)[CERTIFICATE_HEADER_ROW:]
    assert len(data) == 4
    first = dict(zip(SEED_CERTIFICATE_COLUMNS, data[0], strict=True))
    person = rw.applications[0].person
    assert first["姓名"] == rw.applications[0].name and first["证件类型"] == "201"
    assert first["证件号码"] == person.id_number and isinstance(first["证件号码"], str)
    assert first["所在单位"] == rw.world.org.name and first["职业名称"] == "车工"
    assert first["职业技能等级"] == "五级/初级工"
    assert first["评价机构"] == first["发证机构"] == rw.world.org.name
    # Numbers are drawn and certificates issued only after the authority accepts the report.
    assert first["证书编号"] is None and first["发证日期"] is None
    assert not any("备注" in str(v) for row in rows(sheet) for v in row if v)


def test_the_certificate_table_lists_only_who_passed_with_other_id_types_and_given_numbers(rw):
    publicity_over(rw)
    Result.objects.filter(application=rw.applications[3]).update(passed=False)
    passport = IDType.objects.get(code="227")
    Person.objects.filter(pk=rw.applications[1].person_id).update(id_type=passport, id_number="E12345678")
    numbers = {rw.applications[0].pk: ("Y9000000000012650000001", dt.date(2026, 12, 1))}
    sheet = load_workbook(io.BytesIO(certificate_table_xlsx(rw.batch, certificates=numbers))).active
    data = [dict(zip(SEED_CERTIFICATE_COLUMNS, r, strict=True)) for r in rows(sheet)[CERTIFICATE_HEADER_ROW:]]
    assert [d["姓名"] for d in data] == [a.name for a in rw.applications[:3]]
    assert data[0]["证书编号"] == "Y9000000000012650000001" and data[0]["发证日期"] == "2026-12-01"
    assert (data[1]["证件类型"], data[1]["证件号码"]) == ("227", "E12345678")


def test_the_summary_table_follows_attachment_five(rw):
    publicity_over(rw)
    Attempt.objects.filter(application=rw.applications[3]).update(status=Attempt.Status.ABSENT)
    Result.objects.filter(application=rw.applications[3]).update(status=Result.Status.ABSENT, passed=False)
    Result.objects.filter(application=rw.applications[2]).update(passed=False)
    content = summary_table_xlsx(rw.batch, filled_on=dt.date(2026, 12, 3))
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.max_column == len(SEED_SUMMARY_COLUMNS)
    table = rows(sheet)
    assert table[0][0] == SUMMARY_TITLE == "企业职业技能等级认定结果汇总表"
    assert table[1][0] == f"填报单位（章）：{rw.world.org.name}" and table[1][4] == "填报日期：2026年12月3日"
    labels = {row[0]: row for row in table}
    assert labels["认定时间"][1] == f"{rw.batch.first_exam_date.isoformat()} 至 {rw.batch.last_exam_date.isoformat()}"
    assert labels["认定时间"][4] == "申报人数" and labels["认定时间"][5] == 4
    assert labels["考生来源"][1] == f"本企业（{rw.world.org.name}）"
    assert labels["认定人数"][1] == 3 and labels["认定人数"][4] == "合格人数" and labels["认定人数"][5] == 2
    assert labels["认定工种"][1] == "等级及合格人数"
    assert table[SUMMARY_LEVEL_HEADER_ROW - 1] == SEED_SUMMARY_COLUMNS
    assert labels["车工"] == ["车工", 2, 0, 0, 0, 0, 2]
    assert labels["合计"] == ["合计", 2, 0, 0, 0, 0, 2]
    assert "所属职业技能鉴定（指导）中心\n意见" in labels and "所属人力资源社会保障行政部门\n意见" in labels
