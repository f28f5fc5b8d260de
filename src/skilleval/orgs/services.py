"""Every write in the life of an organisation: registration, the filing
application and its review, scope adjustments, sanctions and termination.

Each state change runs in one transaction, locks the row, checks the current
state, records who and when, writes the audit event and notifies the other
side. A refused change raises DomainError with a Chinese message and changes
nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm
from skilleval.accounts.models import Role
from skilleval.accounts.services import user_create
from skilleval.catalog.models import Jurisdiction, Level, Occupation, PolicyProfile, WorkType
from skilleval.core.audit import audit_record, snapshot
from skilleval.core.errors import DomainError
from skilleval.core.files import check_upload
from skilleval.core.models import AuditEvent
from skilleval.core.notifications import notify
from skilleval.core.validators import parse_resident_id, validate_filing_number, validate_uscc
from skilleval.core.workdays import working_calendar

from .models import (
    PROVINCE_FILED_NATURES,
    REQUIRED_MATERIALS,
    Attachment,
    Equipment,
    ExpertEvaluation,
    FilingApplication,
    FilingOccupation,
    MaterialCategory,
    Nature,
    Organisation,
    QuestionBank,
    Sanction,
    ScopeItem,
    StaffMember,
    StandardKind,
)

Status = FilingApplication.Status
Kind = FilingApplication.Kind

# Fields of the filing form an enterprise fills in (BB att.3, TJ att.1).
TEXT_FIELDS = (
    "enterprise_name", "registered_address", "uscc", "registration_authority", "business_scope", "nature",
    "principal_name", "principal_title", "principal_phone", "principal_email",
    "contact_name", "contact_title", "contact_phone", "contact_email",
    "hr_systems", "training_fund_usage", "training_department", "strengths", "site_description", "it_and_video",
    "adjustment_reason", "pledge_signatory",
)
MONEY_FIELDS = ("registered_capital", "total_assets", "payroll_total", "revenue", "training_fund_extracted",
                "training_fund_for_skills")
COUNT_FIELDS = ("technical_workers", "senior_workers", "technicians", "senior_technicians")
FORM_FIELDS = TEXT_FIELDS + MONEY_FIELDS + COUNT_FIELDS + ("pledge_accepted",)

# What submission requires of an initial filing (field -> label for the message).
REQUIRED_FIELDS = (
    "enterprise_name", "registered_address", "uscc", "nature", "business_scope", "registered_capital",
    "total_assets", "payroll_total", "revenue", "training_fund_extracted", "technical_workers",
    "principal_name", "principal_phone", "contact_name", "contact_phone", "hr_systems", "training_department",
    "site_description", "it_and_video",
)


def _label(field: str) -> str:
    return str(getattr(FilingApplication._meta.get_field(field), "verbose_name", field))


# ---------------------------------------------------------------------------------------------
# Routing and registration


def filing_jurisdiction(*, city: Jurisdiction, nature: str) -> Jurisdiction:
    """Where an enterprise files: its city, or the province directly for central-SOE
    branches and provincial SOEs [BB 3(1)]. A municipality is its own province."""
    if nature in PROVINCE_FILED_NATURES:
        return city.province
    return city


@transaction.atomic
def organisation_register(
    *, name: str, uscc: str, city: Jurisdiction, nature: str, address: str, contact_person: str,
    contact_phone: str, admin_username: str, admin_full_name: str, admin_password: str,
) -> Organisation:
    """An enterprise opens its account: the organisation (not yet filed) and its admin user."""
    try:
        uscc = validate_uscc(uscc)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="uscc") from None
    if Organisation.objects.filter(uscc=uscc).exists():
        raise DomainError(_("该统一社会信用代码已注册，请联系本单位的机构管理员。"), field="uscc")
    if nature not in Nature.values:
        raise DomainError(_("请选择单位性质。"), field="nature")
    if not name.strip():
        raise DomainError(_("请填写单位名称。"), field="name")
    from .selectors import registration_cities

    if not registration_cities().filter(pk=city.pk).exists():
        raise DomainError(_("所在地应为地级市或直辖市。"), field="city")
    organisation = Organisation.objects.create(
        name=name.strip(), uscc=uscc, city=city, nature=nature,
        jurisdiction=filing_jurisdiction(city=city, nature=nature), address=address.strip(),
        contact_person=contact_person.strip(), contact_phone=contact_phone.strip(),
    )
    audit_record(actor=None, action=AuditEvent.Action.CREATE, obj=organisation, after=snapshot(organisation),
                 organisation_id=organisation.pk, jurisdiction_id=organisation.jurisdiction_id,
                 summary=_("企业注册"))
    try:
        user_create(actor=None, username=admin_username, full_name=admin_full_name, password=admin_password,
                    roles=[Role.ORG_ADMIN], organisation=organisation, phone=contact_phone)
    except DomainError as exc:
        raise DomainError(exc.message, field={"username": "admin_username", "password": "admin_password"}.get(
            exc.field or "", exc.field)) from None
    return organisation


# ---------------------------------------------------------------------------------------------
# Guards


def _require_enterprise(actor: Actor, application: FilingApplication) -> None:
    actor.require(Perm.ORG_MANAGE)
    if application.organisation_id != actor.organisation_id:
        raise DomainError(_("您只能办理本单位的申请。"))


def _require_authority(actor: Actor, application: FilingApplication) -> None:
    actor.require(Perm.FILING_REVIEW)
    if application.jurisdiction_id not in actor.jurisdiction_ids:
        raise DomainError(_("该申请不属于您所在辖区。"))


def _require_editable(application: FilingApplication) -> None:
    if not application.can_edit():
        raise DomainError(_("申请当前状态为“%(s)s”，不能修改。") % {"s": application.get_status_display()})


def _lock(application: FilingApplication) -> FilingApplication:
    return FilingApplication.objects.select_for_update().select_related("organisation", "jurisdiction").get(
        pk=application.pk)


def _audit(actor: Actor, application: FilingApplication, action: str, summary: str, before: dict | None = None,
           after: dict | None = None) -> None:
    audit_record(actor=actor, action=action, obj=application, summary=summary, before=before, after=after,
                 organisation_id=application.organisation_id, jurisdiction_id=application.jurisdiction_id)


def _detail_link(application: FilingApplication) -> str:
    return reverse("orgs:application_detail", args=[application.pk])


def _new_reference(kind: str, today: dt.date) -> str:
    prefix = "BA" if kind == Kind.INITIAL else "TZ"
    stem = f"{prefix}{today:%Y%m%d}"
    last = FilingApplication.objects.filter(reference__startswith=stem).aggregate(m=Max("reference"))["m"]
    number = int(last[-4:]) + 1 if last else 1
    return f"{stem}{number:04d}"


# ---------------------------------------------------------------------------------------------
# Drafting


@transaction.atomic
def filing_start(*, actor: Actor, organisation: Organisation, today: dt.date | None = None) -> FilingApplication:
    """Open a filing application for an organisation not yet filed, prefilled from its account."""
    actor.require(Perm.ORG_MANAGE)
    if organisation.pk != actor.organisation_id:
        raise DomainError(_("您只能为本单位申请备案。"))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not organisation.can_apply_for_filing():
        raise DomainError(_("本单位当前状态为“%(s)s”，不能再次申请备案。") % {"s": organisation.get_status_display()})
    return _application_create(actor=actor, organisation=organisation, kind=Kind.INITIAL,
                               today=today or timezone.localdate())


@transaction.atomic
def scope_adjustment_start(*, actor: Actor, organisation: Organisation,
                           today: dt.date | None = None) -> FilingApplication:
    actor.require(Perm.ORG_MANAGE)
    if organisation.pk != actor.organisation_id:
        raise DomainError(_("您只能为本单位申请调整。"))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    today = today or timezone.localdate()
    if not organisation.in_good_standing(today):
        raise DomainError(_("只有备案有效的机构才能申请调整职业范围。"))
    scope_window_check(organisation=organisation, today=today)
    return _application_create(actor=actor, organisation=organisation, kind=Kind.SCOPE, today=today)


def scope_window_check(*, organisation: Organisation, today: dt.date) -> None:
    """Scope adjustments are accepted only in the profile's months (June and December
    in the Shandong profile) [SD 3]."""
    months = organisation.jurisdiction.policy_profile().scope_adjustment_months or []
    if months and today.month not in months:
        names = "、".join(f"{m}月" for m in sorted(months))
        raise DomainError(_("职业范围调整仅在每年%(months)s受理，当前（%(today)s）不在受理期内。") % {
            "months": names, "today": today.strftime("%Y年%-m月%-d日")})


def _application_create(*, actor: Actor, organisation: Organisation, kind: str, today: dt.date) -> FilingApplication:
    if FilingApplication.objects.filter(organisation=organisation, kind=kind,
                                        status__in=FilingApplication.OPEN_STATUSES).exists():
        raise DomainError(_("本单位已有一份正在办理的%(k)s，请继续办理该申请。") % {"k": Kind(kind).label})
    application = FilingApplication.objects.create(
        organisation=organisation, kind=kind, jurisdiction=organisation.jurisdiction,
        reference=_new_reference(kind, today), created_by=actor.user,
        enterprise_name=organisation.name, uscc=organisation.uscc, registered_address=organisation.address,
        nature=organisation.nature, contact_name=organisation.contact_person,
        contact_phone=organisation.contact_phone, contact_email=organisation.contact_email,
    )
    _audit(actor, application, AuditEvent.Action.CREATE, _("创建%(k)s草稿") % {"k": application.get_kind_display()},
           after={"reference": application.reference, "kind": kind})
    return application


def _field_label(field: str) -> str:
    try:
        return _label(field)
    except Exception:
        return {"quantity": _("数量")}.get(field, field)


def _parse_money(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise DomainError(_("“%(f)s”请填写数字（万元）。") % {"f": _field_label(field)}, field=field) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise DomainError(_("“%(f)s”应为不小于0的数字。") % {"f": _field_label(field)}, field=field)
    return amount.quantize(Decimal("0.01"))


def _parse_count(value: Any, field: str, maximum: int = 10_000_000) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise DomainError(_("“%(f)s”请填写整数。") % {"f": _field_label(field)}, field=field) from None
    if number < 0 or number > maximum:
        raise DomainError(_("“%(f)s”应为0至%(m)s之间的整数。") % {"f": _field_label(field), "m": f"{maximum:,}"},
                          field=field)
    return number


@transaction.atomic
def filing_update(*, actor: Actor, application: FilingApplication, data: dict[str, Any]) -> FilingApplication:
    """Save the form's fields (a draft may stay incomplete). Unknown keys are ignored;
    a bad value refuses the whole save with the field named."""
    application = _lock(application)
    _require_enterprise(actor, application)
    _require_editable(application)
    before = snapshot(application, FORM_FIELDS)
    for field in TEXT_FIELDS:
        if field in data:
            value = str(data[field] or "").strip()
            max_length = getattr(FilingApplication._meta.get_field(field), "max_length", None)
            if max_length and len(value) > max_length:
                raise DomainError(_("“%(f)s”不能超过%(n)d个字符。") % {"f": _label(field), "n": max_length}, field=field)
            setattr(application, field, value)
    for field in MONEY_FIELDS:
        if field in data:
            setattr(application, field, _parse_money(data[field], field))
    for field in COUNT_FIELDS:
        if field in data:
            setattr(application, field, _parse_count(data[field], field))
    if application.uscc:
        try:
            application.uscc = validate_uscc(application.uscc)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="uscc") from None
    if application.nature and application.nature not in Nature.values:
        raise DomainError(_("请选择单位性质。"), field="nature")
    for field in ("principal_email", "contact_email"):
        value = getattr(application, field)
        if value and ("@" not in value or "." not in value.rsplit("@", 1)[-1]):
            raise DomainError(_("电子邮箱格式不正确。"), field=field)
    if "pledge_accepted" in data:
        accepted = bool(data["pledge_accepted"]) and str(data["pledge_accepted"]).lower() not in ("false", "0", "")
        if accepted and not application.pledge_accepted:
            application.pledged_at = timezone.now()
        application.pledge_accepted = accepted
    city = application.organisation.city
    if application.kind == Kind.INITIAL and application.nature and city is not None:
        application.jurisdiction = filing_jurisdiction(city=city, nature=application.nature)
    application.save()
    after = snapshot(application, FORM_FIELDS)
    if before != after:
        _audit(actor, application, AuditEvent.Action.UPDATE, _("保存申请表"), before=before, after=after)
    return application


def _levels(codes: Any) -> list[int]:
    try:
        values = sorted({int(c) for c in (codes or [])}, reverse=True)
    except (TypeError, ValueError):
        raise DomainError(_("等级代码不正确。"), field="levels") from None
    valid = set(Level.objects.filter(is_certificate_level=True).values_list("code", flat=True))
    if not values:
        raise DomainError(_("请至少选择一个等级。"), field="levels")
    if set(values) - valid:
        raise DomainError(_("等级代码只能是 1 至 5。"), field="levels")
    return values


@transaction.atomic
def filing_occupation_add(
    *, actor: Actor, application: FilingApplication, occupation_code: str, work_type_code: str = "",
    levels: Any, standard_kind: str = StandardKind.NATIONAL, standard_name: str = "",
    question_bank: str = "national", question_bank_note: str = "", change: str = FilingOccupation.Change.ADD,
) -> FilingOccupation:
    """Apply for an occupation (work type) at some levels. Only skill-type, non-access
    occupations of the catalogue can be self-evaluated."""
    application = _lock(application)
    _require_enterprise(actor, application)
    _require_editable(application)
    occupation = Occupation.objects.filter(code=(occupation_code or "").strip()).first()
    if occupation is None:
        raise DomainError(_("职业编码“%(c)s”不在职业目录中。") % {"c": occupation_code}, field="occupation_code")
    if occupation.is_access_type:
        raise DomainError(_("“%(o)s”是准入类职业，不能开展企业自主评价。") % {"o": occupation.name},
                          field="occupation_code")
    if not occupation.is_skill_type:
        raise DomainError(_("“%(o)s”不是技能类职业，不能开展职业技能等级认定。") % {"o": occupation.name},
                          field="occupation_code")
    work_type = None
    if work_type_code:
        work_type = WorkType.objects.filter(code=work_type_code.strip(), occupation=occupation).first()
        if work_type is None:
            raise DomainError(_("工种“%(w)s”不属于职业“%(o)s”。") % {"w": work_type_code, "o": occupation.name},
                              field="work_type_code")
    level_codes = _levels(levels)
    if standard_kind not in StandardKind.values:
        raise DomainError(_("请选择依据标准类型。"), field="standard_kind")
    if question_bank not in QuestionBank.values:
        raise DomainError(_("请选择题库资源情况。"), field="question_bank")
    if change not in FilingOccupation.Change.values or (application.kind == Kind.INITIAL and change != "add"):
        raise DomainError(_("调整方式不正确。"), field="change")
    if application.occupations.filter(occupation=occupation, work_type=work_type).exists():
        raise DomainError(_("该职业（工种）已在申请中，请修改原有一行。"), field="occupation_code")
    if application.kind == Kind.SCOPE:
        current: set[int] = {code for code in ScopeItem.objects.filter(
            organisation=application.organisation, occupation=occupation, work_type=work_type, removed_on=None,
        ).values_list("level__code", flat=True) if code is not None}
        if change == FilingOccupation.Change.ADD and current & set(level_codes):
            raise DomainError(_("以下等级已在备案范围内：%(l)s。") % {"l": "、".join(map(str, sorted(current)))},
                              field="levels")
        if change == FilingOccupation.Change.REMOVE and set(level_codes) - current:
            raise DomainError(_("只能取消备案范围内已有的等级。"), field="levels")
    line = FilingOccupation.objects.create(
        application=application, occupation=occupation, work_type=work_type, levels=level_codes, change=change,
        standard_kind=standard_kind, standard_name=standard_name.strip()[:200], question_bank=question_bank,
        question_bank_note=question_bank_note.strip()[:200],
    )
    _audit(actor, application, AuditEvent.Action.UPDATE, _("添加职业：%(o)s") % {"o": line},
           after={"occupation": occupation.code, "work_type": work_type.code if work_type else "",
                  "levels": level_codes, "change": change})
    return line


@transaction.atomic
def filing_line_remove(*, actor: Actor, line: FilingOccupation | StaffMember | Equipment | Attachment) -> None:
    """Remove one row (occupation, roster member, equipment, attachment) from a draft."""
    application = _lock(line.application)
    _require_enterprise(actor, application)
    _require_editable(application)
    _audit(actor, application, AuditEvent.Action.DELETE,
           _("删除%(what)s：%(name)s") % {"what": line._meta.verbose_name, "name": line}, before=snapshot(line))
    if isinstance(line, Attachment):
        line.file.delete(save=False)
    line.delete()


@transaction.atomic
def staff_add(
    *, actor: Actor, application: FilingApplication, role: str, name: str, id_number: str, unit: str = "",
    title: str = "", education: str = "", duty: str = "", occupation_code: str = "", levels: Any = (),
) -> StaffMember:
    application = _lock(application)
    _require_enterprise(actor, application)
    _require_editable(application)
    if role not in StaffMember.Role.values:
        raise DomainError(_("请选择人员类别。"), field="role")
    if not (name or "").strip():
        raise DomainError(_("请填写姓名。"), field="name")
    try:
        number = parse_resident_id(id_number).number
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="id_number") from None
    if application.staff.filter(role=role, id_number=number).exists():
        raise DomainError(_("该人员已在%(r)s名册中。") % {"r": StaffMember.Role(role).label}, field="id_number")
    occupation = None
    level_codes: list[int] = []
    if role == StaffMember.Role.EXAMINER:
        occupation = Occupation.objects.filter(code=(occupation_code or "").strip()).first()
        if occupation is None:
            raise DomainError(_("请填写考评员的考评职业（职业目录中的编码）。"), field="occupation_code")
        level_codes = _levels(levels)
    member = StaffMember.objects.create(
        application=application, role=role, name=name.strip()[:50], id_number=number, unit=unit.strip()[:100],
        title=title.strip()[:100], education=education.strip()[:30], duty=duty.strip()[:200],
        occupation=occupation, levels=level_codes,
    )
    _audit(actor, application, AuditEvent.Action.UPDATE, _("添加%(r)s：%(n)s") % {
        "r": member.get_role_display(), "n": member.name}, after={"role": role, "name": member.name,
                                                               "id_number": member.masked_id_number})
    return member


@transaction.atomic
def equipment_add(*, actor: Actor, application: FilingApplication, name: str, brand: str = "", model: str = "",
                  quantity: Any = 1, ownership: str = "") -> Equipment:
    application = _lock(application)
    _require_enterprise(actor, application)
    _require_editable(application)
    if not (name or "").strip():
        raise DomainError(_("请填写设备名称。"), field="name")
    count = _parse_count(quantity, "quantity", maximum=1_000_000)
    if not count:
        raise DomainError(_("数量应为正整数。"), field="quantity")
    item = Equipment.objects.create(application=application, name=name.strip()[:100], brand=brand.strip()[:50],
                                    model=model.strip()[:100], quantity=count, ownership=ownership.strip()[:50])
    _audit(actor, application, AuditEvent.Action.UPDATE, _("添加设备：%(n)s") % {"n": item.name})
    return item


@transaction.atomic
def attachment_add(*, actor: Actor, application: FilingApplication, category: str, upload: Any) -> Attachment:
    application = _lock(application)
    _require_enterprise(actor, application)
    _require_editable(application)
    if category not in MaterialCategory.values:
        raise DomainError(_("请选择材料类别。"), field="category")
    checked = check_upload(upload)
    attachment = Attachment(application=application, category=category, original_name=checked.name,
                            size=checked.size, content_type=checked.content_type, uploaded_by=actor.user)
    attachment.file.save(f"{application.reference}-{category}.{checked.extension}", upload, save=False)
    attachment.save()
    _audit(actor, application, AuditEvent.Action.UPDATE, _("上传材料：%(c)s %(n)s") % {
        "c": attachment.get_category_display(), "n": checked.name})
    return attachment


# ---------------------------------------------------------------------------------------------
# Submission


def filing_problems(application: FilingApplication) -> list[str]:
    """Everything that still stops the application from being submitted, in Chinese."""
    problems: list[str] = []
    profile = application.jurisdiction.policy_profile()
    lines = list(application.occupations.select_related("occupation", "work_type"))
    if application.kind == Kind.INITIAL:
        missing = [_label(f) for f in REQUIRED_FIELDS if getattr(application, f) in (None, "")]
        if missing:
            problems.append(_("申请表未填写：%(f)s。") % {"f": "、".join(missing)})
        if not lines:
            problems.append(_("请至少申请一个职业（工种）及等级。"))
        if not application.staff.filter(role=StaffMember.Role.FULL_TIME).exists():
            problems.append(_("请填写专职工作人员名册。"))
        if not application.staff.filter(role=StaffMember.Role.EXPERT).exists():
            problems.append(_("请填写专家名册。"))
        if not application.staff.filter(role=StaffMember.Role.SUPERVISOR).exists():
            problems.append(_("请填写质量督导员名册。"))
        if not application.equipment.exists():
            problems.append(_("请填写设施设备清单。"))
        if not application.pledge_accepted or not application.pledge_signatory:
            problems.append(_("请阅读并签署诚信承诺（勾选承诺并填写法定代表人姓名）。"))
    else:
        if not lines:
            problems.append(_("请至少填写一项调整（新增或取消的职业、等级）。"))
        if not application.adjustment_reason:
            problems.append(_("请填写调整理由。"))
    # Every occupation-level applied for (or added) needs the profile's minimum of examiners.
    examiners = list(application.staff.filter(role=StaffMember.Role.EXAMINER))
    for line in lines:
        if line.change != FilingOccupation.Change.ADD:
            continue
        for level in line.levels:
            count = sum(1 for e in examiners if e.occupation_id == line.occupation_id and level in e.levels)
            if count < profile.min_examiners_per_occupation_level:
                problems.append(_("“%(o)s”%(l)s级考评员只有%(n)d名，至少需要%(m)d名（%(p)s）。") % {
                    "o": line, "l": level, "n": count, "m": profile.min_examiners_per_occupation_level,
                    "p": profile.name})
    categories = set(application.attachments.values_list("category", flat=True))
    for category in REQUIRED_MATERIALS[Kind(application.kind)]:
        if category not in categories:
            problems.append(_("缺少材料：%(c)s。") % {"c": MaterialCategory(category).label})
    needs_norm = any(line.standard_kind != StandardKind.NATIONAL and line.change == "add" for line in lines)
    if needs_norm and MaterialCategory.NORM not in categories:
        problems.append(_("无国家职业技能标准的职业须上传企业评价规范。"))
    return problems


@transaction.atomic
def filing_submit(*, actor: Actor, application: FilingApplication,
                  today: dt.date | None = None) -> FilingApplication:
    application = _lock(application)
    _require_enterprise(actor, application)
    if not application.can_submit():
        raise DomainError(_("申请当前状态为“%(s)s”，不能提交。") % {"s": application.get_status_display()})
    today = today or timezone.localdate()
    if application.kind == Kind.SCOPE:
        scope_window_check(organisation=application.organisation, today=today)
    problems = filing_problems(application)
    if problems:
        raise DomainError(_("申请材料不完整，未提交：") + "；".join(problems))
    profile = application.jurisdiction.policy_profile()
    deadline = working_calendar().add(today, profile.filing_review_workdays)
    before = {"status": application.status}
    application.status = Status.SUBMITTED
    application.submitted_at = timezone.now()
    application.review_deadline = deadline.date
    application.review_deadline_provisional = deadline.provisional
    application.save(update_fields=["status", "submitted_at", "review_deadline", "review_deadline_provisional",
                                    "updated_at"])
    _audit(actor, application, AuditEvent.Action.TRANSITION,
           _("提交%(k)s，初审期限 %(d)s") % {"k": application.get_kind_display(), "d": deadline.date.isoformat()},
           before=before, after={"status": application.status, "review_deadline": deadline.date})
    return application


# ---------------------------------------------------------------------------------------------
# Review


def _decision_notice(application: FilingApplication, title: str, body: str = "") -> None:
    notify(organisation_id=application.organisation_id, title=title, body=body, link=_detail_link(application))


@transaction.atomic
def filing_return(*, actor: Actor, application: FilingApplication, reason: str) -> FilingApplication:
    application = _lock(application)
    _require_authority(actor, application)
    if not application.can_return():
        raise DomainError(_("申请当前状态为“%(s)s”，不能退回。") % {"s": application.get_status_display()})
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写退回理由，说明需要补正的内容。"), field="reason")
    before = {"status": application.status}
    application.status = Status.RETURNED
    application.return_reason = reason
    application.returned_count += 1
    application.save(update_fields=["status", "return_reason", "returned_count", "updated_at"])
    _audit(actor, application, AuditEvent.Action.TRANSITION, _("退回补正：%(r)s") % {"r": reason[:200]},
           before=before, after={"status": application.status, "return_reason": reason})
    _decision_notice(application, _("%(k)s %(ref)s 被退回补正") % {
        "k": application.get_kind_display(), "ref": application.reference}, reason)
    return application


@transaction.atomic
def filing_pass_initial_review(*, actor: Actor, application: FilingApplication, comment: str = "") -> FilingApplication:
    application = _lock(application)
    _require_authority(actor, application)
    if not application.can_pass_initial_review():
        raise DomainError(_("申请当前状态为“%(s)s”，不能通过初审。") % {"s": application.get_status_display()})
    application.status = Status.EXPERT_REVIEW
    application.initial_review_passed_at = timezone.now()
    application.save(update_fields=["status", "initial_review_passed_at", "updated_at"])
    _audit(actor, application, AuditEvent.Action.TRANSITION, _("初审通过，进入专家评估") + (f"：{comment}" if comment else ""),
           before={"status": Status.SUBMITTED}, after={"status": application.status})
    _decision_notice(application, _("%(k)s %(ref)s 初审通过，进入专家评估") % {
        "k": application.get_kind_display(), "ref": application.reference}, comment)
    return application


@transaction.atomic
def filing_record_expert_evaluation(
    *, actor: Actor, application: FilingApplication, experts: str, form: str, evaluated_on: dt.date,
    opinions: str, conclusion: str,
) -> ExpertEvaluation:
    application = _lock(application)
    _require_authority(actor, application)
    if not application.can_record_expert_evaluation():
        raise DomainError(_("只有专家评估阶段的申请才能录入评估结果。"))
    if not (experts or "").strip():
        raise DomainError(_("请填写评估专家。"), field="experts")
    if form not in ExpertEvaluation.Form.values:
        raise DomainError(_("请选择评估形式。"), field="form")
    if conclusion not in ExpertEvaluation.Conclusion.values:
        raise DomainError(_("请选择评估结论。"), field="conclusion")
    if not (opinions or "").strip():
        raise DomainError(_("请填写专家技术评估意见。"), field="opinions")
    if evaluated_on > timezone.localdate():
        raise DomainError(_("评估日期不能晚于今天。"), field="evaluated_on")
    evaluation = ExpertEvaluation.objects.create(
        application=application, experts=experts.strip()[:300], form=form, evaluated_on=evaluated_on,
        opinions=opinions.strip(), conclusion=conclusion, recorded_by=actor.user,
    )
    _audit(actor, application, AuditEvent.Action.UPDATE, _("录入专家评估：%(c)s") % {
        "c": evaluation.get_conclusion_display()}, after=snapshot(evaluation))
    return evaluation


def suggest_filing_number(jurisdiction: Jurisdiction) -> str:
    """A proposal the authority may change: Y (employer) + the jurisdiction's 6-digit code
    + a 6-digit serial, 13 characters [BB 3(4); DOMAIN §8]."""
    stem = f"Y{jurisdiction.code}"
    last = Organisation.objects.filter(filing_number__startswith=stem).aggregate(m=Max("filing_number"))["m"]
    return f"{stem}{(int(last[-6:]) + 1) if last else 1:06d}"


def filing_approval_defaults(application: FilingApplication, today: dt.date | None = None) -> dict[str, Any]:
    """What the approval proposes: the next filing number, the whole serial range and
    the profile's term from today. The authority may change any of it."""
    today = today or timezone.localdate()
    years = application.jurisdiction.policy_profile().filing_validity_years
    try:
        end = today.replace(year=today.year + years)
    except ValueError:  # 29 February
        end = today.replace(year=today.year + years, day=28)
    return {"filing_number": suggest_filing_number(application.jurisdiction), "serial_start": 1,
            "serial_end": 999999, "valid_from": today, "valid_until": end - dt.timedelta(days=1)}


