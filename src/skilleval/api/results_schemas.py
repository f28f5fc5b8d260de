"""Schemas of the results endpoints (/api/v1/results/...). Inputs only parse types and
choices, as results/forms.py does; every rule stays in results/services, whose errors
name the input field."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import ConfigDict

from skilleval.core.workdays import working_calendar
from skilleval.results.models import Objection
from skilleval.results.selectors import STAGES, stage_deadline, stage_of


class _Out(Schema):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


# ---------------------------------------------------------------------------------------------
# Batches


class DeadlineOut(_Out):
    label: str = Field(description="期限名称，如“结果报备期限”")
    due_on: dt.date
    days_left: int = Field(description="剩余工作日（公示为自然日）；负数为逾期天数")
    overdue: bool
    text: str


class BatchResultsOut(_Out):
    id: int
    code: str
    name: str
    organisation: str = Field(alias="organisation.name")
    first_exam_date: dt.date
    last_exam_date: dt.date
    stage: str
    stage_display: str
    result_count: int
    passed_count: int
    deadline: DeadlineOut | None = None

    @staticmethod
    def resolve_deadline(obj, context) -> dict | None:
        request = context["request"]
        calendar = getattr(request, "_results_calendar", None)
        if calendar is None:
            calendar = request._results_calendar = working_calendar()
        due, label = stage_deadline(obj, timezone.localdate(), calendar)
        if due is None:
            return None
        return {"label": str(label), "due_on": due.due_on, "days_left": due.days_left, "overdue": due.overdue,
                "text": due.label}

    @staticmethod
    def resolve_stage(obj) -> str:
        return stage_of(obj)

    @staticmethod
    def resolve_stage_display(obj) -> str:
        return str(STAGES[stage_of(obj)])

    @staticmethod
    def resolve_result_count(obj) -> int:
        return obj.result_count or 0

    @staticmethod
    def resolve_passed_count(obj) -> int:
        return obj.passed_count or 0


class ResultOut(_Out):
    id: int
    application_id: int
    application_number: str = Field(alias="application.number")
    name: str = Field(alias="application.name")
    item: str
    status: str
    status_display: str = Field(alias="get_status_display")
    theory_score: Decimal | None
    practical_score: Decimal | None
    review_score: Decimal | None
    total_score: Decimal | None
    passed: bool
    outcome: str = Field(alias="outcome_label")
    note: str
    approved_at: dt.datetime | None

    @staticmethod
    def resolve_item(obj) -> str:
        return str(obj.application.item)


class OwnResultOut(ResultOut):
    batch_id: int
    batch_name: str = Field(alias="batch.name")
    publicity_starts_on: dt.date = Field(alias="batch.publicity.starts_on")
    publicity_ends_on: dt.date = Field(alias="batch.publicity.ends_on")


class CompileOut(_Out):
    counts: dict[str, int]
    passed: int
    pending: list[dict[str, str]]


class CommitteeIn(Schema):
    committee_note: str = Field(..., max_length=300, description="审定记录：评价委员会会议名称、日期及到会委员")


class PanelRuleIn(Schema):
    panel_rule: Literal["mean", "trimmed"]


class RecognitionIn(Schema):
    application_id: int
    passed: bool
    basis: str = Field(..., max_length=2000)


class RecognitionOut(_Out):
    application_id: int
    passed: bool
    basis: str


# ---------------------------------------------------------------------------------------------
# Scoring


class SessionOut(_Out):
    id: int
    name: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    batch_id: int
    batch_name: str = Field(alias="batch.name")
    item: str
    starts_at: dt.datetime

    @staticmethod
    def resolve_item(obj) -> str:
        return str(obj.batch_item)


class RubricRowOut(_Out):
    item: str
    points: Decimal
    criteria: str = ""


class EntryOut(_Out):
    id: int
    examiner: str
    scores: list[dict] | None = Field(None, description="分项得分；组长签字前其他考评员的评分不返回")
    total: Decimal | None = None


class SheetOut(_Out):
    attempt_id: int
    ticket_number: str
    candidate: str
    kind: str
    status: str
    rubric: list[RubricRowOut]
    max_score: Decimal | None
    panel_rule: str
    combined_score: Decimal | None
    signed_off_at: dt.datetime | None
    panel: list[str]
    missing: list[str]
    entries: list[EntryOut]


class ScoresIn(Schema):
    scores: dict[str, str] | list[str] = Field(
        ..., description="按评分标准顺序的分项得分列表，或 {评分项目: 得分}；每项0至该项分值，最多一位小数")


class ChangeIn(ScoresIn):
    reason: str = Field(..., max_length=2000)


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class ChangeOut(_Out):
    id: int
    entry_id: int
    status: str
    reason: str
    before_total: Decimal
    after_total: Decimal
    requested_by: str = Field(alias="requested_by.get_full_name")
    decided_by: str | None = Field(None, alias="decided_by.get_full_name")
    decision_note: str


# ---------------------------------------------------------------------------------------------
# Publicity and objections


class PublicityIn(Schema):
    starts_on: dt.date | None = None
    notice: str = Field("", max_length=2000)


class PublicityOut(_Out):
    status: str
    starts_on: dt.date
    ends_on: dt.date
    days: int
    day_kind: str
    provisional: bool
    notice: str
    report_due_on: dt.date | None


class PublicityRowOut(_Out):
    result_id: int = Field(alias="id")
    name: str = Field(alias="application.name")
    item: str
    total_score: Decimal | None
    outcome: str = Field(alias="outcome_label")

    @staticmethod
    def resolve_item(obj) -> str:
        return str(obj.application.item)


class PublicityListOut(_Out):
    publicity: PublicityOut
    rows: list[PublicityRowOut]


class ObjectionIn(Schema):
    text: str = Field(..., max_length=2000)
    result_id: int | None = None


class ObjectionDecideIn(Schema):
    decision: Literal[Objection.Status.UPHELD, Objection.Status.DISMISSED]  # type: ignore[valid-type]
    reason: str = Field(..., max_length=2000)
    result_id: int | None = None
    theory_score: str | None = Field(None, max_length=10)
    practical_score: str | None = Field(None, max_length=10)
    review_score: str | None = Field(None, max_length=10)
    passed: bool | None = None
    disqualify: bool = False


class ObjectionOut(_Out):
    id: int
    batch_id: int
    result_id: int | None
    status: str
    status_display: str = Field(alias="get_status_display")
    text: str
    raised_on: dt.date
    decision: str
    decided_at: dt.datetime | None
    result_before: dict | None
    result_after: dict | None


# ---------------------------------------------------------------------------------------------
# Reports


class ReportIn(Schema):
    note: str = Field("", max_length=2000, description="重新报送时的更正说明")


class ReturnIn(Schema):
    reason: str = Field(..., max_length=2000)


class ReportOut(_Out):
    id: int
    batch_id: int
    version: int
    status: str
    status_display: str = Field(alias="get_status_display")
    submitted_at: dt.datetime
    due_on: dt.date | None
    submitted_late: bool
    correction_note: str
    decided_at: dt.datetime | None
    return_reason: str
    correction_due_on: dt.date | None


class CorrectIn(Schema):
    reason: str = Field(..., max_length=2000)
    theory_score: str | None = Field(None, max_length=10)
    practical_score: str | None = Field(None, max_length=10)
    review_score: str | None = Field(None, max_length=10)
    passed: bool | None = None
    disqualify: bool = False

