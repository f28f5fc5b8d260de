"""Supervision's documents: the announcement as filed in the archive, the archive's
catalogue (案卷目录), the destruction ledger (销毁台帐), the published inspection results,
the annual evaluations and the statistics tables, as XLSX (PDF for the announcement).
Pure functions: they read and return bytes; the caller checks who may ask."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from skilleval.batches.models import Batch
from skilleval.core.pdf import FRAME_WIDTH, build_pdf, grid_table, para
from skilleval.core.tabular import write_xlsx

from .catalogue import EMPTY
from .models import Archive, ArchiveEntry, Destruction, Inspection
from .selectors import DEADLINE_STATUS, METRIC_LABELS, Deadline, StatRow


def _d(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def announcement_pdf(batch: Batch) -> bytes:
    """The batch's announcement to its employees as it was published [SD 4(1)]."""
    organisation = batch.organisation.name
    items = "；".join(f"{item.occupation.name}{'（' + item.work_type.name + '）' if item.work_type else ''}"
                     f"{item.level}（{item.get_method_display()}）"
                     for item in batch.items.select_related("occupation", "work_type", "level"))
    rows = [
        [_("认定批次"), batch.name], [_("批次编号"), batch.code],
        [_("评价时间"), _("%(a)s 至 %(b)s") % {"a": _d(batch.first_exam_date), "b": _d(batch.last_exam_date)}],
        [_("评价地点"), batch.sites], [_("职业（工种）、等级及评价方式"), items],
        [_("评价内容"), batch.content], [_("报名对象"), batch.candidate_scope],
        [_("申报条件"), batch.eligibility_notes],
        [_("报名时间"), _("%(a)s 至 %(b)s") % {"a": _d(batch.registration_opens), "b": _d(batch.registration_closes)}],
        [_("联系人及电话"), batch.contact], [_("发布时间"), _d(batch.announced_at)],
    ]
    story: list[Flowable] = [
        para(_("%(o)s职业技能等级认定公告") % {"o": organisation}, "title"),
        Spacer(0, 2 * mm),
        grid_table(rows, [FRAME_WIDTH * 0.25, FRAME_WIDTH * 0.75], label_cells=[(0, r) for r in range(len(rows))]),
        Spacer(0, 4 * mm),
        para(_("本公告为归档留存件，由平台根据批次公告信息生成。"), "small"),
    ]
    return build_pdf(story, title=_("认定公告"), author=organisation, subject=batch.code,
                     footer=_("认定公告 %(c)s") % {"c": batch.code})


CATALOGUE_HEADERS = ["序号", "类别", "载体", "材料名称", "说明", "件数", "保管期限（年）", "保管期满日期", "状态"]


def catalogue_rows(entries: Sequence[ArchiveEntry]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for number, entry in enumerate(entries, start=1):
        state = _("已于 %(d)s 销毁") % {"d": _d(entry.destroyed_on)} if entry.destroyed_on else _("保管中")
        common = [entry.get_category_display(), entry.get_medium_display()]
        tail = [entry.retention_years, _d(entry.retention_ends_on), state]
        lines = entry.items or [{"title": str(EMPTY), "detail": "", "count": 0}]
        for line in lines:
            rows.append([number, *common, line.get("title", ""), line.get("detail", ""), line.get("count", 0), *tail])
    return rows


def catalogue_xlsx(archive: Archive, entries: Sequence[ArchiveEntry]) -> bytes:
    """The archive's catalogue: one line per document set, every category listed (an empty one
    says so), with its retention and state."""
    return write_xlsx(CATALOGUE_HEADERS, catalogue_rows(entries), title=_("档案目录"))


LEDGER_HEADERS = ["销毁日期", "销毁原因", "销毁方式", "销毁批次", "销毁资料分类名称", "载体", "保管期满日期", "销毁人",
                  "负责人", "登记人", "登记时间"]


def ledger_rows(lines: Iterable[Destruction]) -> Iterable[list[Any]]:
    for line in lines:
        yield [_d(line.destroyed_on), line.reason, line.get_method_display(), f"{line.batch.code} {line.batch.name}",
               line.get_category_display(), line.get_medium_display(), _d(line.retention_ends_on), line.destroyer,
               line.responsible, line.recorded_by.get_full_name(), _d(line.recorded_at)]


def ledger_xlsx(lines: Iterable[Destruction]) -> bytes:
    return write_xlsx(LEDGER_HEADERS, ledger_rows(lines), title=_("销毁台帐"))


def inspection_row(inspection: Inspection) -> list[Any]:
    session = inspection.session
    return [inspection.plan.title, inspection.organisation.name, session.name,
            _d(session.starts_at), ", ".join(i.name for i in inspection.inspectors.all()),
            _d(inspection.inspected_at), inspection.get_conclusion_display(), inspection.findings,
            inspection.rectification_demand, _d(inspection.rectification_deadline), _d(inspection.published_at)]


INSPECTION_HEADERS = ["抽查名称", "被检查单位", "场次", "开考时间", "检查人员", "检查时间", "检查结论", "检查情况", "整改要求",
                      "整改期限", "公开时间"]


def evaluation_headers() -> list[str]:
    return ["机构", "年度", *[str(label) for _k, label in METRIC_LABELS], "评估等次", "评估意见", "年度示范机构", "状态"]


def evaluation_row(evaluation: Any) -> list[Any]:
    metrics = evaluation.metrics or {}
    values = ["—" if metrics.get(key) is None else metrics.get(key) for key, _label in METRIC_LABELS]
    return [evaluation.organisation.name, evaluation.year, *values, evaluation.get_grade_display(), evaluation.remarks,
            _("是") if evaluation.is_model else "", evaluation.get_status_display()]


STAT_HEADERS = ["分组", "报名人数", "参评人数", "已审定人数", "合格人数", "合格率（%）", "获证人数", "其中高技能人才"]


def stat_rows(rows: Iterable[StatRow]) -> list[list[Any]]:
    return [[r.label, r.registered, r.accepted, r.assessed, r.passed, "" if r.pass_rate is None else r.pass_rate,
             r.certified, r.high_skill] for r in rows]


def statistics_xlsx(title: str, group_label: str, rows: Iterable[StatRow]) -> bytes:
    return write_xlsx([group_label, *STAT_HEADERS[1:]], stat_rows(rows), title=title)


DEADLINE_HEADERS = ["时限", "机构", "事项", "期限", "完成日期", "状态"]


def deadlines_xlsx(deadlines: Iterable[Deadline], today) -> bytes:
    rows = [[d.kind, d.organisation, d.subject, _d(d.due), _d(d.done), str(DEADLINE_STATUS[d.status(today)])]
            for d in deadlines]
    return write_xlsx(DEADLINE_HEADERS, rows, title=_("时限完成情况"))
