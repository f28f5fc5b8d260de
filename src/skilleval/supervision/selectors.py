"""Scoped reads of supervision: inspections and their yearly coverage, supervisor visits,
annual evaluations and their figures, archives and the destruction ledger, and the
statistics. Every read starts from the actor's scope: a city authority reads its city, a
province its cities and itself, an organisation itself. A statistic never counts rows of
an organisation outside that scope."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Count, F, Model, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Actor, Perm, get_scoped_or_404, scope
from skilleval.batches.models import Application, Batch, BatchItem
from skilleval.batches.selectors import batches_visible_to
from skilleval.catalog.models import Jurisdiction, Level, Occupation, PolicyProfile
from skilleval.certificates.models import Certificate, CertificateTally
from skilleval.core.workdays import WorkingCalendar, working_calendar
from skilleval.orgs.models import Organisation, Sanction
from skilleval.orgs.selectors import organisations_visible_to
from skilleval.results.models import Objection, Report, Result

from .catalogue import CATALOGUE, add_years, gather, retention_years
from .models import (
    AnnualEvaluation,
    Archive,
    ArchiveEntry,
    Destruction,
    Inspection,
    InspectionPlan,
    Inspector,
    InspectorConflict,
    Medium,
    SupervisorVisit,
    TalentGoal,
)

M = TypeVar("M", bound=Model)

# ---------------------------------------------------------------------------------------------
# Scoping


def _authority_or_own(qs: QuerySet[M], actor: Actor, **own: Any) -> QuerySet[M]:
    """The authority sees the rows of its jurisdictions; an organisation its own rows once
    they are in the state `own` names (published, final)."""
    if actor.is_platform_admin:
        return qs
    condition = Q(pk__in=[])
    if actor.is_authority and actor.jurisdiction_ids:
        condition |= Q(jurisdiction_id__in=actor.jurisdiction_ids)
    if actor.is_org_staff and actor.organisation_id:
        condition |= Q(organisation_id=actor.organisation_id, **own)
    return qs.filter(condition)


def inspectors_visible_to(actor: Actor) -> QuerySet[Inspector]:
    return scope(Inspector.objects.select_related("jurisdiction", "user"), actor, jurisdiction="jurisdiction")


def inspector_get_for_actor(*, actor: Actor, pk: int) -> Inspector:
    return get_scoped_or_404(inspectors_visible_to(actor), pk=pk)


def conflict_get_for_actor(*, actor: Actor, pk: int) -> InspectorConflict:
    return get_scoped_or_404(InspectorConflict.objects.filter(inspector__in=inspectors_visible_to(actor))
                             .select_related("inspector", "organisation"), pk=pk)


def plans_visible_to(actor: Actor) -> QuerySet[InspectionPlan]:
    return scope(InspectionPlan.objects.select_related("jurisdiction", "drawn_by"), actor,
                 jurisdiction="jurisdiction")


def plan_get_for_actor(*, actor: Actor, pk: int) -> InspectionPlan:
    return get_scoped_or_404(plans_visible_to(actor), pk=pk)


def inspections_visible_to(actor: Actor) -> QuerySet[Inspection]:
    """The authority sees its jurisdictions' inspections; an organisation sees those of its
    own sessions once published."""
    qs = Inspection.objects.select_related("plan", "session", "session__batch_item__occupation",
                                           "session__batch_item__level", "organisation", "jurisdiction")
    return _authority_or_own(qs, actor, status=Inspection.Status.PUBLISHED)


def plan_reproduces(plan: InspectionPlan) -> bool:
    """Repeat the draw from the recorded seed and pool: the same sessions and inspectors."""
    from .sampling import draw_sample, pool_from_json

    sessions, inspectors = pool_from_json(plan.pool)
    draw = draw_sample(seed=plan.seed, sessions=sessions, inspectors=inspectors, target=plan.target,
                       per_session=plan.inspectors_per_session)
    recorded = [(i.session_id, sorted(x.pk for x in i.inspectors.all()))
                for i in plan.inspections.prefetch_related("inspectors").order_by("order")]
    return draw.picked == recorded


def inspection_get_for_actor(*, actor: Actor, pk: int) -> Inspection:
    return get_scoped_or_404(inspections_visible_to(actor), pk=pk)


def inspections_published() -> QuerySet[Inspection]:
    """What the public page shows (一公开)."""
    return (Inspection.objects.filter(status=Inspection.Status.PUBLISHED)
            .select_related("plan", "session", "session__batch_item__occupation", "session__batch_item__level",
                            "organisation", "jurisdiction")
            .prefetch_related("inspectors").order_by("-published_at", "-pk"))


def visits_visible_to(actor: Actor) -> QuerySet[SupervisorVisit]:
    return scope(SupervisorVisit.objects.select_related("batch", "organisation", "jurisdiction", "session"), actor,
                 organisation="organisation", jurisdiction="jurisdiction")


def visit_get_for_actor(*, actor: Actor, pk: int) -> SupervisorVisit:
    return get_scoped_or_404(visits_visible_to(actor), pk=pk)


def evaluations_visible_to(actor: Actor) -> QuerySet[AnnualEvaluation]:
    """The authority sees its jurisdictions' evaluations; an organisation its own, once final."""
    qs = AnnualEvaluation.objects.select_related("organisation", "jurisdiction", "graded_by")
    return _authority_or_own(qs, actor, status=AnnualEvaluation.Status.FINALISED)