@transaction.atomic
def filing_approve(
    *, actor: Actor, application: FilingApplication, filing_number: str = "", serial_start: int | None = None,
    serial_end: int | None = None, valid_from: dt.date | None = None, valid_until: dt.date | None = None,
    comment: str = "", today: dt.date | None = None,
) -> FilingApplication:
    """Approve: for a filing, assign the filing number, the certificate-number range,
    the term and the approved scope; for a scope adjustment, apply its changes."""
    application = _lock(application)
    _require_authority(actor, application)
    if not application.can_approve():
        raise DomainError(_("申请须先通过初审并完成专家评估，才能批准。"))
    if not application.evaluations.filter(conclusion=ExpertEvaluation.Conclusion.PASS).exists():
        raise DomainError(_("尚无“具备自主评价条件”的专家评估结论，不能批准。"))
    today = today or timezone.localdate()
    organisation = Organisation.objects.select_for_update().get(pk=application.organisation_id)
    before_org = snapshot(organisation)
    if application.kind == Kind.INITIAL:
        defaults = filing_approval_defaults(application, today)
        filing_number = filing_number or defaults["filing_number"]
        serial_start = defaults["serial_start"] if serial_start is None else serial_start
        serial_end = defaults["serial_end"] if serial_end is None else serial_end
        valid_from = valid_from or defaults["valid_from"]
        valid_until = valid_until or defaults["valid_until"]
        try:
            number = validate_filing_number(filing_number)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="filing_number") from None
        if Organisation.objects.filter(filing_number=number).exclude(pk=organisation.pk).exists():
            raise DomainError(_("备案号 %(n)s 已被使用。") % {"n": number}, field="filing_number")
        if serial_start is None or serial_end is None or not 1 <= serial_start <= serial_end <= 999999:
            raise DomainError(_("证书号段应在 000001 至 999999 之间，且起号不大于止号。"), field="serial_start")
        if valid_from is None or valid_until is None or valid_until <= valid_from:
            raise DomainError(_("备案有效期的截止日期应晚于起始日期。"), field="valid_until")
        if valid_until < today:
            raise DomainError(_("备案有效期已过，不能批准。"), field="valid_until")
        organisation.status = Organisation.Status.FILED
        organisation.filing_number = number
        organisation.filed_at = today
        organisation.filing_valid_from = valid_from
        organisation.filing_valid_until = valid_until
        organisation.cert_serial_start = serial_start
        organisation.cert_serial_end = serial_end
        organisation.name = application.enterprise_name or organisation.name
        organisation.address = application.registered_address or organisation.address
        organisation.nature = application.nature or organisation.nature
        organisation.jurisdiction = application.jurisdiction
        organisation.contact_person = application.contact_name or organisation.contact_person
        organisation.contact_phone = application.contact_phone or organisation.contact_phone
        organisation.contact_email = application.contact_email or organisation.contact_email
        try:
            organisation.save()
        except IntegrityError:
            raise DomainError(_("备案号 %(n)s 已被使用。") % {"n": number}, field="filing_number") from None
    _apply_scope(application=application, organisation=organisation, today=today)
    application.status = Status.APPROVED
    application.decided_at = timezone.now()
    application.decided_by = actor.user
    application.decision_reason = (comment or "").strip()
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"])
    _audit(actor, application, AuditEvent.Action.TRANSITION, _("批准%(k)s") % {"k": application.get_kind_display()},
           before={"status": Status.EXPERT_REVIEW}, after={"status": application.status})
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=organisation, before=before_org,
                 after=snapshot(organisation), organisation_id=organisation.pk,
                 jurisdiction_id=organisation.jurisdiction_id,
                 summary=_("依据 %(ref)s 更新备案信息") % {"ref": application.reference})
    if application.kind == Kind.INITIAL:
        body = _("备案号 %(n)s，证书号段 %(r)s，有效期至 %(u)s。") % {
            "n": organisation.filing_number, "r": organisation.serial_range_display,
            "u": organisation.filing_valid_until.isoformat() if organisation.filing_valid_until else ""}
    else:
        body = application.decision_reason
    _decision_notice(application, _("%(k)s %(ref)s 已批准") % {
        "k": application.get_kind_display(), "ref": application.reference}, body)
    return application


