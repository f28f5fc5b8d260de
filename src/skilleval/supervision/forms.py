"""Forms of the supervision pages: they only parse; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AnnualEvaluation, Destruction, Inspection, SupervisorVisit
from .services.inspections import CHECK_RESULTS, CHECKLIST

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
DATETIME = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})


def _this_year() -> int:
    return timezone.localdate().year


class DrawForm(forms.Form):
    title = forms.CharField(label=_("抽查名称"), max_length=100, required=False,
                            help_text=_("留空按期间自动命名"))
    period_start = forms.DateField(label=_("抽查期间起"), widget=DATE)
    period_end = forms.DateField(label=_("抽查期间止"), widget=DATE)
    percent = forms.IntegerField(label=_("抽查比例（%）"), min_value=1, max_value=100)
    inspectors_per_session = forms.IntegerField(label=_("每场次检查人员（人）"), min_value=1, max_value=10, initial=2)
    seed = forms.IntegerField(label=_("随机种子（可选）"), min_value=0, required=False,
                              help_text=_("留空由系统随机生成；也可填写现场公证抽取的号码。种子和抽取依据一并记录，可复现。"))


class InspectorForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    unit = forms.CharField(label=_("工作单位（处室）"), max_length=100)
    title = forms.CharField(label=_("职务/专业"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    user = forms.TypedChoiceField(label=_("关联登录账号（可选）"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, user_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—"), *user_choices]


class ConflictForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("回避单位"), coerce=int)
    reason = forms.CharField(label=_("回避事由"), max_length=200,
                             help_text=_("如：近三年在该单位任职；直系亲属在该单位工作"))
    declared_on = forms.DateField(label=_("申报日期"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, organisation_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "—"), *organisation_choices]


class FindingForm(forms.Form):
    """The on-site record: one result (and a note) per checklist item, then the conclusion."""

    inspected_at = forms.DateTimeField(label=_("检查时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    findings = forms.CharField(label=_("检查情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    conclusion = forms.ChoiceField(label=_("检查结论"), choices=[("", "—"), *Inspection.Conclusion.choices])
    rectification_demand = forms.CharField(label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}),
                                           max_length=2000, required=False)
    rectification_deadline = forms.DateField(label=_("整改期限"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CHECKLIST:
            self.fields[f"check_{key}"] = forms.ChoiceField(
                label=label, choices=[("", "—"), *CHECK_RESULTS.items()], widget=forms.RadioSelect)
            self.fields[f"note_{key}"] = forms.CharField(label=_("说明"), max_length=300, required=False)

    def checklist_rows(self):
        return [(label, self[f"check_{key}"], self[f"note_{key}"]) for key, label in CHECKLIST]

    def main_fields(self):
        return [self[name] for name in ("inspected_at", "findings", "conclusion", "rectification_demand",
                                        "rectification_deadline")]

    def checklist(self) -> dict:
        data = self.cleaned_data
        return {key: {"result": data.get(f"check_{key}", ""), "note": data.get(f"note_{key}", "")}
                for key, _label in CHECKLIST}

    @classmethod
    def initial_for(cls, inspection: Inspection) -> dict:
        initial: dict = {
            "inspected_at": timezone.localtime(inspection.inspected_at) if inspection.inspected_at else
            timezone.localtime().replace(second=0, microsecond=0),
            "findings": inspection.findings, "conclusion": inspection.conclusion,
            "rectification_demand": inspection.rectification_demand,
            "rectification_deadline": inspection.rectification_deadline,
        }
        for key, _label in CHECKLIST:
            entry = (inspection.checklist or {}).get(key) or {}
            initial[f"check_{key}"] = entry.get("result", "")
            initial[f"note_{key}"] = entry.get("note", "")
        return initial


class PhotoForm(forms.Form):
    file = forms.FileField(label=_("现场照片（JPG/PNG）"))
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)


class VisitForm(forms.Form):
    step = forms.ChoiceField(label=_("督导环节"), choices=[("", "—"), *SupervisorVisit.Step.choices])
    planned_on = forms.DateField(label=_("督导日期"), widget=DATE)
    session = forms.TypedChoiceField(label=_("场次（可选）"), coerce=int, required=False, empty_value=None)
    supervisors = forms.TypedMultipleChoiceField(label=_("督导人员"), coerce=int,
                                                 widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, session_choices=(), supervisor_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [("", "—"), *session_choices]
        self.fields["supervisors"].choices = list(supervisor_choices)


class VisitReportForm(forms.Form):
    report = forms.CharField(label=_("督导情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    issues = forms.CharField(label=_("发现的问题及处理建议"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                             required=False)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)

    def year_or_current(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return _this_year()


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("评估等次"), choices=[("", "—"), *AnnualEvaluation.Grade.choices])
    remarks = forms.CharField(label=_("评估意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DestroyForm(forms.Form):
    destroyed_on = forms.DateField(label=_("销毁日期"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("销毁原因"), max_length=200, initial=_("保管期满，经鉴定无继续保存价值"))
    method = forms.ChoiceField(label=_("销毁方式"), choices=[("", "—"), *Destruction.Method.choices])
    destroyer = forms.CharField(label=_("销毁人"), max_length=50)
    responsible = forms.CharField(label=_("负责人（签字）"), max_length=50)
    confirm = forms.BooleanField(label=_("我确认该类材料已按上述方式实际销毁，登记后不可撤销"))


class StatisticsFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False, empty_value=None)
    city = forms.TypedChoiceField(label=_("地区"), coerce=int, required=False, empty_value=None)
    occupation = forms.TypedChoiceField(label=_("职业"), coerce=int, required=False, empty_value=None)
    level = forms.TypedChoiceField(label=_("等级"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, city_choices=(), occupation_choices=(), level_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        this_year = _this_year()
        self.fields["year"].choices = [("", _("全部年度")), *[(y, str(y)) for y in range(this_year, this_year - 8, -1)]]
        self.fields["city"].choices = [("", _("全部地区")), *city_choices]
        self.fields["occupation"].choices = [("", _("全部职业")), *occupation_choices]
        self.fields["level"].choices = [("", _("全部等级")), *level_choices]


class GoalForm(forms.Form):
    title = forms.CharField(label=_("目标名称"), max_length=100)
    target_year = forms.IntegerField(label=_("目标年度"), min_value=2000, max_value=2100)
    total_target = forms.IntegerField(label=_("技能人才总量目标（人）"), min_value=1)
    high_skill_target = forms.IntegerField(label=_("高技能人才总量目标（人）"), min_value=0)
    baseline_total = forms.IntegerField(label=_("基数：现有技能人才（人）"), min_value=0, initial=0)
    baseline_high_skill = forms.IntegerField(label=_("基数：现有高技能人才（人）"), min_value=0, initial=0)
    baseline_on = forms.DateField(label=_("基数统计日期"), widget=DATE, initial=timezone.localdate)
    source = forms.CharField(label=_("依据"), max_length=200, required=False)


def default_period() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
