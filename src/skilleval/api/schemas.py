import datetime as dt

from ninja import Schema


class ErrorOut(Schema):
    detail: str


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    organisation_id: int | None
    jurisdiction_id: int | None
    is_candidate: bool


class LevelOut(Schema):
    rank: int
    code: int | None
    name: str
    title: str
    is_certificate_level: bool
    is_high_skill: bool


class IDTypeOut(Schema):
    code: str
    name: str
    is_resident_id: bool


class WorkTypeOut(Schema):
    code: str
    name: str


class OccupationOut(Schema):
    code: str
    name: str
    is_skill_type: bool
    is_access_type: bool
    can_self_evaluate: bool
    is_sample: bool


class JurisdictionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    authority_name: str


class PolicyProfileOut(Schema):
    key: str
    name: str
    jurisdiction_code: str | None
    source: str
    plan_lead_workdays: int
    publicity_days: int
    publicity_day_kind: str
    report_deadline_workdays: int
    report_deadline_anchor: str
    correction_workdays: int
    filing_review_workdays: int
    scope_adjustment_months: list[int]
    min_examiners_per_occupation_level: int
    min_examiners_per_candidate: int
    min_proctors_per_room: int
    heads_per_site: int
    video_retention_years: int
    paper_retention_years: int
    electronic_retention_years: int
    inspection_min_percent: int
    inactivity_months: int
    min_candidate_age: int
    model_organisations_per_year: int
    default_pass_mark: int
    province_filing_levels: list[int]


class WorkdayAddOut(Schema):
    start: dt.date
    days: int
    date: dt.date
    provisional: bool
    unconfirmed_years: list[int]


class WorkdayBetweenOut(Schema):
    start: dt.date
    end: dt.date
    working_days: int
    provisional: bool


class ValidationOut(Schema):
    valid: bool
    message: str
    birth_date: dt.date | None = None
    sex: str | None = None


class AuditEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    summary: str
    before: dict | None
    after: dict | None


class JobOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    total: int
    done: int
    percent: int
    message: str
    error: str
    result: dict
