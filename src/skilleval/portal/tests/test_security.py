"""Cross-site request forgery and security headers across the whole site."""

import re

import pytest
from django.test import Client
from django.urls import get_resolver

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import PASSWORD, make_user

from .test_views import _walk

pytestmark = pytest.mark.django_db


def _concrete(route: str) -> str:
    route = re.sub(r"<int:\w+>", "1", route)
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "x", route)


def test_every_form_refuses_a_post_without_the_csrf_token(reference):
    """Whatever the page, a POST that does not carry the token (a forged form on another
    site) is refused before the view runs, for a signed-in user and for anyone."""
    admin = make_user(Role.PLATFORM_ADMIN, username="csrf_admin")
    signed_in, anonymous = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    signed_in.force_login(admin)
    checked = 0
    for route, _callback in _walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/")) or route in ("", "healthz"):
            continue
        path = _concrete(route)
        for client in (signed_in, anonymous):
            response = client.post(path, {"name": "forged"})
            assert response.status_code == 403, f"{path} accepted a POST without the CSRF token"
            checked += 1
    assert checked > 100


def test_pages_carry_the_security_headers(client, reference):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    make_user(username="cookie_user")
    login = Client().post("/accounts/login/", {"username": "cookie_user", "password": PASSWORD})
    cookie = login.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["expires"]  # ends with the browser
