"""Pages of blueprints and paper assembly (组卷): the blueprint list, form and detail
(total score, the bank's supply per cell and any shortfall), the assemble action
(one paper, A/B papers or one per candidate), the papers of a blueprint and a paper
with its PDFs (paper and answer key). The bank's own staff only (bank.manage);
everything is looked up through the bank's scoped selectors, 404 outside."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Actor, Perm, get_scoped_or_404
from skilleval.catalog.models import Level
from skilleval.core.errors import DomainError
from skilleval.core.views import ActionView, ActorView, Column, ListPageMixin, apply_domain_error
from skilleval.orgs.selectors import current_scope

from ..forms_papers import AssembleForm, BlueprintFilterForm, BlueprintForm
from ..models import Blueprint, Paper
from ..selectors import blueprints_visible_to
from ..services import papers as services

RECENT_PAPERS = 10


# ---------------------------------------------------------------------------------------------
# Scoped look-ups (papers are scoped through their blueprint)


def _blueprint_get(actor: Actor, pk: int) -> Blueprint:
    return get_scoped_or_404(blueprints_visible_to(actor), pk=pk)


def _papers_visible_to(actor: Actor):
    return Paper.objects.select_related("blueprint", "blueprint__occupation").filter(
        blueprint__in=blueprints_visible_to(actor).values("pk"))


def _paper_get(actor: Actor, pk: int) -> Paper:
    return get_scoped_or_404(_papers_visible_to(actor), pk=pk)


def _level_names() -> dict[int, str]:
    return {lv.code: str(lv) for lv in Level.objects.filter(code__isnull=False) if lv.code is not None}


def _scope_choices(actor: Actor) -> list[tuple[str, str]]:
    """Occupation x level pairs of the organisation's filed scope (work types folded in)."""
    seen: dict[str, str] = {}
    for s in current_scope(actor.organisation_id).order_by("occupation__code", "-level__code"):
        if s.level.code is None:
            continue
        seen.setdefault(f"{s.occupation_id}|{s.level.code}", f"{s.occupation.code} {s.occupation.name} · {s.level}")
    return list(seen.items())


def _pdf_response(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _events(actor: Actor, obj) -> list:
    from skilleval.core.selectors import audit_events_visible_to

    if not actor.has(Perm.AUDIT_VIEW):
        return []
    return list(audit_events_visible_to(actor).filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
                .order_by("occurred_at", "id")[:200])


# ---------------------------------------------------------------------------------------------
# Blueprints


class BlueprintListView(ListPageMixin, ActorView):
    permission = Perm.BANK_MANAGE
    template_name = "exams/papers/blueprint_list.html"
    filter_form_class = BlueprintFilterForm
    default_sort = "-updated_at"
    export_name = "blueprints"
    empty_title = gettext_lazy("暂无组卷方案")
    empty_text = gettext_lazy("组卷方案规定各题型的题量和分值、鉴定要素与难度的比重以及考试时长；按方案从已审定的试题中组卷。")
    columns = [
        Column("name", gettext_lazy("方案名称"), sort="name", html=lambda b: format_html(
            '<a href="{}">{}</a>', reverse("exams:papers_blueprint_detail", args=[b.pk]), b.name)),
        Column("occupation", gettext_lazy("职业"), sort="occupation__code"),
        Column("level", gettext_lazy("等级代码"), sort="level"),
        Column("items", gettext_lazy("题量"), value=services.blueprint_item_count),
        Column("total", gettext_lazy("总分"), value=lambda b: str(services.blueprint_total_score(b))),
        Column("duration_minutes", gettext_lazy("时长（分钟）"), sort="duration_minutes"),
        Column("updated_at", gettext_lazy("修改时间"), sort="updated_at"),
    ]

    def get_queryset(self):
        return blueprints_visible_to(self.request.actor)

    def apply_filters(self, queryset, data):
        if data.get("q"):
            queryset = queryset.filter(name__contains=data["q"])
        return queryset


class BlueprintCreateView(ActorView):
    permission = Perm.BANK_MANAGE
    template_name = "exams/papers/blueprint_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": BlueprintForm(scope_choices=_scope_choices(request.actor))})

    def post(self, request):
        form = BlueprintForm(request.POST, scope_choices=_scope_choices(request.actor))
        if form.is_valid():
            try:
                blueprint = services.blueprint_create(actor=request.actor, data=form.service_data())
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已保存组卷方案。"))
                return redirect("exams:papers_blueprint_detail", pk=blueprint.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class BlueprintEditView(ActorView):
    permission = Perm.BANK_MANAGE
    template_name = "exams/papers/blueprint_form.html"

    def get(self, request, pk):
        blueprint = _blueprint_get(request.actor, pk)
        if not services.blueprint_can_edit(blueprint):
            messages.error(request, _("该方案已用于组卷，不能再修改；请复制为新方案后修改。"))
            return redirect("exams:papers_blueprint_detail", pk=pk)
        form = BlueprintForm(scope_choices=_scope_choices(request.actor), blueprint=blueprint)
        return render(request, self.template_name, {"form": form, "blueprint": blueprint})

    def post(self, request, pk):
        blueprint = _blueprint_get(request.actor, pk)
        form = BlueprintForm(request.POST, scope_choices=_scope_choices(request.actor))
        if form.is_valid():
            try:
                services.blueprint_update(actor=request.actor, blueprint=blueprint, data=form.service_data())
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("已保存组卷方案。"))
                return redirect("exams:papers_blueprint_detail", pk=pk)
        return render(request, self.template_name, {"form": form, "blueprint": blueprint}, status=400)


