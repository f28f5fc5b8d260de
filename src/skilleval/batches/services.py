"""Every write in an evaluation batch: creating and announcing it, candidates'
applications (online and imported share one validation), the organisation's
review and commitment, and the plan filed with the authority."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.accounts.models import Person
from skilleval.catalog.models import IDType, Level, Occupation, WorkType
from skilleval.core.audit import audit_record, personal_data_view_record, snapshot
from skilleval.core.errors import DomainError
from skilleval.core.files import check_upload
from skilleval.core.models import AuditEvent
from skilleval.core.notifications import notify
from skilleval.core.validators import normalize_resident_id, parse_resident_id
from skilleval.core.workdays import working_calendar
from skilleval.orgs.models import Organisation, ScopeItem

from .models import (
    METHODS_WITHOUT_EXAM,
    Application,
    Award,
    Batch,
    BatchItem,
    BatchKind,
    BatchStaff,
    Education,
    HeldCertificate,
    Method,
)
from .selectors import special_abilities_for

Status = Batch.Status
PLAN_HEADINGS = (
    ("occupations", "一、评价职业、等级"),
    ("eligibility", "二、申报条件"),
    ("time_place", "三、评价时间、地点"),
    ("content_method", "四、评价内容、方式及评价流程"),
    ("candidates", "五、报名人员总体情况"),
    ("rooms", "六、考场设置"),
    ("staff", "七、工作人员安排"),
    ("emergency", "八、应急预案"),
    ("contact", "九、联系人及电话"),
)


def _audit(actor: Any, obj: Any, action: str, summary: str, before: dict | None = None,
           after: dict | None = None, organisation_id: int | None = None) -> None:
    audit_record(actor=actor, action=action, obj=obj, summary=summary, before=before, after=after,
                 organisation_id=organisation_id)


def _require_org(actor: Actor, organisation_id: int) -> None:
    actor.require(Perm.BATCH_MANAGE)
    if actor.organisation_id != organisation_id:
        raise DomainError(_("您只能办理本单位的认定批次。"))


def _lock(batch: Batch) -> Batch:
    return Batch.objects.select_for_update().select_related("organisation", "organisation__jurisdiction").get(
        pk=batch.pk)


# ---------------------------------------------------------------------------------------------
# Batch and announcement

BATCH_FIELDS = ("name", "registration_opens", "registration_closes", "first_exam_date", "last_exam_date", "sites",
                "candidate_scope", "content", "eligibility_notes", "contact")


def _check_batch_dates(data: dict[str, Any]) -> None:
    if data["registration_closes"] < data["registration_opens"]:
        raise DomainError(_("报名截止日期不能早于报名开始日期。"), field="registration_closes")
    if data["first_exam_date"] <= data["registration_closes"]:
        raise DomainError(_("评价开始日期应晚于报名截止日期。"), field="first_exam_date")
    if data["last_exam_date"] < data["first_exam_date"]:
        raise DomainError(_("评价结束日期不能早于评价开始日期。"), field="last_exam_date")
    for name in ("name", "sites", "contact"):
        if not str(data.get(name) or "").strip():
            label = getattr(Batch._meta.get_field(name), "verbose_name", name)
            raise DomainError(_("请填写%(f)s。") % {"f": label}, field=name)


@transaction.atomic
def batch_create(*, actor: Actor, organisation: Organisation, **data: Any) -> Batch:
    """A filed organisation in good standing opens a batch (a draft until announced)."""
    _require_org(actor, organisation.pk)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not organisation.can_create_batch():
        raise DomainError(_("只有备案有效的评价机构才能创建认定批次（本单位当前：%(s)s）。") % {
            "s": organisation.get_status_display()})
    values = {k: data[k] for k in BATCH_FIELDS if k in data}
    values["kind"] = data.get("kind") or BatchKind.LEVEL
    if values["kind"] not in BatchKind.values:
        raise DomainError(_("请选择评价类型（职业技能等级认定或专项职业能力考核）。"), field="kind")
    _check_batch_dates({**{k: "" for k in ("name", "sites", "contact")}, **values})
    year = values["first_exam_date"].year
    prefix = f"{organisation.filing_number}-{year}-"
    last = Batch.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    code = f"{prefix}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:02d}"
    batch = Batch.objects.create(organisation=organisation, code=code, created_by=actor.user, **values)
    _audit(actor, batch, AuditEvent.Action.CREATE, _("创建认定批次"), after=snapshot(batch),
           organisation_id=organisation.pk)
    return batch


@transaction.atomic
def batch_update(*, actor: Actor, batch: Batch, data: dict[str, Any]) -> Batch:
    batch = _lock(batch)
    _require_org(actor, batch.organisation_id)
    if not batch.can_edit():
        raise DomainError(_("公告发布后不能修改批次基本信息。"))
    before = snapshot(batch, BATCH_FIELDS)
    values = {k: (getattr(batch, k) if k not in data else data[k]) for k in BATCH_FIELDS}
    _check_batch_dates(values)
    for key, value in values.items():
        setattr(batch, key, value)
    batch.save()
    _audit(actor, batch, AuditEvent.Action.UPDATE, _("修改批次信息"), before=before,
           after=snapshot(batch, BATCH_FIELDS), organisation_id=batch.organisation_id)
    return batch


def _int(value: Any, field: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("请填写整数。"), field=field) from None
    if not low <= number <= high:
        raise DomainError(_("应在 %(a)d 至 %(b)d 之间。") % {"a": low, "b": high}, field=field)
    return number


@transaction.atomic
def batch_item_add(
    *, actor: Actor, batch: Batch, occupation_code: str, level_code: Any, method: str, work_type_code: str = "",
    theory_weight: Any = 0, practical_weight: Any = 0, review_weight: Any = 0, pass_mark: Any = None,
    modules: list[dict] | None = None, exam_date: dt.date | None = None, capacity: Any = None,
) -> BatchItem:
    """Add an occupation (work type) x level inside the organisation's approved scope, with
    its method, weights and pass mark."""
    batch = _lock(batch)
    _require_org(actor, batch.organisation_id)
    if not batch.can_edit():
        raise DomainError(_("公告发布后不能再增减评价职业。"))
    if batch.is_special_assessment:
        raise DomainError(_("专项职业能力考核批次不设职业等级，请选择本批次考核的专项职业能力。"), field="occupation_code")
    occupation = Occupation.objects.filter(code=(occupation_code or "").strip()).first()
    if occupation is None:
        raise DomainError(_("职业编码“%(c)s”不在职业目录中。") % {"c": occupation_code}, field="occupation_code")
    work_type = None
    if work_type_code:
        work_type = WorkType.objects.filter(code=work_type_code.strip(), occupation=occupation).first()
        if work_type is None:
            raise DomainError(_("工种不属于该职业。"), field="work_type_code")
    level = Level.objects.filter(code=_int(level_code, "level_code", 1, 5)).first()
    in_scope = ScopeItem.objects.filter(organisation_id=batch.organisation_id, occupation=occupation, level=level,
                                        removed_on=None)
    in_scope = in_scope.filter(work_type=work_type) if work_type else in_scope
    if level is None or not in_scope.exists():
        raise DomainError(_("“%(o)s %(l)s”不在本单位备案的职业范围内。") % {"o": work_type or occupation, "l": level},
                          field="occupation_code")
    if method not in Method.values:
        raise DomainError(_("请选择评价方式。"), field="method")
    weights = [_int(w or 0, name, 0, 100) for w, name in ((theory_weight, "theory_weight"),
                                                          (practical_weight, "practical_weight"),
                                                          (review_weight, "review_weight"))]
    if method not in METHODS_WITHOUT_EXAM and sum(weights) != 100:
        raise DomainError(_("各部分权重之和应为100%%，当前为%(n)d%%。") % {"n": sum(weights)}, field="theory_weight")
    if method in METHODS_WITHOUT_EXAM:
        weights = [0, 0, 100]
    profile = batch.organisation.jurisdiction.policy_profile()
    mark = profile.default_pass_mark if pass_mark in (None, "") else _int(pass_mark, "pass_mark", 1, 100)
    modules = [m for m in (modules or []) if str(m.get("name", "")).strip()]
    if method == Method.MODULAR and not any(m.get("mandatory") for m in modules):
        raise DomainError(_("模块化考核须至少设置一个必考模块（通用技能模块）。"), field="modules")
    if exam_date and not batch.first_exam_date <= exam_date <= batch.last_exam_date:
        raise DomainError(_("考核日期应在批次评价期间内。"), field="exam_date")
    try:
        with transaction.atomic():
            item = BatchItem.objects.create(
                batch=batch, occupation=occupation, work_type=work_type, level=level, method=method,
                theory_weight=weights[0], practical_weight=weights[1], review_weight=weights[2], pass_mark=mark,
                modules=[{"name": str(m["name"]).strip()[:50], "mandatory": bool(m.get("mandatory"))} for m in modules],
                exam_date=exam_date, capacity=_int(capacity, "capacity", 1, 100000) if capacity else None,
            )
    except IntegrityError:
        raise DomainError(_("该职业等级已在本批次中。"), field="occupation_code") from None
    _audit(actor, batch, AuditEvent.Action.UPDATE, _("添加评价职业：%(i)s（%(m)s）") % {
        "i": item, "m": item.get_method_display()}, after=snapshot(item), organisation_id=batch.organisation_id)
    return item


@transaction.atomic
def batch_special_ability_set(*, actor: Actor, batch: Batch, ability_code: str, exam_date: dt.date | None = None,
                              capacity: Any = None) -> BatchItem:
    """Name the special ability a special assessment batch evaluates: one module (its norm's,
    e.g. 操作技能) weighted 100%, the norm's pass mark or the profile's default. Replaces the
    batch's previous choice while it is a draft."""
    batch = _lock(batch)
    _require_org(actor, batch.organisation_id)
    if not batch.is_special_assessment:
        raise DomainError(_("职业技能等级认定批次请添加评价职业及等级。"), field="ability_code")
    if not batch.can_edit():
        raise DomainError(_("公告发布后不能再更改考核的专项职业能力。"))
    ability = special_abilities_for(batch.organisation).filter(code=(ability_code or "").strip()).first()
    if ability is None:
        raise DomainError(_("“%(c)s”不是经本地市级人社部门备案考核规范的专项职业能力。") % {"c": ability_code or ""},
                          field="ability_code")
    if exam_date and not batch.first_exam_date <= exam_date <= batch.last_exam_date:
        raise DomainError(_("考核日期应在批次评价期间内。"), field="exam_date")
    profile = batch.organisation.jurisdiction.policy_profile()
    before = [snapshot(i) for i in batch.items.all()]
    batch.items.all().delete()
    item = BatchItem.objects.create(
        batch=batch, occupation=ability.occupation, special_ability=ability, level=None, method=Method.EXAM,
        theory_weight=0, practical_weight=100, review_weight=0,
        pass_mark=ability.pass_mark if ability.pass_mark is not None else profile.default_pass_mark,
        modules=[{"name": ability.module, "mandatory": True}], exam_date=exam_date,
        capacity=_int(capacity, "capacity", 1, 100000) if capacity else None)
    _audit(actor, batch, AuditEvent.Action.UPDATE, _("设置考核的专项职业能力：%(a)s（%(n)s）") % {
        "a": ability.name, "n": ability.norm_title}, before={"items": before} if before else None,
        after=snapshot(item), organisation_id=batch.organisation_id)
    return item


