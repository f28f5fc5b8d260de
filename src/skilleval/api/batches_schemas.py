"""Schemas of the evaluation batch endpoints (/api/v1/batches/...).

Outputs read the models through field aliases (a dotted path follows relations, a
method without arguments is called, a path through an unset relation gives None);
resolvers remain where there is logic or the request is needed. Inputs only parse
types and choices, as the UI's forms do (batches/forms.py); every business rule
stays in batches/services.py, whose errors name the input field."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from skilleval.accounts.access import Perm
from skilleval.batches.models import Application, Award, BatchStaff, Education, HeldCertificate, Method
from skilleval.batches.selectors import application_counts
from skilleval.batches.services import PLAN_HEADINGS


class _Out(Schema):
    """Every output field is always in the response: the OpenAPI marks each one required,
    also those whose default None stands for an optional relation that is not set."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


def _actor(context):
    return context["request"].actor


# ---------------------------------------------------------------------------------------------
# Batches and their items


class ModuleOut(_Out):
    name: str
    mandatory: bool


class BatchItemOut(_Out):
    id: int
    label: str = Field(description="职业（工种）及等级，如“车工 五级/初级工”")
    occupation_code: str = Field(alias="occupation.code")
    occupation_name: str = Field(alias="occupation.name")
    work_type_code: str | None = Field(None, alias="work_type.code")
    work_type_name: str | None = Field(None, alias="work_type.name")
    level_code: int | None = Field(None, alias="level.code", description="专项职业能力考核为空")
    level_name: str | None = Field(None, alias="level.name")
    method: str
    method_display: str = Field(alias="get_method_display")
    theory_weight: int
    practical_weight: int
    review_weight: int
    pass_mark: int
    modules: list[ModuleOut]
    exam_date: dt.date | None
    capacity: int | None

    @staticmethod
    def resolve_label(obj):
        return str(obj)


class BatchOut(_Out):
    id: int
    code: str
    name: str
    kind: str = Field(description="level 职业技能等级认定；special 专项职业能力考核")
    status: str
    status_display: str = Field(alias="get_status_display")
    organisation_id: int
    organisation_name: str = Field(alias="organisation.name")
    registration_opens: dt.date
    registration_closes: dt.date
    first_exam_date: dt.date
    last_exam_date: dt.date
    announced_at: dt.datetime | None
    plan_filed_on: dt.date | None
    registration_open: bool = Field(description="已发布公告且今天在报名时间内")  # the model's method


class BatchDetailOut(BatchOut):
    sites: str
    candidate_scope: str
    content: str
    eligibility_notes: str
    contact: str
    created_at: dt.datetime
    items: list[BatchItemOut]
    # The organisation's review commitment and the plan's filing
    commitment_signed_by: str
    commitment_signed_at: dt.datetime | None
    plan_filed_at: dt.datetime | None
    plan_jurisdiction_code: str | None = Field(None, alias="plan_jurisdiction.code")
    plan_authority_name: str | None = Field(None, alias="plan_jurisdiction.authority_name")
    plan_copy_to_province: bool
    plan_decided_at: dt.datetime | None
    plan_decided_by: str | None = Field(None, alias="plan_decided_by.get_full_name")
    plan_return_reason: str
    # What the state allows (the service still decides)
    can_edit: bool = Field(description="草稿：可修改基本信息、增减评价职业")
    can_announce: bool
    can_review: bool = Field(description="可审核报名、签署承诺书")
    can_file_plan: bool
    can_decide_plan: bool = Field(description="已报备，等待人社部门确认或退回")
    counts: dict[str, int] | None = Field(
        description="各审核状态的报名人数（仅机构人员和人社部门可见，考生为 null）")
    my_application_id: int | None = Field(description="考生本人在本批次未撤回的报名")

    @staticmethod
    def resolve_items(obj):
        return obj.items.select_related("occupation", "work_type", "level")

    @staticmethod
    def resolve_counts(obj, context):
        return application_counts(obj) if _actor(context).has(Perm.BATCH_VIEW) else None

    @staticmethod
    def resolve_my_application_id(obj, context):
        actor = _actor(context)
        if actor.person_id is None:
            return None
        return obj.applications.filter(person_id=actor.person_id).exclude(
            status=Application.Status.WITHDRAWN).values_list("pk", flat=True).first()


