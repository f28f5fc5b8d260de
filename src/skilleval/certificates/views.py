"""Certificate pages: the organisation's issue workbench and register, the authority's
register, the holder's certificates, and the public pages (query, verification page,
captcha image, published keys), which need no login."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template import Context, Template
from django.template.base import TextNode
from django.template.defaulttags import IfNode, URLNode
from django.template.loader import get_template
from django.template.loader_tags import IncludeNode
from django.templatetags.i18n import TranslateNode
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View

from skilleval.accounts.access import Perm
from skilleval.accounts.forms import client_ip
from skilleval.core.audit import personal_data_view_record
from skilleval.core.errors import DomainError
from skilleval.core.models import AuditEvent
from skilleval.core.pdf import missing_glyphs
from skilleval.core.views import ActionView, ActorView, Column, ListPageMixin

from . import documents, query, services, signing
from .forms import (
    CaptchaForm,
    IdentityQueryForm,
    IssueForm,
    NumberQueryForm,
    RegisterFilterForm,
    ReissueForm,
    RejectRequestForm,
    RevokeForm,
    clean_certificate_number,
)
from .models import Certificate, ReissueRequest
from .selectors import (
    batch_for_issue,
    batches_for_issue,
    can_read_register,
    certificate_counts,
    certificate_get_for_actor,
    certificates_of_holder,
    certificates_visible_to,
    copies_of,
    latest_report,
    platform_keys_published,
    platform_public_keys,
    public_answer_by_number,
    public_rows_by_identity,
    range_uses,
    requests_pending,
    results_to_issue,
)

STATUS_COLOURS = {"valid": "success", "reissued": "info", "revoked": "danger"}


def status_badge(certificate: Certificate):
    return format_html('<span class="badge text-bg-{}" data-testid="certificate-status">{}</span>',
                       STATUS_COLOURS.get(certificate.status, "secondary"), certificate.get_status_display())


def _pdf_response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


class HomeView(ActorView):
    """The area's entry: staff and authorities to the register, a holder to their certificates."""

    permission = Perm.HOME

    def get(self, request):
        actor = request.actor
        if can_read_register(actor):
            return redirect("certificates:register")
        if actor.has(Perm.CANDIDATE_SELF):
            return redirect("certificates:mine")
        raise PermissionDenied(_("您没有执行此操作的权限。"))


# ---------------------------------------------------------------------------------------------
# The register


class RegisterPaginator(Paginator):
    """Counts the (filtered) register once: the page count comes from the same grouped
    query as the totals by level and status the page shows (one pass at 1,000,000 rows)."""

    @functools.cached_property
    def counts(self) -> dict:
        return certificate_counts(self.object_list)

    @functools.cached_property
    def count(self) -> int:  # type: ignore[override]
        return self.counts["total"]


