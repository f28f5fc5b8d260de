"""The exam day in a real browser: a proctor signs one candidate in by the ticket's QR code
(the text a USB scanner types, then Enter) and another by ID number, comparing name and
seat before confirming; marks the third absent after a confirmation; records a
violation; a quality supervisor decides it; exam affairs download the tickets."""

import pytest
from django.urls import reverse
from pypdf import PdfReader

from skilleval.accounts.tests.factories import PASSWORD

from ..models import Attempt, ExamIncident
from .test_cbt import fresh_autosave_caches  # noqa: F401
from .test_examday import build_day, qr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/")


def test_a_proctor_runs_the_sign_in_and_a_supervisor_decides_a_violation(page, browser, live_server, jurisdictions,
                                                                          tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())
    day = build_day(jurisdictions["合肥市"])
    first, second, third = day.attempts
    log_in(page, live_server, day.proctor.user)

    # The exams home leads a proctor to the session's exam day, and from there to the sign-in of a room.
    page.goto(live_server.url + reverse("exams:home"))
    page.get_by_role("link", name=day.session.name).first.click()
    page.get_by_role("link", name="身份核验签到").click()
    page.get_by_role("link", name="一层第1机房").click()

    # 1. The scanner types the QR code's text and Enter: the candidate is shown, then confirmed.
    page.get_by_label("扫描准考证二维码").fill(qr(first))
    page.get_by_label("扫描准考证二维码").press("Enter")
    assert page.get_by_test_id("found-name").inner_text() == "考生0"
    assert "一层第1机房 · 1 号座位" in page.get_by_test_id("found-seat").inner_text()
    page.get_by_role("button", name="身份一致，确认签到").click()
    page.get_by_role("alert").filter(has_text="已签到：考生0，一层第1机房 1 号座位（扫描准考证二维码）").wait_for()

    # A forged code is refused and says why.
    page.get_by_label("扫描准考证二维码").fill(f"{second.ticket_number}-{qr(first).split('-')[1]}")
    page.get_by_label("扫描准考证二维码").press("Enter")
    assert "二维码校验失败" in page.get_by_test_id("check-in-error").inner_text()

    # 2. By ID number, typed by hand.
    page.get_by_label("证件号码").fill(day.id_of(second))
    page.get_by_role("button", name="核验").nth(1).click()
    assert page.get_by_test_id("found-name").inner_text() == "考生1"
    page.get_by_role("button", name="身份一致，确认签到").click()
    page.get_by_role("alert").filter(has_text="已签到：考生1").wait_for()
    assert "已签到 2 人" in page.get_by_test_id("room-counts").inner_text()

    # 3. The third candidate (second room) did not come: marked absent after the confirmation.
    page.get_by_role("link", name="一层第2机房").click()
    page.get_by_label("考生2（").check()
    page.get_by_test_id("absent-form").get_by_role("button", name="标记缺考").click()
    page.get_by_role("alert").filter(has_text="已标记缺考 1 人：考生2").wait_for()
    assert Attempt.objects.get(pk=third.pk).status == Attempt.Status.ABSENT

    # 4. A violation, recorded from the exam-day page.
    page.goto(live_server.url + reverse("exams:examday", args=[day.session.pk]))
    assert page.get_by_test_id("count-checked-in").inner_text() == "2"
    page.get_by_role("link", name="记录违纪违规").click()
    page.get_by_label("情形").select_option("携带违规物品进入考场")
    page.get_by_label("考生准考证号").fill(first.ticket_number)
    page.get_by_label("经过").fill("开考后发现考生桌肚内有手机（关机），当场收缴。")
    page.get_by_role("button", name="保存记录").click()
    page.get_by_role("alert").filter(has_text="已记录：携带违规物品进入考场（待质量督导员认定）").wait_for()
    assert page.get_by_test_id("pending").count() == 1
    assert page.get_by_test_id("decide-form").count() == 0  # a proctor does not decide

    # 5. The quality supervisor decides it.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    supervisor = context.new_page()
    supervisor.set_default_timeout(10_000)
    supervisor.on("dialog", lambda dialog: dialog.accept())
    log_in(supervisor, live_server, day.supervisor.user)
    supervisor.goto(live_server.url + reverse("exams:examday", args=[day.session.pk]) + "#incidents")
    form = supervisor.get_by_test_id("decide-form")
    form.get_by_label("认定处理").select_option(label="批评教育/警告")
    form.get_by_label("认定依据").fill("手机关机未使用，当场交出，依规则给予批评教育。")
    form.get_by_role("button", name="认定").click()
    supervisor.get_by_role("alert").filter(has_text="已认定：携带违规物品进入考场，批评教育/警告").wait_for()
    incident = ExamIncident.objects.get()
    assert incident.decided_by == day.supervisor.user and incident.handling == ExamIncident.Handling.WARNING
    context.close()

    # 6. Exam affairs download the tickets.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    affairs = context.new_page()
    affairs.set_default_timeout(10_000)
    log_in(affairs, live_server, day.world.manager.user)
    affairs.goto(live_server.url + reverse("exams:examday", args=[day.session.pk]))
    with affairs.expect_download() as download:
        affairs.get_by_role("link", name="准考证（PDF）").click()
    path = tmp_path / "tickets.pdf"
    download.value.save_as(path)
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    assert all(a.ticket_number in text for a in day.attempts) and "职业技能等级认定准考证" in text
    context.close()
