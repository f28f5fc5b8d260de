"""The printed documents of the exam day [SD 4(5)–4(6), att.4, att.5]:

- admission tickets (准考证): one card per candidate with photo (or a box to paste one
  in), name, masked ID number, ticket number, occupation and level, session, site, room,
  seat, time, an excerpt of the rules, and a QR code holding the signed ticket number
  (services.examday.ticket_qr_payload) that the proctors scan at sign-in;
- staff badges (工作证): name, duty (one colour per duty), session, site and room;
- the room arrangement tables of att.4 (技能考核考场安排表, 综合评审考场安排表), XLSX and PDF,
  with the seed's header (考试地点/考试时间/参评人数) and columns;
- the exam manual of att.5 (考务手册) with its seven headings, Word and PDF, generated
  from the batch: its assessment plan, the sites, rooms and staff of its sessions, the
  duties and workflows, the room rules, the violation rules and incident handling (the
  same lists the incident records use);
- the sign-in sheet of each room (考生签到表).

Pure functions: they read and return bytes; the service (`examday_document`) checks
who may have them and records the export. ID numbers are masked everywhere."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.enum.text import WD_BREAK
from docx.shared import Mm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, KeepTogether, PageBreak, Spacer, Table, TableStyle

from skilleval.batches.documents import (
    DOCX_HEADING_FONT,
    Grid,
    application_photo,
    docx_fonts,
    docx_grid,
    docx_line,
    docx_setup_styles,
    keep_with_next,
    pdf_grid,
    plan_paragraph,
    plan_styles,
    plan_texts,
)
from skilleval.batches.models import Application, Batch, BatchItem
from skilleval.batches.services import PLAN_HEADINGS
from skilleval.core.pdf import FRAME_WIDTH, GRID, build_pdf, grid_table, para, register_fonts, styles
from skilleval.core.qr import qr_image
from skilleval.core.tabular import safe_cell
from skilleval.core.validators import mask_id_number

from .models import Attempt, ExamRoom, ExamSession, StaffAssignment
from .services.examday import CHECK_IN_OPENS_MINUTES, categories_of, ticket_qr_payload

Duty = StaffAssignment.Duty
Kind = ExamSession.Kind

# ---------------------------------------------------------------------------------------------
# Shared bits


def _date(value: dt.datetime | dt.date) -> str:
    day = timezone.localtime(value).date() if isinstance(value, dt.datetime) else value
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def session_time(session: ExamSession) -> str:
    """The session's time as printed: "2026年3月1日 09:00—11:00", or both dates when
    the window spans days."""
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    if start.date() == end.date():
        return f"{_date(start)} {start:%H:%M}—{end:%H:%M}"
    return _("%(a)s %(h)s 至 %(b)s %(i)s") % {"a": _date(start), "h": f"{start:%H:%M}", "b": _date(end),
                                              "i": f"{end:%H:%M}"}


def item_name(item: BatchItem) -> str:
    return item.work_type.name if item.work_type_id and item.work_type else item.occupation.name


def _room_text(room: ExamRoom | None) -> str:
    return f"{room.site.name} {room.name}" if room is not None else _("未安排考场")


def _staff_names(assignments: Iterable[StaffAssignment]) -> str:
    return "、".join(a.staff.name for a in assignments)


def _assignments(session: ExamSession) -> list[StaffAssignment]:
    return list(session.staff_assignments.select_related("staff", "site", "room__site").order_by("duty", "room__name",
                                                                                               "pk"))


# ---------------------------------------------------------------------------------------------
# QR code: drawn as an image whose modules the tests read back


QR_QUIET_MODULES = 4
QR_MODULE_PIXELS = 8


def qr_png(payload: str) -> bytes:
    buffer = io.BytesIO()
    qr_image(payload, module_pixels=QR_MODULE_PIXELS, quiet_modules=QR_QUIET_MODULES).save(buffer, format="PNG")
    return buffer.getvalue()


def _qr(payload: str, side: float) -> Image:
    return Image(io.BytesIO(qr_png(payload)), width=side, height=side)


def _box(text: str, width: float, height: float) -> Table:
    """An empty bordered box with a caption (where a photo is pasted)."""
    table = Table([[para(text, "label")]], colWidths=[width], rowHeights=[height])
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, GRID), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("FONTNAME", (0, 0), (-1, -1), register_fonts())]))
    return table


# ---------------------------------------------------------------------------------------------
# Admission tickets


TICKET_RULES = (
    "1．考生凭本准考证和有效身份证件，于开考前30分钟到达考场，经身份核验、签到后入场。",
    "2．开考后未签到入场的，按缺考处理；不得携带通讯工具、电子设备和资料进入考场。",
    "3．机考考生凭准考证号和证件号码登录考试系统；答题过程中答案自动保存，考试时间以系统计时为准。",
    "4．服从监考人员和考评人员管理；违纪违规行为按《技能人才评价违纪违规行为处理规则》处理。",
    "5．请妥善保管本准考证，成绩查询和证书领取时需要出示。",
)


def _ticket_card(attempt: Attempt) -> Flowable:
    application = attempt.application
    session = attempt.session
    batch = session.batch
    item = application.item
    photo = application_photo(application) or _box(_("照片"), 26 * mm, 36 * mm)
    payload = ticket_qr_payload(attempt.ticket_number)
    check = para(_("校验码 %(s)s") % {"s": payload.rsplit("-", 1)[1]}, "small")
    qr = Table([[_qr(payload, 27 * mm)], [check]], colWidths=[36 * mm])
    ticket = para(attempt.ticket_number, "section")
    room = attempt.room
    rows: list[list[Any]] = [
        [_("姓　　名"), application.name, photo],
        [_("证件号码"), mask_id_number(application.person.id_number), ""],
        [_("准考证号"), ticket, ""],
        [_("职业（工种）"), f"{item_name(item)}　{item.level}", ""],
        [_("认定批次"), batch.name, ""],
        [_("考试科目"), f"{session.get_kind_display()}　{session.name}", qr],
        [_("考试时间"), session_time(session), ""],
        [_("考点 考场"), f"{room.site.name}（{room.site.address}）　{room.name}" if room else _("另行通知"), ""],
        [_("座 位 号"), str(attempt.seat) if attempt.seat else "—", ""],
    ]
    label_cells = [(0, r) for r in range(9)]
    table = grid_table(rows, [24 * mm, FRAME_WIDTH - 62 * mm, 38 * mm], label_cells=label_cells,
                       spans=[((2, 0), (2, 4)), ((2, 5), (2, 8))],
                       min_row_heights=dict.fromkeys(range(9), 7.5 * mm))
    table.setStyle([("ALIGN", (2, 0), (2, 8), "CENTER"), ("TOPPADDING", (2, 5), (2, 5), 0),
                    ("BOTTOMPADDING", (2, 5), (2, 5), 0)])
    rules = grid_table([[_("考生须知") + "\n" + "\n".join(_(line) for line in TICKET_RULES)]], [FRAME_WIDTH])
    title = ParagraphStyle("ticket_title", parent=styles()["title"], fontSize=15, leading=20, spaceAfter=1 * mm)
    heading = [plan_paragraph(batch.organisation.name, ParagraphStyle("ticket_org", parent=styles()["subtitle"], spaceAfter=0)),
               plan_paragraph(_("职业技能等级认定准考证"), title)]
    return KeepTogether([*heading, table, rules, Spacer(0, 4 * mm), _cut_line(), Spacer(0, 4 * mm)])


class _CutLine(Flowable):
    """A dashed line to cut the tickets apart."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 (reportlab's names)
        self.width = availWidth
        return availWidth, 1

    def draw(self) -> None:
        self.canv.setDash(3, 3)
        self.canv.setStrokeColor(colors.HexColor("#888888"))
        self.canv.line(0, 0, self.width, 0)