@transaction.atomic
def batch_item_remove(*, actor: Actor, item: BatchItem) -> None:
    batch = _lock(item.batch)
    _require_org(actor, batch.organisation_id)
    if not batch.can_edit():
        raise DomainError(_("公告发布后不能再增减评价职业。"))
    _audit(actor, batch, AuditEvent.Action.UPDATE, _("删除评价职业：%(i)s") % {"i": item}, before=snapshot(item),
           organisation_id=batch.organisation_id)
    item.delete()


@transaction.atomic
def batch_announce(*, actor: Actor, batch: Batch, today: dt.date | None = None) -> Batch:
    """Publish the announcement to the workforce [SD 4(1)]."""
    batch = _lock(batch)
    _require_org(actor, batch.organisation_id)
    today = today or timezone.localdate()
    if not batch.can_announce():
        raise DomainError(_("批次当前为“%(s)s”，不能发布公告。") % {"s": batch.get_status_display()})
    if not batch.organisation.can_create_batch():
        raise DomainError(_("本单位备案已失效，不能发布认定公告。"))
    if not batch.items.exists():
        raise DomainError(_("请选择本批次考核的专项职业能力。") if batch.is_special_assessment
                          else _("请至少添加一个评价职业（工种）及等级。"))
    if batch.registration_closes < today:
        raise DomainError(_("报名截止日期已过，请先修改报名时间。"), field="registration_closes")
    batch.status = Status.ANNOUNCED
    batch.announced_at = timezone.now()
    batch.save(update_fields=["status", "announced_at", "updated_at"])
    _audit(actor, batch, AuditEvent.Action.TRANSITION, _("发布认定公告"), before={"status": Status.DRAFT},
           after={"status": batch.status}, organisation_id=batch.organisation_id)
    return batch