def _apply_scope(*, application: FilingApplication, organisation: Organisation, today: dt.date) -> None:
    levels = {lv.code: lv for lv in Level.objects.filter(is_certificate_level=True)}
    for line in application.occupations.all():
        for code in line.levels:
            current = ScopeItem.objects.filter(organisation=organisation, occupation_id=line.occupation_id,
                                               work_type_id=line.work_type_id, level=levels[code], removed_on=None)
            if line.change == FilingOccupation.Change.ADD and not current.exists():
                ScopeItem.objects.create(
                    organisation=organisation, occupation_id=line.occupation_id, work_type_id=line.work_type_id,
                    level=levels[code], standard_kind=line.standard_kind, standard_name=line.standard_name,
                    added_on=today, added_by_application=application,
                )
            elif line.change == FilingOccupation.Change.REMOVE:
                current.update(removed_on=today, removed_by_application=application)


@transaction.atomic
def filing_reject(*, actor: Actor, application: FilingApplication, reason: str) -> FilingApplication:
    application = _lock(application)
    _require_authority(actor, application)
    if not application.can_reject():
        raise DomainError(_("申请当前状态为“%(s)s”，不能作出不予备案的决定。") % {"s": application.get_status_display()})
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写不予通过的理由。"), field="reason")
    before = {"status": application.status}
    application.status = Status.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = actor.user
    application.decision_reason = reason
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"])
    _audit(actor, application, AuditEvent.Action.TRANSITION, _("不予通过：%(r)s") % {"r": reason[:200]},
           before=before, after={"status": application.status})
    _decision_notice(application, _("%(k)s %(ref)s 未通过") % {
        "k": application.get_kind_display(), "ref": application.reference}, reason)
    return application