class BatchIn(Schema):
    name: str = Field(..., max_length=100, description="批次名称")
    registration_opens: dt.date = Field(..., description="报名开始日期")
    registration_closes: dt.date = Field(..., description="报名截止日期")
    first_exam_date: dt.date = Field(..., description="评价开始日期（应晚于报名截止日期）")
    last_exam_date: dt.date = Field(..., description="评价结束日期")
    sites: str = Field(..., max_length=2000, description="评价地点")
    candidate_scope: str = Field("", max_length=2000, description="报名对象，如：本企业在岗职工、劳务派遣人员")
    content: str = Field("", max_length=4000, description="评价内容")
    eligibility_notes: str = Field("", max_length=4000, description="申报条件说明")
    contact: str = Field(..., max_length=100, description="联系人及电话")


class BatchUpdateIn(Schema):
    """Send only the fields to change; null is the same as leaving the field out."""

    name: str | None = Field(None, max_length=100)
    registration_opens: dt.date | None = None
    registration_closes: dt.date | None = None
    first_exam_date: dt.date | None = None
    last_exam_date: dt.date | None = None
    sites: str | None = Field(None, max_length=2000)
    candidate_scope: str | None = Field(None, max_length=2000)
    content: str | None = Field(None, max_length=4000)
    eligibility_notes: str | None = Field(None, max_length=4000)
    contact: str | None = Field(None, max_length=100)


class ModuleIn(Schema):
    name: str = Field(..., max_length=50)
    mandatory: bool = False


class BatchItemIn(Schema):
    occupation_code: str = Field(..., max_length=20, description="职业编码（须在本单位备案的职业范围内），如 6-18-01-01")
    work_type_code: str = Field("", max_length=24, description="工种编码（可不填）")
    level_code: int = Field(..., description="等级代码 1（一级/高级技师）至 5（五级/初级工）")
    method: Method = Field(..., description="评价方式")
    theory_weight: int = Field(0, description="理论知识权重（%）；考核类方式三项之和应为100")
    practical_weight: int = Field(0, description="操作技能权重（%）")
    review_weight: int = Field(0, description="综合评审/业绩权重（%）")
    pass_mark: int | None = Field(None, description="各模块合格分数线；不填使用辖区默认")
    modules: list[ModuleIn] = Field(default_factory=list, description="考核模块（模块化考核须至少一个必考模块）")
    exam_date: dt.date | None = Field(None, description="考核日期（应在评价期间内）")
    capacity: int | None = Field(None, description="计划人数")


# ---------------------------------------------------------------------------------------------
# Applications


class CertificateOut(_Out):
    id: int
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    occupation_code: str | None = Field(None, alias="occupation.code")
    occupation_name: str | None = Field(None, alias="occupation.name")
    level: int | None
    number: str
    issued_on: dt.date | None


class AwardOut(_Out):
    id: int
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    tier: str
    tier_display: str = Field(alias="get_tier_display")
    name: str
    year: int
    rank: int | None
    filed_competition: bool


class ApplicationOut(_Out):
    id: int
    number: str = Field(description="报名号")
    batch_id: int
    status: str
    status_display: str = Field(alias="get_status_display")
    source: str
    source_display: str = Field(alias="get_source_display")
    name: str
    id_number: str = Field(alias="masked_id_number", description="脱敏显示：前3位与后4位")
    item_id: int
    item_label: str
    occupation_code: str = Field(alias="item.occupation.code")
    level_code: int | None = Field(None, alias="item.level.code", description="专项职业能力考核为空")
    # The eligibility engine's verdict
    eligible: bool = Field(description="符合申报条件")
    route: str = Field(description="认定路径：normal 正常、skip_level 越级、exceptional 破格、competition 竞赛；不符合时为空")
    route_display: str = Field(alias="get_route_display")
    rule_label: str = Field(description="符合的条件")
    reasons: list[str] = Field(description="不符合的原因")
    flags: list[str] = Field(description="需人工核实的问题")
    created_at: dt.datetime
    reviewed_at: dt.datetime | None

    @staticmethod
    def resolve_item_label(obj):
        return str(obj.item)


