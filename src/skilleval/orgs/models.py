"""Evaluation organisations (评价机构/备案企业): their filing with the HR authority,
the approved scope, scope adjustments, sanctions and termination
(DOMAIN.md §3.1–3.3; BB att.3 and TJ att.1 filing forms)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval.core.crypto import ProtectedIdNumberField
from skilleval.core.models import BaseModel
from skilleval.core.validators import mask_id_number, validate_filing_number, validate_uscc


class Nature(models.TextChoices):
    CENTRAL_SOE_BRANCH = "central_soe_branch", _("央企驻地分支机构")
    PROVINCIAL_SOE = "provincial_soe", _("省属国有企业")
    SOE = "soe", _("其他国有企业")
    FOREIGN = "foreign", _("外资企业")
    PRIVATE = "private", _("民营企业")
    OTHER = "other", _("其他")


# Central-SOE branches and provincial SOEs file with the province directly [BB 3(1)].
PROVINCE_FILED_NATURES = frozenset({Nature.CENTRAL_SOE_BRANCH, Nature.PROVINCIAL_SOE})


class Organisation(BaseModel):
    class Status(models.TextChoices):
        UNFILED = "unfiled", _("未备案")
        FILED = "filed", _("已备案")
        TERMINATED = "terminated", _("已终止")

    name = models.CharField(_("单位名称"), max_length=100)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    city = models.ForeignKey(
        "catalog.Jurisdiction", verbose_name=_("所在地"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("企业注册地所在的市（直辖市为本市）"),
    )
    nature = models.CharField(_("单位性质"), max_length=20, choices=Nature.choices, default=Nature.PRIVATE)
    jurisdiction = models.ForeignKey(
        "catalog.Jurisdiction", verbose_name=_("备案辖区"), on_delete=models.PROTECT, related_name="organisations",
        help_text=_("受理备案、实施监管的人社部门所在辖区"),
    )
    address = models.CharField(_("单位地址"), max_length=200, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.UNFILED, db_index=True)
    filing_number = models.CharField(
        _("备案号"), max_length=13, unique=True, null=True, blank=True, validators=[validate_filing_number]
    )
    filed_at = models.DateField(_("备案日期"), null=True, blank=True)
    filing_valid_from = models.DateField(_("备案有效期起"), null=True, blank=True)
    filing_valid_until = models.DateField(_("备案有效期至"), null=True, blank=True)
    cert_serial_start = models.PositiveIntegerField(_("证书号段起"), null=True, blank=True)
    cert_serial_end = models.PositiveIntegerField(_("证书号段止"), null=True, blank=True)
    last_evaluation_on = models.DateField(
        _("最近一次评价日期"), null=True, blank=True, help_text=_("由认定批次更新，用于识别连续一年以上未开展评价")
    )
    terminated_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    termination_ground = models.CharField(_("终止事由"), max_length=30, blank=True)
    termination_reason = models.TextField(_("终止说明"), blank=True)

    class Meta:
        verbose_name = _("评价机构")
        verbose_name_plural = _("评价机构")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="organisation_serial_range_ordered",
                condition=models.Q(cert_serial_start__isnull=True)
                | models.Q(cert_serial_start__gte=1, cert_serial_end__gte=models.F("cert_serial_start"),
                           cert_serial_end__lte=999999),
                violation_error_message=_("证书号段应在 000001 至 999999 之间，且起号不大于止号。"),
            ),
            models.CheckConstraint(
                name="organisation_filed_has_number",
                condition=~models.Q(status="filed") | models.Q(filing_number__isnull=False),
                violation_error_message=_("已备案机构必须有备案号。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.pk, self.jurisdiction_id

    def in_good_standing(self, today: dt.date | None = None) -> bool:
        """Filed, not terminated, and inside its validity term: may evaluate and issue."""
        today = today or timezone.localdate()
        return (
            self.status == self.Status.FILED
            and self.filing_valid_until is not None
            and self.filing_valid_until >= today
        )

    def can_create_batch(self) -> bool:
        return self.in_good_standing()

    def can_issue_certificates(self) -> bool:
        return self.in_good_standing()

    def can_apply_for_filing(self) -> bool:
        return self.status == self.Status.UNFILED

    def can_adjust_scope(self) -> bool:
        return self.in_good_standing()

    @property
    def serial_range_display(self) -> str:
        if self.cert_serial_start is None:
            return ""
        return f"{self.cert_serial_start:06d}–{self.cert_serial_end:06d}"


class ScopeItem(BaseModel):
    """One approved occupation (work type) x level of an organisation. Rows are never
    deleted: removal by a scope adjustment sets `removed_on`, which keeps the history."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="scope_items")
    occupation = models.ForeignKey("catalog.Occupation", verbose_name=_("职业"), on_delete=models.PROTECT)
    work_type = models.ForeignKey(
        "catalog.WorkType", verbose_name=_("工种"), null=True, blank=True, on_delete=models.PROTECT
    )
    level = models.ForeignKey("catalog.Level", verbose_name=_("等级"), on_delete=models.PROTECT)
    standard_kind = models.CharField(_("依据标准类型"), max_length=20, blank=True)
    standard_name = models.CharField(_("依据标准（规范）"), max_length=200, blank=True)
    added_on = models.DateField(_("纳入日期"))
    added_by_application = models.ForeignKey(
        "FilingApplication", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)
    removed_by_application = models.ForeignKey(
        "FilingApplication", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("备案职业范围")
        verbose_name_plural = _("备案职业范围")
        ordering = ["occupation__code", "work_type__code", "-level__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "occupation", "work_type", "level"],
                condition=models.Q(removed_on__isnull=True),
                name="scope_item_unique_current",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        name = self.work_type.name if self.work_type_id else self.occupation.name
        return f"{name} {self.level}"


class FilingApplication(BaseModel):
    """A filing application (备案申请) or a scope adjustment (职业范围调整), with every
    field of the seeds' filing forms. Drafts may be incomplete; submission checks."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("备案申请")
        SCOPE = "scope", _("职业范围调整")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("初审中")
        RETURNED = "returned", _("退回补正")
        EXPERT_REVIEW = "expert_review", _("专家评估中")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")

    OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.EXPERT_REVIEW)

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="applications")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.INITIAL)
    status = models.CharField(_("状态"), max_length=15, choices=Status.choices, default=Status.DRAFT, db_index=True)
    jurisdiction = models.ForeignKey(
        "catalog.Jurisdiction", verbose_name=_("受理辖区"), on_delete=models.PROTECT, related_name="applications"
    )
    reference = models.CharField(_("申请编号"), max_length=20, unique=True)

    # 一、企业基本信息 (BB att.3, TJ att.1)
    enterprise_name = models.CharField(_("企业名称"), max_length=100, blank=True)
    registered_address = models.CharField(_("注册地址"), max_length=200, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    registration_authority = models.CharField(_("注册登记机构"), max_length=100, blank=True)
    registered_capital = models.DecimalField(_("注册资本（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    business_scope = models.TextField(_("注册经营范围"), blank=True)
    nature = models.CharField(_("单位性质"), max_length=20, choices=Nature.choices, blank=True)
    total_assets = models.DecimalField(_("上年度资产总额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    payroll_total = models.DecimalField(_("上年度职工工资总额（万元）"), max_digits=14, decimal_places=2, null=True,
                                        blank=True)
    revenue = models.DecimalField(_("上年度销售、营业总额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    training_fund_extracted = models.DecimalField(_("上年度职工教育经费提取数额（万元）"), max_digits=14, decimal_places=2,
                                                  null=True, blank=True)
    training_fund_for_skills = models.DecimalField(_("其中用于技能人才培养（万元）"), max_digits=14, decimal_places=2,
                                                   null=True, blank=True)
    technical_workers = models.PositiveIntegerField(_("技术工人总数"), null=True, blank=True)
    senior_workers = models.PositiveIntegerField(_("高级工数"), null=True, blank=True)
    technicians = models.PositiveIntegerField(_("技师数"), null=True, blank=True)
    senior_technicians = models.PositiveIntegerField(_("高级技师数"), null=True, blank=True)
    principal_name = models.CharField(_("主要负责人"), max_length=50, blank=True)
    principal_title = models.CharField(_("负责人职务/职称"), max_length=50, blank=True)
    principal_phone = models.CharField(_("负责人电话"), max_length=30, blank=True)
    principal_email = models.EmailField(_("负责人电子邮箱"), blank=True)
    contact_name = models.CharField(_("工作联系人"), max_length=50, blank=True)
    contact_title = models.CharField(_("联系人职务/职称"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系人电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系人电子邮箱"), blank=True)

    # 三至六 (BB att.3), 三、四 (TJ att.1)
    hr_systems = models.TextField(_("技能人才培养、评价、使用、激励等人力资源管理制度建设情况"), blank=True)
    training_fund_usage = models.TextField(_("职工教育经费提取及使用情况"), blank=True)
    training_department = models.TextField(_("负责职工培训考核的内设机构情况"), blank=True)
    strengths = models.TextField(_("具备的组织优势、专业优势"), blank=True)
    site_description = models.TextField(_("考核场地情况"), blank=True)
    it_and_video = models.TextField(_("计算机考务管理及视频监控设备配置情况"), blank=True)
    adjustment_reason = models.TextField(_("调整理由"), blank=True)

    # 六、诚信承诺 (TJ att.1)
    pledge_accepted = models.BooleanField(_("诚信承诺"), default=False)
    pledge_signatory = models.CharField(_("法定代表人（签字）"), max_length=50, blank=True)
    pledged_at = models.DateTimeField(_("承诺时间"), null=True, blank=True)

    # Review
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    review_deadline = models.DateField(_("初审期限"), null=True, blank=True)
    review_deadline_provisional = models.BooleanField(default=False)
    initial_review_passed_at = models.DateTimeField(_("初审通过时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    returned_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decision_reason = models.TextField(_("审批意见"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("备案申请")
        verbose_name_plural = _("备案申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind"],
                condition=models.Q(status__in=["draft", "submitted", "returned", "expert_review"]),
                name="filing_one_open_application_per_kind",
                violation_error_message=_("该机构已有一份正在办理的同类申请。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.enterprise_name or self.organisation.name}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, self.jurisdiction_id

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def can_edit(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def can_submit(self) -> bool:
        return self.can_edit()

    def can_return(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.EXPERT_REVIEW)

    def can_pass_initial_review(self) -> bool:
        return self.status == self.Status.SUBMITTED

    def can_record_expert_evaluation(self) -> bool:
        return self.status == self.Status.EXPERT_REVIEW

    def can_approve(self) -> bool:
        return self.status == self.Status.EXPERT_REVIEW

    def can_reject(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.EXPERT_REVIEW)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.SUBMITTED and self.review_deadline is not None and today > self.review_deadline


class StandardKind(models.TextChoices):
    NATIONAL = "national", _("国家职业技能标准")
    INDUSTRY = "industry", _("行业企业评价规范")
    ENTERPRISE = "enterprise", _("企业评价规范（经备案）")


class QuestionBank(models.TextChoices):
    NATIONAL = "national", _("国家题库")
    PROVINCIAL = "provincial", _("省级题库")
    OWN = "own", _("行业（企业）自建题库")
    BUILDING = "building", _("题库建设中")


class FilingOccupation(BaseModel):
    """An occupation (work type) and the levels applied for, or, in a scope
    adjustment, to be added or removed."""

    class Change(models.TextChoices):
        ADD = "add", _("新增")
        REMOVE = "remove", _("取消")

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="occupations")
    occupation = models.ForeignKey("catalog.Occupation", verbose_name=_("职业"), on_delete=models.PROTECT)
    work_type = models.ForeignKey(
        "catalog.WorkType", verbose_name=_("工种"), null=True, blank=True, on_delete=models.PROTECT
    )
    levels = models.JSONField(_("认定等级（等级代码）"), default=list)
    change = models.CharField(_("调整方式"), max_length=10, choices=Change.choices, default=Change.ADD)
    standard_kind = models.CharField(_("依据标准类型"), max_length=20, choices=StandardKind.choices,
                                     default=StandardKind.NATIONAL)
    standard_name = models.CharField(_("依据的职业标准、评价规范"), max_length=200, blank=True)
    question_bank = models.CharField(_("题库资源情况"), max_length=20, choices=QuestionBank.choices,
                                     default=QuestionBank.NATIONAL)
    question_bank_note = models.CharField(_("题库说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("申请职业")
        verbose_name_plural = _("申请职业")
        ordering = ["occupation__code", "pk"]

    def __str__(self) -> str:
        return self.work_type.name if self.work_type_id else self.occupation.name

    @property
    def levels_display(self) -> str:
        from skilleval.catalog.models import Level

        names = dict(Level.objects.filter(code__in=self.levels).values_list("code", "name"))
        return "、".join(names.get(code, str(code)) for code in sorted(self.levels, reverse=True))


class StaffMember(BaseModel):
    """A person on one of the filing form's rosters (TJ att.1 五)."""

    class Role(models.TextChoices):
        FULL_TIME = "full_time", _("专职工作人员")
        EXPERT = "expert", _("专家")
        EXAMINER = "examiner", _("考评员")
        SUPERVISOR = "supervisor", _("质量督导员")

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(_("类别"), max_length=12, choices=Role.choices)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = ProtectedIdNumberField(_("身份证号"), plain_length=18)
    unit = models.CharField(_("所在单位"), max_length=100, blank=True)
    title = models.CharField(_("职务/职称/技能等级"), max_length=100, blank=True)
    education = models.CharField(_("学历"), max_length=30, blank=True)
    duty = models.CharField(_("主要工作职责/专业方向"), max_length=200, blank=True)
    occupation = models.ForeignKey(
        "catalog.Occupation", verbose_name=_("考评职业"), null=True, blank=True, on_delete=models.PROTECT
    )
    levels = models.JSONField(_("可考评等级（等级代码）"), default=list, blank=True)

    class Meta:
        verbose_name = _("人员名册")
        verbose_name_plural = _("人员名册")
        ordering = ["role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "role", "id_number"], name="staff_unique_per_roster")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class Equipment(BaseModel):
    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="equipment")
    name = models.CharField(_("名称"), max_length=100)
    brand = models.CharField(_("品牌"), max_length=50, blank=True)
    model = models.CharField(_("规格/型号"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    ownership = models.CharField(_("所有权归属"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("设施设备")
        verbose_name_plural = _("设施设备")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class MaterialCategory(models.TextChoices):
    LICENCE = "licence", _("营业执照")
    WORK_PLAN = "work_plan", _("认定工作方案")
    HR_POLICIES = "hr_policies", _("人力资源管理制度文件")
    STANDARDS = "standards", _("职业标准（规范）及题库佐证")
    ROSTERS = "rosters", _("考评督导等人员名册及佐证")
    SITES = "sites", _("场地设备、视频监控及信息系统佐证")
    NORM = "norm", _("企业评价规范（无国家标准的职业）")
    OTHER = "other", _("其他材料")


REQUIRED_MATERIALS = {
    FilingApplication.Kind.INITIAL: (
        MaterialCategory.LICENCE, MaterialCategory.WORK_PLAN, MaterialCategory.HR_POLICIES,
        MaterialCategory.STANDARDS, MaterialCategory.ROSTERS, MaterialCategory.SITES,
    ),
    FilingApplication.Kind.SCOPE: (MaterialCategory.STANDARDS, MaterialCategory.ROSTERS, MaterialCategory.SITES),
}


class Attachment(BaseModel):
    """An uploaded material. Served only through an access-checked view."""

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="attachments")
    category = models.CharField(_("材料类别"), max_length=20, choices=MaterialCategory.choices)
    file = models.FileField(_("文件"), upload_to="filings/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("类型"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["category", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ExpertEvaluation(BaseModel):
    """The expert evaluation of a filing (备案评估) [TJ 3(2)]."""

    class Form(models.TextChoices):
        REMOTE = "remote", _("远程评估")
        ON_SITE = "on_site", _("现场评估")

    class Conclusion(models.TextChoices):
        PASS = "pass", _("具备自主评价条件")
        FAIL = "fail", _("不具备自主评价条件")

    application = models.ForeignKey(FilingApplication, on_delete=models.CASCADE, related_name="evaluations")
    experts = models.CharField(_("评估专家"), max_length=300, help_text=_("多名专家用顿号分隔"))
    form = models.CharField(_("评估形式"), max_length=10, choices=Form.choices)
    evaluated_on = models.DateField(_("评估日期"))
    opinions = models.TextField(_("专家技术评估意见"))
    conclusion = models.CharField(_("评估结论"), max_length=10, choices=Conclusion.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("专家评估")
        verbose_name_plural = _("专家评估")
        ordering = ["-evaluated_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_form_display()} {self.evaluated_on}"


class Sanction(BaseModel):
    """A line of the organisation's credit record: an interview, a rectification
    order with its deadline, or the termination of the filing."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("约谈")
        RECTIFICATION = "rectification", _("限期整改")
        TERMINATION = "termination", _("终止备案")

    class Ground(models.TextChoices):
        FALSE_MATERIALS = "false_materials", _("提供虚假材料、虚假承诺或拒不履行承诺")
        VOLUNTARY_EXIT = "voluntary_exit", _("主动申请退出或举办单位法人资格终止")
        INACTIVITY = "inactivity", _("停止认定工作超过1年或场地设备、人员队伍不能满足要求")
        IRREGULAR = "irregular", _("资格审查不严、违规操作、虚假宣传、年龄偏小或一人多证")
        FAKE_CERTIFICATES = "fake_certificates", _("制发假证或其他违法违规行为")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField(_("措施"), max_length=20, choices=Kind.choices)
    ground = models.CharField(_("事由类别"), max_length=30, choices=Ground.choices, blank=True)
    description = models.TextField(_("情况说明"))
    occurred_on = models.DateField(_("日期"))
    rectification_deadline = models.DateField(_("整改期限"), null=True, blank=True)
    rectified_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    rectification_note = models.TextField(_("整改情况"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="sanction_rectification_has_deadline",
                condition=~models.Q(kind="rectification") | models.Q(rectification_deadline__isnull=False),
            ),
            models.CheckConstraint(
                name="sanction_termination_has_ground",
                condition=~models.Q(kind="termination") | ~models.Q(ground=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, None

    def is_rectification_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.kind == self.Kind.RECTIFICATION and self.rectified_on is None
            and self.rectification_deadline is not None and today > self.rectification_deadline
        )
