"""Schemas of the organisation and filing endpoints (/api/v1/orgs/...).

Outputs read the models through field aliases, which django-ninja looks up as Django
template variables do: a dotted path follows relations, a method without arguments is
called, and a path through an unset optional relation leaves the field at its default
(None). Resolvers remain where there is logic (the selectors, the request's context).
Inputs only parse types and choices, as the UI's forms do. Every business rule stays in
the services."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import ConfigDict

from skilleval.orgs.models import (
    ExpertEvaluation,
    FilingOccupation,
    MaterialCategory,
    Nature,
    QuestionBank,
    Sanction,
    StaffMember,
    StandardKind,
)
from skilleval.orgs.selectors import current_scope, scope_history
from skilleval.orgs.services import filing_problems

# ---------------------------------------------------------------------------------------------
# Shared parts of the outputs


class _Out(Schema):
    """Every output field is always in the response: the OpenAPI marks each one required,
    also those whose default None stands for an optional relation that is not set."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class _OccupationOut(_Out):
    occupation_code: str = Field(alias="occupation.code")
    occupation_name: str = Field(alias="occupation.name")
    work_type_code: str | None = Field(None, alias="work_type.code")
    work_type_name: str | None = Field(None, alias="work_type.name")


class _JurisdictionOut(_Out):
    jurisdiction_code: str = Field(alias="jurisdiction.code")
    jurisdiction_name: str = Field(alias="jurisdiction.name")


class _PlaceOut(_JurisdictionOut):
    city_code: str | None = Field(None, alias="city.code")
    city_name: str | None = Field(None, alias="city.name")


# ---------------------------------------------------------------------------------------------
# Scope and the public directory


class ScopeItemOut(_OccupationOut):
    level_code: int = Field(alias="level.code")
    level_name: str = Field(alias="level.name")
    level_title: str = Field(alias="level.title")
    standard_name: str


class ScopeHistoryOut(ScopeItemOut):
    added_on: dt.date
    added_by_reference: str | None = Field(None, alias="added_by_application.reference")
    removed_on: dt.date | None
    removed_by_reference: str | None = Field(None, alias="removed_by_application.reference")


class DirectoryItemOut(_PlaceOut):
    id: int
    name: str
    address: str
    contact_person: str
    contact_phone: str
    filing_number: str
    filing_valid_from: dt.date | None
    filing_valid_until: dt.date
    authority_name: str = Field(alias="jurisdiction.authority_name")
    scope: list[ScopeItemOut] = Field(alias="current_scope")  # prefetched by selectors.directory()


# ---------------------------------------------------------------------------------------------
# Registration


class RegisterIn(Schema):
    name: str = Field(..., max_length=100, description="单位名称")
    uscc: str = Field(..., max_length=40, description="统一社会信用代码（18位，按 GB 32100 校验）")
    city: str = Field(..., max_length=6, description="所在地的行政区划代码（市；直辖市为本市），如 340100")
    nature: Nature = Field(..., description="单位性质；央企驻地分支机构、省属国有企业直接向省级人社部门备案")
    address: str = Field(..., max_length=200, description="单位地址")
    contact_person: str = Field(..., max_length=50, description="联系人")
    contact_phone: str = Field(..., max_length=30, description="联系电话")
    admin_username: str = Field(..., pattern=r"^[A-Za-z0-9_.-]{3,30}$",
                                description="机构管理员用户名：3至30位字母、数字、下划线、点或连字符")
    admin_full_name: str = Field(..., max_length=50, description="机构管理员姓名")
    admin_password: str = Field(..., min_length=8, max_length=128, description="机构管理员密码")


class RegisterOut(_JurisdictionOut):
    id: int
    name: str
    status: str
    authority_name: str = Field(alias="jurisdiction.authority_name")


# ---------------------------------------------------------------------------------------------
# Organisations and their credit record


class OrganisationOut(_PlaceOut):
    id: int
    name: str
    uscc: str
    nature: str
    nature_display: str = Field(alias="get_nature_display")
    status: str
    status_display: str = Field(alias="get_status_display")
    filing_number: str | None
    filing_valid_until: dt.date | None
    flags: list[Literal["inactive", "expiring"]] = Field(
        description="仅人社部门可见：inactive 连续超过规定月数未开展评价，expiring 备案有效期临近届满或已过期")

    @staticmethod
    def resolve_flags(obj, context):
        flags = getattr(context["request"], "organisation_flags", {})
        return flags.get(obj.pk, [])


class OrganisationDetailOut(OrganisationOut):
    address: str
    contact_person: str
    contact_phone: str
    contact_email: str
    authority_name: str = Field(alias="jurisdiction.authority_name")
    filed_at: dt.date | None
    filing_valid_from: dt.date | None
    cert_serial_start: int | None
    cert_serial_end: int | None
    serial_range: str = Field(alias="serial_range_display")
    in_good_standing: bool  # the model's method, called by ninja
    last_evaluation_on: dt.date | None
    terminated_at: dt.datetime | None
    termination_ground: str
    termination_reason: str
    current_scope: list[ScopeItemOut]
    scope_history: list[ScopeHistoryOut]

    @staticmethod
    def resolve_current_scope(obj):
        return current_scope(obj)

    @staticmethod
    def resolve_scope_history(obj):
        return scope_history(obj)


