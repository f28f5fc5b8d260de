import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.catalog.models import PolicyProfile
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent, Notification
from skilleval.core.workdays import working_calendar
from skilleval.orgs import services
from skilleval.orgs.models import FilingApplication, Nature, Organisation, Sanction, StaffMember
from skilleval.orgs.sample import MINIMAL_PDF, fill_application, sample_id_number
from skilleval.orgs.selectors import (
    application_get_for_actor,
    current_scope,
    directory,
    organisations_flagged,
)
from skilleval.orgs.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def hefei_enterprise(jurisdictions):
    from skilleval.core.validators import uscc_check_char

    first17 = "91340100MA2N0K7X3"
    org = services.organisation_register(
        name="合肥测试精工有限公司", uscc=first17 + uscc_check_char(first17), city=jurisdictions["合肥市"],
        nature=Nature.PRIVATE, address="合肥市高新区", contact_person="李俊", contact_phone="0551-1234567",
        admin_username="ent", admin_full_name="李俊", admin_password="Qiye#2026pass",
    )
    from skilleval.accounts.models import User

    return org, actor_for(User.objects.get(username="ent"))


@pytest.fixture
def hefei_authority(jurisdictions):
    return actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"], username="hfa"))


def approve(authority, application, **kwargs):
    services.filing_pass_initial_review(actor=authority, application=application)
    services.filing_record_expert_evaluation(
        actor=authority, application=application, experts="张教授、李高工、王技师", form="on_site",
        evaluated_on=TODAY, opinions="场地设备、考评队伍满足要求。", conclusion="pass")
    defaults = {"filing_number": services.suggest_filing_number(application.jurisdiction), "serial_start": 1,
                "serial_end": 50000, "valid_from": TODAY, "valid_until": TODAY.replace(year=TODAY.year + 3)}
    return services.filing_approve(actor=authority, application=application, **{**defaults, **kwargs})


def test_registration_routes_provincial_soes_to_the_province(jurisdictions):
    from skilleval.core.validators import uscc_check_char

    first17 = "91340000MA2RB5P08"
    org = services.organisation_register(
        name="安徽省测试交通集团", uscc=first17 + uscc_check_char(first17), city=jurisdictions["合肥市"],
        nature=Nature.PROVINCIAL_SOE, address="合肥", contact_person="刘", contact_phone="1",
        admin_username="soe", admin_full_name="刘国强", admin_password="Qiye#2026pass")
    assert org.jurisdiction == jurisdictions["安徽省"] and org.status == Organisation.Status.UNFILED


def test_registration_refuses_a_bad_credit_code_and_saves_nothing(jurisdictions):
    with pytest.raises(DomainError, match="校验位错误") as exc:
        services.organisation_register(
            name="坏代码公司", uscc="91350100M000100Y44", city=jurisdictions["合肥市"], nature=Nature.PRIVATE,
            address="", contact_person="", contact_phone="", admin_username="bad", admin_full_name="x",
            admin_password="Qiye#2026pass")
    assert exc.value.field == "uscc"
    assert not Organisation.objects.filter(name="坏代码公司").exists()


def test_the_whole_filing_path(hefei_enterprise, hefei_authority):
    org, enterprise = hefei_enterprise
    application = services.filing_start(actor=enterprise, organisation=org)
    assert application.enterprise_name == org.name and application.status == FilingApplication.Status.DRAFT
    # An incomplete draft cannot be submitted, and says what is missing.
    with pytest.raises(DomainError) as exc:
        services.filing_submit(actor=enterprise, application=application)
    assert "申请表未填写" in exc.value.message and "缺少材料：营业执照" in exc.value.message
    fill_application(actor=enterprise, application=application, occupations=[("6-18-01-01", "", [5, 4, 3])])
    services.filing_submit(actor=enterprise, application=application)
    application.refresh_from_db()
    assert application.status == FilingApplication.Status.SUBMITTED
    assert application.review_deadline == working_calendar().add(TODAY, 10).date
    # The authority returns it; the enterprise completes and resubmits.
    services.filing_return(actor=hefei_authority, application=application, reason="请补充题库佐证材料。")
    assert Notification.objects.filter(organisation_id=org.pk, title__contains="退回补正").exists()
    services.filing_update(actor=enterprise, application=application, data={"strengths": "补充：省级技能大师工作室"})
    services.filing_submit(actor=enterprise, application=application)
    approve(hefei_authority, application)
    org.refresh_from_db()
    assert org.status == Organisation.Status.FILED and org.filing_number == "Y340100000001"
    assert org.serial_range_display == "000001–050000"
    assert sorted(i.level.code for i in current_scope(org)) == [3, 4, 5]
    assert org in directory()
    actions = list(AuditEvent.objects.filter(object_type="orgs.filingapplication", object_id=str(application.pk))
                   .values_list("summary", flat=True))
    assert any("退回补正" in a for a in actions) and any("批准" in a for a in actions)


