"""The exam day's documents, opened and read back: admission tickets (text and the QR
code's modules), staff badges, sign-in sheets, the room arrangement tables of SD att.4
(XLSX header rows and PDF) and the exam manual of SD att.5 (the seven headings in
order, in Word and PDF)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from skilleval.core.qr import modules as qr_modules

from ..documents_examday import (
    ARRANGEMENTS,
    MANUAL_HEADINGS,
    QR_MODULE_PIXELS,
    QR_QUIET_MODULES,
    arrangement_pdf,
    arrangement_xlsx,
    badges_pdf,
    manual_docx,
    manual_pdf,
    sign_in_sheet_pdf,
    tickets_pdf,
)
from ..models import Attempt, ExamRoom, ExamSession, RoomKind, StaffAssignment
from ..services import examday
from .test_cbt import fresh_autosave_caches  # noqa: F401
from .test_examday import build_day, png_bytes, qr

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(jurisdictions):
    return build_day(jurisdictions["合肥市"])


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def modules(picture) -> list[list[bool]]:
    """Read a QR image back into modules, sampling the centre of each."""
    grey = picture.convert("L")
    count = grey.width // QR_MODULE_PIXELS - 2 * QR_QUIET_MODULES
    half = QR_MODULE_PIXELS // 2
    return [[grey.getpixel(((c + QR_QUIET_MODULES) * QR_MODULE_PIXELS + half,
                            (r + QR_QUIET_MODULES) * QR_MODULE_PIXELS + half)) < 128 for c in range(count)]
            for r in range(count)]


def test_tickets_carry_the_candidates_data_and_a_signed_qr_code(day):
    first, last = day.attempts[0], day.attempts[-1]
    pdf = tickets_pdf(day.attempts)
    reader = PdfReader(io.BytesIO(pdf))
    text = text_of(pdf)
    assert "职业技能等级认定准考证" in text and "考生须知" in text and day.world.org.name in text
    for attempt in day.attempts:
        assert attempt.ticket_number in text and attempt.application.name in text
        assert day.id_of(attempt) not in text  # masked
        assert day.id_of(attempt)[:3] + "*" * 11 + day.id_of(attempt)[-4:] in text
    assert "一层第2机房" in text and "车工" in text and "五级" in text
    # Every ticket's QR image holds exactly its own signed payload; no photo yet: a box says where to paste one.
    images = [image.image for page in reader.pages for image in page.images]
    payloads = [qr(a) for a in day.attempts]
    assert sorted(map(str, (modules(i) for i in images))) == sorted(map(str, (qr_modules(p) for p in payloads)))
    assert all(f"校验码 {qr(a).split('-')[1]}" in text for a in (first, last))
    assert text.count("照片") >= 3


def test_a_ticket_shows_the_application_photo(day):
    application = day.attempts[0].application
    application.photo.save("photo.png", ContentFile(png_bytes()), save=True)
    reader = PdfReader(io.BytesIO(tickets_pdf([day.attempts[0]])))
    sizes = sorted(image.image.size for image in reader.pages[0].images)
    assert len(sizes) == 2 and (60, 80) in sizes  # the photo and the QR code


def test_badges_show_name_duty_and_place_in_the_duty_colour(day):
    text = text_of(badges_pdf(day.session))
    for expected in ("考务人员工作证", "考点负责人", "监考人员", "质量督导员", "head0", "proctor0", "proctor1",
                     "supervisor0", "一层第2机房", day.session.name):
        assert expected in text, expected


def test_the_sign_in_sheet_lists_each_room_with_the_sign_ins_recorded(day):
    first = day.attempts[0]
    examday.attempt_check_in(actor=day.proctor, session=day.session, code=qr(first), method="qr")
    reader = PdfReader(io.BytesIO(sign_in_sheet_pdf(day.session)))
    assert len(reader.pages) == 2  # one room a page
    page1, page2 = (page.extract_text() for page in reader.pages)
    assert "考生签到表" in page1 and "考生签名" in page1 and "一层第1机房" in page1
    assert first.ticket_number in page1 and day.attempts[-1].ticket_number in page2
    assert timezone.localtime(first.__class__.objects.get(pk=first.pk).checked_in_at).strftime("%H:%M") in page1
    assert "二维码" in page1 and "实到 1 人" in page1 and "proctor0" in page1
    assert "proctor1" in page2 and "应到 1 人" in page2
    one = text_of(sign_in_sheet_pdf(day.session, day.room2))
    assert day.attempts[-1].ticket_number in one and first.ticket_number not in one


def practical_session(day) -> ExamSession:
    """A practical session of the batch in a workshop, with its examiner panel and two candidates."""
    world = day.world
    workshop = ExamRoom.objects.create(site=world.room.site, name="二号车间", kind=RoomKind.PRACTICAL, capacity=10)
    start = timezone.make_aware(dt.datetime.combine(world.batch.last_exam_date, dt.time(9)))
    session = ExamSession.objects.create(batch=world.batch, batch_item=world.item, kind=ExamSession.Kind.PRACTICAL,
                                         name="车工实操第1场", starts_at=start, ends_at=start + dt.timedelta(hours=3),
                                         duration_minutes=180)
    session.rooms.set([workshop])
    staff = {m.name: m for m in world.batch.staff.all()}
    StaffAssignment.objects.create(session=session, staff=staff["examiner0"], duty=StaffAssignment.Duty.LEADER,
                                   room=workshop)
    for name in ("examiner1", "examiner2"):
        StaffAssignment.objects.create(session=session, staff=staff[name], duty=StaffAssignment.Duty.EXAMINER,
                                       room=workshop)
    for n, application in enumerate(world.applications[:2], start=1):
        Attempt.objects.create(session=session, application=application, ticket_number=f"SC{session.pk:05d}{n:04d}",
                               room=workshop, seat=n)
    return session


def test_the_skill_exam_arrangement_table_has_the_seeds_header_and_columns(day):
    practical_session(day)
    workbook = load_workbook(io.BytesIO(arrangement_xlsx(day.world.batch, "skill")))
    sheet = workbook.worksheets[0]
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "职业技能等级认定技能考核考场安排表"
    assert (rows[1][0], rows[1][3], rows[1][5]) == ("考试地点", "考试时间", "参评人数")
    assert "实训楼" in rows[1][1] and rows[1][6] == 2
    day_text = day.world.batch.last_exam_date
    assert rows[1][4] == f"{day_text.year}年{day_text.month}月{day_text.day}日"
    assert list(rows[2]) == ["考场", "职业（工种）", "等级", "考试具体时间", "考评组长", "考评员", "统分人"]
    assert list(rows[3]) == ["二号车间", "车工", "五级/初级工", "09:00—12:00", "examiner0", "examiner1、examiner2", None]
    assert "B2:C2" in {str(r) for r in sheet.merged_cells.ranges}

    review = load_workbook(io.BytesIO(arrangement_xlsx(day.world.batch, "review"))).worksheets[0]
    header = [c.value for c in review[3]]
    assert header == list(ARRANGEMENTS["review"].headers) == ["考场", "职业（工种）", "等级", "考试具体时间", "评审组长",
                                                              "评审人员", "统分人"]
    assert review.max_row == 3  # no review session yet: the header and nothing else

    text = text_of(arrangement_pdf(day.world.batch, "skill"))
    for expected in ("职业技能等级认定技能考核考场安排表", "考试地点", "参评人数", "考评组长", "统分人", "二号车间",
                     "examiner1", "examiner2"):
        assert expected in text, expected
    assert "（无）" in text_of(arrangement_pdf(day.world.batch, "review"))


def test_the_exam_manual_has_the_seven_headings_in_order(day):
    batch = day.world.batch
    document = Document(io.BytesIO(manual_docx(batch)))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(MANUAL_HEADINGS)
    body = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "一、评价职业、等级" in body and "八、应急预案" in body  # the plan's nine headings under 一
    assert "每个考场设监考人员不少于2名" in body and "考试录像保存不少于1年" in body  # the profile's numbers
    assert "替考（由他人代替或代替他人考试）" in cells and "本次评价各科目成绩无效" in cells
    assert "断网或考试系统故障" in cells and "理论知识考试第1场" in cells and "proctor1" in cells
    text = text_of(manual_pdf(batch))
    positions = [text.find(h) for h in MANUAL_HEADINGS]
    assert all(p >= 0 for p in positions)
    body_positions = [text.find(h, text.find("七、突发事件处理办法") + 1) for h in MANUAL_HEADINGS[:1]]
    assert body_positions[0] > 0  # after the table of contents, the body repeats them
    assert "考务手册" in text.replace(" ", "") and batch.organisation.name in text


def test_a_written_record_prints_as_a_signed_form(day):
    from .test_examday import meeting

    record = examday.session_record_create(actor=day.world.manager, session=day.session, kind="meeting",
                                           content=meeting(day))
    content, content_type, name = examday.record_document(actor=day.proctor, record=record)
    text = text_of(content)
    assert content_type == "application/pdf" and name.startswith("meeting-")
    for expected in ("考前考务会记录", "实训楼会议室", "已组织考务操作培训", "是", "记录人", "王海燕", "签字"):
        assert expected in text, expected
