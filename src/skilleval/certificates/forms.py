from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from skilleval.catalog.models import Level
from skilleval.core.validators import parse_resident_id

from .models import (
    CERTIFICATE_NUMBER_LENGTH,
    PROOF_NUMBER_LENGTH,
    PROOF_NUMBER_PREFIX,
    Certificate,
    CertificateCopy,
    RevocationGround,
)
from .selectors import is_certificate_number, normalise_number

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
KIND_CHOICES = [(CertificateCopy.Kind.REISSUE, CertificateCopy.Kind.REISSUE.label),
                (CertificateCopy.Kind.CORRECTION, CertificateCopy.Kind.CORRECTION.label)]


def clean_certificate_number(value: str) -> str:
    number = normalise_number(value)
    if number.startswith(PROOF_NUMBER_PREFIX):  # a proof of special vocational ability
        if len(number) != PROOF_NUMBER_LENGTH or not is_certificate_number(number):
            raise ValidationError(_("专项职业能力证书编号应为23位：“ZX”、13位机构备案号、2位年份和6位序列号，请核对后重新输入。"))
        return number
    if len(number) != CERTIFICATE_NUMBER_LENGTH:
        raise ValidationError(_("证书编号应为22位（当前%(n)d位），请核对后重新输入。") % {"n": len(number)})
    if not is_certificate_number(number):
        raise ValidationError(_("证书编号格式不正确：前13位为机构备案号，其后为2位年份、1位等级代码（1至5）和6位序列号。"))
    return number


class NumberQueryForm(forms.Form):
    number = forms.CharField(label=_("证书编号"), max_length=40, strip=True,
                             error_messages={"max_length": _("输入过长：证书编号应为22位。"),
                                             "required": _("请输入22位证书编号。")},
                             widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                           "placeholder": _("22位证书编号")}))

    def clean_number(self):
        return clean_certificate_number(self.cleaned_data["number"])


class IdentityQueryForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50, strip=True,
                           error_messages={"max_length": _("输入过长：姓名不超过50个字符。")})
    id_number = forms.CharField(label=_("证件号码"), max_length=40, strip=True,
                                error_messages={"max_length": _("输入过长：证件号码不超过40个字符。")},
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_id_number(self):
        value = self.cleaned_data["id_number"].upper().replace(" ", "")
        if len(value) < 6 or not value.isalnum() or not value.isascii():
            raise ValidationError(_("请输入完整的证件号码（字母和数字）。"))
        if len(value) == 18 and value[:17].isdigit():
            try:
                parse_resident_id(value)
            except ValidationError as exc:
                raise ValidationError(exc.messages[0]) from None
        return value


class CaptchaForm(forms.Form):
    captcha_token = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    captcha_answer = forms.CharField(label=_("验证码（计算结果）"), max_length=6, required=False,
                                     widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("证书编号或姓名"), max_length=50, required=False)
    id_number = forms.CharField(label=_("证件号码"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("证书类别"), required=False,
                             choices=[("", _("全部"))] + list(Certificate.Kind.choices))
    level = forms.TypedChoiceField(label=_("等级"), coerce=int, required=False, empty_value=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2099, required=False)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部"))] + list(Certificate.Status.choices))
    unprintable = forms.BooleanField(label=_("仅需手写姓名"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("全部"))] + [
            (lv.code, str(lv)) for lv in Level.objects.filter(is_certificate_level=True).order_by("-code")]


class IssueForm(forms.Form):
    issued_on = forms.DateField(label=_("发证日期"), widget=DATE)
    confirm = forms.BooleanField(label=_("我已核对发证名单与号段：发证后证书编号立即生效，不能收回重用"))


class ReissueForm(forms.Form):
    kind = forms.ChoiceField(label=_("补办类型"), choices=KIND_CHOICES)
    reason = forms.CharField(label=_("申请事由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("如：证书遗失并已登报声明；或身份证姓名为“…”，证书误印为“…”"))
    corrected_name = forms.CharField(label=_("更正后的姓名（仅更正补发）"), max_length=50, required=False)


class RevokeForm(forms.Form):
    ground = forms.ChoiceField(label=_("撤销事由"), choices=RevocationGround.choices)
    reason = forms.CharField(label=_("撤销说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("依据、经过和处理决定；公开查询只显示撤销事由类别"))
    confirm = forms.BooleanField(label=_("确认撤销：撤销后证书永久失效，查询和扫码核验均显示“已撤销”"))


class RejectRequestForm(forms.Form):
    note = forms.CharField(label=_("不予补发的理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
