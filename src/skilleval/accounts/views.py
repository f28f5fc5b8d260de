import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from skilleval.core.errors import DomainError
from skilleval.core.qr import qr_svg
from skilleval.core.views import ActorView, apply_domain_error

from . import totp
from .access import Perm, get_scoped_or_404
from .forms import (
    ApiTokenForm,
    LoginForm,
    OneTimeCodeForm,
    PasswordChangeForm,
    SecondFactorDisableForm,
    client_ip,
)
from .models import User
from .selectors import api_tokens_of
from .services import (
    api_token_create,
    api_token_revoke,
    logged_out,
    login_succeeded,
    second_factor_offered,
    totp_check_login,
    totp_disable,
    totp_enable,
    totp_setup_begin,
    user_change_password,
)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if user.second_factor_enabled:
            # The password was right; the session holds who is half signed in until the code.
            self.request.session[PENDING_USER] = user.pk
            self.request.session[PENDING_NEXT] = self.get_success_url()
            self.request.session[PENDING_SINCE] = int(time.time())
            return redirect("accounts:login_code")
        login(self.request, user)
        login_succeeded(user=user, ip_address=client_ip(self.request))
        return redirect(self.get_success_url())


PENDING_USER, PENDING_NEXT, PENDING_SINCE = "login_pending_user", "login_pending_next", "login_pending_since"
PENDING_SECONDS = 300


class LoginCodeView(View):
    """The second login step for users with a second factor."""

    template_name = "accounts/login_code.html"

    def _pending(self, request):
        pk, since = request.session.get(PENDING_USER), request.session.get(PENDING_SINCE, 0)
        if not pk or time.time() - since > PENDING_SECONDS:
            return None
        return User.objects.filter(pk=pk, is_active=True).first()

    def get(self, request):
        if self._pending(request) is None:
            messages.info(request, _("请先输入用户名和密码。"))
            return redirect("accounts:login")
        return render(request, self.template_name, {"form": OneTimeCodeForm()})

    def post(self, request):
        user = self._pending(request)
        if user is None:
            messages.info(request, _("登录已超时，请重新输入用户名和密码。"))
            return redirect("accounts:login")
        form = OneTimeCodeForm(request.POST)
        if form.is_valid():
            if totp_check_login(user=user, code=form.cleaned_data["code"], ip_address=client_ip(request)):
                target = request.session.get(PENDING_NEXT) or reverse("portal:home")
                for key in (PENDING_USER, PENDING_NEXT, PENDING_SINCE):
                    request.session.pop(key, None)
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                login_succeeded(user=user, ip_address=client_ip(request))
                return redirect(target)
            user.refresh_from_db()
            if user.is_locked():
                request.session.pop(PENDING_USER, None)
                messages.error(request, _("连续验证失败次数过多，账号已锁定至 %(t)s。") % {
                    "t": timezone.localtime(user.locked_until).strftime("%H:%M")})
                return redirect("accounts:login")
            form.add_error("code", _("动态口令不正确或已使用过，请输入验证器应用当前显示的6位数字。"))
        return render(request, self.template_name, {"form": form})


@method_decorator(require_POST, name="dispatch")
class LogoutView(View):
    def post(self, request):
        if request.user.is_authenticated:
            logged_out(user=request.user, ip_address=client_ip(request))
        logout(request)
        messages.info(request, _("您已安全退出。"))
        return redirect("accounts:login")


class PasswordChangeView(ActorView):
    permission = Perm.HOME
    template_name = "accounts/password_change.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PasswordChangeForm()})

    def post(self, request):
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                user_change_password(user=request.user, old_password=form.cleaned_data["old_password"],
                                     new_password=form.cleaned_data["new_password1"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                update_session_auth_hash(request, request.user)
                messages.success(request, _("密码已修改。"))
                return redirect("portal:home")
        return render(request, self.template_name, {"form": form})


class SecurityView(ActorView):
    """账户安全: the optional second factor (TOTP) of authority staff and organisation
    administrators."""

    permission = Perm.HOME
    template_name = "accounts/security.html"

    def _context(self, request, **extra):
        user = request.user
        context = {"offered": second_factor_offered(user), "enabled": user.second_factor_enabled,
                   "enable_form": OneTimeCodeForm(), "disable_form": SecondFactorDisableForm()}
        if user.totp_secret and not user.second_factor_enabled:
            uri = totp.provisioning_uri(user.totp_secret, user.username)
            context.update(secret=user.totp_secret, qr=mark_safe(qr_svg(uri)))  # noqa: S308 - our own SVG
        context.update(extra)
        return context

    def get(self, request):
        return render(request, self.template_name, self._context(request))

    def post(self, request):
        action = request.POST.get("action")
        try:
            if action == "begin":
                totp_setup_begin(user=request.user)
                messages.info(request, _("请用验证器应用扫描二维码，然后输入应用显示的6位数字完成绑定。"))
            elif action == "enable":
                form = OneTimeCodeForm(request.POST)
                if not form.is_valid():
                    return render(request, self.template_name, self._context(request, enable_form=form))
                totp_enable(user=request.user, code=form.cleaned_data["code"])
                messages.success(request, _("已启用动态口令：今后登录需同时输入密码和动态口令。"))
            elif action == "disable":
                form = SecondFactorDisableForm(request.POST)
                if not form.is_valid():
                    return render(request, self.template_name, self._context(request, disable_form=form))
                totp_disable(user=request.user, password=form.cleaned_data["password"])
                messages.success(request, _("已停用动态口令。"))
        except DomainError as exc:
            form_name = "disable_form" if action == "disable" else "enable_form"
            form = SecondFactorDisableForm(request.POST) if action == "disable" else OneTimeCodeForm(request.POST)
            form.is_valid()
            apply_domain_error(form, exc)
            request.user.refresh_from_db()
            return render(request, self.template_name, self._context(request, **{form_name: form}))
        return redirect("accounts:security")


class ApiTokenListView(ActorView):
    permission = Perm.API_TOKENS
    template_name = "accounts/api_tokens.html"

    def get(self, request, form=None, new_key=None):
        tokens = api_tokens_of(request.actor)
        return render(request, self.template_name,
                      {"tokens": tokens, "form": form or ApiTokenForm(), "new_key": new_key})

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                _token, key = api_token_create(actor=request.actor, name=form.cleaned_data["name"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return self.get(request, new_key=key)
        return self.get(request, form=form)


class ApiTokenRevokeView(ActorView):
    permission = Perm.API_TOKENS
    http_method_names = ["post"]

    def post(self, request, pk):
        token = get_scoped_or_404(api_tokens_of(request.actor), pk=pk)
        try:
            api_token_revoke(actor=request.actor, token=token)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("令牌已吊销。"))
        return redirect(reverse_lazy("accounts:api_tokens"))