def test_access_type_and_unknown_occupations_are_refused(hefei_enterprise):
    org, enterprise = hefei_enterprise
    application = services.filing_start(actor=enterprise, organisation=org)
    with pytest.raises(DomainError, match="准入类"):
        services.filing_occupation_add(actor=enterprise, application=application, occupation_code="6-18-02-04",
                                       levels=[5])
    with pytest.raises(DomainError, match="不在职业目录中"):
        services.filing_occupation_add(actor=enterprise, application=application, occupation_code="9-99-99-99",
                                       levels=[5])
    with pytest.raises(DomainError, match="不是技能类"):
        services.filing_occupation_add(actor=enterprise, application=application, occupation_code="2-02-07-04",
                                       levels=[5])
    assert application.occupations.count() == 0


def test_examiner_minimum_comes_from_the_profile(hefei_enterprise):
    org, enterprise = hefei_enterprise
    application = services.filing_start(actor=enterprise, organisation=org)
    fill_application(actor=enterprise, application=application, occupations=[("6-18-01-01", "", [5])])
    application.staff.filter(role=StaffMember.Role.EXAMINER).first().delete()
    problems = services.filing_problems(application)
    assert any("5级考评员只有4名，至少需要5名" in p for p in problems)
    PolicyProfile.objects.filter(key="hefei").update(min_examiners_per_occupation_level=4)
    assert not services.filing_problems(application)


def test_bad_staff_id_and_upload_are_refused_at_the_field(hefei_enterprise):
    org, enterprise = hefei_enterprise
    application = services.filing_start(actor=enterprise, organisation=org)
    with pytest.raises(DomainError) as exc:
        services.staff_add(actor=enterprise, application=application, role="expert", name="张三",
                           id_number="110105194912310021")
    assert exc.value.field == "id_number" and "校验位" in exc.value.message
    fake = SimpleUploadedFile("licence.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(DomainError, match="文件内容与扩展名"):
        services.attachment_add(actor=enterprise, application=application, category="licence", upload=fake)
    with pytest.raises(DomainError, match="不支持的文件类型"):
        services.attachment_add(actor=enterprise, application=application, category="licence",
                                upload=SimpleUploadedFile("run.exe", MINIMAL_PDF))
    huge = SimpleUploadedFile("big.pdf", MINIMAL_PDF + b"0" * (21 * 1024 * 1024))
    with pytest.raises(DomainError, match="超过上限"):
        services.attachment_add(actor=enterprise, application=application, category="licence", upload=huge)
    assert application.staff.count() == 0 and application.attachments.count() == 0


def test_another_city_authority_cannot_see_or_decide(hefei_enterprise, jurisdictions):
    org, enterprise = hefei_enterprise
    application = services.filing_start(actor=enterprise, organisation=org)
    fill_application(actor=enterprise, application=application, occupations=[("6-18-01-01", "", [5])])
    services.filing_submit(actor=enterprise, application=application)
    bengbu = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["蚌埠市"]))
    from django.http import Http404

    with pytest.raises(Http404):
        application_get_for_actor(actor=bengbu, pk=application.pk)
    with pytest.raises(DomainError, match="不属于您所在辖区"):
        services.filing_return(actor=bengbu, application=application, reason="x")
    application.refresh_from_db()
    assert application.status == FilingApplication.Status.SUBMITTED
    province = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["安徽省"]))
    assert application_get_for_actor(actor=province, pk=application.pk) == application


