import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Person, Role
from skilleval.accounts.tests.factories import make_user, resident_id
from skilleval.catalog.models import Level, Occupation, WorkType
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent, Job
from skilleval.core.validators import resident_id_check_char
from skilleval.orgs.models import ScopeItem
from skilleval.orgs.tests.factories import OrganisationFactory

from .. import services
from ..eligibility import evaluate_application
from ..imports import (
    EXAMPLE_ID_NUMBER,
    IMPORT_COLUMNS,
    applications_import,
    applications_import_start,
    import_template_xlsx,
)
from ..models import Application, Award, Batch, HeldCertificate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SCOPE = (("6-18-01-01", "", (5, 4, 3)), ("6-18-01-02", "", (5, 4)), ("6-20-03-02", "6-20-03-02-01", (4,)))


@pytest.fixture
def org(jurisdictions):
    org = OrganisationFactory(name="合肥导入测试机械有限公司", jurisdiction=jurisdictions["合肥市"])
    for code, work_type_code, levels in SCOPE:
        occupation = Occupation.objects.get(code=code)
        work_type = WorkType.objects.get(code=work_type_code) if work_type_code else None
        for level in levels:
            ScopeItem.objects.create(organisation=org, occupation=occupation, work_type=work_type,
                                     level=Level.objects.get(code=level), added_on=TODAY)
    return org


@pytest.fixture
def manager(org):
    return make_user(Role.ORG_ADMIN, organisation=org)


@pytest.fixture
def actor(manager):
    return actor_for(manager)


def female_id(birth="19900101"):
    first17 = f"340104{birth}{int(resident_id(birth)[14:17]) // 2 * 2 % 1000:03d}"  # an even sequence: female
    return first17 + resident_id_check_char(first17)


def make_batch(actor, org, *, announce=True):
    batch = services.batch_create(
        actor=actor, organisation=org, name="2026年第五期机加工认定", registration_opens=TODAY - dt.timedelta(days=2),
        registration_closes=TODAY + dt.timedelta(days=10), first_exam_date=TODAY + dt.timedelta(days=40),
        last_exam_date=TODAY + dt.timedelta(days=42), sites="实训楼", contact="王敏 0551-63820000")
    for code, work_type_code, levels in SCOPE:
        for level in levels:
            services.batch_item_add(actor=actor, batch=batch, occupation_code=code, work_type_code=work_type_code,
                                    level_code=level, method="exam", theory_weight=30, practical_weight=70)
    if announce:
        services.batch_announce(actor=actor, batch=batch)
    return batch


@pytest.fixture
def batch(actor, org):
    return make_batch(actor, org)


def row(**values):
    """A valid row: a level-5 lathe operator with three years in the occupation."""
    base = {
        "姓名": "王建国", "证件类型代码": "201", "证件号码": resident_id("19920315"), "性别": "", "出生日期": "",
        "申报职业编码": "6-18-01-01", "申报工种编码": "", "申报等级": "五级", "现岗位职业编码": "6-18-01-01",
        "现从事岗位": "车工", "本职业年限": "3", "参加工作时间": "2016-07-01", "文化程度": "高中", "所学专业": "",
        "毕业时间": "", "毕业院校类别": "", "专业对口": "", "学徒期满": "否", "联系电话": "13905510001",
        "政治面貌": "群众", "工种方向": "", "申报类别": "正常", "已有证书等级": "", "已有证书编号": "",
        "已有证书发证日期": "", "奖励级别": "", "奖励名称": "", "竞赛名次": "", "个人承诺": "是",
    }
    base.update(values)
    return base


def varied_rows(count):
    """Rows across the batch's items, with certificates, school and an award."""
    rows = []
    for i in range(count):
        kind = i % 5
        if kind == 0:
            rows.append(row(姓名=f"李{i}"))
        elif kind == 1:
            rows.append(row(姓名=f"赵{i}", 申报等级="4", 本职业年限="7", 参加工作时间="2014-03"))
        elif kind == 2:
            rows.append(row(姓名=f"钱{i}", 申报等级="三级", 本职业年限="6.5", 参加工作时间="2012/09/01",
                            已有证书等级="四级", 已有证书编号=f"1234000000{i:04d}", 已有证书发证日期="2018-06-30"))
        elif kind == 3:
            rows.append(row(姓名=f"孙{i}", 申报职业编码="6-18-01-02", 现岗位职业编码="6-18-01-02", 现从事岗位="铣工",
                            毕业院校类别="技工学校", 专业对口="是", 毕业时间="2015年6月", 本职业年限="1",
                            申报等级="四级"))
        else:
            rows.append(row(姓名=f"周{i}", 申报职业编码="6-20-03-02", 申报工种编码="6-20-03-02-01", 申报等级="四级",
                            现岗位职业编码="6-20-03-02", 现从事岗位="装配钳工", 本职业年限="2",
                            奖励级别="市级", 奖励名称="合肥市技术能手"))
    return rows


