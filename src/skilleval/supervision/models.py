"""Supervision (DOMAIN.md §3.11–3.12): random on-site inspections (双随机一公开) with the
authority's inspector pool and declared conflicts, authority supervisors sent to a batch's
key steps, the annual evaluation of each organisation with its model organisations, the
batch archive (档案) with its catalogue, retention and append-only destruction ledger, and
the talent goals the statistics are measured against."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval.core.models import AppendOnlyError, BaseModel

# ---------------------------------------------------------------------------------------------
# Inspectors and random inspections


class Inspector(BaseModel):
    """A member of an authority's inspector pool (执法检查人员名录库): its own staff or
    experts it appoints. `user` links one who records findings under their own login."""

    jurisdiction = models.ForeignKey("catalog.Jurisdiction", verbose_name=_("所属辖区"), on_delete=models.PROTECT,
                                     related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    unit = models.CharField(_("工作单位（处室）"), max_length=100)
    title = models.CharField(_("职务/专业"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登录账号"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("在库"), default=True)

    class Meta:
        verbose_name = _("检查人员")
        verbose_name_plural = _("检查人员库")
        ordering = ["jurisdiction", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, self.jurisdiction_id


class InspectorConflict(BaseModel):
    """A conflict an inspector declared with an organisation (回避): never drawn for it."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="conflicts")
    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("回避单位"), on_delete=models.PROTECT,
                                     related_name="+")
    reason = models.CharField(_("回避事由"), max_length=200)
    declared_on = models.DateField(_("申报日期"))
    withdrawn_on = models.DateField(_("撤销日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("回避申报")
        verbose_name_plural = _("回避申报")
        ordering = ["inspector", "-declared_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspector", "organisation"], condition=models.Q(withdrawn_on__isnull=True),
                                    name="inspector_conflict_one_open",
                                    violation_error_message=_("该检查人员已申报与该单位回避。")),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} / {self.organisation}"


