from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from skilleval.core.errors import DomainError
from skilleval.core.views import ActorView, apply_domain_error

from .access import Perm, get_scoped_or_404
from .forms import ApiTokenForm, LoginForm, PasswordChangeForm, client_ip
from .selectors import api_tokens_of
from .services import api_token_create, api_token_revoke, logged_out, login_succeeded, user_change_password


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        login(self.request, form.get_user())
        login_succeeded(user=form.get_user(), ip_address=client_ip(self.request))
        return redirect(self.get_success_url())


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
