"""The question bank in a real browser: the bank's staff write an item (errors at the
field, then saved), approve it after the confirm dialog, import a file with a bad row
(refused, row and column shown), then only its clean rows, and filter the list."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import PASSWORD, make_user
from skilleval.core.models import AuditEvent
from skilleval.orgs.tests.factories import OrganisationFactory

from ..models import ItemStatus, QuestionItem
from ..services.bank import IMPORT_COLUMNS
from .test_bank import row, with_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/")


def test_bank_staff_write_approve_and_import(page, live_server, jurisdictions, tmp_path):
    org = with_scope(OrganisationFactory(name="合肥题库浏览器测试有限公司", jurisdiction=jurisdictions["合肥市"]))
    make_user(Role.QUESTION_BANK, organisation=org, username="tiku", full_name="赵题库")
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    login(page, live_server, "tiku")
    page.goto(live_server.url + reverse("exams:bank_items"))
    page.get_by_role("link", name="新建理论试题").click()
    page.get_by_label("试题编号").fill("CG5-0001")
    page.get_by_label("职业").select_option("6-18-01-01")
    page.get_by_label("等级").select_option("5")
    page.get_by_label("题型").select_option("single")
    page.get_by_label("题干").fill("车削外圆时，工件的旋转是（ ）。")
    page.get_by_label("选项A").fill("主运动")
    page.get_by_label("选项B").fill("进给运动")
    page.get_by_label("标准答案").fill("AB")
    page.get_by_label("鉴定要素（知识点）").fill("切削运动")
    page.get_by_role("button", name="保存", exact=True).click()
    assert page.locator("#id_answer-error").inner_text() == "单项选择题只能有一个正确答案（当前为 AB）。"

    page.get_by_label("标准答案").fill("A")
    page.get_by_label("标准答案").press("Tab")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_test_id("item-status").filter(has_text="草稿").wait_for()
    page.get_by_role("button", name="审定").click()
    page.get_by_test_id("item-status").filter(has_text="已审定").wait_for()
    assert dialogs and "确定审定吗" in dialogs[0]
    assert QuestionItem.objects.get(code="CG5-0001").status == ItemStatus.APPROVED

    # Import: one bad row refuses the file; then only the clean rows.
    book = Workbook()
    sheet = book.active
    sheet.append(IMPORT_COLUMNS)
    for values in (row(试题编号="IMP-1"), row(试题编号="IMP-2", 答案="E"), row(试题编号="IMP-3", 题型="判断", 选项A="",
                                                                         选项B="", 选项C="", 答案="对")):
        sheet.append([values.get(h, "") for h in IMPORT_COLUMNS])
    upload = tmp_path / "题库.xlsx"
    buffer = io.BytesIO()
    book.save(buffer)
    upload.write_bytes(buffer.getvalue())
    page.goto(live_server.url + reverse("exams:bank_import"))
    page.get_by_label("理论试题表（XLSX）").set_input_files(str(upload))
    page.get_by_role("button", name="开始导入").click()
    page.get_by_test_id("job-status").filter(has_text="失败").wait_for(timeout=60_000)
    assert page.locator("#job-progress table tbody tr").all_inner_texts() == [
        "3\t答案\t答案E不在已填写的选项（ABC）中。"]
    page.goto(live_server.url + reverse("exams:bank_import"))
    page.get_by_label("理论试题表（XLSX）").set_input_files(str(upload))
    page.get_by_label("只导入没有错误的行（有错误的行跳过并列入错误报告）").check()
    page.get_by_role("button", name="开始导入").click()
    page.get_by_test_id("job-status").filter(has_text="已完成").wait_for(timeout=60_000)
    assert set(QuestionItem.objects.values_list("code", flat=True)) == {"CG5-0001", "IMP-1", "IMP-3"}

    page.goto(live_server.url + reverse("exams:bank_items"))
    page.get_by_label("题型").select_option("true_false")
    page.get_by_role("button", name="筛选", exact=True).click()
    page.get_by_role("link", name="IMP-3").wait_for()
    assert page.get_by_role("link", name="IMP-1").count() == 0
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_type="exams.questionitem").exists()
