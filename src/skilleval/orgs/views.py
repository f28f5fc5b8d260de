"""Pages of the organisation's life: registration, the filing application and its
review, the organisation's record, sanctions, and the public directory. Views
parse forms and call selectors and services; the rules live in services.py."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from skilleval.accounts.access import Perm
from skilleval.catalog.models import Jurisdiction
from skilleval.core.errors import DomainError
from skilleval.core.templatetags.core_tags import status_colour
from skilleval.core.views import ActionView, ActorView, Column, ListPageMixin, apply_domain_error

from . import services
from .forms import (
    ApplicationFilterForm,
    ApprovalForm,
    AttachmentForm,
    CommentForm,
    DirectoryFilterForm,
    EquipmentForm,
    ExpertEvaluationForm,
    FilingForm,
    OccupationLineForm,
    OrganisationFilterForm,
    RectificationCloseForm,
    RegisterForm,
    RejectForm,
    ReturnForm,
    SanctionForm,
    StaffForm,
    TerminateForm,
)
from .models import FilingApplication, StaffMember
from .selectors import (
    application_get_for_actor,
    applications_visible_to,
    attachment_get_for_actor,
    credit_record_for_actor,
    current_scope,
    directory,
    organisation_get_for_actor,
    organisations_flagged,
    organisations_visible_to,
    overdue_condition,
    sanction_get_for_actor,
    scope_history,
)


def _badge(label, status):
    return format_html('<span class="badge text-bg-{}">{}</span>', status_colour(status), label)


# ---------------------------------------------------------------------------------------------
# Public


class RegisterView(View):
    template_name = "orgs/register.html"

    def get(self, request):
        return render(request, self.template_name, {"form": RegisterForm()})

    def post(self, request):
        form = RegisterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            city = Jurisdiction.objects.filter(pk=data["city"]).first()
            try:
                if city is None:
                    raise DomainError(_("请选择所在地。"), field="city")
                organisation = services.organisation_register(
                    name=data["name"], uscc=data["uscc"], city=city, nature=data["nature"], address=data["address"],
                    contact_person=data["contact_person"], contact_phone=data["contact_phone"],
                    admin_username=data["admin_username"], admin_full_name=data["admin_full_name"],
                    admin_password=data["admin_password"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                user = organisation.memberships.get().user
                login(request, user, backend="skilleval.accounts.backends.LockoutModelBackend")
                messages.success(request, _("注册成功。请填写备案申请，提交后由%(a)s审核。") % {
                    "a": organisation.jurisdiction.authority_name})
                return redirect("orgs:home")
        return render(request, self.template_name, {"form": form})


class DirectoryView(ListPageMixin, View):
    """评价机构目录: public, no login [TJ 3(4)]."""

    template_name = "orgs/directory.html"
    filter_form_class = DirectoryFilterForm
    export_name = "directory"
    page_size = 20
    empty_title = gettext_lazy("没有符合条件的评价机构")
    empty_text = gettext_lazy("通过备案且在有效期内的评价机构会列在这里；终止或过期的机构自动移出。")
    columns = [
        Column("name", gettext_lazy("机构名称"), sort="name"),
        Column("jurisdiction__name", gettext_lazy("备案地区")),
        Column("address", gettext_lazy("地址")),
        Column("contact", gettext_lazy("联系方式"), value=lambda o: f"{o.contact_person} {o.contact_phone}".strip()),
        Column("filing_number", gettext_lazy("备案号"), sort="filing_number"),
        Column("filing_valid_until", gettext_lazy("有效期至"), sort="filing_valid_until"),
        Column("scope", gettext_lazy("职业（工种）及等级"),
               value=lambda o: "；".join(str(item) for item in o.current_scope)),
    ]

    def get_queryset(self):
        return directory()

    def apply_filters(self, queryset, data):
        occupation = (data.get("occupation") or "").strip()
        is_code = occupation[:1].isdigit()
        return directory(q=(data.get("q") or "").strip(), city_id=data.get("city"),
                         occupation_code=occupation if is_code else "",
                         occupation_name="" if is_code else occupation, level_code=data.get("level"))


# ---------------------------------------------------------------------------------------------
# Organisations


class OrgsHomeView(ActorView):
    """The area's entry: an enterprise goes to its own record, an authority to its queue."""

    permission = Perm.ORG_VIEW

    def get(self, request):
        actor = request.actor
        if actor.is_org_staff:
            return redirect("orgs:organisation_detail", pk=actor.organisation_id)
        if actor.has(Perm.FILING_REVIEW):
            return redirect("orgs:application_list")
        return redirect("orgs:organisation_list")


