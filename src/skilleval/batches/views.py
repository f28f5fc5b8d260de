"""Pages of an evaluation batch: the organisation's workbench (batch, items,
announcement, applications, import, review, commitment, roster, plan), the
candidate's registration, and the authority's plan decision."""

from decimal import Decimal

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Perm
from skilleval.core.errors import DomainError
from skilleval.core.templatetags.core_tags import status_colour
from skilleval.core.views import ActionView, ActorView, Column, ListPageMixin, apply_domain_error
from skilleval.orgs.selectors import current_scope, organisation_get_for_actor

from . import services
from .forms import (
    ApplicationFilterForm,
    ApplicationForm,
    BatchFilterForm,
    BatchForm,
    BatchItemForm,
    CommitmentForm,
    ImportForm,
    PlanForm,
    RescheduleForm,
    ReviewForm,
    SpecialAbilityForm,
    StaffForm,
)
from .models import Application, Batch
from .selectors import (
    application_counts,
    application_get_for_actor,
    applications_visible_to,
    batch_get_for_actor,
    batches_visible_to,
    special_abilities_for,
)


def _badge(label, status):
    return format_html('<span class="badge text-bg-{}">{}</span>', status_colour(status), label)


def _document_response(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _is_manager(actor, batch):
    return actor.has(Perm.BATCH_MANAGE) and actor.organisation_id == batch.organisation_id


class BatchListView(ListPageMixin, ActorView):
    permission = Perm.BATCH_VIEW
    template_name = "batches/batch_list.html"
    filter_form_class = BatchFilterForm
    default_sort = "-first_exam_date"
    export_name = "batches"
    empty_title = gettext_lazy("暂无认定批次")
    empty_text = gettext_lazy("备案有效的机构可创建认定批次并发布公告；向人社部门报备的认定计划也显示在这里。")
    columns = [
        Column("code", gettext_lazy("批次编号"), sort="code"),
        Column("name", gettext_lazy("批次名称"), sort="name", html=lambda b: format_html(
            '<a href="{}">{}</a>', reverse("batches:batch_detail", args=[b.pk]), b.name)),
        Column("get_kind_display", gettext_lazy("评价类型"), sort="kind"),
        Column("organisation__name", gettext_lazy("评价机构"), sort="organisation__name"),
        Column("get_status_display", gettext_lazy("状态"), sort="status",
               html=lambda b: _badge(b.get_status_display(), b.status)),
        Column("registration_closes", gettext_lazy("报名截止"), sort="registration_closes"),
        Column("first_exam_date", gettext_lazy("评价开始"), sort="first_exam_date"),
        Column("plan_filed_on", gettext_lazy("计划报备日期"), sort="plan_filed_on"),
    ]

    def get(self, request, *args, **kwargs):
        actor = request.actor
        if actor.is_candidate and not actor.is_org_staff and not actor.is_authority:
            return redirect("portal:home")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return batches_visible_to(self.request.actor)

    def apply_filters(self, queryset, data):
        if data.get("q"):
            queryset = queryset.filter(Q(name__contains=data["q"]) | Q(code__startswith=data["q"]))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        return queryset

    def extra_context(self):
        actor = self.request.actor
        can_create = False
        if actor.has(Perm.BATCH_MANAGE) and actor.organisation_id:
            can_create = organisation_get_for_actor(actor=actor, pk=actor.organisation_id).can_create_batch()
        return {"can_create": can_create}


class BatchCreateView(ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "batches/batch_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": BatchForm()})

    def post(self, request):
        form = BatchForm(request.POST)
        if form.is_valid():
            organisation = organisation_get_for_actor(actor=request.actor, pk=request.actor.organisation_id)
            try:
                batch = services.batch_create(actor=request.actor, organisation=organisation, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已创建批次，请选择考核的专项职业能力。") if batch.is_special_assessment
                                 else _("已创建批次，请添加评价职业（工种）及等级。"))
                return redirect("batches:batch_detail", pk=batch.pk)
        return render(request, self.template_name, {"form": form})