# ---------------------------------------------------------------------------------------------
# Applications: one validation for the online form and the import

APPLICATION_FIELDS = (
    "name", "education", "major", "graduated_on", "school_kind", "major_matches", "work_started_on",
    "political_status", "phone", "current_post", "years_in_occupation", "work_type_direction",
    "apprenticeship_completed", "requested_route", "condition_text", "work_history",
)


@dataclass
class ApplicationData:
    """One application as typed in the form or read from an import row, before checks."""

    id_type_code: str
    id_number: str
    name: str
    item_id: int | None
    post_occupation_code: str
    education: str
    work_started_on: dt.date | None
    years_in_occupation: Any
    phone: str
    current_post: str
    sex: str = ""
    birth_date: dt.date | None = None
    major: str = ""
    graduated_on: dt.date | None = None
    school_kind: str = ""
    major_matches: bool = False
    political_status: str = ""
    work_type_direction: str = ""
    apprenticeship_completed: bool = False
    requested_route: str = Application.Route.NORMAL
    condition_text: str = ""
    work_history: str = ""
    commitment_signed: bool = False
    certificates: list[dict[str, Any]] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CheckedApplication:
    data: ApplicationData
    item: BatchItem
    post_occupation: Occupation
    id_type: IDType
    birth_date: dt.date
    sex: str
    years: Decimal