class RegisterView(ListPageMixin, ActorView):
    permission = Perm.HOME
    paginator_class = RegisterPaginator
    template_name = "certificates/register.html"
    filter_form_class = RegisterFilterForm
    default_sort = "-issued_on"
    export_name = "certificates"
    empty_title = gettext_lazy("没有符合条件的证书")
    empty_text = gettext_lazy("评价结果经人社部门备案接收后，机构在“批量发证”中为合格人员发证，证书即列在这里。")
    columns = [
        Column("name", gettext_lazy("姓名"), sort="name", html=lambda c: format_html(
            '<a href="{}">{}</a>{}', reverse("certificates:detail", args=[c.pk]), c.name,
            format_html(' <span class="badge text-bg-warning" title="{}">{}</span>', _("姓名含无法打印的字"),
                        _("需手写")) if c.unprintable else "")),
        Column("id_type__name", gettext_lazy("证件类型")),
        Column("id_number", gettext_lazy("证件号码"), html=lambda c: format_html(
            '<span class="mono">{}</span>', c.masked_id_number)),
        Column("unit", gettext_lazy("所在单位")),
        Column("occupation__name", gettext_lazy("职业名称"), sort="occupation__code"),
        Column("work_type", gettext_lazy("工种名称"), value=lambda c: c.work_type.name if c.work_type_id else ""),
        Column("level", gettext_lazy("职业技能等级"), sort="level_code",
               value=lambda c: documents.level_display(c)),
        Column("number", gettext_lazy("证书编号"), sort="number",
               html=lambda c: format_html('<span class="mono">{}</span>', c.number)),
        Column("issued_on", gettext_lazy("发证日期"), sort="issued_on"),
        Column("evaluation_organisation", gettext_lazy("评价机构")),
        Column("issuing_organisation", gettext_lazy("发证机构")),
        # After the columns of BB att.6: a proof of special ability names its ability here.
        Column("kind", gettext_lazy("证书类别"), sort="kind", value=lambda c: c.get_kind_display() + (
            f"（{c.special_ability.name}）" if c.special_ability is not None else "")),
        Column("get_status_display", gettext_lazy("状态"), sort="status", html=status_badge),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_read_register(request.actor):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return certificates_visible_to(self.request.actor)

    def apply_filters(self, queryset, data):
        q = (data.get("q") or "").strip().upper()
        if q:
            queryset = queryset.filter(Q(number__startswith=q) | Q(name=data["q"].strip()))
        if data.get("id_number"):
            queryset = queryset.filter(id_number=data["id_number"].strip().upper())
        if data.get("level"):
            queryset = queryset.filter(level_code=data["level"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("year"):
            queryset = queryset.filter(year=data["year"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("unprintable"):
            queryset = queryset.exclude(unprintable="")
        return queryset

    def list_context(self, request):
        queryset = self.get_queryset()
        form = self.filter_form_class(request.GET or None)
        filters = {}
        if form.is_bound and form.is_valid():
            queryset = self.apply_filters(queryset, form.cleaned_data)
            filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False)}
        if request.GET.get("export") == "xlsx":
            services.register_export_audit(actor=request.actor, rows=min(queryset.count(), self.max_export_rows),
                                           filters=filters)
        context = super().list_context(request)
        if isinstance(context, HttpResponse):
            return context
        context["counts"] = context["page"].paginator.counts
        context["pending_requests"] = requests_pending(request.actor).count()
        context["can_issue"] = request.actor.has(Perm.CERTIFICATE_MANAGE)
        return context


# ---------------------------------------------------------------------------------------------
# Issue


class IssueBatchListView(ActorView):
    permission = Perm.CERTIFICATE_MANAGE

    def get(self, request):
        batches = list(batches_for_issue(request.actor))
        return render(request, "certificates/issue_batches.html", {"batches": batches})


def _issue_context(request, batch, form=None):
    pending = list(results_to_issue(batch))
    flagged = [(r, "".join(sorted(missing_glyphs(r.application.name)))) for r in pending]
    year = (form.cleaned_data["issued_on"].year if form is not None and form.is_bound and form.is_valid()
            else timezone.localdate().year)
    need: dict[int, int] = {}
    for result in pending:
        level = result.application.item.level
        if level is not None:  # proofs of special ability draw their own sequence, not a level range
            need[level.code] = need.get(level.code, 0) + 1
    uses = [(use, need.get(use.level_code, 0)) for use in range_uses(batch.organisation, year)
            if need.get(use.level_code) or use.used]
    return {
        "batch": batch, "report": latest_report(batch), "pending": pending,
        "unprintable": [(r, chars) for r, chars in flagged if chars],
        "no_photo": [r for r in pending if not r.application.photo],
        "uses": uses, "short": [u for u, n in uses if n > u.remaining], "year": year,
        "form": form or IssueForm(initial={"issued_on": timezone.localdate()}),
        "issued": batch.certificates.count(),
    }


class IssueBatchView(ActorView):
    permission = Perm.CERTIFICATE_MANAGE
    template_name = "certificates/issue_batch.html"

    def get(self, request, pk):
        batch = batch_for_issue(actor=request.actor, pk=pk)
        return render(request, self.template_name, _issue_context(request, batch))

    def post(self, request, pk):
        batch = batch_for_issue(actor=request.actor, pk=pk)
        form = IssueForm(request.POST)
        if form.is_valid():
            try:
                job = services.certificates_issue_start(actor=request.actor, batch=batch,
                                                        issued_on=form.cleaned_data["issued_on"])
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("发证任务已提交，完成后可下载合并打印文件和每人一份的电子证书。"))
                return redirect("portal:job_detail", pk=job.pk)
        return render(request, self.template_name, _issue_context(request, batch, form), status=200)


# ---------------------------------------------------------------------------------------------
# One certificate


def _timeline(certificate: Certificate):
    return AuditEvent.objects.filter(
        Q(object_type="certificates.certificate", object_id=str(certificate.pk))
        | Q(object_type="certificates.reissuerequest",
            object_id__in=[str(pk) for pk in certificate.requests.values_list("pk", flat=True)])
    ).order_by("occurred_at", "id")


class CertificateDetailView(ActorView):
    permission = Perm.HOME

    def get(self, request, pk):
        certificate = certificate_get_for_actor(actor=request.actor, pk=pk)
        actor = request.actor
        manager = actor.has(Perm.CERTIFICATE_MANAGE) and actor.organisation_id == certificate.organisation_id
        authority = actor.is_authority and actor.has(Perm.RESULT_REVIEW)
        holder = actor.person_id is not None and actor.person_id == certificate.person_id
        pending = certificate.requests.filter(status=ReissueRequest.Status.PENDING).first()
        context = {
            "certificate": certificate, "copies": copies_of(certificate), "manager": manager, "holder": holder,
            "can_revoke": (manager or authority) and certificate.can_revoke(),
            "pending": pending, "requests": certificate.requests.select_related("decided_by").order_by("-created_at"),
            "reissue_form": ReissueForm(prefix="reissue", initial={"corrected_name": ""}),
            "revoke_form": RevokeForm(prefix="revoke"), "reject_form": RejectRequestForm(prefix="reject"),
            "request_form": ReissueForm(prefix="request"),
            "events": _timeline(certificate) if (manager or authority or actor.is_platform_admin) else [],
            "verify_url": reverse("certificate_verify", args=[certificate.number]),
        }
        if manager and not holder:  # the page shows the full ID number (a holder sees their own unlogged)
            personal_data_view_record(actor=actor, obj=certificate, what=_("查看证书详情"), why=_("发证机构管理证书"),
                                      organisation_id=certificate.organisation_id, ip_address=client_ip(request))
        return render(request, "certificates/detail.html", context)


class CopyPdfView(ActorView):
    """The electronic certificate (signed PDF) of one copy."""

    permission = Perm.HOME

    def get(self, request, pk, revision):
        certificate = certificate_get_for_actor(actor=request.actor, pk=pk)
        copy = certificate.copies.filter(revision=revision).first()
        if copy is None:
            raise Http404(_("该版次不存在。"))
        holder = request.actor.person_id == certificate.person_id
        if certificate.is_revoked:
            messages.error(request, _("证书已撤销，不再提供电子证书。"))
            return redirect("certificates:detail", pk=pk)
        if holder and not request.actor.has(Perm.CERTIFICATE_MANAGE) and not copy.is_current:
            messages.error(request, _("该版次已被补发的新证书替代，请下载当前版次。"))
            return redirect("certificates:detail", pk=pk)
        try:
            content = services.copy_pdf_store(copy, certificate=certificate)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("certificates:detail", pk=pk)
        return _pdf_response(content, documents.pdf_filename(certificate))


class PrintPdfView(ActorView):
    """The print version (paper certificate, unsigned) of the current copy, for the issuing organisation."""

    permission = Perm.CERTIFICATE_MANAGE

    def get(self, request, pk):
        certificate = certificate_get_for_actor(actor=request.actor, pk=pk)
        if certificate.organisation_id != request.actor.organisation_id:
            raise Http404
        if certificate.is_revoked:
            messages.error(request, _("证书已撤销，不能打印。"))
            return redirect("certificates:detail", pk=pk)
        copy = certificate.copies.filter(revision=certificate.revision).first()
        content = documents.render_certificate(certificate, copy, electronic=False)
        return _pdf_response(content, documents.pdf_filename(certificate, electronic=False))


class _CertificateAction(ActionView):
    def get_object(self, request, **kwargs):
        return certificate_get_for_actor(actor=request.actor, pk=kwargs["pk"])

    def success_url(self, request, obj, **kwargs):
        return reverse("certificates:detail", args=[obj.pk])


class ReissueView(_CertificateAction):
    permission = Perm.CERTIFICATE_MANAGE
    form_class = ReissueForm
    form_prefix = "reissue"

    def perform(self, request, obj, data):
        copy = services.certificate_reissue(actor=request.actor, certificate=obj, kind=data["kind"],
                                            reason=data["reason"], corrected_name=data.get("corrected_name", ""))
        return _("已补发第%(r)d版证书，编号不变（%(n)s），原证书作废。") % {"r": copy.revision, "n": obj.number}


class RevokeView(_CertificateAction):
    permission = Perm.HOME
    form_class = RevokeForm
    form_prefix = "revoke"

    def perform(self, request, obj, data):
        services.certificate_revoke(actor=request.actor, certificate=obj, ground=data["ground"],
                                    reason=data["reason"])
        return _("证书 %(n)s 已撤销。") % {"n": obj.number}


class RequestSubmitView(_CertificateAction):
    permission = Perm.CANDIDATE_SELF
    form_class = ReissueForm
    form_prefix = "request"

    def perform(self, request, obj, data):
        services.reissue_request_submit(actor=request.actor, certificate=obj, kind=data["kind"],
                                        reason=data["reason"], corrected_name=data.get("corrected_name", ""))
        return _("申请已提交，发证机构办理后会通知您。")


class _RequestAction(ActionView):
    permission = Perm.CERTIFICATE_MANAGE

    def get_object(self, request, **kwargs):
        request_obj = requests_pending(request.actor).filter(pk=kwargs["pk"]).first()
        if request_obj is None:
            raise Http404(_("未找到待办理的申请。"))
        return request_obj

    def success_url(self, request, obj, **kwargs):
        return reverse("certificates:detail", args=[obj.certificate_id])


class RequestApproveView(_RequestAction):
    def perform(self, request, obj, data):
        copy = services.reissue_request_approve(actor=request.actor, request=obj)
        return _("已按申请补发第%(r)d版证书。") % {"r": copy.revision}


class RequestRejectView(_RequestAction):
    form_class = RejectRequestForm
    form_prefix = "reject"

    def perform(self, request, obj, data):
        services.reissue_request_reject(actor=request.actor, request=obj, note=data["note"])
        return _("已答复申请人：不予补发。")


class MyCertificatesView(ActorView):
    permission = Perm.CANDIDATE_SELF

    def get(self, request):
        certificates = list(certificates_of_holder(request.actor).order_by("-issued_on"))
        return render(request, "certificates/mine.html", {"certificates": certificates})


# ---------------------------------------------------------------------------------------------
# Public pages


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


_CONTENT = "\x00content\x00"


@functools.lru_cache(maxsize=32)
def _frame(language: str, title: str) -> tuple[str, str]:
    """The light frame of the public pages (public_base.html) before and after the content.
    It holds nothing per request, so each process renders it once per language and title."""
    html = get_template("certificates/public_base.html").render({"title": title, "content": _CONTENT})
    head, _marker, tail = html.partition(_CONTENT)
    return head, tail


class _Fixed:
    """Stands in for an {% include %}'s template name: resolves to an already baked template."""

    def __init__(self, template: Template) -> None:
        self.template = template

    def resolve(self, context, ignore_failures=False):
        return self.template


def _constant(expression) -> bool:
    return not expression.is_var and not expression.filters


def _fixed(node) -> bool:
    """{% translate "literal" %} or {% url 'name' %} with literal arguments: the same text on
    every request in one language."""
    if isinstance(node, TranslateNode):
        return (not node.noop and node.asvar is None and node.message_context is None
                and node.filter_expression.var.literal is not None and not node.filter_expression.filters)
    return (isinstance(node, URLNode) and node.asvar is None and _constant(node.view_name)
            and all(_constant(a) for a in node.args) and all(_constant(v) for v in node.kwargs.values()))


def _bake_nodes(nodelist, language: str) -> None:
    """Replace, in place, what renders the same on every request in this language by its
    text (see _fixed), and a {% include "literal" %}'s template by its baked copy."""
    for index, node in enumerate(nodelist):
        if _fixed(node):
            nodelist[index] = TextNode(node.render(Context(autoescape=True)))
        elif isinstance(node, IncludeNode) and _constant(node.template) and isinstance(node.template.var, str):
            node.template = _Fixed(_baked(str(node.template.var), language))  # type: ignore[assignment]
        elif isinstance(node, IfNode):
            for _condition, branch in node.conditions_nodelists:
                _bake_nodes(branch, language)
        else:
            for attr in node.child_nodelists:
                if getattr(node, attr, None) is not None:
                    _bake_nodes(getattr(node, attr), language)


@functools.lru_cache(maxsize=32)
def _baked(template_name: str, language: str) -> Template:
    """A fresh copy of the template with its translations, fixed links and includes rendered
    once (per process and language): on a public page they were half of the rendering."""
    loaded = get_template(template_name).template  # type: ignore[attr-defined]
    template = Template(loaded.source, loaded.origin, loaded.name, loaded.engine)
    _bake_nodes(template.nodelist, language)
    return template


def _render_content(template_name: str, context: dict) -> str:
    if settings.DEBUG:  # templates edited while the development server runs show at once
        return get_template(template_name).render(context)
    return _baked(template_name, get_language()).render(Context(context, autoescape=True))


def _public_page(request, template_name: str, title: str, context: dict, status: int = 200, *,
                 csrf: bool = False) -> HttpResponse:
    """A public page: its content template rendered without context processors (no user,
    session, navigation or messages) inside the pre-rendered frame; the CSRF token only
    where a form posts."""
    if csrf:
        context["csrf_token"] = get_token(request)
    head, tail = _frame(get_language(), title)
    return _no_store(HttpResponse(head + _render_content(template_name, context) + tail, status=status))


def _refused(request, data, context: dict, render_page, answer_key: str) -> tuple[HttpResponse | None, Any]:
    """Count the query and read its cached answer in the same round trip. When it may not
    run: the page with the captcha or the limit message; else (None, the cached answer or None)."""
    captcha = CaptchaForm(data)
    answer = captcha.cleaned_data if captcha.is_valid() else {}
    gate, cached = query.query_gate_and_answer(
        query.client_of(request), answer_key, captcha_token=answer.get("captcha_token", ""),
        captcha_answer=answer.get("captcha_answer", ""))
    if gate.allowed:
        return None, cached
    context["gate"] = gate
    if gate.captcha_required:
        context["captcha_token"] = query.captcha_new()
    response = render_page(context, 429 if gate.limited else 200)
    if gate.limited:
        response["Retry-After"] = str(gate.retry_after)
    return response, None


def _form_context(form, mode: str) -> dict:
    """The typed values and the errors for the hand-written inputs of query.html. The ID
    number is never written back into the page."""
    errors = form.errors
    if mode == "number":
        return {"number_value": str(form.data.get("number", ""))[:40], "number_errors": errors.get("number", [])}
    return {"name_value": str(form.data.get("name", ""))[:50], "name_errors": errors.get("name", []),
            "id_number_errors": errors.get("id_number", [])}


@method_decorator(login_not_required, name="dispatch")
class QueryView(View):
    """证书查询: by number, or by name plus ID number; exact input only, rate-limited.
    The answers come from selectors' cached public rows (plain values, ID masked)."""

    template_name = "certificates/query.html"

    def get(self, request):
        if "number" in request.GET:
            return self._answer(request, NumberQueryForm(request.GET), request.GET, mode="number")
        return self._render(request, {})

    def post(self, request):
        return self._answer(request, IdentityQueryForm(request.POST), request.POST, mode="identity")

    def _render(self, request, context, status=200):
        return _public_page(request, self.template_name, _("职业技能等级证书查询"), context, status,
                            csrf=True)  # the name + ID form posts

    def _answer(self, request, form, data, mode):
        context = {"mode": mode}
        if not form.is_valid():
            return self._render(request, {**context, **_form_context(form, mode)})
        context.update(_form_context(form, mode))
        cleaned = form.cleaned_data
        key = query.answer_key_number(cleaned["number"]) if mode == "number" else query.answer_key_identity(
            cleaned["id_number"])
        refused, cached = _refused(request, data, context, lambda c, status: self._render(request, c, status=status),
                                   key)
        if refused is not None:
            return refused
        if mode == "number":
            found = public_answer_by_number(cleaned["number"], cached=cached)
            rows = [found["row"]] if found else []
        else:
            rows = public_rows_by_identity(name=cleaned["name"], id_number=cleaned["id_number"], cached=cached)
        context.update(searched=True, results=rows)
        return self._render(request, context)


@method_decorator(login_not_required, name="dispatch")
class CaptchaImageView(View):
    def get(self, request, token):
        question = query.captcha_question(token)
        if question is None:
            raise Http404(_("验证码已过期，请刷新页面。"))
        return _no_store(HttpResponse(query.captcha_png(question), content_type="image/png"))


@method_decorator(login_not_required, name="dispatch")
class KeysView(View):
    """The platform's public keys (JWKS) for offline verification."""

    def get(self, request):
        response = JsonResponse(signing.jwks(platform_keys_published()), json_dumps_params={"ensure_ascii": False})
        response["Cache-Control"] = "public, max-age=300"
        return response


@method_decorator(login_not_required, name="dispatch")
class VerifyView(View):
    """/c/<number>: what the QR code opens. The server sees the number only; the page's
    script checks the token after "#" against the published keys and the record."""

    template_name = "certificates/verify.html"

    def get(self, request, number):
        context: dict = {"number_text": (number or "")[:40]}
        try:
            number = clean_certificate_number(number)
        except Exception:
            context["malformed"] = True
            return _public_page(request, self.template_name, _("证书核验"), context, status=404)
        context["number"] = number
        refused, cached = _refused(request, request.GET, context, lambda c, status: _public_page(
            request, self.template_name, _("证书核验"), c, status=status), query.answer_key_number(number))
        if refused is not None:
            return refused
        answer = public_answer_by_number(number, cached=cached)
        if answer is None:
            context["not_found"] = True
            return _public_page(request, self.template_name, _("证书核验"), context, status=404)
        keys = platform_public_keys()
        context.update(row=answer["row"], keys=keys, record=answer["record"])
        return _public_page(request, self.template_name, _("证书核验"), context)
