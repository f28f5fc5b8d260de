"""Evaluation organisations (评价机构/备案企业). The filing lifecycle is built on this."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from skilleval.core.models import BaseModel
from skilleval.core.validators import validate_filing_number, validate_uscc


class Organisation(BaseModel):
    class Status(models.TextChoices):
        UNFILED = "unfiled", _("未备案")
        FILED = "filed", _("已备案")
        SUSPENDED = "suspended", _("暂停评价")
        TERMINATED = "terminated", _("已终止")

    name = models.CharField(_("单位名称"), max_length=100)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    jurisdiction = models.ForeignKey(
        "catalog.Jurisdiction", verbose_name=_("备案辖区"), on_delete=models.PROTECT, related_name="organisations"
    )
    address = models.CharField(_("单位地址"), max_length=200, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.UNFILED, db_index=True)
    filing_number = models.CharField(
        _("备案号"), max_length=13, unique=True, null=True, blank=True, validators=[validate_filing_number]
    )
    filing_valid_until = models.DateField(_("备案有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("评价机构")
        verbose_name_plural = _("评价机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.pk, self.jurisdiction_id
