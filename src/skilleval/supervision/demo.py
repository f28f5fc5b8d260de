"""The supervision part of the demo, run last (after exams, results and certificates), through
the real services:

- Tianjin (30% share): an inspector pool with a declared conflict, more sessions of 滨海石化's
  batch, a random draw of today's session, its on-site record with a rectification demand,
  published (the public page shows it; 滨海's credit record holds the rectification);
- Hefei: a batch of 合肥华晟 evaluated about fourteen months ago, with a review session, its
  video, results and an accepted report, filed in its archive; the video category (kept one
  year) destroyed through the ledger; authority supervisors sent to two batches (one reported);
  the annual evaluation of that year with 合肥华晟 a model organisation; and the archive of the
  results demo's accepted batch (certificates issued), with its exam-day forms, photo and
  video and a supervisor's report added through the services, filed with every category
  holding its records but the computer-based exam's log (that batch's theory was on paper);
- Huangshi: a second organisation (黄石华新机电, login hx_admin) filed and evaluated, and the
  city's talent goal (33万 skill talents, 11.5万 high-skill [HS 一]) with its baseline.

Results and reports are written as the results app's contract rows (Result, Report): that
app's services are being built alongside; switch to them when they settle."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from skilleval.accounts.access import Actor, actor_for
from skilleval.accounts.models import User
from skilleval.batches import services as batches
from skilleval.batches.imports import applications_import
from skilleval.batches.models import Application, Batch, BatchStaff
from skilleval.batches.sample import import_row, import_workbook
from skilleval.catalog.models import Jurisdiction
from skilleval.core.workdays import working_calendar
from skilleval.exams.models import Blueprint, ExamRoom, ExamSession, ExamSite, RoomKind
from skilleval.orgs import services as orgs
from skilleval.orgs.models import Nature, Organisation
from skilleval.orgs.sample import fill_application, sample_id_number
from skilleval.results.models import Report, Result

from .models import AnnualEvaluation, ArchiveEntry, Category
from .services import archives, evaluation, inspections

PASSWORD = "Demo@2026"


def _actor(username: str) -> Actor:
    return actor_for(User.objects.get(username=username))


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def demo_supervision() -> None:
    today = timezone.localdate()
    _tianjin(today)
    _hefei(today)
    _huangshi(today)


# ---------------------------------------------------------------------------------------------
# Tianjin: a published random inspection


def _tianjin(today: dt.date) -> None:
    authority = _actor("tj_city")
    binhai = Organisation.objects.get(name="天津滨海石化装备有限公司")
    batch = Batch.objects.filter(organisation=binhai, status=Batch.Status.PLAN_CONFIRMED).first()
    if batch is None:
        return
    from skilleval.exams.services import cbt

    affairs = _actor("bh_admin")
    blueprint = Blueprint.objects.filter(organisation=binhai).order_by("pk").first()
    room = ExamRoom.objects.filter(site__organisation=binhai, kind=RoomKind.THEORY).order_by("name").last()
    if blueprint is not None and room is not None:
        for days in (7, 14, 21):
            day = today + dt.timedelta(days=days)
            if day <= batch.last_exam_date:
                cbt.session_create(actor=affairs, batch=batch, batch_item=batch.items.first(), blueprint=blueprint,
                                   name=f"化工总控工四级理论机考（{day:%m月%d日}）", rooms=[room],
                                   starts_at=_at(day, 9), ends_at=_at(day, 10, 30), duration_minutes=60)
    pool = [inspections.inspector_add(actor=authority, name="马丽", unit="天津市人社局职业能力建设处", title="副处长",
                                      user=authority.user),
            inspections.inspector_add(actor=authority, name="王建国", unit="天津市职业技能鉴定指导中心", title="科长",
                                      phone="022-23456701"),
            inspections.inspector_add(actor=authority, name="李娜", unit="天津市职业技能鉴定指导中心", title="质量督导员",
                                      phone="022-23456702"),
            inspections.inspector_add(actor=authority, name="张伟民", unit="天津大学化工学院（聘请专家）",
                                      title="高级工程师")]
    inspections.conflict_declare(actor=authority, inspector=pool[3], organisation=binhai,
                                 reason="曾任该公司设备部经理，离职未满三年")
    # Today's session (the one running in the exams demo) is the period's only one.
    plan = inspections.inspection_draw(actor=authority, period_start=today, period_end=today, seed=20260315,
                                       title=f"{today:%Y年%m月%d日}评价过程双随机抽查")
    inspection = plan.inspections.filter(session__starts_at__lte=timezone.now()).select_related("session").first()
    if inspection is None:
        return
    checklist = {key: {"result": "ok", "note": ""} for key, _label in inspections.CHECKLIST}
    checklist["scoring"] = {"result": "na", "note": "机考客观题自动评分，主观题阅卷在考后进行"}
    checklist["records"] = {"result": "issue", "note": "考前考务会记录缺两名监考人员签字"}
    inspections.inspection_record(
        actor=authority, inspection=inspection, inspected_at=max(timezone.now() - dt.timedelta(minutes=5),
                                                                 inspection.session.starts_at),
        checklist=checklist, conclusion="rectify",
        findings="考点按报备计划组织机考，考生扫码签到、身份核验规范，机房监控正常；考前考务会记录签字不全。",
        rectification_demand="补全考前考务会记录的签字，完善考务记录的审核环节，整改情况报市职业技能鉴定指导中心。",
        rectification_deadline=today + dt.timedelta(days=15))
    inspections.inspection_publish(actor=authority, inspection=inspection)


# ---------------------------------------------------------------------------------------------
# Hefei: an archive with a destruction, supervisors, the annual evaluation


HUASHENG_ROWS = [("陈国栋", "19840312", "五级", "6"), ("林晓燕", "19910805", "五级", "3"), ("宋建业", "19820119", "四级", "9"),
                 ("胡婷婷", "19930427", "四级", "7"), ("郭志明", "19861030", "五级", "4"), ("梁洁", "19950216", "五级", "2")]


def _roster(actor: Actor, batch: Batch) -> None:
    for role, names in ((BatchStaff.Role.HEAD, ["杨振宇"]), (BatchStaff.Role.PROCTOR, ["赵雪", "何静"]),
                        (BatchStaff.Role.EXAMINER, ["钱国华", "陈立群", "马文涛"]),
                        (BatchStaff.Role.SUPERVISOR, ["孙丽"])):
        for name in names:
            batches.batch_staff_add(actor=actor, batch=batch, role=role, name=name, id_number=sample_id_number())


def _past_batch(*, manager: Actor, authority: Actor, organisation: Organisation, name: str, first: dt.date,
                rows: list[list[str]], levels: tuple[int, ...], occupation: str = "6-18-01-01") -> Batch:
    """A batch evaluated from `first`, taken through announcement, import, review, roster and
    plan filing (dated back as the rules need) to the authority's confirmation."""
    opens = first - dt.timedelta(days=40)
    batch = batches.batch_create(
        actor=manager, organisation=organisation, name=name, registration_opens=opens,
        registration_closes=opens + dt.timedelta(days=10), first_exam_date=first,
        last_exam_date=first + dt.timedelta(days=2), sites=f"{organisation.name}实训楼", contact="0551-63821106",
        candidate_scope="本企业在岗职工", content="职业能力（理论知识、操作技能）、工作业绩、职业道德")
    for level in levels:
        batches.batch_item_add(actor=manager, batch=batch, occupation_code=occupation, level_code=level,
                               method="exam", theory_weight=30, practical_weight=60, review_weight=10)
    batches.batch_announce(actor=manager, batch=batch, today=opens)
    applications_import(actor=manager, batch=batch, source=import_workbook(rows), filename="往期报名.xlsx",
                        clean_rows_only=True)
    for application in Application.objects.filter(batch=batch):
        batches.application_review(actor=manager, application=application,
                                   decision="accept" if application.eligible else "reject",
                                   reason="" if application.eligible else "不符合申报条件")
    _roster(manager, batch)
    batches.batch_sign_commitment(actor=manager, batch=batch, signatory=organisation.contact_person or "负责人")
    batches.batch_plan_save(actor=manager, batch=batch, plan=batches.plan_draft(batch))
    batches.batch_file_plan(actor=manager, batch=batch, today=working_calendar().subtract(first, 12).date)
    batches.batch_plan_confirm(actor=authority, batch=batch)
    batch.refresh_from_db()
    return batch