def evaluation_get_for_actor(*, actor: Actor, pk: int) -> AnnualEvaluation:
    return get_scoped_or_404(evaluations_visible_to(actor), pk=pk)


def model_organisations(year: int) -> QuerySet[AnnualEvaluation]:
    """The year's model organisations, public once the evaluation is final."""
    return (AnnualEvaluation.objects.filter(year=year, is_model=True, status=AnnualEvaluation.Status.FINALISED)
            .select_related("organisation", "jurisdiction").order_by("jurisdiction__code", "organisation__name"))


def goals_visible_to(actor: Actor) -> QuerySet[TalentGoal]:
    return scope(TalentGoal.objects.select_related("jurisdiction"), actor, jurisdiction="jurisdiction")


def archive_batches_visible_to(actor: Actor) -> QuerySet[Batch]:
    """Batches whose archive the actor may read: the organisation's batch managers their own
    evaluated batches, an authority those filed with it."""
    qs = batches_visible_to(actor).filter(status=Batch.Status.PLAN_CONFIRMED)
    if actor.is_platform_admin or actor.has(Perm.SUPERVISION_MANAGE):
        return qs
    if actor.has(Perm.BATCH_MANAGE) and actor.organisation_id:
        return qs.filter(organisation_id=actor.organisation_id)
    return qs.none()


def archive_batch_get_for_actor(*, actor: Actor, pk: int) -> Batch:
    return get_scoped_or_404(archive_batches_visible_to(actor), pk=pk)


def archive_entry_get_for_actor(*, actor: Actor, pk: int) -> ArchiveEntry:
    return get_scoped_or_404(ArchiveEntry.objects.filter(archive__batch__in=archive_batches_visible_to(actor))
                             .select_related("archive", "archive__batch", "archive__organisation"), pk=pk)


def archive_catalogue(batch: Batch, archive: Archive | None) -> list[dict[str, Any]]:
    """The catalogue as the page shows it: the stored entries once filed, else what filing
    would hold now (retention counted from today)."""
    today = timezone.localdate()
    if archive is not None:
        entries = {e.category: e for e in archive.entries.all()}
        rows = []
        for spec in CATALOGUE:
            entry = entries.get(spec.category.value)
            if entry is None:
                continue
            rows.append({"spec": spec, "entry": entry, "items": entry.items, "count": entry.item_count,
                         "medium": entry.get_medium_display(), "years": entry.retention_years,
                         "ends": entry.retention_ends_on, "destroyed": entry.destroyed_on,
                         "due": entry.may_destroy(today)})
        return rows
    profile = batch.organisation.jurisdiction.policy_profile()
    gathered = gather(batch)
    rows = []
    for spec in CATALOGUE:
        content = gathered[spec.category.value]
        years = retention_years(profile, spec.medium)
        rows.append({"spec": spec, "entry": None, "items": [i.as_dict() for i in content.items],
                     "count": content.count, "medium": Medium(spec.medium).label, "years": years,
                     "ends": add_years(today, years), "destroyed": None, "due": False})
    return rows


