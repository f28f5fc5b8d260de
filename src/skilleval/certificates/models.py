"""Certificates: numbering, issue, electronic certificates and verification, public
query, reissue, revocation and the register (DOMAIN.md §3.10, §5).

The 22-digit number [BB att.2] is the organisation's 13-character filing number, the
issue year's last two digits, the level code and a 6-digit serial that the organisation
draws per year and level, in order, from the start of its allocated range. The database
holds the rule: one `SerialCounter` row per (organisation, year, level), locked in the
issuing transaction, and unique constraints on the number and on the serial. A reissue
keeps the number [SD 6(3)]: it is a new `CertificateCopy` of the same certificate, and
the copy it replaces is marked superseded."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from skilleval.core.crypto import ProtectedIdNumberField
from skilleval.core.models import BaseModel
from skilleval.core.validators import mask_id_number

# 13-character filing number (a capital letter or a digit, then digits), 2 year digits,
# the level code 1-5, a 6-digit serial from 000001.
LEVEL_NUMBER_PATTERN = r"[A-Z0-9][0-9]{12}[0-9]{2}[1-5](?!000000)[0-9]{6}"
CERTIFICATE_NUMBER_LENGTH = 22
# A proof of special vocational ability (专项职业能力证书) never takes a level-certificate
# number: "ZX" (专项), the 13-character filing number, 2 year digits and a 6-digit serial of
# its own yearly sequence (no level digit): 23 characters, e.g. ZXY34010000001226000001.
PROOF_NUMBER_PREFIX = "ZX"
PROOF_NUMBER_PATTERN = r"ZX[A-Z0-9][0-9]{12}[0-9]{2}(?!000000)[0-9]{6}"
PROOF_NUMBER_LENGTH = 23
PROOF_LEVEL_CODE = 0  # the serial counter's and the record's "level" for proofs
CERTIFICATE_NUMBER_RE = re.compile(f"{LEVEL_NUMBER_PATTERN}|{PROOF_NUMBER_PATTERN}")


class PlatformKey(BaseModel):
    """A signing key of the platform. The Ed25519 key signs the tokens in certificate QR
    codes; its companion P-256 key with a self-signed X.509 certificate signs the
    electronic PDFs (PAdES). Public halves live here and are published; the private
    halves live in a key file under the VAR directory (see `signing.py`), never in the
    database. Rotation retires the active key: a retired key signs nothing more but
    stays published, so what it signed still verifies. Keys are never revoked:
    revocation is per certificate."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("启用")
        RETIRED = "retired", _("已停用（仅用于验证）")

    kid = models.CharField(_("密钥标识"), max_length=20, unique=True)
    algorithm = models.CharField(_("算法"), max_length=20, default="Ed25519")
    public_key = models.CharField(_("公钥（base64url）"), max_length=64)
    pdf_certificate = models.TextField(_("PDF 签章证书（PEM）"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    activated_at = models.DateTimeField(_("启用时间"))
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("平台签名密钥")
        verbose_name_plural = _("平台签名密钥")
        ordering = ["-activated_at"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="active"),
                                    name="platform_key_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.kid}（{self.get_status_display()}）"


class SerialCounter(models.Model):
    """The last serial drawn by an organisation for one year and level. The issuing
    transaction locks this row (SELECT ... FOR UPDATE), so concurrent issues queue
    here and serials come out in order with no gap and no repeat."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    level_code = models.PositiveSmallIntegerField(_("等级代码"))
    last_serial = models.PositiveIntegerField(_("已用至序列号"), default=0)

    class Meta:
        verbose_name = _("证书序列号计数")
        verbose_name_plural = _("证书序列号计数")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "level_code"], name="serial_counter_unique"),
            models.CheckConstraint(name="serial_counter_range", condition=models.Q(last_serial__lte=999999)),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year} L{self.level_code}: {self.last_serial:06d}"


class RevocationGround(models.TextChoices):
    FRAUD = "fraud", _("以弄虚作假等不正当手段取得")
    IRREGULAR = "irregular", _("评价过程违规，结果无效")
    WRONG_ISSUE = "wrong_issue", _("错发（不应发证）")
    OTHER = "other", _("其他")


class Certificate(BaseModel):
    """A skill-level certificate: the fields of the certificate information table
    (BB att.6) as issued. The name may later be corrected through a reissue; the
    number never changes."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REISSUED = "reissued", _("有效（已补发）")
        REVOKED = "revoked", _("已撤销")

    class Kind(models.TextChoices):
        LEVEL = "level", _("职业技能等级证书")
        SPECIAL = "special", _("专项职业能力证书")

    number = models.CharField(_("证书编号"), max_length=PROOF_NUMBER_LENGTH, unique=True)
    kind = models.CharField(_("证书类别"), max_length=10, choices=Kind.choices, default=Kind.LEVEL)
    special_ability = models.ForeignKey("catalog.SpecialAbility", verbose_name=_("专项职业能力"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("评价机构"), on_delete=models.PROTECT,
                                     related_name="certificates")
    year = models.PositiveSmallIntegerField(_("核发年度"))
    level = models.ForeignKey("catalog.Level", verbose_name=_("职业技能等级"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    level_code = models.PositiveSmallIntegerField(_("等级代码"), help_text=_("专项职业能力证书为 0"))
    serial = models.PositiveIntegerField(_("序列号"))
    batch = models.ForeignKey("batches.Batch", verbose_name=_("认定批次"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="certificates")
    result = models.OneToOneField("results.Result", verbose_name=_("评价结果"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="certificate")
    person = models.ForeignKey("accounts.Person", verbose_name=_("持证人"), on_delete=models.PROTECT,
                               related_name="certificates")
    name = models.CharField(_("姓名"), max_length=50)
    id_type = models.ForeignKey("catalog.IDType", verbose_name=_("证件类型"), on_delete=models.PROTECT,
                                related_name="+")
    id_number = ProtectedIdNumberField(_("证件号码"), plain_length=40, db_index=True)
    unit = models.CharField(_("所在单位"), max_length=100, blank=True)
    occupation = models.ForeignKey("catalog.Occupation", verbose_name=_("职业"), on_delete=models.PROTECT,
                                   related_name="+")
    work_type = models.ForeignKey("catalog.WorkType", verbose_name=_("工种"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    issued_on = models.DateField(_("发证日期"))
    evaluation_organisation = models.CharField(_("评价机构名称"), max_length=100)
    issuing_organisation = models.CharField(_("发证机构名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.VALID,
                              db_index=True)
    revision = models.PositiveSmallIntegerField(_("当前版次"), default=1)
    unprintable = models.CharField(_("无法打印的姓名用字"), max_length=20, blank=True,
                                   help_text=_("证书字体无法显示的字，打印后由发证机构手写并加盖印章"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发证人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    revoked_by_authority = models.BooleanField(_("由人社部门撤销"), default=False)
    revocation_ground = models.CharField(_("撤销事由"), max_length=20, choices=RevocationGround.choices,
                                         blank=True)
    revocation_reason = models.TextField(_("撤销说明"), blank=True)

    class Meta:
        verbose_name = _("职业技能等级证书")
        verbose_name_plural = _("职业技能等级证书")
        ordering = ["-issued_on", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "level_code", "serial"],
                                    name="certificate_serial_unique"),
            models.CheckConstraint(name="certificate_serial_range",
                                   condition=models.Q(serial__gte=1, serial__lte=999999)),
            models.CheckConstraint(
                name="certificate_kind_fields",
                condition=models.Q(kind="level", level_code__gte=1, level_code__lte=5, level__isnull=False,
                                   special_ability__isnull=True)
                | models.Q(kind="special", level_code=PROOF_LEVEL_CODE, level__isnull=True,
                           special_ability__isnull=False)),
            models.CheckConstraint(
                name="certificate_revoked_has_reason",
                condition=~models.Q(status="revoked") | (models.Q(revoked_at__isnull=False) & ~models.Q(
                    revocation_ground=""))),
        ]
        indexes = [
            models.Index(fields=["organisation", "issued_on"], name="certificate_org_issued"),
            # The register at scale (issue 9): its default order, the search by name, and the
            # counts by level and status, whole or per organisation (read from this index alone).
            models.Index(fields=["-issued_on", "-id"], name="certificate_issued_desc"),
            models.Index(fields=["name"], name="certificate_name"),
            models.Index(fields=["organisation", "level_code", "status"], name="certificate_org_level_status"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.organisation_id, None

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_special(self) -> bool:
        """A proof of special vocational ability (专项职业能力证书) rather than a level certificate."""
        return self.kind == self.Kind.SPECIAL

    @property
    def headline(self) -> str:
        """What the certificate attests, in one line: occupation and level, or the special ability."""
        if self.is_special and self.special_ability_id:
            return f"{self.special_ability.name} · {self.get_kind_display()}"
        return f"{self.occupation_display} · {self.level}"

    @property
    def occupation_display(self) -> str:
        return f"{self.occupation.name}（{self.work_type.name}）" if self.work_type_id else self.occupation.name

    @property
    def is_revoked(self) -> bool:
        return self.status == self.Status.REVOKED

    def can_reissue(self) -> bool:
        return self.status != self.Status.REVOKED

    def can_revoke(self) -> bool:
        return self.status != self.Status.REVOKED


class CertificateCopy(BaseModel):
    """One copy (版次) of a certificate: the original, a reissue or a corrected reissue.
    Each carries its signed token and its electronic PDF; a newer copy supersedes it."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("首次发证")
        REISSUE = "reissue", _("补办（遗失、损毁）")
        CORRECTION = "correction", _("更正补发")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="copies")
    revision = models.PositiveSmallIntegerField(_("版次"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.ORIGINAL)
    reason = models.TextField(_("申请事由"), blank=True)
    name = models.CharField(_("证书上的姓名"), max_length=50)
    kid = models.CharField(_("签名密钥"), max_length=20)
    token = models.TextField(_("签名令牌"))
    pdf = models.FileField(_("电子证书"), upload_to="certificates/%Y/", blank=True)
    issued_at = models.DateTimeField(_("出具时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    superseded_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("证书版次")
        verbose_name_plural = _("证书版次")
        ordering = ["certificate", "-revision"]
        constraints = [models.UniqueConstraint(fields=["certificate", "revision"], name="certificate_copy_unique")]

    def __str__(self) -> str:
        return f"{self.certificate.number} 第{self.revision}版"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class ReissueRequest(BaseModel):
    """A holder's application for a reissue (补办) or a name correction, decided by the
    issuing organisation [SD 6(3)]."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待办理")
        APPROVED = "approved", _("已补发")
        REJECTED = "rejected", _("未予补发")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("申请类型"), max_length=12, choices=[
        (CertificateCopy.Kind.REISSUE, CertificateCopy.Kind.REISSUE.label),
        (CertificateCopy.Kind.CORRECTION, CertificateCopy.Kind.CORRECTION.label)])
    reason = models.TextField(_("申请事由"))
    corrected_name = models.CharField(_("更正后的姓名"), max_length=50, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                     related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    decision_note = models.TextField(_("办理意见"), blank=True)

    class Meta:
        verbose_name = _("补办申请")
        verbose_name_plural = _("补办申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["certificate"], condition=models.Q(status="pending"),
                                    name="reissue_request_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate.number} {self.get_kind_display()}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.certificate.organisation_id, None


class CertificateTally(models.Model):
    """The register counted per organisation, year of issue, level code (0: proof of special
    ability) and occupation: certificates issued and of those revoked. Kept in the same
    transaction as every issue and revocation (`tally.py`), so the statistics read a few
    rows per organisation and year instead of the whole register."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("核发年度"))
    level_code = models.PositiveSmallIntegerField(_("等级代码"))
    occupation = models.ForeignKey("catalog.Occupation", on_delete=models.PROTECT, related_name="+")
    issued = models.PositiveIntegerField(_("发证数"), default=0)
    revoked = models.PositiveIntegerField(_("其中已撤销"), default=0)

    class Meta:
        verbose_name = _("证书统计")
        verbose_name_plural = _("证书统计")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "level_code", "occupation"],
                                    name="certificate_tally_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}/{self.level_code}/{self.occupation_id}: {self.issued}"
