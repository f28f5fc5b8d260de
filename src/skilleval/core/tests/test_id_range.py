"""An identifier too large for any database column is simply a record that does not
exist: the API and the pages answer 404 with a message, never a server error."""

import pytest

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user

pytestmark = pytest.mark.django_db

HUGE = "16415092047491069250902163456"


def test_api_answers_not_found_for_an_id_no_column_can_hold(client, orgs):
    client.force_login(make_user(Role.ORG_ADMIN, organisation=orgs["hefei"], username="range_admin"))
    response = client.get(f"/api/v1/results/batches/{HUGE}/objections")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到该记录，或您无权查看。"


def test_page_answers_not_found_for_an_id_no_column_can_hold(client, orgs):
    client.force_login(make_user(Role.ORG_ADMIN, organisation=orgs["hefei"], username="range_admin"))
    response = client.get(f"/batches/{HUGE}/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_largest_storable_id_still_reaches_the_view(client, orgs):
    client.force_login(make_user(Role.ORG_ADMIN, organisation=orgs["hefei"], username="range_admin"))
    response = client.get(f"/api/v1/results/batches/{2**63 - 1}/objections")
    # No such batch: the view itself answers (an empty list of objections it may see).
    assert response.status_code == 200
    assert response.json() == []
