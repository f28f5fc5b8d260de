from django import forms
from django.utils.translation import gettext_lazy as _

from skilleval.catalog.models import IDType

from .models import Application, Award, Batch, BatchKind, BatchStaff, Education, HeldCertificate, Method
from .services import PLAN_HEADINGS

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class BatchForm(forms.ModelForm):
    class Meta:
        model = Batch
        fields = ["kind", "name", "registration_opens", "registration_closes", "first_exam_date", "last_exam_date", "sites",
                  "candidate_scope", "content", "eligibility_notes", "contact"]
        widgets = {
            "registration_opens": DATE, "registration_closes": DATE, "first_exam_date": DATE, "last_exam_date": DATE,
            "sites": forms.Textarea(attrs={"rows": 2}), "candidate_scope": forms.Textarea(attrs={"rows": 2}),
            "content": forms.Textarea(attrs={"rows": 3}), "eligibility_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"kind": _("专项职业能力考核：按经市级人社部门备案的考核规范，考核一个技能模块，合格者取得专项职业能力证书。创建后不能更改。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # the kind is chosen once, at creation
            self.fields["kind"].disabled = True


class SpecialAbilityForm(forms.Form):
    """The special ability a special assessment batch evaluates."""

    ability_code = forms.ChoiceField(label=_("专项职业能力（考核规范已备案）"))
    exam_date = forms.DateField(label=_("考核日期"), required=False, widget=DATE)
    capacity = forms.IntegerField(label=_("计划人数"), min_value=1, required=False)

    def __init__(self, *args, abilities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ability_code"].choices = [("", "—")] + [
            (a.code, f"{a.code} {a.name}（{a.norm_title}；{a.module}）") for a in abilities]


class BatchItemForm(forms.Form):
    scope_item = forms.ChoiceField(label=_("备案范围内的职业（工种）及等级"))
    method = forms.ChoiceField(label=_("评价方式"), choices=Method.choices)
    theory_weight = forms.IntegerField(label=_("理论知识权重（%）"), min_value=0, max_value=100, initial=30)
    practical_weight = forms.IntegerField(label=_("操作技能权重（%）"), min_value=0, max_value=100, initial=60)
    review_weight = forms.IntegerField(label=_("综合评审/业绩权重（%）"), min_value=0, max_value=100, initial=10)
    pass_mark = forms.IntegerField(label=_("各模块合格分数线"), min_value=1, max_value=100, required=False,
                                   help_text=_("留空使用辖区默认（60分）"))
    mandatory_modules = forms.CharField(label=_("必考模块（模块化考核）"), required=False,
                                        help_text=_("多个模块用顿号分隔，如：通用技能"))
    elective_modules = forms.CharField(label=_("选考模块（模块化考核）"), required=False)
    exam_date = forms.DateField(label=_("考核日期"), required=False, widget=DATE)
    capacity = forms.IntegerField(label=_("计划人数"), min_value=1, required=False)

    def __init__(self, *args, scope_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_item"].choices = scope_choices

    def modules(self) -> list[dict]:
        def split(text, mandatory):
            return [{"name": n.strip(), "mandatory": mandatory} for n in (text or "").replace(",", "、").split("、")
                    if n.strip()]

        return split(self.cleaned_data.get("mandatory_modules"), True) + split(
            self.cleaned_data.get("elective_modules"), False)


class ApplicationForm(forms.Form):
    """The application form (SD att.1) as the candidate fills it in."""

    item = forms.TypedChoiceField(label=_("申报职业（工种）及等级"), coerce=int)
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_type_code = forms.ChoiceField(label=_("证件类型"))
    id_number = forms.CharField(label=_("证件号码"), max_length=40)
    sex = forms.ChoiceField(label=_("性别（非居民身份证填写）"), choices=[("", "—"), ("M", _("男")), ("F", _("女"))],
                            required=False)
    birth_date = forms.DateField(label=_("出生日期（非居民身份证填写）"), required=False, widget=DATE)
    education = forms.CharField(label=_("文化程度"), max_length=30, help_text=_("如：高中、中专、大专、本科"))
    major = forms.CharField(label=_("所学专业"), max_length=100, required=False)
    graduated_on = forms.DateField(label=_("毕业时间"), required=False, widget=DATE)
    school_kind = forms.ChoiceField(label=_("毕业院校类别"), choices=Education.choices, required=False)
    major_matches = forms.BooleanField(label=_("所学专业与申报职业相同或相关"), required=False)
    work_started_on = forms.DateField(label=_("参加工作时间"), widget=DATE)
    political_status = forms.CharField(label=_("政治面貌"), max_length=20, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    current_post = forms.CharField(label=_("现从事岗位"), max_length=100)
    post_occupation_code = forms.CharField(label=_("现岗位对应职业编码"), max_length=20,
                                           help_text=_("应与申报职业一致，如 6-18-01-01"))
    years_in_occupation = forms.DecimalField(label=_("本职业（岗位）年限"), min_value=0, max_value=60, decimal_places=1)
    work_type_direction = forms.CharField(label=_("工种方向"), max_length=50, required=False)
    apprenticeship_completed = forms.BooleanField(label=_("学徒期满"), required=False)
    requested_route = forms.ChoiceField(label=_("申报类别"), choices=[
        (Application.Route.NORMAL, _("正常申报")), (Application.Route.EXCEPTIONAL, _("破格申报"))])
    condition_text = forms.CharField(label=_("具体申报条件"), max_length=300, required=False)
    certificate_kind = forms.ChoiceField(label=_("已有证书类别"), choices=[("", "—")] + list(HeldCertificate.Kind.choices),
                                         required=False)
    certificate_occupation_code = forms.CharField(label=_("已有证书职业编码"), max_length=20, required=False)
    certificate_level = forms.TypedChoiceField(label=_("已有证书等级"), coerce=int, empty_value=None, required=False,
                                               choices=[("", "—"), (5, "五级"), (4, "四级"), (3, "三级"), (2, "二级"),
                                                        (1, "一级")])
    certificate_number = forms.CharField(label=_("已有证书编号"), max_length=40, required=False)
    certificate_issued_on = forms.DateField(label=_("已有证书发证时间"), required=False, widget=DATE)
    award_tier = forms.ChoiceField(label=_("奖励荣誉级别"), choices=[("", "—")] + list(Award.Tier.choices),
                                   required=False)
    award_kind = forms.ChoiceField(label=_("奖励荣誉类别"), choices=Award.Kind.choices, required=False)
    award_name = forms.CharField(label=_("奖励荣誉名称"), max_length=200, required=False)
    award_year = forms.IntegerField(label=_("获奖年份"), min_value=1950, max_value=2100, required=False)
    award_rank = forms.IntegerField(label=_("竞赛名次"), min_value=1, max_value=1000, required=False)
    award_filed_competition = forms.BooleanField(label=_("经人社部门备案的竞赛"), required=False)
    work_history = forms.CharField(label=_("工作简历及奖励、荣誉、成果"), widget=forms.Textarea(attrs={"rows": 3}),
                                   required=False)
    photo = forms.FileField(label=_("二寸近期免冠照片"), required=False, help_text=_("JPG 或 PNG，不超过 5 MB"))
    id_scan = forms.FileField(label=_("身份证件"), required=False, help_text=_("PDF、JPG 或 PNG"))
    education_proof = forms.FileField(label=_("学历证明"), required=False, help_text=_("PDF、JPG 或 PNG"))
    commitment_signed = forms.BooleanField(
        label=_("本人已知悉本职业(工种)申报条件，承诺遵守职业技能等级认定有关要求，保证本次填报的信息材料（含工作年限）真实准确，如有虚假，本人愿承担相关法律责任，并接受相应处理。"),
        required=False)

    def __init__(self, *args, item_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = item_choices
        self.fields["id_type_code"].choices = [(t.code, t.name) for t in IDType.objects.all()]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结论"), choices=[("accept", _("审核通过")), ("return", _("退回修改")),
                                                           ("reject", _("审核不通过"))])
    reason = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             max_length=2000)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("报名信息表（XLSX）"))
    clean_rows_only = forms.BooleanField(
        label=_("只导入没有错误的行（有错误的行跳过并列入错误报告）"), required=False)


class CommitmentForm(forms.Form):
    signatory = forms.CharField(label=_("负责人签字"), max_length=50)


class StaffForm(forms.Form):
    role = forms.ChoiceField(label=_("职责"), choices=BatchStaff.Role.choices)
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=18)


class PlanForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in PLAN_HEADINGS:
            self.fields[key] = forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                               max_length=5000)


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或报名号"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + list(Application.Status.choices))
    eligible = forms.ChoiceField(label=_("资格判定"), required=False,
                                 choices=[("", _("全部")), ("yes", _("符合")), ("no", _("不符合"))])
    route = forms.ChoiceField(label=_("认定路径"), required=False,
                              choices=[("", _("全部"))] + list(Application.Route.choices))


class BatchFilterForm(forms.Form):
    q = forms.CharField(label=_("批次名称或编号"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + list(Batch.Status.choices))
    kind = forms.ChoiceField(label=_("评价类型"), required=False, choices=[("", _("全部"))] + list(BatchKind.choices))


class RescheduleForm(forms.Form):
    first_exam_date = forms.DateField(label=_("评价开始日期"), widget=DATE)
    last_exam_date = forms.DateField(label=_("评价结束日期"), widget=DATE)
