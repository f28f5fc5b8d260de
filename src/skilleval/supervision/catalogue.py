"""The catalogue of a batch's archive (案卷类目) [SD 7(2)]: one entry per category, in the
seed's order, each with its retention kind (paper, electronic or video: the years come from
the jurisdiction's policy profile) and a provider that gathers the category's items from
the records the other apps keep, and the files an export writes for it.

Providers only read. A category with nothing recorded yet gives no items, and the
catalogue shows it as "本类材料暂无记录" rather than leaving it out. Parts other apps are
still building (publicity, practical score sheets, exam-day forms, the certificate app's
issue roster) are read through the contract that exists today (results.Result and
results.Report); see `PENDING_SOURCES` for what is to be wired up when they land."""

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
from skilleval.exams.models import Attempt, AttemptLog, ExamSession, SessionMedia, SessionRecord
from skilleval.results.models import Report, Result

from .models import Category, Inspection, Medium, SupervisorVisit

EMPTY = gettext_lazy("本类材料暂无记录")

# Categories whose full source another app is still building: what the lead wires up later.
PENDING_SOURCES = {
    Category.SIGN_IN: gettext_lazy("考试当天的签到表（exams/documents_examday.py）"),
    Category.REVIEW: gettext_lazy("综合评审记录与评审表（results 评分表）"),
    Category.SCORE_SHEETS: gettext_lazy("考评员评分表（results 评分表）"),
    Category.PUBLICITY: gettext_lazy("公示文件与异议处理记录（results 公示）"),
    Category.ISSUE_ROSTER: gettext_lazy("证书发放名册（certificates）"),
}


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


def sign_in(batch: Batch) -> Gathered:
    attempts = list(Attempt.objects.filter(session__batch=batch).select_related("session", "room", "application")
                    .order_by("session__starts_at", "session_id", "ticket_number"))
    if not attempts:
        return Gathered()
    per_session: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        per_session.setdefault(attempt.session_id, []).append(attempt)
    items = []
    for rows in per_session.values():
        session = rows[0].session
        signed = sum(1 for a in rows if a.checked_in_at)
        items.append(Item(_("签到记录：%(s)s") % {"s": session.name},
                          _("%(t)s，应到 %(n)d 人，签到 %(k)d 人") % {"t": _d(session.starts_at), "n": len(rows), "k": signed}))

    def sheet() -> bytes:
        rows = [[a.session.name, a.ticket_number, a.application.name, str(a.room or ""), a.seat or "",
                 _d(a.checked_in_at), a.get_check_in_method_display() if a.check_in_method else "",
                 a.get_status_display()] for a in attempts]
        return write_xlsx(["场次", "准考证号", "姓名", "考场", "座位号", "签到时间", "身份核验方式", "状态"], rows,
                          title="签到记录")

    return Gathered(items, [File(_("现场签到记录.xlsx"), sheet)])


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

    return Gathered(items, [File(_("考核试卷清单（试卷内容存于保密题库，可凭组卷方案和种子复现）.xlsx"), sheet)])


def review(batch: Batch) -> Gathered:
    items = [Item(_("综合评审：%(s)s") % {"s": s.name}, _d(s.starts_at)) for s in _sessions(batch)
             if s.kind == ExamSession.Kind.REVIEW]
    scored = Result.objects.filter(batch=batch, review_score__isnull=False).count()
    if scored:
        items.append(Item(_("综合评审/业绩评审成绩"), _("%(n)d 人") % {"n": scored}, scored))
    return Gathered(items)


def score_sheets(batch: Batch) -> Gathered:
    confirmed = list(Attempt.objects.filter(session__batch=batch, confirmed_at__isnull=False)
                     .select_related("session", "application", "confirmed_by").order_by("session_id", "ticket_number"))
    practical = Result.objects.filter(batch=batch, practical_score__isnull=False).count()
    items = []
    if confirmed:
        items.append(Item(_("机考成绩（阅卷复核确认）"), _("%(n)d 人") % {"n": len(confirmed)}, len(confirmed)))
    if practical:
        items.append(Item(_("操作技能考核成绩"), _("%(n)d 人") % {"n": practical}, practical))
    if not items:
        return Gathered()

    def sheet() -> bytes:
        rows = [[a.session.name, a.ticket_number, a.application.name, a.objective_score, a.subjective_score,
                 a.total_score, _d(a.confirmed_at), a.confirmed_by.get_full_name() if a.confirmed_by else ""]
                for a in confirmed]
        return write_xlsx(["场次", "准考证号", "姓名", "客观题得分", "主观题得分", "总分", "确认时间", "确认人"], rows,
                          title="机考成绩")

    return Gathered(items, [File(_("机考成绩表.xlsx"), sheet)] if confirmed else [])


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
    items = []
    records = (SessionRecord.objects.filter(session__batch=batch, kind__in=(SessionRecord.Kind.SUPERVISOR_CHECKLIST,
                                                                            SessionRecord.Kind.QUALITY_FORM))
               .select_related("session").order_by("recorded_at"))
    for record in records:
        items.append(Item(_("内部督导：%(k)s（%(s)s）") % {"k": record.get_kind_display(), "s": record.session.name},
                          _d(record.recorded_at)))
    visits = (SupervisorVisit.objects.filter(batch=batch, status=SupervisorVisit.Status.REPORTED)
              .select_related("jurisdiction").order_by("planned_on", "pk"))
    for visit in visits:
        items.append(Item(_("人社部门督导报告：%(s)s") % {"s": visit.get_step_display()},
                          _("%(d)s，%(j)s；%(r)s") % {"d": _d(visit.planned_on), "j": visit.jurisdiction.authority_name
                                                     or visit.jurisdiction.name, "r": visit.report[:120]}))
    inspections = (Inspection.objects.filter(session__batch=batch, status=Inspection.Status.PUBLISHED)
                   .select_related("session").order_by("inspected_at"))
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
        return write_xlsx(["材料", "说明"], rows, title="督导情况反馈")

    return Gathered(items, [File(_("督导情况反馈.xlsx"), sheet)])


def publicity(batch: Batch) -> Gathered:
    # The publicity notice and objections live in the results app (being built): wired up later.
    return Gathered()


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
    # Until the certificates app lands, the certificate information table of the batch's
    # accepted report (证书信息表, BB att.6) is its issue roster.
    items, files = [], []
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

