"""/api/v1/orgs/: evaluation organisations, their filing applications and review,
sanctions and termination, and the public directory (DOMAIN.md §3.1–3.3).

The same rules as the pages in orgs/views.py: each endpoint asks for the same
permission as its page, fetches the object through the actor-scoped selector
(404 outside the actor's scope) and calls the service, which decides."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from skilleval.accounts.access import Actor, Perm
from skilleval.catalog.models import Jurisdiction
from skilleval.catalog.selectors import jurisdictions_all
from skilleval.core.errors import DomainError
from skilleval.orgs import services
from skilleval.orgs.models import FilingApplication, MaterialCategory, Organisation
from skilleval.orgs.selectors import (
    application_get_for_actor,
    applications_visible_to,
    attachment_get_for_actor,
    credit_record_for_actor,
    directory,
    organisation_get_for_actor,
    organisations_flagged,
    organisations_visible_to,
    overdue_condition,
    registration_cities,
    sanction_get_for_actor,
)

from . import orgs_schemas as s
from .pagination import Pages

router = Router(tags=["评价机构与备案"])

def _require(request, perm: str) -> Actor:
    actor = request.actor
    actor.require(perm)
    return actor


# ---------------------------------------------------------------------------------------------
# Public


@router.get("/directory", response=list[s.DirectoryItemOut], auth=None, summary="评价机构目录（公开，无需登录）")
@paginate(Pages, page_size=20)
def directory_list(request, q: str = Query("", max_length=100, description="机构名称或备案号"),
                   city: str = Query("", max_length=6, description="所在地或备案辖区的行政区划代码"),
                   occupation: str = Query("", max_length=20, description="职业编码"),
                   level: int | None = Query(None, ge=1, le=5, description="等级代码 1–5")):
    city_id = None
    if city:
        city_id = jurisdictions_all().filter(code=city).values_list("pk", flat=True).first()
        if city_id is None:
            return Organisation.objects.none()
    return directory(q=q.strip(), city_id=city_id, occupation_code=occupation.strip(), level_code=level)


def _registration_city(code: str) -> Jurisdiction:
    city = registration_cities().filter(code=code.strip()).first()
    if city is None:
        raise DomainError(_("所在地“%(c)s”不是地级市或直辖市的行政区划代码。") % {"c": code}, field="city")
    return city


@router.post("/register", response={201: s.RegisterOut}, auth=None, summary="企业注册（无需登录）")
def register(request, payload: s.RegisterIn):
    organisation = services.organisation_register(
        name=payload.name, uscc=payload.uscc, city=_registration_city(payload.city), nature=payload.nature,
        address=payload.address, contact_person=payload.contact_person, contact_phone=payload.contact_phone,
        admin_username=payload.admin_username, admin_full_name=payload.admin_full_name,
        admin_password=payload.admin_password,
    )
    return Status(201, organisation)


# ---------------------------------------------------------------------------------------------
# Organisations


def _attach_flags(request) -> None:
    """Authorities see which of their filed organisations need attention."""
    actor = request.actor
    flags: dict[int, list[str]] = {}
    if actor.is_authority:
        for flag, organisations in organisations_flagged(actor).items():
            for organisation in organisations:
                flags.setdefault(organisation.pk, []).append(flag)
    request.organisation_flags = flags


@router.get("/organisations", response=list[s.OrganisationOut], summary="机构列表（按权限范围）")
@paginate(Pages, page_size=50)
def organisation_list(request, status: Organisation.Status | None = None,
                      q: str = Query("", max_length=100, description="名称、统一社会信用代码或备案号")):
    actor = _require(request, Perm.ORG_VIEW)
    _attach_flags(request)
    qs = organisations_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc=q.upper()) | Q(filing_number=q.upper()))
    return qs


@router.get("/organisations/{organisation_id}", response=s.OrganisationDetailOut, summary="机构详情：现行备案范围及历史")
def organisation_detail(request, organisation_id: int):
    actor = _require(request, Perm.ORG_VIEW)
    organisation = organisation_get_for_actor(actor=actor, pk=organisation_id)
    _attach_flags(request)
    return organisation


@router.get("/organisations/{organisation_id}/credit-record", response=list[s.SanctionOut],
            summary="信用记录（人社部门或本单位机构管理员）")
def credit_record(request, organisation_id: int):
    actor = _require(request, Perm.ORG_VIEW)
    organisation = organisation_get_for_actor(actor=actor, pk=organisation_id)
    record = credit_record_for_actor(actor, organisation)
    if record is None:
        raise PermissionDenied
    return record


@router.post("/organisations/{organisation_id}/sanctions", response={201: s.SanctionOut},
             summary="记入信用记录：约谈或限期整改")
def sanction_create(request, organisation_id: int, payload: s.SanctionIn):
    actor = _require(request, Perm.SUPERVISION_MANAGE)
    organisation = organisation_get_for_actor(actor=actor, pk=organisation_id)
    sanction = services.sanction_record(
        actor=actor, organisation=organisation, kind=payload.kind, description=payload.description,
        occurred_on=payload.occurred_on, rectification_deadline=payload.rectification_deadline,
        ground=payload.ground or "",
    )
    return Status(201, sanction)


@router.post("/sanctions/{sanction_id}/rectified", response=s.SanctionOut, summary="登记整改完成")
def sanction_rectified(request, sanction_id: int, payload: s.RectifiedIn):
    actor = _require(request, Perm.SUPERVISION_MANAGE)
    sanction = sanction_get_for_actor(actor=actor, pk=sanction_id)
    return services.sanction_close_rectification(actor=actor, sanction=sanction, rectified_on=payload.rectified_on,
                                                 note=payload.note)


@router.post("/organisations/{organisation_id}/terminate", response=s.OrganisationDetailOut,
             summary="终止备案（移出评价机构目录）")
def organisation_terminate(request, organisation_id: int, payload: s.TerminateIn):
    actor = _require(request, Perm.SUPERVISION_MANAGE)
    organisation = organisation_get_for_actor(actor=actor, pk=organisation_id)
    services.organisation_terminate(actor=actor, organisation=organisation, ground=payload.ground,
                                    description=payload.description)
    return organisation_get_for_actor(actor=actor, pk=organisation_id)


# ---------------------------------------------------------------------------------------------
# Applications: the enterprise's side


@router.get("/applications", response=list[s.ApplicationOut], summary="备案申请列表（按权限范围）")
@paginate(Pages, page_size=50)
def application_list(request, status: FilingApplication.Status | None = None,
                     kind: FilingApplication.Kind | None = None,
                     overdue: bool | None = Query(None, description="true 只看超过初审期限的，false 排除它们"),
                     q: str = Query("", max_length=100, description="申请编号或单位名称")):
    actor = _require(request, Perm.ORG_VIEW)
    qs = applications_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    q = q.strip()
    if q:
        qs = qs.filter(Q(reference__startswith=q.upper()) | Q(organisation__name__contains=q))
    if overdue is not None:
        qs = qs.filter(overdue_condition()) if overdue else qs.exclude(overdue_condition())
    return qs


@router.post("/applications", response={201: s.ApplicationDetailOut},
             summary="为本单位新建备案申请或职业范围调整申请")
def application_start(request, payload: s.ApplicationStartIn):
    actor = _require(request, Perm.ORG_MANAGE)
    if actor.organisation_id is None:
        raise PermissionDenied
    organisation = organisation_get_for_actor(actor=actor, pk=actor.organisation_id)
    start = services.filing_start if payload.kind == FilingApplication.Kind.INITIAL else services.scope_adjustment_start
    return Status(201, start(actor=actor, organisation=organisation))


@router.get("/applications/{application_id}", response=s.ApplicationDetailOut,
            summary="申请详情：申请表、职业、人员（身份证号脱敏）、设备、材料、评估与待补问题")
def application_detail(request, application_id: int):
    actor = _require(request, Perm.ORG_VIEW)
    return application_get_for_actor(actor=actor, pk=application_id)


@router.patch("/applications/{application_id}", response=s.ApplicationDetailOut,
              summary="保存申请表字段（只提交要修改的字段）")
def application_update(request, application_id: int, payload: s.ApplicationUpdateIn):
    actor = _require(request, Perm.ORG_MANAGE)
    application = application_get_for_actor(actor=actor, pk=application_id)
    return services.filing_update(actor=actor, application=application, data=payload.model_dump(exclude_unset=True))


@router.post("/applications/{application_id}/occupations", response={201: s.OccupationLineOut},
             summary="添加申请职业（工种）及等级")
def occupation_add(request, application_id: int, payload: s.OccupationLineIn):
    actor = _require(request, Perm.ORG_MANAGE)
    application = application_get_for_actor(actor=actor, pk=application_id)
    return Status(201, services.filing_occupation_add(actor=actor, application=application, **payload.model_dump()))


@router.post("/applications/{application_id}/staff", response={201: s.StaffOut},
             summary="添加人员名册（专职人员、专家、考评员、质量督导员）")
def staff_add(request, application_id: int, payload: s.StaffIn):
    actor = _require(request, Perm.ORG_MANAGE)
    application = application_get_for_actor(actor=actor, pk=application_id)
    return Status(201, services.staff_add(actor=actor, application=application, **payload.model_dump()))


@router.post("/applications/{application_id}/equipment", response={201: s.EquipmentOut}, summary="添加设施设备")
def equipment_add(request, application_id: int, payload: s.EquipmentIn):
    actor = _require(request, Perm.ORG_MANAGE)
    application = application_get_for_actor(actor=actor, pk=application_id)
    return Status(201, services.equipment_add(actor=actor, application=application, **payload.model_dump()))


@router.post("/applications/{application_id}/attachments", response={201: s.AttachmentOut},
             summary="上传申请材料（multipart：category + file；PDF、JPG、PNG、DOCX、XLSX、ZIP，按内容校验）")
def attachment_add(request, application_id: int, category: Form[MaterialCategory], file: File[UploadedFile]):
    actor = _require(request, Perm.ORG_MANAGE)
    application = application_get_for_actor(actor=actor, pk=application_id)
    return Status(201, services.attachment_add(actor=actor, application=application, category=category, upload=file))


@router.delete("/applications/{application_id}/{line_kind}/{line_id}", response={204: None},
               summary="删除申请中的一行（职业、人员、设备或材料）")
def line_remove(request, application_id: int, line_kind: Literal["occupations", "staff", "equipment", "attachments"],
                line_id: int):
    actor = _require(request, Perm.ORG_MANAGE)
    application = application_get_for_actor(actor=actor, pk=application_id)
    line = getattr(application, line_kind).filter(pk=line_id).first()
    if line is None:
        raise Http404
    services.filing_line_remove(actor=actor, line=line)
    return Status(204, None)


@router.post("/applications/{application_id}/submit", response=s.ApplicationDetailOut,
             summary="提交申请（材料不完整时返回待补问题）")
def application_submit(request, application_id: int):
    actor = _require(request, Perm.ORG_MANAGE)
    application = application_get_for_actor(actor=actor, pk=application_id)
    return services.filing_submit(actor=actor, application=application)


@router.get("/attachments/{attachment_id}", url_name="orgs_attachment_download", summary="下载申请材料")
def attachment_download(request, attachment_id: int):
    actor = _require(request, Perm.ORG_VIEW)
    attachment = attachment_get_for_actor(actor=actor, pk=attachment_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


# ---------------------------------------------------------------------------------------------
# Applications: the authority's review


def _for_review(request, application_id: int) -> tuple[Actor, FilingApplication]:
    actor = _require(request, Perm.FILING_REVIEW)
    return actor, application_get_for_actor(actor=actor, pk=application_id)


@router.post("/applications/{application_id}/return", response=s.ApplicationDetailOut, summary="退回补正（须写明理由）")
def application_return(request, application_id: int, payload: s.ReasonIn):
    actor, application = _for_review(request, application_id)
    return services.filing_return(actor=actor, application=application, reason=payload.reason)


@router.post("/applications/{application_id}/pass-initial-review", response=s.ApplicationDetailOut,
             summary="初审通过，进入专家评估")
def application_pass_initial_review(request, application_id: int, payload: s.CommentIn | None = None):
    actor, application = _for_review(request, application_id)
    return services.filing_pass_initial_review(actor=actor, application=application,
                                               comment=payload.comment if payload else "")


@router.post("/applications/{application_id}/expert-evaluations", response={201: s.EvaluationOut},
             summary="录入专家评估结果")
def application_expert_evaluation(request, application_id: int, payload: s.ExpertEvaluationIn):
    actor, application = _for_review(request, application_id)
    return Status(201, services.filing_record_expert_evaluation(actor=actor, application=application, **payload.model_dump()))


@router.post("/applications/{application_id}/approve", response=s.ApplicationDetailOut,
             summary="批准：备案号、证书号段、有效期（职业范围调整只需审批意见）")
def application_approve(request, application_id: int, payload: s.ApproveIn):
    actor, application = _for_review(request, application_id)
    return services.filing_approve(
        actor=actor, application=application, filing_number=payload.filing_number or "",
        serial_start=payload.serial_start,
        serial_end=payload.serial_end, valid_from=payload.valid_from, valid_until=payload.valid_until,
        comment=payload.comment,
    )


@router.post("/applications/{application_id}/reject", response=s.ApplicationDetailOut,
             summary="不予通过（须写明理由）")
def application_reject(request, application_id: int, payload: s.ReasonIn):
    actor, application = _for_review(request, application_id)
    return services.filing_reject(actor=actor, application=application, reason=payload.reason)


@router.get("/applications/{application_id}/download", summary="下载备案表（PDF/Excel）或备案回执（PDF）",
            response={200: None})
def application_document(request, application_id: int,
                         document: Literal["form.pdf", "form.xlsx", "receipt.pdf"] = Query(...)):
    actor = _require(request, Perm.ORG_VIEW)
    application = application_get_for_actor(actor=actor, pk=application_id)
    content, content_type, filename = services.filing_document(actor=actor, application=application,
                                                               document=document)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
