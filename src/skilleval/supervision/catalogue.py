"""The catalogue of a batch's archive (案卷类目) [SD 7(2)]: one entry per category, in the
seed's order, each with its retention kind (paper, electronic or video: the years come from
the jurisdiction's policy profile) and a provider that gathers the category's items from
the records the other apps keep, and the files an export writes for it.

Providers only read, through the other apps' own document functions where one exists
(sign-in sheets and exam-day forms from exams/documents_examday.py, papers from
exams/documents.py, the certificate information table from results/documents.py). A
category with nothing recorded yet gives no items, and the catalogue shows it as
"本类材料暂无记录" rather than leaving it out."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.batches.models import Application, Batch
from skilleval.catalog.models import PolicyProfile
from skilleval.core.tabular import write_xlsx
from skilleval.exams.models import (
    Attempt,
    AttemptLog,
    ExamIncident,
    ExamSession,
    Paper,
    SessionMedia,
    SessionRecord,
)
from skilleval.results.models import Objection, Publicity, Report, Result, ScoreSheet

from .models import Category, Inspection, Medium, SupervisorVisit

EMPTY = gettext_lazy("本类材料暂无记录")


@dataclass(frozen=True)
class Item:
    """One catalogue line (卷内目录): a document or a set of documents."""

    title: str
    detail: str = ""
    count: int = 1

    def as_dict(self) -> dict:
        return {"title": self.title, "detail": self.detail, "count": self.count}


@dataclass(frozen=True)
class File:
    """A file the export writes in the category's folder; `produce` makes its bytes."""

    name: str
    produce: Callable[[], bytes]


@dataclass
class Gathered:
    items: list[Item] = field(default_factory=list)
    files: list[File] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(item.count for item in self.items)


@dataclass(frozen=True)
class CategorySpec:
    category: Category
    medium: Medium
    provider: Callable[[Batch], Gathered]

    @property
    def label(self) -> str:
        return str(self.category.label)