def application_check(batch: Batch, data: ApplicationData, *,
                      items: dict[int, BatchItem] | None = None,
                      occupations: dict[str, Occupation] | None = None,
                      id_types: dict[str, IDType] | None = None) -> tuple[CheckedApplication | None, list[tuple[str, str]]]:
    """Check one application's own fields. Returns the checked data, or the errors as
    (field, Chinese message) pairs. The lookups may be passed in for bulk imports."""
    errors: list[tuple[str, str]] = []
    items = items if items is not None else {i.pk: i for i in batch.items.select_related("occupation", "level")}
    id_types = id_types if id_types is not None else {t.code: t for t in IDType.objects.all()}
    id_type = id_types.get((data.id_type_code or "201").strip())
    birth, sex = data.birth_date, data.sex
    if id_type is None:
        errors.append(("id_type_code", _("证件类型代码不正确。")))
    elif id_type.is_resident_id:
        try:
            parsed = parse_resident_id(data.id_number)
        except ValidationError as exc:
            errors.append(("id_number", exc.messages[0]))
        else:
            if birth and birth != parsed.birth_date:
                errors.append(("birth_date", _("出生日期与身份证号码不一致。")))
            if sex and sex != parsed.sex:
                errors.append(("sex", _("性别与身份证号码不一致。")))
            birth, sex = parsed.birth_date, parsed.sex
    elif not data.id_number.strip() or birth is None or sex not in ("M", "F"):
        errors.append(("id_number", _("非居民身份证须填写证件号码、出生日期和性别。")))
    if not (data.name or "").strip():
        errors.append(("name", _("请填写姓名。")))
    elif len(data.name.strip()) > 50:
        errors.append(("name", _("姓名不能超过50个字符。")))
    item = items.get(data.item_id) if data.item_id is not None else None
    if item is None:
        errors.append(("item", _("申报职业等级不在本批次中。")))
    post = None
    code = (data.post_occupation_code or "").strip()
    if occupations is not None:
        post = occupations.get(code)
    elif code:
        post = Occupation.objects.filter(code=code).first()
    if post is None:
        errors.append(("post_occupation_code", _("请填写现岗位对应的职业编码（职业目录中）。")))
    elif item is not None and post.pk != item.occupation_id and not batch.is_special_assessment:
        errors.append(("post_occupation_code", _("申报职业“%(a)s”与现从事岗位的职业“%(b)s”不一致，应申报本人实际工作岗位的职业。") % {
            "a": item.occupation.name, "b": post.name}))
    if not (data.education or "").strip():
        errors.append(("education", _("请填写文化程度。")))
    if data.school_kind and data.school_kind not in Education.values:
        errors.append(("school_kind", _("毕业院校类别不正确。")))
    if data.work_started_on is None:
        errors.append(("work_started_on", _("请填写参加工作时间。")))
    try:
        years = Decimal(str(data.years_in_occupation).strip())
        if not years.is_finite() or years < 0 or years > 60 or years != years.quantize(Decimal("0.1")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.append(("years_in_occupation", _("本职业年限应为0至60之间的数字，最多一位小数。")))
        years = Decimal(0)
    if not re.fullmatch(r"[0-9+\-() ]{5,20}", (data.phone or "").strip()):
        errors.append(("phone", _("联系电话格式不正确。")))
    if not (data.current_post or "").strip():
        errors.append(("current_post", _("请填写现从事岗位。")))
    if data.requested_route not in (Application.Route.NORMAL, Application.Route.EXCEPTIONAL):
        errors.append(("requested_route", _("申报类别只能是正常申报或破格申报。")))
    elif batch.is_special_assessment and data.requested_route != Application.Route.NORMAL:
        errors.append(("requested_route", _("专项职业能力考核不分等级，没有越级或破格申报。")))
    known = set(Occupation.objects.filter(code__in=[c.get("occupation_code") for c in data.certificates
                                                     if c.get("occupation_code")]).values_list("code", flat=True)) \
        if occupations is None else set(occupations)
    for cert in data.certificates:
        code = (cert.get("occupation_code") or "").strip()
        if code and code not in known:
            errors.append(("certificates", _("已有证书的职业编码“%(c)s”不在职业目录中。") % {"c": code}))
    if data.graduated_on and birth and data.graduated_on <= birth:
        errors.append(("graduated_on", _("毕业时间应晚于出生日期。")))
    if errors or item is None or post is None or id_type is None or birth is None:
        return None, errors
    return CheckedApplication(data, item, post, id_type, birth, sex, years), errors


def _application_number(batch: Batch, sequence: int) -> str:
    return f"{batch.code}-{sequence:05d}"


def _next_sequence(batch: Batch) -> int:
    last = Application.objects.filter(batch=batch).aggregate(m=Max("number"))["m"]
    return int(last.rsplit("-", 1)[1]) + 1 if last else 1


def _person_for(checked: CheckedApplication, organisation_id: int, user: Any = None) -> Person:
    data = checked.data
    number = normalize_resident_id(data.id_number) if checked.id_type.is_resident_id else data.id_number.strip().upper()
    person = Person.objects.filter(id_type=checked.id_type, id_number=number).first()
    if person is None:
        person = Person.objects.create(id_type=checked.id_type, id_number=number, name=data.name.strip(),
                                       sex=checked.sex, birth_date=checked.birth_date, phone=data.phone.strip(),
                                       user=user, organisation_id=organisation_id)
    return person


def _fill(application: Application, checked: CheckedApplication) -> None:
    data = checked.data
    for name in APPLICATION_FIELDS:
        value = getattr(data, name)
        setattr(application, name, value.strip() if isinstance(value, str) else value)
    application.item = checked.item
    application.post_occupation = checked.post_occupation
    application.years_in_occupation = checked.years
    application.birth_date = checked.birth_date
    application.sex = checked.sex
    application.commitment_signed = bool(data.commitment_signed)
    if application.commitment_signed and application.commitment_signed_at is None:
        application.commitment_signed_at = timezone.now()


def _write_lines(application: Application, data: ApplicationData) -> None:
    application.certificates.all().delete()
    application.awards.all().delete()
    occupations = {o.code: o for o in Occupation.objects.filter(
        code__in=[c.get("occupation_code", "") for c in data.certificates])}
    for cert in data.certificates:
        HeldCertificate.objects.create(application=application, kind=cert.get("kind", "skill_level"),
                                       occupation=occupations.get(cert.get("occupation_code", "")),
                                       level=cert.get("level"), number=str(cert.get("number", ""))[:40],
                                       issued_on=cert.get("issued_on"))
    for award in data.awards:
        Award.objects.create(application=application, kind=award.get("kind", "honour"), tier=award["tier"],
                             name=str(award.get("name", ""))[:200], year=award.get("year") or timezone.now().year,
                             rank=award.get("rank"), filed_competition=bool(award.get("filed_competition")))


def application_evaluate(application: Application) -> Application:
    """Run the eligibility engine and store its verdict on the application."""
    from .eligibility import evaluate_application

    verdict = evaluate_application(application)
    application.eligible = verdict.eligible
    application.route = verdict.route
    application.rule_label = verdict.rule_label[:300]
    application.reasons = verdict.reasons
    application.flags = verdict.flags
    application.evaluated_at = timezone.now()
    application.save(update_fields=["eligible", "route", "rule_label", "reasons", "flags", "evaluated_at",
                                    "updated_at"])
    return application


def _errors_message(errors: list[tuple[str, str]]) -> DomainError:
    field_name, message = errors[0]
    return DomainError("；".join(m for _f, m in errors), field=field_name)


@transaction.atomic
def application_submit(*, actor: Actor, batch: Batch, data: ApplicationData, uploads: dict[str, Any] | None = None,
                       today: dt.date | None = None) -> Application:
    """A candidate registers online, inside the registration window, for their own person."""
    batch = _lock(batch)
    today = today or timezone.localdate()
    if actor.person_id is None:
        raise DomainError(_("请使用本人的考生账号报名。"))
    person = Person.objects.get(pk=actor.person_id)
    if person.organisation_id != batch.organisation_id:
        raise DomainError(_("只有本单位职工可以在线报名；其他人员由单位统一导入。"))
    if not batch.registration_open(today):
        raise DomainError(_("不在报名时间内（%(a)s 至 %(b)s）。") % {
            "a": batch.registration_opens.isoformat(), "b": batch.registration_closes.isoformat()})
    if (data.id_type_code or "201") != person.id_type.code or data.id_number.strip().upper() != person.id_number:
        raise DomainError(_("只能以本人证件报名。"), field="id_number")
    if not data.commitment_signed:
        raise DomainError(_("请签署个人承诺（含工作年限书面承诺）。"), field="commitment_signed")
    checked, errors = application_check(batch, data)
    if errors or checked is None:
        raise _errors_message(errors)
    if Application.objects.filter(batch=batch, person=person).exclude(status=Application.Status.WITHDRAWN).exists():
        raise DomainError(_("您已报名本批次，同一批次只能申报一个职业（工种）。"), field="item")
    checked_uploads = {name: (check_upload(upload, allowed=("pdf", "jpg", "jpeg", "png"), max_bytes=5 * 1024 * 1024,
                                           field=name), upload)
                       for name, upload in (uploads or {}).items() if upload}
    application = Application(batch=batch, person=person, source=Application.Source.ONLINE,
                              number=_application_number(batch, _next_sequence(batch)))
    _fill(application, checked)
    for name, (checked_upload, upload) in checked_uploads.items():
        getattr(application, name).save(f"{application.number}-{name}.{checked_upload.extension}", upload, save=False)
    application.save()
    _write_lines(application, data)
    application_evaluate(application)
    _audit(actor, application, AuditEvent.Action.CREATE, _("网上报名：%(i)s") % {"i": checked.item},
           after={"number": application.number, "item": str(checked.item)}, organisation_id=batch.organisation_id)
    return application


@transaction.atomic
def application_update(*, actor: Actor, application: Application, data: ApplicationData) -> Application:
    """The candidate corrects a returned application; it goes back to the queue."""
    application = Application.objects.select_for_update().select_related("batch").get(pk=application.pk)
    if actor.person_id != application.person_id:
        raise DomainError(_("只能修改本人的报名。"))
    if application.status != Application.Status.RETURNED or not application.batch.can_review():
        raise DomainError(_("只有被退回修改的报名才能修改。"))
    person = application.person
    if (data.id_type_code or "201") != person.id_type.code or data.id_number.strip().upper() != person.id_number:
        raise DomainError(_("不能更改报名人的证件。"), field="id_number")
    checked, errors = application_check(application.batch, data)
    if errors or checked is None:
        raise _errors_message(errors)
    before = snapshot(application, APPLICATION_FIELDS)
    _fill(application, checked)
    application.status = Application.Status.SUBMITTED
    application.save()
    _write_lines(application, data)
    application_evaluate(application)
    _audit(actor, application, AuditEvent.Action.UPDATE, _("修改后重新提交报名"), before=before,
           after=snapshot(application, APPLICATION_FIELDS), organisation_id=application.batch.organisation_id)
    return application


@transaction.atomic
def application_withdraw(*, actor: Actor, application: Application) -> Application:
    application = Application.objects.select_for_update().select_related("batch").get(pk=application.pk)
    if actor.person_id != application.person_id:
        raise DomainError(_("只能撤回本人的报名。"))
    if application.status not in (Application.Status.SUBMITTED, Application.Status.RETURNED):
        raise DomainError(_("报名当前为“%(s)s”，不能撤回。") % {"s": application.get_status_display()})
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    _audit(actor, application, AuditEvent.Action.TRANSITION, _("考生撤回报名"),
           organisation_id=application.batch.organisation_id)
    return application


REVIEW_DECISIONS = {
    "accept": Application.Status.ACCEPTED,
    "return": Application.Status.RETURNED,
    "reject": Application.Status.REJECTED,
}


@transaction.atomic
def application_review(*, actor: Actor, application: Application, decision: str, reason: str = "",
                       seen_status: str | None = None) -> Application:
    """The organisation accepts, returns for correction (with reasons) or rejects.
    `seen_status` is the status the reviewer's page showed: when another reviewer decided
    in between, this decision is refused rather than silently overriding theirs."""
    application = Application.objects.select_for_update().select_related("batch", "person").get(pk=application.pk)
    _require_org(actor, application.batch.organisation_id)
    if decision not in REVIEW_DECISIONS:
        raise DomainError(_("审核结论不正确。"), field="decision")
    if seen_status and seen_status != application.status:
        raise DomainError(_("该报名刚刚已由他人审核为“%(s)s”，您的审核结论未保存。请查看后重新审核。") % {
            "s": application.get_status_display()})
    if not application.can_review():
        raise DomainError(_("该报名当前为“%(s)s”，不能审核。") % {"s": application.get_status_display()})
    reason = (reason or "").strip()
    if decision in ("return", "reject") and not reason:
        raise DomainError(_("退回或不通过须写明理由。"), field="reason")
    if decision == "accept" and not application.eligible:
        raise DomainError(_("资格判定未通过（%(r)s），不能审核通过。") % {"r": "；".join(application.reasons)},
                          field="decision")
    before = {"status": application.status}
    application.status = REVIEW_DECISIONS[decision]
    application.review_reason = reason
    application.reviewed_at = timezone.now()
    application.reviewed_by = actor.user
    application.save(update_fields=["status", "review_reason", "reviewed_at", "reviewed_by", "updated_at"])
    _audit(actor, application, AuditEvent.Action.TRANSITION,
           _("资格审核：%(d)s") % {"d": application.get_status_display()} + (f"（{reason}）" if reason else ""),
           before=before, after={"status": application.status}, organisation_id=application.batch.organisation_id)
    if application.person.user_id:
        notify(user=application.person.user, title=_("您在“%(b)s”的报名：%(s)s") % {
            "b": application.batch.name, "s": application.get_status_display()}, body=reason,
            link=reverse("batches:application_detail", args=[application.pk]))
    return application


# ---------------------------------------------------------------------------------------------
# Commitment, roster, plan and its filing


@transaction.atomic
def batch_sign_commitment(*, actor: Actor, batch: Batch, signatory: str) -> Batch:
    """The review commitment letter (报名资料审核承诺书, SD att.3), signed when every
    application has been reviewed."""
    batch = _lock(batch)
    _require_org(actor, batch.organisation_id)
    if not batch.can_review():
        raise DomainError(_("批次当前为“%(s)s”，不能签署承诺书。") % {"s": batch.get_status_display()})
    if not (signatory or "").strip():
        raise DomainError(_("请填写负责人姓名。"), field="signatory")
    pending = batch.applications.filter(status__in=(Application.Status.SUBMITTED, Application.Status.RETURNED))
    if pending.exists():
        raise DomainError(_("还有 %(n)d 份报名未完成审核，审核完毕后才能签署承诺书。") % {"n": pending.count()})
    batch.commitment_signed_by = signatory.strip()[:50]
    batch.commitment_signed_at = timezone.now()
    batch.save(update_fields=["commitment_signed_by", "commitment_signed_at", "updated_at"])
    _audit(actor, batch, AuditEvent.Action.UPDATE, _("签署报名资料审核承诺书：%(s)s") % {"s": batch.commitment_signed_by},
           organisation_id=batch.organisation_id)
    return batch


@transaction.atomic
def batch_staff_add(*, actor: Actor, batch: Batch, role: str, name: str, id_number: str) -> BatchStaff:
    batch = _lock(batch)
    _require_org(actor, batch.organisation_id)
    if not batch.can_file_plan() and not batch.can_edit():
        raise DomainError(_("计划报备后不能修改考务人员名单。"))
    if role not in BatchStaff.Role.values:
        raise DomainError(_("请选择职责。"), field="role")
    if not (name or "").strip():
        raise DomainError(_("请填写姓名。"), field="name")
    try:
        number = parse_resident_id(id_number).number
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="id_number") from None
    existing = batch.staff.filter(id_number=number).first()
    if existing is not None:
        raise DomainError(_("%(n)s 已担任本批次的%(r)s；同一批次中监考、考评、督导人员不得兼任。") % {
            "n": existing.name, "r": existing.get_role_display()}, field="id_number")
    if batch.applications.filter(person__id_number=number).exclude(status=Application.Status.WITHDRAWN).exists():
        raise DomainError(_("该人员是本批次的考生，不能担任考务人员。"), field="id_number")
    member = BatchStaff.objects.create(batch=batch, role=role, name=name.strip()[:50], id_number=number)
    _audit(actor, batch, AuditEvent.Action.UPDATE, _("添加%(r)s：%(n)s") % {"r": member.get_role_display(),
                                                                          "n": member.name},
           organisation_id=batch.organisation_id)
    return member


