"""Schemas of the supervision endpoints (/api/v1/supervision/...): random inspections,
the archive catalogue and destruction ledger, statistics. Inputs only parse types and
choices; every rule stays in supervision/services."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from skilleval.supervision.models import Destruction, Inspection


class _Out(Schema):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


# ---------------------------------------------------------------------------------------------
# Inspections


class CoverageOut(_Out):
    jurisdiction_code: str
    jurisdiction_name: str
    year: int
    sessions: int
    held: int
    inspected: int
    percent: float
    required_percent: int
    required_count: int
    met: bool


class DrawIn(Schema):
    period_start: dt.date
    period_end: dt.date
    percent: int | None = Field(None, ge=1, le=100, description="本次抽查比例（%），默认政策要求比例")
    inspectors_per_session: int = Field(2, ge=1, le=10)
    seed: int | None = Field(None, ge=0, description="随机种子；留空由系统生成")
    title: str = Field("", max_length=100)


class InspectorOut(_Out):
    id: int
    name: str
    unit: str


class InspectionOut(_Out):
    id: int
    plan_id: int
    order: int
    organisation_id: int
    organisation_name: str = Field(alias="organisation.name")
    session_id: int
    session_name: str = Field(alias="session.name")
    session_starts_at: dt.datetime = Field(alias="session.starts_at")
    inspectors: list[InspectorOut]
    status: Inspection.Status
    inspected_at: dt.datetime | None
    checklist: dict
    findings: str
    conclusion: str
    rectification_demand: str
    rectification_deadline: dt.date | None
    sanction_id: int | None
    published_at: dt.datetime | None

    @staticmethod
    def resolve_inspectors(obj):
        return list(obj.inspectors.all())


class PlanOut(_Out):
    id: int
    title: str
    jurisdiction_code: str = Field(alias="jurisdiction.code")
    year: int
    period_start: dt.date
    period_end: dt.date
    percent: int
    required_percent: int
    inspectors_per_session: int
    seed: int
    seed_entered: bool
    target: int
    sessions_in_period: int
    sessions_in_year: int
    inspected_before: int
    drawn_at: dt.datetime


class PlanDetailOut(PlanOut):
    reproduces: bool
    inspections: list[InspectionOut]

    @staticmethod
    def resolve_reproduces(obj):
        from skilleval.supervision.selectors import plan_reproduces

        return plan_reproduces(obj)

    @staticmethod
    def resolve_inspections(obj):
        return list(obj.inspections.select_related("organisation", "session").prefetch_related("inspectors")
                    .order_by("order"))


class CheckIn(Schema):
    result: Literal["ok", "issue", "na"]
    note: str = Field("", max_length=300)


class FindingIn(Schema):
    inspected_at: dt.datetime
    checklist: dict[str, CheckIn]
    findings: str = Field(..., max_length=4000)
    conclusion: Inspection.Conclusion
    rectification_demand: str = Field("", max_length=2000)
    rectification_deadline: dt.date | None = None


class PublicInspectionOut(_Out):
    authority: str
    organisation_name: str = Field(alias="organisation.name")
    session_name: str = Field(alias="session.name")
    session_starts_at: dt.datetime = Field(alias="session.starts_at")
    inspectors: list[str]
    inspected_at: dt.datetime | None
    conclusion: str = Field(alias="get_conclusion_display")
    findings: str
    rectification_demand: str
    rectification_deadline: dt.date | None
    published_at: dt.datetime | None

    @staticmethod
    def resolve_authority(obj):
        return obj.jurisdiction.authority_name or obj.jurisdiction.name

    @staticmethod
    def resolve_inspectors(obj):
        return [i.name for i in obj.inspectors.all()]


# ---------------------------------------------------------------------------------------------
# Archives


class CatalogueItemOut(_Out):
    title: str
    detail: str
    count: int


class CategoryOut(_Out):
    entry_id: int | None
    category: str
    label: str
    medium: str
    retention_years: int
    retention_ends_on: dt.date
    item_count: int
    items: list[CatalogueItemOut]
    destroyed_on: dt.date | None
    may_destroy: bool


class ArchiveOut(_Out):
    batch_id: int
    batch_code: str
    batch_name: str
    organisation_name: str
    archived: bool
    archived_on: dt.date | None
    categories: list[CategoryOut]


class DestroyIn(Schema):
    destroyed_on: dt.date
    reason: str = Field(..., max_length=200)
    method: Destruction.Method
    destroyer: str = Field(..., max_length=50)
    responsible: str = Field(..., max_length=50)


class DestructionOut(_Out):
    id: int
    destroyed_on: dt.date
    reason: str
    method: str
    batch_id: int
    batch_code: str = Field(alias="batch.code")
    organisation_name: str = Field(alias="organisation.name")
    category: str
    category_label: str = Field(alias="get_category_display")
    medium: str
    retention_ends_on: dt.date
    destroyer: str
    responsible: str
    recorded_at: dt.datetime


# ---------------------------------------------------------------------------------------------
# Statistics


class StatRowOut(_Out):
    key: str | int | None
    label: str
    registered: int
    accepted: int
    assessed: int
    passed: int
    pass_rate: float | None
    certified: int
    high_skill: int


class DeadlineOut(_Out):
    kind: str
    organisation: str
    subject: str
    due: dt.date
    done: dt.date | None
    status: Literal["met", "missed", "open"]


class GoalOut(_Out):
    jurisdiction_code: str
    title: str
    target_year: int
    total_target: int
    high_skill_target: int
    baseline_total: int
    baseline_high_skill: int
    baseline_on: dt.date
    certified: int
    high_skill: int
    total: int
    high_skill_total: int
    total_percent: float
    high_skill_percent: float


class StatisticsOut(_Out):
    totals: StatRowOut
    by_level: list[StatRowOut]
    by_occupation: list[StatRowOut]
    by_year: list[StatRowOut]
    by_city: list[StatRowOut]
    by_organisation: list[StatRowOut]
    deadline_counts: dict[str, int]
    deadlines: list[DeadlineOut]
    goals: list[GoalOut]
