"""Every API list pages with bounds: an absurd page number is a 422, never an OFFSET overflow."""

import pytest

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user

pytestmark = pytest.mark.django_db
def test_an_absurd_page_number_is_refused_not_a_server_error(client, reference):
    client.force_login(make_user(Role.PLATFORM_ADMIN, username="page_admin"))
    for url in ("/api/v1/audit-events", "/api/v1/orgs/applications", "/api/v1/supervision/archives/ledger"):
        r = client.get(url + "?page=100000000000000000000")
        assert r.status_code == 422, (url, r.status_code, r.content[:200])
