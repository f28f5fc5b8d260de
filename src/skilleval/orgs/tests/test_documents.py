"""The filing documents as a person sees them: the text of the PDFs, the font they
carry, the cells of the workbook and the receipt's refusals."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role, User
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.models import PolicyProfile
from skilleval.core.errors import DomainError
from skilleval.core.pdf import missing_glyphs
from skilleval.core.validators import uscc_check_char
from skilleval.orgs import services
from skilleval.orgs.documents import PLEDGE_TEXT, filing_form_pdf, filing_form_xlsx, filing_receipt_pdf
from skilleval.orgs.models import FilingApplication, Nature, StaffMember
from skilleval.orgs.sample import fill_application
from skilleval.orgs.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NAME = "合肥测试精工有限公司"


@pytest.fixture
def hefei_enterprise(jurisdictions):
    first17 = "91340100MA2N0K7X3"
    org = services.organisation_register(
        name=NAME, uscc=first17 + uscc_check_char(first17), city=jurisdictions["合肥市"], nature=Nature.PRIVATE,
        address="合肥市高新区", contact_person="李俊", contact_phone="0551-1234567", admin_username="ent",
        admin_full_name="李俊", admin_password="Qiye#2026pass",
    )
    return org, actor_for(User.objects.get(username="ent"))


@pytest.fixture
def hefei_authority(jurisdictions):
    return actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"], username="hfa"))


def approve(authority, application):
    services.filing_pass_initial_review(actor=authority, application=application)
    services.filing_record_expert_evaluation(
        actor=authority, application=application, experts="张教授、李高工、王技师", form="on_site",
        evaluated_on=TODAY, opinions="场地设备、考评队伍满足要求。", conclusion="pass")
    services.filing_approve(
        actor=authority, application=application, filing_number=services.suggest_filing_number(application.jurisdiction),
        serial_start=1, serial_end=50000, valid_from=TODAY, valid_until=TODAY.replace(year=TODAY.year + 3),
        comment="同意。")
    application.refresh_from_db()
    return application


@pytest.fixture
def draft(hefei_enterprise):
    org, enterprise = hefei_enterprise
    application = services.filing_start(actor=enterprise, organisation=org)
    return fill_application(actor=enterprise, application=application,
                            occupations=[("6-18-01-01", "", [5, 4, 3]), ("6-31-01-03", "6-31-01-03-01", [4])])


@pytest.fixture
def approved(hefei_enterprise, hefei_authority, draft):
    _org, enterprise = hefei_enterprise
    services.filing_submit(actor=enterprise, application=draft)
    return approve(hefei_authority, draft)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    """Extracted text without the line breaks a wrapped cell puts in the middle of a value."""
    return "".join(text.split())


def test_filing_form_pdf_reads_like_the_form(approved):
    data = filing_form_pdf(approved)
    assert data.startswith(b"%PDF")
    text = flat(pdf_text(data))
    assert "职业技能等级认定企业备案表" in text
    assert approved.organisation.filing_number == "Y340100000001"
    assert NAME in text and "Y340100000001" in text
    for expected in ("一、企业基本信息", "二、申请开展职业技能等级认定的职业（工种）", "车工", "6-18-01-01", "维修电工",
                     "五级/初级工", "国家职业技能标准", "12,000.00", "1860", "王建国", "数控车床", "CAK6150", "营业执照",
                     flat(PLEDGE_TEXT), "人力资源社会保障部门意见", "同意备案", "合肥市人力资源和社会保障局"):
        assert expected in text, expected
    staff = list(approved.staff.all())
    assert {m.role for m in staff} == set(StaffMember.Role.values)
    for member in staff:
        assert member.masked_id_number in text
        assert member.id_number not in text
    assert "调整方式" not in text


def test_filing_form_pdf_embeds_its_cjk_font(approved):
    reader = PdfReader(io.BytesIO(filing_form_pdf(approved)))
    fonts = {}
    for page in reader.pages:
        for name, ref in page["/Resources"]["/Font"].items():
            fonts[name] = ref.get_object()
    assert fonts
    for font in fonts.values():
        descriptor = font["/FontDescriptor"].get_object()
        assert "WenQuanYiMicroHei" in font["/BaseFont"]
        assert "/FontFile2" in descriptor  # the TrueType program itself is in the file


def test_long_tables_and_text_flow_over_pages(hefei_enterprise, draft):
    _org, enterprise = hefei_enterprise
    for n in range(80):
        services.equipment_add(actor=enterprise, application=draft, name=f"实训设备{n:03d}号", brand="品牌",
                               model=f"型号-{n}", quantity=n + 1, ownership="自有")
    long_text = "企业建立了完善的技能人才培养、评价、使用、激励制度。" * 150 + "全文结束标记"
    services.filing_update(actor=enterprise, application=draft, data={"hr_systems": long_text})
    draft.refresh_from_db()
    reader = PdfReader(io.BytesIO(filing_form_pdf(draft)))
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    assert len(reader.pages) >= 4
    assert "实训设备000号" in text and "实训设备079号" in text and "全文结束标记" in text
    assert "人力资源社会保障部门意见" in text  # undecided: the blank opinion box of the paper form
    assert "同意备案" not in text


def test_filing_form_xlsx_has_the_form_and_the_lists(approved):
    workbook = load_workbook(io.BytesIO(filing_form_xlsx(approved)))
    assert workbook.sheetnames == ["备案表", "申请职业", "人员名册", "设施设备"]
    form = workbook["备案表"]
    values = [str(c.value) for row in form.iter_rows() for c in row if c.value is not None]
    assert "职业技能等级认定企业备案表" in values and NAME in values
    assert form.merged_cells.ranges and form.column_dimensions["C"].width > 10
    assert "6-18-01-01" in values
    codes = [row[2] for row in workbook["申请职业"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["6-18-01-01", "6-31-01-03"]
    roster = list(workbook["人员名册"].iter_rows(values_only=True))
    assert roster[0][3] == "身份证号（脱敏）"
    shown = {row[3] for row in roster[1:]}
    staff = list(approved.staff.all())
    assert shown == {m.masked_id_number for m in staff}
    every_cell = " ".join(str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row)
    assert not any(m.id_number in every_cell for m in staff)
    equipment = list(workbook["设施设备"].iter_rows(min_row=2, values_only=True))
    assert equipment[0][1:] == ("数控车床", "沈阳机床", "CAK6150", 12, "自有")


def test_xlsx_writes_formula_like_values_as_text(hefei_enterprise, draft):
    _org, enterprise = hefei_enterprise
    attack = '=HYPERLINK("http://example.invalid/x","点击")'
    services.filing_update(actor=enterprise, application=draft, data={"strengths": attack, "principal_title": "+1+1"})
    draft.refresh_from_db()
    workbook = load_workbook(io.BytesIO(filing_form_xlsx(draft)))
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    hyperlink = [c for c in cells if "HYPERLINK" in str(c.value)]
    assert hyperlink and all(c.data_type == "s" and not str(c.value).startswith("=") for c in hyperlink)


def test_receipt_of_an_approved_filing(approved):
    organisation = approved.organisation
    text = flat(pdf_text(filing_receipt_pdf(approved)))
    for expected in ("职业技能等级认定工作同意函", "备案回执", "合肥市人力资源和社会保障局", NAME, organisation.uscc,
                     "Y340100000001", "000001–050000", "车工", "维修电工", "五级/初级工", "三级/高级工",
                     f"{TODAY.year}年{TODAY.month}月{TODAY.day}日", f"{TODAY.year + 3}年"):
        assert expected in text, expected


def test_receipt_refuses_an_application_not_approved(draft):
    with pytest.raises(DomainError, match="只有已批准的申请才能出具备案回执"):
        filing_receipt_pdf(draft)
    draft.status = FilingApplication.Status.REJECTED
    with pytest.raises(DomainError, match="未通过"):
        filing_receipt_pdf(draft)


def test_scope_adjustment_documents(jurisdictions):
    qingdao = OrganisationFactory(name="青岛测试电子有限公司", jurisdiction=jurisdictions["青岛市"])
    enterprise = actor_for(make_user(Role.ORG_ADMIN, organisation=qingdao))
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["山东省"]))
    PolicyProfile.objects.filter(key="shandong").update(scope_adjustment_months=[TODAY.month])
    application = services.scope_adjustment_start(actor=enterprise, organisation=qingdao)
    fill_application(actor=enterprise, application=application, occupations=[("6-31-01-03", "6-31-01-03-01", [4, 3])],
                     region="370211")
    services.filing_submit(actor=enterprise, application=application)
    form = flat(pdf_text(filing_form_pdf(application)))
    assert "调整方式" in form and "新增" in form and "职业范围调整理由" in form
    approve(authority, application)
    receipt = flat(pdf_text(filing_receipt_pdf(application)))
    assert "职业范围调整同意函" in receipt and "本次调整事项" in receipt and "新增" in receipt
    assert qingdao.filing_number in receipt and "维修电工" in receipt and "四级/中级工" in receipt


def test_missing_glyphs_names_what_the_font_cannot_draw():
    assert missing_glyphs("王𠀀明") == {"𠀀"}
    assert missing_glyphs("职业技能等级认定企业备案表：张伟、李娜（ABC-123）\n") == set()
