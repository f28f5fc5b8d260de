"""Done when (issue 8 item 6): in a real browser, an organisation creates a special
vocational ability assessment batch (专项职业能力考核), names its filed ability and
announces it; once its candidates passed and the authority accepted the report, it issues
their proofs of ability (专项职业能力证书, "ZX" numbers); the public query finds a proof
by number with the ability, the status and the masked ID number, and its verification
page checks the signed token."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches import services as batch_services
from skilleval.batches.models import Batch
from skilleval.batches.tests.factories import (
    TODAY,
    candidate,
    filed_organisation,
    special_ability,
    special_data,
)
from skilleval.exams.tests.test_bank_browser import login

from ..models import Certificate
from .factories import passed_result, report_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_special_batch_walks_to_a_proof_found_by_the_public_query(page, browser, live_server, jurisdictions,
                                                                     settings, tmp_path):
    cache.clear()
    settings.SKILLEVAL_PUBLIC_BASE_URL = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    hefei = jurisdictions["合肥市"]
    org = filed_organisation(hefei, name="合肥华晟机械制造有限公司")
    ability = special_ability(hefei)
    manager = make_user(Role.ORG_ADMIN, organisation=org, full_name="王海燕")

    # 1. The organisation creates the batch with its kind, names the ability and announces it.
    login(page, live_server, manager.username)
    page.goto(live_server.url + reverse("batches:batch_create"))
    page.get_by_label("评价类型").select_option("special")
    page.get_by_label("批次名称").fill("2026年第一期数控车床操作专项职业能力考核")
    first = TODAY + dt.timedelta(days=60)
    for label, day in (("报名开始日期", TODAY), ("报名截止日期", TODAY + dt.timedelta(days=10)),
                       ("评价开始日期", first), ("评价结束日期", first)):
        page.get_by_label(label).fill(day.isoformat())
    page.get_by_label("评价地点").fill("合肥华晟机械二号车间数控实操考场")
    page.get_by_label("联系人及电话").fill("李俊 0551-63821106")
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("batch-kind").filter(has_text="专项职业能力考核").wait_for()
    page.get_by_label("专项职业能力（考核规范已备案）").select_option(ability.code)
    page.get_by_role("button", name="设置专项职业能力").click()
    page.locator("#items table").get_by_text(ability.norm_title).wait_for()
    assert "操作技能（必考）" in page.locator("#items").inner_text()
    page.get_by_role("button", name="发布认定公告").click()
    page.get_by_text("已发布公告").first.wait_for()
    batch = Batch.objects.get(kind="special")
    assert batch.status == Batch.Status.ANNOUNCED

    # 2. Two candidates register (no level, no seniority), pass; the authority accepted the report.
    actor = actor_for(manager)
    holders = []
    for name in ("周婷", "陶思远"):
        user = candidate(org, name=name)
        application = batch_services.application_submit(
            actor=actor_for(user), batch=batch, data=special_data(batch, id_number=user.person.id_number, name=name))
        batch_services.application_review(actor=actor, application=application, decision="accept")
        passed_result(application)
        holders.append(user.person)
    report_for(batch, manager)

    # 3. The organisation issues the proofs from the same issue page.
    page.goto(live_server.url + reverse("certificates:issue_batch", args=[batch.pk]))
    page.get_by_label("我已核对发证名单与号段").check()
    page.get_by_role("button", name="为 2 人发证").click()
    page.get_by_test_id("job-status").filter(has_text="已完成").wait_for()
    proofs = list(Certificate.objects.order_by("number"))
    assert [p.number for p in proofs] == [f"ZX{org.filing_number}{TODAY.year % 100:02d}00000{n}" for n in (1, 2)]
    page.goto(live_server.url + reverse("certificates:register") + "?kind=special")
    page.get_by_role("link", name=proofs[0].name).click()
    with page.expect_download() as download:
        page.get_by_test_id("download-electronic").click()
    pdf = tmp_path / "proof.pdf"
    download.value.save_as(pdf)
    text = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text()
    assert "专项职业能力证书" in text and ability.name in text and proofs[0].number in text

    # 4. Anyone finds the proof in the public query, masked, and verifies its QR token.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(live_server.url + reverse("certificates:query"))
    public.get_by_label("证书编号").fill(proofs[0].number)
    public.get_by_role("button", name="查询").first.click()
    results = public.get_by_test_id("query-results")
    results.get_by_text(proofs[0].number).wait_for()
    shown = results.inner_text()
    assert "专项职业能力证书" in shown and ability.name in shown and ability.norm_title in shown
    assert "有效" in public.get_by_test_id("certificate-status").inner_text()
    assert proofs[0].masked_id_number in shown and proofs[0].id_number not in public.content()
    public.goto(live_server.url + reverse("certificate_verify", args=[proofs[0].number]) + "#"
                + proofs[0].copies.get().token)
    checks = public.get_by_test_id("token-check")
    checks.get_by_text("平台签名有效").wait_for()
    checks.get_by_text("二维码内容与登记信息一致").wait_for()
    public.context.close()
