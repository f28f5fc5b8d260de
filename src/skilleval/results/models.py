"""Results of a batch: score sheets, per-candidate results, publicity with objections and
the report to the authority (DOMAIN.md §3.7–3.9). `Result` and `Report` are what the
certificates app reads: a passed result of a batch whose latest report was accepted.

The way through: examiners of a candidate's panel fill in a `ScoreSheet` (one
`ScoreEntry` each, item by item against the task's rubric); the panel's leader signs it
off and it is locked; a later change is a `ScoreChange` with a reason, approved by a
second person. The batch's `ResultBook` holds its panel rule and the assessment
committee's approval of the compiled `Result` list. `Publicity` publishes the list for
the profile's period; `Objection`s raised during it are decided by the committee. Then
`Report` versions go to the authority, which accepts or returns them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval.core.models import BaseModel

from .scores import to_percent


class Result(BaseModel):
    """One candidate's result in a batch (one per application): module scores with the
    batch item's weights and pass mark; `passed` only once the committee approved it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待汇总")
        SCORED = "scored", _("已汇总")
        APPROVED = "approved", _("评价委员会已审定")
        ABSENT = "absent", _("缺考")
        DISQUALIFIED = "disqualified", _("成绩无效")

    batch = models.ForeignKey("batches.Batch", on_delete=models.PROTECT, related_name="results")
    application = models.OneToOneField("batches.Application", on_delete=models.PROTECT, related_name="result")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    theory_score = models.DecimalField(_("理论知识成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    practical_score = models.DecimalField(_("操作技能成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    review_score = models.DecimalField(_("综合评审/业绩成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    total_score = models.DecimalField(_("综合成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("合格"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("评价结果")
        verbose_name_plural = _("评价结果")
        ordering = ["batch", "application__number"]

    def __str__(self) -> str:
        return f"{self.application} {self.get_status_display()}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.batch.organisation_id, None

    @property
    def outcome_label(self) -> str:
        """合格 / 不合格 / 缺考 / 成绩无效 / 待汇总, as the publicity list and the candidate read it."""
        if self.status in (self.Status.ABSENT, self.Status.DISQUALIFIED, self.Status.PENDING):
            return str(self.get_status_display())
        return str(_("合格")) if self.passed else str(_("不合格"))


class Report(BaseModel):
    """One submission of a batch's results to the authority (结果报备): the result summary
    table and the certificate information table. A returned report is corrected and
    submitted again as a new version; every version is kept."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已报备待审核")
        ACCEPTED = "accepted", _("已接收")
        RETURNED = "returned", _("已退回")

    batch = models.ForeignKey("batches.Batch", on_delete=models.PROTECT, related_name="reports")
    version = models.PositiveSmallIntegerField(_("版本"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    submitted_at = models.DateTimeField(_("报备时间"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summary_file = models.FileField(_("评价结果汇总表"), upload_to="results/reports/%Y/", blank=True)
    certificates_file = models.FileField(_("证书信息表"), upload_to="results/reports/%Y/", blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    return_reason = models.TextField(_("退回理由"), blank=True)
    correction_due_on = models.DateField(_("更正报送期限"), null=True, blank=True)
    due_on = models.DateField(_("本次报送期限"), null=True, blank=True,
                              help_text=_("首次报备为公示结束后的报备期限，更正报送为退回时给出的更正期限"))
    correction_note = models.TextField(_("更正说明"), blank=True)

    class Meta:
        verbose_name = _("结果报备")
        verbose_name_plural = _("结果报备")
        ordering = ["batch", "-version"]
        constraints = [models.UniqueConstraint(fields=["batch", "version"], name="report_version_unique")]

    def __str__(self) -> str:
        return f"{self.batch} v{self.version}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.batch.organisation_id, None

    @property
    def submitted_late(self) -> bool:
        return bool(self.due_on and timezone.localtime(self.submitted_at).date() > self.due_on)


class PanelRule(models.TextChoices):
    """How a panel's scores combine into the candidate's score [SD 4(5)2(2), 5(1)]."""

    MEAN = "mean", _("考评组成员评分的算术平均")
    TRIMMED = "trimmed", _("去掉一个最高分和一个最低分后平均（考评组5人及以上适用，不足5人按算术平均）")


class ResultBook(BaseModel):
    """The batch's book of results: how panels combine, and the assessment committee's
    approval of the compiled results list."""

    batch = models.OneToOneField("batches.Batch", on_delete=models.PROTECT, related_name="result_book")
    panel_rule = models.CharField(_("考评组评分合成规则"), max_length=10, choices=PanelRule.choices,
                                  default=PanelRule.MEAN)
    compiled_at = models.DateTimeField(_("最近汇总时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("评价委员会审定时间"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    committee_note = models.CharField(_("审定记录"), max_length=300, blank=True,
                                      help_text=_("如：评价委员会2026年第3次会议审定，到会委员5人"))

    class Meta:
        verbose_name = _("成绩册")
        verbose_name_plural = _("成绩册")

    def __str__(self) -> str:
        return f"{self.batch} {_('成绩册')}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.batch.organisation_id, None


class ScoreSheet(BaseModel):
    """One candidate's score sheet in one session (评分记录表): the rubric as it stood when
    scoring began, an entry per panel member, and the panel's combined score once the
    group leader signed it off (then it is locked)."""

    class Kind(models.TextChoices):
        PRACTICAL = "practical", _("操作技能评分表")
        REVIEW = "review", _("综合评审评分表")
        THEORY_PAPER = "theory_paper", _("理论笔试阅卷登分表")

    class Status(models.TextChoices):
        OPEN = "open", _("评分中")
        LOCKED = "locked", _("组长已签字锁定")

    batch = models.ForeignKey("batches.Batch", on_delete=models.PROTECT, related_name="score_sheets")
    attempt = models.OneToOneField("exams.Attempt", on_delete=models.PROTECT, related_name="score_sheet")
    kind = models.CharField(_("评分表类型"), max_length=12, choices=Kind.choices)
    rubric = models.JSONField(_("评分标准"), default=list)
    max_score = models.DecimalField(_("满分"), max_digits=6, decimal_places=1)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    panel_rule = models.CharField(_("合成规则"), max_length=10, choices=PanelRule.choices, blank=True)
    combined_score = models.DecimalField(_("考评组合成得分"), max_digits=6, decimal_places=1, null=True, blank=True)
    signed_off_at = models.DateTimeField(_("组长签字时间"), null=True, blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        ordering = ["attempt__session", "attempt__ticket_number"]
        constraints = [
            models.CheckConstraint(name="score_sheet_locked_is_signed", condition=models.Q(status="open") | models.Q(
                signed_off_at__isnull=False, combined_score__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.attempt}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.batch.organisation_id, None

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.LOCKED

    @property
    def percent_score(self):
        """The combined score on a 100-point scale (how modules are weighed)."""
        return to_percent(self.combined_score, self.max_score)


class ScoreEntry(BaseModel):
    """One panel member's scores for one candidate, item by item."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="entries")
    examiner = models.ForeignKey("batches.BatchStaff", on_delete=models.PROTECT, related_name="score_entries",
                                 verbose_name=_("考评员"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField(_("分项得分"), default=list,
                              help_text=_('[{"item": "尺寸精度", "points": 40, "score": "36.5"}, …]'))
    total = models.DecimalField(_("合计"), max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = _("评分记录")
        verbose_name_plural = _("评分记录")
        ordering = ["sheet", "examiner__name"]
        constraints = [models.UniqueConstraint(fields=["sheet", "examiner"], name="score_entry_one_per_examiner")]

    def __str__(self) -> str:
        return f"{self.sheet} {self.examiner.name} {self.total}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.sheet.batch.organisation_id, None


class ScoreChange(BaseModel):
    """A change to an entry of a locked sheet: the reason, both values, who asked and the
    second person who approved or rejected it (never the one who asked)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    entry = models.ForeignKey(ScoreEntry, on_delete=models.PROTECT, related_name="changes")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    reason = models.TextField(_("更正理由"))
    before_scores = models.JSONField(_("更正前分项得分"), default=list)
    before_total = models.DecimalField(_("更正前合计"), max_digits=6, decimal_places=1)
    after_scores = models.JSONField(_("更正后分项得分"), default=list)
    after_total = models.DecimalField(_("更正后合计"), max_digits=6, decimal_places=1)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("评分更正")
        verbose_name_plural = _("评分更正")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["entry"], condition=models.Q(status="pending"),
                                    name="score_change_one_pending_per_entry"),
            models.CheckConstraint(name="score_change_second_person",
                                   condition=models.Q(decided_by__isnull=True) | ~models.Q(
                                       decided_by=models.F("requested_by"))),
        ]

    def __str__(self) -> str:
        return f"{self.entry} {self.before_total}→{self.after_total}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.entry.sheet.batch.organisation_id, None


class Recognition(BaseModel):
    """The result of a method without exams that rests on its own records: direct
    recognition (直接认定, by the organisation's written scheme) or competition (竞赛选拔,
    top places of a filed competition) [HF 11(5)(6), HS 9.4]."""

    application = models.OneToOneField("batches.Application", on_delete=models.PROTECT, related_name="recognition")
    passed = models.BooleanField(_("认定合格"))
    basis = models.TextField(_("认定依据"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("认定记录")
        verbose_name_plural = _("认定记录")

    def __str__(self) -> str:
        return f"{self.application} {'合格' if self.passed else '不合格'}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.application.batch.organisation_id, None


class Publicity(BaseModel):
    """The results list published inside the organisation (结果公示) for the profile's
    period, counted by its working-day calendar or in calendar days."""

    class Status(models.TextChoices):
        OPEN = "open", _("公示中")
        CLOSED = "closed", _("公示结束")

    batch = models.OneToOneField("batches.Batch", on_delete=models.PROTECT, related_name="publicity")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    starts_on = models.DateField(_("公示开始日期"))
    ends_on = models.DateField(_("公示截止日期（含）"))
    days = models.PositiveSmallIntegerField(_("公示期（天数）"))
    day_kind = models.CharField(_("计日方式"), max_length=10)
    provisional = models.BooleanField(_("日期暂定（日历未确认）"), default=False)
    notice = models.TextField(_("公示说明"), blank=True, help_text=_("如：异议受理部门、联系人及电话"))
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    report_due_on = models.DateField(_("结果报备期限"), null=True, blank=True)
    report_due_provisional = models.BooleanField(_("报备期限暂定"), default=False)

    class Meta:
        verbose_name = _("结果公示")
        verbose_name_plural = _("结果公示")
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(name="publicity_period_ordered",
                                              condition=models.Q(ends_on__gte=models.F("starts_on")))]

    def __str__(self) -> str:
        return f"{self.batch} {_('结果公示')}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.batch.organisation_id, None

    def is_running(self, today) -> bool:
        return self.status == self.Status.OPEN and self.starts_on <= today <= self.ends_on


class Objection(BaseModel):
    """An objection raised during publicity (公示异议), investigated and decided by the
    organisation's assessment committee: upheld (the result changes, both values kept
    in the audit trail) or dismissed (with the reasons)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待调查处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    publicity = models.ForeignKey(Publicity, on_delete=models.PROTECT, related_name="objections")
    batch = models.ForeignKey("batches.Batch", on_delete=models.PROTECT, related_name="objections")
    result = models.ForeignKey(Result, null=True, blank=True, on_delete=models.PROTECT, related_name="objections",
                               verbose_name=_("涉及的考生"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    text = models.TextField(_("异议内容"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_on = models.DateField(_("提出日期"))
    decision = models.TextField(_("调查情况及处理决定"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    result_before = models.JSONField(_("处理前成绩"), null=True, blank=True)
    result_after = models.JSONField(_("处理后成绩"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["batch", "-created_at"]

    def __str__(self) -> str:
        return f"{self.batch} {_('异议')} #{self.pk}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.batch.organisation_id, None

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