def _results(batch: Batch, *, failed: int, manager: Actor, authority: Actor) -> None:
    """Committee-approved results and the report the authority accepted (results contract rows)."""
    accepted = list(Application.objects.filter(batch=batch, status=Application.Status.ACCEPTED).order_by("number"))
    approved_at = _at(batch.last_exam_date + dt.timedelta(days=3), 10)
    for n, application in enumerate(accepted):
        passed = n >= failed
        Result.objects.create(batch=batch, application=application, status=Result.Status.APPROVED,
                              theory_score=78 if passed else 52, practical_score=82 if passed else 55,
                              review_score=80, total_score=80.6 if passed else 54.1, passed=passed,
                              approved_at=approved_at, approved_by=manager.user)
    Report.objects.create(batch=batch, version=1, status=Report.Status.ACCEPTED, submitted_by=manager.user,
                          submitted_at=_at(batch.last_exam_date + dt.timedelta(days=12), 15),
                          decided_at=_at(batch.last_exam_date + dt.timedelta(days=16), 11),
                          decided_by=authority.user)


def _review_session(affairs: Actor, batch: Batch, site_name: str) -> ExamSession:
    from skilleval.exams.services import arrangement, cbt

    site = ExamSite.objects.filter(organisation=batch.organisation, name=site_name).first() or \
        arrangement.site_create(actor=affairs, name=site_name, address=batch.organisation.address)
    room = ExamRoom.objects.filter(site=site, kind=RoomKind.REVIEW).first() or arrangement.room_create(
        actor=affairs, site=site, data=arrangement.RoomData(name="综合评审室（往期）", kind=RoomKind.REVIEW, capacity=20))
    return cbt.session_create(actor=affairs, batch=batch, batch_item=batch.items.order_by("pk").first(),
                              name="车工综合评审", rooms=[room], kind=ExamSession.Kind.REVIEW,
                              starts_at=_at(batch.first_exam_date, 9), ends_at=_at(batch.first_exam_date, 11),
                              duration_minutes=120)


