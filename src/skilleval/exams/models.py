"""Exam operations: the confidential question bank (题库) and practical tasks, blueprints
and papers (组卷), and the computer-based theory exam (智能化考试) with its sessions,
attempts, answers, marking and operation log (DOMAIN.md §3.6–3.7; SD 4(5)–4(6))."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from skilleval.core.models import BaseModel


class ItemKind(models.TextChoices):
    SINGLE = "single", _("单项选择题")
    MULTIPLE = "multiple", _("多项选择题")
    TRUE_FALSE = "true_false", _("判断题")
    SHORT = "short", _("简答题")


OBJECTIVE_KINDS = frozenset({ItemKind.SINGLE, ItemKind.MULTIPLE, ItemKind.TRUE_FALSE})


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    APPROVED = "approved", _("已审定")
    RETIRED = "retired", _("已停用")


class QuestionItem(BaseModel):
    """A theory item of an organisation's bank for one occupation and level, tagged with
    its appraisal element (鉴定要素) and difficulty. Confidential to the bank's staff."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="question_items")
    occupation = models.ForeignKey("catalog.Occupation", verbose_name=_("职业"), on_delete=models.PROTECT,
                                   related_name="+")
    level = models.PositiveSmallIntegerField(_("等级代码"))
    code = models.CharField(_("试题编号"), max_length=40)
    kind = models.CharField(_("题型"), max_length=12, choices=ItemKind.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list, blank=True, help_text=_('[{"key": "A", "text": "…"}, …]'))
    answer = models.JSONField(_("标准答案"), help_text=_("选择题为选项字母列表，判断题为 true/false，简答题为参考答案文本"))
    knowledge_point = models.CharField(_("鉴定要素（知识点）"), max_length=100, db_index=True)
    difficulty = models.PositiveSmallIntegerField(_("难度（1易—5难）"), default=3)
    status = models.CharField(_("状态"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.DRAFT,
                              db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("理论试题")
        verbose_name_plural = _("理论试题")
        ordering = ["occupation__code", "-level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="question_item_code_unique"),
            models.CheckConstraint(name="question_item_difficulty_range",
                                   condition=models.Q(difficulty__gte=1, difficulty__lte=5)),
        ]
        indexes = [models.Index(fields=["organisation", "occupation", "level", "status", "kind"])]

    def __str__(self) -> str:
        return f"{self.code} {self.stem[:30]}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, None


class PracticalTask(BaseModel):
    """A practical task (操作技能试题) with its scoring rubric."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="practical_tasks")
    occupation = models.ForeignKey("catalog.Occupation", verbose_name=_("职业"), on_delete=models.PROTECT,
                                   related_name="+")
    level = models.PositiveSmallIntegerField(_("等级代码"))
    code = models.CharField(_("试题编号"), max_length=40)
    title = models.CharField(_("试题名称"), max_length=200)
    description = models.TextField(_("试题内容与要求"))
    duration_minutes = models.PositiveSmallIntegerField(_("考核时间（分钟）"), default=120)
    rubric = models.JSONField(_("评分标准"), default=list,
                              help_text=_('[{"item": "尺寸精度", "points": 40, "criteria": "…"}, …]'))
    status = models.CharField(_("状态"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.DRAFT)

    class Meta:
        verbose_name = _("操作技能试题")
        verbose_name_plural = _("操作技能试题")
        ordering = ["occupation__code", "-level", "code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="practical_task_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, None

    @property
    def total_points(self) -> int:
        return sum(int(row.get("points", 0)) for row in self.rubric)


class Blueprint(BaseModel):
    """How a theory paper is made (组卷方案): items and score per kind, the share per
    appraisal element and per difficulty, the total score and the time allowed."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="blueprints")
    occupation = models.ForeignKey("catalog.Occupation", verbose_name=_("职业"), on_delete=models.PROTECT,
                                   related_name="+")
    level = models.PositiveSmallIntegerField(_("等级代码"))
    name = models.CharField(_("名称"), max_length=100)
    sections = models.JSONField(_("题型结构"), default=list,
                                help_text=_('[{"kind": "single", "count": 60, "score": 1}, …]'))
    knowledge_shares = models.JSONField(_("鉴定要素比重（%）"), default=dict, blank=True)
    difficulty_shares = models.JSONField(_("难度比重（%）"), default=dict, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("考试时长（分钟）"), default=90)

    class Meta:
        verbose_name = _("组卷方案")
        verbose_name_plural = _("组卷方案")
        ordering = ["occupation__code", "-level", "name"]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, None


class Paper(BaseModel):
    """One assembled paper: the shared paper of a session, an A/B variant, or one
    candidate's own paper; reproducible from its blueprint and seed."""

    blueprint = models.ForeignKey(Blueprint, on_delete=models.PROTECT, related_name="papers")
    seed = models.BigIntegerField(_("随机种子"))
    variant = models.CharField(_("卷别"), max_length=40, blank=True)
    total_score = models.DecimalField(_("总分"), max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = _("试卷")
        verbose_name_plural = _("试卷")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.blueprint.name} {self.variant}".strip()


class PaperItem(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(QuestionItem, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("题号"))
    score = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["paper", "order"]
        constraints = [models.UniqueConstraint(fields=["paper", "order"], name="paper_item_order_unique"),
                       models.UniqueConstraint(fields=["paper", "item"], name="paper_item_once")]

    def __str__(self) -> str:
        return f"{self.order}. {self.item_id}"


class ExamSite(BaseModel):
    """An exam site (考点) of an organisation: one site head per session held there."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="exam_sites")
    name = models.CharField(_("考点名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("考点")
        verbose_name_plural = _("考点")
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="exam_site_name_unique")]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, None


class RoomKind(models.TextChoices):
    THEORY = "theory", _("理论考场（机房/教室）")
    PRACTICAL = "practical", _("实操考场")
    REVIEW = "review", _("综合评审考场")


class ExamRoom(BaseModel):
    """A room (考场) of a site with its seat capacity; electronic monitoring is expected
    (SD 4(5)1), and a room without it must say how the process is recorded."""

    site = models.ForeignKey(ExamSite, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("考场名称"), max_length=100)
    kind = models.CharField(_("考场类型"), max_length=10, choices=RoomKind.choices, default=RoomKind.THEORY)
    capacity = models.PositiveSmallIntegerField(_("座位数"))
    has_video = models.BooleanField(_("配备电子监控"), default=True)
    notes = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("考场")
        verbose_name_plural = _("考场")
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="exam_room_name_unique"),
            models.CheckConstraint(name="exam_room_capacity_positive", condition=models.Q(capacity__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.site.name} {self.name}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.site.organisation_id, None


class ExamSession(BaseModel):
    """A session (场次) of a batch's occupation-level: a theory exam on computers (with a
    blueprint), a paper theory exam, a practical exam (with a practical task) or a
    comprehensive review, held in one or more rooms during its time window."""

    class Kind(models.TextChoices):
        THEORY_CBT = "theory_cbt", _("理论知识（机考）")
        THEORY_PAPER = "theory_paper", _("理论知识（笔试）")
        PRACTICAL = "practical", _("操作技能考核")
        REVIEW = "review", _("综合评审")

    class Mode(models.TextChoices):
        ONE_BY_ONE = "one_by_one", _("逐题作答")
        WHOLE = "whole", _("整卷作答")

    batch = models.ForeignKey("batches.Batch", on_delete=models.PROTECT, related_name="exam_sessions")
    batch_item = models.ForeignKey("batches.BatchItem", on_delete=models.PROTECT, related_name="exam_sessions")
    kind = models.CharField(_("考核类型"), max_length=12, choices=Kind.choices, default=Kind.THEORY_CBT)
    blueprint = models.ForeignKey(Blueprint, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="sessions")
    practical_task = models.ForeignKey(PracticalTask, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="sessions", verbose_name=_("操作技能试题"))
    name = models.CharField(_("场次名称"), max_length=100)
    rooms = models.ManyToManyField(ExamRoom, blank=True, related_name="sessions", verbose_name=_("考场"))
    starts_at = models.DateTimeField(_("开考时间"))
    ends_at = models.DateTimeField(_("最晚交卷时间"))
    duration_minutes = models.PositiveSmallIntegerField(_("答题时长（分钟）"))
    mode = models.CharField(_("作答方式"), max_length=12, choices=Mode.choices, default=Mode.WHOLE)
    per_candidate_papers = models.BooleanField(_("一人一卷"), default=True)

    class Meta:
        verbose_name = _("考试场次")
        verbose_name_plural = _("考试场次")
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(name="exam_session_window", condition=models.Q(
            ends_at__gt=models.F("starts_at")))]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.batch.organisation_id, None

    @property
    def room_names(self) -> str:
        return "、".join(str(room) for room in self.rooms.all())

    @property
    def is_cbt(self) -> bool:
        return self.kind == self.Kind.THEORY_CBT


class Attempt(BaseModel):
    """One candidate's seat in a session: admission ticket, paper, timer and result."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未开始")
        IN_PROGRESS = "in_progress", _("作答中")
        SUBMITTED = "submitted", _("已交卷")
        TIMED_OUT = "timed_out", _("超时自动交卷")
        ABSENT = "absent", _("缺考")

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="attempts")
    application = models.ForeignKey("batches.Application", on_delete=models.PROTECT, related_name="attempts")
    ticket_number = models.CharField(_("准考证号"), max_length=30, unique=True)
    paper = models.ForeignKey(Paper, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts")
    room = models.ForeignKey(ExamRoom, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts",
                             verbose_name=_("考场"))
    seat = models.PositiveSmallIntegerField(_("座位号"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    check_in_method = models.CharField(_("身份核验方式"), max_length=10, blank=True,
                                       choices=[("qr", _("扫描准考证二维码")), ("id", _("核验身份证件号码"))])
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED,
                              db_index=True)
    started_at = models.DateTimeField(_("开始作答"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("交卷期限"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    objective_score = models.DecimalField(_("客观题得分"), max_digits=6, decimal_places=1, null=True, blank=True)
    subjective_score = models.DecimalField(_("主观题得分"), max_digits=6, decimal_places=1, null=True, blank=True)
    confirmed_at = models.DateTimeField(_("成绩确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = _("考生作答")
        verbose_name_plural = _("考生作答")
        ordering = ["session", "ticket_number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "application"], name="attempt_one_per_session"),
            models.UniqueConstraint(fields=["session", "room", "seat"], name="attempt_one_per_seat"),
        ]

    def __str__(self) -> str:
        return self.ticket_number

    @property
    def total_score(self):
        if self.objective_score is None or self.confirmed_at is None:
            return None
        return self.objective_score + (self.subjective_score or 0)


class Answer(models.Model):
    """The latest saved response to one paper item; `version` grows with each save so a
    repeated autosave is idempotent."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    paper_item = models.ForeignKey(PaperItem, on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(_("作答"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(_("保存时间"), null=True, blank=True)
    auto_score = models.DecimalField(_("自动评分"), max_digits=5, decimal_places=1, null=True, blank=True)
    marker_score = models.DecimalField(_("阅卷评分"), max_digits=5, decimal_places=1, null=True, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    marked_at = models.DateTimeField(_("阅卷时间"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "paper_item"], name="answer_one_per_item")]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.paper_item_id} v{self.version}"


class AttemptLog(models.Model):
    """Every candidate action in a computer-based exam, kept for the archive."""

    class Event(models.TextChoices):
        LOGIN = "login", _("登录")
        START = "start", _("开始作答")
        SAVE = "save", _("保存答案")
        RECONNECT = "reconnect", _("重新连接")
        SUBMIT = "submit", _("交卷")
        TIMEOUT = "timeout", _("超时交卷")
        DENIED = "denied", _("拒绝操作")

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="log")
    event = models.CharField(_("事件"), max_length=12, choices=Event.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    detail = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("机考操作日志")
        verbose_name_plural = _("机考操作日志")
        ordering = ["attempt", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.event} {self.at:%Y-%m-%d %H:%M:%S}"


class StaffConflict(BaseModel):
    """A declared conflict (回避): a staff member may not examine, proctor or supervise the
    room of a candidate from their own team or family (SD 4(5)2(2))."""

    class Kind(models.TextChoices):
        TEAM = "team", _("同一班组/团队")
        FAMILY = "family", _("亲属关系")
        OTHER = "other", _("其他可能影响公正的关系")

    batch = models.ForeignKey("batches.Batch", on_delete=models.CASCADE, related_name="staff_conflicts")
    staff = models.ForeignKey("batches.BatchStaff", on_delete=models.CASCADE, related_name="conflicts")
    application = models.ForeignKey("batches.Application", on_delete=models.CASCADE, related_name="staff_conflicts")
    kind = models.CharField(_("回避事由"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("回避申报")
        verbose_name_plural = _("回避申报")
        ordering = ["batch", "staff", "application"]
        constraints = [models.UniqueConstraint(fields=["staff", "application"], name="staff_conflict_once")]

    def __str__(self) -> str:
        return f"{self.staff} / {self.application}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.batch.organisation_id, None


class StaffAssignment(BaseModel):
    """Who does what in one session: a site head per site, proctors per room, an examiner
    panel (odd, with its leader) per practical or review room, supervisors per session.
    A staff member holds only their roster role, and is never in two places at once."""

    class Duty(models.TextChoices):
        SITE_HEAD = "site_head", _("考点负责人")
        PROCTOR = "proctor", _("监考人员")
        EXAMINER = "examiner", _("考评员")
        LEADER = "leader", _("考评组长")
        SUPERVISOR = "supervisor", _("质量督导员")

    class Source(models.TextChoices):
        AUTO = "auto", _("自动编排")
        MANUAL = "manual", _("人工调整")

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="staff_assignments")
    staff = models.ForeignKey("batches.BatchStaff", on_delete=models.PROTECT, related_name="assignments")
    duty = models.CharField(_("岗位"), max_length=12, choices=Duty.choices)
    site = models.ForeignKey(ExamSite, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(ExamRoom, null=True, blank=True, on_delete=models.PROTECT, related_name="staff_assignments")
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.AUTO)

    class Meta:
        verbose_name = _("考务人员编排")
        verbose_name_plural = _("考务人员编排")
        ordering = ["session", "duty", "room", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "staff"], name="staff_assignment_one_per_session")]

    def __str__(self) -> str:
        return f"{self.session} {self.get_duty_display()} {self.staff.name}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.session.batch.organisation_id, None


class ExamIncident(BaseModel):
    """An incident (突发事件) or a candidate's violation (违纪违规) recorded during a
    session, with its handling under the rules and who decided it."""

    class Kind(models.TextChoices):
        VIOLATION = "violation", _("违纪违规")
        INCIDENT = "incident", _("突发事件")

    class Handling(models.TextChoices):
        WARNING = "warning", _("批评教育/警告")
        STOP = "stop", _("停止本科目考试")
        VOID = "void", _("本科目成绩无效")
        VOID_ALL = "void_all", _("本次评价各科目成绩无效")
        RECORDED = "recorded", _("记录在案，不影响考试")
        DELAY = "delay", _("延长考试时间")
        RESCHEDULE = "reschedule", _("改期重考")

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="incidents")
    room = models.ForeignKey(ExamRoom, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(Attempt, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("情形"), max_length=60)
    occurred_at = models.DateTimeField(_("发生时间"))
    description = models.TextField(_("经过"))
    handling = models.CharField(_("处理"), max_length=12, choices=Handling.choices)
    handling_note = models.TextField(_("处理说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("认定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考场情况记录")
        verbose_name_plural = _("考场情况记录")
        ordering = ["session", "occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.category}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.session.batch.organisation_id, None


class SessionRecord(BaseModel):
    """The written records of a session's day: the pre-exam meeting, the supervisor's
    checklist, the quality-supervision form, paper collection and sealing. The fields
    of each kind are defined in services/examday.py; `content` holds their values."""

    class Kind(models.TextChoices):
        PRE_EXAM_MEETING = "meeting", _("考前考务会记录")
        SUPERVISOR_CHECKLIST = "checklist", _("督导检查表")
        QUALITY_FORM = "quality", _("质量督导记录表")
        PAPER_RECEIPT = "receipt", _("试卷领取记录")
        PAPER_SEALING = "sealing", _("试卷回收与密封记录")

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="records")
    room = models.ForeignKey(ExamRoom, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("记录类型"), max_length=10, choices=Kind.choices)
    content = models.JSONField(_("内容"), default=dict)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("考务记录")
        verbose_name_plural = _("考务记录")
        ordering = ["session", "kind", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.session} {self.get_kind_display()}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.session.batch.organisation_id, None


class SessionMedia(BaseModel):
    """A photo or a reference to a video recording of a session (全程留痕); videos are kept
    for the profile's retention (at least a year, HF 15)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        VIDEO = "video", _("录像")

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="media")
    room = models.ForeignKey(ExamRoom, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="exams/media/%Y/", blank=True)
    reference = models.CharField(_("录像存储位置"), max_length=300, blank=True,
                                 help_text=_("如：监控主机编号/通道/时间段，或存储路径"))
    description = models.CharField(_("说明"), max_length=200, blank=True)
    keep_until = models.DateField(_("保存至"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("场次照片与录像")
        verbose_name_plural = _("场次照片与录像")
        ordering = ["session", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.session} {self.get_kind_display()}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.session.batch.organisation_id, None