def _cut_line() -> Flowable:
    return _CutLine()


def _ticket_attempts(attempts: Iterable[Attempt]) -> list[Attempt]:
    ids = [a.pk for a in attempts]
    return list(Attempt.objects.filter(pk__in=ids).select_related(
        "application__person", "application__item__occupation", "application__item__work_type",
        "application__item__level", "session__batch__organisation", "room__site").order_by("ticket_number"))


def tickets_pdf(attempts: Iterable[Attempt], *, title: str = "") -> bytes:
    """Admission tickets, two to an A4 page, cut along the dashed lines."""
    rows = _ticket_attempts(attempts)
    story: list[Flowable] = [_ticket_card(a) for a in rows]
    organisation = rows[0].session.batch.organisation.name if rows else ""
    return build_pdf(story, title=title or _("准考证"), author=organisation, subject=_("职业技能等级认定准考证"),
                     footer=_("准考证　共 %(n)d 人") % {"n": len(rows)})


# ---------------------------------------------------------------------------------------------
# Staff badges


DUTY_COLOURS = {
    Duty.SITE_HEAD: "#B03A2E",
    Duty.PROCTOR: "#1F5FAD",
    Duty.EXAMINER: "#1E8449",
    Duty.LEADER: "#0E6251",
    Duty.SUPERVISOR: "#CA6F1E",
}
BADGE_WIDTH, BADGE_HEIGHT = 86 * mm, 58 * mm