class ApplicationDetailOut(ApplicationOut):
    batch_code: str = Field(alias="batch.code")
    batch_name: str = Field(alias="batch.name")
    organisation_name: str = Field(alias="batch.organisation.name")
    # SD att.1 as the candidate filled it in
    id_type_code: str = Field(alias="person.id_type.code")
    sex: str
    birth_date: dt.date
    education: str
    major: str
    graduated_on: dt.date | None
    school_kind: str
    major_matches: bool
    work_started_on: dt.date
    political_status: str
    phone: str
    current_post: str
    post_occupation_code: str = Field(alias="post_occupation.code")
    years_in_occupation: Decimal
    work_type_direction: str
    apprenticeship_completed: bool
    requested_route: str
    condition_text: str
    work_history: str
    commitment_signed: bool
    commitment_signed_at: dt.datetime | None
    certificates: list[CertificateOut]
    awards: list[AwardOut]
    evaluated_at: dt.datetime | None
    # Review
    review_reason: str
    reviewed_by: str | None = Field(None, alias="reviewed_by.get_full_name")
    can_review: bool = Field(description="批次与报名的状态是否允许审核")  # the model's method

    @staticmethod
    def resolve_certificates(obj):
        return obj.certificates.select_related("occupation")


class CertificateIn(Schema):
    kind: HeldCertificate.Kind = Field(..., description="证书类别")
    occupation_code: str = Field("", max_length=20, description="证书的职业编码")
    level: int | None = Field(None, ge=1, le=5, description="证书等级代码 1–5")
    number: str = Field("", max_length=40, description="证书编号")
    issued_on: dt.date | None = Field(None, description="发证时间")


class AwardIn(Schema):
    kind: Award.Kind = Field(Award.Kind.HONOUR, description="类别")
    tier: Award.Tier = Field(..., description="级别")
    name: str = Field("", max_length=200, description="名称")
    year: int | None = Field(None, ge=1950, le=2100, description="年份")
    rank: int | None = Field(None, ge=1, le=1000, description="竞赛名次")
    filed_competition: bool = Field(False, description="经人社部门备案的竞赛")


Route = Literal["normal", "exceptional"]  # what the candidate may ask for, as in the UI's form


class _ApplicationFields(Schema):
    name: str = Field(..., max_length=50, description="姓名")
    education: str = Field(..., max_length=30, description="文化程度，如：高中、中专、大专、本科")
    work_started_on: dt.date = Field(..., description="参加工作时间")
    years_in_occupation: Decimal = Field(..., description="本职业（岗位）年限，0–60")
    phone: str = Field(..., max_length=20, description="联系电话")
    current_post: str = Field(..., max_length=100, description="现从事岗位")
    post_occupation_code: str = Field(..., max_length=20, description="现岗位对应职业编码，应与申报职业一致")
    sex: Literal["M", "F", ""] = Field("", description="性别（非居民身份证必填；居民身份证按号码）")
    birth_date: dt.date | None = Field(None, description="出生日期（非居民身份证必填）")
    major: str = Field("", max_length=100, description="所学专业")
    graduated_on: dt.date | None = Field(None, description="毕业时间")
    school_kind: Education = Field(Education.NONE, description="毕业院校类别")
    major_matches: bool = Field(False, description="所学专业与申报职业相同或相关")
    political_status: str = Field("", max_length=20, description="政治面貌")
    work_type_direction: str = Field("", max_length=50, description="工种方向")
    apprenticeship_completed: bool = Field(False, description="学徒期满")
    requested_route: Route = Field("normal", description="申报类别：normal 正常申报，exceptional 破格申报")
    condition_text: str = Field("", max_length=300, description="具体申报条件")
    work_history: str = Field("", max_length=4000, description="工作简历及奖励、荣誉、成果")
    commitment_signed: bool = Field(False, description="个人承诺（含工作年限书面承诺），须为 true")
    certificates: list[CertificateIn] = Field(default_factory=list, description="现有技能或专业技术类证书")
    awards: list[AwardIn] = Field(default_factory=list, description="奖励荣誉、竞赛名次（破格申报的依据）")


class ApplicationIn(_ApplicationFields):
    """The application form (SD att.1). Photo, ID scan and education proof are uploaded
    on the registration page only."""

    item: int = Field(..., description="申报的评价职业等级：批次 items[].id")
    id_type_code: str = Field("201", max_length=3, description="证件类型代码（201 居民身份证）；须为本人证件")
    id_number: str = Field(..., max_length=40, description="证件号码；须为本人证件")


