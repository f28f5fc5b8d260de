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

from django.db.models import Count, F, Model, Q, QuerySet
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Actor, Perm, get_scoped_or_404, scope
from skilleval.batches.models import Application, Batch
from skilleval.batches.selectors import batches_visible_to
from skilleval.catalog.models import Jurisdiction, PolicyProfile
from skilleval.core.workdays import WorkingCalendar, working_calendar
from skilleval.orgs.models import Organisation, Sanction
from skilleval.orgs.selectors import organisations_visible_to
from skilleval.results.models import Report, Result

from .catalogue import CATALOGUE, PENDING_SOURCES, add_years, gather, retention_years
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
                         "due": entry.may_destroy(today), "pending": PENDING_SOURCES.get(spec.category)})
        return rows
    profile = batch.organisation.jurisdiction.policy_profile()
    gathered = gather(batch)
    rows = []
    for spec in CATALOGUE:
        content = gathered[spec.category.value]
        years = retention_years(profile, spec.medium)
        rows.append({"spec": spec, "entry": None, "items": [i.as_dict() for i in content.items],
                     "count": content.count, "medium": Medium(spec.medium).label, "years": years,
                     "ends": add_years(today, years), "destroyed": None, "due": False,
                     "pending": PENDING_SOURCES.get(spec.category)})
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
    for batch in batch_list:
        organisation = batch.organisation
        profile = profiles.get(organisation.jurisdiction_id)
        if profile is None:
            profile = profiles[organisation.jurisdiction_id] = organisation.jurisdiction.policy_profile()
        name = organisation.name
        rows.append(Deadline(_("认定计划提前%(n)d个工作日报备") % {"n": profile.plan_lead_workdays}, organisation.pk, name,
                             batch.name, calendar.subtract(batch.first_exam_date, profile.plan_lead_workdays).date,
                             batch.plan_filed_on))
        versions = reports.get(batch.pk, [])
        first = versions[0] if versions else None
        report_kind = _("结果报备（%(a)s%(n)d个工作日内）") % {
            "a": profile.get_report_deadline_anchor_display(), "n": profile.report_deadline_workdays}
        submitted = timezone.localtime(first.submitted_at).date() if first else None
        due_on = getattr(first, "due_on", None) if first is not None else None
        if due_on is not None:
            # The deadline the results app set on the report (counted from the publicity's end).
            rows.append(Deadline(report_kind, organisation.pk, name, batch.name, due_on, submitted))
        elif (profile.report_deadline_anchor == PolicyProfile.ReportAnchor.EVALUATION_END
                and batch.status == Batch.Status.PLAN_CONFIRMED):
            rows.append(Deadline(report_kind, organisation.pk, name, batch.name,
                                 calendar.add(batch.last_exam_date, profile.report_deadline_workdays).date,
                                 submitted))
        for n, report in enumerate(versions):
            if report.status == Report.Status.RETURNED and report.correction_due_on:
                following = versions[n + 1] if n + 1 < len(versions) else None
                rows.append(Deadline(_("退回数据%(n)d个工作日内更正报送") % {"n": profile.correction_workdays},
                                     organisation.pk, name, _("%(b)s 第%(v)d版") % {"b": batch.name, "v": report.version},
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
    return {
        "batches_held": len(held),
        "candidates": applications.filter(status=Application.Status.ACCEPTED).count(),
        "assessed": results.count(),
        "passed": results.filter(passed=True).count(),
        **{f"deadlines_{k}": v for k, v in deadline_counts(deadlines, today).items()},
        "reports_returned": Report.objects.filter(batch__organisation=organisation, status=Report.Status.RETURNED,
                                                  submitted_at__year=year).count(),
        "objections_upheld": None,  # the results app's objections: wired up when it lands
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
    ("objections_upheld", gettext_lazy("成立的异议")),
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


def certified_condition() -> Q:
    """Who counts as certified: a committee-approved pass in a batch whose report the
    authority accepted (the results contract the certificates app issues from). Replace with
    the certificates app's issued certificates once it lands."""
    return (Q(result__status=Result.Status.APPROVED, result__passed=True)
            & Q(batch_id__in=Report.objects.filter(status=Report.Status.ACCEPTED).values("batch_id")))


def statistics_applications(actor: Actor, filters: StatsFilter | None = None) -> QuerySet[Application]:
    """The applications a statistic counts: of the organisations the actor may see, in
    batches that were announced (drafts and cancelled batches left out), never withdrawn."""
    filters = filters or StatsFilter()
    qs = (Application.objects.filter(batch__organisation__in=organisations_visible_to(actor))
          .exclude(status=Application.Status.WITHDRAWN)
          .exclude(batch__status__in=(Batch.Status.DRAFT, Batch.Status.CANCELLED)))
    if filters.year:
        qs = qs.filter(batch__first_exam_date__year=filters.year)
    if filters.city_id:
        qs = qs.filter(Q(batch__organisation__city_id=filters.city_id)
                       | Q(batch__organisation__city__isnull=True, batch__organisation__jurisdiction_id=filters.city_id))
    if filters.occupation_id:
        qs = qs.filter(item__occupation_id=filters.occupation_id)
    if filters.level_code:
        qs = qs.filter(item__level__code=filters.level_code)
    return qs


def _aggregates() -> dict[str, Any]:
    certified = certified_condition()
    # Each application joins at most one result, one item and one level: no row is counted twice.
    return {
        "registered": Count("pk"),
        "accepted": Count("pk", filter=Q(status=Application.Status.ACCEPTED)),
        "assessed": Count("pk", filter=Q(result__status=Result.Status.APPROVED)),
        "passed": Count("pk", filter=Q(result__status=Result.Status.APPROVED, result__passed=True)),
        "certified": Count("pk", filter=certified),
        "high_skill": Count("pk", filter=certified & Q(item__level__is_high_skill=True)),
    }


COUNTS = ("registered", "accepted", "assessed", "passed", "certified", "high_skill")
# The dimensions of the dashboard: (key expression, label expression) per grouping.
DIMENSIONS: dict[str, tuple[Any, Any]] = {
    "level": (F("item__level__code"), F("item__level__name")),
    "occupation": (F("item__occupation__code"), F("item__occupation__name")),
    "year": (ExtractYear("batch__first_exam_date"), ExtractYear("batch__first_exam_date")),
    "city": (Coalesce("batch__organisation__city__code", "batch__organisation__jurisdiction__code"),
             Coalesce("batch__organisation__city__name", "batch__organisation__jurisdiction__name")),
    "organisation": (F("batch__organisation_id"), F("batch__organisation__name")),
}


def _rolled_up(cells: list[dict[str, Any]], dimension: str, *, reverse: bool = False,
               by_label: bool = False) -> list[StatRow]:
    """Sum the cells of the one grouped query over everything but `dimension`."""
    sums: dict[Any, dict[str, Any]] = {}
    for cell in cells:
        key = cell[f"{dimension}_key"]
        row = sums.setdefault(key, {"label": str(cell[f"{dimension}_label"] or ""), **dict.fromkeys(COUNTS, 0)})
        for name in COUNTS:
            row[name] += cell[name]
    rows = [StatRow(key=key, **values) for key, values in sums.items()]
    return sorted(rows, key=(lambda r: r.label) if by_label else (lambda r: (r.key is None, r.key)), reverse=reverse)


def statistics_for(actor: Actor, filters: StatsFilter | None = None, *, today: dt.date | None = None) -> Statistics:
    """Candidates, pass rates and certificates by level, occupation, year, city and
    organisation, and the deadlines met and missed, within the actor's scope. One grouped
    query over every dimension at once, rolled up here (a handful of cells per batch item)."""
    today = today or timezone.localdate()
    filters = filters or StatsFilter()
    annotations = {}
    for name, (key, label) in DIMENSIONS.items():
        annotations[f"{name}_key"] = key
        annotations[f"{name}_label"] = label
    cells: list[Any] = list(statistics_applications(actor, filters).annotate(**annotations)
                            .values(*annotations).annotate(**_aggregates()).order_by())
    totals = {name: sum(cell[name] for cell in cells) for name in COUNTS}
    stats = Statistics(totals=StatRow(key=None, label=_("合计"), **totals))
    stats.by_level = _rolled_up(cells, "level", reverse=True)
    stats.by_occupation = _rolled_up(cells, "occupation")
    stats.by_year = _rolled_up(cells, "year")
    stats.by_city = _rolled_up(cells, "city")
    stats.by_organisation = _rolled_up(cells, "organisation", by_label=True)
    batches = (Batch.objects.filter(organisation__in=organisations_visible_to(actor))
               .exclude(status__in=(Batch.Status.DRAFT, Batch.Status.CANCELLED))
               .select_related("organisation__jurisdiction"))
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
    """Certificates counted on the platform in the goal's jurisdiction (a province: with its
    cities) since the baseline date, added to the baseline stock."""
    jurisdiction = goal.jurisdiction
    ids = {jurisdiction.pk} | set(Jurisdiction.objects.filter(parent=jurisdiction).values_list("pk", flat=True))
    accepted_since = Report.objects.filter(status=Report.Status.ACCEPTED,
                                           decided_at__date__gte=goal.baseline_on).values("batch_id")
    qs = (Application.objects.filter(batch__organisation__jurisdiction_id__in=ids, batch_id__in=accepted_since)
          .filter(certified_condition()))
    counts = qs.aggregate(n=Count("pk"), high=Count("pk", filter=Q(item__level__is_high_skill=True)))
    return GoalProgress(goal=goal, certified=counts["n"], high_skill=counts["high"])


def statistics_cities(actor: Actor) -> QuerySet[Jurisdiction]:
    """The places the actor's statistics can be narrowed to."""
    if actor.is_platform_admin:
        return Jurisdiction.objects.all().order_by("code")
    return Jurisdiction.objects.filter(pk__in=actor.jurisdiction_ids).order_by("code")

