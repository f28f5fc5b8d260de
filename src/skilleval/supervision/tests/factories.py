"""Builders for supervision tests: batches taken through the real services to a confirmed
plan (dated in the past where the rules need it), their sessions, results and reports, and
an authority's inspector pool."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from skilleval.accounts.access import Actor, actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches import services as batch_services
from skilleval.batches.models import Application, Batch, BatchStaff
from skilleval.batches.tests.factories import application_data, candidate, filed_organisation
from skilleval.core.workdays import working_calendar
from skilleval.exams.models import ExamSession
from skilleval.orgs.sample import sample_id_number
from skilleval.results.models import Report, Result

from ..models import Inspector

# years in the occupation that make a candidate eligible for each level (normal or skip-level)
YEARS = {5: "3", 4: "7", 3: "11"}


@dataclass
class Evaluated:
    batch: Batch
    manager: Actor
    applications: list[Application] = field(default_factory=list)


def evaluated_batch(org, *, first: dt.date, last: dt.date | None = None, levels=(5,), per_level: int = 2,
                    name: str = "车工职业技能等级认定", manager: Actor | None = None, authority: Actor | None = None,
                    occupation: str = "6-18-01-01") -> Evaluated:
    """A batch of `org` evaluated from `first` to `last`, with `per_level` accepted candidates
    per level and its plan confirmed by the authority, all through the real services."""
    last = last or first + dt.timedelta(days=1)
    manager = manager or actor_for(make_user(Role.ORG_ADMIN, organisation=org, full_name="王海燕"))
    opens = first - dt.timedelta(days=40)
    batch = batch_services.batch_create(
        actor=manager, organisation=org, name=name, registration_opens=opens,
        registration_closes=opens + dt.timedelta(days=10), first_exam_date=first, last_exam_date=last,
        sites="实训楼一层考场", contact="李俊 0551-63821106")
    for level in levels:
        batch_services.batch_item_add(actor=manager, batch=batch, occupation_code=occupation, level_code=level,
                                      method="exam", theory_weight=30, practical_weight=60, review_weight=10)
    batch_services.batch_announce(actor=manager, batch=batch, today=opens)
    applications = []
    for level in levels:
        for n in range(per_level):
            user = candidate(org, name=f"考生{level}{n}")
            application = batch_services.application_submit(
                actor=actor_for(user), batch=batch, today=opens + dt.timedelta(days=1),
                data=application_data(batch, level=level, years=YEARS[level], id_number=user.person.id_number,
                                      name=f"考生{level}{n}"))
            batch_services.application_review(actor=manager, application=application, decision="accept")
            applications.append(application)
    for role, count in ((BatchStaff.Role.HEAD, 1), (BatchStaff.Role.PROCTOR, 2), (BatchStaff.Role.EXAMINER, 3),
                        (BatchStaff.Role.SUPERVISOR, 1)):
        for k in range(count):
            batch_services.batch_staff_add(actor=manager, batch=batch, role=role, name=f"{role}{k}",
                                           id_number=sample_id_number())
    batch_services.batch_sign_commitment(actor=manager, batch=batch, signatory="王海燕")
    batch_services.batch_plan_save(actor=manager, batch=batch, plan=batch_services.plan_draft(batch))
    batch_services.batch_file_plan(actor=manager, batch=batch, today=working_calendar().subtract(first, 12).date)
    authority = authority or actor_for(make_user(Role.AUTHORITY, jurisdiction=org.jurisdiction))
    batch_services.batch_plan_confirm(actor=authority, batch=batch)
    batch.refresh_from_db()
    return Evaluated(batch=batch, manager=manager, applications=applications)


def add_sessions(batch: Batch, starts: list[dt.datetime], *, hours: int = 2, kind=ExamSession.Kind.PRACTICAL
                 ) -> list[ExamSession]:
    """Sessions of the batch's first item at the given times (rows as the exams app keeps them)."""
    item = batch.items.order_by("pk").first()
    return [ExamSession.objects.create(batch=batch, batch_item=item, kind=kind, name=f"{batch.name} 第{n}场",
                                       starts_at=start, ends_at=start + dt.timedelta(hours=hours),
                                       duration_minutes=hours * 60)
            for n, start in enumerate(starts, start=1)]


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def record_results(evaluated: Evaluated, *, passed: int, report: str | None = "accepted",
                   decided: dt.datetime | None = None, submitted: dt.datetime | None = None) -> list[Result]:
    """Committee-approved results (the first `passed` candidates pass) and a report to the
    authority in the given state: the rows the results app keeps (its services are being built)."""
    results = [Result.objects.create(batch=evaluated.batch, application=a, status=Result.Status.APPROVED,
                                     total_score=80 if n < passed else 40, passed=n < passed)
               for n, a in enumerate(evaluated.applications)]
    if report:
        Report.objects.create(batch=evaluated.batch, version=1, status=report,
                              submitted_at=submitted or timezone.now(), submitted_by=evaluated.manager.user,
                              decided_at=decided or timezone.now() if report != "submitted" else None)
    return results


def inspectors(jurisdiction, names=("刘检查", "陈督查", "赵执法")) -> list[Inspector]:
    return [Inspector.objects.create(jurisdiction=jurisdiction, name=name, unit="职业技能鉴定指导中心") for name in names]


def filed(jurisdiction, name: str):
    """A filed organisation in good standing, filed three years ago."""
    since = timezone.localdate() - dt.timedelta(days=3 * 365)
    return filed_organisation(jurisdiction, name=name, scope=(("6-18-01-01", "", (5, 4, 3, 2)),), filed_at=since,
                              filing_valid_from=since)


def issue_certificates(evaluated: Evaluated, *, on: dt.date | None = None):
    """The certificates of the batch's passes, issued through the certificates service (its
    report must be accepted), dated `on` (by default a month after the exams, at most today)."""
    from skilleval.certificates.services import certificates_issue

    on = on or min(evaluated.batch.last_exam_date + dt.timedelta(days=30), timezone.localdate())
    return certificates_issue(actor=evaluated.manager, batch=evaluated.batch, issued_on=on)
