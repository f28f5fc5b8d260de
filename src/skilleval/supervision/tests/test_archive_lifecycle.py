"""A batch taken through its whole life by the apps' own services (computer-based theory
exam with its operation log, exam-day forms, photo and video, practical and review score
sheets, publicity with an objection upheld, a report returned then accepted, certificates
issued, an authority supervisor's report) is filed with an entry in every category of
SD 7(2), each with its retention date from the profile; its export carries each category's
documents; and the organisation's annual evaluation counts the upheld objection and the
returned report."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from skilleval.accounts.access import actor_for
from skilleval.catalog.models import PolicyProfile
from skilleval.certificates import services as certificate_services
from skilleval.certificates.models import Certificate
from skilleval.core.models import Job
from skilleval.exams.services import cbt, examday
from skilleval.exams.tests.test_examday import png_bytes
from skilleval.results.models import Objection, Report, Result
from skilleval.results.services import publicity, reports
from skilleval.results.tests.factories import build_results_world, published

from ..catalogue import CATALOGUE, add_years
from ..models import AnnualEvaluation, Category, Medium
from ..services import archives as archive_services
from ..services import evaluation as evaluation_services
from ..services import inspections as inspection_services
from .factories import inspectors

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def lifecycle(jurisdictions):
    jurisdiction = jurisdictions["合肥市"]
    rw = build_results_world(jurisdiction, candidates=3, name="合肥全流程档案测试机械有限公司")
    manager, batch = rw.manager, rw.batch
    theory = rw.theory
    # Exam day: the pre-exam meeting, the candidates sign in to the computer-based exam and hand in.
    examday.session_record_create(actor=manager, session=theory, kind="meeting", content={
        "held_at": theory.starts_at - dt.timedelta(minutes=30), "place": "实训楼二楼会议室", "host": "杨振宇",
        "attendees": "赵雪、何静（监考人员）", "training": True, "duties": True, "discipline": True, "manuals": True,
        "content": "学习考务手册和考场规则，明确监考分工。"})
    for application in rw.applications:
        attempt = rw.attempt("theory", application)
        cbt.candidate_sign_in(id_number=application.person.id_number, ticket_number=attempt.ticket_number,
                              session=theory, ip_address="10.0.0.8")
        cbt.attempt_start(attempt=attempt, ip_address="10.0.0.8")
        cbt.attempt_submit(attempt=attempt, ip_address="10.0.0.8")
    examday.session_media_add(actor=manager, session=rw.practical, kind="video", reference="NVR-01 通道2 全程录像",
                              description="二号车间实操考场全程录像")
    examday.session_media_add(actor=manager, session=rw.practical, kind="photo", description="实操考场全景",
                              upload=SimpleUploadedFile("全景.png", png_bytes(), content_type="image/png"))
    # The authority's supervisor at the practical exam.
    pool = inspectors(jurisdiction)
    visit = inspection_services.visit_dispatch(actor=rw.authority, batch=batch, step="practical", planned_on=TODAY,
                                               supervisors=pool[:2], session=rw.practical)
    inspection_services.visit_report(actor=rw.authority, visit=visit, report="实操考核按方案进行，考评员独立评分。",
                                     issues="考场外等候区秩序需加强。")
    # Scoring, the committee, publicity with an objection upheld.
    row = published(rw)  # every sheet entered and locked, results compiled and approved, published
    challenged = Result.objects.get(application=rw.applications[1])
    objection = publicity.objection_raise(actor=actor_for(rw.applications[0].person.user), batch=batch,
                                          result=challenged, text="该考生实操工件尺寸超差，评分偏高，请复核。")
    publicity.objection_decide(actor=manager, objection=objection, decision="upheld",
                               reason="经评价委员会复测，工件外圆超差，操作技能成绩更正为55分", scores={"practical": "55"})
    length = row.ends_on - row.starts_on
    start = TODAY - length - dt.timedelta(days=3)
    type(row).objects.filter(pk=row.pk).update(starts_on=start, ends_on=start + length)
    publicity.publicity_close(actor=manager, batch=batch)
    # The report: returned once, corrected, accepted; then the certificates.
    first = reports.report_submit(actor=manager, batch=batch)
    reports.report_return(actor=rw.authority, report=first, reason="证书信息表中所在单位应填写全称。")
    second = reports.report_submit(actor=manager, batch=batch, note="已按要求更正所在单位名称。")
    reports.report_accept(actor=rw.authority, report=second)
    issued = certificate_services.certificates_issue(actor=manager, batch=batch)
    archived_on = batch.last_exam_date + dt.timedelta(days=1)
    archive = archive_services.archive_compile(actor=manager, batch=batch, today=archived_on)
    return {"rw": rw, "archive": archive, "archived_on": archived_on, "issued": issued, "challenged": challenged}


def test_the_archive_of_a_whole_lifecycle_holds_every_category_with_its_retention(lifecycle):
    archive, archived_on = lifecycle["archive"], lifecycle["archived_on"]
    profile = PolicyProfile.objects.get(key="hefei")
    years = {Medium.PAPER: profile.paper_retention_years, Medium.ELECTRONIC: profile.electronic_retention_years,
             Medium.VIDEO: profile.video_retention_years}
    entries = {e.category: e for e in archive.entries.all()}
    assert list(entries) == list(Category.values)
    for category, entry in entries.items():
        assert entry.items, f"{category} is empty"
        assert entry.item_count >= 1
        assert entry.retention_years == years[entry.medium]
        assert entry.retention_ends_on == add_years(archived_on, years[entry.medium])
    titles = {category: " / ".join(f"{i['title']} {i['detail']}" for i in entry.items)
              for category, entry in entries.items()}
    assert "签到表：理论知识考试第1场" in titles["sign_in"] and "考前考务会记录" in titles["sign_in"]
    assert "机考操作日志：理论知识考试第1场" in titles["cbt_log"]
    assert "理论试卷：理论知识考试第1场" in titles["papers"] and "CG5-P01" in titles["papers"]
    assert "综合评审评分表：车工五级综合评审" in titles["review"]
    assert "操作技能评分表：车工五级操作技能考核" in titles["score_sheets"] and "组长签字锁定 3 份" in titles["score_sheets"]
    assert "评价结果报备 第1版" in titles["score_summary"] and "已退回" in titles["score_summary"]
    assert "人社部门督导报告：操作技能考核" in titles["supervision"]
    assert "公示名单" in titles["publicity"] and "异议成立" in titles["publicity"]
    assert "NVR-01" in titles["media"] and "实操考场全景" in titles["media"]
    roster = entries["issue_roster"].items[0]
    assert roster["title"] == "证书发放名册" and roster["count"] == len(lifecycle["issued"]) == 2
    assert lifecycle["issued"][0].number in roster["detail"]
    # The video kept one year, paper three, electronic five: the Hefei profile.
    assert entries["media"].medium == Medium.VIDEO and entries["media"].retention_years == 1
    assert entries["sign_in"].retention_ends_on == add_years(archived_on, 3)
    assert entries["issue_roster"].retention_ends_on == add_years(archived_on, 5)


def test_the_export_carries_each_categorys_own_documents(lifecycle, django_capture_on_commit_callbacks):
    rw = lifecycle["rw"]
    with django_capture_on_commit_callbacks(execute=True):
        job = archive_services.archive_export_start(actor=rw.manager, archive=lifecycle["archive"])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    with job.output_file.open("rb") as handle:
        zf = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = zf.namelist()
    folders = {name.split("/")[0] for name in names if "/" in name}
    assert folders == {f"{n:02d}-{spec.label}" for n, spec in enumerate(CATALOGUE, start=1)}
    assert "00-缺失文件.txt" not in names
    sign_in = [n for n in names if n.startswith("04-现场签到表/签到表/")]
    assert len(sign_in) == 3 and zf.read(sign_in[0]).startswith(b"%PDF")
    assert any(n.startswith("04-现场签到表/考务记录/") for n in names)
    assert any(n.startswith("06-考核试卷/试卷/") and n.endswith("标准答案.pdf") for n in names)
    log = load_workbook(io.BytesIO(zf.read("05-智能化考试过程操作记录/智能化考试过程操作记录.xlsx"))).active
    events = [r[3] for r in log.iter_rows(min_row=2, values_only=True)]
    assert events.count("登录") == 3 and events.count("交卷") == 3
    sheets = list(load_workbook(io.BytesIO(zf.read("08-评分表/考评员评分表.xlsx"))).active.iter_rows(values_only=True))
    assert sheets[0][4] == "考评员" and sum(1 for r in sheets[1:] if r[1] == "操作技能评分表") == 9  # 3 sheets x 3
    roster = list(load_workbook(io.BytesIO(zf.read("13-发证名册/证书发放名册.xlsx"))).active.iter_rows(values_only=True))
    numbers = {c.number for c in Certificate.objects.filter(batch=rw.batch)}
    assert {r[7] for r in roster[3:]} == numbers
    objections = list(load_workbook(io.BytesIO(zf.read("11-公示文件/公示异议处理记录.xlsx"))).active
                      .iter_rows(values_only=True))
    assert objections[1][3] == "异议成立" and "55" in objections[1][7]
    assert any(n.startswith("12-现场监控影像或图片资料/照片/") for n in names)


def test_the_annual_evaluation_counts_the_upheld_objection_and_the_returned_report(lifecycle):
    rw = lifecycle["rw"]
    evaluation_services.evaluations_prepare(actor=rw.authority, year=TODAY.year)
    metrics = AnnualEvaluation.objects.get(organisation=rw.world.org, year=TODAY.year).metrics
    assert Objection.objects.filter(batch=rw.batch, status=Objection.Status.UPHELD).count() == 1
    assert Report.objects.filter(batch=rw.batch, status=Report.Status.RETURNED).count() == 1
    assert metrics["objections"] == 1 and metrics["objections_upheld"] == 1
    assert metrics["reports_returned"] == 1
    assert metrics["certificates_issued"] == 2 and metrics["certificates_revoked"] == 0
    assert metrics["batches_held"] == 1 and metrics["passed"] == 2