class BlueprintDetailView(ActorView):
    permission = Perm.BANK_MANAGE

    def get(self, request, pk):
        blueprint = _blueprint_get(request.actor, pk)
        supply = services.blueprint_supply(blueprint)
        papers = list(blueprint.papers.order_by("-created_at", "-pk")[:RECENT_PAPERS])
        context = {
            "blueprint": blueprint,
            "level_name": _level_names().get(blueprint.level, blueprint.level),
            "total_score": services.blueprint_total_score(blueprint),
            "item_count": services.blueprint_item_count(blueprint),
            "sections": services.blueprint_sections(blueprint),
            "knowledge": sorted((blueprint.knowledge_shares or {}).items(), key=lambda kv: (-int(kv[1]), kv[0])),
            "difficulty": sorted((blueprint.difficulty_shares or {}).items()),
            "supply": supply,
            "shortfalls": services.blueprint_shortfalls(blueprint, supply=supply),
            "papers": papers,
            "paper_count": blueprint.papers.count(),
            "can_edit": not papers,
            "assemble_form": AssembleForm(prefix="assemble"),
            "events": _events(request.actor, blueprint),
        }
        return render(request, "exams/papers/blueprint_detail.html", context)


class BlueprintCopyView(ActionView):
    permission = Perm.BANK_MANAGE

    def get_object(self, request, pk):
        return _blueprint_get(request.actor, pk)

    def perform(self, request, blueprint, data):
        self.copy = services.blueprint_copy(actor=request.actor, blueprint=blueprint)
        return _("已复制为新方案“%(name)s”，可以修改。") % {"name": self.copy.name}

    def success_url(self, request, blueprint, **kwargs):
        copy = getattr(self, "copy", None)
        return reverse("exams:papers_blueprint_detail", args=[copy.pk if copy else blueprint.pk])


class PaperAssembleView(ActionView):
    permission = Perm.BANK_MANAGE
    form_class = AssembleForm
    form_prefix = "assemble"

    def get_object(self, request, pk):
        return _blueprint_get(request.actor, pk)

    def perform(self, request, blueprint, data):
        seed = data["seed"] if data.get("seed") is not None else secrets.randbelow(10**9)
        mode = data["mode"]
        if mode == "single":
            paper = services.paper_assemble(actor=request.actor, blueprint=blueprint, seed=seed)
            return _("已组卷：试卷编号 %(pk)d（种子 %(seed)d）。") % {"pk": paper.pk, "seed": seed}
        if mode == "ab":
            papers = services.papers_for_candidates(actor=request.actor, blueprint=blueprint, keys=["A", "B"],
                                                    base_seed=seed, mode=services.MODE_AB)
            return _("已组 A/B 卷：试卷编号 %(a)d、%(b)d（种子 %(seed)d）。") % {
                "a": papers[0].pk, "b": papers[1].pk, "seed": seed}
        count = data["count"]
        width = max(3, len(str(count)))
        keys = [f"{i:0{width}d}" for i in range(1, count + 1)]
        papers = services.papers_for_candidates(actor=request.actor, blueprint=blueprint, keys=keys, base_seed=seed)
        return _("已为 %(n)d 名考生各组一份试卷（种子 %(seed)d）。") % {"n": len(papers), "seed": seed}

    def success_url(self, request, blueprint, **kwargs):
        return reverse("exams:papers_blueprint_detail", args=[blueprint.pk]) + "#papers"


