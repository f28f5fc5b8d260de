"""/api/v1/batches/: evaluation batches (认定批次) — the batch and its announcement, the
candidates' applications and their review, the XLSX import, the commitment, the roster
and the assessment plan filed with the authority (DOMAIN.md §3.4–3.5, §7).

The same rules as the pages in batches/views.py: each endpoint asks for the same
permission as its page, fetches the object through the actor-scoped selector (404
outside the actor's scope) and calls the service, which decides. Paths with a batch id
use the int converter, so /batches/announcements and /batches/applications/... never
reach a /batches/{batch_id} endpoint."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from skilleval.accounts.access import Actor, Perm
from skilleval.batches import services
from skilleval.batches.models import Application, Batch
from skilleval.batches.selectors import (
    application_get_for_actor,
    applications_visible_to,
    batch_get_for_actor,
    batches_visible_to,
    open_announcements_for,
)
from skilleval.orgs.selectors import organisation_get_for_actor

from . import batches_schemas as s
from .pagination import Pages

router = Router(tags=["认定批次"])

# ApplicationData fields that may be cleared with null in a PATCH; null elsewhere means "unchanged".
CLEARABLE = frozenset({"graduated_on", "birth_date"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(request, perm: str) -> Actor:
    actor = request.actor
    actor.require(perm)
    return actor


def _batch(request, batch_id: int, perm: str) -> tuple[Actor, Batch]:
    actor = _require(request, perm)
    return actor, batch_get_for_actor(actor=actor, pk=batch_id)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Paths without a batch id first (the candidate's announcements, applications by id)


@router.get("/announcements", response=list[s.BatchDetailOut], summary="本单位正在报名的认定公告（考生）")
def announcements(request):
    actor = _require(request, Perm.CANDIDATE_SELF)
    return open_announcements_for(actor)


@router.get("/applications/{int:application_id}", response=s.ApplicationDetailOut,
            summary="报名详情：申报表内容与资格判定结果（证件号码脱敏）")
def application_detail(request, application_id: int):
    actor = _require(request, Perm.HOME)
    return application_get_for_actor(actor=actor, pk=application_id)


def _application_data_from(application: Application) -> dict:
    """The application as it stands, in ApplicationData's terms (the base of a PATCH)."""
    data = {name: getattr(application, name) for name in services.APPLICATION_FIELDS}
    data.update(
        item_id=application.item_id, post_occupation_code=application.post_occupation.code,
        sex=application.sex, birth_date=application.birth_date, commitment_signed=application.commitment_signed,
        certificates=[{"kind": c.kind, "occupation_code": c.occupation.code if c.occupation else "",
                       "level": c.level, "number": c.number, "issued_on": c.issued_on}
                      for c in application.certificates.select_related("occupation")],
        awards=[{"kind": a.kind, "tier": a.tier, "name": a.name, "year": a.year, "rank": a.rank,
                 "filed_competition": a.filed_competition} for a in application.awards.all()],
    )
    return data


@router.patch("/applications/{int:application_id}", response=s.ApplicationDetailOut,
              summary="考生修改被退回的报名并重新提交（只提交要修改的字段；照片等附件只能在页面上传）")
def application_update(request, application_id: int, payload: s.ApplicationUpdateIn):
    actor = _require(request, Perm.CANDIDATE_SELF)
    application = application_get_for_actor(actor=actor, pk=application_id)
    changes = payload.model_dump(exclude_unset=True)
    if "item" in changes:
        changes["item_id"] = changes.pop("item")
    data = {**_application_data_from(application),
            **{k: v for k, v in changes.items() if v is not None or k in CLEARABLE}}
    person = application.person
    return services.application_update(actor=actor, application=application, data=services.ApplicationData(
        id_type_code=person.id_type.code, id_number=person.id_number, **data))


@router.post("/applications/{int:application_id}/withdraw", response=s.ApplicationDetailOut, summary="考生撤回报名")
def application_withdraw(request, application_id: int):
    actor = _require(request, Perm.CANDIDATE_SELF)
    application = application_get_for_actor(actor=actor, pk=application_id)
    return services.application_withdraw(actor=actor, application=application)


@router.post("/applications/{int:application_id}/review", response=s.ApplicationDetailOut,
             summary="资格审核：通过、退回修改或不通过（退回、不通过须写明理由）")
def application_review(request, application_id: int, payload: s.ReviewIn):
    actor = _require(request, Perm.BATCH_MANAGE)
    application = application_get_for_actor(actor=actor, pk=application_id)
    return services.application_review(actor=actor, application=application, decision=payload.decision,
                                       reason=payload.reason)


@router.get("/applications/{int:application_id}/download", response={200: None},
            summary="下载申报表（PDF；本单位机构人员为完整证件号码，其他人脱敏）")
def application_download(request, application_id: int):
    actor = _require(request, Perm.HOME)
    application = application_get_for_actor(actor=actor, pk=application_id)
    return _download(*services.application_document(actor=actor, application=application))


# ---------------------------------------------------------------------------------------------
# Batches


