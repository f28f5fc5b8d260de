"""The whole life of an organisation in a real browser: an enterprise registers
and files, the city authority returns it, the enterprise completes it, the
authority approves it with a filing number and range, the organisation appears
in the public directory, a scope adjustment outside the window is refused and
inside it approved, and a termination removes it from the directory while its
data stay."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role, User
from skilleval.accounts.tests.factories import PASSWORD, make_user
from skilleval.catalog.models import PolicyProfile
from skilleval.core.validators import uscc_check_char
from skilleval.orgs import services
from skilleval.orgs.models import REQUIRED_MATERIALS, FilingApplication, StaffMember
from skilleval.orgs.sample import FORM_DATA, MINIMAL_PDF, sample_id_number, sample_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USCC = "91340100MA2TE7T0X" + uscc_check_char("91340100MA2TE7T0X")


def login(page, live_server, username, password=PASSWORD):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/")


def complete_rosters_and_materials(application, skip_category=None):
    """What a clerk would type row by row: the rosters beyond the examiners the test
    adds in the browser, the equipment and the remaining materials."""
    enterprise = actor_for(User.objects.get(username="qiye"))
    if application.kind == FilingApplication.Kind.INITIAL:
        for role, count in ((StaffMember.Role.FULL_TIME, 2), (StaffMember.Role.EXPERT, 3),
                            (StaffMember.Role.SUPERVISOR, 2)):
            for n in range(count):
                services.staff_add(actor=enterprise, application=application, role=role, name=sample_name(n + 40),
                                   id_number=sample_id_number())
        services.equipment_add(actor=enterprise, application=application, name="数控车床", quantity=8)
    for category in REQUIRED_MATERIALS[FilingApplication.Kind(application.kind)]:
        if category != skip_category and not application.attachments.filter(category=category).exists():
            services.attachment_add(actor=enterprise, application=application, category=category,
                                    upload=SimpleUploadedFile(f"{category}.pdf", MINIMAL_PDF))


def add_examiners(application, occupation_code, levels, count):
    enterprise = actor_for(User.objects.get(username="qiye"))
    for n in range(count):
        services.staff_add(actor=enterprise, application=application, role=StaffMember.Role.EXAMINER,
                           name=sample_name(n), id_number=sample_id_number(), occupation_code=occupation_code,
                           levels=levels)


def review_and_approve(page, live_server, application):
    page.goto(live_server.url + reverse("orgs:application_detail", args=[application.pk]))
    page.get_by_text("初审通过", exact=True).first.click()
    page.get_by_role("button", name="初审通过").click()
    page.get_by_test_id("application-status").filter(has_text="专家评估中").wait_for()
    page.get_by_text("录入专家评估", exact=True).click()
    page.get_by_label("评估专家").fill("陈立群、马文涛、宋建华")
    page.get_by_label("评估形式").select_option("on_site")
    page.get_by_label("专家技术评估意见").fill("考核场地、设备与考评队伍满足要求。")
    page.get_by_role("button", name="保存评估结果").click()
    page.get_by_text("已录入专家评估").wait_for()
    page.locator("summary", has_text="批准").click()
    page.get_by_role("button", name="批准备案").click()
    page.get_by_test_id("application-status").filter(has_text="已通过").wait_for()


def test_an_organisation_from_registration_to_termination(page, live_server, jurisdictions, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())
    authority = make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"], username="hfrs", full_name="胡晓东")
    make_user(Role.AUTHORITY, jurisdiction=jurisdictions["蚌埠市"], username="bbrs")

    # 1. The enterprise registers (public page) with a bad credit code first.
    page.goto(live_server.url + reverse("orgs:register"))
    page.get_by_label("单位名称").fill("合肥测试重工有限公司")
    page.get_by_label("统一社会信用代码").fill("91340100MA2TE7T0X" + ("0" if USCC[-1] != "0" else "1"))
    page.get_by_label("所在地").select_option(label="安徽省 合肥市")
    page.get_by_label("单位性质").select_option("private")
    page.get_by_label("单位地址").fill("合肥市经开区锦绣大道 99 号")
    page.get_by_label("联系人").fill("李俊")
    page.get_by_label("联系电话").fill("0551-63820000")
    page.get_by_label("管理员用户名").fill("qiye")
    page.get_by_label("管理员姓名").fill("李俊")
    page.locator("#id_admin_password").fill("Qiye#2026pass")
    page.get_by_label("确认密码").fill("Qiye#2026pass")
    page.get_by_role("button", name="注册并开始备案").click()
    assert "校验位错误" in page.locator(".invalid-feedback").first.inner_text()
    page.get_by_label("统一社会信用代码").fill(USCC)
    page.locator("#id_admin_password").fill("Qiye#2026pass")
    page.get_by_label("确认密码").fill("Qiye#2026pass")
    page.get_by_role("button", name="注册并开始备案").click()
    page.get_by_test_id("org-status").filter(has_text="未备案").wait_for()

    # 2. It opens the filing and fills the form, one occupation, one examiner and the licence by hand.
    page.get_by_role("button", name="填写备案申请").click()
    page.get_by_test_id("application-status").filter(has_text="草稿").wait_for()
    assert "缺少材料：营业执照" in page.get_by_test_id("problems").inner_text()
    page.get_by_role("link", name="填写申请表").click()
    page.locator("#id_registered_capital").fill("-5")
    page.get_by_role("button", name="保存草稿").click()
    assert "不小于0" in page.locator(".invalid-feedback").first.inner_text()
    for field, value in FORM_DATA.items():
        if field == "pledge_accepted":
            page.locator("#id_pledge_accepted").check()
        else:
            page.locator(f"#id_{field}").fill(str(value))
    page.locator("#id_pledge_signatory").fill("王建国")
    page.get_by_role("button", name="保存并返回").click()
    page.get_by_text("已保存。").wait_for()

    page.locator("#occupations summary").click()
    page.locator("#occupations").get_by_label("职业编码").fill("6-18-02-04")  # 焊工: access type
    page.locator("#occupations").get_by_label("五级/初级工").check()
    page.locator("#occupations").get_by_role("button", name="添加").click()
    assert "准入类职业" in page.locator("#occupations .invalid-feedback").inner_text()
    page.locator("#occupations").get_by_label("职业编码").fill("6-18-01-01")
    page.locator("#occupations").get_by_label("五级/初级工").check()
    page.locator("#occupations").get_by_label("四级/中级工").check()
    page.locator("#occupations").get_by_role("button", name="添加").click()
    page.get_by_text("已添加。").wait_for()
    assert "车工" in page.locator("#occupations table").inner_text()

    page.locator("#staff summary").click()
    page.locator("#staff").get_by_label("类别").select_option("examiner")
    page.locator("#staff").get_by_label("姓名").fill("钱国华")
    page.locator("#staff").get_by_label("身份证号").fill("110105194912310021")
    page.locator("#staff").get_by_label("考评职业编码（考评员必填）").fill("6-18-01-01")
    page.locator("#staff").get_by_label("五级/初级工").check()
    page.locator("#staff").get_by_label("四级/中级工").check()
    page.locator("#staff").get_by_role("button", name="添加").click()
    assert "校验位错误" in page.locator("#staff .invalid-feedback").inner_text()
    page.locator("#staff").get_by_label("身份证号").fill("11010519491231002X")
    page.locator("#staff").get_by_label("五级/初级工").check()
    page.locator("#staff").get_by_label("四级/中级工").check()
    page.locator("#staff").get_by_role("button", name="添加").click()
    page.get_by_text("已添加。").wait_for()
    assert "110***********002X" in page.locator("#staff").inner_text()

    fake = tmp_path / "licence.pdf"
    fake.write_bytes(b"MZ not really a pdf")
    real = tmp_path / "营业执照.pdf"
    real.write_bytes(MINIMAL_PDF)
    page.locator("#attachments summary").click()
    page.locator("#attachments").get_by_label("材料类别").select_option("licence")
    page.locator("#attachments").get_by_label("文件").set_input_files(str(fake))
    page.locator("#attachments").get_by_role("button", name="上传").click()
    assert "文件内容与扩展名" in page.locator("#attachments .invalid-feedback").inner_text()
    page.locator("#attachments").get_by_label("材料类别").select_option("licence")
    page.locator("#attachments").get_by_label("文件").set_input_files(str(real))
    page.locator("#attachments").get_by_role("button", name="上传").click()
    page.get_by_text("已添加。").wait_for()

    application = FilingApplication.objects.get(organisation__uscc=USCC)
    add_examiners(application, "6-18-01-01", [5, 4], 4)
    complete_rosters_and_materials(application)
    page.reload()
    page.get_by_role("button", name="提交申请").click()
    page.get_by_test_id("application-status").filter(has_text="初审中").wait_for()

    # 3. The city authority returns it; the enterprise completes and resubmits.
    login(page, live_server, "hfrs")
    page.get_by_test_id("pending-filings").get_by_role("link", name="合肥测试重工有限公司").click()
    page.locator("summary", has_text="退回补正").click()
    page.get_by_label("退回理由").fill("请补充考评员技能等级证书复印件。")
    page.get_by_role("button", name="退回补正").click()
    page.get_by_test_id("application-status").filter(has_text="退回补正").wait_for()

    login(page, live_server, "qiye", "Qiye#2026pass")
    page.get_by_test_id("notifications").click()
    assert "被退回补正" in page.get_by_test_id("notification-list").inner_text()
    page.get_by_test_id("notification-list").get_by_role("link").first.click()
    assert "请补充考评员技能等级证书复印件" in page.get_by_test_id("return-reason").inner_text()
    page.get_by_role("button", name="补正后重新提交").click()
    page.get_by_test_id("application-status").filter(has_text="初审中").wait_for()

    # Another city's authority cannot open it.
    login(page, live_server, "bbrs")
    response = page.goto(live_server.url + reverse("orgs:application_detail", args=[application.pk]))
    assert response.status == 404

    # 4. The city authority approves it with a filing number and range.
    login(page, live_server, "hfrs")
    review_and_approve(page, live_server, application)
    page.get_by_role("link", name="合肥测试重工有限公司").first.click()
    assert page.get_by_test_id("filing-number").inner_text() == "Y340100000001"
    assert "车工" in page.get_by_test_id("scope").inner_text()

    # 5. The public directory lists it, no login needed.
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("orgs:directory") + "?occupation=车工")
    assert "合肥测试重工有限公司" in page.locator("table").inner_text()
    assert "Y340100000001" in page.locator("table").inner_text()

    # 6. A scope adjustment outside the profile's window is refused, inside it approved.
    today = timezone.localdate()
    profile = PolicyProfile.objects.get(key="hefei")
    profile.scope_adjustment_months = [m for m in (6, 12) if m != today.month] or [1]
    profile.save()
    login(page, live_server, "qiye", "Qiye#2026pass")
    page.goto(live_server.url + reverse("orgs:home"))
    page.get_by_role("button", name="申请调整职业范围").click()
    assert "不在受理期内" in page.get_by_role("alert").first.inner_text()
    profile.scope_adjustment_months = [today.month]
    profile.save()
    page.get_by_role("button", name="申请调整职业范围").click()
    page.get_by_test_id("application-status").filter(has_text="草稿").wait_for()
    page.get_by_role("link", name="填写申请表").click()
    page.locator("#id_adjustment_reason").fill("新产线投产，增加钳工认定。")
    page.get_by_role("button", name="保存并返回").click()
    page.locator("#occupations summary").click()
    page.locator("#occupations").get_by_label("职业编码").fill("6-20-03-02")
    page.locator("#occupations").get_by_label("五级/初级工").check()
    page.locator("#occupations").get_by_role("button", name="添加").click()
    page.get_by_text("已添加。").wait_for()
    adjustment = FilingApplication.objects.get(organisation__uscc=USCC, kind="scope")
    add_examiners(adjustment, "6-20-03-02", [5], 5)
    complete_rosters_and_materials(adjustment)
    page.reload()
    page.get_by_role("button", name="提交申请").click()
    page.get_by_test_id("application-status").filter(has_text="初审中").wait_for()
    login(page, live_server, "hfrs")
    review_and_approve(page, live_server, adjustment)
    page.get_by_role("link", name="合肥测试重工有限公司").first.click()
    assert "钳工" in page.get_by_test_id("scope").inner_text()

    # 7. Termination: out of the directory, data kept.
    page.get_by_role("link", name="终止备案").click()
    page.get_by_label("终止事由").select_option("voluntary_exit")
    page.get_by_label("终止说明").fill("企业主动申请退出，已发证书责任由企业承担。")
    page.get_by_label("我已核实").check()
    page.get_by_role("button", name="终止备案").click()
    page.get_by_test_id("org-status").filter(has_text="已终止").wait_for()
    assert "车工" in page.get_by_test_id("scope").inner_text()
    assert "终止备案" in page.get_by_test_id("credit-record").inner_text()
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("orgs:directory") + "?q=合肥测试重工")
    assert "没有符合条件的评价机构" in page.content()
    assert authority.pk