class SanctionOut(_Out):
    id: int
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    ground: str
    ground_display: str
    description: str
    occurred_on: dt.date
    rectification_deadline: dt.date | None
    rectified_on: dt.date | None
    rectification_note: str
    rectification_overdue: bool = Field(alias="is_rectification_overdue")
    recorded_by: str = Field(alias="recorded_by.get_full_name")

    @staticmethod
    def resolve_ground_display(obj):
        return obj.get_ground_display() if obj.ground else ""


class SanctionIn(Schema):
    kind: Literal["interview", "rectification"] = Field(..., description="interview 约谈，rectification 限期整改")
    description: str = Field(..., max_length=4000, description="情况说明")
    occurred_on: dt.date = Field(..., description="日期")
    rectification_deadline: dt.date | None = Field(None, description="整改期限（限期整改必填）")
    ground: Sanction.Ground | None = Field(None, description="事由类别（可不填）")


class RectifiedIn(Schema):
    rectified_on: dt.date = Field(..., description="整改完成日期")
    note: str = Field(..., max_length=4000, description="整改情况")


class TerminateIn(Schema):
    ground: Sanction.Ground = Field(..., description="终止事由")
    description: str = Field(..., max_length=4000, description="终止说明")


# ---------------------------------------------------------------------------------------------
# Applications


class ApplicationStartIn(Schema):
    kind: Literal["initial", "scope"] = Field(..., description="initial 备案申请，scope 职业范围调整")


class ApplicationOut(_JurisdictionOut):
    id: int
    reference: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    status: str
    status_display: str = Field(alias="get_status_display")
    organisation_id: int
    organisation_name: str = Field(alias="organisation.name")
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    review_deadline: dt.date | None
    review_deadline_provisional: bool
    overdue: bool = Field(alias="is_overdue", description="已提交且超过初审期限")
    returned_count: int


class OccupationLineOut(_OccupationOut):
    id: int
    levels: list[int]
    change: str
    standard_kind: str
    standard_name: str
    question_bank: str
    question_bank_note: str


class StaffOut(_Out):
    id: int
    role: str
    role_display: str = Field(alias="get_role_display")
    name: str
    id_number: str = Field(alias="masked_id_number", description="脱敏显示：前3位与后4位")
    unit: str
    title: str
    education: str
    duty: str
    occupation_code: str | None = Field(None, alias="occupation.code")
    levels: list[int]


class EquipmentOut(_Out):
    id: int
    name: str
    brand: str
    model: str
    quantity: int
    ownership: str


class AttachmentOut(_Out):
    id: int
    category: str
    category_display: str = Field(alias="get_category_display")
    original_name: str
    size: int
    content_type: str
    uploaded_at: dt.datetime = Field(alias="created_at")
    url: str

    @staticmethod
    def resolve_url(obj):
        return reverse("api:orgs_attachment_download", args=[obj.pk])


class EvaluationOut(_Out):
    id: int
    experts: str
    form: str
    form_display: str = Field(alias="get_form_display")
    evaluated_on: dt.date
    opinions: str
    conclusion: str
    conclusion_display: str = Field(alias="get_conclusion_display")
    recorded_by: str = Field(alias="recorded_by.get_full_name")


class ApplicationDetailOut(ApplicationOut):
    # 一、企业基本信息
    enterprise_name: str
    registered_address: str
    uscc: str
    registration_authority: str
    registered_capital: Decimal | None
    business_scope: str
    nature: str
    total_assets: Decimal | None
    payroll_total: Decimal | None
    revenue: Decimal | None
    training_fund_extracted: Decimal | None
    training_fund_for_skills: Decimal | None
    technical_workers: int | None
    senior_workers: int | None
    technicians: int | None
    senior_technicians: int | None
    principal_name: str
    principal_title: str
    principal_phone: str
    principal_email: str
    contact_name: str
    contact_title: str
    contact_phone: str
    contact_email: str
    hr_systems: str
    training_fund_usage: str
    training_department: str
    strengths: str
    site_description: str
    it_and_video: str
    adjustment_reason: str
    pledge_accepted: bool
    pledge_signatory: str
    pledged_at: dt.datetime | None
    # Review
    initial_review_passed_at: dt.datetime | None
    return_reason: str
    decided_at: dt.datetime | None
    decided_by: str | None = Field(None, alias="decided_by.get_full_name")
    decision_reason: str
    can_edit: bool = Field(description="当前状态是否允许企业修改（草稿或退回补正）")  # the model's method
    problems: list[str] | None = Field(description="可修改时：尚不能提交的原因；为空列表表示可以提交")
    occupations: list[OccupationLineOut]
    staff: list[StaffOut]
    equipment: list[EquipmentOut]
    attachments: list[AttachmentOut]
    evaluations: list[EvaluationOut]

    @staticmethod
    def resolve_problems(obj):
        return filing_problems(obj) if obj.can_edit() else None

    @staticmethod
    def resolve_occupations(obj):
        return obj.occupations.select_related("occupation", "work_type")

    @staticmethod
    def resolve_staff(obj):
        return obj.staff.select_related("occupation")

    @staticmethod
    def resolve_evaluations(obj):
        return obj.evaluations.select_related("recorded_by")


