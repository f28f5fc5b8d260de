"""What every app shares: the base model, the audit trail, the working-day
calendar's overrides and the background-job progress row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise AppendOnlyError("audit events are append-only")

    def delete(self):  # type: ignore[override]
        raise AppendOnlyError("audit events are append-only")


class AuditEvent(models.Model):
    """One append-only line of the audit trail: who did what to which object, when,
    with the values before and after. `organisation_id` and `jurisdiction_id` are
    plain numbers (not foreign keys) so the trail outlives what it describes and
    core depends on no domain app; they scope who may read the line."""

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        TRANSITION = "transition", _("状态变更")
        VIEW = "view", _("查看")
        EXPORT = "export", _("导出")
        IMPORT = "import", _("导入")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出")
        LOCKED = "locked", _("账号锁定")
        PASSWORD = "password", _("修改密码")
        PERSONAL_DATA_VIEW = "personal_data.view", _("查看完整证件号码")
        PERSONAL_DATA_PURGE = "personal_data.purge", _("个人信息到期清除")

    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # PROTECT: a user who appears in the trail is deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    summary = models.CharField(_("说明"), max_length=255, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    organisation_id = models.BigIntegerField(_("机构"), null=True, blank=True, db_index=True)
    jurisdiction_id = models.BigIntegerField(_("辖区"), null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计日志")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    @property
    def changed_fields(self) -> list[tuple[str, object, object]]:
        before = self.before or {}
        after = self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class CalendarOverride(BaseModel):
    """A day the admin declares off or on, for a year the library does not know yet
    or to correct it. An override always wins over the library."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("休息日（法定节假日）")
        WORKDAY = "workday", _("工作日（调休上班）")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class CalendarYear(BaseModel):
    """A year whose holiday schedule the admin has confirmed from the State Council
    notice (the library's own confirmed years need no row)."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("依据"), max_length=200, help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知"))

    class Meta:
        verbose_name = _("已确认年度日历")
        verbose_name_plural = _("已确认年度日历")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class Job(BaseModel):
    """A background job's progress and outcome, polled by the page that started it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("任务类型"), max_length=50, db_index=True)
    title = models.CharField(_("任务名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    message = models.CharField(_("进度说明"), max_length=255, blank=True)
    error = models.TextField(_("错误"), blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    input_file = models.FileField(_("输入文件"), upload_to="jobs/input/%Y/%m/", blank=True)
    output_file = models.FileField(_("结果文件"), upload_to="jobs/output/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    organisation_id = models.BigIntegerField(_("机构"), null=True, blank=True, db_index=True)
    jurisdiction_id = models.BigIntegerField(_("辖区"), null=True, blank=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The last sign of life: queued, started, progress. An open job silent for too long was
    # abandoned (its worker died, its message was lost) and is failed (core/jobs.py).
    heartbeat_at = models.DateTimeField(_("最近活动时间"), default=timezone.now)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        indexes = [
            # Only the open jobs, for the sweep of abandoned ones: stays as small as the queue.
            models.Index(fields=["heartbeat_at"], name="core_job_open_heartbeat",
                         condition=models.Q(status__in=["pending", "running"])),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class Notification(BaseModel):
    """An in-app message to one user, to every staff member of an organisation, or to
    every authority user of a jurisdiction."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    organisation_id = models.BigIntegerField(_("接收机构"), null=True, blank=True, db_index=True)
    jurisdiction_id = models.BigIntegerField(_("接收辖区人社部门"), null=True, blank=True, db_index=True)
    key = models.CharField(_("去重键"), max_length=120, null=True, blank=True, unique=True,
                           help_text=_("定时提醒用：同一键只通知一次"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title