def retention_years(profile: PolicyProfile, medium: str) -> int:
    """The profile's retention for a kind of material [SD 7(2), HF 15, BB 4(2)]."""
    return {
        Medium.PAPER: profile.paper_retention_years,
        Medium.ELECTRONIC: profile.electronic_retention_years,
        Medium.VIDEO: profile.video_retention_years,
    }[Medium(medium)]


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _d(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _sessions(batch: Batch) -> list[ExamSession]:
    return list(ExamSession.objects.filter(batch=batch).select_related("practical_task")
                .order_by("starts_at", "pk"))


def _stored_file(field_file, name: str) -> File:
    def produce() -> bytes:
        with field_file.open("rb") as handle:
            return handle.read()

    return File(name, produce)


def _safe_name(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text).strip() or "file"


# ---------------------------------------------------------------------------------------------
# Providers


def announcement(batch: Batch) -> Gathered:
    from .documents import announcement_pdf

    if batch.announced_at is None:
        return Gathered()
    detail = _("发布于 %(a)s；报名 %(o)s 至 %(c)s；评价 %(f)s 至 %(l)s") % {
        "a": _d(batch.announced_at), "o": _d(batch.registration_opens), "c": _d(batch.registration_closes),
        "f": _d(batch.first_exam_date), "l": _d(batch.last_exam_date)}
    return Gathered([Item(_("认定公告：%(n)s") % {"n": batch.name}, detail)],
                    [File(_("认定公告.pdf"), lambda: announcement_pdf(batch))])


def plan(batch: Batch) -> Gathered:
    from skilleval.batches.documents import plan_docx, plan_pdf

    if batch.plan_filed_at is None:
        return Gathered()
    detail = _("报备于 %(d)s，报备辖区 %(j)s；状态：%(s)s") % {
        "d": _d(batch.plan_filed_on), "j": batch.plan_jurisdiction or "", "s": batch.get_status_display()}
    if batch.plan_decided_at:
        detail += _("（%(d)s 确认/退回）") % {"d": _d(batch.plan_decided_at)}
    return Gathered([Item(_("职业技能等级认定考核方案（认定批次计划）"), detail)],
                    [File(_("考核方案.pdf"), lambda: plan_pdf(batch)), File(_("考核方案.docx"), lambda: plan_docx(batch))])


def _form_producer(application: Application) -> Callable[[], bytes]:
    from skilleval.batches.documents import application_form_pdf

    return lambda: application_form_pdf(application, full_id=True)


def registration(batch: Batch) -> Gathered:
    from skilleval.batches.documents import candidate_list_xlsx, commitment_pdf

    applications = list(Application.objects.filter(batch=batch).exclude(status=Application.Status.WITHDRAWN)
                        .select_related("person__id_type", "item__occupation", "item__work_type", "item__level",
                                        "batch__organisation", "post_occupation")
                        .order_by("number"))
    if not applications:
        return Gathered()
    statuses = Counter(a.status for a in applications)
    accepted = statuses.get(Application.Status.ACCEPTED, 0)
    detail = "，".join(f"{label} {statuses[value]}" for value, label in Application.Status.choices if statuses.get(value))
    items = [Item(_("职业技能等级认定申报表"), detail, len(applications))]
    files = []
    if accepted:
        items.append(Item(_("符合报名条件人员名单"), _("%(n)d 人") % {"n": accepted}))
        files.append(File(_("考生名单.xlsx"), lambda: candidate_list_xlsx(batch)))
    if batch.commitment_signed_at:
        items.append(Item(_("报名资料审核承诺书"), _("负责人 %(s)s，%(d)s 签署") % {
            "s": batch.commitment_signed_by, "d": _d(batch.commitment_signed_at)}))
        files.append(File(_("报名资料审核承诺书.pdf"), lambda: commitment_pdf(batch)))
    uploads = 0
    for a in applications:
        files.append(File(f"申报表/{_safe_name(a.number + '-' + a.name)}.pdf", _form_producer(a)))
        for field_name, label in (("photo", "照片"), ("id_scan", "身份证件"), ("education_proof", "学历证明")):
            stored = getattr(a, field_name)
            if stored:
                uploads += 1
                suffix = PurePosixPath(stored.name or "").suffix
                files.append(_stored_file(stored, f"申报表/附件/{_safe_name(a.number + '-' + label)}{suffix}"))
    if uploads:
        items.append(Item(_("报名证明材料（照片、身份证件、学历证明）"), _("%(n)d 份") % {"n": uploads}, uploads))
    return Gathered(items, files)


# Exam-day forms that belong with the sign-in sheets (the supervisor's checklist and the
# quality form go to 督导情况反馈).
DAY_RECORDS = (SessionRecord.Kind.PRE_EXAM_MEETING, SessionRecord.Kind.PAPER_RECEIPT, SessionRecord.Kind.PAPER_SEALING)
SUPERVISION_RECORDS = (SessionRecord.Kind.SUPERVISOR_CHECKLIST, SessionRecord.Kind.QUALITY_FORM)


def _record_files(records: list[SessionRecord], folder: str) -> list[File]:
    """Each exam-day form as the exams app prints it."""
    from skilleval.exams.documents_examday import record_pdf
    from skilleval.exams.services.examday import record_rows

    def producer(record: SessionRecord) -> Callable[[], bytes]:
        return lambda: record_pdf(record, record_rows(record), record.get_kind_display())

    return [File(f"{folder}/{_safe_name(f'{r.session.name}-{r.get_kind_display()}-{r.pk}')}.pdf", producer(r))
            for r in records]


def sign_in(batch: Batch) -> Gathered:
    from skilleval.exams.documents_examday import sign_in_sheet_pdf

    attempts = list(Attempt.objects.filter(session__batch=batch).select_related("session", "room", "application")
                    .order_by("session__starts_at", "session_id", "ticket_number"))
    records = list(SessionRecord.objects.filter(session__batch=batch, kind__in=DAY_RECORDS)
                   .select_related("session__batch__organisation", "room__site", "recorded_by")
                   .order_by("session__starts_at", "recorded_at", "pk"))
    incidents = list(ExamIncident.objects.filter(session__batch=batch).select_related("session", "attempt")
                     .order_by("occurred_at", "pk"))
    per_session: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        per_session.setdefault(attempt.session_id, []).append(attempt)
    items, files = [], []
    for rows in per_session.values():
        session = rows[0].session
        signed = sum(1 for a in rows if a.checked_in_at)
        items.append(Item(_("签到表：%(s)s") % {"s": session.name},
                          _("%(t)s，应到 %(n)d 人，签到 %(k)d 人") % {"t": _d(session.starts_at), "n": len(rows), "k": signed}))
        files.append(File(f"签到表/{_safe_name(session.name)}-{session.pk}.pdf",
                          (lambda s: lambda: sign_in_sheet_pdf(s))(session)))
    for record in records:
        items.append(Item(_("%(k)s：%(s)s") % {"k": record.get_kind_display(), "s": record.session.name},
                          _d(record.recorded_at)))
    files += _record_files(records, "考务记录")
    if incidents:
        kinds = Counter(i.get_kind_display() for i in incidents)
        items.append(Item(_("考场情况记录（违纪违规、突发事件）"), "，".join(f"{k} {n}" for k, n in kinds.items()),
                          len(incidents)))
    if not items:
        return Gathered()
    if attempts:
        def sheet() -> bytes:
            rows = [[a.session.name, a.ticket_number, a.application.name, str(a.room or ""), a.seat or "",
                     _d(a.checked_in_at), a.get_check_in_method_display() if a.check_in_method else "",
                     a.get_status_display()] for a in attempts]
            return write_xlsx(["场次", "准考证号", "姓名", "考场", "座位号", "签到时间", "身份核验方式", "状态"], rows,
                              title="签到记录")

        files.append(File(_("现场签到记录.xlsx"), sheet))
    if incidents:
        def incident_sheet() -> bytes:
            rows = [[i.session.name, i.get_kind_display(), i.category, i.attempt.ticket_number if i.attempt else "",
                     _d(i.occurred_at), i.description, i.get_handling_display() if i.handling else "",
                     i.handling_note] for i in incidents]
            return write_xlsx(["场次", "类别", "情形", "准考证号", "发生时间", "经过", "处理", "处理说明"], rows,
                              title="考场情况记录")

        files.append(File(_("考场情况记录.xlsx"), incident_sheet))
    return Gathered(items, files)


def cbt_log(batch: Batch) -> Gathered:
    counts = (AttemptLog.objects.filter(attempt__session__batch=batch).values("attempt__session__name")
              .annotate(n=Count("pk")).order_by("attempt__session__name"))
    items = [Item(_("机考操作日志：%(s)s") % {"s": row["attempt__session__name"]}, _("%(n)d 条") % {"n": row["n"]})
             for row in counts]
    if not items:
        return Gathered()

    def sheet() -> bytes:
        logs = (AttemptLog.objects.filter(attempt__session__batch=batch)
                .select_related("attempt__session", "attempt__application").order_by("attempt__session_id", "at", "pk"))
        rows = ([log.attempt.session.name, log.attempt.ticket_number, log.attempt.application.name,
                 log.get_event_display(), _d(log.at), log.ip_address or "", log.detail] for log in logs.iterator())
        return write_xlsx(["场次", "准考证号", "姓名", "事件", "时间", "IP 地址", "说明"], rows, title="机考操作记录")

    return Gathered(items, [File(_("智能化考试过程操作记录.xlsx"), sheet)])


def _paper_files(papers: list[Paper]) -> list[File]:
    """Each paper used and its answer key, as the exams app prints them."""
    from skilleval.exams.documents import answer_key_pdf, paper_pdf

    files = []
    for paper in papers:
        stem = _safe_name(f"{paper.blueprint.name}-{paper.variant or paper.pk}-{paper.pk}")
        files.append(File(f"试卷/{stem}.pdf", (lambda p: lambda: paper_pdf(p))(paper)))
        files.append(File(f"试卷/{stem}-标准答案.pdf", (lambda p: lambda: answer_key_pdf(p))(paper)))
    return files


def papers(batch: Batch) -> Gathered:
    items = []
    rows = []
    for session in _sessions(batch):
        used: list[Any] = list(
            Attempt.objects.filter(session=session, paper__isnull=False)
            .values("paper_id", "paper__variant", "paper__seed", "paper__total_score", "paper__blueprint__name")
            .annotate(n=Count("pk")).order_by("paper_id"))
        if used:
            items.append(Item(_("理论试卷：%(s)s") % {"s": session.name},
                              _("%(p)d 套（%(b)s），%(n)d 名考生") % {"p": len(used), "b": used[0]["paper__blueprint__name"],
                                                              "n": sum(u["n"] for u in used)}, len(used)))
            rows += [[session.name, _("理论试卷"), u["paper__blueprint__name"], u["paper__variant"], u["paper__seed"],
                      str(u["paper__total_score"]), u["n"]] for u in used]
        task = session.practical_task
        if task is not None:
            items.append(Item(_("操作技能试题：%(s)s") % {"s": session.name}, f"{task.code} {task.title}"))
            rows.append([session.name, _("操作技能试题"), f"{task.code} {task.title}", "", "", task.total_points, ""])
    if not items:
        return Gathered()

    def sheet() -> bytes:
        return write_xlsx(["场次", "类别", "组卷方案/试题", "卷别", "随机种子", "总分", "使用人数"], rows, title="试卷清单")

    used_papers = list(Paper.objects.filter(attempts__session__batch=batch).distinct().select_related("blueprint")
                       .order_by("pk"))
    return Gathered(items, [File(_("考核试卷清单.xlsx"), sheet), *_paper_files(used_papers)])


SHEET_HEADERS = ["场次", "评分表", "准考证号", "姓名", "考评员", "分项得分", "合计", "合成规则", "考评组合成得分", "状态",
                 "组长签字时间", "更正记录"]


def _score_sheet_file(batch: Batch, kinds: tuple[str, ...], name: str) -> tuple[list[Item], list[File]]:
    """The batch's score sheets of `kinds` (评分记录表): one catalogue line per session, and
    one XLSX row per examiner's entry, with the sheet's combined score and its corrections."""
    sheets = list(ScoreSheet.objects.filter(batch=batch, kind__in=kinds)
                  .select_related("attempt__session", "attempt__application", "signed_off_by")
                  .prefetch_related("entries__examiner", "entries__changes")
                  .order_by("attempt__session__starts_at", "attempt__session_id", "attempt__ticket_number"))
    if not sheets:
        return [], []
    per_session: dict[int, list[ScoreSheet]] = {}
    for sheet in sheets:
        per_session.setdefault(sheet.attempt.session_id, []).append(sheet)
    items = []
    for group in per_session.values():
        locked = sum(1 for s in group if s.is_locked)
        items.append(Item(_("%(k)s：%(s)s") % {"k": group[0].get_kind_display(), "s": group[0].attempt.session.name},
                          _("%(n)d 份，组长签字锁定 %(l)d 份") % {"n": len(group), "l": locked}, len(group)))

    def workbook() -> bytes:
        rows = []
        for sheet in sheets:
            attempt = sheet.attempt
            head = [attempt.session.name, sheet.get_kind_display(), attempt.ticket_number, attempt.application.name]
            tail = [sheet.get_panel_rule_display() if sheet.panel_rule else "", sheet.combined_score,
                    sheet.get_status_display(), _d(sheet.signed_off_at)]
            for entry in sheet.entries.all():
                scores = "；".join(f"{s.get('item', '')} {s.get('score', '')}/{s.get('points', '')}"
                                  for s in entry.scores or [] if isinstance(s, dict))
                changes = "；".join(f"{c.before_total}→{c.after_total}（{c.get_status_display()}：{c.reason}）"
                                   for c in entry.changes.all())
                rows.append([*head, entry.examiner.name, scores, entry.total, *tail, changes])
            if not sheet.entries.all():
                rows.append([*head, "", "", "", *tail, ""])
        return write_xlsx(SHEET_HEADERS, rows, title=name)

    return items, [File(f"{name}.xlsx", workbook)]


def review(batch: Batch) -> Gathered:
    items = [Item(_("综合评审：%(s)s") % {"s": s.name}, _d(s.starts_at)) for s in _sessions(batch)
             if s.kind == ExamSession.Kind.REVIEW]
    sheet_items, files = _score_sheet_file(batch, (ScoreSheet.Kind.REVIEW,), _("综合评审评分表"))
    items += sheet_items
    scored = Result.objects.filter(batch=batch, review_score__isnull=False).count()
    if scored:
        items.append(Item(_("综合评审/业绩评审成绩"), _("%(n)d 人") % {"n": scored}, scored))
    return Gathered(items, files)


def score_sheets(batch: Batch) -> Gathered:
    confirmed = list(Attempt.objects.filter(session__batch=batch, confirmed_at__isnull=False)
                     .select_related("session", "application", "confirmed_by").order_by("session_id", "ticket_number"))
    items, files = _score_sheet_file(batch, (ScoreSheet.Kind.PRACTICAL, ScoreSheet.Kind.THEORY_PAPER), _("考评员评分表"))
    if confirmed:
        items.append(Item(_("机考成绩（阅卷复核确认）"), _("%(n)d 人") % {"n": len(confirmed)}, len(confirmed)))

        def sheet() -> bytes:
            rows = [[a.session.name, a.ticket_number, a.application.name, a.objective_score, a.subjective_score,
                     a.total_score, _d(a.confirmed_at), a.confirmed_by.get_full_name() if a.confirmed_by else ""]
                    for a in confirmed]
            return write_xlsx(["场次", "准考证号", "姓名", "客观题得分", "主观题得分", "总分", "确认时间", "确认人"], rows,
                              title="机考成绩")

        files.append(File(_("机考成绩表.xlsx"), sheet))
    return Gathered(items, files)


def score_summary(batch: Batch) -> Gathered:
    results = list(Result.objects.filter(batch=batch).select_related("application__item__occupation",
                                                                      "application__item__level")
                   .order_by("application__number"))
    items, files = [], []
    if results:
        passed = sum(1 for r in results if r.passed)
        items.append(Item(_("成绩汇总表"), _("%(n)d 人，合格 %(p)d 人") % {"n": len(results), "p": passed}, 1))

        def sheet() -> bytes:
            rows = [[r.application.number, r.application.name, r.application.item.occupation.name,
                     str(r.application.item.level), r.theory_score, r.practical_score, r.review_score, r.total_score,
                     _("合格") if r.passed else _("不合格"), r.get_status_display()] for r in results]
            return write_xlsx(["报名号", "姓名", "职业", "等级", "理论知识", "操作技能", "综合评审/业绩", "综合成绩",
                               "是否合格", "状态"], rows, title="成绩汇总表")

        files.append(File(_("成绩汇总表.xlsx"), sheet))
    for report in Report.objects.filter(batch=batch).order_by("version"):
        items.append(Item(_("评价结果报备 第%(v)d版") % {"v": report.version},
                          _("%(d)s 报备，%(s)s") % {"d": _d(report.submitted_at), "s": report.get_status_display()}))
        if report.summary_file:
            suffix = PurePosixPath(report.summary_file.name or "").suffix
            files.append(_stored_file(report.summary_file, f"结果报备/评价结果汇总表-v{report.version}{suffix}"))
    return Gathered(items, files)


def supervision(batch: Batch) -> Gathered:
    """The organisation's own supervision forms, the authority's supervisor reports and the
    published random inspections of the batch's sessions, with their on-site photos."""
    items = []
    records = list(SessionRecord.objects.filter(session__batch=batch, kind__in=SUPERVISION_RECORDS)
                   .select_related("session__batch__organisation", "room__site", "recorded_by")
                   .order_by("recorded_at", "pk"))
    for record in records:
        items.append(Item(_("内部督导：%(k)s（%(s)s）") % {"k": record.get_kind_display(), "s": record.session.name},
                          _d(record.recorded_at)))
    visits = list(SupervisorVisit.objects.filter(batch=batch, status=SupervisorVisit.Status.REPORTED)
                  .select_related("jurisdiction").order_by("planned_on", "pk"))
    for visit in visits:
        items.append(Item(_("人社部门督导报告：%(s)s") % {"s": visit.get_step_display()},
                          _("%(d)s，%(j)s；%(r)s") % {"d": _d(visit.planned_on), "j": visit.jurisdiction.authority_name
                                                     or visit.jurisdiction.name, "r": visit.report[:120]}))
    inspections = list(Inspection.objects.filter(session__batch=batch, status=Inspection.Status.PUBLISHED)
                       .select_related("session").prefetch_related("photos").order_by("inspected_at", "pk"))
    for inspection in inspections:
        items.append(Item(_("双随机现场抽查：%(s)s") % {"s": inspection.session.name},
                          _("%(d)s，结论：%(c)s") % {"d": _d(inspection.inspected_at),
                                                  "c": inspection.get_conclusion_display()}))
    if not items:
        return Gathered()

    def sheet() -> bytes:
        rows = [[item.title, item.detail] for item in items]
        rows += [[_("人社部门督导报告全文：%(s)s") % {"s": v.get_step_display()}, f"{v.report}\n{v.issues}".strip()]
                 for v in visits]
        rows += [[_("现场抽查情况及整改要求：%(s)s") % {"s": i.session.name},
                  "\n".join(t for t in (i.findings, i.rectification_demand,
                                        _("整改期限 %(d)s") % {"d": _d(i.rectification_deadline)}
                                        if i.rectification_deadline else "") if t)]
                 for i in inspections]
        return write_xlsx(["材料", "说明"], rows, title="督导情况反馈")

    files = [File(_("督导情况反馈.xlsx"), sheet), *_record_files(records, "内部督导")]
    for inspection in inspections:
        for photo in inspection.photos.all():
            files.append(_stored_file(photo.file, f"抽查照片/{photo.pk}-{_safe_name(photo.original_name)}"))
    return Gathered(items, files)


def publicity(batch: Batch) -> Gathered:
    """The publicity notice with its list, and every objection with the committee's decision."""
    from skilleval.results.selectors import publicity_list

    notice = Publicity.objects.filter(batch=batch).select_related("published_by").first()
    if notice is None:
        return Gathered()
    listed = list(publicity_list(batch))
    objections = list(Objection.objects.filter(batch=batch).select_related("result__application", "raised_by")
                      .order_by("raised_on", "pk"))
    items = [Item(_("结果公示"), _("%(s)s 至 %(e)s（%(n)d 天），%(st)s") % {
        "s": _d(notice.starts_on), "e": _d(notice.ends_on), "n": notice.days, "st": notice.get_status_display()}),
        Item(_("公示名单"), _("%(n)d 人，合格 %(p)d 人") % {"n": len(listed), "p": sum(1 for r in listed if r.passed)})]
    for objection in objections:
        about = objection.result.application.name if objection.result else _("公示结果")
        items.append(Item(_("公示异议：%(a)s") % {"a": about}, _("%(d)s 提出，%(s)s") % {
            "d": _d(objection.raised_on), "s": objection.get_status_display()}))

    def notice_sheet() -> bytes:
        from skilleval.results.documents import work_type_label

        rows = [[r.application.number, r.application.name, r.application.item.occupation.name,
                 work_type_label(r.application), str(r.application.item.level), r.total_score, r.outcome_label]
                for r in listed]
        return write_xlsx(["报名号", "姓名", "职业", "工种", "等级", "综合成绩", "结果"], rows, title="公示名单")

    files = [File(_("结果公示名单.xlsx"), notice_sheet)]
    if objections:
        def objection_sheet() -> bytes:
            rows = [[o.raised_on, o.result.application.name if o.result else "", o.text, o.get_status_display(),
                     o.decision, _d(o.decided_at), str(o.result_before or ""), str(o.result_after or "")]
                    for o in objections]
            return write_xlsx(["提出日期", "涉及考生", "异议内容", "处理结论", "调查情况及处理决定", "处理时间",
                               "处理前成绩", "处理后成绩"], rows, title="异议处理记录")

        files.append(File(_("公示异议处理记录.xlsx"), objection_sheet))
    return Gathered(items, files)


def media(batch: Batch) -> Gathered:
    rows = list(SessionMedia.objects.filter(session__batch=batch).select_related("session", "room")
                .order_by("session__starts_at", "kind", "pk"))
    if not rows:
        return Gathered()
    items, files = [], []
    for m in rows:
        where = f"{m.session.name}{' · ' + str(m.room) if m.room_id else ''}"
        if m.kind == SessionMedia.Kind.VIDEO:
            items.append(Item(_("录像：%(w)s") % {"w": where}, _("%(r)s；保存至 %(d)s") % {
                "r": m.reference or m.description, "d": _d(m.keep_until)}))
        else:
            items.append(Item(_("照片：%(w)s") % {"w": where}, m.description))
        if m.file:
            files.append(_stored_file(m.file, f"{m.get_kind_display()}/{m.pk}-{PurePosixPath(m.file.name or '').name}"))
    return Gathered(items, files)


def issue_roster(batch: Batch) -> Gathered:
    """The certificates issued for the batch (发证名册): the certificate information table
    with the numbers and issue dates filled in; and the table of each accepted report."""
    from skilleval.certificates.models import Certificate
    from skilleval.results.documents import certificate_table_xlsx

    certificates = list(Certificate.objects.filter(batch=batch).order_by("number")
                        .values("result__application_id", "number", "issued_on", "status"))
    items, files = [], []
    if certificates:
        days = sorted({c["issued_on"] for c in certificates})
        revoked = sum(1 for c in certificates if c["status"] == Certificate.Status.REVOKED)
        detail = _("发证日期 %(f)s%(l)s，证书编号 %(a)s 至 %(b)s") % {
            "f": _d(days[0]), "l": f" 至 {_d(days[-1])}" if len(days) > 1 else "", "a": certificates[0]["number"],
            "b": certificates[-1]["number"]}
        if revoked:
            detail += _("；其中已撤销 %(n)d 份") % {"n": revoked}
        items.append(Item(_("证书发放名册"), detail, len(certificates)))
        numbers = {c["result__application_id"]: (c["number"], c["issued_on"]) for c in certificates
                   if c["result__application_id"]}
        files.append(File(_("证书发放名册.xlsx"), lambda: certificate_table_xlsx(batch, certificates=numbers)))
    for report in Report.objects.filter(batch=batch, status=Report.Status.ACCEPTED).order_by("version"):
        items.append(Item(_("证书信息表（结果报备第%(v)d版，人社部门已接收）") % {"v": report.version},
                          _d(report.decided_at)))
        if report.certificates_file:
            suffix = PurePosixPath(report.certificates_file.name or "").suffix
            files.append(_stored_file(report.certificates_file, f"证书信息表-v{report.version}{suffix}"))
    return Gathered(items, files)


CATALOGUE: tuple[CategorySpec, ...] = (
    CategorySpec(Category.ANNOUNCEMENT, Medium.ELECTRONIC, announcement),
    CategorySpec(Category.PLAN, Medium.ELECTRONIC, plan),
    CategorySpec(Category.REGISTRATION, Medium.PAPER, registration),
    CategorySpec(Category.SIGN_IN, Medium.PAPER, sign_in),
    CategorySpec(Category.CBT_LOG, Medium.ELECTRONIC, cbt_log),
    CategorySpec(Category.PAPERS, Medium.PAPER, papers),
    CategorySpec(Category.REVIEW, Medium.PAPER, review),
    CategorySpec(Category.SCORE_SHEETS, Medium.PAPER, score_sheets),
    CategorySpec(Category.SCORE_SUMMARY, Medium.ELECTRONIC, score_summary),
    CategorySpec(Category.SUPERVISION, Medium.PAPER, supervision),
    CategorySpec(Category.PUBLICITY, Medium.ELECTRONIC, publicity),
    CategorySpec(Category.MEDIA, Medium.VIDEO, media),
    CategorySpec(Category.ISSUE_ROSTER, Medium.ELECTRONIC, issue_roster),
)
SPECS = {spec.category.value: spec for spec in CATALOGUE}
assert [s.category for s in CATALOGUE] == list(Category), "the catalogue covers every category, in order"


def gather(batch: Batch) -> dict[str, Gathered]:
    """Every category's items for `batch`, in catalogue order."""
    return {spec.category.value: spec.provider(batch) for spec in CATALOGUE}