def _badge(assignment: StaffAssignment, session: ExamSession) -> Table:
    font = register_fonts()
    colour = colors.HexColor(DUTY_COLOURS.get(Duty(assignment.duty), "#555555"))
    base = styles()["body"]
    band = ParagraphStyle("badge_band", parent=base, fontSize=17, leading=22, textColor=colors.white,
                          alignment=1)
    name = ParagraphStyle("badge_name", parent=base, fontSize=20, leading=26, alignment=1)
    small = ParagraphStyle("badge_small", parent=base, fontSize=8.5, leading=11, alignment=1)
    where = assignment.room or assignment.site
    place = _room_text(assignment.room) if assignment.room else (where.name if where else _("全场次"))
    rows = [
        [plan_paragraph(assignment.get_duty_display(), band)],
        [plan_paragraph(assignment.staff.name, name)],
        [plan_paragraph(session.batch.name, small)],
        [plan_paragraph(f"{session.name}　{session_time(session)}", small)],
        [plan_paragraph(_("岗位：%(p)s") % {"p": place}, small)],
        [plan_paragraph(session.batch.organisation.name, small)],
    ]
    table = Table(rows, colWidths=[BADGE_WIDTH], rowHeights=[12 * mm, 13 * mm, 7 * mm, 9 * mm, 8 * mm, 9 * mm])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("BOX", (0, 0), (-1, -1), 1.2, colour),
        ("BACKGROUND", (0, 0), (0, 0), colour),
        ("LINEBELOW", (0, -2), (0, -2), 0.4, colour),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def badges_pdf(session: ExamSession) -> bytes:
    """The staff badges (工作证) of a session, two to a row: each duty in its colour."""
    assignments = _assignments(session)
    cards: list[Any] = [_badge(a, session) for a in assignments]
    if len(cards) % 2:
        cards.append("")
    grid = Table([cards[i:i + 2] for i in range(0, len(cards), 2)], colWidths=[BADGE_WIDTH + 6 * mm] * 2,
                 hAlign="CENTER")
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 6 * mm)]))
    legend = "　".join(f"{Duty(d).label}" for d in DUTY_COLOURS)
    story: list[Flowable] = [para(_("考务人员工作证"), "title"),
                             para(_("%(s)s　%(t)s　颜色：%(l)s") % {"s": session.name, "t": session_time(session),
                                                                  "l": legend}, "small"),
                             Spacer(0, 4 * mm), grid]
    return build_pdf(story, title=_("工作证 %(s)s") % {"s": session.name}, author=session.batch.organisation.name,
                     footer=_("工作证　%(s)s") % {"s": session.name})


# ---------------------------------------------------------------------------------------------
# Sign-in sheets


SIGN_IN_HEADERS = ["序号", "座位号", "准考证号", "姓名", "证件号码", "考生签名", "签到时间", "核验方式", "备注"]
SHEET_METHODS = {"qr": gettext_lazy("二维码"), "id": gettext_lazy("证件号码")}
_SIGN_IN_WIDTHS = [9, 11, 33, 17, 34, 24, 15, 18, 17]  # mm, = frame width


def _sign_in_room(session: ExamSession, room: ExamRoom | None, attempts: list[Attempt],
                  proctors: list[StaffAssignment]) -> list[Flowable]:
    site = room.site if room else None
    header = grid_table([
        [_("认定批次"), session.batch.name, _("考试科目"), f"{session.get_kind_display()}　{session.name}"],
        [_("职业（工种）"), str(session.batch_item), _("考试时间"), session_time(session)],
        [_("考点"), f"{site.name}（{site.address}）" if site else "—", _("考场"), room.name if room else _("未安排考场")],
    ], [22 * mm, 67 * mm, 22 * mm, 67 * mm], label_cells=[(c, r) for r in range(3) for c in (0, 2)])
    rows: list[list[Any]] = []
    for n, a in enumerate(attempts, start=1):
        checked = timezone.localtime(a.checked_in_at).strftime("%H:%M") if a.checked_in_at else ""
        note = a.get_status_display() if a.status == Attempt.Status.ABSENT else ""
        rows.append([str(n), str(a.seat or ""), a.ticket_number, a.application.name,
                     mask_id_number(a.application.person.id_number), "", checked,
                     str(SHEET_METHODS.get(a.check_in_method, "")), note])
    table = grid_table([[_(h) for h in SIGN_IN_HEADERS], *rows], [w * mm for w in _SIGN_IN_WIDTHS], header_rows=1,
                       center_columns=(0, 1, 6), min_row_heights=dict.fromkeys(range(1, len(rows) + 1), 9 * mm))
    present = sum(1 for a in attempts if a.checked_in_at)
    absent = sum(1 for a in attempts if a.status == Attempt.Status.ABSENT)
    footer = _("应到 %(n)d 人，实到 %(p)s 人，缺考 %(a)s 人。") % {
        "n": len(attempts), "p": present if present else "＿＿", "a": absent if absent else "＿＿"}
    names = _staff_names(proctors) or "＿＿＿＿＿＿＿＿"
    return [para(_("考生签到表"), "title"), header, Spacer(0, 3 * mm), table, Spacer(0, 4 * mm),
            para(footer, "body"), Spacer(0, 3 * mm),
            para(_("监考人员（签字）：%(n)s　　　　　　　　年　　月　　日") % {"n": names}, "body")]