def destructions_visible_to(actor: Actor) -> QuerySet[Destruction]:
    return scope(Destruction.objects.select_related("batch", "organisation", "recorded_by"), actor,
                 organisation="organisation", jurisdiction="organisation__jurisdiction")


def organisations_supervised_by(actor: Actor) -> QuerySet[Organisation]:
    """Organisations filed with the actor's own authority (not its cities')."""
    if not actor.is_authority or actor.jurisdiction_id is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(jurisdiction_id=actor.jurisdiction_id).exclude(
        status=Organisation.Status.UNFILED).order_by("name")


# ---------------------------------------------------------------------------------------------
# Inspection coverage


@dataclass(frozen=True)
class Coverage:
    jurisdiction: Jurisdiction
    year: int
    sessions: int  # the year's sessions (held and scheduled)
    held: int  # of those, started by today
    inspected: int
    required_percent: int

    @property
    def percent(self) -> float:
        return round(self.inspected * 100 / self.sessions, 1) if self.sessions else 0.0

    @property
    def required_count(self) -> int:
        return -(-self.required_percent * self.sessions // 100)

    @property
    def met(self) -> bool:
        return self.inspected >= self.required_count

    @property
    def shortfall(self) -> int:
        return max(0, self.required_count - self.inspected)


def inspection_coverage(jurisdiction: Jurisdiction, year: int, today: dt.date | None = None) -> Coverage:
    """How much of the year's sessions the authority has drawn for inspection, against the
    profile's share [TJ 5(2)]."""
    from .services.inspections import sessions_of

    today = today or timezone.localdate()
    sessions = sessions_of(jurisdiction, dt.date(year, 1, 1), dt.date(year, 12, 31))
    return Coverage(
        jurisdiction=jurisdiction, year=year, sessions=sessions.count(),
        held=sessions.filter(starts_at__date__lte=today).count(),
        inspected=Inspection.objects.filter(session__in=sessions).count(),
        required_percent=jurisdiction.policy_profile().inspection_min_percent,
    )


def coverage_for(actor: Actor, year: int, today: dt.date | None = None) -> list[Coverage]:
    """The coverage of every jurisdiction the actor reads (a province: itself and its cities)."""
    ids = sorted(actor.jurisdiction_ids) if not actor.is_platform_admin else list(
        Jurisdiction.objects.values_list("pk", flat=True))
    jurisdictions = Jurisdiction.objects.filter(pk__in=ids).order_by("level", "code")
    return [inspection_coverage(j, year, today) for j in jurisdictions
            if j.pk == actor.jurisdiction_id or Organisation.objects.filter(jurisdiction=j).exists()]


# ---------------------------------------------------------------------------------------------
# Deadlines met and missed


@dataclass(frozen=True)
class Deadline:
    kind: str
    organisation_id: int
    organisation: str
    subject: str
    due: dt.date
    done: dt.date | None

    def status(self, today: dt.date) -> str:
        if self.done is not None:
            return "met" if self.done <= self.due else "missed"
        return "missed" if today > self.due else "open"


DEADLINE_STATUS = {"met": gettext_lazy("按时"), "missed": gettext_lazy("逾期"), "open": gettext_lazy("未到期")}


def deadlines_for(batches: Iterable[Batch], *, calendar: WorkingCalendar | None = None) -> list[Deadline]:
    """The organisation's deadlines of each batch: the plan's lead time [HF 14], the report of
    the results (by the deadline the results app set on the first report, counted from the
    publicity's end [HF 16]; where the profile counts from the evaluation's end [TJ 4(3)], also
    before any report), and the correction of returned data [SD 7(1)]."""
    calendar = calendar or working_calendar()
    profiles: dict[int, PolicyProfile] = {}
    rows: list[Deadline] = []
    batch_list = [b for b in batches if b.plan_filed_on]
    reports: dict[int, list[Report]] = {}
    for report in Report.objects.filter(batch__in=batch_list).order_by("batch_id", "version"):
        reports.setdefault(report.batch_id, []).append(report)
    kinds: dict[int, tuple[str, str, str]] = {}  # per profile: the three deadlines' names
    shifted: dict[tuple[dt.date, int], dt.date] = {}  # batches share exam dates and profiles

    def shift(day: dt.date, n: int) -> dt.date:
        if (day, n) not in shifted:
            shifted[day, n] = calendar.add(day, n).date
        return shifted[day, n]

    for batch in batch_list:
        organisation = batch.organisation
        profile = profiles.get(organisation.jurisdiction_id)
        if profile is None:
            profile = profiles[organisation.jurisdiction_id] = organisation.jurisdiction.policy_profile()
        if profile.pk not in kinds:
            kinds[profile.pk] = (
                _("认定计划提前%(n)d个工作日报备") % {"n": profile.plan_lead_workdays},
                _("结果报备（%(a)s%(n)d个工作日内）") % {"a": profile.get_report_deadline_anchor_display(),
                                                 "n": profile.report_deadline_workdays},
                _("退回数据%(n)d个工作日内更正报送") % {"n": profile.correction_workdays})
        plan_kind, report_kind, correction_kind = kinds[profile.pk]
        name = organisation.name
        rows.append(Deadline(plan_kind, organisation.pk, name,
                             batch.name, shift(batch.first_exam_date, -profile.plan_lead_workdays),
                             batch.plan_filed_on))
        versions = reports.get(batch.pk, [])
        first = versions[0] if versions else None
        submitted = timezone.localtime(first.submitted_at).date() if first else None
        due_on = getattr(first, "due_on", None) if first is not None else None
        if due_on is not None:
            # The deadline the results app set on the report (counted from the publicity's end).
            rows.append(Deadline(report_kind, organisation.pk, name, batch.name, due_on, submitted))
        elif (profile.report_deadline_anchor == PolicyProfile.ReportAnchor.EVALUATION_END
                and batch.status == Batch.Status.PLAN_CONFIRMED):
            rows.append(Deadline(report_kind, organisation.pk, name, batch.name,
                                 shift(batch.last_exam_date, profile.report_deadline_workdays),
                                 submitted))
        for n, report in enumerate(versions):
            if report.status == Report.Status.RETURNED and report.correction_due_on:
                following = versions[n + 1] if n + 1 < len(versions) else None
                rows.append(Deadline(correction_kind, organisation.pk, name,
                                     _("%(b)s 第%(v)d版") % {"b": batch.name, "v": report.version},
                                     report.correction_due_on,
                                     timezone.localtime(following.submitted_at).date() if following else None))
    return rows


def deadline_counts(deadlines: Iterable[Deadline], today: dt.date) -> dict[str, int]:
    counts = Counter(d.status(today) for d in deadlines)
    return {key: counts.get(key, 0) for key in DEADLINE_STATUS}


# ---------------------------------------------------------------------------------------------
# The annual evaluation's figures [HF 18]


def organisation_year_metrics(organisation: Organisation, year: int, today: dt.date | None = None) -> dict[str, Any]:
    """What the system knows of an organisation's year, for its annual evaluation."""
    today = today or timezone.localdate()
    batches = list(Batch.objects.filter(organisation=organisation, first_exam_date__year=year)
                   .exclude(status__in=(Batch.Status.DRAFT, Batch.Status.CANCELLED))
                   .select_related("organisation__jurisdiction"))
    held = [b for b in batches if b.status == Batch.Status.PLAN_CONFIRMED]
    applications = Application.objects.filter(batch__in=held)
    results = Result.objects.filter(batch__in=held, status=Result.Status.APPROVED)
    deadlines = [d for d in deadlines_for(batches) if d.due.year == year]
    inspections = Inspection.objects.filter(organisation=organisation, plan__year=year)
    conclusions = Counter(inspections.exclude(conclusion="").values_list("conclusion", flat=True))
    sanctions = Counter(Sanction.objects.filter(organisation=organisation, occurred_on__year=year)
                        .values_list("kind", flat=True))
    visits = SupervisorVisit.objects.filter(organisation=organisation, planned_on__year=year)
    objections = Objection.objects.filter(batch__organisation=organisation, raised_on__year=year)
    return {
        "batches_held": len(held),
        "candidates": applications.filter(status=Application.Status.ACCEPTED).count(),
        "assessed": results.count(),
        "passed": results.filter(passed=True).count(),
        **{f"deadlines_{k}": v for k, v in deadline_counts(deadlines, today).items()},
        "reports_returned": Report.objects.filter(batch__organisation=organisation, status=Report.Status.RETURNED,
                                                  submitted_at__year=year).count(),
        "objections": objections.count(),
        "objections_upheld": objections.filter(status=Objection.Status.UPHELD).count(),
        "certificates_issued": Certificate.objects.filter(organisation=organisation, issued_on__year=year).count(),
        "certificates_revoked": Certificate.objects.filter(organisation=organisation, issued_on__year=year,
                                                           status=Certificate.Status.REVOKED).count(),
        "inspections": inspections.count(),
        **{f"inspections_{c}": conclusions.get(c, 0) for c in Inspection.Conclusion.values},
        "visits": visits.count(),
        "visits_with_issues": visits.exclude(issues="").count(),
        **{f"sanctions_{k}": sanctions.get(k, 0) for k in Sanction.Kind.values},
    }


METRIC_LABELS: list[tuple[str, Any]] = [
    ("batches_held", gettext_lazy("实施认定批次")),
    ("candidates", gettext_lazy("参评人数")),
    ("assessed", gettext_lazy("已审定成绩人数")),
    ("passed", gettext_lazy("合格人数")),
    ("deadlines_met", gettext_lazy("按时完成的时限")),
    ("deadlines_missed", gettext_lazy("逾期的时限")),
    ("reports_returned", gettext_lazy("被退回的结果报备")),
    ("objections", gettext_lazy("公示期收到的异议")),
    ("objections_upheld", gettext_lazy("成立的异议")),
    ("certificates_issued", gettext_lazy("颁发证书")),
    ("certificates_revoked", gettext_lazy("其中已撤销的证书")),
    ("inspections", gettext_lazy("被双随机抽查场次")),
    ("inspections_compliant", gettext_lazy("抽查结论：符合规定")),
    ("inspections_rectify", gettext_lazy("抽查结论：限期整改")),
    ("inspections_serious", gettext_lazy("抽查结论：存在严重问题")),
    ("visits", gettext_lazy("人社部门督导次数")),
    ("visits_with_issues", gettext_lazy("督导发现问题次数")),
    ("sanctions_interview", gettext_lazy("约谈")),
    ("sanctions_rectification", gettext_lazy("限期整改")),
    ("sanctions_termination", gettext_lazy("终止备案")),
]


# ---------------------------------------------------------------------------------------------
# Statistics


@dataclass(frozen=True)
class StatsFilter:
    year: int | None = None
    city_id: int | None = None
    occupation_id: int | None = None
    level_code: int | None = None


@dataclass(frozen=True)
class StatRow:
    key: Any
    label: str
    registered: int
    accepted: int
    assessed: int
    passed: int
    certified: int
    high_skill: int

    @property
    def pass_rate(self) -> float | None:
        return round(self.passed * 100 / self.assessed, 1) if self.assessed else None


@dataclass
class Statistics:
    totals: StatRow
    by_level: list[StatRow] = field(default_factory=list)
    by_occupation: list[StatRow] = field(default_factory=list)
    by_year: list[StatRow] = field(default_factory=list)
    by_city: list[StatRow] = field(default_factory=list)
    by_organisation: list[StatRow] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    deadline_counts: dict[str, int] = field(default_factory=dict)


def statistics_applications(actor: Actor, filters: StatsFilter | None = None) -> QuerySet[Application]:
    """The applications a statistic counts: of the organisations the actor may see, in
    batches that were announced (drafts and cancelled batches left out), never withdrawn."""
    filters = filters or StatsFilter()
    qs = (Application.objects.filter(batch__organisation__in=organisations_visible_to(actor))
          .exclude(status=Application.Status.WITHDRAWN)
          .exclude(batch__status__in=(Batch.Status.DRAFT, Batch.Status.CANCELLED)))
    return _narrowed(qs, filters, organisation="batch__organisation", year="batch__first_exam_date__year",
                     occupation="item__occupation_id", level="item__level__code")


def _narrowed(qs: QuerySet[M], filters: StatsFilter, *, organisation: str, year: str, occupation: str,
              level: str) -> QuerySet[M]:
    """The filters of the dashboard on a queryset, named by its paths to each dimension."""
    if filters.year:
        qs = qs.filter(**{year: filters.year})
    if filters.city_id:
        qs = qs.filter(Q(**{f"{organisation}__city_id": filters.city_id})
                       | Q(**{f"{organisation}__city__isnull": True,
                              f"{organisation}__jurisdiction_id": filters.city_id}))
    if filters.occupation_id:
        qs = qs.filter(**{occupation: filters.occupation_id})
    if filters.level_code:
        qs = qs.filter(**{level: filters.level_code})
    return qs


def statistics_certificates(actor: Actor, filters: StatsFilter | None = None) -> QuerySet[CertificateTally]:
    """The certificate tally a statistic counts: the register of the organisations the actor
    may see, per year of issue, level and occupation (kept by the certificates app in the
    same transaction as every issue and revocation)."""
    filters = filters or StatsFilter()
    return _narrowed(CertificateTally.objects.filter(organisation__in=organisations_visible_to(actor)), filters,
                     organisation="organisation", year="year", occupation="occupation_id", level="level_code")


def _statistics_items(actor: Actor, filters: StatsFilter) -> QuerySet[BatchItem]:
    """The batch items whose applications a statistic may count."""
    qs = (BatchItem.objects.filter(batch__organisation__in=organisations_visible_to(actor))
          .exclude(batch__status__in=(Batch.Status.DRAFT, Batch.Status.CANCELLED)))
    return qs.filter(batch__first_exam_date__year=filters.year) if filters.year else qs


def statistics_occupations(actor: Actor) -> QuerySet[Occupation]:
    """The occupations the actor's statistics can be narrowed to: those of its batches and
    of its certificates."""
    items = _statistics_items(actor, StatsFilter()).values("occupation_id")
    return Occupation.objects.filter(Q(pk__in=items) | Q(pk__in=statistics_certificates(actor).values(
        "occupation_id"))).order_by("code")


def high_skill_codes() -> list[int]:
    return [code for code in Level.objects.filter(is_high_skill=True, code__isnull=False)
            .values_list("code", flat=True) if code is not None]


IN_FORCE = F("issued") - F("revoked")  # valid and reissued certificates; revoked ones do not count
COUNTS = ("registered", "accepted", "assessed", "passed", "certified", "high_skill")
DIMENSIONS = ("level", "occupation", "year", "city", "organisation")


def _cells(actor: Actor, filters: StatsFilter) -> dict[str, dict[Any, list[Any]]]:
    """Every dimension's rows as {key: [label, *COUNTS]}. Results from the applications,
    grouped by batch item (each item fixes level, occupation, year and organisation);
    certificates from the tally, grouped by each dimension in the database."""
    tables: dict[str, dict[Any, list[Any]]] = {name: {} for name in DIMENSIONS}
    jurisdictions = {j[0]: j[1:] for j in Jurisdiction.objects.values_list("pk", "code", "name")}
    organisations: dict[int, tuple[Any, Any, str]] = {}
    for pk, name, city_id, jurisdiction_id in organisations_visible_to(actor).values_list(
            "pk", "name", "city_id", "jurisdiction_id"):
        code, place = jurisdictions[city_id or jurisdiction_id]
        organisations[pk] = (code, place, name)
    levels = {pk: (code, name) for pk, code, name in Level.objects.values_list("pk", "code", "name")}
    level_names = {code: name for code, name in levels.values()}
    special = _("专项职业能力")

    def add(name: str, key: Any, label: Any, start: int, counts: Iterable[int]) -> None:
        row = tables[name].get(key)
        if row is None:
            row = tables[name][key] = [str(label or ""), 0, 0, 0, 0, 0, 0]
        for n, value in enumerate(counts, start):
            row[n] += value or 0

    applications = list(statistics_applications(actor, filters).values_list("item_id").annotate(
        registered=Count("pk"), accepted=Count("pk", filter=Q(status=Application.Status.ACCEPTED)),
        assessed=Count("pk", filter=Q(result__status=Result.Status.APPROVED)),
        passed=Count("pk", filter=Q(result__status=Result.Status.APPROVED, result__passed=True))).order_by())
    items = {row[0]: row[1:] for row in _statistics_items(actor, filters).values_list(
        "pk", "level_id", "occupation_id", "batch__first_exam_date", "batch__organisation_id")}
    occupation_ids = {row[1] for row in items.values()} | set(
        statistics_certificates(actor, filters).values_list("occupation_id", flat=True).distinct())
    occupations = {pk: (code, name) for pk, code, name in Occupation.objects.filter(pk__in=occupation_ids)
                   .values_list("pk", "code", "name")}
    for item_id, *counts in applications:
        level_id, occupation_id, first_exam_date, organisation_id = items[item_id]
        level_code, level_name = levels.get(level_id, (None, special))
        city_code, city_name, organisation_name = organisations[organisation_id]
        add("level", level_code, level_name or special, 1, counts)
        add("occupation", *occupations[occupation_id], 1, counts)
        add("year", first_exam_date.year, first_exam_date.year, 1, counts)
        add("city", city_code, city_name, 1, counts)
        add("organisation", organisation_id, organisation_name, 1, counts)

    certificates = statistics_certificates(actor, filters)
    high = high_skill_codes()
    sums = {"certified": Sum(IN_FORCE), "high_skill": Sum(IN_FORCE, filter=Q(level_code__in=high))}
    for code, *counts in certificates.values_list("level_code").annotate(**sums).order_by():
        add("level", code or None, level_names.get(code) if code else special, 5, counts)
    for pk, *counts in certificates.values_list("occupation_id").annotate(**sums).order_by():
        add("occupation", *occupations[pk], 5, counts)
    for year, *counts in certificates.values_list("year").annotate(**sums).order_by():
        add("year", year, year, 5, counts)
    for pk, *counts in certificates.values_list("organisation_id").annotate(**sums).order_by():
        city_code, city_name, organisation_name = organisations[pk]
        add("city", city_code, city_name, 5, counts)
        add("organisation", pk, organisation_name, 5, counts)
    return tables


def _rows(table: dict[Any, list[Any]], *, reverse: bool = False, by_label: bool = False) -> list[StatRow]:
    rows = [StatRow(key, values[0], *values[1:]) for key, values in table.items()]
    return sorted(rows, key=(lambda r: r.label) if by_label else (lambda r: (r.key is None, r.key)), reverse=reverse)


def statistics_for(actor: Actor, filters: StatsFilter | None = None, *, today: dt.date | None = None) -> Statistics:
    """Candidates, pass rates and certificates by level, occupation, year, city and
    organisation, and the deadlines met and missed, within the actor's scope. Candidates and
    results: one query over the applications grouped by batch item; certificates: the
    register's tally (valid and reissued, not revoked), by year of issue."""
    today = today or timezone.localdate()
    filters = filters or StatsFilter()
    tables = _cells(actor, filters)
    by_level = _rows(tables["level"], reverse=True)
    totals = [sum(getattr(row, name) for row in by_level) for name in COUNTS]
    stats = Statistics(totals=StatRow(None, _("合计"), *totals))
    stats.by_level = by_level
    stats.by_occupation = _rows(tables["occupation"])
    stats.by_year = _rows(tables["year"])
    stats.by_city = _rows(tables["city"])
    stats.by_organisation = _rows(tables["organisation"], by_label=True)
    batches = (Batch.objects.filter(organisation__in=organisations_visible_to(actor), plan_filed_on__isnull=False)
               .exclude(status__in=(Batch.Status.DRAFT, Batch.Status.CANCELLED))
               .select_related("organisation__jurisdiction")
               .only("name", "status", "first_exam_date", "last_exam_date", "plan_filed_on", "organisation__name",
                     "organisation__jurisdiction__parent"))
    if filters.city_id:
        batches = batches.filter(Q(organisation__city_id=filters.city_id)
                                 | Q(organisation__city__isnull=True, organisation__jurisdiction_id=filters.city_id))
    deadlines = deadlines_for(batches)
    if filters.year:
        deadlines = [d for d in deadlines if d.due.year == filters.year]
    stats.deadlines = sorted(deadlines, key=lambda d: (d.due, d.organisation, d.subject))
    stats.deadline_counts = deadline_counts(deadlines, today)
    return stats


@dataclass(frozen=True)
class GoalProgress:
    goal: TalentGoal
    certified: int
    high_skill: int

    @property
    def total(self) -> int:
        return self.goal.baseline_total + self.certified

    @property
    def high_skill_total(self) -> int:
        return self.goal.baseline_high_skill + self.high_skill

    @property
    def total_percent(self) -> float:
        return round(self.total * 100 / self.goal.total_target, 1) if self.goal.total_target else 0.0

    @property
    def high_skill_percent(self) -> float:
        return round(self.high_skill_total * 100 / self.goal.high_skill_target, 1) if self.goal.high_skill_target \
            else 0.0


def goal_progress(goal: TalentGoal) -> GoalProgress:
    """Certificates in force (valid or reissued) issued on the platform in the goal's
    jurisdiction (a province: with its cities) since the baseline date, added to the baseline
    stock."""
    jurisdiction = goal.jurisdiction
    ids = {jurisdiction.pk} | set(Jurisdiction.objects.filter(parent=jurisdiction).values_list("pk", flat=True))
    since = goal.baseline_on
    high = high_skill_codes()
    # Whole years after the baseline's from the tally; the baseline's own year from the register.
    counts = (CertificateTally.objects.filter(organisation__jurisdiction_id__in=ids, year__gt=since.year)
              .aggregate(n=Sum(IN_FORCE, default=0), high=Sum(IN_FORCE, filter=Q(level_code__in=high), default=0)))
    first = (Certificate.objects.filter(organisation__jurisdiction_id__in=ids, year=since.year, issued_on__gte=since)
             .exclude(status=Certificate.Status.REVOKED)
             .aggregate(n=Count("pk"), high=Count("pk", filter=Q(level_code__in=high))))
    counts = {key: counts[key] + first[key] for key in counts}
    return GoalProgress(goal=goal, certified=counts["n"], high_skill=counts["high"])


def statistics_cities(actor: Actor) -> QuerySet[Jurisdiction]:
    """The places the actor's statistics can be narrowed to."""
    if actor.is_platform_admin:
        return Jurisdiction.objects.all().order_by("code")
    return Jurisdiction.objects.filter(pk__in=actor.jurisdiction_ids).order_by("code")