def xlsx(rows, headers=IMPORT_COLUMNS, *, blank_rows_after=()):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for index, values in enumerate(rows):
        sheet.append([values.get(h, "") for h in headers])
        if index in blank_rows_after:
            sheet.append([])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fifty_with_three_bad():
    rows = varied_rows(50)
    good_id = rows[5]["证件号码"]
    rows[5]["证件号码"] = good_id[:17] + ("0" if good_id[17] != "0" else "1")  # wrong check digit
    rows[20].update({"申报职业编码": "4-03-02-01", "现岗位职业编码": "4-03-02-01"})  # 中式烹调师: not in the batch
    rows[40]["现岗位职业编码"] = "6-31-01-03"  # an electrician's post
    return rows


BAD = {(7, "证件号码"), (22, "申报职业编码"), (42, "现岗位职业编码")}


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_saved(actor, batch):
    persons = Person.objects.count()
    audits = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).count()
    report = applications_import(actor=actor, batch=batch, source=xlsx(fifty_with_three_bad()), filename="名单.xlsx")
    assert {(e.row, e.column) for e in report.errors} == BAD
    messages = {e.column: e.message for e in report.errors}
    assert "校验位" in messages["证件号码"]
    assert "本批次不评价职业“4-03-02-01”（中式烹调师）" in messages["申报职业编码"]
    assert "与现从事岗位的职业“电工”不一致" in messages["现岗位职业编码"]
    assert report.rows == 50 and report.imported == 0 and report.error_rows == 3
    assert not Application.objects.exists()
    assert Person.objects.count() == persons
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).count() == audits


def test_clean_rows_only_imports_exactly_the_clean_rows_with_the_engines_verdict(actor, batch, org):
    progress = []
    report = applications_import(actor=actor, batch=batch, source=xlsx(fifty_with_three_bad()), filename="名单.xlsx",
                                 clean_rows_only=True, progress=lambda d, t, m: progress.append((d, t, m)))
    assert {(e.row, e.column) for e in report.errors} == BAD
    assert report.imported == 47
    applications = list(Application.objects.filter(batch=batch).select_related("person", "item__level"))
    assert len(applications) == 47
    assert {a.source for a in applications} == {Application.Source.IMPORT}
    assert all(a.evaluated_at is not None for a in applications)
    assert all(a.person.organisation_id == org.pk for a in applications)
    assert sorted(a.number for a in applications) == [f"{batch.code}-{n:05d}" for n in range(1, 48)]
    # The bulk verdicts are what the engine says about each stored application.
    for application in applications:
        verdict = evaluate_application(application)
        assert (application.eligible, application.route, application.rule_label, application.reasons,
                application.flags) == (verdict.eligible, verdict.route, verdict.rule_label[:300], verdict.reasons,
                                       verdict.flags), application.name
    assert sum(a.eligible for a in applications) >= 40
    level3 = next(a for a in applications if a.item.level.code == 3)
    assert level3.eligible and "四级证书" in level3.rule_label
    assert HeldCertificate.objects.filter(application__batch=batch, level=4).count() == 10
    assert Award.objects.filter(application__batch=batch, tier=Award.Tier.CITY, name="合肥市技术能手").count() == 10
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT, object_id=str(batch.pk))
    assert event.after is not None and (event.after["imported"], event.after["error_rows"]) == (47, 3)
    assert progress[-1][0] == progress[-1][1] == 47