# ---------------------------------------------------------------------------------------------
# Sanctions and termination


def _require_supervisor_of(actor: Actor, organisation: Organisation) -> None:
    actor.require(Perm.SUPERVISION_MANAGE)
    if organisation.jurisdiction_id not in actor.jurisdiction_ids:
        raise DomainError(_("该机构不属于您所在辖区。"))


@transaction.atomic
def sanction_record(
    *, actor: Actor, organisation: Organisation, kind: str, description: str, occurred_on: dt.date,
    rectification_deadline: dt.date | None = None, ground: str = "",
) -> Sanction:
    """Record an interview (约谈) or a rectification order (限期整改) in the credit record."""
    _require_supervisor_of(actor, organisation)
    if kind not in (Sanction.Kind.INTERVIEW, Sanction.Kind.RECTIFICATION):
        raise DomainError(_("请选择约谈或限期整改；终止备案请使用“终止备案”。"), field="kind")
    if not (description or "").strip():
        raise DomainError(_("请填写情况说明。"), field="description")
    if ground and ground not in Sanction.Ground.values:
        raise DomainError(_("事由类别不正确。"), field="ground")
    if occurred_on > timezone.localdate():
        raise DomainError(_("日期不能晚于今天。"), field="occurred_on")
    if kind == Sanction.Kind.RECTIFICATION:
        if rectification_deadline is None:
            raise DomainError(_("限期整改须填写整改期限。"), field="rectification_deadline")
        if rectification_deadline < occurred_on:
            raise DomainError(_("整改期限不能早于下达日期。"), field="rectification_deadline")
    else:
        rectification_deadline = None
    sanction = Sanction.objects.create(
        organisation=organisation, kind=kind, ground=ground, description=description.strip(),
        occurred_on=occurred_on, rectification_deadline=rectification_deadline, recorded_by=actor.user,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=sanction, after=snapshot(sanction),
                 organisation_id=organisation.pk, jurisdiction_id=organisation.jurisdiction_id,
                 summary=_("%(k)s：%(o)s") % {"k": sanction.get_kind_display(), "o": organisation.name})
    deadline = _("，整改期限 %(d)s") % {"d": rectification_deadline.isoformat()} if rectification_deadline else ""
    notify(organisation_id=organisation.pk, title=_("人社部门对本单位作出%(k)s%(d)s") % {
        "k": sanction.get_kind_display(), "d": deadline}, body=sanction.description,
        link=reverse("orgs:organisation_detail", args=[organisation.pk]))
    return sanction