def test_approval_needs_a_passing_expert_evaluation(hefei_enterprise, hefei_authority):
    org, enterprise = hefei_enterprise
    application = services.filing_start(actor=enterprise, organisation=org)
    fill_application(actor=enterprise, application=application, occupations=[("6-18-01-01", "", [5])])
    services.filing_submit(actor=enterprise, application=application)
    services.filing_pass_initial_review(actor=hefei_authority, application=application)
    with pytest.raises(DomainError, match="专家评估"):
        services.filing_approve(actor=hefei_authority, application=application, filing_number="Y340100000009",
                                serial_start=1, serial_end=10, valid_from=TODAY, valid_until=TODAY.replace(year=2030))
    org.refresh_from_db()
    assert org.status == Organisation.Status.UNFILED


def test_duplicate_filing_number_is_refused(hefei_enterprise, hefei_authority, jurisdictions):
    OrganisationFactory(jurisdiction=jurisdictions["合肥市"], filing_number="Y340100000001")
    org, enterprise = hefei_enterprise
    application = services.filing_start(actor=enterprise, organisation=org)
    fill_application(actor=enterprise, application=application, occupations=[("6-18-01-01", "", [5])])
    services.filing_submit(actor=enterprise, application=application)
    with pytest.raises(DomainError, match="已被使用"):
        approve(hefei_authority, application, filing_number="Y340100000001")
    assert services.suggest_filing_number(jurisdictions["合肥市"]) == "Y340100000002"


def test_scope_adjustment_window_and_approval(jurisdictions):
    qingdao = OrganisationFactory(name="青岛测试电子", jurisdiction=jurisdictions["青岛市"])
    enterprise = actor_for(make_user(Role.ORG_ADMIN, organisation=qingdao))
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["山东省"]))
    profile = PolicyProfile.objects.get(key="shandong")
    outside = [m for m in range(1, 13) if m != TODAY.month][:2]
    profile.scope_adjustment_months = outside
    profile.save()
    with pytest.raises(DomainError, match="不在受理期内"):
        services.scope_adjustment_start(actor=enterprise, organisation=qingdao)
    assert not FilingApplication.objects.filter(organisation=qingdao).exists()
    profile.scope_adjustment_months = [TODAY.month]
    profile.save()
    application = services.scope_adjustment_start(actor=enterprise, organisation=qingdao)
    fill_application(actor=enterprise, application=application, occupations=[("6-31-01-03", "6-31-01-03-01", [4, 3])],
                     region="370211")
    services.filing_submit(actor=enterprise, application=application)
    assert not current_scope(qingdao).exists()  # nothing changes before approval
    approve(authority, application)
    assert sorted(i.level.code for i in current_scope(qingdao)) == [3, 4]
    qingdao.refresh_from_db()
    assert qingdao.filing_number.startswith("Y9")  # an adjustment keeps the filing number


def test_termination_removes_from_directory_and_keeps_data(jurisdictions):
    org = OrganisationFactory(jurisdiction=jurisdictions["合肥市"])
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    services.sanction_record(actor=authority, organisation=org, kind="rectification", description="考场视频缺失",
                             occurred_on=TODAY, rectification_deadline=TODAY + dt.timedelta(days=30))
    assert org in directory()
    services.organisation_terminate(actor=authority, organisation=org, ground="inactivity",
                                    description="连续一年以上未开展认定工作")
    org.refresh_from_db()
    assert org.status == Organisation.Status.TERMINATED and not org.can_create_batch()
    assert org not in directory()
    assert set(org.sanctions.values_list("kind", flat=True)) == {Sanction.Kind.RECTIFICATION,
                                                                 Sanction.Kind.TERMINATION}
    with pytest.raises(DomainError, match="只能终止已备案机构"):
        services.organisation_terminate(actor=authority, organisation=org, ground="inactivity", description="again")


def test_expired_filings_leave_the_directory_and_flags(jurisdictions):
    expired = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], filing_valid_until=TODAY - dt.timedelta(days=1))
    expiring = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], filing_valid_until=TODAY + dt.timedelta(days=20))
    idle = OrganisationFactory(jurisdiction=jurisdictions["合肥市"], filed_at=TODAY - dt.timedelta(days=500),
                               last_evaluation_on=TODAY - dt.timedelta(days=400))
    assert expired not in directory() and expiring in directory()
    authority = actor_for(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    flags = organisations_flagged(authority)
    assert idle in flags["inactive"] and expiring in flags["expiring"] and expired in flags["expiring"]


def test_staff_sample_ids_are_valid():
    from skilleval.core.validators import parse_resident_id

    assert parse_resident_id(sample_id_number()).number
