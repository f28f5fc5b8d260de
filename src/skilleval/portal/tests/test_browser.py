"""The site in a real browser: Debian's Chromium driven by Playwright against a
live server on loopback. These tests never skip: without a browser they fail
and say how to install one."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from skilleval.catalog.tests.test_catalog import xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(os.environ.get("SKILLEVAL_TEST_ARTIFACTS", "test-artifacts"))


@pytest.fixture
def demo(transactional_db):
    from skilleval.portal.demo import demo_load

    demo_load()


def login(page, live_server, username, password="Demo@2026"):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_label("密码").press("Enter")  # keyboard submit


@pytest.mark.parametrize(
    ("username", "testid", "text"),
    [
        ("admin", "home-platform-admin", "平台管理"),
        ("ah_province", "home-authority", "蚌埠淮河精密仪器股份有限公司"),
        ("hf_city", "home-authority", "合肥华晟机械制造有限公司"),
        ("hs_admin", "home-organisation", "2026年第四期车工、电工职业技能等级认定"),
        ("hs_proctor", "home-organisation", "暂无监考安排"),
        ("hs_examiner", "home-organisation", "暂无评分任务"),
        ("hs_supervisor", "home-organisation", "暂无督导任务"),
        ("zhangwei", "home-candidate", "2026年第四期车工、电工职业技能等级认定"),
    ],
)
def test_demo_logins_reach_their_home_pages(page, live_server, demo, username, testid, text):
    login(page, live_server, username)
    section = page.get_by_test_id(testid)
    section.wait_for()
    assert text in section.inner_text()
    assert page.url.endswith(reverse("portal:home"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{username}.png"), full_page=True)


def test_city_authority_does_not_see_another_city(page, live_server, demo):
    login(page, live_server, "hf_city")
    body = page.get_by_test_id("home-authority").inner_text()
    assert "合肥华晟机械制造有限公司" in body
    assert "蚌埠淮河精密仪器股份有限公司" not in body


def test_wrong_password_shows_a_message_and_no_session(page, live_server, demo):
    login(page, live_server, "hs_admin", "wrong-password")
    assert page.get_by_role("alert").inner_text().strip() == "用户名或密码不正确。"
    page.goto(live_server.url + reverse("portal:home"))
    assert "/accounts/login/" in page.url


def test_admin_imports_a_catalog_and_watches_the_job(page, live_server, demo, tmp_path):
    good = tmp_path / "official.xlsx"
    good.write_bytes(xlsx([["6-05-01-01", "纺纱工", "6-05-01-01-01", "细纱工", "技能类", "否"]]))
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(xlsx([["6-5-1", "坏编码", "", "", "技能类", "否"]]))
    login(page, live_server, "admin")
    page.get_by_role("link", name="参考数据").click()
    page.get_by_role("link", name="导入官方目录").click()
    page.get_by_label("目录文件").set_input_files(str(good))
    page.get_by_role("button", name="开始导入").click()
    status = page.get_by_test_id("job-status")
    status.filter(has_text="已完成").wait_for()
    assert "1" in page.get_by_test_id("job-result").inner_text()

    page.goto(live_server.url + reverse("portal:catalog_import"))
    page.get_by_label("目录文件").set_input_files(str(bad))
    page.get_by_role("button", name="开始导入").click()
    status.filter(has_text="失败").wait_for()
    assert "未导入任何数据" in page.get_by_test_id("job-error").inner_text()
    assert page.get_by_role("link", name="下载错误报告").is_visible()

    page.goto(live_server.url + reverse("portal:occupations") + "?q=纺纱")
    assert "纺纱工" in page.locator("table").first.inner_text()
    page.goto(live_server.url + reverse("portal:occupations") + "?q=坏编码")
    assert "没有符合条件的职业" in page.content()


def test_logout_asks_nothing_and_returns_to_login(page, live_server, demo):
    login(page, live_server, "zhangwei")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/accounts/login/")
    assert "您已安全退出" in page.content()
