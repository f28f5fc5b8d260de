"""Schemathesis fuzzes every REST operation from the OpenAPI schema, as an anonymous
client and as a signed-in organisation admin: whatever it sends, the API answers
with a 4xx and a message, never a server error. Bounded example counts keep CI fast and
the examples are derandomised so CI is reproducible; raise SKILLEVAL_FUZZ_EXAMPLES for a
longer run and set SKILLEVAL_FUZZ_RANDOM=1 to explore new inputs each run."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.services import api_token_create
from skilleval.accounts.tests.factories import make_user
from skilleval.config.wsgi import application

EXAMPLES = int(os.environ.get("SKILLEVAL_FUZZ_EXAMPLES", "6"))
RANDOM = os.environ.get("SKILLEVAL_FUZZ_RANDOM") == "1"
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Like Django's test client: a request must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(orgs):
    user = make_user(Role.ORG_ADMIN, organisation=orgs["hefei"], username="fuzz_admin")
    _, key = api_token_create(actor=actor_for(user), name="fuzz")
    return key


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case, token):
    case.call_and_validate(checks=[not_a_server_error])
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])