@transaction.atomic
def sanction_close_rectification(*, actor: Actor, sanction: Sanction, rectified_on: dt.date, note: str) -> Sanction:
    sanction = Sanction.objects.select_for_update().select_related("organisation").get(pk=sanction.pk)
    _require_supervisor_of(actor, sanction.organisation)
    if sanction.kind != Sanction.Kind.RECTIFICATION or sanction.rectified_on is not None:
        raise DomainError(_("只有未完成的限期整改才能登记整改完成。"))
    if not (note or "").strip():
        raise DomainError(_("请填写整改情况。"), field="note")
    if rectified_on > timezone.localdate() or rectified_on < sanction.occurred_on:
        raise DomainError(_("整改完成日期应在下达日期与今天之间。"), field="rectified_on")
    before = snapshot(sanction)
    sanction.rectified_on = rectified_on
    sanction.rectification_note = note.strip()
    sanction.save(update_fields=["rectified_on", "rectification_note", "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=sanction, before=before, after=snapshot(sanction),
                 organisation_id=sanction.organisation_id, jurisdiction_id=sanction.organisation.jurisdiction_id,
                 summary=_("登记整改完成"))
    return sanction


@transaction.atomic
def organisation_terminate(*, actor: Actor, organisation: Organisation, ground: str, description: str,
                           today: dt.date | None = None) -> Organisation:
    """Terminate a filing on one of the seeds' grounds [HF 21]. The organisation leaves the
    directory and can no longer evaluate or issue; its records and issued certificates stay."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_supervisor_of(actor, organisation)
    if organisation.status != Organisation.Status.FILED:
        raise DomainError(_("只能终止已备案机构的备案，该机构当前为“%(s)s”。") % {"s": organisation.get_status_display()})
    if ground not in Sanction.Ground.values:
        raise DomainError(_("请选择终止事由。"), field="ground")
    if not (description or "").strip():
        raise DomainError(_("请填写终止说明。"), field="description")
    today = today or timezone.localdate()
    before = snapshot(organisation)
    sanction = Sanction.objects.create(organisation=organisation, kind=Sanction.Kind.TERMINATION, ground=ground,
                                       description=description.strip(), occurred_on=today, recorded_by=actor.user)
    organisation.status = Organisation.Status.TERMINATED
    organisation.terminated_at = timezone.now()
    organisation.termination_ground = ground
    organisation.termination_reason = description.strip()
    organisation.save(update_fields=["status", "terminated_at", "termination_ground", "termination_reason",
                                     "updated_at"])
    for application in FilingApplication.objects.select_for_update().filter(
        organisation=organisation, status__in=FilingApplication.OPEN_STATUSES,
    ):
        application.status = Status.REJECTED
        application.decided_at = timezone.now()
        application.decided_by = actor.user
        application.decision_reason = _("机构备案已终止，申请自动终结。")
        application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"])
        _audit(actor, application, AuditEvent.Action.TRANSITION, application.decision_reason)
    audit_record(actor=actor, action=AuditEvent.Action.TRANSITION, obj=organisation, before=before,
                 after=snapshot(organisation), organisation_id=organisation.pk,
                 jurisdiction_id=organisation.jurisdiction_id,
                 summary=_("终止备案：%(g)s") % {"g": sanction.get_ground_display()})
    notify(organisation_id=organisation.pk, title=_("本单位的职业技能等级认定备案已被终止"),
           body=f"{sanction.get_ground_display()}：{sanction.description}",
           link=reverse("orgs:organisation_detail", args=[organisation.pk]))
    return organisation


DOCUMENTS = {
    "form.pdf": ("filing_form_pdf", "application/pdf", "filing-form"),
    "form.xlsx": ("filing_form_xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "filing-form"),
    "receipt.pdf": ("filing_receipt_pdf", "application/pdf", "filing-receipt"),
}


def filing_document(*, actor: Actor, application: FilingApplication, document: str) -> tuple[bytes, str, str]:
    """Build the filing form (PDF/XLSX) or the receipt, and record the export in the
    audit trail. Returns (content, content type, file name); LookupError for an
    unknown document."""
    from . import documents

    builder, content_type, stem = DOCUMENTS[document]
    content = getattr(documents, builder)(application)
    audit_record(actor=actor, action=AuditEvent.Action.EXPORT, obj=application,
                 summary=_("导出 %(d)s") % {"d": document}, organisation_id=application.organisation_id,
                 jurisdiction_id=application.jurisdiction_id)
    return content, content_type, f"{stem}-{application.reference}.{document.rsplit('.', 1)[-1]}"


def profile_for(organisation: Organisation) -> PolicyProfile:
    return organisation.jurisdiction.policy_profile()
