from django import forms
from django.utils.translation import gettext_lazy as _

from skilleval.catalog.models import Jurisdiction, Level

from .models import (
    ExpertEvaluation,
    FilingApplication,
    FilingOccupation,
    MaterialCategory,
    Nature,
    Organisation,
    QuestionBank,
    Sanction,
    StaffMember,
    StandardKind,
)
from .services import FORM_FIELDS

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _level_choices():
    return [(lv.code, str(lv)) for lv in Level.objects.filter(is_certificate_level=True).order_by("-code")]


def _city_choices():
    from .selectors import registration_cities

    return [("", "—")] + [(j.pk, f"{j.parent.name} {j.name}" if j.parent else j.name) for j in registration_cities()]


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=100)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, min_length=18,
                           help_text=_("18位，按 GB 32100 校验"))
    city = forms.TypedChoiceField(label=_("所在地"), coerce=int)
    nature = forms.ChoiceField(label=_("单位性质"), choices=Nature.choices,
                               help_text=_("央企驻地分支机构、省属国有企业直接向省级人社部门备案"))
    address = forms.CharField(label=_("单位地址"), max_length=200)
    contact_person = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30)
    admin_username = forms.CharField(label=_("管理员用户名"), max_length=30,
                                     help_text=_("3至30位字母、数字、下划线、点或连字符"))
    admin_full_name = forms.CharField(label=_("管理员姓名"), max_length=50)
    admin_password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, min_length=8)
    admin_password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = _city_choices()

    def clean(self):
        data = super().clean()
        if data.get("admin_password") and data.get("admin_password") != data.get("admin_password2"):
            self.add_error("admin_password2", _("两次输入的密码不一致。"))
        return data


class FilingForm(forms.ModelForm):
    """The filing form's own fields. Saved through `filing_update`, never `save()`."""

    class Meta:
        model = FilingApplication
        fields = [f for f in FORM_FIELDS if f != "pledge_accepted"] + ["pledge_accepted"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in (
            "business_scope", "hr_systems", "training_fund_usage", "training_department", "strengths",
            "site_description", "it_and_video", "adjustment_reason")}

    def __init__(self, *args, kind: str = FilingApplication.Kind.INITIAL, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == FilingApplication.Kind.SCOPE:
            for name in list(self.fields):
                if name != "adjustment_reason":
                    del self.fields[name]
        else:
            del self.fields["adjustment_reason"]
        for field in self.fields.values():
            field.required = False


class OccupationLineForm(forms.Form):
    occupation_code = forms.CharField(label=_("职业编码"), max_length=20, help_text=_("如 6-18-01-01"))
    work_type_code = forms.CharField(label=_("工种编码"), max_length=24, required=False)
    levels = forms.TypedMultipleChoiceField(label=_("认定等级"), coerce=int, widget=forms.CheckboxSelectMultiple)
    change = forms.ChoiceField(label=_("调整方式"), choices=FilingOccupation.Change.choices, required=False)
    standard_kind = forms.ChoiceField(label=_("依据标准类型"), choices=StandardKind.choices)
    standard_name = forms.CharField(label=_("依据的职业标准、评价规范"), max_length=200, required=False)
    question_bank = forms.ChoiceField(label=_("题库资源情况"), choices=QuestionBank.choices)
    question_bank_note = forms.CharField(label=_("题库说明"), max_length=200, required=False)

    def __init__(self, *args, kind: str = FilingApplication.Kind.INITIAL, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["levels"].choices = _level_choices()
        if kind == FilingApplication.Kind.INITIAL:
            del self.fields["change"]


class StaffForm(forms.Form):
    role = forms.ChoiceField(label=_("类别"), choices=StaffMember.Role.choices)
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=18)
    unit = forms.CharField(label=_("所在单位"), max_length=100, required=False)
    title = forms.CharField(label=_("职务/职称/技能等级"), max_length=100, required=False)
    education = forms.CharField(label=_("学历"), max_length=30, required=False)
    duty = forms.CharField(label=_("主要工作职责/专业方向"), max_length=200, required=False)
    occupation_code = forms.CharField(label=_("考评职业编码（考评员必填）"), max_length=20, required=False)
    levels = forms.TypedMultipleChoiceField(label=_("可考评等级（考评员必填）"), coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["levels"].choices = _level_choices()


class EquipmentForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    brand = forms.CharField(label=_("品牌"), max_length=50, required=False)
    model = forms.CharField(label=_("规格/型号"), max_length=100, required=False)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=1_000_000, initial=1)
    ownership = forms.CharField(label=_("所有权归属"), max_length=50, required=False)


class AttachmentForm(forms.Form):
    category = forms.ChoiceField(label=_("材料类别"), choices=MaterialCategory.choices)
    file = forms.FileField(label=_("文件"), help_text=_("PDF、JPG、PNG、DOCX、XLSX 或 ZIP，单个不超过 20 MB"))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回理由（需要补正的内容）"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不予通过的理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("初审意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                              required=False)