@transaction.atomic
def batch_staff_remove(*, actor: Actor, member: BatchStaff) -> None:
    batch = _lock(member.batch)
    _require_org(actor, batch.organisation_id)
    if not batch.can_file_plan() and not batch.can_edit():
        raise DomainError(_("计划报备后不能修改考务人员名单。"))
    _audit(actor, batch, AuditEvent.Action.UPDATE, _("删除%(r)s：%(n)s") % {"r": member.get_role_display(),
                                                                          "n": member.name},
           organisation_id=batch.organisation_id)
    member.delete()


def plan_draft(batch: Batch) -> dict[str, str]:
    """The assessment plan (考核方案, SD att.2), drafted from the batch's data under its nine
    headings; the organisation may edit each text before filing."""
    items = list(batch.items.select_related("occupation", "work_type", "level"))
    accepted = batch.applications.filter(status=Application.Status.ACCEPTED)
    counts: dict[int, int] = {}
    for item_id in accepted.values_list("item_id", flat=True):
        counts[item_id] = counts.get(item_id, 0) + 1
    staff = list(batch.staff.all())
    by_role = {role: [s.name for s in staff if s.role == role] for role, _label in BatchStaff.Role.choices}
    lines_items = [f"{i.occupation.code} {i}" for i in items]
    method_lines = []
    for i in items:
        if i.method in METHODS_WITHOUT_EXAM:
            weights = _("不参加理论和技能考试，依据业绩、竞赛或认定方案评定")
        else:
            weights = _("理论知识%(t)d%%、操作技能%(p)d%%、综合评审%(r)d%%，各部分%(m)d分合格") % {
                "t": i.theory_weight, "p": i.practical_weight, "r": i.review_weight, "m": i.pass_mark}
        modules = "；".join(f"{m['name']}（{'必考' if m['mandatory'] else '选考'}）" for m in i.modules)
        method_lines.append(f"{i}：{i.get_method_display()}，{weights}" + (f"；模块：{modules}" if modules else ""))
    return {
        "occupations": "\n".join(lines_items),
        "eligibility": batch.eligibility_notes or (
            _("按专项职业能力考核规范执行，不设等级和工作年限条件，年满最低年龄即可报名。") if batch.is_special_assessment
            else _("按备案的申报条件执行，含越级、破格申报条件。")),
        "time_place": _("%(a)s 至 %(b)s；地点：%(s)s") % {"a": batch.first_exam_date.isoformat(),
                                                      "b": batch.last_exam_date.isoformat(), "s": batch.sites},
        "content_method": "\n".join(method_lines),
        "candidates": _("审核通过 %(n)d 人：") % {"n": sum(counts.values())} + "；".join(
            f"{i} {counts.get(i.pk, 0)}人" for i in items),
        "rooms": batch.sites,
        "staff": "；".join(f"{BatchStaff.Role(role).label}{len(names)}人（{'、'.join(names)}）"
                          for role, names in by_role.items() if names),
        "emergency": _("考场突发停电、设备故障、人员身体不适等情况，由主考统一指挥，启用备用考场、备用设备，做好记录并及时报告。"),
        "contact": batch.contact,
    }