@router.get("", response=list[s.BatchOut], summary="认定批次列表（按权限范围）")
@paginate(Pages, page_size=50)
def batch_list(request, status: Batch.Status | None = None,
               q: str = Query("", max_length=50, description="批次名称或编号")):
    actor = _require(request, Perm.BATCH_VIEW)
    qs = batches_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs


@router.post("", response={201: s.BatchDetailOut}, summary="为本单位创建认定批次（草稿）")
def batch_create(request, payload: s.BatchIn):
    actor = _require(request, Perm.BATCH_MANAGE)
    if actor.organisation_id is None:
        raise PermissionDenied
    organisation = organisation_get_for_actor(actor=actor, pk=actor.organisation_id)
    batch = services.batch_create(actor=actor, organisation=organisation, **payload.model_dump())
    return Status(201, batch_get_for_actor(actor=actor, pk=batch.pk))


@router.get("/{int:batch_id}", response=s.BatchDetailOut,
            summary="批次详情：公告内容、评价职业等级、报名统计、承诺书与计划报备状态")
def batch_detail(request, batch_id: int):
    # As the batch page (机构、人社部门) and the announcement page (考生: only announced batches of their employer).
    _actor, batch = _batch(request, batch_id, Perm.HOME)
    return batch


@router.patch("/{int:batch_id}", response=s.BatchDetailOut, summary="修改批次基本信息（仅草稿；只提交要修改的字段）")
def batch_update(request, batch_id: int, payload: s.BatchUpdateIn):
    actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    services.batch_update(actor=actor, batch=batch, data=data)
    return batch_get_for_actor(actor=actor, pk=batch_id)


@router.post("/{int:batch_id}/items", response={201: s.BatchItemOut},
             summary="添加评价职业（工种）及等级：评价方式、权重、合格线（须在备案范围内）")
def item_add(request, batch_id: int, payload: s.BatchItemIn):
    actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    data = payload.model_dump()
    return Status(201, services.batch_item_add(actor=actor, batch=batch, **data))


@router.delete("/{int:batch_id}/items/{int:item_id}", response={204: None}, summary="删除评价职业（仅草稿）")
def item_remove(request, batch_id: int, item_id: int):
    actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    item = batch.items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    services.batch_item_remove(actor=actor, item=item)
    return Status(204, None)


@router.post("/{int:batch_id}/announce", response=s.BatchDetailOut, summary="发布认定公告（本单位职工可在报名期内报名）")
def batch_announce(request, batch_id: int):
    actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    services.batch_announce(actor=actor, batch=batch)
    return batch_get_for_actor(actor=actor, pk=batch_id)


# ---------------------------------------------------------------------------------------------
# Applications of a batch


@router.post("/{int:batch_id}/applications", response={201: s.ApplicationDetailOut},
             summary="考生网上报名（JSON 申报表，返回资格判定结果；照片、证件、学历证明只能在报名页面上传）")
def application_submit(request, batch_id: int, payload: s.ApplicationIn):
    actor, batch = _batch(request, batch_id, Perm.CANDIDATE_SELF)
    data = payload.model_dump()
    data["item_id"] = data.pop("item")
    application = services.application_submit(actor=actor, batch=batch, data=services.ApplicationData(**data))
    return Status(201, application_get_for_actor(actor=actor, pk=application.pk))


@router.get("/{int:batch_id}/applications", response=list[s.ApplicationOut],
            summary="批次的报名列表与资格判定（证件号码脱敏）")
@paginate(Pages, page_size=50)
def application_list(request, batch_id: int, status: Application.Status | None = None,
                     eligible: bool | None = Query(None, description="true 符合申报条件，false 不符合"),
                     route: Application.Route | None = None,
                     q: str = Query("", max_length=50, description="姓名或报名号（尾号）")):
    actor, batch = _batch(request, batch_id, Perm.BATCH_VIEW)
    qs = applications_visible_to(actor).filter(batch=batch)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(number__endswith=q))
    if status:
        qs = qs.filter(status=status)
    if eligible is not None:
        qs = qs.filter(eligible=eligible)
    if route:
        qs = qs.filter(route=route)
    return qs


@router.post("/{int:batch_id}/import", response={202: s.ImportStartedOut},
             summary="导入报名信息表（multipart：file 为 XLSX，clean_rows_only 只导入无错误的行）；后台处理，进度见 /api/v1/jobs/{id}")
def application_import(request, batch_id: int, file: File[UploadedFile], clean_rows_only: Form[bool] = False):
    from skilleval.batches.imports import applications_import_start

    actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    job = applications_import_start(actor=actor, batch=batch, upload=file, clean_rows_only=clean_rows_only)
    return Status(202, {"job_id": job.pk, "status": job.status,
                        "progress_url": reverse("api:job_detail", args=[job.pk])})


@router.get("/{int:batch_id}/import-template", response={200: None}, summary="下载报名信息导入模板（XLSX）")
def import_template(request, batch_id: int):
    from skilleval.batches.imports import import_template_xlsx

    _actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    return _download(import_template_xlsx(batch), XLSX, f"import-template-{batch.code}.xlsx")