def test_a_duplicate_id_in_the_file_is_reported_on_the_second_row(actor, batch):
    rows = varied_rows(4)
    rows[3]["证件号码"] = rows[1]["证件号码"]
    report = applications_import(actor=actor, batch=batch, source=xlsx(rows), filename="a.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(5, "证件号码")]
    assert "与第3行的证件号码重复" in report.errors[0].message
    assert not Application.objects.exists()


def test_a_person_already_registered_in_the_batch_is_refused(actor, batch):
    first = row(姓名="陈立")
    assert applications_import(actor=actor, batch=batch, source=xlsx([first]), filename="a.xlsx").imported == 1
    number = Application.objects.get().number
    report = applications_import(actor=actor, batch=batch, source=xlsx([row(姓名="吴迪"), first]), filename="b.xlsx",
                                 clean_rows_only=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "证件号码")]
    assert f"已报名本批次（报名号{number}）" in report.errors[0].message
    assert report.imported == 1
    assert Application.objects.count() == 2
    # The same person under another name is a typo somewhere: refused too.
    other = make_batch(actor, batch.organisation)
    report = applications_import(actor=actor, batch=other, source=xlsx([dict(first, 姓名="陈力")]), filename="c.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(2, "姓名")]
    assert "已登记为“陈立”" in report.errors[0].message


def test_row_level_value_errors_name_the_column(actor, batch):
    rows = [
        row(参加工作时间="去年"), row(申报等级="六级"), row(个人承诺="否"), row(专业对口="也许"),
        row(已有证书编号="A1"), row(证件类型代码="208", 证件号码="E12345678"),
        row(申报职业编码="6-20-03-02", 申报等级="四级", 现岗位职业编码="6-20-03-02"),
        row(申报等级="二级"), row(本职业年限="3.25"), row(性别="男", 证件号码=female_id()),
    ]
    report = applications_import(actor=actor, batch=batch, source=xlsx(rows), filename="a.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "参加工作时间"), (3, "申报等级"), (4, "个人承诺"), (5, "专业对口"), (6, "已有证书等级"), (7, "证件号码"),
        (8, "申报工种编码"), (9, "申报等级"), (10, "本职业年限"), (11, "性别")]
    assert "非居民身份证须填写证件号码、出生日期和性别" in report.errors[5].message
    assert "可申报：五级、四级、三级" in report.errors[7].message


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"PK\x03\x04 broken", "名单.xlsx", "无法读取该 Excel 文件"),
        (b"\xd0\xcf\x11\xe0", "名单.xls", "只支持 .xlsx 文件.*另存为 .xlsx"),
        ("姓名,证件号码\n张三,1\n".encode(), "名单.csv", "只支持 .xlsx 文件"),
    ],
)
def test_files_that_are_not_xlsx_are_refused_with_a_clear_message(actor, batch, content, filename, message):
    with pytest.raises(DomainError, match=message):
        applications_import(actor=actor, batch=batch, source=content, filename=filename)


def test_the_wrong_template_is_refused_naming_the_missing_columns(actor, batch):
    content = xlsx([{"职业编码": "6-18-01-01"}], headers=["职业编码", "职业名称", "姓名", "证件号码"])
    with pytest.raises(DomainError, match="缺少必需的列：证件类型代码、性别.*请使用系统提供的模板"):
        applications_import(actor=actor, batch=batch, source=content, filename="catalog.xlsx")


def test_formula_cells_are_errors_of_their_cell_not_a_crash(actor, batch):
    workbook = load_workbook(io.BytesIO(xlsx([row(), row(), row()])))
    sheet = workbook.active
    sheet.cell(row=3, column=IMPORT_COLUMNS.index("本职业年限") + 1, value="=1+2")
    sheet.cell(row=4, column=IMPORT_COLUMNS.index("姓名") + 1, value='=CONCATENATE("王","五")')
    sheet.cell(row=2, column=len(IMPORT_COLUMNS) + 2, value="=A2")  # the user's own column: not read
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = applications_import(actor=actor, batch=batch, source=buffer.getvalue(), filename="a.xlsx",
                                 clean_rows_only=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "本职业年限"), (4, "姓名")]
    assert all("是公式" in e.message and "粘贴为数值" in e.message for e in report.errors)
    assert report.imported == 1


def test_merged_cells_are_refused_with_a_clear_message(actor, batch):
    workbook = load_workbook(io.BytesIO(xlsx([row(), row(), row()])))
    workbook.active.merge_cells("F2:F4")
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(DomainError, match=r"合并单元格：F2:F4（第2至4行，“申报职业编码”列起）.*未导入任何数据"):
        applications_import(actor=actor, batch=batch, source=buffer.getvalue(), filename="a.xlsx")
    assert not Application.objects.exists()


def test_empty_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet(actor, batch):
    rows = [row(), row(), row(申报等级="")]
    report = applications_import(actor=actor, batch=batch, source=xlsx(rows, blank_rows_after=(0, 1)), filename="a.xlsx")
    assert report.rows == 3
    assert [(e.row, e.column) for e in report.errors] == [(6, "申报等级")]
    report = applications_import(actor=actor, batch=batch, source=xlsx([]), filename="a.xlsx")
    assert [e.message for e in report.errors] == ["文件中没有数据行。"]


