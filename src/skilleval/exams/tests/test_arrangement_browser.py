"""The arrangement in a real browser: exam affairs record a declared conflict (an examiner
and a candidate are relatives), run the automatic arrangement from the batch's page after
its confirmation dialog, and find every rule met with the conflict honoured: the examiner
serves the other practical room. A manual move of the candidate into the examiner's room
is then refused with the reason."""

import pytest
from django.urls import reverse

from ..models import Attempt, StaffAssignment
from .test_arrangement import arrangement_world, check_all
from .test_bank_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_automatic_arrangement_honours_a_declared_conflict(page, live_server, jurisdictions):
    # Six candidates need both practical rooms, so both panels of three: all six examiners
    # serve, and the candidate has to sit where the examiner they are related to is not.
    world = arrangement_world(jurisdictions["合肥市"], roster=(1, 4, 6, 2), practical=(("实操一", 4), ("实操二", 4)))
    examiner, student = world.staff["examiner"][2], world.applications[0]
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    login(page, live_server, world.manager.user.username)
    page.goto(live_server.url + reverse("exams:arrangement_index"))
    page.get_by_role("link", name="考场编排", exact=True).last.click()
    page.get_by_test_id("run-form").wait_for()
    assert "尚未编排" in page.content()

    page.get_by_role("link", name="回避申报（0）").click()
    form = page.get_by_test_id("conflict-form")
    form.get_by_label("考务人员").select_option(str(examiner.pk))
    form.get_by_label("须回避的考生").select_option(str(student.pk))
    form.get_by_label("回避事由").select_option("family")
    form.get_by_label("说明").fill("表兄弟")
    form.get_by_role("button", name="登记").click()
    page.get_by_role("alert").filter(has_text="已登记回避：考评3 — 考生 考生0").wait_for()
    assert "亲属关系" in page.get_by_test_id("conflict-list").inner_text()

    page.goto(live_server.url + reverse("exams:arrangement_batch", args=[world.batch.pk]))
    page.get_by_test_id("run-form").get_by_label("随机种子（可选）").fill("2026")
    page.get_by_role("button", name="自动编排").click()
    page.get_by_role("alert").filter(has_text="已完成自动编排：2 个场次，考生 12 人次").wait_for()
    assert dialogs and "确定开始吗" in dialogs[0]
    page.get_by_test_id("problems-none").wait_for()
    conflicts = page.get_by_test_id("conflicts").inner_text()
    assert "考评员 考评3 — 考生 考生0（亲属关系）" in conflicts and "已回避" in conflicts
    check_all(world.batch)
    practical = world.sessions["实操考核"]
    seat = Attempt.objects.get(session=practical, application=student)
    served = StaffAssignment.objects.get(session=practical, staff=examiner)
    assert served.room != seat.room

    # The session's page shows both panels with their leaders. A seat is freed in the
    # examiner's room by moving someone else out; moving the candidate in is then refused
    # with the reason, and nothing moves.
    page.get_by_role("link", name="实操考核").click()
    assert page.get_by_test_id("room-card").count() == 2
    assert page.get_by_text("组长", exact=True).count() == 2
    other = Attempt.objects.filter(session=practical, room=served.room).select_related("application").first()
    move = page.get_by_test_id("move-form")
    move.get_by_label("准考证号").fill(other.ticket_number)
    move.get_by_label("调入考场").select_option(str(seat.room_id))
    move.get_by_role("button", name="调整").click()
    page.get_by_role("alert").filter(has_text=f"已将考生 {other.application.name} 调至考场“{seat.room}”").wait_for()
    move = page.get_by_test_id("move-form")
    move.get_by_label("准考证号").fill(seat.ticket_number)
    move.get_by_label("调入考场").select_option(str(served.room_id))
    move.get_by_role("button", name="调整").click()
    page.get_by_role("alert").filter(
        has_text=f"{served.get_duty_display()} 考评3 与考生 考生0 存在回避关系（亲属关系），不能将考生编入考场“{served.room}”").wait_for()
    assert Attempt.objects.get(pk=seat.pk).room == seat.room
