"""The results in a real browser, from the examiners' sheets to the authority's acceptance:
three examiners score a candidate and the combined score is right; a locked score changes
only with a second person's approval; publicity cannot be closed early; an objection
raised during publicity is upheld and changes the result; the authority returns the
report and accepts the corrected one; the reported workbooks open with the seeds' columns."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from skilleval.accounts.tests.factories import PASSWORD

from ..documents import CERTIFICATE_HEADER_ROW, CERTIFICATE_HEADERS
from ..models import Publicity, Report, Result, ScoreSheet
from .factories import PASSING, REVIEW_PASSING, build_results_world, confirm_theory, score

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/")
    return page


def alert(page, text):
    page.get_by_role("alert").filter(has_text=text).first.wait_for()


def enter_scores(page, scores):
    for label, value in zip(("尺寸精度（0–40 分）", "表面粗糙度（0–30 分）", "安全文明生产（0–30 分）"), scores, strict=True):
        page.get_by_label(label).fill(value)


def test_scores_to_an_accepted_report(browser, live_server, jurisdictions):
    rw = build_results_world(jurisdictions["合肥市"], usernames=("ex_lead", "ex_two", "ex_three"))
    first, second, third = rw.applications
    for application in rw.applications:
        confirm_theory(rw, application)
        score(rw, "review", application, REVIEW_PASSING)
    for application in (second, third):
        score(rw, "practical", application, PASSING)

    # 1. Three examiners score the first candidate, each on their own sheet page.
    pages = {}
    for username, scores in zip(("ex_two", "ex_three", "ex_lead"), (PASSING[1], PASSING[2], PASSING[0]),
                                strict=True):
        page = pages[username] = sign_in(browser, live_server, username)
        page.goto(live_server.url + reverse("results:home"))
        page.get_by_test_id("my-sessions").get_by_role("link", name=rw.practical.name).click()
        page.get_by_test_id("sheet-row").filter(has_text=first.name).get_by_role("link", name="评分").click()
        enter_scores(page, ["45", *scores[1:]])
        page.get_by_role("button", name="保存评分").click()
        page.get_by_text("应在 0 至 40 分之间").wait_for()
        enter_scores(page, scores)
        page.get_by_role("button", name="保存评分").click()
        alert(page, "已保存您的评分")
    leader = pages["ex_lead"]
    leader.get_by_role("button", name="组长签字锁定").click()
    leader.get_by_test_id("combined").filter(has_text="89.3").wait_for()  # (90 + 88 + 90) / 3

    # 2. Locked: the second examiner can only ask for a change, which a second person approves.
    examiner = pages["ex_two"]
    examiner.reload()
    assert examiner.get_by_role("button", name="保存评分").count() == 0
    enter_scores(examiner, ["36", "26", "28"])
    examiner.get_by_label("更正理由").fill("复测外圆尺寸在公差内，原扣分有误")
    examiner.get_by_role("button", name="提交更正申请").click()
    alert(examiner, "须由第二人审批")
    row = examiner.get_by_test_id("change-row")
    assert "待第二人审批" in row.inner_text() and row.get_by_role("button", name="批准更正").count() == 0
    examiner.get_by_test_id("combined").filter(has_text="89.3").wait_for()
    leader.reload()
    leader.get_by_test_id("change-row").get_by_role("button", name="批准更正").click()
    leader.get_by_test_id("combined").filter(has_text="90.0").wait_for()
    change = leader.get_by_test_id("change-row").inner_text()
    assert "88.0" in change and "90.0" in change and "已批准" in change
    assert ScoreSheet.objects.get(attempt__application=first, kind="practical").combined_score == 90

    # 3. Exam affairs compile, the committee approves, publicity starts and cannot end early.
    manager = sign_in(browser, live_server, rw.manager.user.username)
    manager.goto(live_server.url + reverse("results:batch", args=[rw.batch.pk]))
    manager.get_by_role("button", name="汇总成绩").click()
    alert(manager, "已汇总 3 名考生的成绩，合格 3 人")
    manager.get_by_label("审定记录").fill("评价委员会2026年第3次会议审定，到会委员5人")
    manager.get_by_role("button", name="评价委员会审定").click()
    alert(manager, "评价委员会已审定 3 名考生")
    manager.get_by_role("button", name="发布公示").click()
    alert(manager, "已发布公示")
    ends = Publicity.objects.get(batch=rw.batch).ends_on
    assert ends.isoformat() in manager.get_by_test_id("publicity-period").inner_text()
    manager.get_by_role("button", name="结束公示").click()
    alert(manager, "不能提前结束")
    assert Publicity.objects.get(batch=rw.batch).status == Publicity.Status.OPEN

    # 4. A candidate sees their own scores and objects to another result during publicity.
    candidate = sign_in(browser, live_server, first.person.user.username)
    candidate.goto(live_server.url + reverse("results:home"))
    candidate.wait_for_url("**/results/mine/")
    assert candidate.get_by_test_id("practical").inner_text() == "90.0"
    candidate.get_by_role("link", name="查看公示名单 / 提出异议").click()
    assert second.name in candidate.get_by_test_id("publicity-list").inner_text()
    candidate.get_by_label("涉及的考生（可不选）").select_option(label=f"{second.name}（{second.item}）")
    candidate.get_by_label("异议内容（事实和理由）").fill("该考生实操工件外圆尺寸超差，评分偏高，请复核")
    candidate.get_by_role("button", name="提交异议").click()
    alert(candidate, "异议已提交")

    # 5. The committee upholds it: the result changes.
    manager.reload()
    objection = manager.get_by_test_id("objection")
    objection.get_by_label("处理结论").select_option(label="异议成立，更正结果")
    objection.get_by_label("调查情况及处理决定").fill("经评价委员会复测，工件外圆超差，操作技能成绩更正为55分")
    objection.get_by_label("更正后操作技能成绩").fill("55")
    objection.get_by_role("button", name="提交处理决定").click()
    alert(manager, "已处理异议")
    result = Result.objects.get(application=second)
    assert result.practical_score == 55 and not result.passed
    manager.goto(live_server.url + reverse("results:result_list", args=[rw.batch.pk]))
    assert "不合格" in manager.get_by_role("row").filter(has_text=second.name).inner_text()

    # 6. The period passes (dates moved back as time would); publicity ends, the report goes out.
    start = timezone.localdate() - dt.timedelta(days=12)
    Publicity.objects.filter(batch=rw.batch).update(starts_on=start, ends_on=start + dt.timedelta(days=6))
    manager.goto(live_server.url + reverse("results:batch", args=[rw.batch.pk]))
    manager.get_by_role("button", name="结束公示").click()
    alert(manager, "公示已结束")
    assert "结果报备期限" in manager.get_by_test_id("countdown").inner_text()
    manager.get_by_role("button", name="向人社部门报备结果").click()
    alert(manager, "已向")

    # 7. The authority returns it; the organisation resubmits; the authority accepts.
    authority = sign_in(browser, live_server, rw.authority.user.username)
    authority.goto(live_server.url + reverse("results:home"))
    authority.get_by_role("link", name=rw.batch.name).click()
    authority.get_by_label("退回理由（需要更正的内容）").fill("证书信息表中所在单位应填写单位全称")
    authority.get_by_role("button", name="退回更正").click()
    alert(authority, "已退回")
    manager.reload()
    assert "更正报送期限" in manager.get_by_test_id("countdown").inner_text()
    manager.get_by_label("更正说明（重新报送时填写）").fill("已按要求规范所在单位名称")
    manager.get_by_role("button", name="重新报送更正后的结果").click()
    alert(manager, "第 2 版")
    authority.reload()
    authority.get_by_role("button", name="接收").click()
    alert(authority, "已接收第 2 版")
    statuses = [r.inner_text() for r in authority.get_by_test_id("report-status").all()]
    assert statuses == ["已接收", "已退回"]
    assert list(Report.objects.filter(batch=rw.batch).order_by("version").values_list("status", flat=True)) == [
        "returned", "accepted"]

    # 8. The reported certificate table opens with the seed's columns.
    with authority.expect_download() as download:
        authority.get_by_role("row", name=re.compile("第 2 版")).get_by_role("link", name="证书信息表").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert [c.value for c in sheet[CERTIFICATE_HEADER_ROW]] == list(CERTIFICATE_HEADERS)
    names = [r[0] for r in sheet.iter_rows(min_row=CERTIFICATE_HEADER_ROW + 1, values_only=True)]
    assert names == [first.name, third.name]
    for page in (*pages.values(), manager, candidate, authority):
        page.context.close()