def sign_in_sheet_pdf(session: ExamSession, room: ExamRoom | None = None) -> bytes:
    """The sign-in sheet (考生签到表) of each room of the session (or of one room): the
    candidates by seat with masked ID numbers, a column for their signature, the
    sign-in time and method already recorded, and the proctors' names."""
    attempts = list(session.attempts.select_related("application__person", "room__site").order_by(
        "room__name", "seat", "ticket_number"))
    rooms: list[ExamRoom | None] = list(session.rooms.select_related("site").order_by("site__name", "name"))
    if any(a.room_id is None for a in attempts):
        rooms.append(None)
    if room is not None:
        rooms = [room]
    proctors = [a for a in _assignments(session) if a.duty == Duty.PROCTOR]
    story: list[Flowable] = []
    for n, current in enumerate(rooms):
        if n:
            story.append(PageBreak())
        key = current.pk if current else None
        story += _sign_in_room(session, current, [a for a in attempts if a.room_id == key],
                               [p for p in proctors if p.room_id == key])
    if not story:
        story = [para(_("考生签到表"), "title"), para(_("本场次尚未安排考场。"), "body")]
    return build_pdf(story, title=_("考生签到表 %(s)s") % {"s": session.name}, author=session.batch.organisation.name,
                     footer=_("签到表　%(s)s") % {"s": session.name})


# ---------------------------------------------------------------------------------------------
# Room arrangement tables (SD att.4)


@dataclass(frozen=True)
class ArrangementKind:
    key: str
    title: str
    session_kind: str
    headers: tuple[str, ...]


ARRANGEMENTS = {
    "skill": ArrangementKind("skill", "职业技能等级认定技能考核考场安排表", Kind.PRACTICAL,
                             ("考场", "职业（工种）", "等级", "考试具体时间", "考评组长", "考评员", "统分人")),
    "review": ArrangementKind("review", "职业技能等级认定综合评审考场安排表", Kind.REVIEW,
                              ("考场", "职业（工种）", "等级", "考试具体时间", "评审组长", "评审人员", "统分人")),
}
INFO_LABELS = ("考试地点", "考试时间", "参评人数")


@dataclass
class ArrangementGroup:
    """One table of att.4: the rooms of one site on one day."""

    place: str
    day: str
    candidates: int
    rows: list[list[str]] = field(default_factory=list)


def arrangement_groups(batch: Batch, key: str) -> list[ArrangementGroup]:
    """The batch's practical (or review) sessions as att.4's tables: one per site and day,
    a row per room with the occupation, level, time, the examiner panel (leader and
    members) of that room. 统分人 (the score tallier) is not a duty the system assigns:
    the column is left for the organisation to fill in."""
    kind = ARRANGEMENTS[key]
    sessions = list(batch.exam_sessions.filter(kind=kind.session_kind).select_related(
        "batch_item__occupation", "batch_item__work_type", "batch_item__level").prefetch_related(
        "rooms__site").annotate(seated=Count("attempts")).order_by("starts_at", "pk"))
    accepted = {row["item_id"]: row["n"] for row in Application.objects.filter(
        batch=batch, status=Application.Status.ACCEPTED).values("item_id").annotate(n=Count("pk"))}
    staff = list(StaffAssignment.objects.filter(session__in=sessions, duty__in=(Duty.LEADER, Duty.EXAMINER))
                 .select_related("staff").order_by("pk"))
    per_room = dict(((a["session_id"], a["room_id"]), a["n"]) for a in Attempt.objects.filter(
        session__in=sessions).values("session_id", "room_id").annotate(n=Count("pk")))
    groups: dict[tuple[str, str], ArrangementGroup] = {}
    for session in sessions:
        rooms = sorted(session.rooms.all(), key=lambda r: (r.site.name, r.name)) or [None]
        start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        time = f"{start:%H:%M}—{end:%H:%M}" if start.date() == end.date() else session_time(session)
        for room in rooms:
            place = f"{room.site.name}（{room.site.address}）" if room and room.site.address else (
                room.site.name if room else batch.sites)
            group = groups.setdefault((place, _date(start)), ArrangementGroup(place, _date(start), 0))
            if room is None or len(rooms) == 1:
                seated = session.seated or accepted.get(session.batch_item_id, 0)
            else:
                seated = per_room.get((session.pk, room.pk), 0)
            group.candidates += seated
            mine = [a for a in staff if a.session_id == session.pk and a.room_id in (room.pk if room else None, None)]
            group.rows.append([room.name if room else "—", item_name(session.batch_item), str(session.batch_item.level),
                               time, _staff_names(a for a in mine if a.duty == Duty.LEADER),
                               _staff_names(a for a in mine if a.duty == Duty.EXAMINER), ""])
    return list(groups.values()) or [ArrangementGroup(batch.sites, "", 0)]