def test_more_than_20000_rows_are_refused(actor, batch):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(IMPORT_COLUMNS)
    for i in range(20_001):
        sheet.append([f"考生{i}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(DomainError, match="文件超过 20000 行的上限，请拆分后分批导入"):
        applications_import(actor=actor, batch=batch, source=buffer.getvalue(), filename="big.xlsx")


def test_only_the_batchs_organisation_and_an_open_batch_take_an_import(actor, org, jurisdictions):
    draft = make_batch(actor, org, announce=False)
    with pytest.raises(DomainError, match="不能导入报名"):
        applications_import(actor=actor, batch=draft, source=xlsx([row()]), filename="a.xlsx")
    other = actor_for(make_user(Role.ORG_ADMIN, organisation=OrganisationFactory(jurisdiction=jurisdictions["合肥市"])))
    batch = make_batch(actor, org)
    with pytest.raises(DomainError, match="只能办理本单位"):
        applications_import(actor=other, batch=batch, source=xlsx([row()]), filename="a.xlsx")
    proctor = actor_for(make_user(Role.PROCTOR, organisation=org))
    with pytest.raises(DomainError, match="没有导入报名的权限"):
        applications_import(actor=proctor, batch=batch, source=xlsx([row()]), filename="a.xlsx")
    assert not Application.objects.exists()


def test_the_template_lists_the_batchs_occupations_and_its_example_row_is_not_imported(actor, batch):
    content = import_template_xlsx(batch)
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["报名信息", "说明"]
    sheet = workbook["报名信息"]
    assert [c.value for c in sheet[1]] == IMPORT_COLUMNS
    assert sheet.cell(row=2, column=IMPORT_COLUMNS.index("证件号码") + 1).value == EXAMPLE_ID_NUMBER
    notes = [[c.value for c in r] for r in workbook["说明"].iter_rows()]
    items = {(r[0], r[2] or "", r[4]) for r in notes if r[0] and str(r[0])[:2] in ("6-",) and isinstance(r[4], int)}
    assert items == {(i.occupation.code, i.work_type.code if i.work_type_id else "", i.level.code)
                     for i in batch.items.select_related("occupation", "work_type", "level")}
    assert any(r[0] == "毕业院校类别" and "高级技工学校或技师学院" in r[2] for r in notes)
    report = applications_import(actor=actor, batch=batch, source=content, filename="模板.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(2, "证件号码")]
    assert "示例行" in report.errors[0].message
    # Filled in with a real candidate instead of the example, the template imports.
    sheet.cell(row=2, column=IMPORT_COLUMNS.index("证件号码") + 1, value=resident_id("19930704"))
    sheet.cell(row=2, column=IMPORT_COLUMNS.index("性别") + 1, value="")
    sheet.cell(row=2, column=IMPORT_COLUMNS.index("出生日期") + 1, value="")
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = applications_import(actor=actor, batch=batch, source=buffer.getvalue(), filename="模板.xlsx")
    assert report.ok and report.imported == 1


def test_the_import_job_end_to_end(manager, actor, batch, django_capture_on_commit_callbacks):
    content = xlsx(fifty_with_three_bad())
    with django_capture_on_commit_callbacks(execute=True):
        job = applications_import_start(actor=actor, batch=batch, upload=SimpleUploadedFile("名单.xlsx", content))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "3 行共 3 处错误，未导入任何数据" in job.error
    assert not Application.objects.exists()
    sheet = load_workbook(job.output_file.open("rb")).active
    assert [c.value for c in sheet[1]] == ["行号", "列", "错误说明"]
    assert {(r[0], r[1]) for r in sheet.iter_rows(min_row=2, values_only=True)} == BAD

    with django_capture_on_commit_callbacks(execute=True):
        job = applications_import_start(actor=actor, batch=batch, clean_rows_only=True,
                                        upload=SimpleUploadedFile("名单.xlsx", content))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.percent == 100
    assert job.message == "导入 47 行，跳过 3 行有错误的数据。"
    assert job.result["imported"] == 47 and job.created_by == manager
    assert Application.objects.filter(batch=batch).count() == 47
    sheet = load_workbook(job.output_file.open("rb")).active
    assert sheet.max_row == 4

    with django_capture_on_commit_callbacks(execute=True):
        job = applications_import_start(actor=actor, batch=batch, upload=SimpleUploadedFile(
            "职业目录.xlsx", xlsx([{"姓名": "张三"}], headers=["姓名", "证件号码"])))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "缺少必需的列" in job.error and job.error.endswith("未导入任何数据。")
    assert Application.objects.filter(batch=batch).count() == 47


def test_the_job_refuses_other_files_before_queueing(actor, batch):
    with pytest.raises(DomainError, match="只支持 .xlsx"):
        applications_import_start(actor=actor, batch=batch, upload=SimpleUploadedFile("名单.pdf", b"%PDF-1.4"))
    with pytest.raises(DomainError, match="文件内容与扩展名"):
        applications_import_start(actor=actor, batch=batch, upload=SimpleUploadedFile("名单.xlsx", b"not a zip file"))
    assert not Job.objects.exists()
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.ANNOUNCED