class ExpertEvaluationForm(forms.Form):
    experts = forms.CharField(label=_("评估专家"), max_length=300, help_text=_("多名专家用顿号分隔"))
    form = forms.ChoiceField(label=_("评估形式"), choices=ExpertEvaluation.Form.choices)
    evaluated_on = forms.DateField(label=_("评估日期"), widget=DATE)
    opinions = forms.CharField(label=_("专家技术评估意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    conclusion = forms.ChoiceField(label=_("评估结论"), choices=ExpertEvaluation.Conclusion.choices)


class ApprovalForm(forms.Form):
    filing_number = forms.CharField(label=_("备案号"), max_length=13, required=False,
                                    help_text=_("13位：首位为大写字母（Y 用人单位，S 社会培训评价组织）或数字，其后12位数字"))
    serial_start = forms.IntegerField(label=_("证书号段起"), min_value=1, max_value=999999, required=False)
    serial_end = forms.IntegerField(label=_("证书号段止"), min_value=1, max_value=999999, required=False)
    valid_from = forms.DateField(label=_("备案有效期起"), widget=DATE, required=False)
    valid_until = forms.DateField(label=_("备案有效期至"), widget=DATE, required=False)
    comment = forms.CharField(label=_("审批意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                              required=False)

    def __init__(self, *args, kind: str = FilingApplication.Kind.INITIAL, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == FilingApplication.Kind.SCOPE:
            for name in ("filing_number", "serial_start", "serial_end", "valid_from", "valid_until"):
                del self.fields[name]


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(label=_("措施"), choices=[c for c in Sanction.Kind.choices if c[0] != "termination"])
    ground = forms.ChoiceField(label=_("事由类别"), choices=[("", "—")] + list(Sanction.Ground.choices), required=False)
    occurred_on = forms.DateField(label=_("日期"), widget=DATE)
    rectification_deadline = forms.DateField(label=_("整改期限（限期整改必填）"), widget=DATE, required=False)
    description = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class RectificationCloseForm(forms.Form):
    rectified_on = forms.DateField(label=_("整改完成日期"), widget=DATE)
    note = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class TerminateForm(forms.Form):
    ground = forms.ChoiceField(label=_("终止事由"), choices=Sanction.Ground.choices)
    description = forms.CharField(label=_("终止说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    confirm = forms.BooleanField(label=_("我已核实：终止后该机构不能再开展认定和发证，已发证书继续有效"))


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label=_("编号或单位"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + list(FilingApplication.Status.choices))
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部"))] + list(FilingApplication.Kind.choices))
    overdue = forms.BooleanField(label=_("只看超期"), required=False)


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("名称、代码或备案号"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + list(Organisation.Status.choices))


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("机构名称或备案号"), required=False, max_length=100)
    city = forms.TypedChoiceField(label=_("地区"), required=False, coerce=int, empty_value=None)
    occupation = forms.CharField(label=_("职业编码或名称"), required=False, max_length=50)
    level = forms.TypedChoiceField(label=_("等级"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [("", _("全部"))] + [
            (j.pk, j.name) for j in Jurisdiction.objects.order_by("code")]
        self.fields["level"].choices = [("", _("全部"))] + _level_choices()
