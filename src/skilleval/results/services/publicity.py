"""Publicity (结果公示): the approved results list published inside the organisation for
the profile's period (at least 5 working days [HF 16, SD 5(2)], 7 calendar days in
Bengbu [BB 4(3)]), objections raised during it and the committee's decisions, and the
end of publicity, which starts the report deadline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor
from skilleval.accounts.models import Person
from skilleval.batches.models import Application, Batch
from skilleval.catalog.models import PolicyProfile
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent, Notification
from skilleval.core.notifications import notify
from skilleval.core.workdays import WorkdayResult, WorkingCalendar, working_calendar

from ..models import Objection, Publicity, Result
from .common import audit, book_for, lock_batch, profile_of, require_manager
from .outcomes import corrected_values, result_values

ONE_DAY = dt.timedelta(days=1)
OBJECTION_MIN_LENGTH = 5


def publicity_end(profile: PolicyProfile, starts_on: dt.date, calendar: WorkingCalendar) -> WorkdayResult:
    """The last day of a publicity starting on `starts_on` (counted in): in calendar days,
    or the n-th working day from the start day on."""
    days = max(1, profile.publicity_days)
    if profile.publicity_day_kind == PolicyProfile.DayKind.CALENDAR:
        return WorkdayResult(starts_on + dt.timedelta(days=days - 1), False)
    return calendar.add(starts_on - ONE_DAY, days)


def report_due(profile: PolicyProfile, batch: Batch, publicity_ended_on: dt.date,
               calendar: WorkingCalendar) -> WorkdayResult:
    """The report deadline: N working days after the publicity ended (HF, BB, SD) or after
    the evaluation ended (TJ 4(3))."""
    anchor = publicity_ended_on
    if profile.report_deadline_anchor == PolicyProfile.ReportAnchor.EVALUATION_END:
        anchor = batch.last_exam_date
    return calendar.add(anchor, profile.report_deadline_workdays)


@transaction.atomic
def publicity_start(*, actor: Actor, batch: Batch, starts_on: dt.date | None = None, notice: str = "",
                    today: dt.date | None = None) -> Publicity:
    """Publish the approved results list inside the organisation; candidates are told."""
    batch = lock_batch(batch)
    require_manager(actor, batch)
    today = today or timezone.localdate()
    starts_on = starts_on or today
    book = book_for(batch)
    if book.approved_at is None:
        raise DomainError(_("评价结果经评价委员会审定后才能公示。"))
    if Publicity.objects.filter(batch=batch).exists():
        raise DomainError(_("本批次的评价结果已经公示。"))
    if starts_on < today:
        raise DomainError(_("公示开始日期不能早于今天（%(d)s）。") % {"d": today.isoformat()}, field="starts_on")
    if starts_on > today + dt.timedelta(days=30):
        raise DomainError(_("公示开始日期最晚为30天后。"), field="starts_on")
    profile = profile_of(batch)
    end = publicity_end(profile, starts_on, working_calendar())
    publicity = Publicity.objects.create(
        batch=batch, starts_on=starts_on, ends_on=end.date, days=max(1, profile.publicity_days),
        day_kind=profile.publicity_day_kind, provisional=end.provisional, notice=(notice or "").strip()[:2000],
        published_at=timezone.now(), published_by=actor.user)
    kind = PolicyProfile.DayKind(profile.publicity_day_kind).label
    audit(actor, publicity, AuditEvent.Action.CREATE, _("发布评价结果公示：%(a)s 至 %(b)s（%(n)d 个%(k)s）") % {
        "a": starts_on.isoformat(), "b": end.date.isoformat(), "n": publicity.days, "k": kind},
        after={"starts_on": starts_on, "ends_on": end.date, "days": publicity.days, "day_kind": publicity.day_kind},
        organisation_id=batch.organisation_id)
    period = _("公示期 %(a)s 至 %(b)s，如有异议请在公示期内提出。") % {"a": starts_on.isoformat(),
                                                                  "b": end.date.isoformat()}
    users = (Result.objects.filter(batch=batch, application__person__user__isnull=False)
             .values_list("application__person__user", flat=True))
    title, link = _("“%(b)s”评价结果已公示") % {"b": batch.name}, reverse("results:mine")
    Notification.objects.bulk_create([Notification(user_id=user_id, title=title[:200], body=period, link=link)
                                      for user_id in users], batch_size=1000)  # notify(), for every candidate
    notify(organisation_id=batch.organisation_id, title=_("“%(b)s”评价结果公示") % {"b": batch.name}, body=period,
           link=reverse("results:publicity", args=[batch.pk]))
    return publicity


def may_object(actor: Actor, batch: Batch) -> bool:
    """Staff of the organisation and its workforce, and the batch's candidates."""
    if actor.is_org_staff and actor.organisation_id == batch.organisation_id:
        return True
    if actor.person_id is None:
        return False
    if Person.objects.filter(pk=actor.person_id, organisation_id=batch.organisation_id).exists():
        return True
    return Application.objects.filter(batch=batch, person_id=actor.person_id).exclude(
        status=Application.Status.WITHDRAWN).exists()


