"""The batch documents as a reader sees them: the text of the PDFs (plan, commitment
letter, application form), the headings of the Word plan and the cells of the
candidate list; masked ID numbers everywhere but the authority's list."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from PIL import Image as PILImage
from pypdf import PdfReader

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Person, Role
from skilleval.accounts.services import person_create
from skilleval.accounts.tests.factories import make_user, resident_id
from skilleval.batches import services
from skilleval.batches.documents import (
    CANDIDATE_LIST_HEADERS,
    application_form_pdf,
    candidate_list_xlsx,
    commitment_pdf,
    plan_docx,
    plan_pdf,
)
from skilleval.batches.models import Application, Award, Batch, BatchStaff, HeldCertificate, Method
from skilleval.batches.services import PLAN_HEADINGS
from skilleval.catalog.models import IDType, Level, Occupation, WorkType
from skilleval.core.pdf import missing_glyphs
from skilleval.core.validators import mask_id_number
from skilleval.orgs.models import ScopeItem

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
BATCH_NAME = "2026年第一期职业技能等级认定"
RARE_NAME = "王𪚥"  # a CJK Extension B character the embedded font cannot draw


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    """Extracted text without the line breaks a wrapped cell puts in the middle of a value."""
    return "".join(text.split())


@pytest.fixture
def org(orgs):
    organisation = orgs["hefei"]
    lathe = Occupation.objects.get(code="6-18-01-01")
    electrician = Occupation.objects.get(code="6-31-01-03")
    maintenance = WorkType.objects.get(code="6-31-01-03-01")
    for occupation, work_type, code in ((lathe, None, 4), (lathe, None, 3), (electrician, maintenance, 4)):
        ScopeItem.objects.create(organisation=organisation, occupation=occupation, work_type=work_type,
                                 level=Level.objects.get(code=code), standard_name="国家职业技能标准",
                                 added_on=TODAY - dt.timedelta(days=30))
    return organisation


@pytest.fixture
def actor(org):
    return actor_for(make_user(Role.ORG_ADMIN, organisation=org, username="batchadmin", full_name="李俊"))


@pytest.fixture
def batch(org, actor):
    batch = services.batch_create(
        actor=actor, organisation=org, name=BATCH_NAME, registration_opens=TODAY,
        registration_closes=TODAY + dt.timedelta(days=5), first_exam_date=TODAY + dt.timedelta(days=30),
        last_exam_date=TODAY + dt.timedelta(days=32), sites="合肥市高新区测试路1号实训楼", contact="李俊 0551-1234567",
        candidate_scope="本企业在岗职工", eligibility_notes="按备案的申报条件执行。")
    services.batch_item_add(actor=actor, batch=batch, occupation_code="6-18-01-01", level_code=4,
                            method=Method.EXAM, theory_weight=30, practical_weight=70, pass_mark=60, capacity=20)
    services.batch_item_add(actor=actor, batch=batch, occupation_code="6-31-01-03", work_type_code="6-31-01-03-01",
                            level_code=4, method=Method.MODULAR, theory_weight=20, practical_weight=60,
                            review_weight=20, modules=[{"name": "通用技能", "mandatory": True},
                                                       {"name": "电机维修", "mandatory": False}])
    services.batch_announce(actor=actor, batch=batch, today=TODAY)
    return Batch.objects.get(pk=batch.pk)


def make_application(batch, *, name, status=Application.Status.ACCEPTED, item=None, **extra):
    number = resident_id("19900315")
    person = person_create(actor=None, id_type=IDType.objects.get(code="201"), id_number=number, name=name,
                           organisation=batch.organisation)
    item = item or batch.items.get(occupation__code="6-18-01-01")
    sequence = batch.applications.count() + 1
    values = {
        "batch": batch, "item": item, "person": person, "status": status, "number": f"{batch.code}-{sequence:05d}",
        "name": name, "sex": person.sex, "birth_date": person.birth_date, "education": "高中",
        "major": "机械加工", "graduated_on": dt.date(2008, 7, 1), "work_started_on": dt.date(2008, 8, 1),
        "political_status": "群众", "phone": "13800000000", "current_post": "车工班组",
        "post_occupation": item.occupation, "years_in_occupation": Decimal("8.5"),
        "requested_route": Application.Route.NORMAL, "condition_text": "取得五级证书后累计从事本职业工作4年以上",
        "work_history": "2008年至今 合肥测试机械有限公司 车工", "commitment_signed": True,
        "commitment_signed_at": timezone.now(), "eligible": status == Application.Status.ACCEPTED,
        "route": Application.Route.NORMAL if status == Application.Status.ACCEPTED else "",
        "rule_label": "取得本职业五级证书后，累计从事本职业工作4年（含）以上",
    }
    values.update(extra)
    return Application.objects.create(**values)


@pytest.fixture
def filled(batch, actor):
    """The batch with three accepted candidates, a rejected one and its staff roster."""
    accepted = [make_application(batch, name="张三"), make_application(batch, name="李四"),
                make_application(batch, name="王五", item=batch.items.get(occupation__code="6-31-01-03"))]
    make_application(batch, name="赵六", status=Application.Status.REJECTED, review_reason="工作年限不足。")
    staff = {}
    for role, name in ((BatchStaff.Role.HEAD, "陈主考"), (BatchStaff.Role.PROCTOR, "周监考"),
                       (BatchStaff.Role.PROCTOR, "吴监考"), (BatchStaff.Role.EXAMINER, "郑考评"),
                       (BatchStaff.Role.EXAMINER, "冯考评"), (BatchStaff.Role.EXAMINER, "褚考评"),
                       (BatchStaff.Role.SUPERVISOR, "卫督导")):
        staff[name] = services.batch_staff_add(actor=actor, batch=batch, role=role, name=name,
                                               id_number=resident_id("19800101"))
    return batch, accepted, staff


# ---------------------------------------------------------------------------------------------
# The plan


def test_plan_pdf_carries_the_cover_the_nine_headings_and_the_tables(filled, actor):
    batch, _accepted, staff = filled
    services.batch_plan_save(actor=actor, batch=batch, plan={"emergency": "启用备用考场，由主考统一指挥。"})
    batch.refresh_from_db()

    data = plan_pdf(batch)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    cover = flat(reader.pages[0].extract_text())
    assert "考核方案" in cover and batch.organisation.name in cover and BATCH_NAME in cover
    assert f"{TODAY.year}年{TODAY.month}月" in cover

    text = flat(pdf_text(data))
    assert f"{batch.organisation.name}（{BATCH_NAME}）职业技能等级认定考核方案" in text
    assert "合肥市企业技能人才自主评价办法（试行）" in text  # the preamble cites the jurisdiction's rules
    positions = [text.index(flat(label)) for _key, label in PLAN_HEADINGS]
    assert positions == sorted(positions)
    assert "启用备用考场，由主考统一指挥。" in text and "考场突发停电" not in text  # the saved text, not the draft
    assert "合肥市高新区测试路1号实训楼" in text  # blank texts fall back to the draft
    # Occupations and levels with method, weights and pass mark; candidates per item; the roster.
    assert "车工" in text and "维修电工" in text and "理论知识30%" in text and "操作技能70%" in text
    assert "模块化考核" in text and "通用技能（必考）" in text and "60分" in text
    assert "审核通过人数" in text and "合计" in text
    for member in staff.values():
        assert member.name in text
        assert member.masked_id_number in text
        assert member.id_number not in text
    assert "赵六" not in text  # candidates are counted, not listed


def test_plan_pdf_counts_accepted_candidates_per_item(filled):
    batch, _accepted, _staff = filled
    text = flat(pdf_text(plan_pdf(batch)))
    # Per item: accepted, then capacity; the rejected candidate is not counted.
    assert "1车工四级/中级工220" in text and "2维修电工四级/中级工1—" in text
    assert "合计320" in text


def test_plan_docx_has_the_nine_headings_in_order_in_a_chinese_font(filled):
    batch, _accepted, staff = filled
    document = Document(io.BytesIO(plan_docx(batch)))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [label for _key, label in PLAN_HEADINGS]
    body = "".join(p.text for p in document.paragraphs)
    assert f"{batch.organisation.name}（{BATCH_NAME}）职业技能等级认定考核方案" in body
    cells = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "车工" in cells and "维修电工" in cells
    for member in staff.values():
        assert member.masked_id_number in cells and member.id_number not in cells + body
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    assert document.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert document.core_properties.title.endswith("职业技能等级认定考核方案")


def test_plan_documents_render_an_empty_batch(batch):
    text = flat(pdf_text(plan_pdf(batch)))
    assert "（无）" in text  # no staff yet
    assert len(Document(io.BytesIO(plan_docx(batch))).tables) == 3


# ---------------------------------------------------------------------------------------------
# The candidate list


def test_candidate_list_lists_accepted_candidates_with_full_id_numbers(filled):
    batch, accepted, _staff = filled
    accepted[0].rule_label = "=HYPERLINK(\"http://x\")"
    accepted[0].save(update_fields=["rule_label"])
    sheet = load_workbook(io.BytesIO(candidate_list_xlsx(batch))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == CANDIDATE_LIST_HEADERS
    assert len(rows) == 1 + 3
    by_name = {row[2]: row for row in rows[1:]}
    assert set(by_name) == {"张三", "李四", "王五"}
    first = by_name["张三"]
    assert first[5] == accepted[0].person.id_number  # the full number, as text
    assert first[4] == "居民身份证" and first[6] == "车工" and first[8] == "四级/中级工"
    assert first[9] == "正常申报" and first[11] == batch.organisation.name
    assert first[10].startswith("'=")  # a formula-like value stays text
    assert by_name["王五"][7] == "维修电工"


# ---------------------------------------------------------------------------------------------
# The review commitment


def test_commitment_letter_is_blank_until_signed_then_names_the_signatory(filled, actor):
    batch, _accepted, _staff = filled
    text = flat(pdf_text(commitment_pdf(batch)))
    assert "职业技能等级认定报名资料审核承诺书" in text
    assert f"认定计划名称：{BATCH_NAME}" in text and batch.organisation.name in text
    assert "尚未签署" in text and "王厂长" not in text

    services.batch_sign_commitment(actor=actor, batch=batch, signatory="王厂长")
    batch.refresh_from_db()
    text = flat(pdf_text(commitment_pdf(batch)))
    assert "负责人签字：王厂长" in text
    assert flat(f"{TODAY.year}年{TODAY.month}月{TODAY.day}日") in text
    assert "尚未签署" not in text

    # A plan sent back clears the signature date: the letter is to be signed again.
    Batch.objects.filter(pk=batch.pk).update(commitment_signed_at=None)
    batch.refresh_from_db()
    assert "王厂长" not in flat(pdf_text(commitment_pdf(batch)))


# ---------------------------------------------------------------------------------------------
# The application form


def test_application_form_masks_the_id_number_unless_asked(filled):
    batch, accepted, _staff = filled
    application = accepted[0]
    HeldCertificate.objects.create(application=application, kind=HeldCertificate.Kind.SKILL_LEVEL,
                                   occupation=application.item.occupation, level=5, number="S000012345678",
                                   issued_on=dt.date(2017, 6, 30))
    Award.objects.create(application=application, kind=Award.Kind.COMPETITION, tier=Award.Tier.PROVINCIAL,
                         name="安徽省职业技能大赛车工项目", year=2023, rank=3)
    application.review_reason = "材料齐全。"
    application.reviewed_at = timezone.now()
    application.save(update_fields=["review_reason", "reviewed_at"])

    text = flat(pdf_text(application_form_pdf(application)))
    number = application.person.id_number
    assert "职业技能等级认定申报表" in text and application.number in text
    assert mask_id_number(number) in text and number not in text
    for value in ("张三", "男" if application.sex == "M" else "女", "高中", "机械加工", "车工班组", "8.5年",
                  "五级/初级工", "S000012345678", "2017年6月30日", "四级/中级工", "✓正常申报", "破格申报",
                  "取得五级证书后累计从事本职业工作4年以上", "安徽省职业技能大赛车工项目", "第3名",
                  "本人已知悉本职业（工种）申报条件", "已于", "审核通过", "材料齐全。",
                  f"{batch.organisation.name}（章）", "二寸近期免冠照片", BATCH_NAME):
        assert flat(value) in text, value

    full = flat(pdf_text(application_form_pdf(application, full_id=True)))
    assert number in full


def test_application_form_shows_an_unsigned_pending_application_and_the_photo(filled):
    batch, _accepted, _staff = filled
    application = make_application(batch, name="孙七", status=Application.Status.SUBMITTED, commitment_signed=False,
                                   commitment_signed_at=None, condition_text="", requested_route="exceptional")
    picture = io.BytesIO()
    PILImage.new("RGB", (350, 490), (200, 220, 240)).save(picture, "JPEG")
    application.photo.save("photo.jpg", ContentFile(picture.getvalue()), save=True)

    data = application_form_pdf(application)
    text = flat(pdf_text(data))
    assert "尚未签署" in text and "待审核" in text and "✓破格申报" in text and "✓正常申报" not in text
    assert flat(application.rule_label) in text  # no condition typed: the rule the engine matched
    assert "二寸近期免冠照片" not in text  # the photo fills the box
    assert PdfReader(io.BytesIO(data)).pages[0].images  # embedded

    # A photo that is not a JPEG/PNG leaves the empty box.
    application.photo.save("photo.jpg", ContentFile(b"GIF89a not a photo"), save=True)
    assert "二寸近期免冠照片" in flat(pdf_text(application_form_pdf(application)))


def test_names_the_font_cannot_draw_do_not_break_any_document(filled):
    batch, _accepted, _staff = filled
    assert missing_glyphs(RARE_NAME)
    application = make_application(batch, name=RARE_NAME)
    Person.objects.filter(pk=application.person_id).update(name=RARE_NAME)
    BatchStaff.objects.filter(batch=batch, role=BatchStaff.Role.HEAD).update(name=RARE_NAME)
    Batch.objects.filter(pk=batch.pk).update(commitment_signed_by=RARE_NAME, commitment_signed_at=timezone.now())
    batch.refresh_from_db()
    assert plan_pdf(batch).startswith(b"%PDF")
    assert plan_docx(batch)
    assert commitment_pdf(batch).startswith(b"%PDF")
    assert application_form_pdf(application).startswith(b"%PDF")
    rows = list(load_workbook(io.BytesIO(candidate_list_xlsx(batch))).active.iter_rows(values_only=True))
    assert RARE_NAME in [row[2] for row in rows]


def test_application_form_with_long_texts_flows_onto_more_pages(filled):
    batch, _accepted, _staff = filled
    history = "\n".join(f"{1990 + n}年 合肥测试机械有限公司 车间{n}号岗位 车工，负责零件加工与设备维护。" for n in range(120))
    application = make_application(batch, name="钱八", work_history=history, status=Application.Status.REJECTED,
                                   review_reason="不符合申报条件。" * 400)
    for n in range(30):
        HeldCertificate.objects.create(application=application, kind=HeldCertificate.Kind.OTHER, number=f"C{n:04d}")
    data = application_form_pdf(application)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 1
    text = flat("".join(page.extract_text() for page in reader.pages))
    assert "车间119号岗位" in text and "C0029" in text and "审核不通过" in text