def _hefei(today: dt.date) -> None:
    from skilleval.exams.services import examday
    from skilleval.portal.demo import demo_resident_id

    hs = _actor("hs_admin")
    hf = _actor("hf_city")
    huasheng = Organisation.objects.get(name="合肥华晟机械制造有限公司")
    first = today - dt.timedelta(days=420)
    rows = [import_row(name, demo_resident_id("340104", birth, f"{700 + n:03d}"), level=level, years=years)
            for n, (name, birth, level, years) in enumerate(HUASHENG_ROWS)]
    batch = _past_batch(manager=hs, authority=hf, organisation=huasheng, first=first, rows=rows, levels=(5, 4),
                        name=f"{first.year}年第二期车工职业技能等级认定")
    session = _review_session(hs, batch, "华晟实训楼（往期）")
    examday.session_media_add(actor=hs, session=session, kind="video", reference="实训楼 NVR-01 通道2（综合评审室）全程录像",
                              description="综合评审室全程监控录像")
    _results(batch, failed=1, manager=hs, authority=hf)

    # Supervisors: one sent to this batch's review and reported, one sent to the filed plan.
    pool = [inspections.inspector_add(actor=hf, name="胡晓东", unit="合肥市人社局职业能力建设处", user=hf.user),
            inspections.inspector_add(actor=hf, name="周敏", unit="合肥市职业技能鉴定指导中心", title="质量督导员"),
            inspections.inspector_add(actor=hf, name="吴涛", unit="合肥市职业技能鉴定指导中心", title="质量督导员")]
    visit = inspections.visit_dispatch(actor=hf, batch=batch, step="panel", planned_on=first, supervisors=pool[1:],
                                       session=session)
    inspections.visit_report(actor=hf, visit=visit,
                             report="综合评审按考核方案进行，3名考评员独立评分，评审记录完整，录像正常。",
                             issues="评审材料目录未编页码，已要求归档时补齐。")
    _lifecycle_archive(hs, hf, pool)
    filed = Batch.objects.filter(organisation=huasheng, status=Batch.Status.PLAN_FILED).first()
    if filed is not None:
        inspections.visit_dispatch(actor=hf, batch=filed, step="theory", planned_on=filed.first_exam_date,
                                   supervisors=pool[1:2])

    # The archive: filed three days after the evaluation; the video category (kept one year)
    # has been destroyed through the ledger.
    archive = archives.archive_compile(actor=hs, batch=batch, today=batch.last_exam_date + dt.timedelta(days=3))
    video = ArchiveEntry.objects.get(archive=archive, category=Category.MEDIA)
    archives.archive_entry_destroy(
        actor=hs, entry=video, destroyed_on=max(video.retention_ends_on, today - dt.timedelta(days=20)),
        reason="考场录像保存期满一年，经鉴定无继续保存价值", method="degauss", destroyer="李俊", responsible="王海燕")

    # The annual evaluation of that year, with 合肥华晟 a model organisation.
    year = first.year
    evaluation.evaluations_prepare(actor=hf, year=year)
    for row in AnnualEvaluation.objects.filter(jurisdiction_id=hf.jurisdiction_id, year=year).select_related(
            "organisation"):
        if row.organisation_id == huasheng.pk:
            evaluation.evaluation_grade(actor=hf, evaluation=row, grade="excellent",
                                        remarks="按计划组织认定，计划报备与结果报备按时，督导发现的问题当场整改，档案规范。")
            evaluation.evaluation_set_model(actor=hf, evaluation=row, is_model=True)
        else:
            evaluation.evaluation_grade(actor=hf, evaluation=row, grade="fail",
                                        remarks="连续一年以上未开展评价，已约谈并终止备案。")
        evaluation.evaluation_finalise(actor=hf, evaluation=row)


