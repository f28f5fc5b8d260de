"""The issue's whole exam flow in one real browser (Chromium), each step through its page:

1. the question bank's staff import the bank from an XLSX file and write a blueprint;
2. exam affairs open a computer-based session with one paper per candidate, record a
   declared conflict (a proctor and a candidate are relatives) and run the automatic
   arrangement: candidates get tickets, rooms, seats and their own papers, staff get their
   duties, and the conflict is honoured;
3. the candidate signs in with ticket and ID number, answers, reloads the page mid-exam
   and finds the server's countdown and the answers intact, and hands in;
4. the examiner marks the short answer and confirms; the candidate's page then shows the
   objective score."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user

from ..models import Answer, Attempt, Blueprint, ExamSession, ItemStatus, QuestionItem, StaffAssignment
from ..services.bank import IMPORT_COLUMNS
from .test_arrangement import arrangement_world, check_all
from .test_bank import row
from .test_bank_browser import login
from .test_cbt import fresh_autosave_caches  # noqa: F401
from .test_cbt_browser import seconds_left, wait_saved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHORT_KEY = "选择合理的切削速度"  # part of the short items' reference answers: never on a candidate's page


def bank_rows() -> list[dict]:
    """Theory items of 车工 level 5: singles, multiples, true/false and short answers."""
    rows = []
    for n in range(6):
        rows.append(row(试题编号=f"FLOW-S{n}", 题干=f"车削第{n}题：车床主轴的转速单位是（ ）。", 答案="A"))
    for n in range(3):
        rows.append(row(试题编号=f"FLOW-M{n}", 题型="多选", 题干=f"多选第{n}题：属于切削用量的有（ ）。", 选项D="背吃刀量",
                        答案="AD"))
    for n in range(3):
        rows.append(row(试题编号=f"FLOW-T{n}", 题型="判断", 题干=f"判断第{n}题：车削时可以用手清除切屑。", 选项A="", 选项B="",
                        选项C="", 答案="错"))
    for n in range(3):
        rows.append(row(试题编号=f"FLOW-Q{n}", 题型="简答", 题干=f"简答第{n}题：如何提高车削表面质量？", 选项A="", 选项B="",
                        选项C="", 答案=f"{SHORT_KEY}与进给量，刀具刃磨锋利，充分冷却。"))
    return rows


def test_bank_to_confirmed_score_through_the_pages(page, browser, live_server, jurisdictions, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())
    today = timezone.localdate()
    world = arrangement_world(jurisdictions["合肥市"], candidates=3, roster=(1, 4, 3, 1), sessions=False, first=today,
                              name="合肥全流程测试机械有限公司")
    make_user(Role.QUESTION_BANK, organisation=world.org, username="tiku", full_name="赵题库")
    make_user(Role.EXAMINER, organisation=world.org, username="marker1", full_name="阅卷员甲")

    # 1. The bank: an XLSX import on the bank's import page, then a blueprint written on its form.
    book = Workbook()
    sheet = book.active
    sheet.append(IMPORT_COLUMNS)
    for values in bank_rows():
        sheet.append([values.get(h, "") for h in IMPORT_COLUMNS])
    upload = tmp_path / "车工五级题库.xlsx"
    buffer = io.BytesIO()
    book.save(buffer)
    upload.write_bytes(buffer.getvalue())
    login(page, live_server, "tiku")
    page.goto(live_server.url + reverse("exams:bank_import"))
    page.get_by_label("理论试题表（XLSX）").set_input_files(str(upload))
    page.get_by_role("button", name="开始导入").click()
    page.get_by_test_id("job-status").filter(has_text="已完成").wait_for(timeout=60_000)
    assert QuestionItem.objects.filter(organisation=world.org, code__startswith="FLOW-").count() == 15
    QuestionItem.objects.filter(organisation=world.org).update(status=ItemStatus.APPROVED)  # reviewed in the bank

    page.goto(live_server.url + reverse("exams:papers_blueprint_create"))
    page.get_by_label("方案名称").fill("车工五级理论（全流程）")
    page.get_by_label("职业及等级").select_option(f"{world.item.occupation_id}|5")
    page.get_by_label("考试时长（分钟）").fill("60")
    for kind, count, score in (("单项选择题", 3, 2), ("多项选择题", 1, 3), ("判断题", 1, 1), ("简答题", 1, 4)):
        page.get_by_label(f"{kind}题量").fill(str(count))
        page.get_by_label(f"{kind}每题分值").fill(str(score))
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text("可组卷").wait_for()
    blueprint = Blueprint.objects.get(organisation=world.org)

    # 2. Exam affairs: the session, the declared conflict, the automatic arrangement.
    login(page, live_server, world.manager.user.username)
    page.goto(live_server.url + reverse("exams:cbt_session_create") + f"?batch={world.batch.pk}")
    start = timezone.localtime() + dt.timedelta(hours=1)
    page.get_by_label("考核类型", exact=True).select_option("theory_cbt")
    page.get_by_label("职业（工种）及等级").select_option(str(world.item.pk))
    page.get_by_label("组卷方案", exact=True).select_option(str(blueprint.pk))
    page.get_by_label("场次名称").fill("车工五级理论机考")
    page.get_by_label("实训楼 机房一（理论考场（机房/教室），4座）").check()
    page.get_by_label("实训楼 机房二（理论考场（机房/教室），4座）").check()
    page.get_by_label("开考时间").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("最晚交卷时间").fill((start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("答题时长（分钟）").fill("60")
    assert page.get_by_label("一人一卷（按组卷方案为每位考生生成不同试卷）").is_checked()
    page.get_by_role("button", name="保存场次").click()
    page.get_by_role("alert").filter(has_text="已安排理论知识（机考）场次").wait_for()
    session = ExamSession.objects.get(batch=world.batch)

    proctor, student = world.staff["proctor"][0], world.applications[0]
    page.goto(live_server.url + reverse("exams:arrangement_conflicts", args=[world.batch.pk]))
    form = page.get_by_test_id("conflict-form")
    form.get_by_label("考务人员").select_option(str(proctor.pk))
    form.get_by_label("须回避的考生").select_option(str(student.pk))
    form.get_by_label("回避事由").select_option("family")
    form.get_by_role("button", name="登记").click()
    page.get_by_role("alert").filter(has_text="已登记回避：监考1 — 考生 考生0").wait_for()
    page.goto(live_server.url + reverse("exams:arrangement_batch", args=[world.batch.pk]))
    page.get_by_role("button", name="自动编排").click()
    page.get_by_role("alert").filter(has_text="已完成自动编排：1 个场次，考生 3 人次（新编排 3 人次）").wait_for()
    page.get_by_test_id("problems-none").wait_for()
    assert "已回避" in page.get_by_test_id("conflicts").inner_text()
    check_all(world.batch)
    attempts = list(Attempt.objects.filter(session=session).select_related("paper"))
    assert len({a.paper_id for a in attempts}) == 3 and {a.paper.variant for a in attempts} == {
        a.ticket_number for a in attempts}  # one paper per candidate, assembled by the blueprint
    attempt = next(a for a in attempts if a.application_id == student.pk)
    assert not StaffAssignment.objects.filter(session=session, staff=proctor, room=attempt.room).exists()

    # 3. The exam begins; the candidate signs in (no account), answers, reloads, hands in.
    ExamSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=1))
    candidate = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    candidate.set_default_timeout(10_000)
    candidate.on("dialog", lambda dialog: dialog.accept())
    candidate.goto(live_server.url + reverse("exams:cbt_sign_in"))
    candidate.get_by_label("准考证号").fill(attempt.ticket_number)
    candidate.get_by_label("证件号码").fill(world.ids[student.pk])
    candidate.get_by_role("button", name="登录考试").click()
    assert "考生0" in candidate.get_by_test_id("exam-info").inner_text()
    candidate.get_by_role("button", name="开始答题").click()
    candidate.get_by_test_id("timer").wait_for()
    assert 59 * 60 <= seconds_left(candidate) <= 60 * 60
    assert SHORT_KEY not in candidate.content()
    questions = candidate.get_by_test_id("question")
    assert questions.count() == 6
    singles = [q for q in questions.all() if "主轴的转速单位" in q.inner_text()]
    for question in singles:
        question.get_by_label("A. r/min").check()
        wait_saved(candidate)
    candidate.get_by_label("作答").fill("选择合适的进给量，刃磨刀具并充分冷却。")
    for _ in range(50):  # saved as it is typed: wait until the server has it
        if Answer.objects.filter(attempt=attempt, response="选择合适的进给量，刃磨刀具并充分冷却。").exists():
            break
        candidate.wait_for_timeout(200)
    assert Answer.objects.filter(attempt=attempt, response="选择合适的进给量，刃磨刀具并充分冷却。").exists()
    wait_saved(candidate)
    before = seconds_left(candidate)
    candidate.reload()
    assert 0 <= before - seconds_left(candidate) <= 5
    candidate.wait_for_timeout(2200)
    assert seconds_left(candidate) < before
    assert all(q.get_by_label("A. r/min").is_checked() for q in candidate.get_by_test_id("question").all()
               if "主轴的转速单位" in q.inner_text())
    assert candidate.get_by_label("作答").input_value() == "选择合适的进给量，刃磨刀具并充分冷却。"
    candidate.get_by_role("button", name="交卷").click()
    candidate.get_by_test_id("done").filter(has_text="您的答卷已提交").wait_for()
    assert candidate.get_by_test_id("score-pending").is_visible()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.objective_score == 6

    # 4. The examiner marks the short answer and confirms; the score appears to the candidate.
    login(page, live_server, "marker1")
    page.goto(live_server.url + reverse("exams:cbt_marking", args=[session.pk]))
    mark = page.get_by_test_id("mark-row").filter(has_text="选择合适的进给量").first
    assert SHORT_KEY in mark.inner_text()
    mark.get_by_label("得分（0–4.0）").fill("3")
    mark.get_by_role("button", name="评分").click()
    page.get_by_test_id("marked").filter(has_text="已评 3.0 分").wait_for()
    page.goto(live_server.url + reverse("exams:cbt_attempt_detail", args=[attempt.pk]))
    page.get_by_role("button", name="复核确认成绩").click()
    page.get_by_test_id("confirmation").filter(has_text="阅卷员甲").wait_for()
    assert Answer.objects.filter(attempt=attempt, marker_score=3).exists()
    candidate.reload()
    assert candidate.get_by_test_id("objective-score").inner_text() == "6.0"
    assert "9.0" in candidate.get_by_test_id("score").inner_text()
    attempt.refresh_from_db()
    assert attempt.confirmed_by.username == "marker1" and attempt.total_score == 9