@transaction.atomic
def batch_plan_save(*, actor: Actor, batch: Batch, plan: dict[str, str]) -> Batch:
    batch = _lock(batch)
    _require_org(actor, batch.organisation_id)
    if not batch.can_file_plan():
        raise DomainError(_("批次当前为“%(s)s”，不能修改考核方案。") % {"s": batch.get_status_display()})
    keys = {key for key, _label in PLAN_HEADINGS}
    batch.plan = {key: str(plan.get(key, "")).strip()[:5000] for key in keys}
    batch.save(update_fields=["plan", "updated_at"])
    _audit(actor, batch, AuditEvent.Action.UPDATE, _("保存考核方案"), organisation_id=batch.organisation_id)
    return batch


@transaction.atomic
def batch_reschedule(*, actor: Actor, batch: Batch, first_exam_date: dt.date, last_exam_date: dt.date) -> Batch:
    """Move the evaluation dates before the plan is filed (e.g. when the plan would be late)."""
    batch = _lock(batch)
    _require_org(actor, batch.organisation_id)
    if not batch.can_file_plan():
        raise DomainError(_("计划报备后不能再调整评价日期。"))
    if first_exam_date <= batch.registration_closes:
        raise DomainError(_("评价开始日期应晚于报名截止日期（%(d)s）。") % {"d": batch.registration_closes.isoformat()},
                          field="first_exam_date")
    if last_exam_date < first_exam_date:
        raise DomainError(_("评价结束日期不能早于评价开始日期。"), field="last_exam_date")
    outside = batch.items.exclude(exam_date=None).exclude(exam_date__range=(first_exam_date, last_exam_date))
    if outside.exists():
        raise DomainError(_("有职业的考核日期不在新的评价期间内，请先调整。"), field="first_exam_date")
    before = snapshot(batch, ("first_exam_date", "last_exam_date"))
    batch.first_exam_date, batch.last_exam_date = first_exam_date, last_exam_date
    batch.save(update_fields=["first_exam_date", "last_exam_date", "updated_at"])
    _audit(actor, batch, AuditEvent.Action.UPDATE, _("调整评价日期"), before=before,
           after=snapshot(batch, ("first_exam_date", "last_exam_date")), organisation_id=batch.organisation_id)
    return batch


