from django import forms
from django.utils.translation import gettext_lazy as _

from skilleval.core.models import AuditEvent, Job


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部"))] + list(AuditEvent.Action.choices))
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data


class JobFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(Job.Status.choices))


class OccupationFilterForm(forms.Form):
    q = forms.CharField(label=_("编码或名称"), required=False, max_length=50)
    evaluable = forms.ChoiceField(
        label=_("可否自主评价"), required=False,
        choices=[("", _("全部")), ("yes", _("可自主评价（技能类、非准入）")), ("no", _("不可自主评价"))],
    )


class WorkdaysAddForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    days = forms.IntegerField(label=_("工作日数（负数为向前推算）"), min_value=-3650, max_value=3650)


class WorkdaysBetweenForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    end = forms.DateField(label=_("截止日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
