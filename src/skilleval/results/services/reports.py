"""The report to the authority (结果报备): after publicity, within the profile's deadline,
the result summary table and the certificate information table go to the authority the
plan was filed with, which accepts them or returns them with reasons; a returned report
is corrected within the profile's correction deadline and submitted again as a new
version, every version kept [HF 16, BB 4(3), SD 7(1), TJ 4(3)]."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.accounts.models import Role
from skilleval.batches.models import Batch
from skilleval.core.audit import personal_data_view_record
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.core.notifications import notify
from skilleval.core.workdays import working_calendar

from .. import documents
from ..models import Publicity, Report, Result
from .common import audit, lock_batch, profile_of, require_manager
from .outcomes import corrected_values, result_values

FILES = {"summary": ("summary_file", "评价结果汇总表"), "certificates": ("certificates_file", "证书信息表")}


def latest_report(batch: Batch) -> Report | None:
    return Report.objects.filter(batch=batch).order_by("-version").first()


def authority_users(batch: Batch):
    """The staff of the authority the batch's plan was filed with."""
    if batch.plan_jurisdiction_id is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(memberships__role=Role.AUTHORITY, memberships__is_active=True,
                                           memberships__jurisdiction_id=batch.plan_jurisdiction_id,
                                           is_active=True).distinct()


@transaction.atomic
def report_submit(*, actor: Actor, batch: Batch, note: str = "", now: dt.datetime | None = None) -> Report:
    """Submit the two tables, generated from the results as they stand, to the authority.
    Nothing reaches the authority before publicity has ended with every objection closed."""
    batch = lock_batch(batch)
    require_manager(actor, batch)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    publicity = Publicity.objects.filter(batch=batch).first()
    if publicity is None or publicity.status != Publicity.Status.CLOSED:
        raise DomainError(_("公示期结束、异议全部处理完毕并结束公示后，才能向人社部门报备结果。"))
    if batch.plan_jurisdiction_id is None:
        raise DomainError(_("本批次没有受理认定计划的人社部门，不能报备。"))
    previous = latest_report(batch)
    note = (note or "").strip()
    if previous is not None:
        if previous.status == Report.Status.SUBMITTED:
            raise DomainError(_("第 %(v)d 版已报备，正在等待人社部门审核。") % {"v": previous.version})
        if previous.status == Report.Status.ACCEPTED:
            raise DomainError(_("结果已由人社部门接收，无需再次报备。"))
        if not note:
            raise DomainError(_("请说明对退回数据的更正情况。"), field="note")
    due_on = publicity.report_due_on if previous is None else previous.correction_due_on
    version = (Report.objects.filter(batch=batch).aggregate(m=Max("version"))["m"] or 0) + 1
    report = Report(batch=batch, version=version, submitted_at=now, submitted_by=actor.user,
                    due_on=due_on, correction_note=note[:2000])
    stem = f"{batch.code}-v{version}"
    report.summary_file.save(f"summary-{stem}.xlsx", ContentFile(documents.summary_table_xlsx(batch, filled_on=today)),
                             save=False)
    report.certificates_file.save(f"certificates-{stem}.xlsx",
                                  ContentFile(documents.certificate_table_xlsx(batch)), save=False)
    report.save()
    passed = Result.objects.filter(batch=batch, passed=True).count()
    late = due_on is not None and today > due_on
    audit(actor, report, AuditEvent.Action.CREATE, _("报备评价结果（第 %(v)d 版，合格 %(p)d 人）%(l)s") % {
        "v": version, "p": passed, "l": _("，逾期报送") if late else ""},
        after={"version": version, "passed": passed, "due_on": due_on, "note": note[:200]},
        organisation_id=batch.organisation_id)
    title = _("%(o)s报备“%(b)s”评价结果（第 %(v)d 版）") % {"o": batch.organisation.name, "b": batch.name, "v": version}
    for user in authority_users(batch):
        notify(user=user, title=title, body=note[:500], link=reverse("results:batch", args=[batch.pk]))
    return report


def _lock_report(report: Report) -> Report:
    return Report.objects.select_for_update(of=("self",)).select_related(
        "batch", "batch__organisation", "batch__organisation__jurisdiction").get(pk=report.pk)


def _require_receiving_authority(actor: Actor, report: Report) -> None:
    actor.require(Perm.RESULT_REVIEW)
    if report.batch.plan_jurisdiction_id != actor.jurisdiction_id:
        raise DomainError(_("该批次的结果不是向您所在辖区报备的，只能由受理的人社部门审核。"))
    if report.status != Report.Status.SUBMITTED:
        raise DomainError(_("第 %(v)d 版%(s)s，不能再审核。") % {"v": report.version, "s": report.get_status_display()})
    latest = latest_report(report.batch)
    if latest is not None and latest.pk != report.pk:
        raise DomainError(_("只能审核最新一版报备。"))


