"""What the results services share: locking and checking the batch, the organisation's
policy profile, the batch's result book, parsing a typed score, the audit line."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.batches.models import Batch
from skilleval.catalog.models import PolicyProfile
from skilleval.core.audit import audit_record
from skilleval.core.errors import DomainError

from ..models import ResultBook
from ..scores import ONE_PLACE


def lock_batch(batch: Batch) -> Batch:
    return Batch.objects.select_for_update().select_related("organisation", "organisation__jurisdiction").get(
        pk=batch.pk)


def require_manager(actor: Actor, batch: Batch) -> None:
    """The organisation's exam affairs (and its assessment committee's secretariat)."""
    actor.require(Perm.BATCH_MANAGE)
    if actor.organisation_id != batch.organisation_id:
        raise DomainError(_("您只能办理本单位认定批次的成绩。"))


def require_confirmed(batch: Batch) -> None:
    if batch.status != Batch.Status.PLAN_CONFIRMED:
        raise DomainError(_("认定计划经人社部门确认并组织考核后才能办理成绩（本批次当前：%(s)s）。") % {
            "s": batch.get_status_display()})


def profile_of(batch: Batch) -> PolicyProfile:
    return batch.organisation.jurisdiction.policy_profile()


def book_for(batch: Batch, *, lock: bool = False) -> ResultBook:
    book, _created = ResultBook.objects.get_or_create(batch=batch)
    if lock:
        book = ResultBook.objects.select_for_update().get(pk=book.pk)
    return book


def require_not_approved(book: ResultBook) -> None:
    if book.approved_at is not None:
        raise DomainError(_("成绩已经评价委员会审定，不能再修改；公示期间的更正须通过异议处理办理。"))


def parse_score(value: Any, maximum: Decimal | int, *, field: str, label: str) -> Decimal:
    """A typed score: a number with at most one decimal place, from 0 to `maximum`."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise DomainError(_("请填写“%(l)s”的得分。") % {"l": label}, field=field)
    try:
        score = Decimal(text)
    except (InvalidOperation, ValueError):
        raise DomainError(_("“%(l)s”的得分“%(v)s”不是数字。") % {"l": label, "v": text[:20]}, field=field) from None
    if not score.is_finite() or score != score.quantize(ONE_PLACE):
        raise DomainError(_("“%(l)s”的得分最多保留一位小数。") % {"l": label}, field=field)
    if not Decimal(0) <= score <= Decimal(maximum):
        raise DomainError(_("“%(l)s”的得分应在 0 至 %(m)s 分之间（评分标准规定的分值），填写的是 %(v)s。") % {
            "l": label, "m": maximum, "v": text[:20]}, field=field)
    return score.quantize(ONE_PLACE)


def audit(actor: Any, obj: Any, action: str, summary: str, *, organisation_id: int,
          before: dict | None = None, after: dict | None = None) -> None:
    audit_record(actor=actor, action=action, obj=obj, summary=summary, before=before, after=after,
                 organisation_id=organisation_id)
