"""The optional second factor (TOTP) of authority staff and organisation admins."""

import re
import time

import pytest
from django.test import override_settings
from django.urls import reverse

from skilleval.accounts import totp
from skilleval.accounts.models import Role, User
from skilleval.accounts.tests.factories import PASSWORD, make_user
from skilleval.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_codes_match_the_rfc_6238_reference_values():
    # RFC 6238 appendix B, SHA-1, secret "12345678901234567890", 8 digits truncated to our 6.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    for at, expected in ((59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")):
        assert totp.code_at(secret, totp.step_of(at)) == expected
    assert totp.matching_step(secret, "287082", at=59 + 30) == 1  # one step of clock drift is accepted
    assert totp.matching_step(secret, "287082", at=59 + 90) is None
    assert totp.matching_step(secret, "28708x", at=59) is None


def enable_for(client, user) -> str:
    client.force_login(user)
    client.post(reverse("accounts:security"), {"action": "begin"})
    page = client.get(reverse("accounts:security")).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "<svg" in page  # the QR code to scan
    wrong = client.post(reverse("accounts:security"), {"action": "enable", "code": "000000"}).content.decode()
    assert "动态口令不正确" in wrong or totp.code_at(secret, totp.step_of()) == "000000"
    client.post(reverse("accounts:security"), {"action": "enable", "code": totp.code_at(secret, totp.step_of())})
    client.logout()
    return secret


def test_an_authority_enables_the_second_factor_and_then_needs_it_to_sign_in(client, jurisdictions):
    user = make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"], username="hf_officer")
    secret = enable_for(client, user)
    user.refresh_from_db()
    assert user.second_factor_enabled
    assert AuditEvent.objects.filter(object_repr="hf_officer", summary__contains="启用登录动态口令").exists()

    response = client.post(reverse("accounts:login"), {"username": "hf_officer", "password": PASSWORD})
    assert response["Location"] == reverse("accounts:login_code")
    assert client.get(reverse("portal:home")).status_code == 302  # not signed in by the password alone
    page = client.post(reverse("accounts:login_code"), {"code": "12345"}).content.decode()
    assert "动态口令不正确" in page
    # A code used once cannot be replayed: wait for a step later than the one used to enable.
    code = totp.code_at(secret, totp.step_of() + 1)
    response = client.post(reverse("accounts:login_code"), {"code": code})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    client.logout()
    client.post(reverse("accounts:login"), {"username": "hf_officer", "password": PASSWORD})
    replay = client.post(reverse("accounts:login_code"), {"code": code}).content.decode()
    assert "已使用过" in replay
    assert User.objects.get(pk=user.pk).failed_login_count == 1  # reset by the good login, then the replay


@override_settings(SKILLEVAL_LOGIN_MAX_FAILURES=3)
def test_wrong_codes_lock_the_account_like_wrong_passwords(client, orgs):
    user = make_user(Role.ORG_ADMIN, organisation=orgs["hefei"], username="org_boss")
    enable_for(client, user)
    client.post(reverse("accounts:login"), {"username": "org_boss", "password": PASSWORD})
    for _ in range(2):
        client.post(reverse("accounts:login_code"), {"code": "999999"})
    response = client.post(reverse("accounts:login_code"), {"code": "999999"}, follow=True)
    assert "账号已锁定" in response.content.decode()
    assert User.objects.get(pk=user.pk).is_locked()


def test_disabling_needs_the_password_and_candidates_are_not_offered_it(client, orgs, jurisdictions):
    user = make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"], username="hf_two")
    enable_for(client, user)
    client.force_login(user)
    page = client.post(reverse("accounts:security"), {"action": "disable", "password": "wrong"}).content.decode()
    assert "密码不正确" in page and User.objects.get(pk=user.pk).second_factor_enabled
    client.post(reverse("accounts:security"), {"action": "disable", "password": PASSWORD})
    assert not User.objects.get(pk=user.pk).second_factor_enabled
    worker = make_user(candidate=True, username="worker1")
    client.force_login(worker)
    client.post(reverse("accounts:security"), {"action": "begin"})
    assert "无需设置" in client.get(reverse("accounts:security")).content.decode()
    assert User.objects.get(pk=worker.pk).totp_secret == ""


def test_a_half_finished_login_expires(client, jurisdictions):
    user = make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"], username="hf_three")
    secret = enable_for(client, user)
    client.post(reverse("accounts:login"), {"username": "hf_three", "password": PASSWORD})
    session = client.session
    session["login_pending_since"] = int(time.time()) - 301
    session.save()
    response = client.post(reverse("accounts:login_code"), {"code": totp.code_at(secret, totp.step_of() + 1)},
                           follow=True)
    assert "登录已超时" in response.content.decode()
    assert client.get(reverse("portal:home")).status_code == 302
