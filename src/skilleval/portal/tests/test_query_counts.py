"""N+1 guard (issue 9 item 5): every page and API endpoint reachable with GET and no URL
argument is opened by each role, once over a small tenant and once over a larger one
(ten times the candidates, batches, applications, results, certificates, audit
lines and notifications, written by the synthetic-jurisdiction generator and the real
audit/notification services). A page whose query count grows with the rows it shows
fails, named with both counts.

The pages come from the URL conf, so a new list page is covered without editing this
file. Pages that end a session or drive the candidate's exam (sign-out, logout, the
computer-based exam's own steps) are left out; see SKIP."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from skilleval.accounts.models import Person, Role
from skilleval.accounts.tests.factories import make_user
from skilleval.core.audit import audit_record
from skilleval.core.models import AuditEvent
from skilleval.core.notifications import notify
from skilleval.orgs.models import Organisation
from skilleval.portal.synthetic import Sizes, synthesize

# Route names (namespace:name) never opened: they end the session or change state on GET.
SKIP = {"accounts:logout", "exams:cbt_sign_out", "exams:cbt_start", "exams:cbt_save", "exams:cbt_submit",
        "exams:cbt_exam", "api:cbt_attempt", "api:cbt_questions", "api:openapi-view", "api:openapi-json",
        "portal:health", "certificates:keys"}
# Extra queries tolerated between the small and the large tenant: a branch a larger data
# set happens to reach (one more section on the page), not a query per row.
TOLERANCE = 2
SMALL, LARGE = 4, 40  # candidates and certificates; 2 and 6 batches (about 2 and 10 applications each)
ROLES = ("platform_admin", "authority", "org_admin", "exam_affairs", "candidate")


BATCH_PAGE = "<int:pk>"


def argument_free_routes() -> list[tuple[str, str]]:
    """(path, namespace:name) of every URL pattern without arguments, API included, and
    of the batch pages (a route whose only argument is a batch's pk: `batches/<int:pk>/…`,
    `results/batches/<int:pk>/…`, `certificates/issue/<int:pk>/`), with `<int:pk>` left
    in the path for the tenant's busiest batch."""
    routes: list[tuple[str, str]] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                if inner != "admin":
                    walk(pattern, text, inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                arguments = pattern.pattern.regex.groupindex.keys()
                batch_page = (list(arguments) == ["pk"] and text.count("<") == 1
                              and any(f"{stem}/{BATCH_PAGE}" in text for stem in ("batches", "issue")))
                if name not in SKIP and (not pattern.pattern.regex.groups or batch_page):
                    routes.append(("/" + text.lstrip("^").rstrip("$"), name))

    walk(get_resolver(), "", "")
    return sorted(set(routes))


@dataclass
class Tenant:
    organisation: Organisation
    users: dict[str, object]
    batch_id: int


def tenant(rows: int, batches: int, neighbours: int, *, append: bool) -> Tenant:
    """One more synthetic organisation with `rows` candidates and certificates and
    `batches` batches (one at each stage in turn, from a confirmed one), its users, `rows`
    audit lines and notifications, and `neighbours` other organisations (the lists of
    organisations grow too)."""
    synthesize(sizes=Sizes(organisations=1, candidates=rows, certificates=rows, batches_per_organisation=batches),
               seed=rows, append=append)
    organisation = Organisation.objects.order_by("-pk").first()
    assert organisation is not None
    synthesize(sizes=Sizes(organisations=neighbours, candidates=neighbours, certificates=0), seed=rows + 1,
               append=True)
    batch = organisation.batches.filter(status="plan_confirmed").order_by("pk").first()
    assert batch is not None
    users = {
        "platform_admin": make_user(Role.PLATFORM_ADMIN),
        "authority": make_user(Role.AUTHORITY, jurisdiction=organisation.jurisdiction),
        "org_admin": make_user(Role.ORG_ADMIN, organisation=organisation),
        "exam_affairs": make_user(Role.EXAM_AFFAIRS, organisation=organisation),
        "candidate": make_user(),
    }
    holder = Person.objects.filter(organisation=organisation, certificates__isnull=False).order_by("pk").first()
    assert holder is not None
    Person.objects.filter(pk=holder.pk).update(user=users["candidate"])
    for n in range(rows):
        audit_record(actor=users["org_admin"], action=AuditEvent.Action.UPDATE, obj=organisation,
                     summary=f"合成操作 {n}")
        notify(title=f"合成通知 {n}", organisation_id=organisation.pk)
        notify(title=f"合成通知 {n}", jurisdiction_id=organisation.jurisdiction_id)
        notify(title=f"合成通知 {n}", user=users["candidate"])
    return Tenant(organisation, users, batch.pk)


def query_counts(tenant: Tenant, routes: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for role in ROLES:
        client = Client()
        client.force_login(tenant.users[role])
        for route, name in routes:
            path = route.replace(BATCH_PAGE, str(tenant.batch_id))
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            if response.status_code == 200:
                counts[(role, f"{route} ({name})")] = len(captured)
    return counts


@pytest.mark.django_db
def test_no_page_issues_a_query_per_row(reference):
    routes = argument_free_routes()
    assert len(routes) > 60, "the URL conf walk found too few pages"
    small = query_counts(tenant(SMALL, 2, 1, append=False), routes)
    large = query_counts(tenant(LARGE, 6, 12, append=True), routes)

    grown = {key: (small[key], large[key]) for key in small.keys() & large.keys()
             if large[key] - small[key] > TOLERANCE}
    report = "\n".join(f"{role:15} {page}: {a} queries with {SMALL} rows, {b} with {LARGE}"
                       for (role, page), (a, b) in sorted(grown.items()))
    assert not grown, f"query count grows with the rows shown (N+1):\n{report}"
    # The walk reached the list pages of every area as the roles that use them.
    opened = {page for _role, page in small.keys() & large.keys()}
    for page in ("/batches/ (batches:batch_list)", "/certificates/register/ (certificates:register)",
                 "/api/v1/certificates (api:register)", "/audit/ (portal:audit_log)",
                 "/orgs/organisations/ (orgs:organisation_list)", "/supervision/statistics/ (supervision:statistics)",
                 "/batches/<int:pk>/applications/ (batches:application_list)",
                 "/results/batches/<int:pk>/results/ (results:result_list)"):
        assert page in opened, f"{page} was not opened by any role"


@pytest.mark.django_db
def test_profiles_in_force_are_those_each_jurisdiction_looks_up(jurisdictions):
    """The one-query resolver behind the organisation lists' flags (the fix of their N+1)."""
    from skilleval.catalog.selectors import policy_profiles_in_force

    in_force = policy_profiles_in_force()
    for jurisdiction in jurisdictions.values():
        assert in_force(jurisdiction) == jurisdiction.policy_profile(), jurisdiction.name
    # A city with its own profile, one with its province's, one with the national default.
    assert in_force(jurisdictions["蚌埠市"]).key == "bengbu"
    assert in_force(jurisdictions["济南市"]).key == "shandong"
    assert in_force(jurisdictions["武汉市"]).key == "national"
