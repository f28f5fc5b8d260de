import pytest
from django.test import override_settings
from django.urls import reverse

from skilleval.accounts.models import Role, User
from skilleval.accounts.tests.factories import PASSWORD, make_user
from skilleval.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_lands_on_the_role_home_page(client, orgs):
    make_user(Role.ORG_ADMIN, organisation=orgs["hefei"], username="orgadmin", full_name="王海燕")
    response = login(client, "orgadmin", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    page = client.get(reverse("portal:home")).content.decode()
    assert "王海燕，您好" in page and orgs["hefei"].name in page and "暂无认定批次" in page
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, object_repr="orgadmin").exists()


def test_wrong_password_says_so_in_chinese(client, reference):
    make_user(username="someone")
    response = login(client, "someone", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert User.objects.get(username="someone").failed_login_count == 1


@override_settings(SKILLEVAL_LOGIN_MAX_FAILURES=3, SKILLEVAL_LOGIN_LOCK_MINUTES=15)
def test_account_locks_after_repeated_failures_even_for_the_right_password(client, reference):
    make_user(username="target")
    for _ in range(2):
        login(client, "target", "bad")
    response = login(client, "target", "bad")
    assert "账号已锁定" in response.content.decode()
    response = login(client, "target", PASSWORD)
    assert "账号已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED).count() == 1
    # Once the lock has passed, the right password works and clears the counter.
    User.objects.filter(username="target").update(locked_until=None)
    assert login(client, "target", PASSWORD).status_code == 302


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(reference):
    user = make_user(username="hashme")
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


def test_password_change_checks_the_old_password_and_keeps_the_session(client, reference):
    user = make_user(username="changer")
    client.force_login(user)
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": "nope", "new_password1": "Xinmima#2026", "new_password2": "Xinmima#2026"})
    assert "原密码不正确" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200 and "new_password1" in response.context["form"].errors
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": PASSWORD, "new_password1": "Xinmima#2026", "new_password2": "Xinmima#2026"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Xinmima#2026")
    assert client.get(reverse("portal:home")).status_code == 200


def test_logout_needs_post_and_ends_the_session(client, reference):
    client.force_login(make_user(username="leaver"))
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
