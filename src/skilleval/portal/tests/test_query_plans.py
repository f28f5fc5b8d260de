"""Query plans at a realistic size (issue 9 item 5), PostgreSQL only (the `postgresql`
marker: deselected with a printed reason in SQLite runs, run in CI's PostgreSQL run).

A synthetic jurisdiction of 100 organisations, 12,000 candidates and 60,000 certificates
is written (COPY) and ANALYZEd; then the public query (by number, by name + ID number),
the organisation's and the authority's certificate registers searched by number, name
and ID number, and a batch's application search run as real requests or selector calls.
Every SELECT they issue is EXPLAINed (FORMAT JSON) as captured, and none may read a big
table with a sequential scan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches.models import Application
from skilleval.certificates import selectors
from skilleval.certificates.models import Certificate
from skilleval.portal.synthetic import Sizes, synthesize

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

BIG_TABLES = {"certificates_certificate", "accounts_person", "batches_application", "results_result"}


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def seq_scans(action: Callable[[], Any]) -> tuple[Any, list[str]]:
    """Run `action`, EXPLAIN every SELECT it issued; its result and the big tables read by Seq Scan."""
    with CaptureQueriesContext(connection) as captured:
        result = action()
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert selects, "the action issued no SELECT"
    found = []
    with connection.cursor() as cursor:
        for sql in selects:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = plan[0]["Plan"] if isinstance(plan, list) else plan
            for node in plan_nodes(plan):
                if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in BIG_TABLES:
                    found.append(f"Seq Scan on {node['Relation Name']} in: {sql[:300]}")
    return result, found


@pytest.fixture
def jurisdiction_at_scale(reference):
    synthesize(sizes=Sizes(organisations=100, candidates=12_000, certificates=60_000), seed=9)
    assert Certificate.objects.count() == 60_000
    organisation_id = (Certificate.objects.values("organisation_id").order_by().annotate(n=Count("id"))
                       .order_by("-n")[0]["organisation_id"])
    sample = Certificate.objects.filter(organisation_id=organisation_id).order_by("pk")[500]
    return sample


def test_public_query_uses_indexes(jurisdiction_at_scale):
    sample = jurisdiction_at_scale
    answer, scans = seq_scans(partial(selectors.public_answer_by_number, sample.number))
    assert not scans
    assert answer is not None  # what the visitor sees: the certificate found by its number
    assert not seq_scans(partial(selectors.certificate_public_by_number, sample.number))[1]
    rows, scans = seq_scans(partial(selectors.public_rows_by_identity, name=sample.name, id_number=sample.id_number))
    assert not scans
    assert rows  # found by name and ID number
    assert not seq_scans(partial(selectors.certificates_public_by_identity, name=sample.name,
                                 id_number=sample.id_number))[1]


def test_certificate_register_searches_use_indexes(jurisdiction_at_scale):
    sample = jurisdiction_at_scale
    organisation = sample.organisation
    searches = {"number": {"q": sample.number}, "number prefix": {"q": sample.number[:18]},
                "name": {"q": sample.name}, "ID number": {"id_number": sample.id_number}}
    for role, user in (("org_admin", make_user(Role.ORG_ADMIN, organisation=organisation)),
                       ("authority", make_user(Role.AUTHORITY, jurisdiction=organisation.jurisdiction))):
        client = Client()
        client.force_login(user)
        for label, params in searches.items():
            response, scans = seq_scans(partial(client.get, "/certificates/register/", params))
            assert response.status_code == 200
            assert not scans, f"{role} register search by {label}:\n" + "\n".join(scans)
        # The search by number finds the certificate on the page.
        assert sample.number in client.get("/certificates/register/", {"q": sample.number}).content.decode()


def test_application_search_uses_indexes(jurisdiction_at_scale):
    application = Application.objects.filter(status=Application.Status.ACCEPTED).order_by("pk").first()
    assert application is not None
    client = Client()
    client.force_login(make_user(Role.ORG_ADMIN, organisation=application.batch.organisation))
    path = f"/batches/{application.batch_id}/applications/"
    for params in ({"q": application.name}, {"q": application.number[-6:]}, {"status": "accepted"}):
        response, scans = seq_scans(partial(client.get, path, params))
        assert response.status_code == 200
        assert not scans, f"application search {params}:\n" + "\n".join(scans)
    assert application.number in client.get(path, {"q": application.name}).content.decode()