@transaction.atomic
def objection_raise(*, actor: Actor, batch: Batch, text: str, result: Result | None = None,
                    today: dt.date | None = None) -> Objection:
    """A candidate or member of staff raises an objection during the publicity period."""
    batch = lock_batch(batch)
    today = today or timezone.localdate()
    publicity = Publicity.objects.filter(batch=batch).first()
    if publicity is None:
        raise DomainError(_("评价结果尚未公示。"))
    if not may_object(actor, batch):
        raise DomainError(_("只有本单位职工和本批次考生可以对公示结果提出异议。"))
    if publicity.status != Publicity.Status.OPEN or today > publicity.ends_on:
        raise DomainError(_("公示期已于 %(d)s 结束，不再受理异议。") % {"d": publicity.ends_on.isoformat()})
    if today < publicity.starts_on:
        raise DomainError(_("公示自 %(d)s 开始，届时才能提出异议。") % {"d": publicity.starts_on.isoformat()})
    text = (text or "").strip()
    if len(text) < OBJECTION_MIN_LENGTH:
        raise DomainError(_("请写明异议的事实和理由（至少%(n)d个字）。") % {"n": OBJECTION_MIN_LENGTH}, field="text")
    if len(text) > 2000:
        raise DomainError(_("异议内容不能超过2000字。"), field="text")
    if result is not None and result.batch_id != batch.pk:
        raise DomainError(_("所选考生不在本批次的公示名单中。"), field="result")
    objection = Objection.objects.create(publicity=publicity, batch=batch, result=result, text=text,
                                         raised_by=actor.user, raised_on=today)
    about = result.application.name if result is not None else _("公示结果")
    audit(actor, objection, AuditEvent.Action.CREATE, _("对 %(a)s 提出公示异议") % {"a": about},
          after={"text": text[:200], "result": result.pk if result else None}, organisation_id=batch.organisation_id)
    notify(organisation_id=batch.organisation_id, title=_("“%(b)s”收到公示异议") % {"b": batch.name},
           body=text[:200], link=reverse("results:publicity", args=[batch.pk]))
    return objection


