"""Evaluation batches (认定批次): the announcement, the candidates' applications
(SD att.1), the eligibility rules and verdicts, the organisation's review and
commitment (SD att.3), and the plan filed with the authority (SD att.2)
(DOMAIN.md §3.4–3.5, §7)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval.core.crypto import ProtectedIdNumberField
from skilleval.core.models import BaseModel
from skilleval.core.validators import mask_id_number


class Method(models.TextChoices):
    """The seeds' evaluation methods [HF 11, TJ 4, SD 4(3), HS 9]."""

    EXAM = "exam", _("考核认定（理论+实操+综合评审）")
    COMBINED = "combined", _("考评结合")
    PROCESS = "process", _("过程化考核")
    MODULAR = "modular", _("模块化考核")
    PERFORMANCE = "performance", _("业绩评审")
    DIRECT = "direct", _("直接认定")
    COMPETITION = "competition", _("竞赛选拔")


# Methods that need no exam: they produce a result from their own records [HF 11(4)].
METHODS_WITHOUT_EXAM = frozenset({Method.PERFORMANCE, Method.DIRECT, Method.COMPETITION})


class BatchKind(models.TextChoices):
    """What a batch evaluates: occupation levels, or one special vocational ability
    (专项职业能力考核, "技能人才评价的重要补充" [seed 004 (二)、(十)])."""

    LEVEL = "level", _("职业技能等级认定")
    SPECIAL = "special", _("专项职业能力考核")


class Education(models.TextChoices):
    """What the eligibility template asks of education (DOMAIN.md §7)."""

    NONE = "", _("无要求")
    TECHNICAL_SCHOOL = "technical_school", _("技工学校（或经评估的中职）本专业毕业")
    SENIOR_TECHNICAL = "senior_technical", _("高级技工学校、技师学院（或经评估的高职）本专业毕业")
    COLLEGE = "college", _("大专及以上本专业或相关专业毕业")


