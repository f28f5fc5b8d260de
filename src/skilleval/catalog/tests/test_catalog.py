import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.models import IDType, Jurisdiction, Level, Occupation, PolicyProfile, WorkType
from skilleval.catalog.services import (
    IMPORT_COLUMNS,
    catalog_import,
    catalog_import_start,
    catalog_seed_reference,
)
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent, Job

pytestmark = pytest.mark.django_db


def xlsx(rows, headers=IMPORT_COLUMNS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_reference_data_has_the_ladder_id_types_and_five_seed_profiles(reference):
    assert [(lv.code, lv.title) for lv in Level.objects.filter(is_certificate_level=True).order_by("-code")] == [
        (5, "初级工"), (4, "中级工"), (3, "高级工"), (2, "技师"), (1, "高级技师")]
    assert Level.objects.count() == 8
    assert set(IDType.objects.values_list("code", flat=True)) >= {"201", "227", "210", "237", "213", "238", "208",
                                                                  "233", "239", "240", "241", "299"}
    assert IDType.objects.get(code="201").is_resident_id
    assert set(PolicyProfile.objects.values_list("key", flat=True)) == {
        "national", "hefei", "shandong", "bengbu", "tianjin", "huangshi"}
    # Seeding twice changes nothing.
    assert catalog_seed_reference() == {"levels": 0, "id_types": 0, "jurisdictions": 0, "profiles": 0}


def test_profiles_carry_the_seed_numbers_and_resolve_by_jurisdiction(reference):
    hefei = Jurisdiction.objects.get(name="合肥市").policy_profile()
    assert (hefei.key, hefei.publicity_days, hefei.publicity_day_kind) == ("hefei", 5, "working")
    bengbu = Jurisdiction.objects.get(name="蚌埠市").policy_profile()
    assert (bengbu.publicity_days, bengbu.publicity_day_kind, bengbu.min_examiners_per_occupation_level) == (
        7, "calendar", 5)
    tianjin = Jurisdiction.objects.get(name="天津市").policy_profile()
    assert tianjin.report_deadline_anchor == "evaluation_end" and tianjin.inspection_min_percent == 30
    assert Jurisdiction.objects.get(name="青岛市").policy_profile().key == "shandong"  # falls back to the province
    assert Jurisdiction.objects.get(name="安徽省").policy_profile().key == "national"
    shandong = Jurisdiction.objects.get(name="山东省").policy_profile()
    assert (shandong.correction_workdays, shandong.scope_adjustment_months) == (15, [6, 12])


def test_sample_catalog_marks_access_type_occupations(reference):
    welder = Occupation.objects.get(code="6-18-02-04")
    assert welder.is_access_type and not welder.can_self_evaluate
    assert Occupation.objects.get(code="6-18-01-01").can_self_evaluate
    assert not Occupation.objects.get(code="2-02-07-04").can_self_evaluate  # professional, not skill type
    assert Occupation.objects.filter(is_sample=True).count() == Occupation.objects.count()


def test_import_creates_and_updates_by_code(reference):
    content = xlsx([
        ["6-18-01-01", "车工（数控）", "", "", "技能类", "否"],
        ["6-05-01-01", "纺纱工", "6-05-01-01-01", "细纱工", "技能类", "否"],
        ["6-05-01-01", "纺纱工", "6-05-01-01-02", "粗纱工", "技能类", "否"],
    ])
    report = catalog_import(actor=None, source=content, filename="official.xlsx")
    assert report.ok, report.errors
    assert (report.occupations_created, report.occupations_updated, report.work_types_created) == (1, 1, 2)
    assert Occupation.objects.get(code="6-18-01-01").name == "车工（数控）"
    assert set(WorkType.objects.filter(occupation__code="6-05-01-01").values_list("name", flat=True)) == {"细纱工", "粗纱工"}
    assert AuditEvent.objects.filter(action="import").count() == 2  # the sample load and this one


def test_a_bad_row_saves_nothing_and_every_error_is_reported_by_row(reference):
    before = Occupation.objects.count()
    content = xlsx([
        ["6-05-01-01", "纺纱工", "", "", "技能类", "否"],
        ["6-5-1-1", "格式错误", "", "", "技能类", "否"],
        ["6-05-01-02", "", "", "", "手艺类", "也许"],
        ["6-05-01-03", "织布工", "6-05-01-04-01", "挡车工", "技能类", "否"],
    ])
    report = catalog_import(actor=None, source=content, filename="bad.xlsx")
    assert not report.ok
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(3, "职业编码"), (4, "职业名称"), (4, "职业类型"), (4, "准入类"), (5, "工种编码")}
    assert "X-XX-XX-XX" in next(e.message for e in report.errors if e.row == 3)
    assert Occupation.objects.count() == before
    assert not Occupation.objects.filter(code="6-05-01-01").exists()


def test_csv_in_gb18030_is_read(reference):
    content = ("\n".join([",".join(IMPORT_COLUMNS), "6-05-01-01,纺纱工,,,技能类,否"]) + "\n").encode("gb18030")
    assert catalog_import(actor=None, source=content, filename="catalog.csv").ok
    assert Occupation.objects.filter(name="纺纱工").exists()


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"not a zip", "catalog.xlsx", "无法读取该 Excel 文件"),
        (b"\x00\x01", "catalog.pdf", "只支持 .xlsx 或 .csv"),
        (b"", "catalog.csv", "文件是空的"),
        ("职业编码,名称\n".encode(), "catalog.csv", "缺少必需的列"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(reference, content, filename, message):
    with pytest.raises(DomainError, match=message):
        catalog_import(actor=None, source=content, filename=filename)


def test_import_job_success_and_failure(reference, django_capture_on_commit_callbacks):
    admin = make_user(Role.PLATFORM_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        job = catalog_import_start(actor=admin, upload=SimpleUploadedFile(
            "good.xlsx", xlsx([["6-05-01-01", "纺纱工", "", "", "技能类", "否"]])))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.percent == 100
    assert job.result["occupations_created"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        job = catalog_import_start(actor=admin, upload=SimpleUploadedFile(
            "bad.xlsx", xlsx([["bad", "坏", "", "", "技能类", "否"], ["6-05-01-09", "好", "", "", "技能类", "否"]])))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "1 处错误，未导入任何数据" in job.error
    assert not Occupation.objects.filter(code="6-05-01-09").exists()
    sheet = load_workbook(job.output_file.open("rb")).active
    assert [c.value for c in sheet[1]] == ["行号", "列", "错误说明"]
    assert [c.value for c in sheet[2]][:2] == [2, "职业编码"]


def test_import_refuses_other_file_types_before_queueing(reference):
    admin = make_user(Role.PLATFORM_ADMIN)
    with pytest.raises(DomainError, match="只支持"):
        catalog_import_start(actor=admin, upload=SimpleUploadedFile("catalog.exe", b"MZ"))
    assert Job.objects.count() == 0
