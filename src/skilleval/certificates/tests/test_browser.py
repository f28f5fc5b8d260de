"""Done when: in a real browser, the organisation issues a certificate, opens its PDF,
follows its QR link to the verification page (which checks the signed token in the
browser), finds it in the public query by number and by name plus ID, reissues it with
the same number, and revokes it."""

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from skilleval.exams.tests.test_bank_browser import login

from ..models import Certificate
from .factories import certifiable_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def qr_link(pdf: bytes) -> str:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return next(a.get_object()["/A"]["/URI"] for a in page["/Annots"] if "/A" in a.get_object())


def test_issue_open_verify_query_reissue_and_revoke_a_certificate(page, browser, live_server, jurisdictions,
                                                                   settings, tmp_path):
    cache.clear()
    settings.SKILLEVAL_PUBLIC_BASE_URL = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())
    cw = certifiable_world(jurisdictions["合肥市"], candidates=1)
    person = cw.world.applications[0].person

    # 1. The organisation issues the batch's certificate (a background job with progress).
    login(page, live_server, cw.manager.user.username)
    page.goto(live_server.url + reverse("certificates:issue_batches"))
    page.get_by_role("link", name="发证").click()
    page.get_by_label("我已核对发证名单与号段").check()
    page.get_by_role("button", name="为 1 人发证").click()
    page.get_by_test_id("job-status").filter(has_text="已完成").wait_for()
    certificate = Certificate.objects.get()
    assert certificate.number == f"{cw.org.filing_number}{certificate.year % 100}5000001"

    # 2. Its electronic PDF opens, and its QR code links to the verification page.
    page.goto(live_server.url + reverse("certificates:register"))
    page.get_by_role("link", name=certificate.name).click()
    with page.expect_download() as download:
        page.get_by_test_id("download-electronic").click()
    pdf = (tmp_path / "certificate.pdf")
    download.value.save_as(pdf)
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF-") and certificate.number in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    first_link = qr_link(content)
    assert first_link.startswith(f"{live_server.url}/c/{certificate.number}#")

    # 3. Anyone following the QR link sees the record and the token checked in the browser.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(first_link)
    checks = public.get_by_test_id("token-check")
    checks.get_by_text("平台签名有效").wait_for()
    checks.get_by_text("二维码内容与登记信息一致").wait_for()
    assert "有效" in public.get_by_test_id("certificate-status").inner_text()
    assert person.id_number not in public.content()
    # A QR payload changed by one character fails.
    number, token = first_link.split("#")
    public.goto(f"{number}#{token[:-3]}{'A' if token[-3] != 'A' else 'B'}{token[-2:]}")
    public.get_by_test_id("token-check").get_by_text("签名无效").wait_for()

    # 4. The public query finds it by number, and by name plus ID number.
    public.goto(live_server.url + reverse("certificates:query"))
    public.get_by_label("证书编号").fill(certificate.number)
    public.get_by_role("button", name="查询").first.click()
    results = public.get_by_test_id("query-results")
    results.get_by_text(certificate.number).wait_for()
    assert certificate.masked_id_number in results.inner_text() and person.id_number not in public.content()
    public.get_by_label("姓名").fill(certificate.name)
    public.get_by_label("证件号码").fill(person.id_number)
    public.get_by_role("button", name="查询").nth(1).click()
    public.get_by_test_id("query-results").get_by_text(certificate.number).wait_for()

    # 5. The organisation reissues it: same number, a new copy; the old QR code shows as superseded.
    page.get_by_label("补办类型").select_option("reissue")
    page.get_by_label("申请事由").fill("证书遗失，本人已申请补办。")
    page.get_by_role("button", name="补发证书").click()
    page.get_by_role("alert").filter(has_text="编号不变").wait_for()
    assert page.get_by_test_id("certificate-number").inner_text() == certificate.number
    assert "已补发" in page.get_by_test_id("certificate-status").inner_text()
    public.goto(first_link)
    public.get_by_test_id("token-check").get_by_text("已作废的第 1 版").wait_for()

    # 6. And revokes it: the query and the verification page say so.
    page.get_by_label("撤销事由").select_option("fraud")
    page.get_by_label("撤销说明").fill("经核查，申报材料中的工作年限证明系伪造。")
    page.get_by_label("确认撤销").check()
    page.get_by_role("button", name="撤销证书").click()
    page.get_by_role("alert").filter(has_text="已撤销").wait_for()
    assert page.get_by_test_id("certificate-status").inner_text() == "已撤销"
    public.goto(live_server.url + reverse("certificates:query") + f"?number={certificate.number}")
    assert "已撤销" in public.get_by_test_id("certificate-status").inner_text()
    assert "以弄虚作假等不正当手段取得" in public.get_by_test_id("revocation").inner_text()
    public.goto(live_server.url + reverse("certificate_verify", args=[certificate.number]))
    assert "已撤销" in public.get_by_test_id("certificate-status").inner_text()
    public.context.close()
