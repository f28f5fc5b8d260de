"""Schemas of the exam endpoints (/api/v1/exams/...): sessions, the exam day (sign-in,
absences, incidents and violations, written records), the candidate's own attempts and
the computer-based exam taken through the API.

Inputs only parse types and choices; every rule stays in exams/services (examday.py,
cbt.py), whose errors name the input field. ID numbers are masked in every output; no
output carries an item's key."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from skilleval.exams.models import ExamIncident, SessionRecord

MAX_ID = 2**63 - 1
ID = Annotated[int, Field(ge=1, le=MAX_ID)]  # a row id: larger numbers are refused, not sent to the database


class _Out(Schema):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


# ---------------------------------------------------------------------------------------------
# Sessions


class RoomOut(_Out):
    id: int
    site: str = Field(alias="site.name")
    name: str
    kind: str
    capacity: int
    has_video: bool


class SessionOut(_Out):
    id: int
    name: str
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    batch_id: int
    batch_name: str = Field(alias="batch.name")
    batch_item: str = Field(description="职业（工种）及等级")
    starts_at: dt.datetime
    ends_at: dt.datetime
    duration_minutes: int
    rooms: list[RoomOut]

    @staticmethod
    def resolve_batch_item(obj):
        return str(obj.batch_item)

    @staticmethod
    def resolve_rooms(obj):
        return obj.rooms.select_related("site").order_by("site__name", "name")


class DayCountsOut(_Out):
    seated: int = Field(description="应到")
    checked_in: int = Field(description="已签到")
    absent: int = Field(description="缺考")
    waiting: int = Field(description="未签到")
    pending_violations: int = Field(description="待质量督导员认定的违纪违规")


class SessionDetailOut(SessionOut):
    counts: DayCountsOut


class AttemptOut(_Out):
    id: int
    ticket_number: str
    name: str
    masked_id_number: str
    room_id: int | None
    room_name: str | None
    seat: int | None
    status: str
    status_display: str
    checked_in_at: dt.datetime | None
    checked_in_by: str | None
    check_in_method: str = Field(description="qr 扫描准考证二维码；id 核验证件号码；空为未签到")
    voided: bool = Field(description="质量督导员认定成绩无效")
    has_photo: bool = Field(description="有报名照片：GET /api/v1/exams/attempts/{id}/photo")


class CheckInIn(Schema):
    code: str = Field(..., max_length=80, description="扫码枪读出的准考证二维码内容，或考生的证件号码")
    method: Literal["qr", "id"]
    room_id: ID | None = Field(None, description="签到的考场（给出时，不在该考场的考生被拒绝）")


class AbsentIn(Schema):
    attempt_ids: list[ID] = Field(..., max_length=10_000)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=200)


# ---------------------------------------------------------------------------------------------
# Incidents and violations


class CategoryOut(_Out):
    kind: str
    label: str
    handlings: list[str]
    default: str
    rule: str

    @staticmethod
    def resolve_rule(obj):
        return str(obj.rule)


class IncidentIn(Schema):
    kind: ExamIncident.Kind
    category: str = Field(..., max_length=60, description="情形：见 /api/v1/exams/incident-categories")
    occurred_at: dt.datetime
    description: str = Field(..., max_length=2000)
    handling: ExamIncident.Handling | Literal[""] = Field("", description="违纪违规为建议处理；留空按该情形的通常处理")
    handling_note: str = Field("", max_length=2000)
    attempt_id: ID | None = Field(None, description="考生（违纪违规必填）")
    room_id: ID | None = None


class DecideIn(Schema):
    handling: ExamIncident.Handling
    handling_note: str = Field(..., max_length=2000, description="认定依据")


class IncidentOut(_Out):
    id: int
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    category: str
    occurred_at: dt.datetime
    description: str
    handling: str
    handling_display: str = Field(alias="get_handling_display")
    handling_note: str
    attempt_id: int | None
    ticket_number: str | None = Field(None, alias="attempt.ticket_number")
    room_id: int | None
    recorded_by: str = Field(alias="recorded_by.get_full_name")
    decided_by: str | None = Field(None, alias="decided_by.get_full_name")
    decided_at: dt.datetime | None
    pending: bool = Field(description="违纪违规，待质量督导员认定")

    @staticmethod
    def resolve_pending(obj):
        return obj.kind == ExamIncident.Kind.VIOLATION and obj.decided_at is None


# ---------------------------------------------------------------------------------------------
# Written records


class RecordFieldOut(_Out):
    name: str
    label: str
    type: str
    required: bool
    help: str
    choices: list[str]

    @staticmethod
    def resolve_label(obj):
        return str(obj.label)

    @staticmethod
    def resolve_help(obj):
        return str(obj.help)


class RecordKindOut(_Out):
    kind: str
    label: str
    intro: str
    per_room: bool
    after_start: bool
    fields: list[RecordFieldOut]

    @staticmethod
    def resolve_label(obj):
        return str(obj.label)

    @staticmethod
    def resolve_intro(obj):
        return str(obj.intro)


class RecordIn(Schema):
    kind: SessionRecord.Kind
    room_id: ID | None = Field(None, description="按考场填写的记录（试卷领取、回收与密封）必填")
    content: dict[str, Any] = Field(..., description="各字段的值：见 /api/v1/exams/record-kinds；时间用 ISO 8601")


class RecordOut(_Out):
    id: int
    kind: str
    kind_display: str = Field(alias="get_kind_display")
    room_id: int | None
    content: dict[str, Any]
    recorded_by: str = Field(alias="recorded_by.get_full_name")
    recorded_at: dt.datetime


# ---------------------------------------------------------------------------------------------
# The candidate


class MyAttemptOut(_Out):
    id: int
    ticket_number: str
    batch_name: str = Field(alias="session.batch.name")
    session_name: str = Field(alias="session.name")
    kind_display: str = Field(alias="session.get_kind_display")
    starts_at: dt.datetime = Field(alias="session.starts_at")
    ends_at: dt.datetime = Field(alias="session.ends_at")
    site: str | None = Field(None, alias="room.site.name")
    room: str | None = Field(None, alias="room.name")
    seat: int | None
    status: str
    status_display: str = Field(alias="get_status_display")
    checked_in_at: dt.datetime | None
    total_score: Decimal | None = Field(description="成绩经阅卷人员复核确认后才有")


class ExamSignInIn(Schema):
    ticket_number: str = Field(..., max_length=30)
    id_number: str = Field(..., max_length=40)


class ExamAttemptOut(_Out):
    ticket_number: str
    name: str = Field(alias="application.name")
    session_name: str = Field(alias="session.name")
    mode: str = Field(alias="session.mode")
    status: str
    status_display: str = Field(alias="get_status_display")
    starts_at: dt.datetime = Field(alias="session.starts_at")
    ends_at: dt.datetime = Field(alias="session.ends_at")
    started_at: dt.datetime | None
    deadline_at: dt.datetime | None
    submitted_at: dt.datetime | None
    remaining_seconds: int = Field(description="服务器计时的剩余秒数")
    total_score: Decimal | None = Field(description="成绩经阅卷人员复核确认后才有")

    @staticmethod
    def resolve_remaining_seconds(obj):
        from skilleval.exams.services.cbt import attempt_remaining_seconds

        return attempt_remaining_seconds(obj)


class ExamTokenOut(_Out):
    token: str = Field(description="之后的机考请求放在请求头 X-Exam-Token 中；24 小时内有效")
    attempt: ExamAttemptOut


class OptionOut(_Out):
    key: str
    text: str


class QuestionOut(_Out):
    number: int
    paper_item_id: int
    kind: str
    kind_label: str
    stem: str
    options: list[OptionOut]
    score: Decimal
    response: Any
    version: int = Field(description="已保存的版本号；下次保存用更大的版本号")


class AnswerIn(Schema):
    paper_item_id: ID
    response: list[str] | str | bool | None = Field(
        None, description="单选 \"B\"，多选 [\"A\", \"C\"]，判断 true/false，简答为文本；null 为清空")
    version: int = Field(..., ge=1, le=2**31 - 1, description="每次修改递增；重复或更旧的版本不改变已保存的答案")


class SaveOut(_Out):
    paper_item_id: int
    changed: bool = Field(description="false：重复或过时的保存，未改变任何内容")
    saved_at: dt.datetime | None


class ErrorOut(_Out):
    detail: str