class OrganisationListView(ListPageMixin, ActorView):
    permission = Perm.ORG_VIEW
    template_name = "orgs/organisation_list.html"
    filter_form_class = OrganisationFilterForm
    default_sort = "name"
    export_name = "organisations"
    empty_title = gettext_lazy("没有符合条件的机构")
    empty_text = gettext_lazy("辖区内企业注册并提交备案后，将显示在这里。")
    columns = [
        Column("name", gettext_lazy("机构名称"), sort="name", html=lambda o: format_html(
            '<a href="{}">{}</a>', reverse("orgs:organisation_detail", args=[o.pk]), o.name)),
        Column("uscc", gettext_lazy("统一社会信用代码")),
        Column("jurisdiction__name", gettext_lazy("备案辖区"), sort="jurisdiction__code"),
        Column("get_status_display", gettext_lazy("状态"), sort="status",
               html=lambda o: _badge(o.get_status_display(), o.status)),
        Column("filing_number", gettext_lazy("备案号"), sort="filing_number"),
        Column("filing_valid_until", gettext_lazy("有效期至"), sort="filing_valid_until"),
    ]

    def get_queryset(self):
        return organisations_visible_to(self.request.actor)

    def apply_filters(self, queryset, data):
        from django.db.models import Q

        if data.get("q"):
            q = data["q"].strip()
            queryset = queryset.filter(Q(name__contains=q) | Q(uscc=q.upper()) | Q(filing_number=q.upper()))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        return queryset

    def extra_context(self):
        return {"flags": organisations_flagged(self.request.actor)}


class OrganisationDetailView(ActorView):
    permission = Perm.ORG_VIEW

    def get(self, request, pk):
        organisation = organisation_get_for_actor(actor=request.actor, pk=pk)
        actor = request.actor
        may_supervise = actor.has(Perm.SUPERVISION_MANAGE) and organisation.jurisdiction_id in actor.jurisdiction_ids
        today = timezone.localdate()
        open_kinds = set(organisation.applications.filter(status__in=FilingApplication.OPEN_STATUSES)
                         .values_list("kind", flat=True))
        context = {
            "organisation": organisation,
            "profile": organisation.jurisdiction.policy_profile(),
            "scope": current_scope(organisation),
            "history": scope_history(organisation),
            "applications": applications_visible_to(actor).filter(organisation=organisation),
            "sanctions": credit_record_for_actor(actor, organisation),
            "may_supervise": may_supervise,
            "is_own_admin": actor.has(Perm.ORG_MANAGE) and actor.organisation_id == organisation.pk,
            "can_start_filing": organisation.can_apply_for_filing() and "initial" not in open_kinds,
            "can_start_scope": organisation.in_good_standing(today) and "scope" not in open_kinds,
            "in_good_standing": organisation.in_good_standing(today),
            "sanction_form": SanctionForm(initial={"occurred_on": today}),
            "close_form": RectificationCloseForm(initial={"rectified_on": today}),
            "today": today,
            "events": _events_for(actor, "orgs.organisation", organisation.pk),
        }
        return render(request, "orgs/organisation_detail.html", context)


def _events_for(actor, object_type, pk):
    from skilleval.core.selectors import audit_events_visible_to

    if not actor.has(Perm.AUDIT_VIEW):
        return []
    return list(audit_events_visible_to(actor).filter(object_type=object_type, object_id=str(pk))
                .order_by("occurred_at", "id")[:200])


class SanctionCreateView(ActionView):
    permission = Perm.SUPERVISION_MANAGE
    form_class = SanctionForm
    success_message = gettext_lazy("已记入信用记录并通知机构。")

    def get_object(self, request, pk):
        return organisation_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, organisation, data):
        services.sanction_record(actor=request.actor, organisation=organisation, **data)

    def success_url(self, request, organisation, **kwargs):
        return reverse("orgs:organisation_detail", args=[organisation.pk])