_BORDER = Border(*(Side(style="thin"),) * 4)


def arrangement_xlsx(batch: Batch, key: str) -> bytes:
    """Att.4 as a workbook: one sheet per site and day; row 1 the title, row 2 the
    header (考试地点/考试时间/参评人数), row 3 the columns, then a row per room."""
    kind = ARRANGEMENTS[key]
    workbook = Workbook()
    workbook.remove(workbook.active)
    groups = arrangement_groups(batch, key)
    for n, group in enumerate(groups, start=1):
        sheet = workbook.create_sheet(title=(_("考场安排表") + (str(n) if len(groups) > 1 else ""))[:31])
        sheet.append([_(kind.title)])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=7)
        sheet.append([_("考试地点"), safe_cell(group.place), None, _("考试时间"), group.day, _("参评人数"),
                      group.candidates])
        sheet.merge_cells(start_row=2, start_column=2, end_row=2, end_column=3)
        sheet.append([_(h) for h in kind.headers])
        for row in group.rows:
            sheet.append([safe_cell(v) for v in row])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet["A1"].alignment = Alignment(horizontal="center")
        for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row, max_col=7):
            for cell in row:
                cell.border = _BORDER
                cell.alignment = Alignment(vertical="center", wrap_text=True)
        for cell in (*sheet[3], sheet["A2"], sheet["D2"], sheet["F2"]):
            cell.fill = PatternFill("solid", fgColor="F2F2F2")
            cell.font = Font(bold=True)
        for letter, width in zip("ABCDEFG", (16, 20, 14, 18, 14, 28, 12), strict=True):
            sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def arrangement_pdf(batch: Batch, key: str) -> bytes:
    kind = ARRANGEMENTS[key]
    story: list[Flowable] = []
    widths = [w * mm for w in (22, 30, 22, 24, 28, 36, 16)]
    for n, group in enumerate(arrangement_groups(batch, key)):
        if n:
            story.append(Spacer(0, 8 * mm))
        rows = group.rows or [[_("（无）"), "", "", "", "", "", ""]]
        table = grid_table(
            [[_("考试地点"), group.place, "", _("考试时间"), group.day, _("参评人数"), str(group.candidates)],
             [_(h) for h in kind.headers], *rows], widths, header_rows=2,
            label_cells=[(0, 0), (3, 0), (5, 0)], spans=[((1, 0), (2, 0))] + (
                [((0, 2), (-1, 2))] if not group.rows else []), center_columns=(2,))
        story.append(KeepTogether([para(_(kind.title), "title"), para(batch.name, "subtitle"), table]))
    return build_pdf(story, title=_(kind.title), author=batch.organisation.name, subject=batch.code,
                     footer=_("%(t)s %(c)s") % {"t": _(kind.title), "c": batch.code})


# ---------------------------------------------------------------------------------------------
# The exam manual (SD att.5)


MANUAL_HEADINGS = (
    "一、考核方案",
    "二、考点考务安排和要求",
    "三、主考、监考、考评人员、督导人员工作职责",
    "四、监考、考评人员工作流程",
    "五、考场规则",
    "六、技能人才评价违纪违规行为处理工作规则",
    "七、突发事件处理办法",
)