@transaction.atomic
def objection_decide(*, actor: Actor, objection: Objection, decision: str, reason: str,
                     result: Result | None = None, scores: dict[str, Any] | None = None,
                     passed: bool | None = None, disqualify: bool = False) -> Objection:
    """The committee's decision after investigation: upheld (the result is corrected, both
    values kept) or dismissed (the reasons recorded). The raiser is told."""
    objection = Objection.objects.select_for_update(of=("self",)).select_related("batch", "result").get(pk=objection.pk)
    batch = objection.batch
    require_manager(actor, batch)
    if not objection.is_open:
        raise DomainError(_("该异议已处理：%(s)s。") % {"s": objection.get_status_display()})
    if decision not in (Objection.Status.UPHELD, Objection.Status.DISMISSED):
        raise DomainError(_("请选择处理结论。"), field="decision")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(_("请写明调查情况及处理决定（至少4个字）。"), field="reason")
    fields = ["status", "decision", "decided_by", "decided_at", "updated_at"]
    if decision == Objection.Status.UPHELD:
        target = result or objection.result
        if target is None:
            raise DomainError(_("异议成立须指明涉及的考生并更正其结果。"), field="result")
        target = Result.objects.select_for_update().select_related("application", "application__item").get(
            pk=target.pk)
        if target.batch_id != batch.pk:
            raise DomainError(_("所选考生不在本批次的公示名单中。"), field="result")
        before = result_values(target)
        after = corrected_values(target, scores or {}, passed, disqualify)
        if after == before:
            raise DomainError(_("更正后的结果与原结果相同；异议不成立请选择“异议不成立”。"), field="decision")
        after["note"] = (_("经公示异议复核更正：%(r)s") % {"r": reason})[:200]
        for key, value in after.items():
            setattr(target, key, value)
        target.approved_at, target.approved_by = timezone.now(), actor.user
        target.save(update_fields=[*after.keys(), "approved_at", "approved_by", "updated_at"])
        audit(actor, target, AuditEvent.Action.UPDATE, _("公示异议成立，更正评价结果：%(n)s %(a)s → %(b)s") % {
            "n": target.application.name, "a": _outcome(before), "b": _outcome(after)},
            before=before, after=after, organisation_id=batch.organisation_id)
        objection.result = target
        objection.result_before, objection.result_after = _plain(before), _plain(after)
        fields += ["result", "result_before", "result_after"]
    objection.status = decision
    objection.decision = reason[:2000]
    objection.decided_by, objection.decided_at = actor.user, timezone.now()
    objection.save(update_fields=fields)
    audit(actor, objection, AuditEvent.Action.TRANSITION, _("处理公示异议：%(s)s（%(r)s）") % {
        "s": objection.get_status_display(), "r": reason[:100]}, before={"status": Objection.Status.OPEN},
        after={"status": decision}, organisation_id=batch.organisation_id)
    notify(user=objection.raised_by, title=_("您对“%(b)s”公示结果的异议已处理：%(s)s") % {
        "b": batch.name, "s": objection.get_status_display()}, body=reason[:500],
        link=reverse("results:publicity", args=[batch.pk]))
    return objection


def _outcome(values: dict[str, Any]) -> str:
    status = values["status"]
    if status in (Result.Status.ABSENT, Result.Status.DISQUALIFIED, Result.Status.PENDING):
        return str(Result.Status(status).label)
    label = _("合格") if values["passed"] else _("不合格")
    return f"{values['total_score']}（{label}）" if values.get("total_score") is not None else str(label)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


@transaction.atomic
def publicity_close(*, actor: Actor, batch: Batch, today: dt.date | None = None) -> Publicity:
    """End publicity once its period has passed and every objection is closed; the report
    deadline starts."""
    batch = lock_batch(batch)
    require_manager(actor, batch)
    today = today or timezone.localdate()
    publicity = Publicity.objects.select_for_update().filter(batch=batch).first()
    if publicity is None:
        raise DomainError(_("评价结果尚未公示。"))
    if publicity.status == Publicity.Status.CLOSED:
        raise DomainError(_("公示已于 %(d)s 结束。") % {
            "d": timezone.localtime(publicity.closed_at).strftime("%Y-%m-%d")})
    if today <= publicity.ends_on:
        raise DomainError(_("公示期至 %(e)s（含）止，%(d)s 起才能结束公示，不能提前结束。") % {
            "e": publicity.ends_on.isoformat(), "d": (publicity.ends_on + ONE_DAY).isoformat()})
    open_count = publicity.objections.filter(status=Objection.Status.OPEN).count()
    if open_count:
        raise DomainError(_("还有 %(n)d 条公示异议未处理完毕，全部处理后才能结束公示。") % {"n": open_count})
    last_decision = publicity.objections.aggregate(m=Max("decided_at"))["m"]
    ended = publicity.ends_on
    if last_decision is not None:
        ended = max(ended, timezone.localtime(last_decision).date())
    due = report_due(profile_of(batch), batch, ended, working_calendar())
    publicity.status = Publicity.Status.CLOSED
    publicity.closed_at, publicity.closed_by = timezone.now(), actor.user
    publicity.report_due_on, publicity.report_due_provisional = due.date, due.provisional
    publicity.save(update_fields=["status", "closed_at", "closed_by", "report_due_on", "report_due_provisional",
                                  "updated_at"])
    audit(actor, publicity, AuditEvent.Action.TRANSITION, _("结束公示，结果报备期限 %(d)s") % {
        "d": due.date.isoformat()}, before={"status": Publicity.Status.OPEN},
        after={"status": publicity.status, "report_due_on": due.date}, organisation_id=batch.organisation_id)
    return publicity
