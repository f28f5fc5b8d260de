"""The statistics dashboards: an organisation's own figures, an authority's jurisdiction
(candidates, pass rates and certificates by level, occupation, year, city and organisation,
high-skill talents against its goal, deadlines met and missed), with charts and the same
figures as XLSX downloads; and the authority's talent goals."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import Perm
from skilleval.catalog.models import Level
from skilleval.core.errors import DomainError
from skilleval.core.views import ActorView, apply_domain_error

from ..documents import deadlines_xlsx, statistics_xlsx
from ..forms import GoalForm, StatisticsFilterForm
from ..selectors import (
    DEADLINE_STATUS,
    StatsFilter,
    goal_progress,
    goals_visible_to,
    statistics_cities,
    statistics_for,
    statistics_occupations,
)
from ..services import evaluation as services
from .archives import xlsx_response
from .common import AnyOfView

TABLES = {
    "level": (gettext_lazy("按等级"), gettext_lazy("等级"), "by_level"),
    "occupation": (gettext_lazy("按职业"), gettext_lazy("职业"), "by_occupation"),
    "year": (gettext_lazy("按年度"), gettext_lazy("年度"), "by_year"),
    "city": (gettext_lazy("按地区"), gettext_lazy("地区"), "by_city"),
    "organisation": (gettext_lazy("按机构"), gettext_lazy("评价机构"), "by_organisation"),
}


DEADLINES_SHOWN = 100


def _chart_data(stats) -> dict:
    def series(rows):
        return {"labels": [r.label for r in rows], "accepted": [r.accepted for r in rows],
                "passed": [r.passed for r in rows], "certified": [r.certified for r in rows],
                "pass_rate": [r.pass_rate for r in rows]}

    return {"level": series(stats.by_level), "year": series(stats.by_year), "city": series(stats.by_city),
            "occupation": series(stats.by_occupation[:15]),
            "names": {"accepted": _("参评人数"), "passed": _("合格人数"), "certified": _("获证人数"),
                      "pass_rate": _("合格率（%）")}}


class StatisticsView(AnyOfView):
    any_of = (Perm.SUPERVISION_MANAGE, Perm.BATCH_MANAGE)

    def get(self, request):
        actor = request.actor
        occupations = statistics_occupations(actor)
        form = StatisticsFilterForm(
            request.GET or None,
            city_choices=[(j.pk, j.name) for j in statistics_cities(actor)] if actor.is_authority else [],
            occupation_choices=[(o.pk, f"{o.code} {o.name}") for o in occupations],
            level_choices=[(lv.code, str(lv)) for lv in Level.objects.filter(is_certificate_level=True)
                           .order_by("-code")])
        filters = StatsFilter()
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            filters = StatsFilter(year=data.get("year"), city_id=data.get("city"),
                                  occupation_id=data.get("occupation"), level_code=data.get("level"))
        today = timezone.localdate()
        stats = statistics_for(actor, filters, today=today)
        download = request.GET.get("download", "")
        if download:
            return self._download(download, stats, today)
        goals = [goal_progress(g) for g in goals_visible_to(actor).order_by("jurisdiction__code", "target_year")] \
            if actor.is_authority else []
        # The page lists the deadlines missed, then open, then the latest met; the XLSX has them all.
        rank = {"missed": 0, "open": 1, "met": 2}
        shown = sorted(stats.deadlines, key=lambda d: (rank[d.status(today)], -d.due.toordinal()))[:DEADLINES_SHOWN]
        query = request.GET.copy()
        query.pop("download", None)
        return render(request, "supervision/statistics.html", {
            "form": form, "stats": stats, "goals": goals, "chart": _chart_data(stats), "today": today,
            "tables": [(key, title, label, getattr(stats, attr)) for key, (title, label, attr) in TABLES.items()
                       if actor.is_authority or key not in ("city", "organisation")],
            "deadline_status": DEADLINE_STATUS, "deadlines_shown": shown, "query": query.urlencode(), "is_authority": actor.is_authority,
        })

    def _download(self, which, stats, today):
        stamp = timezone.localtime().strftime("%Y%m%d%H%M")
        if which == "deadlines":
            return xlsx_response(deadlines_xlsx(stats.deadlines, today), f"statistics-deadlines-{stamp}")
        if which == "totals":
            return xlsx_response(statistics_xlsx(_("合计"), _("范围"), [stats.totals]), f"statistics-totals-{stamp}")
        if which not in TABLES:
            raise Http404(_("页面不存在。"))
        title, label, attr = TABLES[which]
        return xlsx_response(statistics_xlsx(str(title), str(label), getattr(stats, attr)),
                             f"statistics-{which}-{stamp}")


class GoalView(ActorView):
    permission = Perm.SUPERVISION_MANAGE
    template_name = "supervision/goals.html"

    def _render(self, request, form=None, status=200):
        actor = request.actor
        goals = [goal_progress(g) for g in goals_visible_to(actor).order_by("jurisdiction__code", "-target_year")]
        may_set = actor.is_authority and actor.jurisdiction_id is not None
        return render(request, self.template_name, {
            "goals": goals, "may_set": may_set,
            "form": form or GoalForm(initial={"target_year": timezone.localdate().year + 3}),
        }, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        form = GoalForm(request.POST)
        if form.is_valid():
            try:
                services.talent_goal_save(actor=request.actor, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("技能人才目标已保存。"))
                return redirect("supervision:goals")
        return self._render(request, form, status=400)