DUTIES = (
    ("（一）主考（考点负责人）", (
        "检查试卷保管和考点各考场的布置情况；召开考前考务会并形成记录，组织监考人员和考务工作人员进行考务操作培训，明确分工职责，强调考试纪律和考务要求，分发考务手册等资料。",
        "做好考试各环节的协调工作，掌握考试时间，处理各类突发情况；检查督促监考人员和考务工作人员履行职责，执行考试纪律。",
        "考后组织指导工作人员做好试卷、评分表、签到表、考场记录单、成绩汇总表等各类考试资料的回收、确认、整理和封装。",
    )),
    ("（二）监考人员", (
        "对考生进行身份核验，组织考生签到；宣读考场规则，对考生进行考风考纪教育。",
        "按时分发、回收试卷；采取智能化考试的，考前检查机器设备和网络，指导考生正确使用考试机。",
        "维护考场秩序，严格执行考场纪律，如实记录考场情况。",
    )),
    ("（三）考评人员", (
        "考核前检查考核场地、设备、工卡量具及所用材料；检查考生身份证、准考证及允许携带的工卡量具和原材料。",
        "严格按照评分标准和评分记录表对考生操作和安全文明生产等进行评分，实行组长负责制、轮换制和回避制。",
        "做好设备故障等突发情况的处理工作。",
    )),
    ("（四）质量督导人员", (
        "对人员到岗情况以及考前会议、试卷配备等情况进行全面检查，发现问题及时纠正并上报。",
        "监督认定过程是否规范、认定材料是否齐全；依据有关规定，对考试违规违纪问题作出认定及处理。",
        "对本次认定作出总体评价，提出意见建议，填写质量督导表。",
    )),
)

WORKFLOWS = (
    ("（一）监考人员工作流程", (
        "1．考前：参加考前考务会，领取考务手册和工作证；领取纸质试卷的，检查试卷袋标注的职业（工种）、等级、试卷数和密封情况，填写试卷领取记录，连同考生签到表、草稿纸等带入考场；机考的，检查考试机运行和网络。",
        "2．入场：开考前%(m)d分钟起开放签到，扫描准考证二维码或核对证件号码，比对照片和本人，系统记录签到时间和方式；宣读考场规则。",
        "3．考中：开考后未签到的考生标记为缺考；巡视考场，维护秩序；发现违纪违规行为或突发事件，当场处置并在系统中如实记录，违纪违规由质量督导员认定。",
        "4．考后：按时收卷，清点发放、回收和剩余空白试卷份数，当场封装并由见证人确认，填写试卷回收与密封记录；整理签到表、考场记录交考点负责人。",
    )),
    ("（二）考评人员工作流程", (
        "1．考前：参加考前考务会，检查考核场地、设备、工卡量具和材料，确认考评组分工及回避情况。",
        "2．考中：核验考生身份证和准考证，按评分标准独立评分，每位考生由不少于%(e)d名考评员评分；如实记录设备故障等情况。",
        "3．考后：评分记录表由考评员签字、考评组长审核，交统分人汇总；机考简答题在系统中阅卷，复核确认后成绩方可计入。",
    )),
)

ROOM_RULES = (
    "1．考生凭准考证和有效身份证件参加考试，经身份核验签到后按座位号入座，并将准考证、身份证件放在桌面指定位置。",
    "2．考生只准携带规定的文具和工卡量具进入考场，不得携带通讯工具、电子设备和资料；已携带的须在开考前交由监考人员统一保管。",
    "3．开考后未签到入场的，按缺考处理；考试开始后一定时间内不得交卷离场。",
    "4．考生应保持考场安静，不得交头接耳、左顾右盼、打手势，不得偷看、抄袭他人答卷或为他人抄袭提供方便。",
    "5．机考考生凭准考证号和证件号码登录，答题过程中答案自动保存；遇机器故障应举手示意，不得自行处理。",
    "6．操作技能考核应遵守安全操作规程，服从考评人员指挥；发生安全隐患时立即停止操作并报告。",
    "7．考试结束信号发出后立即停止答题；不得将试卷、答题纸和草稿纸带出考场。",
    "8．考生应服从监考人员和考评人员管理；违反本规则的，按技能人才评价违纪违规行为处理工作规则处理。",
)


@dataclass
class _Sub:
    title: str


@dataclass
class _Part:
    heading: str
    blocks: list[Any] = field(default_factory=list)  # str (paragraph), _Sub, Grid


def _handlings(category: Any) -> str:
    from .models import ExamIncident

    return "、".join(str(ExamIncident.Handling(h).label) for h in category.handlings)


