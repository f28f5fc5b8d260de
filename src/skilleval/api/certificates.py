"""/api/v1/certificates/: the public query (no login, rate-limited, captcha after repeated
queries), the published keys, and for staff the register and the batch issue; a holder
downloads their own electronic certificate (DOMAIN.md §3.10).

The same rules as the pages in certificates/views.py: the same selectors (scoped, 404
outside the actor's scope), the same services and the same query guard."""

from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from skilleval.accounts.access import Actor, Perm
from skilleval.certificates import documents, query, services, signing
from skilleval.certificates.forms import IdentityQueryForm, clean_certificate_number
from skilleval.certificates.models import Certificate
from skilleval.certificates.selectors import (
    batch_for_issue,
    can_read_register,
    certificate_get_for_actor,
    certificates_of_holder,
    certificates_visible_to,
    platform_keys_published,
    public_answer_by_number,
    public_rows_by_identity,
)
from skilleval.core.errors import DomainError

from . import certificates_schemas as s
from .pagination import Pages

router = Router(tags=["证书"])


def _require(request, perm: str) -> Actor:
    actor = request.actor
    actor.require(perm)
    return actor


def _public(row: dict) -> dict:
    """A cached public row (selectors.public_row) in the API's field names."""
    return {
        "number": row["number"], "name": row["name"], "id_type": row["id_type"], "id_number_masked": row["id_masked"],
        "occupation": row["occupation"], "work_type": row["work_type"], "level": row["level"],
        "issued_on": row["issued_on"], "evaluation_organisation": row["evaluation_organisation"],
        "issuing_organisation": row["issuing_organisation"], "status": row["status"],
        "status_label": row["status_label"], "revision": row["revision"], "revoked_on": row["revoked_on"],
        "revocation_ground": row["revocation_ground"], "verify_url": documents.verification_url(row["number"]),
    }


def _gate(request, token: str, answer: str, answer_key: str):
    """(None, the cached answer or None) when the query may run, else (the 429 answer, None)."""
    gate, cached = query.query_gate_and_answer(query.client_of(request), answer_key, captcha_token=token,
                                               captcha_answer=answer)
    if gate.allowed:
        return None, cached
    body = {"detail": gate.message, "retry_after": gate.retry_after, "captcha_required": gate.captcha_required}
    if gate.captcha_required:
        new = query.captcha_new()
        body.update(captcha_token=new, captcha_image_url=reverse("certificates:captcha", args=[new]))
    return Status(429, body), None


def _answer(rows: list[dict], not_found: str) -> dict:
    return {"found": bool(rows), "message": _("查询到 %(n)d 张证书。") % {"n": len(rows)} if rows else not_found,
            "certificates": [_public(c) for c in rows]}


@router.get("/query", auth=None, response={200: s.QueryOut, 429: s.GateOut},
            summary="公开查询：按证书编号（无需登录；频繁查询需验证码）")
def public_query_number(request, number: str = Query(..., max_length=40, description="22位证书编号"),
                        captcha_token: str = Query("", max_length=64), captcha_answer: str = Query("", max_length=6)):
    try:
        number = clean_certificate_number(number)
    except Exception as exc:
        raise DomainError(getattr(exc, "messages", [_("证书编号格式不正确。")])[0], field="number") from None
    refused, cached = _gate(request, captcha_token, captcha_answer, query.answer_key_number(number))
    if refused is not None:
        return refused
    found = public_answer_by_number(number, cached=cached)
    return _answer([found["row"]] if found else [], _("未查询到该编号的证书。"))


@router.post("/query", auth=None, response={200: s.QueryOut, 429: s.GateOut},
             summary="公开查询：按姓名和证件号码（均须完整；无需登录；频繁查询需验证码）")
def public_query_identity(request, payload: s.IdentityQueryIn):
    form = IdentityQueryForm({"name": payload.name, "id_number": payload.id_number})
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise DomainError(errors[0], field=field)
    id_number = form.cleaned_data["id_number"]
    refused, cached = _gate(request, payload.captcha_token, payload.captcha_answer, query.answer_key_identity(id_number))
    if refused is not None:
        return refused
    rows = public_rows_by_identity(name=form.cleaned_data["name"], id_number=id_number, cached=cached)
    return _answer(rows, _("未查询到与该姓名和证件号码对应的证书。"))


@router.get("/captcha", auth=None, response=s.CaptchaOut, summary="新的验证码（图片为算式，答案为计算结果）")
def captcha(request):
    token = query.captcha_new()
    return {"token": token, "image_url": reverse("certificates:captcha", args=[token]),
            "expires_in": query.CAPTCHA_SECONDS}


@router.get("/keys", auth=None, response=dict, summary="平台公钥（JWKS），用于离线核验二维码签名")
def keys(request):
    return signing.jwks(platform_keys_published())


# ---------------------------------------------------------------------------------------------
# Holders


@router.get("/mine", response=list[s.CertificateOut], summary="本人的证书（考生）")
def mine(request):
    actor = _require(request, Perm.CANDIDATE_SELF)
    return certificates_of_holder(actor).order_by("-issued_on")


@router.get("/{int:certificate_id}/pdf", response={200: None},
            summary="下载电子证书（现行版次，带 PDF 数字签名）：持证人本人或发证机构")
def certificate_pdf(request, certificate_id: int):
    actor = _require(request, Perm.HOME)
    certificate = certificate_get_for_actor(actor=actor, pk=certificate_id)
    if certificate.is_revoked:
        raise DomainError(_("证书已撤销，不再提供电子证书。"))
    copy = certificate.copies.get(revision=certificate.revision)
    response = HttpResponse(services.copy_pdf_store(copy, certificate=certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{documents.pdf_filename(certificate)}"'
    return response


# ---------------------------------------------------------------------------------------------
# Staff: register and issue


@router.get("", response=list[s.CertificateOut], summary="证书登记册（发证机构本单位；人社部门本辖区）")
@paginate(Pages, page_size=50)
def register(request, q: str = Query("", max_length=50, description="证书编号（前缀）或姓名（完整）"),
             level: int | None = Query(None, ge=1, le=5), year: int | None = Query(None, ge=2000, le=2099),
             status: Certificate.Status | None = None, batch_id: int | None = None):
    actor = _require(request, Perm.HOME)
    if not can_read_register(actor):
        actor.require(Perm.CERTIFICATE_MANAGE)
    qs = certificates_visible_to(actor)
    q = q.strip()
    if q:
        qs = qs.filter(Q(number__startswith=q.upper()) | Q(name=q))
    if level:
        qs = qs.filter(level_code=level)
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if batch_id:
        qs = qs.filter(batch_id=batch_id)
    return qs.order_by("-issued_on", "-number")


@router.get("/{int:certificate_id}", response=s.CertificateOut, summary="证书详情（按权限范围）")
def certificate_detail(request, certificate_id: int):
    actor = _require(request, Perm.HOME)
    return certificate_get_for_actor(actor=actor, pk=certificate_id)


@router.post("/batches/{int:batch_id}/issue", response={202: s.IssueOut},
             summary="为批次的合格人员批量发证（后台任务：编号、登记、合并打印文件和每人一份电子证书）")
def issue_batch(request, batch_id: int, payload: s.IssueIn):
    actor = _require(request, Perm.CERTIFICATE_MANAGE)
    batch = batch_for_issue(actor=actor, pk=batch_id)
    job = services.certificates_issue_start(actor=actor, batch=batch, issued_on=payload.issued_on)
    return Status(202, {"job_id": job.pk, "job_url": reverse("api:job_detail", args=[job.pk])})
