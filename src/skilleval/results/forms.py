"""Forms of the results pages. They only parse; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Objection, PanelRule, Result

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OUTCOMES = [("", _("全部")), ("passed", _("合格")), ("failed", _("不合格"))]


class RubricScoresForm(forms.Form):
    """One field per rubric row: score_0, score_1, …, labelled with the item and its points."""

    def __init__(self, *args: Any, rubric: Sequence[dict[str, Any]] = (), initial_scores: Sequence[Any] = (),
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rubric = list(rubric)
        for index, row in enumerate(self.rubric):
            self.fields[f"score_{index}"] = forms.CharField(
                label=_("%(i)s（0–%(p)s 分）") % {"i": row["item"], "p": row["points"]},
                help_text=row.get("criteria", ""), required=False, max_length=10,
                initial=initial_scores[index] if index < len(initial_scores) else None,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))

    def scores(self) -> list[str]:
        return [self.cleaned_data.get(f"score_{i}", "") for i in range(len(self.rubric))]


class ChangeRequestForm(RubricScoresForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.CharField(label=_("更正理由"), widget=forms.Textarea(attrs={"rows": 2}),
                                                max_length=2000, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("审批意见"), required=False, max_length=2000)


class PanelRuleForm(forms.Form):
    panel_rule = forms.ChoiceField(label=_("考评组评分合成规则"), choices=PanelRule.choices)


class ApproveForm(forms.Form):
    committee_note = forms.CharField(label=_("审定记录"), max_length=300, required=False,
                                     help_text=_("如：评价委员会2026年第3次会议审定，到会委员5人"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             required=False)


class RecognitionForm(forms.Form):
    passed = forms.TypedChoiceField(label=_("认定结果"), choices=[("1", _("合格")), ("0", _("不合格"))],
                                    coerce=lambda v: v == "1")
    basis = forms.CharField(label=_("认定依据"), max_length=2000, required=False)


class PublicityStartForm(forms.Form):
    starts_on = forms.DateField(label=_("公示开始日期"), widget=DATE)
    notice = forms.CharField(label=_("公示说明"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("如：异议受理部门、联系人及电话"))


class ObjectionForm(forms.Form):
    result = forms.ModelChoiceField(label=_("涉及的考生（可不选）"), queryset=Result.objects.none(), required=False)
    text = forms.CharField(label=_("异议内容（事实和理由）"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                           required=False)

    def __init__(self, *args: Any, results=None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if results is not None:
            self.fields["result"].queryset = results
        self.fields["result"].label_from_instance = lambda r: f"{r.application.name}（{r.application.item}）"


class CorrectionFields(forms.Form):
    """The corrected result: module scores (on 100), or the recognition's outcome, or void."""

    theory_score = forms.CharField(label=_("更正后理论知识成绩"), required=False, max_length=10)
    practical_score = forms.CharField(label=_("更正后操作技能成绩"), required=False, max_length=10)
    review_score = forms.CharField(label=_("更正后综合评审/业绩成绩"), required=False, max_length=10)
    passed = forms.TypedChoiceField(label=_("更正后认定结果（直接认定、竞赛选拔）"), required=False, empty_value=None,
                                    choices=[("", "—"), ("1", _("合格")), ("0", _("不合格"))],
                                    coerce=lambda v: v == "1")
    disqualify = forms.BooleanField(label=_("认定该考生本次成绩无效"), required=False)

    def scores(self) -> dict[str, str]:
        return {m: self.cleaned_data.get(f"{m}_score", "") for m in ("theory", "practical", "review")}


class ObjectionDecideForm(CorrectionFields):
    decision = forms.ChoiceField(label=_("处理结论"), choices=[(Objection.Status.UPHELD, _("异议成立，更正结果")),
                                                           (Objection.Status.DISMISSED, _("异议不成立"))])
    reason = forms.CharField(label=_("调查情况及处理决定"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             required=False)
    result = forms.ModelChoiceField(label=_("涉及的考生"), queryset=Result.objects.none(), required=False)

    field_order = ["decision", "reason", "result", "theory_score", "practical_score", "review_score", "passed",
                   "disqualify"]

    def __init__(self, *args: Any, results=None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if results is not None:
            self.fields["result"].queryset = results
        self.fields["result"].label_from_instance = lambda r: f"{r.application.name}（{r.application.item}）"


class ResultCorrectForm(CorrectionFields):
    reason = forms.CharField(label=_("更正理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             required=False)
    field_order = ["reason", "theory_score", "practical_score", "review_score", "passed", "disqualify"]


class ReportSubmitForm(forms.Form):
    note = forms.CharField(label=_("更正说明（重新报送时填写）"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ResultFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或报名号"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *Result.Status.choices])
    outcome = forms.ChoiceField(label=_("结果"), required=False, choices=OUTCOMES)


class BatchFilterForm(forms.Form):
    q = forms.CharField(label=_("批次名称或编号"), required=False, max_length=50)
