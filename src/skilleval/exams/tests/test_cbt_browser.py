"""The computer-based exam in a real browser: a candidate signs in with ticket and ID
number, answers (saved as they go, through a dropped connection too), reloads mid-exam
and finds the server's countdown and the answers intact, hands in; an examiner marks the
short answer and confirms; the objective score then appears to the candidate."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import PASSWORD, make_user

from ..models import Answer, Attempt
from ..services import cbt
from .test_cbt import KEY_TEXT, build_world, fresh_autosave_caches, make_paper, make_session  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seconds_left(page) -> int:
    text = page.get_by_test_id("timer").inner_text().strip()
    parts = [int(p) for p in text.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def wait_saved(page):
    page.get_by_test_id("save-state").filter(has_text="已保存").wait_for()


def test_a_candidate_reloads_mid_exam_hands_in_and_sees_the_confirmed_score(page, browser, live_server,
                                                                             jurisdictions):
    page.on("dialog", lambda dialog: dialog.accept())
    world = build_world(jurisdictions["合肥市"], candidates=2)
    session = make_session(world, minutes=60)
    attempt = cbt.seats_assign(actor=world.manager, session=session, paper=make_paper(world))[0]
    make_user(Role.EXAMINER, organisation=world.org, username="marker1", full_name="阅卷员甲")

    # 1. Sign in with the ticket and the ID number, no account needed.
    page.goto(live_server.url + reverse("exams:cbt_sign_in"))
    page.get_by_label("准考证号").fill(attempt.ticket_number)
    page.get_by_label("证件号码").fill("340104199001010000")
    page.get_by_role("button", name="登录考试").click()
    page.get_by_role("alert").filter(has_text="准考证号或证件号码不正确").wait_for()
    page.get_by_label("准考证号").fill(attempt.ticket_number)
    page.get_by_label("证件号码").fill(world.ids[attempt.application_id])
    page.get_by_role("button", name="登录考试").click()
    assert "考生0" in page.get_by_test_id("exam-info").inner_text()
    page.get_by_role("button", name="开始答题").click()
    page.get_by_test_id("timer").wait_for()
    assert 59 * 60 <= seconds_left(page) <= 60 * 60
    assert KEY_TEXT not in page.content()

    # 2. Answers are saved as they change.
    page.get_by_label("B. 带动工件旋转").check()
    wait_saved(page)
    page.get_by_label("A. 戴护目镜").check()
    page.get_by_label("C. 停车后测量").check()
    page.get_by_test_id("question").nth(3).get_by_label("错误").check()
    wait_saved(page)

    # A dropped connection is shown, and the answer goes in when it comes back.
    page.context.set_offline(True)
    page.get_by_label("作答").fill("使用跟刀架，减小背吃刀量，充分冷却。")
    page.get_by_test_id("save-state").filter(has_text="连接中断").wait_for()
    page.context.set_offline(False)
    page.get_by_test_id("save-state").filter(has_text="已保存").wait_for(timeout=15_000)
    answers = dict(Answer.objects.filter(attempt=attempt).values_list("paper_item__item__code", "response"))
    assert answers == {"CG5-S1": "B", "CG5-M1": ["A", "C"], "CG5-T1": False, "CG5-Q1": "使用跟刀架，减小背吃刀量，充分冷却。"}

    # 3. Reload: the countdown comes from the server (here 10 minutes were taken off the
    # deadline meanwhile) and keeps running; the answers are all there.
    attempt.refresh_from_db()
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=attempt.deadline_at - timezone.timedelta(minutes=10))
    page.reload()
    after_reload = seconds_left(page)
    assert 48 * 60 < after_reload <= 50 * 60
    page.wait_for_timeout(2200)
    assert seconds_left(page) <= after_reload - 2
    assert page.get_by_label("B. 带动工件旋转").is_checked()
    assert page.get_by_label("A. 戴护目镜").is_checked() and page.get_by_label("C. 停车后测量").is_checked()
    assert not page.get_by_label("B. 戴手套操作").is_checked()
    assert page.get_by_test_id("question").nth(3).get_by_label("错误").is_checked()
    assert page.get_by_label("作答").input_value() == "使用跟刀架，减小背吃刀量，充分冷却。"

    # 4. Hand in (after the confirmation dialog): the answers are in, the score waits.
    page.get_by_role("button", name="交卷").click()
    page.get_by_test_id("done").filter(has_text="您的答卷已提交").wait_for()
    assert page.get_by_test_id("score-pending").is_visible()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.objective_score == 6

    # 5. An examiner marks the short answer against the reference answer and confirms.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    marker = context.new_page()
    marker.set_default_timeout(10_000)
    marker.on("dialog", lambda dialog: dialog.accept())
    marker.goto(live_server.url + reverse("accounts:login"))
    marker.get_by_label("用户名").fill("marker1")
    marker.get_by_label("密码").fill(PASSWORD)
    marker.get_by_role("button", name="登录").click()
    marker.wait_for_url("**/home/")
    marker.goto(live_server.url + reverse("exams:cbt_session_detail", args=[session.pk]))
    marker.get_by_role("link", name=re.compile("阅卷与复核")).click()
    row = marker.get_by_test_id("mark-row").first
    assert KEY_TEXT in row.inner_text() and "使用跟刀架，减小背吃刀量" in row.inner_text()
    row.get_by_label("得分（0–4.0）").fill("3.5")
    row.get_by_role("button", name="评分").click()
    marker.get_by_test_id("marked").filter(has_text="已评 3.5 分").wait_for()
    marker.get_by_role("link", name=attempt.ticket_number).click()
    marker.get_by_role("button", name="复核确认成绩").click()
    marker.get_by_test_id("confirmation").filter(has_text="阅卷员甲").wait_for()
    context.close()

    # 6. The candidate's page now shows the confirmed score.
    page.reload()
    assert page.get_by_test_id("objective-score").inner_text() == "6.0"
    assert "9.5" in page.get_by_test_id("score").inner_text()