def _png(colour: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _lifecycle_archive(hs: Actor, hf: Actor, pool: list) -> None:
    """The archive of the results demo's accepted batch of 合肥华晟 (scored, published,
    reported, certificates issued): its exam-day forms (dated on the day), the practical's
    video and a photo, the authority supervisor's report, then filed, so every category of
    the catalogue holds its records (but the computer-based exam's operation log: this
    batch's theory exam was written on paper)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from skilleval.certificates.models import Certificate
    from skilleval.exams.services import examday

    batch = (Batch.objects.filter(pk__in=Certificate.objects.filter(batch__organisation=hs.organisation_id)
                                  .values("batch_id")).order_by("first_exam_date").first())
    if batch is None or hasattr(batch, "archive"):
        return
    sessions = {s.kind: s for s in ExamSession.objects.filter(batch=batch)}
    theory, practical = sessions.get(ExamSession.Kind.THEORY_PAPER), sessions.get(ExamSession.Kind.PRACTICAL)
    if theory is None or practical is None:
        return
    affairs, proctor = _actor("hs_exam"), _actor("hs_proctor")
    supervisor = _actor("hs_supervisor")
    room = theory.rooms.order_by("pk").first()
    start = theory.starts_at
    seated = theory.attempts.filter(room=room).count()
    present = theory.attempts.filter(room=room, checked_in_at__isnull=False).count()
    examday.session_record_create(actor=affairs, session=theory, kind="meeting", now=start - dt.timedelta(minutes=20),
                                  content={
        "held_at": start - dt.timedelta(minutes=40), "place": "华晟实训楼二楼会议室", "host": "李俊（考点负责人）",
        "attendees": "赵雪、何静（监考人员），孙丽（质量督导员），钱国华、陈立群、马文涛（考评员）",
        "training": True, "duties": True, "discipline": True, "manuals": True,
        "content": "学习考务手册和考场规则；明确笔试、实操和综合评审的分工；强调试卷保密和违纪处理程序。"})
    examday.session_record_create(actor=supervisor, session=theory, kind="checklist",
                                  now=start - dt.timedelta(minutes=5), content={
        "staff_on_post": True, "meeting_held": True, "papers_checked": True, "rooms_ok": True, "monitoring_ok": True,
        "equipment_ok": True})
    examday.session_record_create(actor=proctor, session=theory, kind="receipt", room=room,
                                  now=start - dt.timedelta(minutes=15), content={
        "received_at": start - dt.timedelta(minutes=15), "received_by": "赵雪", "handed_over_by": "李俊",
        "packages": 1, "papers": seated, "labels_match": True, "seal_intact": True})
    examday.session_record_create(actor=proctor, session=theory, kind="sealing", room=room,
                                  now=theory.ends_at + dt.timedelta(minutes=10), content={
        "received": seated, "issued": present, "blank": seated - present, "collected": present,
        "sealed_at": theory.ends_at + dt.timedelta(minutes=5), "sealed_by": "赵雪", "witnesses": "何静、孙丽",
        "seal_number": f"HS-{batch.first_exam_date:%Y%m%d}-01", "notes": "缺考 1 人，空白试卷一并封存。"})
    examday.session_record_create(actor=supervisor, session=practical, kind="quality",
                                  now=practical.ends_at + dt.timedelta(minutes=30), content={
        "process_standard": True, "materials_complete": True, "discipline_good": True, "violations_handled": True,
        "overall": "好", "opinions": "实操评分三名考评员独立评分，建议评分表增加工件编号栏。"})
    examday.session_media_add(actor=affairs, session=practical, kind="video",
                              reference="实训楼 NVR-01 通道4（二号车间）全程录像", description="车工实操考场全程监控录像")
    examday.session_media_add(actor=affairs, session=practical, kind="photo", description="二号车间实操考场全景",
                              upload=SimpleUploadedFile("实操考场.png", _png((70, 110, 160)), content_type="image/png"))
    visit = inspections.visit_dispatch(actor=hf, batch=batch, step="practical", planned_on=batch.first_exam_date,
                                       supervisors=pool[1:], session=practical)
    inspections.visit_report(actor=hf, visit=visit, report="操作技能考核按考核方案进行，考评员独立评分，评分表由组长签字锁定，录像正常。",
                             issues="考场外候考区未设隔离带，已要求下次评价前整改。")
    archives.archive_compile(actor=hs, batch=batch)


# ---------------------------------------------------------------------------------------------
# Huangshi: a second, evaluated organisation and the talent goal


HUAXIN_ROWS = [("程立新", "19800607", "三级", "12"), ("袁芳", "19890914", "四级", "8"), ("彭浩", "19920321", "五级", "3"),
               ("邹敏", "19870711", "四级", "7"), ("万强", "19830125", "三级", "11"), ("熊丽", "19940503", "五级", "2"),
               ("余波", "19900818", "五级", "4"), ("柯磊", "19850222", "四级", "9")]


def _huangshi(today: dt.date) -> None:
    from skilleval.portal.demo import demo_resident_id, demo_uscc

    authority = _actor("hs_city")
    city = Jurisdiction.objects.get(code="420200")
    organisation = orgs.organisation_register(
        name="黄石华新机电有限公司", uscc=demo_uscc("420200", "MA4BHX7Q2"), city=city, nature=Nature.PRIVATE,
        address="黄石市下陆区团城山工业园 58 号", contact_person="程立新", contact_phone="0714-6281155",
        admin_username="hx_admin", admin_full_name="程立新", admin_password=PASSWORD)
    admin = _actor("hx_admin")
    decided = today - dt.timedelta(days=600)
    application = orgs.filing_start(actor=admin, organisation=organisation)
    fill_application(actor=admin, application=application, occupations=[("6-18-01-01", "", [5, 4, 3])],
                     region="420200")
    orgs.filing_submit(actor=admin, application=application, today=decided)
    orgs.filing_pass_initial_review(actor=authority, application=application, comment="材料齐全。")
    orgs.filing_record_expert_evaluation(actor=authority, application=application, experts="黄志刚、周建军、陈立群",
                                         form="on_site", evaluated_on=decided, opinions="场地、设备与考评队伍满足要求。",
                                         conclusion="pass")
    years = city.policy_profile().filing_validity_years
    orgs.filing_approve(actor=authority, application=application, filing_number="Y420200000031", serial_start=1,
                        serial_end=100000, valid_from=decided,
                        valid_until=decided.replace(year=decided.year + years) - dt.timedelta(days=1),
                        comment="同意备案。", today=decided)
    organisation.refresh_from_db()
    first = today - dt.timedelta(days=200)
    rows = [import_row(name, demo_resident_id("420204", birth, f"{800 + n:03d}"), level=level, years=years)
            for n, (name, birth, level, years) in enumerate(HUAXIN_ROWS)]
    batch = _past_batch(manager=admin, authority=authority, organisation=organisation, first=first, rows=rows,
                        levels=(5, 4, 3), name=f"{first.year}年车工职业技能等级认定")
    _results(batch, failed=2, manager=admin, authority=authority)
    from skilleval.certificates.services import certificates_issue

    # The six passes' certificates, issued once the report was accepted: the goal counts them.
    certificates_issue(actor=admin, batch=batch, issued_on=batch.last_exam_date + dt.timedelta(days=20))
    evaluation.talent_goal_save(
        actor=authority, target_year=today.year + 1, title="全市技能人才总量", total_target=330000,
        high_skill_target=115000, baseline_total=286400, baseline_high_skill=97800,
        baseline_on=today - dt.timedelta(days=365),
        source="黄改委发〔2020〕4号：全市技能人才总量达到33万人，其中高技能人才总量达到11.5万人")

