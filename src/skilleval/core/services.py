"""Generic audited writes, for the admin's edits of reference data and other
rows that have no lifecycle of their own. Lifecycle changes go through each
app's own services."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from .audit import audit_record, snapshot
from .models import AuditEvent


def audit_scope_of(obj: models.Model) -> tuple[int | None, int | None]:
    """(organisation_id, jurisdiction_id) an audit line about `obj` belongs to."""
    if hasattr(obj, "audit_scope"):
        return obj.audit_scope()
    return getattr(obj, "organisation_id", None), getattr(obj, "jurisdiction_id", None)


@transaction.atomic
def record_save(*, actor: Any, obj: models.Model, is_new: bool) -> models.Model:
    before = None
    if not is_new:
        before = snapshot(type(obj)._default_manager.select_for_update().get(pk=obj.pk))
    obj.full_clean()
    obj.save()
    organisation_id, jurisdiction_id = audit_scope_of(obj)
    after = snapshot(obj)
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE if is_new else AuditEvent.Action.UPDATE, obj=obj,
        before=before, after=after, organisation_id=organisation_id, jurisdiction_id=jurisdiction_id,
    )
    return obj


@transaction.atomic
def record_delete(*, actor: Any, obj: models.Model) -> None:
    organisation_id, jurisdiction_id = audit_scope_of(obj)
    audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=obj, before=snapshot(obj),
                 organisation_id=organisation_id, jurisdiction_id=jurisdiction_id)
    obj.delete()