class ApplicationUpdateIn(Schema):
    """A returned application's corrections: send only the fields to change (the others
    keep their values; certificates and awards, when sent, replace the lists). The
    identity document stays the candidate's own."""

    item: int | None = None
    name: str | None = Field(None, max_length=50)
    education: str | None = Field(None, max_length=30)
    work_started_on: dt.date | None = None
    years_in_occupation: Decimal | None = None
    phone: str | None = Field(None, max_length=20)
    current_post: str | None = Field(None, max_length=100)
    post_occupation_code: str | None = Field(None, max_length=20)
    sex: Literal["M", "F", ""] | None = None
    birth_date: dt.date | None = None
    major: str | None = Field(None, max_length=100)
    graduated_on: dt.date | None = None
    school_kind: Education | None = None
    major_matches: bool | None = None
    political_status: str | None = Field(None, max_length=20)
    work_type_direction: str | None = Field(None, max_length=50)
    apprenticeship_completed: bool | None = None
    requested_route: Route | None = None
    condition_text: str | None = Field(None, max_length=300)
    work_history: str | None = Field(None, max_length=4000)
    commitment_signed: bool | None = None
    certificates: list[CertificateIn] | None = None
    awards: list[AwardIn] | None = None


class ReviewIn(Schema):
    decision: Literal["accept", "return", "reject"] = Field(
        ..., description="accept 审核通过，return 退回修改，reject 审核不通过")
    reason: str = Field("", max_length=2000, description="审核意见（退回或不通过必填）")


class ImportStartedOut(Schema):
    job_id: int
    status: str
    progress_url: str = Field(description="GET 此地址查看导入进度与结果（/api/v1/jobs/{id}）")


# ---------------------------------------------------------------------------------------------
# Commitment, roster and plan


class CommitmentIn(Schema):
    signatory: str = Field(..., max_length=50, description="负责人姓名")


class StaffOut(_Out):
    id: int
    role: str
    role_display: str = Field(alias="get_role_display")
    name: str
    id_number: str = Field(alias="masked_id_number", description="脱敏显示：前3位与后4位")


class StaffIn(Schema):
    role: BatchStaff.Role = Field(..., description="head 主考，proctor 监考，examiner 考评员，supervisor 质量督导员")
    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=18, description="居民身份证号码")


class HeadingOut(Schema):
    key: str
    label: str


PLAN_HEADING_LIST = [{"key": key, "label": label} for key, label in PLAN_HEADINGS]

_HEADING = dict(PLAN_HEADINGS)


class PlanIn(Schema):
    """考核方案的九部分正文（按标题键，与 PLAN_HEADINGS 一致）；未提交的部分保存为空。"""

    occupations: str = Field("", max_length=5000, description=_HEADING["occupations"])
    eligibility: str = Field("", max_length=5000, description=_HEADING["eligibility"])
    time_place: str = Field("", max_length=5000, description=_HEADING["time_place"])
    content_method: str = Field("", max_length=5000, description=_HEADING["content_method"])
    candidates: str = Field("", max_length=5000, description=_HEADING["candidates"])
    rooms: str = Field("", max_length=5000, description=_HEADING["rooms"])
    staff: str = Field("", max_length=5000, description=_HEADING["staff"])
    emergency: str = Field("", max_length=5000, description=_HEADING["emergency"])
    contact: str = Field("", max_length=5000, description=_HEADING["contact"])


class PlanOut(Schema):
    headings: list[HeadingOut]
    texts: dict[str, str] = Field(description="各部分正文（按标题键）：已保存的方案，未保存的部分为系统起草稿")
    saved: bool = Field(description="已保存过考核方案")
    status: str
    problems: list[str] | None = Field(
        description="本单位可报备时：尚不能报备的原因，空列表表示可以报备；其他情况为 null")
    lead_workdays: int = Field(description="须在评价实施前至少报备的工作日数")
    latest_filing_date: dt.date = Field(description="最晚报备日")
    earliest_exam_date_if_filed_today: dt.date = Field(description="今天报备时最早可开始评价的日期")
    plan_filed_on: dt.date | None
    plan_return_reason: str


class ReasonIn(Schema):
    reason: str = Field(..., max_length=4000)
