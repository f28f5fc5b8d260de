"""A batch in a real browser: the organisation creates and announces it, a candidate
registers online, 50 candidates are imported with 3 bad rows reported exactly, the
engine accepts a normal, a skip-level and an exceptional case and rejects an
under-age one and a duplicate, the plan filed 9 working days ahead is refused and at
10 accepted, and the authority confirms it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import PASSWORD, make_user, resident_id
from skilleval.core.workdays import working_calendar
from skilleval.orgs.sample import sample_id_number

from .. import services
from ..models import Application, Batch, BatchStaff
from ..sample import import_row, import_workbook
from .factories import filed_organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TODAY = timezone.localdate()


def login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/")


row = import_row
xlsx = import_workbook


def test_a_batch_from_announcement_to_a_confirmed_plan(page, live_server, jurisdictions, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())
    org = filed_organisation(jurisdictions["合肥市"], name="合肥测试机床有限公司")
    make_user(Role.ORG_ADMIN, organisation=org, username="jgadmin", full_name="王海燕")
    make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"], username="hfrs", full_name="胡晓东")
    worker = make_user(candidate=True, organisation=org, username="zhangsan", full_name="张三")
    calendar = working_calendar()
    nine = calendar.add(TODAY, 9).date

    # 1. The organisation creates the batch, adds occupation-levels inside its scope and announces it.
    login(page, live_server, "jgadmin")
    page.goto(live_server.url + reverse("batches:batch_list"))
    page.get_by_role("link", name="新建认定批次").click()
    page.get_by_label("批次名称").fill("2026年第四期车工职业技能等级认定")
    page.get_by_label("报名开始日期").fill(TODAY.isoformat())
    page.get_by_label("报名截止日期").fill((TODAY + dt.timedelta(days=2)).isoformat())
    page.get_by_label("评价开始日期").fill(nine.isoformat())
    page.get_by_label("评价结束日期").fill((nine + dt.timedelta(days=1)).isoformat())
    page.get_by_label("评价地点").fill("实训楼一层理论考场、二号车间实操考场")
    page.get_by_label("联系人及电话").fill("李俊 0551-63821106")
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("batch-status").filter(has_text="草稿").wait_for()
    for label in ("车工 五级/初级工", "车工 三级/高级工", "车工 二级/技师"):
        page.locator("#items summary").click()
        page.get_by_label("备案范围内的职业（工种）及等级").select_option(label=f"6-18-01-01 {label}")
        page.get_by_role("button", name="添加", exact=True).click()
        page.get_by_text("已添加评价职业。").wait_for()
    assert page.locator("#items table tbody tr").count() == 3
    page.get_by_role("button", name="发布认定公告").click()
    page.get_by_test_id("batch-status").filter(has_text="已发布公告").wait_for()
    batch = Batch.objects.get(organisation=org)

    # 2. A worker registers online from the announcement.
    login(page, live_server, "zhangsan")
    page.get_by_test_id("announcements").get_by_role("link", name="2026年第四期车工职业技能等级认定").click()
    assert "关于开展" in page.get_by_test_id("announcement").inner_text()
    page.get_by_role("link", name="在线报名").click()
    page.get_by_label("申报职业（工种）及等级").select_option(label="车工 五级/初级工")
    page.get_by_label("文化程度").fill("高中")
    page.get_by_label("参加工作时间").fill("2015-03-01")
    page.get_by_label("联系电话").fill("13905511234")
    page.locator("#id_current_post").fill("数控车工")
    page.get_by_label("现岗位对应职业编码").fill("6-18-01-01")
    page.get_by_label("本职业（岗位）年限").fill("3")
    page.get_by_role("button", name="提交报名").click()
    assert "请签署个人承诺" in page.locator(".invalid-feedback, .alert-danger").first.inner_text()
    page.get_by_label("本人已知悉").check()
    page.get_by_label("本职业（岗位）年限").fill("3")
    page.get_by_role("button", name="提交报名").click()
    page.get_by_test_id("verdict").filter(has_text="符合申报条件").wait_for()
    assert "正常申报" in page.get_by_test_id("verdict").inner_text()

    # 3. The organisation imports 50 candidates; 3 bad rows are reported exactly and nothing is saved.
    rows = [row(f"职工{n:02d}", resident_id("19880101", "340104")) for n in range(43)]
    rows.append(row("越级甲", resident_id("19850301"), level="三级", years="11"))
    rows.append(row("破格乙", resident_id("19860401"), level="二级", years="8", **{
        "申报类别": "破格", "奖励级别": "市级", "奖励名称": "合肥市技术能手"}))
    under_age = (TODAY - dt.timedelta(days=15 * 365 + 30)).strftime("%Y%m%d")
    rows.append(row("少年丙", resident_id(under_age), years="0.5"))
    rows.append(row("职工44", resident_id("19900202")))
    bad = {48: row("校验错", "110105194912310021"), 49: row("职业错", resident_id("19910101"), occupation="6-31-01-03"),
           50: row("岗位错", resident_id("19920101"), post="6-31-01-03")}
    rows += list(bad.values())
    upload = tmp_path / "报名导入.xlsx"
    upload.write_bytes(xlsx(rows))
    login(page, live_server, "jgadmin")
    page.goto(live_server.url + reverse("batches:import", args=[batch.pk]))
    page.get_by_label("报名信息表（XLSX）").set_input_files(str(upload))
    page.get_by_role("button", name="开始导入").click()
    page.get_by_test_id("job-status").filter(has_text="失败").wait_for(timeout=60_000)
    assert "3" in page.get_by_test_id("job-error").inner_text()
    error_rows = {int(cells.split()[0]) for cells in page.locator("#job-progress table tbody tr").all_inner_texts()}
    assert error_rows == {49, 50, 51}  # spreadsheet rows (the header is row 1)
    assert Application.objects.filter(batch=batch).count() == 1

    page.goto(live_server.url + reverse("batches:import", args=[batch.pk]))
    page.get_by_label("报名信息表（XLSX）").set_input_files(str(upload))
    page.get_by_label("只导入没有错误的行").check()
    page.get_by_role("button", name="开始导入").click()
    page.get_by_test_id("job-status").filter(has_text="已完成").wait_for(timeout=60_000)
    assert Application.objects.filter(batch=batch).count() == 48

    # The worker who registered online appears again in a second file: a duplicate.
    again = tmp_path / "重复.xlsx"
    again.write_bytes(xlsx([row("张三", worker.person.id_number)]))
    page.goto(live_server.url + reverse("batches:import", args=[batch.pk]))
    page.get_by_label("报名信息表（XLSX）").set_input_files(str(again))
    page.get_by_role("button", name="开始导入").click()
    page.get_by_test_id("job-status").filter(has_text="失败").wait_for(timeout=60_000)
    assert "已" in page.locator("#job-progress table").inner_text() and "报名" in page.locator(
        "#job-progress table").inner_text()

    # 4. The engine's verdicts, as the reviewer sees them.
    def verdict_of(name):
        application = Application.objects.get(batch=batch, name=name)
        page.goto(live_server.url + reverse("batches:application_detail", args=[application.pk]))
        return page.get_by_test_id("verdict").inner_text()

    assert "越级申报" in verdict_of("越级甲")
    assert "破格申报" in verdict_of("破格乙")
    assert "未满16周岁" in verdict_of("少年丙")
    page.get_by_label("审核结论").select_option("reject")
    page.get_by_label("审核意见").fill("年龄未满16周岁")
    page.get_by_role("button", name="提交审核结论").click()
    page.get_by_text("已审核：少年丙").wait_for()
    page.goto(live_server.url + reverse("batches:application_list", args=[batch.pk]) + "?eligible=no")
    assert "少年丙" in page.locator("table").inner_text()

    # The rest are accepted (the clerk's routine), the roster is set, the letter signed.
    manager = actor_for(org.memberships.get(user__username="jgadmin").user)
    for application in Application.objects.filter(batch=batch, status=Application.Status.SUBMITTED):
        services.application_review(actor=manager, application=application, decision="accept")
    for role, count in ((BatchStaff.Role.HEAD, 1), (BatchStaff.Role.PROCTOR, 2), (BatchStaff.Role.EXAMINER, 3),
                        (BatchStaff.Role.SUPERVISOR, 1)):
        for k in range(count):
            services.batch_staff_add(actor=manager, batch=batch, role=role, name=f"{role}{k}",
                                     id_number=sample_id_number())
    page.goto(live_server.url + reverse("batches:batch_detail", args=[batch.pk]))
    page.get_by_label("负责人签字").fill("王海燕")
    page.get_by_role("button", name="签署审核承诺书").click()
    page.get_by_text("已签署报名资料审核承诺书。").wait_for()
    page.get_by_role("link", name="尚未保存，起草考核方案").click()
    assert "车工" in page.get_by_label("一、评价职业、等级").input_value()
    page.get_by_role("button", name="保存考核方案").click()
    page.get_by_text("考核方案已保存。").wait_for()

    # 5. Filing 9 working days ahead is refused with the earliest date; at 10 it is accepted.
    page.goto(live_server.url + reverse("batches:batch_detail", args=[batch.pk]))
    page.get_by_role("button", name="报备认定计划").click()
    earliest = calendar.add(TODAY, 10).date
    message = page.get_by_role("alert").first.inner_text()
    assert "至少10个工作日" in message and earliest.isoformat() in message
    page.locator("#plan summary").click()
    page.get_by_label("评价开始日期").fill(earliest.isoformat())
    page.get_by_label("评价结束日期").fill((earliest + dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="调整日期").click()
    page.get_by_text("评价日期已调整。").wait_for()
    page.get_by_role("button", name="报备认定计划").click()
    page.get_by_test_id("batch-status").filter(has_text="计划已报备").wait_for()
    assert "同时报省级" in page.locator("#plan").inner_text()  # level 2 is in the batch

    # 6. The city authority confirms it.
    login(page, live_server, "hfrs")
    page.goto(live_server.url + reverse("batches:batch_list"))
    page.get_by_role("link", name="2026年第四期车工职业技能等级认定").click()
    page.get_by_test_id("plan-decision").get_by_role("button", name="确认计划").click()
    page.get_by_test_id("batch-status").filter(has_text="计划已确认").wait_for()
