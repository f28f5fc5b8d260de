"""Users, their roles (memberships in an organisation or an authority), the
candidate's person record and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval.core.crypto import ProtectedIdNumberField
from skilleval.core.models import BaseModel
from skilleval.core.validators import mask_id_number


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    failed_login_count = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    totp_secret = models.CharField(_("动态口令密钥"), max_length=64, blank=True)
    totp_enabled_at = models.DateTimeField(_("启用动态口令时间"), null=True, blank=True)
    totp_last_step = models.BigIntegerField(_("最近使用的动态口令时段"), default=0)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username

    @property
    def second_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    AUTHORITY = "authority", _("人社部门工作人员")
    ORG_ADMIN = "org_admin", _("机构管理员")
    EXAM_AFFAIRS = "exam_affairs", _("考务人员")
    PROCTOR = "proctor", _("监考人员")
    EXAMINER = "examiner", _("考评员")
    QUALITY_SUPERVISOR = "quality_supervisor", _("内部质量督导员")
    QUESTION_BANK = "question_bank", _("题库管理人员")


ORGANISATION_ROLES = frozenset(
    {Role.ORG_ADMIN, Role.EXAM_AFFAIRS, Role.PROCTOR, Role.EXAMINER, Role.QUALITY_SUPERVISOR, Role.QUESTION_BANK}
)


class Membership(BaseModel):
    """A role a user holds: in one organisation (its staff roles), in one
    jurisdiction's authority, or on the platform."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("机构"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="memberships",
    )
    jurisdiction = models.ForeignKey(
        "catalog.Jurisdiction", verbose_name=_("辖区"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="memberships",
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="membership_one_role_per_user"),
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    models.Q(role="platform_admin", organisation__isnull=True, jurisdiction__isnull=True)
                    | models.Q(role="authority", organisation__isnull=True, jurisdiction__isnull=False)
                    | models.Q(
                        role__in=["org_admin", "exam_affairs", "proctor", "examiner", "quality_supervisor",
                                  "question_bank"],
                        organisation__isnull=False, jurisdiction__isnull=True,
                    )
                ),
                violation_error_message=_("机构角色须指定机构，人社部门角色须指定辖区，平台管理员两者都不指定。"),
            ),
        ]

    def __str__(self) -> str:
        where = self.organisation or self.jurisdiction or _("平台")
        return f"{self.user} · {self.get_role_display()} · {where}"


class Person(BaseModel):
    """A natural person identified by an ID document: a candidate, and possibly a
    member of an organisation's workforce."""

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    id_type = models.ForeignKey("catalog.IDType", verbose_name=_("证件类型"), on_delete=models.PROTECT)
    id_number = ProtectedIdNumberField(_("证件号码"), plain_length=40)
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    user = models.OneToOneField(
        User, verbose_name=_("登录账号"), null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("所在单位"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="workforce",
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [models.UniqueConstraint(fields=["id_type", "id_number"], name="person_unique_id_document")]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class ApiToken(BaseModel):
    """A bearer token for scripts. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
