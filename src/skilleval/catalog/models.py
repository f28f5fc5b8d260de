"""Reference data: levels, ID document types, occupations and work types,
jurisdictions and their policy profiles (DOMAIN.md §2 and §4)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from skilleval.core.models import BaseModel


class Level(BaseModel):
    """A rung of the 8-level ladder (新八级工). Only levels 5..1 carry a certificate code."""

    rank = models.PositiveSmallIntegerField(_("阶梯序号"), unique=True, help_text=_("1 为最低（学徒工），8 为最高（首席技师）"))
    code = models.PositiveSmallIntegerField(_("证书等级代码"), unique=True, null=True, blank=True)
    name = models.CharField(_("等级名称"), max_length=20, unique=True)
    title = models.CharField(_("等级称谓"), max_length=20, blank=True)
    is_certificate_level = models.BooleanField(_("可认定发证"), default=False)
    is_high_skill = models.BooleanField(_("高技能人才"), default=False)

    class Meta:
        verbose_name = _("职业技能等级")
        verbose_name_plural = _("职业技能等级")
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"{self.name}/{self.title}" if self.title else self.name


class IDType(BaseModel):
    code = models.CharField(_("证件类型代码"), max_length=3, unique=True)
    name = models.CharField(_("证件类型名称"), max_length=50)
    is_resident_id = models.BooleanField(_("居民身份证（按 GB 11643 校验）"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("证件类型")
        verbose_name_plural = _("证件类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Occupation(BaseModel):
    """An occupation of 国家职业分类大典. Only skill-type, non-access ones may be self-evaluated."""

    code = models.CharField(_("职业编码"), max_length=20, unique=True)
    name = models.CharField(_("职业名称"), max_length=100, db_index=True)
    is_skill_type = models.BooleanField(_("技能类"), default=True)
    is_access_type = models.BooleanField(_("准入类"), default=False)
    is_sample = models.BooleanField(_("示例数据"), default=False, help_text=_("演示用示例目录，非官方数据"))

    class Meta:
        verbose_name = _("职业")
        verbose_name_plural = _("职业")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def can_self_evaluate(self) -> bool:
        return self.is_skill_type and not self.is_access_type


class WorkType(BaseModel):
    occupation = models.ForeignKey(Occupation, verbose_name=_("职业"), on_delete=models.CASCADE, related_name="work_types")
    code = models.CharField(_("工种编码"), max_length=24, unique=True)
    name = models.CharField(_("工种名称"), max_length=100)

    class Meta:
        verbose_name = _("工种")
        verbose_name_plural = _("工种")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SpecialAbility(BaseModel):
    """A special vocational ability (专项职业能力): the smallest employable skill unit
    (最小技能单元/模块) of an occupation area, assessed against its norm (专项职业能力考核规范)
    once a city-level HR authority has filed that norm [seed 004 (十)]. One module,
    one pass mark; passing earns a proof of ability (专项职业能力证书), not a level."""

    code = models.CharField(_("专项职业能力代码"), max_length=30, unique=True)
    name = models.CharField(_("专项职业能力名称"), max_length=100)
    occupation = models.ForeignKey(Occupation, verbose_name=_("所属职业"), on_delete=models.PROTECT,
                                   related_name="special_abilities")
    norm_title = models.CharField(_("考核规范名称"), max_length=200)
    module = models.CharField(_("考核模块"), max_length=50, default="操作技能")
    pass_mark = models.PositiveSmallIntegerField(_("合格分数线"), null=True, blank=True,
                                                 help_text=_("留空按所在辖区政策参数的默认合格分数线"))
    jurisdiction = models.ForeignKey("Jurisdiction", verbose_name=_("考核规范备案人社部门"), on_delete=models.PROTECT,
                                     related_name="special_abilities")
    filed_on = models.DateField(_("考核规范备案日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("专项职业能力")
        verbose_name_plural = _("专项职业能力")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(name="special_ability_pass_mark_range",
                                   condition=models.Q(pass_mark__isnull=True) | models.Q(pass_mark__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Jurisdiction(BaseModel):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("市级")

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    authority_name = models.CharField(_("人社部门名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="province", parent__isnull=True) | models.Q(level="city", parent__isnull=False),
                name="jurisdiction_level_parent",
                violation_error_message=_("省级辖区不能有上级，市级辖区必须有上级。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def province(self) -> Jurisdiction:
        return self.parent if self.parent_id else self

    def policy_profile(self) -> PolicyProfile:
        """The profile in force here: the jurisdiction's own, else its province's,
        else the national default."""
        for jurisdiction in (self, self.parent):
            if jurisdiction is not None:
                profile = PolicyProfile.objects.filter(jurisdiction=jurisdiction).first()
                if profile:
                    return profile
        return PolicyProfile.objects.get(key=PolicyProfile.NATIONAL_DEFAULT_KEY)


class PolicyProfile(BaseModel):
    """Every number of DOMAIN.md §4 for one jurisdiction. Code reads these; it never
    writes a policy number as a literal."""

    NATIONAL_DEFAULT_KEY = "national"

    class DayKind(models.TextChoices):
        WORKING = "working", _("工作日")
        CALENDAR = "calendar", _("自然日")

    class ReportAnchor(models.TextChoices):
        PUBLICITY_END = "publicity_end", _("公示期满后")
        EVALUATION_END = "evaluation_end", _("评价结束后")

    key = models.SlugField(_("标识"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    jurisdiction = models.OneToOneField(
        Jurisdiction, verbose_name=_("适用辖区"), null=True, blank=True, on_delete=models.PROTECT, related_name="profile"
    )
    source = models.CharField(_("政策依据"), max_length=300, blank=True)
    is_builtin = models.BooleanField(_("内置"), default=False)

    plan_lead_workdays = models.PositiveSmallIntegerField(_("认定计划提前备案（工作日）"), default=10)
    publicity_days = models.PositiveSmallIntegerField(_("公示期（天数）"), default=5)
    publicity_day_kind = models.CharField(_("公示期计日方式"), max_length=10, choices=DayKind.choices, default=DayKind.WORKING)
    report_deadline_workdays = models.PositiveSmallIntegerField(_("结果报备期限（工作日）"), default=10)
    report_deadline_anchor = models.CharField(
        _("结果报备起算点"), max_length=20, choices=ReportAnchor.choices, default=ReportAnchor.PUBLICITY_END
    )
    correction_workdays = models.PositiveSmallIntegerField(_("退回数据更正期限（工作日）"), default=15)
    filing_review_workdays = models.PositiveSmallIntegerField(_("备案初审期限（工作日）"), default=10)
    scope_adjustment_months = models.JSONField(
        _("职业范围调整受理月份"), default=list, blank=True, help_text=_("如 [6, 12]；留空为全年受理")
    )
    filing_validity_years = models.PositiveSmallIntegerField(
        _("备案有效期（年）"), default=3, help_text=_("政策文件未规定时由辖区设定，审批时可调整")
    )
    min_examiners_per_occupation_level = models.PositiveSmallIntegerField(_("每职业每等级考评员不少于（人）"), default=5)
    min_examiners_per_candidate = models.PositiveSmallIntegerField(_("每名考生评分考评员不少于（人，奇数）"), default=3)
    min_proctors_per_room = models.PositiveSmallIntegerField(_("每考场监考人员不少于（人）"), default=2)
    heads_per_site = models.PositiveSmallIntegerField(_("每考点主考（人）"), default=1)
    video_retention_years = models.PositiveSmallIntegerField(_("考试录像保存（年）"), default=1)
    paper_retention_years = models.PositiveSmallIntegerField(_("纸质档案保存（年）"), default=3)
    electronic_retention_years = models.PositiveSmallIntegerField(_("电子档案保存（年）"), default=5)
    applicant_data_retention_years = models.PositiveSmallIntegerField(
        _("未获证考生个人信息保存（年）"), default=5,
        help_text=_("自批次评价结束之日起算；期满后未获证书的报名记录去除个人信息（统计数量保留）。不应短于电子档案保存期"))
    inspection_min_percent = models.PositiveSmallIntegerField(_("随机抽查场次不低于（%）"), default=30)
    inactivity_months = models.PositiveSmallIntegerField(_("连续未开展评价终止备案（月）"), default=12)
    min_candidate_age = models.PositiveSmallIntegerField(_("考生最低年龄（周岁）"), default=16)
    model_organisations_per_year = models.PositiveSmallIntegerField(_("年度示范机构（个）"), default=10)
    default_pass_mark = models.PositiveSmallIntegerField(_("默认合格分数线"), default=60)
    province_filing_levels = models.JSONField(
        _("须同时报省级备案的等级代码"), default=list, blank=True, help_text=_("如 [2, 1]：二级/技师、一级/高级技师")
    )

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_examiners_per_candidate__gte=1),
                name="profile_examiners_per_candidate_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.min_examiners_per_candidate % 2 == 0:
            errors["min_examiners_per_candidate"] = _("评分考评员人数应为奇数。")
        months = self.scope_adjustment_months or []
        if not isinstance(months, list) or any(not isinstance(m, int) or not 1 <= m <= 12 for m in months):
            errors["scope_adjustment_months"] = _("受理月份应为 1 至 12 之间的整数列表，如 [6, 12]。")
        if errors:
            raise ValidationError(errors)