def _manual(batch: Batch) -> tuple[str, list[_Part]]:
    profile = batch.organisation.jurisdiction.policy_profile()
    sessions = list(batch.exam_sessions.select_related(
        "batch_item__occupation", "batch_item__work_type", "batch_item__level").prefetch_related(
        "rooms__site").annotate(seated=Count("attempts")).order_by("starts_at", "pk"))
    parts = [_Part(_(h)) for h in MANUAL_HEADINGS]

    texts = plan_texts(batch)
    for key, label in PLAN_HEADINGS:
        parts[0].blocks.append(_Sub(_(label)))
        parts[0].blocks += [line for line in texts.get(key, "").splitlines() if line.strip()] or [_("（无）")]

    session_rows = [[str(n), s.name, s.get_kind_display(), str(s.batch_item), session_time(s),
                     "、".join(sorted({r.site.name for r in s.rooms.all()})) or "—",
                     "、".join(r.name for r in s.rooms.all()) or "—", str(s.seated)]
                    for n, s in enumerate(sessions, start=1)]
    staff = list(StaffAssignment.objects.filter(session__batch=batch).select_related(
        "session", "staff", "site", "room__site").order_by("session__starts_at", "duty", "room__name", "pk"))
    staff_rows = [[str(n), a.session.name, a.get_duty_display(), a.staff.name,
                   _room_text(a.room) if a.room else (a.site.name if a.site else _("全场次"))]
                  for n, a in enumerate(staff, start=1)]
    parts[1].blocks += [
        _Sub(_("（一）考试场次与考场")),
        Grid([_("序号"), _("场次"), _("考核类型"), _("职业（工种）及等级"), _("考试时间"), _("考点"), _("考场"),
               _("考生数")], session_rows, [9, 30, 22, 28, 30, 22, 25, 12], center_columns=(0, 7)),
        _Sub(_("（二）考务人员安排")),
        Grid([_("序号"), _("场次"), _("岗位"), _("姓名"), _("考点/考场")], staff_rows, [10, 48, 28, 30, 62]),
    ]
    if not staff_rows:
        parts[1].blocks.append(_("考务人员名单见考核方案“七、工作人员安排”；按考场编排完成后，请重新生成本手册。"))
    parts[1].blocks += [
        _Sub(_("（三）考务要求")),
        _("1．每个考点设考点负责人%(h)d名，每个考场设监考人员不少于%(p)d名；考评人员为3人以上单数，每位考生由不少于%(e)d名考评员评分。") % {
            "h": profile.heads_per_site, "p": profile.min_proctors_per_room, "e": profile.min_examiners_per_candidate},
        _("2．考务人员、考评人员、质量督导人员在评价过程中佩戴相应的工作证履行职责，不得交叉兼任，不得参加可能影响其客观公正的工作，落实回避制度。"),
        _("3．全体工作人员参加考前考务会；监考人员开考前%(m)d分钟起组织考生身份核验和签到。") % {"m": CHECK_IN_OPENS_MINUTES},
        _("4．考场配备电子监控设施，评价工作全程留痕；考试录像保存不少于%(y)d年，纸质档案保存不少于%(p)d年，电子档案保存不少于%(e)d年。") % {
            "y": max(1, profile.video_retention_years), "p": profile.paper_retention_years,
            "e": profile.electronic_retention_years},
        _("5．试卷的印制、保管、传输、交接和使用遵循保密、安全原则；领取、回收和封装均须清点份数并填写记录。"),
    ]
    for title, lines in DUTIES:
        parts[2].blocks.append(_Sub(_(title)))
        parts[2].blocks += [_(line) for line in lines]
    for title, lines in WORKFLOWS:
        parts[3].blocks.append(_Sub(_(title)))
        parts[3].blocks += [_(line) % {"m": CHECK_IN_OPENS_MINUTES, "e": profile.min_examiners_per_candidate}
                            for line in lines]
    parts[4].blocks += [_(line) for line in ROOM_RULES]

    violations = categories_of("violation")
    parts[5].blocks += [
        _("1．监考人员、考评人员发现考生违纪违规行为，应当场制止，如实记录违纪违规事实（时间、考生、情形和证据），必要时拍照或标注监控录像时段。"),
        _("2．违纪违规行为由质量督导员依据本规则作出认定和处理，写明认定依据；处理结果告知考生本人。"),
        _("3．认定为“本科目成绩无效”的，该科目成绩不予计入；认定为“本次评价各科目成绩无效”的，考生本次评价全部科目成绩不予计入；停止考试的，考生立即离开考场，机考答卷即时收卷。"),
        Grid([_("序号"), _("违纪违规情形"), _("处理规则"), _("可作出的处理")],
              [[str(n), c.label, str(c.rule), _handlings(c)] for n, c in enumerate(violations, start=1)],
              [10, 45, 88, 35], center_columns=(0,)),
    ]
    incidents = categories_of("incident")
    emergency = [line for line in texts.get("emergency", "").splitlines() if line.strip()]
    parts[6].blocks += [
        _("1．发生突发事件，由考点负责人统一指挥，确保考生和工作人员安全，按下列办法处置，并在系统中记录经过和处理结果。"),
        Grid([_("序号"), _("情形"), _("处置办法"), _("可作出的处理")],
              [[str(n), c.label, str(c.rule), _handlings(c)] for n, c in enumerate(incidents, start=1)],
              [10, 45, 88, 35], center_columns=(0,)),
        _Sub(_("本批次应急预案")),
        *(emergency or [_("（无）")]),
    ]
    return _("%(o)s（%(b)s）职业技能等级认定考务手册") % {"o": batch.organisation.name, "b": batch.name}, parts