class EligibilityRule(BaseModel):
    """One way to qualify for a level ("or" between rows of the same level). Rules with
    no occupation are the default template; an occupation's own rows replace it."""

    occupation = models.ForeignKey(
        "catalog.Occupation", verbose_name=_("职业"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="eligibility_rules", help_text=_("留空为通用模板"),
    )
    level = models.PositiveSmallIntegerField(_("申报等级代码"))
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    required_certificate_level = models.PositiveSmallIntegerField(
        _("须持有的本职业证书等级代码"), null=True, blank=True)
    min_years = models.DecimalField(_("本职业（相关职业）工作年限不少于（年）"), max_digits=4, decimal_places=1, default=0)
    education = models.CharField(_("学历要求"), max_length=20, choices=Education.choices, blank=True)
    apprenticeship = models.BooleanField(_("学徒期满"), default=False)
    preparatory_technician = models.BooleanField(_("预备技师证书"), default=False)
    label = models.CharField(_("条件表述"), max_length=200)

    class Meta:
        verbose_name = _("申报条件")
        verbose_name_plural = _("申报条件")
        ordering = ["occupation__code", "-level", "order"]

    def __str__(self) -> str:
        return self.label


class Batch(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ANNOUNCED = "announced", _("已发布公告")
        PLAN_FILED = "plan_filed", _("计划已报备")
        PLAN_RETURNED = "plan_returned", _("计划被退回")
        PLAN_CONFIRMED = "plan_confirmed", _("计划已确认")
        CANCELLED = "cancelled", _("已取消")

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="batches")
    code = models.CharField(_("批次编号"), max_length=30, unique=True)
    kind = models.CharField(_("评价类型"), max_length=10, choices=BatchKind.choices, default=BatchKind.LEVEL,
                            db_index=True)
    name = models.CharField(_("批次名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    registration_opens = models.DateField(_("报名开始日期"))
    registration_closes = models.DateField(_("报名截止日期"))
    first_exam_date = models.DateField(_("评价开始日期"))
    last_exam_date = models.DateField(_("评价结束日期"))
    sites = models.TextField(_("评价地点"))
    candidate_scope = models.TextField(_("报名对象"), blank=True,
                                       help_text=_("如：本企业在岗职工、劳务派遣人员、校企合作学生"))
    content = models.TextField(_("评价内容"), blank=True)
    eligibility_notes = models.TextField(_("申报条件说明"), blank=True)
    contact = models.CharField(_("联系人及电话"), max_length=100)
    announced_at = models.DateTimeField(_("公告发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    # Review commitment (SD att.3)
    commitment_signed_by = models.CharField(_("审核承诺书负责人"), max_length=50, blank=True)
    commitment_signed_at = models.DateTimeField(_("承诺书签署时间"), null=True, blank=True)

    # The assessment plan (SD att.2) and its filing
    plan = models.JSONField(_("考核方案"), default=dict, blank=True)
    plan_filed_at = models.DateTimeField(_("计划报备时间"), null=True, blank=True)
    plan_filed_on = models.DateField(_("计划报备日期"), null=True, blank=True)
    plan_jurisdiction = models.ForeignKey(
        "catalog.Jurisdiction", verbose_name=_("计划报备辖区"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+")
    plan_copy_to_province = models.BooleanField(_("同时报省级"), default=False)
    plan_decided_at = models.DateTimeField(_("计划确认/退回时间"), null=True, blank=True)
    plan_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    plan_return_reason = models.TextField(_("计划退回理由"), blank=True)

    class Meta:
        verbose_name = _("认定批次")
        verbose_name_plural = _("认定批次")
        ordering = ["-first_exam_date", "-pk"]
        constraints = [
            models.CheckConstraint(name="batch_registration_window_ordered",
                                   condition=models.Q(registration_closes__gte=models.F("registration_opens"))),
            models.CheckConstraint(name="batch_exam_dates_ordered",
                                   condition=models.Q(last_exam_date__gte=models.F("first_exam_date"))),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, None

    @property
    def is_special_assessment(self) -> bool:
        """A special vocational ability assessment: one module, no level, a proof of
        ability instead of a level certificate. Every difference branches on this."""
        return self.kind == BatchKind.SPECIAL

    def registration_open(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.ANNOUNCED and self.registration_opens <= today <= self.registration_closes

    def can_edit(self) -> bool:
        return self.status == self.Status.DRAFT

    def can_announce(self) -> bool:
        return self.status == self.Status.DRAFT

    def can_review(self) -> bool:
        return self.status in (self.Status.ANNOUNCED, self.Status.PLAN_RETURNED)

    def can_file_plan(self) -> bool:
        return self.status in (self.Status.ANNOUNCED, self.Status.PLAN_RETURNED)

    def can_decide_plan(self) -> bool:
        return self.status == self.Status.PLAN_FILED


class BatchItem(BaseModel):
    """One occupation (work type) x level evaluated in a batch, with its method,
    content weights and pass mark."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    occupation = models.ForeignKey("catalog.Occupation", verbose_name=_("职业"), on_delete=models.PROTECT)
    work_type = models.ForeignKey("catalog.WorkType", verbose_name=_("工种"), null=True, blank=True,
                                  on_delete=models.PROTECT)
    level = models.ForeignKey("catalog.Level", verbose_name=_("等级"), null=True, blank=True, on_delete=models.PROTECT,
                              help_text=_("专项职业能力考核不设等级"))
    special_ability = models.ForeignKey("catalog.SpecialAbility", verbose_name=_("专项职业能力"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="batch_items")
    method = models.CharField(_("评价方式"), max_length=20, choices=Method.choices, default=Method.EXAM)
    theory_weight = models.PositiveSmallIntegerField(_("理论知识权重（%）"), default=0)
    practical_weight = models.PositiveSmallIntegerField(_("操作技能权重（%）"), default=0)
    review_weight = models.PositiveSmallIntegerField(_("综合评审/业绩权重（%）"), default=0)
    pass_mark = models.PositiveSmallIntegerField(_("各模块合格分数线"), default=60)
    modules = models.JSONField(_("考核模块"), default=list, blank=True,
                               help_text=_("模块化考核：[{\"name\": \"通用技能\", \"mandatory\": true}, …]"))
    exam_date = models.DateField(_("考核日期"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("计划人数"), null=True, blank=True)

    class Meta:
        verbose_name = _("批次职业等级")
        verbose_name_plural = _("批次职业等级")
        ordering = ["occupation__code", "-level__code"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "occupation", "work_type", "level"], nulls_distinct=False,
                                    name="batch_item_unique"),
            models.CheckConstraint(name="batch_item_pass_mark_range", condition=models.Q(pass_mark__lte=100)),
            models.CheckConstraint(name="batch_item_level_or_special_ability",
                                   condition=models.Q(level__isnull=True, special_ability__isnull=False)
                                   | models.Q(level__isnull=False, special_ability__isnull=True)),
        ]

    def __str__(self) -> str:
        if self.special_ability_id:
            return f"{self.special_ability.name}（{BatchKind.SPECIAL.label}）"
        name = self.work_type.name if self.work_type_id else self.occupation.name
        return f"{name} {self.level}"

    @property
    def level_label(self) -> str:
        """The level as shown in lists and tables; a special ability has none."""
        return str(self.level) if self.level_id else str(BatchKind.SPECIAL.label)


class Application(BaseModel):
    """A candidate's application (职业技能等级认定申报表, SD att.1): one occupation per
    batch, matching the candidate's current post."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("退回修改")
        ACCEPTED = "accepted", _("审核通过")
        REJECTED = "rejected", _("审核不通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Route(models.TextChoices):
        NORMAL = "normal", _("正常申报")
        SKIP_LEVEL = "skip_level", _("越级申报")
        EXCEPTIONAL = "exceptional", _("破格申报")
        COMPETITION = "competition", _("竞赛选拔")

    class Source(models.TextChoices):
        ONLINE = "online", _("网上报名")
        IMPORT = "import", _("单位导入")

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="applications")
    item = models.ForeignKey(BatchItem, verbose_name=_("申报职业等级"), on_delete=models.PROTECT,
                             related_name="applications")
    person = models.ForeignKey("accounts.Person", on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.ONLINE)
    number = models.CharField(_("报名号"), max_length=30, unique=True)

    # SD att.1, as the candidate filled it in
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("文化程度"), max_length=30)
    major = models.CharField(_("所学专业"), max_length=100, blank=True)
    graduated_on = models.DateField(_("毕业时间"), null=True, blank=True)
    school_kind = models.CharField(_("毕业院校类别"), max_length=20, choices=Education.choices, blank=True)
    major_matches = models.BooleanField(_("所学专业与申报职业相同或相关"), default=False)
    work_started_on = models.DateField(_("参加工作时间"))
    political_status = models.CharField(_("政治面貌"), max_length=20, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20)
    current_post = models.CharField(_("现从事岗位"), max_length=100)
    post_occupation = models.ForeignKey(
        "catalog.Occupation", verbose_name=_("现岗位对应职业"), on_delete=models.PROTECT, related_name="+")
    years_in_occupation = models.DecimalField(_("本职业（岗位）年限"), max_digits=4, decimal_places=1)
    work_type_direction = models.CharField(_("工种方向"), max_length=50, blank=True)
    apprenticeship_completed = models.BooleanField(_("学徒期满"), default=False)
    requested_route = models.CharField(_("申报类别"), max_length=12, choices=Route.choices, default=Route.NORMAL)
    condition_text = models.CharField(_("具体申报条件"), max_length=300, blank=True)
    work_history = models.TextField(_("工作简历"), blank=True)
    commitment_signed = models.BooleanField(_("个人承诺（工作年限书面承诺）"), default=False)
    commitment_signed_at = models.DateTimeField(_("承诺时间"), null=True, blank=True)
    photo = models.FileField(_("照片"), upload_to="applications/photos/%Y/", blank=True)
    id_scan = models.FileField(_("身份证件"), upload_to="applications/ids/%Y/", blank=True)
    education_proof = models.FileField(_("学历证明"), upload_to="applications/education/%Y/", blank=True)

    # The engine's verdict
    eligible = models.BooleanField(_("符合申报条件"), default=False)
    route = models.CharField(_("认定路径"), max_length=12, choices=Route.choices, blank=True)
    rule_label = models.CharField(_("符合的条件"), max_length=300, blank=True)
    reasons = models.JSONField(_("不符合的原因"), default=list, blank=True)
    flags = models.JSONField(_("需核实的问题"), default=list, blank=True)
    evaluated_at = models.DateTimeField(_("判定时间"), null=True, blank=True)
    personal_data_purged_at = models.DateTimeField(_("个人信息清除时间"), null=True, blank=True, editable=False)

    # Review
    review_reason = models.TextField(_("审核意见"), blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("认定申报")
        verbose_name_plural = _("认定申报")
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "person"], condition=~models.Q(status="withdrawn"),
                                    name="application_one_open_per_person_and_batch",
                                    violation_error_message=_("同一人在同一批次只能申报一个职业（工种）。")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.batch.organisation_id, None

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.person.id_number)

    def can_review(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.RETURNED) and self.batch.can_review()

    def can_edit(self) -> bool:
        return self.status == self.Status.RETURNED and self.batch.can_review()


class HeldCertificate(BaseModel):
    """A certificate the candidate already holds (申报表：现有技能或专业技术类证书情况)."""

    class Kind(models.TextChoices):
        QUALIFICATION = "qualification", _("职业资格")
        SKILL_LEVEL = "skill_level", _("技能等级")
        PROFESSIONAL = "professional", _("专业技术")
        PREPARATORY = "preparatory", _("预备技师")
        OTHER = "other", _("其它")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(_("证书类别"), max_length=20, choices=Kind.choices)
    occupation = models.ForeignKey("catalog.Occupation", verbose_name=_("职业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("等级代码"), null=True, blank=True)
    number = models.CharField(_("证书编号"), max_length=40, blank=True)
    issued_on = models.DateField(_("发证时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("已有证书")
        verbose_name_plural = _("已有证书")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Award(BaseModel):
    """An award or competition placing that can ground an exceptional route [HF 13, HS 9.4]."""

    class Tier(models.TextChoices):
        CITY = "city", _("市级")
        PROVINCIAL = "provincial", _("省级（省部级、中央企业）")
        NATIONAL = "national", _("国家级")

    class Kind(models.TextChoices):
        HONOUR = "honour", _("劳动奖章、劳动模范、技术能手、技能大师工作室带头人等")
        COMPETITION = "competition", _("职业技能竞赛名次")
        INNOVATION = "innovation", _("技术改造、工艺革新、技术攻关成果")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="awards")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    tier = models.CharField(_("级别"), max_length=12, choices=Tier.choices)
    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年份"))
    rank = models.PositiveSmallIntegerField(_("竞赛名次"), null=True, blank=True)
    filed_competition = models.BooleanField(_("经人社部门备案的竞赛"), default=False)

    class Meta:
        verbose_name = _("奖励荣誉")
        verbose_name_plural = _("奖励荣誉")

    def __str__(self) -> str:
        return self.name


class BatchStaff(BaseModel):
    """The proctor/examiner/supervisor roster filed with the plan. Roles never overlap
    within a batch (DOMAIN.md §4)."""

    class Role(models.TextChoices):
        HEAD = "head", _("主考")
        PROCTOR = "proctor", _("监考人员")
        EXAMINER = "examiner", _("考评员")
        SUPERVISOR = "supervisor", _("质量督导员")

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(_("职责"), max_length=12, choices=Role.choices)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = ProtectedIdNumberField(_("身份证号"), plain_length=18)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        verbose_name = _("考务人员")
        verbose_name_plural = _("考务人员")
        ordering = ["role", "pk"]
        constraints = [models.UniqueConstraint(fields=["batch", "id_number"], name="batch_staff_one_role")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)