@transaction.atomic
def report_accept(*, actor: Actor, report: Report, now: dt.datetime | None = None) -> Report:
    report = _lock_report(report)
    _require_receiving_authority(actor, report)
    report.status = Report.Status.ACCEPTED
    report.decided_at, report.decided_by = now or timezone.now(), actor.user
    report.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    batch = report.batch
    audit(actor, report, AuditEvent.Action.TRANSITION, _("接收评价结果报备（第 %(v)d 版）") % {"v": report.version},
          before={"status": Report.Status.SUBMITTED}, after={"status": report.status},
          organisation_id=batch.organisation_id)
    notify(organisation_id=batch.organisation_id, title=_("“%(b)s”评价结果已由人社部门接收") % {"b": batch.name},
           body=_("可以为合格人员赋码并颁发证书。"), link=reverse("results:batch", args=[batch.pk]))
    return report


@transaction.atomic
def report_return(*, actor: Actor, report: Report, reason: str, now: dt.datetime | None = None) -> Report:
    """Return the data with reasons; the correction deadline (working days) starts."""
    report = _lock_report(report)
    _require_receiving_authority(actor, report)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(_("请写明退回理由和需要更正的内容（至少4个字）。"), field="reason")
    now = now or timezone.now()
    batch = report.batch
    due = working_calendar().add(timezone.localtime(now).date(), profile_of(batch).correction_workdays)
    report.status = Report.Status.RETURNED
    report.decided_at, report.decided_by = now, actor.user
    report.return_reason, report.correction_due_on = reason[:2000], due.date
    report.save(update_fields=["status", "decided_at", "decided_by", "return_reason", "correction_due_on",
                               "updated_at"])
    audit(actor, report, AuditEvent.Action.TRANSITION, _("退回评价结果报备（第 %(v)d 版），更正期限 %(d)s：%(r)s") % {
        "v": report.version, "d": due.date.isoformat(), "r": reason[:120]},
        before={"status": Report.Status.SUBMITTED}, after={"status": report.status, "correction_due_on": due.date},
        organisation_id=batch.organisation_id)
    notify(organisation_id=batch.organisation_id, title=_("“%(b)s”评价结果报备被退回，请于 %(d)s 前更正后重新报送") % {
        "b": batch.name, "d": due.date.isoformat()}, body=reason, link=reverse("results:batch", args=[batch.pk]))
    return report


@transaction.atomic
def result_correct(*, actor: Actor, result: Result, reason: str, scores: dict[str, Any] | None = None,
                   passed: bool | None = None, disqualify: bool = False) -> Result:
    """Correct a result the authority returned, before the corrected report is submitted;
    both values stay in the audit trail."""
    result = Result.objects.select_for_update(of=("self",)).select_related(
        "batch", "application", "application__item").get(pk=result.pk)
    batch = result.batch
    require_manager(actor, batch)
    latest = latest_report(batch)
    if latest is None or latest.status != Report.Status.RETURNED:
        raise DomainError(_("只有被人社部门退回的报备数据才能在此更正；公示期间请通过异议处理更正。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(_("请写明更正理由（至少4个字）。"), field="reason")
    before = result_values(result)
    after = corrected_values(result, scores or {}, passed, disqualify)
    if after == before:
        raise DomainError(_("更正后的结果与原结果相同。"))
    after["note"] = (_("报备退回后更正：%(r)s") % {"r": reason})[:200]
    for key, value in after.items():
        setattr(result, key, value)
    result.save(update_fields=[*after.keys(), "updated_at"])
    audit(actor, result, AuditEvent.Action.UPDATE, _("更正退回数据：%(n)s（%(r)s）") % {
        "n": result.application.name, "r": reason[:100]}, before=before, after=after,
        organisation_id=batch.organisation_id)
    return result


def report_file(*, actor: Actor, report: Report, kind: str) -> tuple[bytes, str]:
    """One of a version's two files, with the download recorded; LookupError if unknown."""
    field, label = FILES[kind]
    stored = getattr(report, field)
    if not stored:
        raise DomainError(_("该版本没有%(l)s文件。") % {"l": label})
    with stored.open("rb") as handle:
        content = handle.read()
    audit(actor, report, AuditEvent.Action.EXPORT, _("下载%(l)s（第 %(v)d 版）") % {"l": label, "v": report.version},
          organisation_id=report.batch.organisation_id)
    if kind == "certificates":
        personal_data_view_record(
            actor=actor, obj=report, what=_("下载%(l)s") % {"l": label}, why=_("报送人社部门的证书发放名册"),
            count=report.batch.results.filter(passed=True).count(), organisation_id=report.batch.organisation_id)
    return content, f"{label}-{report.batch.code}-v{report.version}.xlsx"