class RectificationCloseView(ActionView):
    permission = Perm.SUPERVISION_MANAGE
    form_class = RectificationCloseForm
    success_message = gettext_lazy("已登记整改完成。")

    def get_object(self, request, pk):
        return sanction_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, sanction, data):
        services.sanction_close_rectification(actor=request.actor, sanction=sanction, **data)

    def success_url(self, request, sanction, **kwargs):
        return reverse("orgs:organisation_detail", args=[sanction.organisation_id])


class TerminateView(ActorView):
    permission = Perm.SUPERVISION_MANAGE
    template_name = "orgs/terminate.html"

    def get(self, request, pk):
        organisation = organisation_get_for_actor(actor=request.actor, pk=pk)
        return render(request, self.template_name, {"organisation": organisation, "form": TerminateForm()})

    def post(self, request, pk):
        organisation = organisation_get_for_actor(actor=request.actor, pk=pk)
        form = TerminateForm(request.POST)
        if form.is_valid():
            try:
                services.organisation_terminate(actor=request.actor, organisation=organisation,
                                                ground=form.cleaned_data["ground"],
                                                description=form.cleaned_data["description"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已终止该机构的备案，并已从评价机构目录移出。"))
                return redirect("orgs:organisation_detail", pk=organisation.pk)
        return render(request, self.template_name, {"organisation": organisation, "form": form})


# ---------------------------------------------------------------------------------------------
# Applications


class FilingStartView(ActorView):
    permission = Perm.ORG_MANAGE
    http_method_names = ["post"]
    start = staticmethod(services.filing_start)

    def post(self, request):
        organisation = organisation_get_for_actor(actor=request.actor, pk=request.actor.organisation_id)
        try:
            application = self.start(actor=request.actor, organisation=organisation)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("orgs:organisation_detail", pk=organisation.pk)
        return redirect("orgs:application_detail", pk=application.pk)


class ScopeAdjustmentStartView(FilingStartView):
    start = staticmethod(services.scope_adjustment_start)


def _deadline(application):
    if application.review_deadline is None:
        return ""
    text = application.review_deadline.isoformat()
    if application.is_overdue():
        return format_html('{} <span class="badge text-bg-danger">{}</span>', text, _("已超期"))
    return text


class ApplicationListView(ListPageMixin, ActorView):
    permission = Perm.ORG_VIEW
    template_name = "orgs/application_list.html"
    filter_form_class = ApplicationFilterForm
    default_sort = "-submitted_at"
    export_name = "filing-applications"
    empty_title = gettext_lazy("没有符合条件的申请")
    empty_text = gettext_lazy("企业提交的备案申请和职业范围调整申请将显示在这里，初审期限按辖区政策参数计算。")
    columns = [
        Column("reference", gettext_lazy("申请编号"), sort="reference", html=lambda a: format_html(
            '<a href="{}">{}</a>', reverse("orgs:application_detail", args=[a.pk]), a.reference)),
        Column("get_kind_display", gettext_lazy("类型"), sort="kind"),
        Column("organisation__name", gettext_lazy("单位"), sort="organisation__name"),
        Column("jurisdiction__name", gettext_lazy("受理辖区")),
        Column("get_status_display", gettext_lazy("状态"), sort="status",
               html=lambda a: _badge(a.get_status_display(), a.status)),
        Column("submitted_at", gettext_lazy("提交时间"), sort="submitted_at"),
        Column("review_deadline", gettext_lazy("初审期限"), sort="review_deadline", html=_deadline),
    ]

    def get_queryset(self):
        return applications_visible_to(self.request.actor)

    def apply_filters(self, queryset, data):
        from django.db.models import Q

        if data.get("q"):
            q = data["q"].strip()
            queryset = queryset.filter(Q(reference__startswith=q.upper()) | Q(organisation__name__contains=q))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("overdue"):
            queryset = queryset.filter(overdue_condition())
        return queryset


def _application_context(request, application, **forms):
    actor = request.actor
    is_owner = actor.has(Perm.ORG_MANAGE) and actor.organisation_id == application.organisation_id
    is_reviewer = actor.has(Perm.FILING_REVIEW) and application.jurisdiction_id in actor.jurisdiction_ids
    editable = is_owner and application.can_edit()
    kind = application.kind
    staff = list(application.staff.select_related("occupation"))
    context = {
        "application": application,
        "organisation": application.organisation,
        "profile": application.jurisdiction.policy_profile(),
        "is_owner": is_owner,
        "is_reviewer": is_reviewer,
        "editable": editable,
        "problems": services.filing_problems(application) if editable else [],
        "lines": application.occupations.select_related("occupation", "work_type"),
        "rosters": [(label, [s for s in staff if s.role == role]) for role, label in StaffMember.Role.choices],
        "equipment": application.equipment.all(),
        "attachments": application.attachments.all(),
        "evaluations": application.evaluations.select_related("recorded_by"),
        "events": _events_for(actor, "orgs.filingapplication", application.pk),
        "occupation_form": forms.get("occupation_form") or OccupationLineForm(kind=kind, prefix="occupations"),
        "staff_form": forms.get("staff_form") or StaffForm(prefix="staff"),
        "equipment_form": forms.get("equipment_form") or EquipmentForm(prefix="equipment"),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(prefix="attachments"),
        "return_form": forms.get("return_form") or ReturnForm(prefix="return"),
        "reject_form": forms.get("reject_form") or RejectForm(prefix="reject"),
        "pass_form": forms.get("pass_form") or CommentForm(prefix="pass"),
        "evaluation_form": forms.get("evaluation_form") or ExpertEvaluationForm(
            prefix="evaluation", initial={"evaluated_on": timezone.localdate(), "conclusion": "pass"}),
        "approval_form": forms.get("approval_form") or _approval_form(application),
        "open_panel": forms.get("open_panel", ""),
        "info": _form_values(application),
    }
    return context


def _form_values(application):
    """(label, value) pairs of the filled-in form, for display."""
    fields = ("adjustment_reason",) if application.kind == FilingApplication.Kind.SCOPE else [
        f for f in services.FORM_FIELDS if f not in ("adjustment_reason", "pledge_accepted")]
    rows = []
    for name in fields:
        field = FilingApplication._meta.get_field(name)
        value = getattr(application, f"get_{name}_display")() if field.choices else getattr(application, name)
        rows.append((field.verbose_name, "" if value is None else value))
    return rows


def _approval_form(application, data=None):
    initial = services.filing_approval_defaults(application)
    return ApprovalForm(data, initial=initial, kind=application.kind, prefix="approve")


class ApplicationDetailView(ActorView):
    permission = Perm.ORG_VIEW

    def get(self, request, pk):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        return render(request, "orgs/application_detail.html", _application_context(request, application))


class ApplicationEditView(ActorView):
    permission = Perm.ORG_MANAGE
    template_name = "orgs/application_edit.html"

    def get(self, request, pk):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        form = FilingForm(instance=application, kind=application.kind)
        return render(request, self.template_name, {"application": application, "form": form})

    def post(self, request, pk):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        form = FilingForm(request.POST, instance=application, kind=application.kind)
        # The model form only parses; the service validates and saves.
        data = {name: request.POST.get(name, "") for name in form.fields}
        data["pledge_accepted"] = request.POST.get("pledge_accepted") in ("on", "true", "1")
        try:
            services.filing_update(actor=request.actor, application=application, data=data)
        except DomainError as exc:
            application.refresh_from_db()
            form = FilingForm(request.POST, instance=application, kind=application.kind)
            form.is_valid()
            apply_domain_error(form, exc)
            return render(request, self.template_name, {"application": application, "form": form})
        messages.success(request, _("已保存。"))
        if "continue" in request.POST:
            return redirect("orgs:application_edit", pk=application.pk)
        return redirect("orgs:application_detail", pk=application.pk)


LINE_FORMS = {"occupations": OccupationLineForm, "staff": StaffForm, "equipment": EquipmentForm,
              "attachments": AttachmentForm}


class LineAddView(ActorView):
    permission = Perm.ORG_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk, kind):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        if kind not in LINE_FORMS:
            raise Http404
        if kind == "occupations":
            form = OccupationLineForm(request.POST, kind=application.kind, prefix=kind)
        elif kind == "attachments":
            form = AttachmentForm(request.POST, request.FILES, prefix=kind)
        else:
            form = LINE_FORMS[kind](request.POST, prefix=kind)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if kind == "occupations":
                    services.filing_occupation_add(actor=request.actor, application=application,
                                                   **{**data, "change": data.get("change") or "add"})
                elif kind == "staff":
                    services.staff_add(actor=request.actor, application=application, **data)
                elif kind == "equipment":
                    services.equipment_add(actor=request.actor, application=application, **data)
                else:
                    services.attachment_add(actor=request.actor, application=application,
                                            category=data["category"], upload=data["file"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已添加。"))
                return redirect(reverse("orgs:application_detail", args=[pk]) + f"#{kind}")
        application.refresh_from_db()
        name = {"occupations": "occupation_form", "staff": "staff_form", "equipment": "equipment_form",
                "attachments": "attachment_form"}[kind]
        context = _application_context(request, application, **{name: form, "open_panel": kind})
        return render(request, "orgs/application_detail.html", context, status=400)


class LineRemoveView(ActionView):
    permission = Perm.ORG_MANAGE
    success_message = gettext_lazy("已删除。")
    RELATED = ("occupations", "staff", "equipment", "attachments")

    def get_object(self, request, pk, kind, line_id):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        line = getattr(application, kind).filter(pk=line_id).first() if kind in self.RELATED else None
        if line is None:
            raise Http404
        return line

    def perform(self, request, line, data):
        services.filing_line_remove(actor=request.actor, line=line)

    def success_url(self, request, line, pk, kind, **kwargs):
        return reverse("orgs:application_detail", args=[pk]) + f"#{kind}"


class SubmitView(ActionView):
    permission = Perm.ORG_MANAGE

    def get_object(self, request, pk):
        return application_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, application, data):
        application = services.filing_submit(actor=request.actor, application=application)
        return _("已提交，%(a)s将在 %(d)s 前反馈初审结果。") % {
            "a": application.jurisdiction.authority_name, "d": application.review_deadline.isoformat()}

    def success_url(self, request, application, **kwargs):
        return reverse("orgs:application_detail", args=[application.pk])


class ReviewActionView(ActorView):
    """The authority's decisions on an application: one form each, one service each."""

    permission = Perm.FILING_REVIEW
    http_method_names = ["post"]

    def post(self, request, pk, action):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        actor = request.actor
        forms = {
            "return": ("return_form", ReturnForm(request.POST, prefix="return"), lambda d: services.filing_return(
                actor=actor, application=application, reason=d["reason"]), _("已退回企业补正。")),
            "reject": ("reject_form", RejectForm(request.POST, prefix="reject"), lambda d: services.filing_reject(
                actor=actor, application=application, reason=d["reason"]), _("已作出不予通过的决定。")),
            "pass": ("pass_form", CommentForm(request.POST, prefix="pass"), lambda d: services.filing_pass_initial_review(
                actor=actor, application=application, comment=d["comment"]), _("初审通过，进入专家评估。")),
            "evaluation": ("evaluation_form", ExpertEvaluationForm(request.POST, prefix="evaluation"),
                           lambda d: services.filing_record_expert_evaluation(actor=actor, application=application,
                                                                              **d), _("已录入专家评估。")),
            "approve": ("approval_form", _approval_form(application, request.POST), lambda d: services.filing_approve(
                actor=actor, application=application, **{k: v for k, v in d.items() if v not in (None, "")}),
                _("已批准。")),
        }
        if action not in forms:
            raise Http404
        name, form, run, done = forms[action]
        if form.is_valid():
            try:
                run(form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, done)
                return redirect("orgs:application_detail", pk=pk)
        application.refresh_from_db()
        context = _application_context(request, application, **{name: form, "open_panel": action})
        return render(request, "orgs/application_detail.html", context, status=400)


class ApplicationDocumentView(ActorView):
    """The filing form (PDF, XLSX) and the filing receipt (PDF)."""

    permission = Perm.ORG_VIEW

    def get(self, request, pk, document):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        try:
            content, content_type, filename = services.filing_document(
                actor=request.actor, application=application, document=document)
        except LookupError:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("orgs:application_detail", pk=pk)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class AttachmentDownloadView(ActorView):
    permission = Perm.ORG_VIEW

    def get(self, request, pk):
        attachment = attachment_get_for_actor(actor=request.actor, pk=pk)
        return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)