class BatchEditView(ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "batches/batch_form.html"

    def get(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        return render(request, self.template_name, {"form": BatchForm(instance=batch), "batch": batch})

    def post(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        form = BatchForm(request.POST, instance=batch)
        if form.is_valid():
            try:
                services.batch_update(actor=request.actor, batch=batch, data=form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect("batches:batch_detail", pk=pk)
        return render(request, self.template_name, {"form": form, "batch": batch})


def _scope_choices(batch):
    return [(f"{s.occupation.code}|{s.work_type.code if s.work_type_id else ''}|{s.level.code}",
             f"{s.occupation.code} {s.occupation.name}{'（' + s.work_type.name + '）' if s.work_type_id else ''} {s.level}")
            for s in current_scope(batch.organisation)]


def _batch_context(request, batch, **extra):
    actor = request.actor
    manager = _is_manager(actor, batch)
    today = timezone.localdate()
    context = {
        "batch": batch,
        "manager": manager,
        "decider": actor.is_authority and batch.plan_jurisdiction_id in actor.jurisdiction_ids,
        "items": batch.items.select_related("occupation", "work_type", "level", "special_ability"),
        "ability_form": extra.get("ability_form") or (
            SpecialAbilityForm(abilities=special_abilities_for(batch.organisation))
            if batch.is_special_assessment and manager else None),
        "counts": application_counts(batch),
        "staff": batch.staff.all(),
        "item_form": extra.get("item_form") or BatchItemForm(scope_choices=_scope_choices(batch)),
        "staff_form": extra.get("staff_form") or StaffForm(prefix="staff"),
        "commitment_form": extra.get("commitment_form") or CommitmentForm(prefix="commitment"),
        "reschedule_form": RescheduleForm(prefix="reschedule", initial={
            "first_exam_date": services.plan_earliest_exam_date(batch, today),
            "last_exam_date": services.plan_earliest_exam_date(batch, today) + (batch.last_exam_date - batch.first_exam_date)}),
        "profile": batch.organisation.jurisdiction.policy_profile(),
        "latest_filing": services.plan_latest_filing_date(batch),
        "plan_problems": services.plan_problems(batch, today) if manager and batch.can_file_plan() else [],
        "today": today,
        "my_application": Application.objects.filter(batch=batch, person_id=actor.person_id).exclude(
            status=Application.Status.WITHDRAWN).first() if actor.person_id else None,
        "registration_open": batch.registration_open(today),
    }
    return context


class BatchDetailView(ActorView):
    permission = Perm.BATCH_VIEW

    def get(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        if not (request.actor.is_org_staff or request.actor.is_authority or request.actor.is_platform_admin):
            return redirect("batches:announcement", pk=pk)
        return render(request, "batches/batch_detail.html", _batch_context(request, batch))


class BatchItemAddView(ActorView):
    permission = Perm.BATCH_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        form = BatchItemForm(request.POST, scope_choices=_scope_choices(batch))
        if form.is_valid():
            occupation_code, work_type_code, level_code = form.cleaned_data["scope_item"].split("|")
            data = {k: form.cleaned_data[k] for k in ("method", "theory_weight", "practical_weight", "review_weight",
                                                       "pass_mark", "exam_date", "capacity")}
            try:
                services.batch_item_add(actor=request.actor, batch=batch, occupation_code=occupation_code,
                                        work_type_code=work_type_code, level_code=level_code,
                                        modules=form.modules(), **data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已添加评价职业。"))
                return redirect(reverse("batches:batch_detail", args=[pk]) + "#items")
        return render(request, "batches/batch_detail.html", _batch_context(request, batch, item_form=form),
                      status=400)


class BatchSpecialAbilityView(ActorView):
    """A special assessment batch names its special ability (one module, its norm's pass mark)."""

    permission = Perm.BATCH_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        form = SpecialAbilityForm(request.POST, abilities=special_abilities_for(batch.organisation))
        if form.is_valid():
            try:
                services.batch_special_ability_set(actor=request.actor, batch=batch, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已设置考核的专项职业能力。"))
                return redirect(reverse("batches:batch_detail", args=[pk]) + "#items")
        return render(request, "batches/batch_detail.html", _batch_context(request, batch, ability_form=form),
                      status=400)


class BatchItemRemoveView(ActionView):
    permission = Perm.BATCH_MANAGE

    def get_object(self, request, pk, item_id):
        item = batch_get_for_actor(actor=request.actor, pk=pk).items.filter(pk=item_id).first()
        if item is None:
            raise Http404
        return item

    def perform(self, request, item, data):
        services.batch_item_remove(actor=request.actor, item=item)

    def success_url(self, request, item, pk, **kwargs):
        return reverse("batches:batch_detail", args=[pk]) + "#items"


class _BatchAction(ActionView):
    """An action on a batch that returns to the batch's page."""

    permission = Perm.BATCH_MANAGE
    anchor = ""

    def get_object(self, request, pk, **kwargs):
        return batch_get_for_actor(actor=request.actor, pk=pk)

    def success_url(self, request, batch, **kwargs):
        return reverse("batches:batch_detail", args=[batch.pk]) + self.anchor


class BatchAnnounceView(_BatchAction):
    success_message = gettext_lazy("认定公告已发布，本单位职工可在报名期内在线报名。")

    def perform(self, request, batch, data):
        services.batch_announce(actor=request.actor, batch=batch)


class AnnouncementView(ActorView):
    """The announcement as the workforce reads it (printable)."""

    permission = Perm.HOME

    def get(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        if batch.status == Batch.Status.DRAFT and not _is_manager(request.actor, batch):
            raise Http404
        return render(request, "batches/announcement.html", _batch_context(request, batch))


def _application_data(cleaned):
    certificates = []
    if cleaned.get("certificate_kind"):
        certificates.append({"kind": cleaned["certificate_kind"],
                             "occupation_code": (cleaned.get("certificate_occupation_code") or "").strip(),
                             "level": cleaned.get("certificate_level"), "number": cleaned.get("certificate_number", ""),
                             "issued_on": cleaned.get("certificate_issued_on")})
    awards = []
    if cleaned.get("award_tier"):
        awards.append({"kind": cleaned.get("award_kind") or "honour", "tier": cleaned["award_tier"],
                       "name": cleaned.get("award_name", ""), "year": cleaned.get("award_year"),
                       "rank": cleaned.get("award_rank"), "filed_competition": cleaned.get("award_filed_competition")})
    return services.ApplicationData(
        id_type_code=cleaned["id_type_code"], id_number=cleaned["id_number"], name=cleaned["name"],
        sex=cleaned.get("sex") or "", birth_date=cleaned.get("birth_date"),
        item_id=cleaned["item"], post_occupation_code=cleaned["post_occupation_code"],
        education=cleaned["education"], work_started_on=cleaned["work_started_on"],
        years_in_occupation=cleaned["years_in_occupation"] if cleaned["years_in_occupation"] is not None else Decimal(0),
        phone=cleaned["phone"], current_post=cleaned["current_post"], major=cleaned.get("major", ""),
        graduated_on=cleaned.get("graduated_on"), school_kind=cleaned.get("school_kind", ""),
        major_matches=bool(cleaned.get("major_matches")), political_status=cleaned.get("political_status", ""),
        work_type_direction=cleaned.get("work_type_direction", ""),
        apprenticeship_completed=bool(cleaned.get("apprenticeship_completed")),
        requested_route=cleaned["requested_route"], condition_text=cleaned.get("condition_text", ""),
        work_history=cleaned.get("work_history", ""), commitment_signed=bool(cleaned.get("commitment_signed")),
        certificates=certificates, awards=awards,
    )


def _item_choices(batch):
    return [(i.pk, str(i)) for i in batch.items.select_related("occupation", "work_type", "level")]


class ApplyView(ActorView):
    """Online registration by the candidate (SD att.1)."""

    permission = Perm.CANDIDATE_SELF
    template_name = "batches/apply.html"

    def _initial(self, request):
        person = request.actor.user.person
        return {"name": person.name, "id_type_code": person.id_type.code, "id_number": person.id_number,
                "phone": person.phone, "requested_route": Application.Route.NORMAL}

    def get(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        form = ApplicationForm(initial=self._initial(request), item_choices=_item_choices(batch))
        return render(request, self.template_name, {"batch": batch, "form": form})

    def post(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        form = ApplicationForm(request.POST, request.FILES, item_choices=_item_choices(batch))
        if form.is_valid():
            uploads = {name: form.cleaned_data.get(name) for name in ("photo", "id_scan", "education_proof")}
            try:
                application = services.application_submit(actor=request.actor, batch=batch,
                                                          data=_application_data(form.cleaned_data), uploads=uploads)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("报名已提交，报名号 %(n)s。请留意单位的资格审核结果。") % {
                    "n": application.number})
                return redirect("batches:application_detail", pk=application.pk)
        return render(request, self.template_name, {"batch": batch, "form": form}, status=400)


class ApplicationEditView(ActorView):
    """The candidate corrects an application the organisation returned."""

    permission = Perm.CANDIDATE_SELF
    template_name = "batches/apply.html"

    def _initial(self, application):
        data = {name: getattr(application, name) for name in services.APPLICATION_FIELDS}
        data.update(item=application.item_id, id_type_code=application.person.id_type.code,
                    id_number=application.person.id_number, post_occupation_code=application.post_occupation.code,
                    commitment_signed=application.commitment_signed)
        certificate = application.certificates.select_related("occupation").first()
        if certificate:
            data.update(certificate_kind=certificate.kind, certificate_level=certificate.level,
                        certificate_number=certificate.number, certificate_issued_on=certificate.issued_on,
                        certificate_occupation_code=certificate.occupation.code if certificate.occupation else "")
        award = application.awards.first()
        if award:
            data.update(award_tier=award.tier, award_kind=award.kind, award_name=award.name, award_year=award.year,
                        award_rank=award.rank, award_filed_competition=award.filed_competition)
        return data

    def get(self, request, pk):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        form = ApplicationForm(initial=self._initial(application), item_choices=_item_choices(application.batch))
        return render(request, self.template_name, {"batch": application.batch, "form": form,
                                                    "application": application})

    def post(self, request, pk):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        form = ApplicationForm(request.POST, request.FILES, item_choices=_item_choices(application.batch))
        if form.is_valid():
            try:
                services.application_update(actor=request.actor, application=application,
                                            data=_application_data(form.cleaned_data))
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已修改并重新提交，请等待单位审核。"))
                return redirect("batches:application_detail", pk=pk)
        return render(request, self.template_name, {"batch": application.batch, "form": form,
                                                    "application": application}, status=400)


def _verdict(a):
    if a.eligible:
        return format_html('<span class="text-success">{}</span> <span class="small text-muted">{}</span>',
                           a.get_route_display(), a.rule_label)
    return format_html('<span class="text-danger">{}</span> <span class="small">{}</span>', _("不符合"),
                       "；".join(a.reasons))


class ApplicationListView(ListPageMixin, ActorView):
    permission = Perm.BATCH_VIEW
    template_name = "batches/application_list.html"
    filter_form_class = ApplicationFilterForm
    default_sort = "number"
    export_name = "applications"
    page_size = 50
    empty_title = gettext_lazy("没有符合条件的报名")
    empty_text = gettext_lazy("职工在线报名或单位导入后，报名信息和资格判定结果显示在这里。")
    columns = [
        Column("number", gettext_lazy("报名号"), sort="number", html=lambda a: format_html(
            '<a href="{}">{}</a>', reverse("batches:application_detail", args=[a.pk]), a.number)),
        Column("name", gettext_lazy("姓名"), sort="name"),
        Column("masked_id_number", gettext_lazy("证件号码")),
        Column("item", gettext_lazy("申报职业等级"), value=lambda a: str(a.item)),
        Column("get_source_display", gettext_lazy("来源")),
        Column("verdict", gettext_lazy("资格判定"), html=_verdict,
               value=lambda a: (a.get_route_display() + " " + a.rule_label) if a.eligible else "；".join(a.reasons)),
        Column("flags", gettext_lazy("需核实"), value=lambda a: "；".join(a.flags)),
        Column("get_status_display", gettext_lazy("审核状态"), sort="status",
               html=lambda a: _badge(a.get_status_display(), a.status)),
    ]

    def get_queryset(self):
        self.batch = batch_get_for_actor(actor=self.request.actor, pk=self.kwargs["pk"])
        return applications_visible_to(self.request.actor).filter(batch=self.batch)

    def apply_filters(self, queryset, data):
        if data.get("q"):
            queryset = queryset.filter(Q(name__contains=data["q"]) | Q(number__endswith=data["q"]))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("eligible"):
            queryset = queryset.filter(eligible=data["eligible"] == "yes")
        if data.get("route"):
            queryset = queryset.filter(route=data["route"])
        return queryset

    def extra_context(self):
        return {"batch": self.batch, "manager": _is_manager(self.request.actor, self.batch)}


class ApplicationDetailView(ActorView):
    permission = Perm.HOME

    def get(self, request, pk):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        if request.GET.get("document") == "form.pdf":
            return _document_response(*services.application_document(actor=request.actor, application=application))
        return render(request, "batches/application_detail.html", {
            "application": application, "batch": application.batch,
            "manager": _is_manager(request.actor, application.batch),
            "is_candidate": request.actor.person_id == application.person_id,
            "certificates": application.certificates.select_related("occupation"),
            "awards": application.awards.all(),
            "review_form": ReviewForm(),
        })


class ApplicationReviewView(ActorView):
    permission = Perm.BATCH_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        application = application_get_for_actor(actor=request.actor, pk=pk)
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.application_review(actor=request.actor, application=application,
                                            seen_status=request.POST.get("seen_status") or None, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已审核：%(n)s") % {"n": application.name})
                following = applications_visible_to(request.actor).filter(
                    batch=application.batch, status=Application.Status.SUBMITTED).order_by("number").first()
                if following and request.POST.get("next") == "1":
                    return redirect("batches:application_detail", pk=following.pk)
        return redirect("batches:application_detail", pk=pk)


class ApplicationWithdrawView(ActionView):
    permission = Perm.CANDIDATE_SELF
    success_message = gettext_lazy("已撤回报名。")

    def get_object(self, request, pk):
        return application_get_for_actor(actor=request.actor, pk=pk)

    def perform(self, request, application, data):
        services.application_withdraw(actor=request.actor, application=application)

    def success_url(self, request, application, **kwargs):
        return reverse("batches:application_detail", args=[application.pk])


class ImportView(ActorView):
    permission = Perm.BATCH_MANAGE
    template_name = "batches/import.html"

    def get(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        return render(request, self.template_name, {"batch": batch, "form": ImportForm()})

    def post(self, request, pk):
        from .imports import applications_import_start

        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = applications_import_start(actor=request.actor, batch=batch, upload=form.cleaned_data["file"],
                                                clean_rows_only=form.cleaned_data["clean_rows_only"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect("portal:job_detail", pk=job.pk)
        return render(request, self.template_name, {"batch": batch, "form": form}, status=400)


class ImportTemplateView(ActorView):
    permission = Perm.BATCH_MANAGE

    def get(self, request, pk):
        from .imports import import_template_xlsx

        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        return _document_response(import_template_xlsx(batch),
                                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                  f"import-template-{batch.code}.xlsx")


class CommitmentView(_BatchAction):
    form_class = CommitmentForm
    form_prefix = "commitment"
    anchor = "#plan"
    success_message = gettext_lazy("已签署报名资料审核承诺书。")

    def perform(self, request, batch, data):
        services.batch_sign_commitment(actor=request.actor, batch=batch, signatory=data["signatory"])


class StaffView(ActorView):
    permission = Perm.BATCH_MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        form = StaffForm(request.POST, prefix="staff")
        if form.is_valid():
            try:
                services.batch_staff_add(actor=request.actor, batch=batch, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已添加考务人员。"))
                return redirect(reverse("batches:batch_detail", args=[pk]) + "#staff")
        return render(request, "batches/batch_detail.html", _batch_context(request, batch, staff_form=form),
                      status=400)


class StaffRemoveView(_BatchAction):
    anchor = "#staff"

    def perform(self, request, batch, data):
        member = batch.staff.filter(pk=self.kwargs["member_id"]).first()
        if member is None:
            raise Http404
        services.batch_staff_remove(actor=request.actor, member=member)


class PlanView(ActorView):
    permission = Perm.BATCH_VIEW
    template_name = "batches/plan.html"

    def get(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        initial = {**services.plan_draft(batch), **(batch.plan or {})}
        return render(request, self.template_name, {**_batch_context(request, batch), "form": PlanForm(initial=initial),
                                                    "headings": services.PLAN_HEADINGS, "plan": initial})

    def post(self, request, pk):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        request.actor.require(Perm.BATCH_MANAGE)
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                services.batch_plan_save(actor=request.actor, batch=batch, plan=form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("考核方案已保存。"))
                return redirect("batches:plan", pk=pk)
        return render(request, self.template_name, {**_batch_context(request, batch), "form": form,
                                                    "headings": services.PLAN_HEADINGS, "plan": batch.plan},
                      status=400)


class PlanFileView(_BatchAction):
    anchor = "#plan"

    def perform(self, request, batch, data):
        batch = services.batch_file_plan(actor=request.actor, batch=batch)
        return _("认定计划已报备%(a)s，等待确认。") % {"a": batch.plan_jurisdiction.authority_name}


class PlanDecisionView(_BatchAction):
    permission = Perm.BATCH_VIEW

    def perform(self, request, batch, data):
        decision = self.kwargs["decision"]
        if decision == "confirm":
            services.batch_plan_confirm(actor=request.actor, batch=batch)
            return _("已确认认定计划。")
        if decision == "return":
            services.batch_plan_return(actor=request.actor, batch=batch, reason=request.POST.get("reason", ""))
            return _("已退回认定计划。")
        raise Http404


class BatchDocumentView(ActorView):
    permission = Perm.BATCH_VIEW

    def get(self, request, pk, document):
        batch = batch_get_for_actor(actor=request.actor, pk=pk)
        try:
            return _document_response(*services.batch_document(actor=request.actor, batch=batch, document=document))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("batches:batch_detail", pk=pk)
        except LookupError:
            raise Http404 from None


class RescheduleView(_BatchAction):
    form_class = RescheduleForm
    form_prefix = "reschedule"
    anchor = "#plan"
    success_message = gettext_lazy("评价日期已调整。")

    def perform(self, request, batch, data):
        services.batch_reschedule(actor=request.actor, batch=batch, **data)
