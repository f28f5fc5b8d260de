"""Supervision in a real browser: an authority draws a random sample meeting the profile's
share with a conflicted inspector left out, records a finding on site and publishes it to
the public page; a batch's archive holds every category with its retention date, an early
destruction is refused and a due one is recorded in the ledger; an authority's dashboard
shows counts that match the data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import PASSWORD, make_user
from skilleval.catalog.models import PolicyProfile

from ..catalogue import add_years
from ..models import Category, Destruction, Inspection, InspectionPlan
from ..selectors import statistics_applications
from .conftest import YEAR
from .factories import evaluated_batch, filed, issue_certificates, record_results

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/")


def test_an_authority_draws_records_and_publishes(page, browser, live_server, tianjin):
    page.on("dialog", lambda dialog: dialog.accept())
    conflicted = tianjin["inspectors"][0]
    login(page, live_server, tianjin["authority"].user.username)
    page.get_by_role("link", name="监督管理").first.click()
    page.get_by_role("link", name="抽取检查场次").first.click()
    page.get_by_label("抽查期间起").fill(f"{YEAR}-01-01")
    page.get_by_label("抽查期间止").fill(f"{YEAR}-12-31")
    assert page.get_by_label("抽查比例（%）").input_value() == "30"
    page.get_by_role("button", name="抽取").click()
    page.get_by_test_id("reproduces").filter(has_text="结果一致").wait_for()

    plan = InspectionPlan.objects.get()
    rows = page.get_by_test_id("sample-row")
    assert rows.count() == 3 == plan.target  # 30% of the year's ten sessions
    assert "应抽 3 个场次" in page.get_by_test_id("plan-basis").inner_text()
    for n in range(rows.count()):
        row = rows.nth(n)
        if tianjin["binhai"].name in row.inner_text():
            assert conflicted.name not in row.get_by_test_id("inspectors").inner_text()
    assert page.get_by_test_id("seed").inner_text() == str(plan.seed)

    # On site: the checklist, the findings and the conclusion.
    inspection = plan.inspections.order_by("order").first()
    rows.first.get_by_role("link").click()
    for n in range(page.get_by_test_id("check-row").count()):
        page.get_by_test_id("check-row").nth(n).get_by_label("符合", exact=True).check()
    page.get_by_label("检查时间").fill(timezone.localtime(inspection.session.starts_at).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("检查情况").fill("考务人员按名册到岗，签到规范，考场录像完整。")
    page.get_by_label("检查结论").select_option(label="符合规定")
    page.get_by_role("button", name="保存检查结果").click()
    page.get_by_role("alert").filter(has_text="检查结果已保存").wait_for()
    assert page.get_by_test_id("conclusion").inner_text() == "符合规定"
    page.get_by_role("button", name="公开检查结果").click()
    page.get_by_test_id("inspection-status").filter(has_text="已公开").wait_for()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.PUBLISHED

    # The public page, without logging in.
    context = browser.new_context(locale="zh-CN")
    public = context.new_page()
    public.goto(live_server.url + reverse("supervision:public"))
    body = public.locator("main").inner_text()
    assert inspection.organisation.name in body and "考务人员按名册到岗" in body and "符合规定" in body
    context.close()


def test_the_archive_holds_every_category_and_destruction_goes_through_the_ledger(page, live_server, world):
    page.on("dialog", lambda dialog: dialog.accept())
    manager = world["manager"]
    ended = evaluated_batch(world["org"], first=dt.date(YEAR, 5, 10), manager=manager, name="上年度车工认定")
    login(page, live_server, manager.user.username)
    page.goto(live_server.url + reverse("supervision:archive_list"))
    page.get_by_role("link", name="上年度车工认定").click()
    assert page.get_by_test_id("archive-state").inner_text() == "未归档"
    page.get_by_role("button", name="归档").click()
    page.get_by_test_id("archive-state").filter(has_text="已归档").wait_for()

    today = timezone.localdate()
    profile = PolicyProfile.objects.get(key="hefei")
    years = {"纸质材料": profile.paper_retention_years, "电子材料": profile.electronic_retention_years,
             "影像资料": profile.video_retention_years}
    rows = page.get_by_test_id("category-row")
    assert rows.count() == len(Category.values) == 13
    for n, label in enumerate(Category.labels):
        cells = rows.nth(n).locator("td")
        assert cells.nth(1).inner_text() == label
        medium = cells.nth(2).inner_text()
        assert rows.nth(n).get_by_test_id("retention-ends").inner_text() == add_years(today, years[medium]).isoformat()
    assert ended.batch.archive.entries.count() == 13

    # The old archive: paper is kept three years, the video one year (already over).
    page.goto(live_server.url + reverse("supervision:archive_detail", args=[world["evaluated"].batch.pk]))
    registration = page.locator('[data-category="registration"]')
    assert "保管中" in registration.inner_text() and registration.get_by_role("link").count() == 0
    # Only categories past their retention offer destruction; the form itself refuses early ones.
    paper = world["archive"].entries.get(category=Category.REGISTRATION)
    page.goto(live_server.url + reverse("supervision:destroy", args=[paper.pk]))
    assert paper.retention_ends_on.isoformat() in page.get_by_role("alert").inner_text()
    fill_destruction(page)
    page.locator("#id_destroyed_on-error").filter(has_text="纸质材料，保管期限 3 年").wait_for()
    assert not Destruction.objects.exists()

    page.goto(live_server.url + reverse("supervision:archive_detail", args=[world["evaluated"].batch.pk]))
    page.locator('[data-category="media"]').get_by_role("link", name="登记销毁").click()
    fill_destruction(page)
    page.get_by_role("alert").filter(has_text="已登记销毁台帐").wait_for()
    assert "已销毁" in page.locator('[data-category="media"]').inner_text()
    ledger = page.get_by_test_id("batch-ledger").inner_text()
    assert "现场监控影像或图片资料" in ledger and "李俊" in ledger and "王海燕" in ledger
    line = Destruction.objects.get()
    assert (line.category, line.destroyed_on, line.method) == ("media", today, "degauss")


def fill_destruction(page):
    page.get_by_label("销毁日期").fill(timezone.localdate().isoformat())
    page.get_by_label("销毁方式").select_option(label="存储介质消磁/物理销毁")
    page.get_by_label("销毁人").fill("李俊")
    page.get_by_label("负责人（签字）").fill("王海燕")
    page.get_by_label(re.compile("我确认该类材料已按上述方式实际销毁")).check()
    page.get_by_role("button", name="登记销毁台帐").click()


def test_an_authority_dashboard_shows_counts_that_match_the_data(page, live_server, jurisdictions):
    hefei = filed(jurisdictions["合肥市"], "合肥看板测试机械有限公司")
    hefei_batch = evaluated_batch(hefei, first=dt.date(YEAR, 5, 10), levels=(5, 4, 3))
    record_results(hefei_batch, passed=4)
    issue_certificates(hefei_batch)
    bengbu = filed(jurisdictions["蚌埠市"], "蚌埠看板测试仪器有限公司")
    record_results(evaluated_batch(bengbu, first=dt.date(YEAR, 6, 10), levels=(5,), per_level=3), passed=3)
    user = make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"], username="hf_dashboard")
    login(page, live_server, user.username)
    page.goto(live_server.url + reverse("supervision:statistics"))

    from skilleval.accounts.access import actor_for

    applications = statistics_applications(actor_for(user))
    assert page.get_by_test_id("kpi-accepted").inner_text() == str(applications.count()) == "6"
    assert page.get_by_test_id("kpi-passed").inner_text() == str(applications.filter(result__passed=True).count())
    assert page.get_by_test_id("kpi-certified").inner_text() == "4"
    assert page.get_by_test_id("kpi-high-skill").inner_text() == "0"  # the four passes: two level 5, two level 4
    assert page.get_by_test_id("kpi-pass-rate").inner_text() == "66.7%"
    levels = page.get_by_test_id("table-level").get_by_test_id("stat-row")
    assert [levels.nth(n).locator("td").first.inner_text() for n in range(levels.count())] == ["五级", "四级", "三级"]
    organisations = page.get_by_test_id("table-organisation").inner_text()
    assert hefei.name in organisations and bengbu.name not in organisations
    page.locator('[data-chart="level"] svg').first.wait_for()  # the vendored ECharts drew the chart

    page.get_by_label("年度", exact=True).select_option(str(YEAR))
    page.get_by_role("button", name="统计").click()
    assert page.get_by_test_id("kpi-accepted").inner_text() == "6"
    with page.expect_download() as download:
        page.get_by_test_id("table-level").get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.startswith("statistics-level-")