# ---------------------------------------------------------------------------------------------
# Papers


def _paper_links(paper: Paper):
    return format_html(
        '<a href="{}">{}</a> · <a href="{}">{}</a>',
        reverse("exams:papers_paper_document", args=[paper.pk, "paper.pdf"]), _("试卷 PDF"),
        reverse("exams:papers_paper_document", args=[paper.pk, "key.pdf"]), _("答案 PDF"))


class PaperListView(ListPageMixin, ActorView):
    permission = Perm.BANK_MANAGE
    template_name = "exams/papers/paper_list.html"
    default_sort = "-created_at"
    export_name = "papers"
    empty_title = gettext_lazy("暂无试卷")
    empty_text = gettext_lazy("在组卷方案页面选择组卷方式和随机种子即可组卷。")
    columns = [
        Column("pk", gettext_lazy("试卷编号"), sort="pk", html=lambda p: format_html(
            '<a href="{}">{}</a>', reverse("exams:papers_paper_detail", args=[p.pk]), p.pk)),
        Column("variant", gettext_lazy("卷别"), sort="variant"),
        Column("seed", gettext_lazy("随机种子"), sort="seed"),
        Column("total_score", gettext_lazy("总分"), sort="total_score"),
        Column("created_at", gettext_lazy("组卷时间"), sort="created_at"),
        Column("documents", gettext_lazy("下载"), value=lambda p: "", html=_paper_links),
    ]

    def get(self, request, *args, **kwargs):
        self.blueprint = _blueprint_get(request.actor, kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return self.blueprint.papers.all()

    def extra_context(self):
        return {"blueprint": self.blueprint}


class PaperDetailView(ActorView):
    permission = Perm.BANK_MANAGE

    def get(self, request, pk):
        paper = _paper_get(request.actor, pk)
        rows = list(paper.items.select_related("item").order_by("order"))
        from ..documents import answer_text

        items = [{"order": r.order, "kind": r.item.get_kind_display(), "code": r.item.code, "stem": r.item.stem,
                  "options": r.item.options, "knowledge_point": r.item.knowledge_point,
                  "difficulty": r.item.difficulty, "score": r.score, "answer": answer_text(r.item.kind, r.item.answer)}
                 for r in rows]
        context = {"paper": paper, "blueprint": paper.blueprint, "items": items,
                   "level_name": _level_names().get(paper.blueprint.level, paper.blueprint.level)}
        return render(request, "exams/papers/paper_detail.html", context)


class PaperDocumentView(ActorView):
    permission = Perm.BANK_MANAGE

    def get(self, request, pk, document):
        paper = _paper_get(request.actor, pk)
        try:
            return _pdf_response(*services.paper_document(actor=request.actor, paper=paper, document=document))
        except LookupError:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("exams:papers_paper_detail", pk=pk)


urlpatterns = [
    path("papers/blueprints/", BlueprintListView.as_view(), name="papers_blueprint_list"),
    path("papers/blueprints/new/", BlueprintCreateView.as_view(), name="papers_blueprint_create"),
    path("papers/blueprints/<int:pk>/", BlueprintDetailView.as_view(), name="papers_blueprint_detail"),
    path("papers/blueprints/<int:pk>/edit/", BlueprintEditView.as_view(), name="papers_blueprint_edit"),
    path("papers/blueprints/<int:pk>/copy/", BlueprintCopyView.as_view(), name="papers_blueprint_copy"),
    path("papers/blueprints/<int:pk>/assemble/", PaperAssembleView.as_view(), name="papers_assemble"),
    path("papers/blueprints/<int:pk>/papers/", PaperListView.as_view(), name="papers_paper_list"),
    path("papers/<int:pk>/", PaperDetailView.as_view(), name="papers_paper_detail"),
    path("papers/<int:pk>/<str:document>/", PaperDocumentView.as_view(), name="papers_paper_document"),
]
