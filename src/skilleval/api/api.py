"""The REST API, /api/v1/. Thin endpoints over the apps' selectors and services;
deny by default (session or token auth on every endpoint unless marked)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate

from skilleval.accounts.access import Perm
from skilleval.catalog.selectors import (
    id_types_all,
    jurisdictions_all,
    levels_all,
    occupations_search,
    profiles_all,
)
from skilleval.core.errors import DomainError
from skilleval.core.selectors import audit_events_visible_to, job_get_for_actor
from skilleval.core.validators import parse_resident_id, validate_uscc
from skilleval.core.workdays import working_calendar

from . import schemas as s
from .auth import SessionAuth, TokenAuth
from .pagination import Pages

api = NinjaAPI(
    title="skilleval API",
    version="1",
    description="企业技能人才自主评价平台 REST API。浏览器使用会话登录，脚本使用 `Authorization: Bearer <令牌>`。",
    auth=[SessionAuth(), TokenAuth()],
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("请先登录，或在请求头中提供有效的 API 令牌。")}, status=401)


@api.exception_handler(NinjaValidationError)
def invalid_input(request, exc: NinjaValidationError):
    fields = "、".join(sorted({".".join(str(p) for p in e.get("loc", [])[1:]) or "?" for e in exc.errors}))
    return api.create_response(request, {"detail": _("请求参数不正确：%(f)s。") % {"f": fields}, "errors": exc.errors},
                               status=422)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=400)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    messages = {400: _("请求内容无法解析，请检查 JSON 格式。"), 403: _("CSRF 校验失败，请刷新页面后重试。")}
    return api.create_response(request, {"detail": messages.get(exc.status_code, str(exc))}, status=exc.status_code)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": _("您没有执行此操作的权限。")}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("未找到该记录，或您无权查看。")}, status=404)


def _require(request, perm: str) -> None:
    request.actor.require(perm)


@api.get("/me", response=s.MeOut, tags=["账号"], summary="当前用户")
def me(request):
    actor = request.actor
    return {
        "username": actor.user.username, "full_name": actor.user.get_full_name(), "roles": sorted(actor.roles),
        "organisation_id": actor.organisation_id, "jurisdiction_id": actor.jurisdiction_id,
        "is_candidate": actor.is_candidate,
    }


@api.get("/catalog/levels", response=list[s.LevelOut], tags=["参考数据"], summary="职业技能等级")
def levels(request):
    _require(request, Perm.REFERENCE_VIEW)
    return levels_all()


@api.get("/catalog/id-types", response=list[s.IDTypeOut], tags=["参考数据"], summary="证件类型")
def id_types(request):
    _require(request, Perm.REFERENCE_VIEW)
    return id_types_all()


@api.get("/catalog/occupations", response=list[s.OccupationOut], tags=["参考数据"], summary="职业目录")
@paginate(Pages, page_size=50)
def occupations(request, q: str = "", evaluable: bool | None = None):
    _require(request, Perm.REFERENCE_VIEW)
    return occupations_search(q=q[:50], evaluable=evaluable)


@api.get("/catalog/occupations/{code}/work-types", response=list[s.WorkTypeOut], tags=["参考数据"], summary="职业下的工种")
def work_types(request, code: str):
    _require(request, Perm.REFERENCE_VIEW)
    occupation = occupations_search().filter(code=code).first()
    if occupation is None:
        raise Http404
    return occupation.work_types.all()


@api.get("/catalog/jurisdictions", response=list[s.JurisdictionOut], tags=["参考数据"], summary="辖区")
def jurisdictions(request):
    _require(request, Perm.REFERENCE_VIEW)
    return [
        {"code": j.code, "name": j.name, "level": j.level, "parent_code": j.parent.code if j.parent else None,
         "authority_name": j.authority_name}
        for j in jurisdictions_all()
    ]


def _profile_out(profile):
    data = {f: getattr(profile, f) for f in s.PolicyProfileOut.model_fields if f != "jurisdiction_code"}
    data["jurisdiction_code"] = profile.jurisdiction.code if profile.jurisdiction else None
    return data


@api.get("/catalog/policy-profiles", response=list[s.PolicyProfileOut], tags=["参考数据"], summary="政策参数")
def policy_profiles(request):
    _require(request, Perm.REFERENCE_VIEW)
    return [_profile_out(p) for p in profiles_all()]


@api.get("/workdays/add", response=s.WorkdayAddOut, tags=["工作日历"], summary="推算 N 个工作日后的日期")
def workdays_add(request, start: dt.date, days: int = Query(..., ge=-3650, le=3650)):
    result = working_calendar().add(start, days)
    return {"start": start, "days": days, "date": result.date, "provisional": result.provisional,
            "unconfirmed_years": list(result.unconfirmed_years)}


@api.get("/workdays/between", response=s.WorkdayBetweenOut, tags=["工作日历"], summary="两日期之间的工作日数")
def workdays_between(request, start: dt.date, end: dt.date):
    if abs((end - start).days) > 3650 * 2:
        raise DomainError(_("日期跨度不能超过20年。"))
    count, provisional = working_calendar().between(start, end)
    return {"start": start, "end": end, "working_days": count, "provisional": provisional}


@api.get("/validate/id-number", response=s.ValidationOut, tags=["校验"], summary="校验居民身份证号码")
def validate_id_number(request, value: str = Query(..., max_length=40)):
    try:
        parsed = parse_resident_id(value)
    except ValidationError as exc:
        return {"valid": False, "message": exc.messages[0]}
    return {"valid": True, "message": _("号码有效。"), "birth_date": parsed.birth_date, "sex": parsed.sex}


@api.get("/validate/uscc", response=s.ValidationOut, tags=["校验"], summary="校验统一社会信用代码")
def validate_credit_code(request, value: str = Query(..., max_length=40)):
    try:
        validate_uscc(value)
    except ValidationError as exc:
        return {"valid": False, "message": exc.messages[0]}
    return {"valid": True, "message": _("代码有效。")}


@api.get("/audit-events", response=list[s.AuditEventOut], tags=["审计"], summary="审计日志（按权限范围）")
@paginate(Pages, page_size=50)
def audit_events(request, object_type: str = "", object_id: str = "", action: str = "", q: str = ""):
    _require(request, Perm.AUDIT_VIEW)
    qs = audit_events_visible_to(request.actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    if q:
        qs = qs.filter(Q(actor_name__contains=q) | Q(object_repr__contains=q))
    return qs


@api.get("/jobs/{job_id}", response=s.JobOut, tags=["后台任务"], summary="后台任务进度")
def job_detail(request, job_id: int):
    _require(request, Perm.JOB_VIEW)
    return job_get_for_actor(actor=request.actor, pk=job_id)


from .orgs import router as orgs_router  # noqa: E402

api.add_router("/orgs", orgs_router)

from .batches import router as batches_router  # noqa: E402

api.add_router("/batches", batches_router)

from .results import router as results_router  # noqa: E402

api.add_router("/results", results_router)

from .certificates import router as certificates_router  # noqa: E402

api.add_router("/certificates", certificates_router)

from .exams import router as exams_router  # noqa: E402

api.add_router("/exams", exams_router)

from .supervision import router as supervision_router  # noqa: E402

api.add_router("/supervision", supervision_router)
