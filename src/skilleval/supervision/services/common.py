"""Checks the supervision services share."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.catalog.models import Jurisdiction
from skilleval.core.errors import DomainError


def require_authority_of(actor: Actor, jurisdiction_id: int | None) -> None:
    """Only the authority of the jurisdiction itself acts on its inspections, pool and evaluations."""
    actor.require(Perm.SUPERVISION_MANAGE)
    if jurisdiction_id is None or actor.jurisdiction_id != jurisdiction_id:
        raise DomainError(_("只有本辖区人社部门可以办理。"))


def own_jurisdiction(actor: Actor) -> Jurisdiction:
    """The authority's own jurisdiction (not its cities')."""
    actor.require(Perm.SUPERVISION_MANAGE)
    jurisdiction = Jurisdiction.objects.filter(pk=actor.jurisdiction_id).first() if actor.jurisdiction_id else None
    if jurisdiction is None:
        raise DomainError(_("只有人社部门工作人员可以办理。"))
    return jurisdiction


def clean_text(value: Any, field: str, label: str, *, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("请填写%(l)s。") % {"l": label}, field=field)
    if len(text) > max_length:
        raise DomainError(_("%(l)s不能超过 %(n)d 个字。") % {"l": label, "n": max_length}, field=field)
    return text
