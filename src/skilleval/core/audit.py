"""Writing the audit trail. Services call `audit_record` inside their transaction,
so the event and the change commit (or roll back) together."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext as _

from .crypto import ProtectedIdNumberField
from .models import AuditEvent
from .validators import mask_id_number


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of `obj` as JSON-safe data, for before/after."""
    names = list(fields) if fields is not None else [
        f.attname for f in obj._meta.concrete_fields if f.name not in ("created_at", "updated_at")
    ]
    protected = {f.attname for f in obj._meta.concrete_fields if isinstance(f, ProtectedIdNumberField)}
    # The trail is append-only and kept for years: ID numbers go in masked, never in full.
    return {name: mask_id_number(getattr(obj, name)) if name in protected else _plain(getattr(obj, name))
            for name in names}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organisation_id: int | None = None,
    jurisdiction_id: int | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event. `actor` is a User, an Actor (anything with `.user`) or None
    for the system itself."""
    user = getattr(actor, "user", actor)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if organisation_id is not None and jurisdiction_id is None:
        # Authorities read the trail by jurisdiction: an organisation's line carries its jurisdiction.
        organisation_model = apps.get_model("orgs", "Organisation")
        jurisdiction_id = (
            organisation_model.objects.filter(pk=organisation_id).values_list("jurisdiction_id", flat=True).first()
        )
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    return AuditEvent.objects.create(
        actor=user,
        actor_name=(user.get_full_name() or user.get_username()) if user else "系统",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        summary=summary[:255],
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        organisation_id=organisation_id,
        jurisdiction_id=jurisdiction_id,
        ip_address=ip_address,
    )


def personal_data_view_record(
    *,
    actor: Any,
    obj: models.Model | None = None,
    object_type: str = "",
    what: str,
    why: str,
    count: int = 1,
    organisation_id: int | None = None,
    jurisdiction_id: int | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Record that `actor` was shown full ID numbers: one event per page or export (not per
    person), naming what was shown, how many people it covered and the ground for it."""
    return audit_record(
        actor=actor, action=AuditEvent.Action.PERSONAL_DATA_VIEW, obj=obj, object_type=object_type,
        summary=_("%(what)s：%(n)d 人的完整证件号码（%(why)s）") % {"what": what, "n": count, "why": why},
        after={"what": what, "why": why, "count": count},
        organisation_id=organisation_id, jurisdiction_id=jurisdiction_id, ip_address=ip_address,
    )