# ---------------------------------------------------------------------------------------------
# Commitment, roster, plan and its filing


@router.post("/{int:batch_id}/commitment", response=s.BatchDetailOut,
             summary="签署报名资料审核承诺书（全部报名审核完毕后）")
def commitment_sign(request, batch_id: int, payload: s.CommitmentIn):
    actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    services.batch_sign_commitment(actor=actor, batch=batch, signatory=payload.signatory)
    return batch_get_for_actor(actor=actor, pk=batch_id)


@router.get("/{int:batch_id}/staff", response=list[s.StaffOut], summary="考务人员名单（证件号码脱敏）")
def staff_list(request, batch_id: int):
    _actor, batch = _batch(request, batch_id, Perm.BATCH_VIEW)
    return batch.staff.all()


@router.post("/{int:batch_id}/staff", response={201: s.StaffOut},
             summary="添加考务人员：主考、监考、考评员、质量督导员（同一批次不得兼任，考生不得担任）")
def staff_add(request, batch_id: int, payload: s.StaffIn):
    actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    return Status(201, services.batch_staff_add(actor=actor, batch=batch, role=payload.role, name=payload.name,
                                                id_number=payload.id_number))


@router.delete("/{int:batch_id}/staff/{int:member_id}", response={204: None}, summary="删除考务人员（计划报备前）")
def staff_remove(request, batch_id: int, member_id: int):
    actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    member = batch.staff.filter(pk=member_id).first()
    if member is None:
        raise Http404
    services.batch_staff_remove(actor=actor, member=member)
    return Status(204, None)


def _plan_out(actor: Actor, batch: Batch) -> dict:
    today = timezone.localdate()
    manager = actor.has(Perm.BATCH_MANAGE) and actor.organisation_id == batch.organisation_id
    return {
        "headings": s.PLAN_HEADING_LIST,
        "texts": {**services.plan_draft(batch), **(batch.plan or {})},
        "saved": bool(batch.plan),
        "status": batch.status,
        "problems": services.plan_problems(batch, today) if manager and batch.can_file_plan() else None,
        "lead_workdays": batch.organisation.jurisdiction.policy_profile().plan_lead_workdays,
        "latest_filing_date": services.plan_latest_filing_date(batch),
        "earliest_exam_date_if_filed_today": services.plan_earliest_exam_date(batch, today),
        "plan_filed_on": batch.plan_filed_on,
        "plan_return_reason": batch.plan_return_reason,
    }


@router.get("/{int:batch_id}/plan", response=s.PlanOut,
            summary="考核方案：各部分正文、尚不能报备的原因、最晚报备日")
def plan_detail(request, batch_id: int):
    actor, batch = _batch(request, batch_id, Perm.BATCH_VIEW)
    return _plan_out(actor, batch)


@router.put("/{int:batch_id}/plan", response=s.PlanOut, summary="保存考核方案（九部分正文）")
def plan_save(request, batch_id: int, payload: s.PlanIn):
    actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    batch = services.batch_plan_save(actor=actor, batch=batch, plan=payload.model_dump())
    return _plan_out(actor, batch)


@router.post("/{int:batch_id}/plan/file", response=s.BatchDetailOut,
             summary="向人社部门报备认定计划（须在评价实施前至少规定的工作日数；二级、一级同时报省级）")
def plan_file(request, batch_id: int):
    actor, batch = _batch(request, batch_id, Perm.BATCH_MANAGE)
    services.batch_file_plan(actor=actor, batch=batch)
    return batch_get_for_actor(actor=actor, pk=batch_id)


def _for_decision(request, batch_id: int) -> tuple[Actor, Batch]:
    actor, batch = _batch(request, batch_id, Perm.BATCH_VIEW)
    if not actor.is_authority:
        raise PermissionDenied
    return actor, batch


@router.post("/{int:batch_id}/plan/confirm", response=s.BatchDetailOut, summary="人社部门确认认定计划")
def plan_confirm(request, batch_id: int):
    actor, batch = _for_decision(request, batch_id)
    services.batch_plan_confirm(actor=actor, batch=batch)
    return batch_get_for_actor(actor=actor, pk=batch_id)


@router.post("/{int:batch_id}/plan/return", response=s.BatchDetailOut, summary="人社部门退回认定计划（须写明理由）")
def plan_return(request, batch_id: int, payload: s.ReasonIn):
    actor, batch = _for_decision(request, batch_id)
    services.batch_plan_return(actor=actor, batch=batch, reason=payload.reason)
    return batch_get_for_actor(actor=actor, pk=batch_id)


@router.get("/{int:batch_id}/download", response={200: None},
            summary="下载批次文书：考核方案（PDF/Word）、考生名册（XLSX）、审核承诺书（PDF）")
def batch_download(request, batch_id: int,
                   document: Literal["plan.pdf", "plan.docx", "candidates.xlsx", "commitment.pdf"] = Query(...)):
    actor, batch = _batch(request, batch_id, Perm.BATCH_VIEW)
    return _download(*services.batch_document(actor=actor, batch=batch, document=document))