def _cover_date(batch: Batch) -> str:
    day = batch.first_exam_date
    return _("%(y)d年%(m)d月") % {"y": day.year, "m": day.month}


def manual_pdf(batch: Batch) -> bytes:
    title, parts = _manual(batch)
    s = plan_styles()
    sub = ParagraphStyle("manual_sub", parent=styles()["section"], fontSize=11, leading=17, spaceBefore=2 * mm)
    story: list[Flowable] = [
        Spacer(0, 55 * mm), plan_paragraph(_("职业技能等级认定"), s["cover_small"]), Spacer(0, 2 * mm),
        plan_paragraph(_("考　务　手　册"), s["cover"]), Spacer(0, 60 * mm),
        *[plan_paragraph(text, s["cover_line"]) for text in (batch.organisation.name, batch.name, _cover_date(batch))],
        PageBreak(), plan_paragraph(_("目　录"), s["title"]), Spacer(0, 4 * mm),
        *[para(part.heading, "letter") for part in parts], PageBreak(),
    ]
    for part in parts:
        story.append(keep_with_next(plan_paragraph(part.heading, s["heading"])))
        for block in part.blocks:
            if isinstance(block, _Sub):
                story.append(keep_with_next(plan_paragraph(block.title, sub)))
            elif isinstance(block, Grid):
                story += [Spacer(0, 1 * mm), pdf_grid(block), Spacer(0, 2 * mm)]
            else:
                story.append(para(block, "letter"))
    return build_pdf(story, title=title, author=batch.organisation.name, subject=batch.code,
                     footer=_("考务手册 %(c)s") % {"c": batch.code})


def manual_docx(batch: Batch) -> bytes:
    """The manual in Word, for the organisation to adapt: the seven headings in the
    style 标题 1 (Heading 1), their parts in 标题 2."""
    title, parts = _manual(batch)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(25)
    docx_setup_styles(document)
    for _blank in range(5):
        document.add_paragraph()
    docx_line(document, _("职业技能等级认定"), size=26, font=DOCX_HEADING_FONT, center=True)
    docx_line(document, _("考　务　手　册"), size=36, font=DOCX_HEADING_FONT, center=True)
    for _blank in range(8):
        document.add_paragraph()
    for text in (batch.organisation.name, batch.name, _cover_date(batch)):
        docx_line(document, text, size=16, center=True)
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    docx_line(document, _("目　录"), size=16, font=DOCX_HEADING_FONT, center=True)
    for part in parts:
        docx_line(document, part.heading)
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    sub = document.styles["Heading 2"]
    sub.font.size = Pt(12)
    sub.font.bold = False
    sub.font.color.rgb = RGBColor(0, 0, 0)
    docx_fonts(sub.element, DOCX_HEADING_FONT)
    for part in parts:
        document.add_heading(part.heading, level=1)
        for block in part.blocks:
            if isinstance(block, _Sub):
                document.add_heading(block.title, level=2)
            elif isinstance(block, Grid):
                docx_grid(document, block)
                document.add_paragraph()
            else:
                docx_line(document, block, indent=True)
    properties = document.core_properties
    properties.title = title
    properties.author = batch.organisation.name
    properties.subject = batch.code
    properties.language = "zh-CN"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def record_pdf(record: Any, rows: Sequence[tuple[str, str]], label: str) -> bytes:
    """One written record of the day (会议记录, 检查表, 封装记录 …) as a signed form."""
    session = record.session
    head = [[_("认定批次"), session.batch.name], [_("考试场次"), f"{session.name}　{session_time(session)}"],
            [_("考场"), _room_text(record.room) if record.room else _("全场次")]]
    body = [[label_text, value] for label_text, value in rows]
    who = record.recorded_by.get_full_name() if record.recorded_by else ""
    tail = [[_("记录人"), f"{who}　{timezone.localtime(record.recorded_at):%Y-%m-%d %H:%M}"]]
    table = grid_table([*head, *body, *tail], [40 * mm, FRAME_WIDTH - 40 * mm],
                       label_cells=[(0, r) for r in range(len(head) + len(body) + 1)])
    story: list[Flowable] = [para(label, "title"), table, Spacer(0, 10 * mm),
                             para(_("签字：＿＿＿＿＿＿＿＿　　　　年　　月　　日"), "right")]
    return build_pdf(story, title=label, author=session.batch.organisation.name, footer=f"{label}　{session.name}")