def plan_latest_filing_date(batch: Batch) -> dt.date:
    """The latest day F on which the plan can still be filed: F + lead working days <= the
    first exam day [HF 14, SD 4(4)]."""
    lead = batch.organisation.jurisdiction.policy_profile().plan_lead_workdays
    return working_calendar().subtract(batch.first_exam_date, lead).date


def plan_earliest_exam_date(batch: Batch, today: dt.date) -> dt.date:
    lead = batch.organisation.jurisdiction.policy_profile().plan_lead_workdays
    return working_calendar().add(today, lead).date


def plan_problems(batch: Batch, today: dt.date) -> list[str]:
    """What still stops the plan from being filed, in Chinese."""
    problems: list[str] = []
    profile = batch.organisation.jurisdiction.policy_profile()
    calendar = working_calendar()
    if calendar.add(today, profile.plan_lead_workdays).date > batch.first_exam_date:
        problems.append(_("计划须在评价实施前至少%(n)d个工作日报备，最晚报备日为 %(f)s；今天报备，最早可于 %(e)s 开始评价。") % {
            "n": profile.plan_lead_workdays, "f": plan_latest_filing_date(batch).isoformat(),
            "e": plan_earliest_exam_date(batch, today).isoformat()})
    pending = batch.applications.filter(status__in=(Application.Status.SUBMITTED, Application.Status.RETURNED)).count()
    if pending:
        problems.append(_("还有 %(n)d 份报名未完成审核。") % {"n": pending})
    if not batch.applications.filter(status=Application.Status.ACCEPTED).exists():
        problems.append(_("没有审核通过的考生。"))
    if not batch.commitment_signed_at:
        problems.append(_("请签署报名资料审核承诺书。"))
    roles = {role: batch.staff.filter(role=role).count() for role in BatchStaff.Role.values}
    needs_exam = batch.items.exclude(method__in=METHODS_WITHOUT_EXAM).exists()
    if needs_exam:
        if roles[BatchStaff.Role.HEAD] < profile.heads_per_site:
            problems.append(_("请安排主考（每个考点%(n)d名）。") % {"n": profile.heads_per_site})
        if roles[BatchStaff.Role.PROCTOR] < profile.min_proctors_per_room:
            problems.append(_("监考人员不少于%(n)d名（每个考场）。") % {"n": profile.min_proctors_per_room})
    if roles[BatchStaff.Role.EXAMINER] < profile.min_examiners_per_candidate:
        problems.append(_("考评员不少于%(n)d名（每名考生由不少于%(n)d名考评员评分）。") % {
            "n": profile.min_examiners_per_candidate})
    if roles[BatchStaff.Role.SUPERVISOR] < 1:
        problems.append(_("请安排内部质量督导员。"))
    if not batch.plan:
        problems.append(_("请保存考核方案。"))
    return problems


@transaction.atomic
def batch_file_plan(*, actor: Actor, batch: Batch, today: dt.date | None = None) -> Batch:
    """File the plan with the candidate list and roster at least the profile's lead time
    before the first exam day; levels 2 and 1 also go to the province."""
    batch = _lock(batch)
    _require_org(actor, batch.organisation_id)
    today = today or timezone.localdate()
    if not batch.can_file_plan():
        raise DomainError(_("批次当前为“%(s)s”，不能报备计划。") % {"s": batch.get_status_display()})
    problems = plan_problems(batch, today)
    if problems:
        raise DomainError(_("不能报备：") + "；".join(problems))
    organisation = batch.organisation
    profile = organisation.jurisdiction.policy_profile()
    levels = set(batch.items.values_list("level__code", flat=True))
    before = {"status": batch.status}
    batch.status = Status.PLAN_FILED
    batch.plan_filed_at = timezone.now()
    batch.plan_filed_on = today
    batch.plan_jurisdiction = organisation.jurisdiction
    batch.plan_copy_to_province = bool(levels & set(profile.province_filing_levels)) and \
        organisation.jurisdiction.parent_id is not None
    batch.plan_return_reason = ""
    batch.save(update_fields=["status", "plan_filed_at", "plan_filed_on", "plan_jurisdiction",
                              "plan_copy_to_province", "plan_return_reason", "updated_at"])
    _audit(actor, batch, AuditEvent.Action.TRANSITION, _("报备认定计划") + (
        _("（含技师、高级技师，同时报省级）") if batch.plan_copy_to_province else ""),
        before=before, after={"status": batch.status}, organisation_id=organisation.pk)
    return batch


