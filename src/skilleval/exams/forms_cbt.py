"""Forms of the computer-based exam: the session, seating, the candidate's sign-in and
a marker's score. They parse input only; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from skilleval.batches.models import METHODS_WITHOUT_EXAM

from .models import Blueprint, ExamRoom, ExamSession, ItemStatus, Paper, PracticalTask

DATETIME = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("考核类型"), choices=ExamSession.Kind.choices, initial=ExamSession.Kind.THEORY_CBT,
                             required=False)
    batch_item = forms.ModelChoiceField(label=_("职业（工种）及等级"), queryset=None)
    blueprint = forms.ModelChoiceField(label=_("组卷方案"), queryset=None, required=False,
                                       help_text=_("机考必选；笔试可选"))
    practical_task = forms.ModelChoiceField(label=_("操作技能试题"), queryset=None, required=False,
                                            help_text=_("操作技能考核必选：本职业、等级已审定的试题"))
    name = forms.CharField(label=_("场次名称"), max_length=100)
    rooms = forms.ModelMultipleChoiceField(label=_("考场"), queryset=None, widget=forms.CheckboxSelectMultiple,
                                           help_text=_("理论考试用理论考场（机房/教室），实操用实操考场，综合评审用评审考场"))
    starts_at = forms.DateTimeField(label=_("开考时间"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("最晚交卷时间"), widget=DATETIME,
                                  help_text=_("迟到考生的答题时间截至此时；考务人员在此之前不能安排到其他场次"))
    duration_minutes = forms.IntegerField(label=_("答题时长（分钟）"), min_value=1, max_value=600, initial=90)
    mode = forms.ChoiceField(label=_("作答方式"), choices=ExamSession.Mode.choices, initial=ExamSession.Mode.WHOLE,
                             help_text=_("仅机考"))
    per_candidate_papers = forms.BooleanField(label=_("一人一卷（按组卷方案为每位考生生成不同试卷）"),
                                              required=False, initial=True, help_text=_("仅机考"))

    def clean_kind(self):
        return self.cleaned_data.get("kind") or ExamSession.Kind.THEORY_CBT

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch_item"].queryset = batch.items.exclude(method__in=METHODS_WITHOUT_EXAM).select_related(
            "occupation", "work_type", "level")
        # A blueprint or a task title is a structure, not bank content: exam affairs choose among their organisation's.
        self.fields["blueprint"].queryset = Blueprint.objects.filter(organisation_id=batch.organisation_id)
        self.fields["practical_task"].queryset = PracticalTask.objects.filter(
            organisation_id=batch.organisation_id, status=ItemStatus.APPROVED)
        self.fields["rooms"].queryset = ExamRoom.objects.filter(
            site__organisation_id=batch.organisation_id).select_related("site").order_by("kind", "site__name", "name")
        self.fields["rooms"].label_from_instance = lambda r: f"{r}（{r.get_kind_display()}，{r.capacity}座）"
        self.fields["blueprint"].label_from_instance = lambda b: f"{b.name}（{b.level}级，{b.duration_minutes}分钟）"
        self.fields["practical_task"].label_from_instance = lambda t: f"{t.code} {t.title}（{t.level}级）"


class SeatsForm(forms.Form):
    paper = forms.ModelChoiceField(label=_("共用试卷"), queryset=None, required=False,
                                   help_text=_("留空则按组卷方案自动组卷"))

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paper"].queryset = Paper.objects.filter(blueprint_id=session.blueprint_id).order_by("-created_at")


class SignInForm(forms.Form):
    ticket_number = forms.CharField(label=_("准考证号"), max_length=30,
                                    widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))
    id_number = forms.CharField(label=_("证件号码"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class MarkForm(forms.Form):
    score = forms.DecimalField(label=_("得分"), min_value=0, max_digits=5, decimal_places=1)


class SessionFilterForm(forms.Form):
    q = forms.CharField(label=_("场次名称"), required=False)
