"""Forms of the blueprint and paper-assembly pages. They only parse what the user typed;
every rule (shares adding up to 100, counts, scope) is checked by services.papers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skilleval.catalog.models import Occupation

from .models import Blueprint, ItemKind
from .services.papers import DIFFICULTIES, MAX_PAPERS_PER_CALL, MAX_SEED

_SHARE_LINE = re.compile(r"^(?P<name>.+?)[\s:：=,，、]+(?P<pct>\d+)\s*[%％]?$")
ASSEMBLE_MAX_CANDIDATES = 1000  # from the page; services take up to MAX_PAPERS_PER_CALL


def _shares_text(shares: dict) -> str:
    ordered = sorted(shares.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))
    return "\n".join(f"{name}：{pct}" for name, pct in ordered)


class BlueprintForm(forms.Form):
    name = forms.CharField(label=_("方案名称"), max_length=100)
    occupation_level = forms.ChoiceField(label=_("职业及等级"), help_text=_("本单位备案范围内的职业和等级"))
    duration_minutes = forms.IntegerField(label=_("考试时长（分钟）"), min_value=1, max_value=600, initial=90)
    knowledge_shares = forms.CharField(
        label=_("鉴定要素比重（%）"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一个鉴定要素及其比重，如“车削加工：30”，合计100；留空则不限鉴定要素。"))

    def __init__(self, *args: Any, scope_choices: Sequence[tuple[str, str]] = (), blueprint: Blueprint | None = None,
                 **kwargs: Any):
        if blueprint is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(blueprint)
        super().__init__(*args, **kwargs)
        self.fields["occupation_level"].choices = [("", "—"), *scope_choices]  # type: ignore[attr-defined]
        for kind in ItemKind:
            self.fields[f"{kind.value}_count"] = forms.IntegerField(
                label=_("%(k)s题量") % {"k": kind.label}, min_value=0, max_value=1000, required=False)
            self.fields[f"{kind.value}_score"] = forms.DecimalField(
                label=_("%(k)s每题分值") % {"k": kind.label}, min_value=0, max_value=1000, decimal_places=1,
                required=False)
        for level in DIFFICULTIES:
            self.fields[f"difficulty_{level}"] = forms.IntegerField(
                label=_("难度%(d)s（%%）") % {"d": level}, min_value=0, max_value=100, required=False)

    @staticmethod
    def initial_for(blueprint: Blueprint) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": blueprint.name, "occupation_level": f"{blueprint.occupation_id}|{blueprint.level}",
            "duration_minutes": blueprint.duration_minutes,
            "knowledge_shares": _shares_text(blueprint.knowledge_shares or {}),
        }
        for section in blueprint.sections:
            initial[f"{section['kind']}_count"] = section["count"]
            initial[f"{section['kind']}_score"] = section["score"]
        for level, pct in (blueprint.difficulty_shares or {}).items():
            initial[f"difficulty_{level}"] = pct
        return initial

    def section_rows(self) -> list[tuple[Any, Any, Any]]:
        """(kind label, count field, score field) for the template's table."""
        return [(kind.label, self[f"{kind.value}_count"], self[f"{kind.value}_score"]) for kind in ItemKind]

    def difficulty_fields(self) -> list[Any]:
        return [self[f"difficulty_{level}"] for level in DIFFICULTIES]

    def clean_knowledge_shares(self) -> dict[str, int]:
        shares: dict[str, int] = {}
        for number, line in enumerate((self.cleaned_data.get("knowledge_shares") or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = _SHARE_LINE.match(line)
            if not match:
                raise forms.ValidationError(
                    _("第%(n)d行格式应为“鉴定要素：比重”，如“车削加工：30”。") % {"n": number})
            name = match["name"].strip()
            if name in shares:
                raise forms.ValidationError(_("鉴定要素“%(k)s”重复。") % {"k": name})
            shares[name] = int(match["pct"])
        return shares

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for kind in ItemKind:
            count, score = cleaned.get(f"{kind.value}_count"), cleaned.get(f"{kind.value}_score")
            if count and score is None:
                self.add_error(f"{kind.value}_score", _("请填写每题分值。"))
        return cleaned

    def service_data(self) -> dict[str, Any]:
        """The cleaned fields in the shape services.papers.blueprint_create/update take."""
        data = self.cleaned_data
        occupation_id, level = data["occupation_level"].split("|")
        sections = [{"kind": kind.value, "count": data[f"{kind.value}_count"], "score": data[f"{kind.value}_score"]}
                    for kind in ItemKind if data.get(f"{kind.value}_count")]
        difficulty = {level_: data[f"difficulty_{level_}"] for level_ in DIFFICULTIES
                      if data.get(f"difficulty_{level_}")}
        return {
            "name": data["name"], "occupation": Occupation.objects.get(pk=int(occupation_id)), "level": int(level),
            "duration_minutes": data["duration_minutes"], "sections": sections,
            "knowledge_shares": data.get("knowledge_shares") or {}, "difficulty_shares": difficulty,
        }


class AssembleForm(forms.Form):
    mode = forms.ChoiceField(label=_("组卷方式"), initial="single", widget=forms.RadioSelect, choices=[
        ("single", _("一份试卷")), ("ab", _("A/B 卷")), ("per_candidate", _("一人一卷"))])
    seed = forms.IntegerField(label=_("随机种子"), min_value=0, max_value=MAX_SEED, required=False,
                              help_text=_("相同的种子、相同的题库得到相同的试卷；留空则随机生成。"))
    count = forms.IntegerField(label=_("考生人数（一人一卷）"), min_value=1,
                               max_value=min(ASSEMBLE_MAX_CANDIDATES, MAX_PAPERS_PER_CALL), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("mode") == "per_candidate" and not cleaned.get("count"):
            self.add_error("count", _("一人一卷请填写考生人数。"))
        return cleaned


class BlueprintFilterForm(forms.Form):
    q = forms.CharField(label=_("方案名称"), required=False)
