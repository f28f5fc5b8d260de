from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import User
from .services import login_failed


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("该账号已停用，请联系管理员。"),
        "locked": _("连续登录失败次数过多，账号已锁定至 %(until)s，请稍后再试。"),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        user = User.objects.filter(username=username).first() if username else None
        if user is not None and user.is_locked():
            raise self._locked_error(user)
        try:
            return super().clean()
        except ValidationError:
            user = login_failed(username=username or "", ip_address=client_ip(self.request))
            if user is not None and user.is_locked():
                raise self._locked_error(user) from None
            raise

    def _locked_error(self, user: User) -> ValidationError:
        until = timezone.localtime(user.locked_until).strftime("%H:%M")
        return ValidationError(self.error_messages["locked"], code="locked", params={"until": until})


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                    help_text=_("至少8位，不能全为数字，不能与用户名过于相似。"))
    new_password2 = forms.CharField(label=_("确认新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=100, help_text=_("例如：人事系统同步脚本"))


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(label=_("动态口令"), max_length=10, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=_("验证器应用中显示的6位数字"))


class SecondFactorDisableForm(forms.Form):
    password = forms.CharField(label=_("登录密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