class InspectionPlan(BaseModel):
    """One draw of a random inspection (双随机抽查): the period, the share, the seed and
    everything the draw read (`pool`), so anyone can repeat it and get the same sample."""

    jurisdiction = models.ForeignKey("catalog.Jurisdiction", verbose_name=_("辖区"), on_delete=models.PROTECT,
                                     related_name="+")
    title = models.CharField(_("抽查名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    period_start = models.DateField(_("抽查期间起"))
    period_end = models.DateField(_("抽查期间止"))
    percent = models.PositiveSmallIntegerField(_("本次抽查比例（%）"))
    required_percent = models.PositiveSmallIntegerField(_("政策要求比例（%）"))
    inspectors_per_session = models.PositiveSmallIntegerField(_("每场次检查人员（人）"))
    seed = models.BigIntegerField(_("随机种子"))
    seed_entered = models.BooleanField(_("种子由操作人输入"), default=False)
    target = models.PositiveIntegerField(_("应抽场次"))
    sessions_in_period = models.PositiveIntegerField(_("期间内场次"))
    sessions_in_year = models.PositiveIntegerField(_("本年度截至期末场次"))
    inspected_before = models.PositiveIntegerField(_("本年度此前已抽查场次"))
    pool = models.JSONField(_("抽取依据"), default=dict)
    drawn_at = models.DateTimeField(_("抽取时间"))
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("抽取人"), on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        verbose_name = _("抽查计划")
        verbose_name_plural = _("抽查计划")
        ordering = ["-drawn_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="inspection_plan_period_ordered",
                                   condition=models.Q(period_end__gte=models.F("period_start"))),
        ]

    def __str__(self) -> str:
        return self.title

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, self.jurisdiction_id


class Inspection(BaseModel):
    """One drawn session with its drawn inspectors, and what they found on site."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("待检查")
        RECORDED = "recorded", _("已录入结果")
        PUBLISHED = "published", _("已公开")

    class Conclusion(models.TextChoices):
        COMPLIANT = "compliant", _("符合规定")
        RECTIFY = "rectify", _("责令限期整改")
        SERIOUS = "serious", _("存在严重问题")

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="inspections")
    jurisdiction = models.ForeignKey("catalog.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey("exams.ExamSession", verbose_name=_("抽中场次"), on_delete=models.PROTECT,
                                related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("被检查单位"), on_delete=models.PROTECT,
                                     related_name="+")
    order = models.PositiveSmallIntegerField(_("抽取序号"))
    inspectors = models.ManyToManyField(Inspector, verbose_name=_("检查人员"), related_name="inspections")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ASSIGNED,
                              db_index=True)
    inspected_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    checklist = models.JSONField(_("检查项目"), default=dict, blank=True)
    findings = models.TextField(_("检查情况"), blank=True)
    conclusion = models.CharField(_("检查结论"), max_length=10, choices=Conclusion.choices, blank=True)
    rectification_demand = models.TextField(_("整改要求"), blank=True)
    rectification_deadline = models.DateField(_("整改期限"), null=True, blank=True)
    sanction = models.ForeignKey("orgs.Sanction", verbose_name=_("限期整改记录"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("录入时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = _("现场抽查")
        verbose_name_plural = _("现场抽查")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["session"], name="inspection_one_per_session",
                                    violation_error_message=_("该场次已被抽中检查。")),
            models.CheckConstraint(name="inspection_rectify_has_deadline", condition=~models.Q(conclusion="rectify")
                                   | models.Q(rectification_deadline__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.session}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, self.jurisdiction_id

    def can_record(self) -> bool:
        return self.status in (self.Status.ASSIGNED, self.Status.RECORDED)

    def can_publish(self) -> bool:
        return self.status == self.Status.RECORDED


class InspectionPhoto(BaseModel):
    """A photo taken on site during an inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(_("照片"), upload_to="supervision/inspections/%Y/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")
        ordering = ["inspection", "pk"]

    def __str__(self) -> str:
        return self.original_name


# ---------------------------------------------------------------------------------------------
# Authority supervisors at a batch's key steps [BB 4(2)]


class SupervisorVisit(BaseModel):
    """Supervisors the authority sends to one key step of a batch (选派质量督导员), and
    their report, which joins the batch's records (archive: 督导情况反馈)."""

    class Step(models.TextChoices):
        REVIEW = "review", _("报名资格审核")
        THEORY = "theory", _("理论知识考试")
        PRACTICAL = "practical", _("操作技能考核")
        PANEL = "panel", _("综合评审")
        SCORING = "scoring", _("阅卷评分与成绩汇总")
        PUBLICITY = "publicity", _("结果公示")
        OTHER = "other", _("其他关键环节")

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", _("已选派")
        REPORTED = "reported", _("已提交督导报告")

    batch = models.ForeignKey("batches.Batch", verbose_name=_("认定批次"), on_delete=models.PROTECT,
                              related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.ForeignKey("catalog.Jurisdiction", verbose_name=_("选派辖区"), on_delete=models.PROTECT,
                                     related_name="+")
    step = models.CharField(_("督导环节"), max_length=10, choices=Step.choices)
    session = models.ForeignKey("exams.ExamSession", verbose_name=_("场次"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    planned_on = models.DateField(_("督导日期"))
    supervisors = models.ManyToManyField(Inspector, verbose_name=_("督导人员"), related_name="visits")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DISPATCHED)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    report = models.TextField(_("督导情况"), blank=True)
    issues = models.TextField(_("发现的问题及处理建议"), blank=True)
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("督导派驻")
        verbose_name_plural = _("督导派驻")
        ordering = ["-planned_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.batch} · {self.get_step_display()}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, self.jurisdiction_id

    def can_report(self) -> bool:
        return self.status == self.Status.DISPATCHED


# ---------------------------------------------------------------------------------------------
# Annual evaluation [HF 18]


class AnnualEvaluation(BaseModel):
    """An organisation's evaluation for one year: the figures the system gathered, the
    authority's grade and remarks, and whether it is one of the year's model organisations."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        GOOD = "good", _("良好")
        PASS = "pass", _("合格")
        FAIL = "fail", _("不合格")

    class Status(models.TextChoices):
        DRAFT = "draft", _("待评定")
        FINALISED = "finalised", _("已评定")

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("评价机构"), on_delete=models.PROTECT,
                                     related_name="+")
    jurisdiction = models.ForeignKey("catalog.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    metrics = models.JSONField(_("年度数据"), default=dict)
    metrics_at = models.DateTimeField(_("数据统计时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    grade = models.CharField(_("评估等次"), max_length=10, choices=Grade.choices, blank=True)
    remarks = models.TextField(_("评估意见"), blank=True)
    is_model = models.BooleanField(_("年度示范机构"), default=False)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    graded_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("确定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度评估")
        verbose_name_plural = _("年度评估")
        ordering = ["-year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="annual_evaluation_once_a_year"),
            models.CheckConstraint(name="annual_evaluation_model_is_excellent",
                                   condition=models.Q(is_model=False) | models.Q(grade="excellent")),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, self.jurisdiction_id

    def can_grade(self) -> bool:
        return self.status == self.Status.DRAFT


# ---------------------------------------------------------------------------------------------
# Talent goals [HS 一]


class TalentGoal(BaseModel):
    """A goal an authority sets for its skill-talent totals (e.g. 33万 skill talents, of whom
    11.5万 high-skill, HS 一), with the stock counted before the platform (baseline)."""

    jurisdiction = models.ForeignKey("catalog.Jurisdiction", verbose_name=_("辖区"), on_delete=models.PROTECT,
                                     related_name="+")
    title = models.CharField(_("目标名称"), max_length=100)
    target_year = models.PositiveSmallIntegerField(_("目标年度"))
    total_target = models.PositiveIntegerField(_("技能人才总量目标（人）"))
    high_skill_target = models.PositiveIntegerField(_("高技能人才总量目标（人）"))
    baseline_total = models.PositiveIntegerField(_("基数：技能人才（人）"), default=0)
    baseline_high_skill = models.PositiveIntegerField(_("基数：高技能人才（人）"), default=0)
    baseline_on = models.DateField(_("基数统计日期"))
    source = models.CharField(_("依据"), max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("技能人才目标")
        verbose_name_plural = _("技能人才目标")
        ordering = ["jurisdiction", "-target_year"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "target_year"], name="talent_goal_one_per_year"),
            models.CheckConstraint(name="talent_goal_high_skill_within_total",
                                   condition=models.Q(high_skill_target__lte=models.F("total_target"))),
            models.CheckConstraint(name="talent_goal_baseline_high_skill_within_total",
                                   condition=models.Q(baseline_high_skill__lte=models.F("baseline_total"))),
        ]

    def __str__(self) -> str:
        return self.title

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, self.jurisdiction_id


# ---------------------------------------------------------------------------------------------
# Archives [SD 7(2), HF 15, BB 4(2)]


class Medium(models.TextChoices):
    """The retention kind of an archive category: each reads its years from the profile."""

    PAPER = "paper", _("纸质材料")
    ELECTRONIC = "electronic", _("电子材料")
    VIDEO = "video", _("影像资料")


class Category(models.TextChoices):
    """The categories of a batch's archive, in the seed's order [SD 7(2)]."""

    ANNOUNCEMENT = "announcement", _("认定公告")
    PLAN = "plan", _("考核方案")
    REGISTRATION = "registration", _("认定报名材料")
    SIGN_IN = "sign_in", _("现场签到表")
    CBT_LOG = "cbt_log", _("智能化考试过程操作记录")
    PAPERS = "papers", _("考核试卷")
    REVIEW = "review", _("综合评审材料")
    SCORE_SHEETS = "score_sheets", _("评分表")
    SCORE_SUMMARY = "score_summary", _("成绩汇总表")
    SUPERVISION = "supervision", _("督导情况反馈")
    PUBLICITY = "publicity", _("公示文件")
    MEDIA = "media", _("现场监控影像或图片资料")
    ISSUE_ROSTER = "issue_roster", _("发证名册")


class Archive(BaseModel):
    """A batch's archive (认定档案): made once the evaluation has ended, by year and batch;
    retention counts from `archived_on`."""

    batch = models.OneToOneField("batches.Batch", verbose_name=_("认定批次"), on_delete=models.PROTECT,
                                 related_name="archive")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    archived_on = models.DateField(_("归档日期"))
    archived_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    gathered_at = models.DateTimeField(_("目录更新时间"))

    class Meta:
        verbose_name = _("认定档案")
        verbose_name_plural = _("认定档案")
        ordering = ["-year", "-archived_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.year} {self.batch}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, None


class ArchiveEntry(BaseModel):
    """One category of a batch's archive: what it holds (the catalogue lines), its retention
    and, once destroyed through the ledger, when."""

    archive = models.ForeignKey(Archive, on_delete=models.PROTECT, related_name="entries")
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    medium = models.CharField(_("载体"), max_length=10, choices=Medium.choices)
    retention_years = models.PositiveSmallIntegerField(_("保管期限（年）"))
    retention_ends_on = models.DateField(_("保管期满日期"))
    item_count = models.PositiveIntegerField(_("件数"), default=0)
    items = models.JSONField(_("卷内目录"), default=list, blank=True)
    destroyed_on = models.DateField(_("销毁日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("档案类别")
        verbose_name_plural = _("档案类别")
        ordering = ["archive", "pk"]
        constraints = [models.UniqueConstraint(fields=["archive", "category"], name="archive_entry_one_per_category")]

    def __str__(self) -> str:
        return f"{self.archive} · {self.get_category_display()}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.archive.organisation_id, None

    def may_destroy(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.destroyed_on is None and today >= self.retention_ends_on


class DestructionQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise AppendOnlyError("the destruction ledger is append-only")

    def delete(self):  # type: ignore[override]
        raise AppendOnlyError("the destruction ledger is append-only")


class Destruction(models.Model):
    """One line of the destruction ledger (销毁台帐) [SD 7(2)]: date, reason, method, batch,
    category, destroyer and responsible person. Append-only, like the audit trail (and on
    PostgreSQL the database refuses UPDATE and DELETE)."""

    class Method(models.TextChoices):
        SHRED = "shred", _("粉碎")
        PULP = "pulp", _("化浆")
        BURN = "burn", _("焚毁")
        ERASE = "erase", _("电子数据彻底删除")
        DEGAUSS = "degauss", _("存储介质消磁/物理销毁")

    entry = models.ForeignKey(ArchiveEntry, on_delete=models.PROTECT, related_name="destructions")
    batch = models.ForeignKey("batches.Batch", verbose_name=_("销毁批次"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("销毁资料分类名称"), max_length=20, choices=Category.choices)
    medium = models.CharField(_("载体"), max_length=10, choices=Medium.choices)
    retention_ends_on = models.DateField(_("保管期满日期"))
    destroyed_on = models.DateField(_("销毁日期"))
    reason = models.CharField(_("销毁原因"), max_length=200)
    method = models.CharField(_("销毁方式"), max_length=10, choices=Method.choices)
    destroyer = models.CharField(_("销毁人"), max_length=50)
    responsible = models.CharField(_("负责人"), max_length=50)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = DestructionQuerySet.as_manager()

    class Meta:
        verbose_name = _("销毁台帐")
        verbose_name_plural = _("销毁台帐")
        ordering = ["-destroyed_on", "-pk"]
        constraints = [
            models.CheckConstraint(name="destruction_after_retention",
                                   condition=models.Q(destroyed_on__gte=models.F("retention_ends_on")),
                                   violation_error_message=_("保管期满前不得销毁。")),
        ]

    def __str__(self) -> str:
        return f"{self.destroyed_on} {self.batch} {self.get_category_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("the destruction ledger is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("the destruction ledger is append-only")