Money = str | int | float | None
Count = str | int | None


class ApplicationUpdateIn(Schema):
    """The filing form's fields; send only those to change. Money in 万元; the service
    checks every value and names the field it refuses."""

    enterprise_name: str | None = None
    registered_address: str | None = None
    uscc: str | None = None
    registration_authority: str | None = None
    registered_capital: Money = Field(None, description="注册资本（万元）")
    business_scope: str | None = None
    nature: str | None = Field(None, description="单位性质：" + "、".join(Nature.values))
    total_assets: Money = Field(None, description="上年度资产总额（万元）")
    payroll_total: Money = Field(None, description="上年度职工工资总额（万元）")
    revenue: Money = Field(None, description="上年度销售、营业总额（万元）")
    training_fund_extracted: Money = Field(None, description="上年度职工教育经费提取数额（万元）")
    training_fund_for_skills: Money = Field(None, description="其中用于技能人才培养（万元）")
    technical_workers: Count = None
    senior_workers: Count = None
    technicians: Count = None
    senior_technicians: Count = None
    principal_name: str | None = None
    principal_title: str | None = None
    principal_phone: str | None = None
    principal_email: str | None = None
    contact_name: str | None = None
    contact_title: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    hr_systems: str | None = None
    training_fund_usage: str | None = None
    training_department: str | None = None
    strengths: str | None = None
    site_description: str | None = None
    it_and_video: str | None = None
    adjustment_reason: str | None = None
    pledge_signatory: str | None = None
    pledge_accepted: bool | None = Field(None, description="诚信承诺")


class OccupationLineIn(Schema):
    occupation_code: str = Field(..., max_length=20, description="职业编码，如 6-18-01-01")
    work_type_code: str = Field("", max_length=24, description="工种编码（可不填）")
    levels: list[int] = Field(..., description="认定等级代码 1（一级/高级技师）至 5（五级/初级工）")
    change: FilingOccupation.Change = Field(FilingOccupation.Change.ADD,
                                            description="调整方式（仅职业范围调整）：add 新增，remove 取消")
    standard_kind: StandardKind = StandardKind.NATIONAL
    standard_name: str = Field("", max_length=200)
    question_bank: QuestionBank = QuestionBank.NATIONAL
    question_bank_note: str = Field("", max_length=200)


class StaffIn(Schema):
    role: StaffMember.Role
    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=40, description="居民身份证号码（18位，校验位按 GB 11643）")
    unit: str = Field("", max_length=100)
    title: str = Field("", max_length=100)
    education: str = Field("", max_length=30)
    duty: str = Field("", max_length=200)
    occupation_code: str = Field("", max_length=20, description="考评职业编码（考评员必填）")
    levels: list[int] = Field(default_factory=list, description="可考评等级代码（考评员必填）")


class EquipmentIn(Schema):
    name: str = Field(..., max_length=100)
    brand: str = Field("", max_length=50)
    model: str = Field("", max_length=100)
    quantity: int = Field(1, ge=1, le=1_000_000)
    ownership: str = Field("", max_length=50)


MATERIAL_CATEGORIES = "、".join(f"{c.value} {c.label}" for c in MaterialCategory)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=4000)


class CommentIn(Schema):
    comment: str = Field("", max_length=2000)


class ExpertEvaluationIn(Schema):
    experts: str = Field(..., max_length=300, description="评估专家，多名用顿号分隔")
    form: ExpertEvaluation.Form = Field(..., description="remote 远程评估，on_site 现场评估")
    evaluated_on: dt.date
    opinions: str = Field(..., max_length=8000, description="专家技术评估意见")
    conclusion: ExpertEvaluation.Conclusion = Field(..., description="pass 具备自主评价条件，fail 不具备")


class ApproveIn(Schema):
    filing_number: str | None = Field(None, max_length=13, description="备案号（13位）；不填则使用系统建议的下一个号码")
    serial_start: int | None = Field(None, description="证书号段起（备案申请必填）")
    serial_end: int | None = Field(None, description="证书号段止（备案申请必填）")
    valid_from: dt.date | None = Field(None, description="备案有效期起（备案申请必填）")
    valid_until: dt.date | None = Field(None, description="备案有效期至（备案申请必填）")
    comment: str = Field("", max_length=2000, description="审批意见")