def _require_plan_authority(actor: Actor, batch: Batch) -> None:
    """Only the authority the plan was filed with decides it; a province that receives a
    copy (levels 2 and 1) reads it."""
    actor.require(Perm.FILING_REVIEW)
    if batch.plan_jurisdiction_id != actor.jurisdiction_id:
        raise DomainError(_("该计划不是向您所在辖区报备的，只能由受理的人社部门确认或退回。"))


@transaction.atomic
def batch_plan_confirm(*, actor: Actor, batch: Batch) -> Batch:
    batch = _lock(batch)
    _require_plan_authority(actor, batch)
    if not batch.can_decide_plan():
        raise DomainError(_("批次当前为“%(s)s”，不能确认计划。") % {"s": batch.get_status_display()})
    batch.status = Status.PLAN_CONFIRMED
    batch.plan_decided_at = timezone.now()
    batch.plan_decided_by = actor.user
    batch.save(update_fields=["status", "plan_decided_at", "plan_decided_by", "updated_at"])
    _audit(actor, batch, AuditEvent.Action.TRANSITION, _("确认认定计划"), before={"status": Status.PLAN_FILED},
           after={"status": batch.status}, organisation_id=batch.organisation_id)
    notify(organisation_id=batch.organisation_id, title=_("认定计划“%(b)s”已确认") % {"b": batch.name},
           link=reverse("batches:batch_detail", args=[batch.pk]))
    return batch


@transaction.atomic
def batch_plan_return(*, actor: Actor, batch: Batch, reason: str) -> Batch:
    batch = _lock(batch)
    _require_plan_authority(actor, batch)
    if not batch.can_decide_plan():
        raise DomainError(_("批次当前为“%(s)s”，不能退回计划。") % {"s": batch.get_status_display()})
    if not (reason or "").strip():
        raise DomainError(_("请填写退回理由。"), field="reason")
    batch.status = Status.PLAN_RETURNED
    batch.plan_decided_at = timezone.now()
    batch.plan_decided_by = actor.user
    batch.plan_return_reason = reason.strip()
    batch.commitment_signed_at = None
    batch.commitment_signed_by = ""
    batch.save(update_fields=["status", "plan_decided_at", "plan_decided_by", "plan_return_reason",
                              "commitment_signed_at", "commitment_signed_by", "updated_at"])
    _audit(actor, batch, AuditEvent.Action.TRANSITION, _("退回认定计划：%(r)s") % {"r": reason.strip()[:200]},
           before={"status": Status.PLAN_FILED}, after={"status": batch.status}, organisation_id=batch.organisation_id)
    notify(organisation_id=batch.organisation_id, title=_("认定计划“%(b)s”被退回") % {"b": batch.name},
           body=reason.strip(), link=reverse("batches:batch_detail", args=[batch.pk]))
    return batch


DOCUMENTS = {
    "plan.pdf": ("plan_pdf", "application/pdf", "assessment-plan"),
    "plan.docx": ("plan_docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "assessment-plan"),
    "candidates.xlsx": ("candidate_list_xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        "candidates"),
    "commitment.pdf": ("commitment_pdf", "application/pdf", "commitment-letter"),
}


def batch_document(*, actor: Actor, batch: Batch, document: str) -> tuple[bytes, str, str]:
    """Build one of the batch's documents and record the export; LookupError if unknown."""
    from . import documents

    builder, content_type, stem = DOCUMENTS[document]
    if document == "candidates.xlsx" and not (actor.has(Perm.BATCH_MANAGE) or actor.is_authority
                                              or actor.is_platform_admin):
        # The filed list carries full ID numbers: exam affairs and the authority only.
        raise PermissionDenied(_("考生名单含完整证件号码，只有考务管理人员和人社部门可以导出。"))
    content = getattr(documents, builder)(batch)
    _audit(actor, batch, AuditEvent.Action.EXPORT, _("导出 %(d)s") % {"d": document},
           organisation_id=batch.organisation_id)
    if document == "candidates.xlsx":
        personal_data_view_record(
            actor=actor, obj=batch, what=_("导出考生名单"), why=_("报送人社部门的考生名单"),
            count=batch.applications.filter(status=Application.Status.ACCEPTED).count(),
            organisation_id=batch.organisation_id)
    return content, content_type, f"{stem}-{batch.code}.{document.rsplit('.', 1)[-1]}"


def application_document(*, actor: Actor, application: Application) -> tuple[bytes, str, str]:
    """The application form (申报表) as PDF; the full ID number only for the organisation's
    exam-affairs staff, masked for everyone else (the candidate included)."""
    from . import documents

    full_id = actor.has(Perm.BATCH_MANAGE) and actor.organisation_id == application.batch.organisation_id
    content = documents.application_form_pdf(application, full_id=full_id)
    _audit(actor, application, AuditEvent.Action.EXPORT, _("导出申报表"), organisation_id=application.batch.organisation_id)
    if full_id:
        personal_data_view_record(actor=actor, obj=application, what=_("导出申报表"), why=_("考务管理人员审核申报材料"),
                                  organisation_id=application.batch.organisation_id)
    return content, "application/pdf", f"application-{application.number}.pdf"
