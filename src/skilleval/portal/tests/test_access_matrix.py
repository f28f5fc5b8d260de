"""The generated access matrix (issue 10, item 1).

One world per module: the demo data set (ten organisations in five provinces,
every stage of their life, made through the real services), plus the few role
users the demo lacks. Two tenants play "own" and "foreign": 合肥华晟 (Hefei city,
Anhui province) and 天津滨海 (Tianjin). For every entry of `access_matrix`:
- each role of the tenant that owns the object asks for it: the roles the entry
  names must get the page with the object's text, every other role a refusal;
- each allowed role of the other tenant / jurisdiction asks for the same object
  and must be refused (a list page must not show it);
- every refused POST leaves the audit trail (every write's trace) unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

from .access_matrix import (
    ADMIN,
    ANON,
    API,
    BANK,
    CAND,
    CITY,
    ENTRIES,
    EXAM,
    EXAMINER,
    PLAT,
    PROCTOR,
    PROV,
    ROLES,
    SUPER,
    WEB,
    E,
)

pytestmark = pytest.mark.django_db

HS, BH = "合肥华晟机械制造有限公司", "天津滨海石化装备有限公司"
OTHER = {HS: BH, BH: HS}
MISSING_PK = 987654
NO_OBJECT: set[str] = set()  # entries whose kind the demo has no object of
CASES: dict[str, int] = {}  # requests made per entry, for the summary line


@dataclass(frozen=True)
class Kind:
    """How to find a demo object of this kind for a tenant, build the URL kwargs
    that point at it and the text its page shows."""

    model: str
    org: str | None = None  # lookup path to the organisation (or its id)
    person: str | None = None  # lookup path to the person (the candidate's own record)
    kwargs: Callable[[Any], dict] = lambda o: {"pk": o.pk}
    marker: Callable[[Any], str] | None = str
    where: dict | None = None
    jur: str | None = None  # lookup path to the jurisdiction, for authority-owned rows


def _k(model: str, org: str | None = None, **kw) -> Kind:
    return Kind(model, org, **kw)


_name = lambda o: o.name  # noqa: E731
_code = lambda o: o.code  # noqa: E731
_ticket = lambda o: o.ticket_number  # noqa: E731
SESSION_ORG, ATTEMPT_ORG = "batch__organisation", "session__batch__organisation"

KINDS: dict[str, Kind] = {
    "org": _k("orgs.Organisation", "pk", marker=_name),
    "sanction": _k("orgs.Sanction", "organisation", marker=lambda o: o.organisation.name),
    "certificate_number": _k("certificates.Certificate", "organisation", kwargs=lambda o: {"number": o.number},
                             marker=lambda o: o.number),
    "visit_batch": _k("batches.Batch", "organisation", kwargs=lambda o: {"batch_pk": o.pk}, marker=_name,
                      where={"results__isnull": False}),
    "photo_attempt": _k("exams.Attempt", ATTEMPT_ORG, where={"application__photo__gt": ""}),
    "filing": _k("orgs.FilingApplication", "organisation", marker=lambda o: o.reference),
    "filing_line": _k("orgs.StaffMember", "application__organisation",
                      kwargs=lambda o: {"pk": o.application_id, "kind": "staff", "line_id": o.pk}),
    "attachment": _k("orgs.Attachment", "application__organisation"),
    "batch": _k("batches.Batch", "organisation", marker=_name, where={"status__in": ["plan_filed", "plan_confirmed"]}),
    "open_batch": _k("batches.Batch", "organisation", marker=_name, where={"status": "announced"}),
    "session_batch": _k("batches.Batch", "organisation", marker=_name, where={"exam_sessions__isnull": False}),
    "conflict_batch": _k("batches.Batch", "organisation", marker=_name, where={"staff_conflicts__isnull": False}),
    "result_batch": _k("batches.Batch", "organisation", marker=_name, where={"results__isnull": False}),
    "publicity_batch": _k("batches.Batch", "organisation", marker=_name, where={"publicity__isnull": False}),
    "batch_item": _k("batches.BatchItem", "batch__organisation", kwargs=lambda o: {"pk": o.batch_id, "item_id": o.pk}),
    "batch_staff": _k("batches.BatchStaff", "batch__organisation",
                      kwargs=lambda o: {"pk": o.batch_id, "member_id": o.pk}),
    "application": _k("batches.Application", "batch__organisation", person="person", marker=_name,
                      where={"batch__status__in": ["plan_filed", "plan_confirmed"]}),
    "token": _k("accounts.ApiToken", "user__memberships__organisation", marker=_name,
                where={"user__memberships__role": ADMIN}),
    "qitem": _k("exams.QuestionItem", "organisation", marker=_code),
    "ptask": _k("exams.PracticalTask", "organisation", marker=_code),
    "blueprint": _k("exams.Blueprint", "organisation", marker=_name),
    "paper": _k("exams.Paper", "blueprint__organisation", marker=lambda o: o.blueprint.name),
    "cbt_session": _k("exams.ExamSession", SESSION_ORG, marker=_name, where={"kind": "theory_cbt"}),
    "session": _k("exams.ExamSession", SESSION_ORG, marker=_name),
    "scored_session": _k("exams.ExamSession", SESSION_ORG, marker=_name, where={"attempts__score_sheet__isnull": False}),
    "answer": _k("exams.Answer", "attempt__session__batch__organisation"),
    "cbt_attempt": _k("exams.Attempt", ATTEMPT_ORG, marker=_ticket, where={"session__kind": "theory_cbt"}),
    "attempt": _k("exams.Attempt", ATTEMPT_ORG, person="application__person", marker=_ticket),
    "incident": _k("exams.ExamIncident", ATTEMPT_ORG),
    "record": _k("exams.SessionRecord", ATTEMPT_ORG, marker=lambda o: o.get_kind_display()),
    "media": _k("exams.SessionMedia", ATTEMPT_ORG, where={"file__gt": ""}),
    "site": _k("exams.ExamSite", "organisation", marker=_name),
    "room": _k("exams.ExamRoom", "site__organisation", marker=_name),
    "conflict": _k("exams.StaffConflict", "batch__organisation"),
    "assignment": _k("exams.StaffAssignment", ATTEMPT_ORG),
    "result": _k("results.Result", "batch__organisation", person="application__person",
                 marker=lambda o: o.application.name),
    "result_app": _k("results.Result", "batch__organisation", person="application__person",
                     kwargs=lambda o: {"pk": o.batch_id, "application_id": o.application_id}),
    "objection_batch": _k("results.Objection", "batch__organisation", kwargs=lambda o: {"pk": o.batch_id},
                          marker=lambda o: o.text),
    "objection": _k("results.Objection", "batch__organisation"),
    "report": _k("results.Report", "batch__organisation"),
    "sheet": _k("results.ScoreSheet", "batch__organisation"),
    "sheet_attempt": _k("results.ScoreSheet", "batch__organisation", kwargs=lambda o: {"pk": o.attempt_id},
                        marker=lambda o: o.attempt.application.name),
    "entry": _k("results.ScoreEntry", "sheet__batch__organisation"),
    "change": _k("results.ScoreChange", "entry__sheet__batch__organisation"),
    "certificate": _k("certificates.Certificate", "organisation", person="person", marker=lambda o: o.number),
    "certificate_copy": _k("certificates.CertificateCopy", "certificate__organisation", person="certificate__person",
                           kwargs=lambda o: {"pk": o.certificate_id, "revision": o.revision}),
    "reissue": _k("certificates.ReissueRequest", "certificate__organisation", person="certificate__person"),
    "plan": _k("supervision.InspectionPlan", jur="jurisdiction"),
    "inspection": _k("supervision.Inspection", "organisation", marker=lambda o: o.organisation.name),
    "photo": _k("supervision.InspectionPhoto", "inspection__organisation"),
    "inspector": _k("supervision.Inspector", jur="jurisdiction", marker=_name),
    "inspector_conflict": _k("supervision.InspectorConflict", "organisation"),
    "visit": _k("supervision.SupervisorVisit", "organisation"),
    "evaluation": _k("supervision.AnnualEvaluation", "organisation", marker=lambda o: o.organisation.name),
    "archive": _k("supervision.Archive", "organisation", kwargs=lambda o: {"pk": o.batch_id},
                  marker=lambda o: o.batch.name),
    "archive_entry": _k("supervision.ArchiveEntry", "archive__organisation"),
    "audit": _k("core.AuditEvent", "organisation_id", marker=lambda o: o.object_repr),
    "job": _k("core.Job", "created_by__memberships__organisation", marker=lambda o: o.title),
}

# Users the demo has; the world adds the rest under these names.
USERS = {
    HS: {ADMIN: "hs_admin", EXAM: "hs_exam", PROCTOR: "hs_proctor", EXAMINER: "hs_examiner",
         SUPER: "hs_supervisor", BANK: "mx_hs_bank", CITY: "hf_city", PROV: "ah_province", CAND: "zhaolei",
         PLAT: "admin"},
    BH: {ADMIN: "bh_admin", EXAM: "mx_bh_exam", PROCTOR: "bh_proctor", EXAMINER: "bh_examiner",
         SUPER: "bh_supervisor", BANK: "bh_bank", CITY: "tj_city", PROV: "mx_tj_province", CAND: "mx_bh_cand",
         PLAT: "admin"},
}


class World:
    def __init__(self) -> None:
        from skilleval.accounts.access import actor_for
        from skilleval.accounts.models import Role, User
        from skilleval.accounts.services import api_token_create
        from skilleval.accounts.tests.factories import make_user
        from skilleval.catalog.models import Jurisdiction
        from skilleval.orgs.models import Organisation

        hs, bh = Organisation.objects.get(name=HS), Organisation.objects.get(name=BH)
        tianjin = Jurisdiction.objects.get(name="天津市")
        self.orgs = {HS: hs, BH: bh}
        self.jurisdictions = {HS: hs.jurisdiction, BH: tianjin}
        make_user(Role.QUESTION_BANK, organisation=hs, username="mx_hs_bank")
        make_user(Role.EXAM_AFFAIRS, organisation=bh, username="mx_bh_exam")
        make_user(Role.AUTHORITY, jurisdiction=tianjin, username="mx_tj_province")
        make_user(candidate=True, organisation=bh, username="mx_bh_cand", full_name="滨海考生")
        self.clients: dict[str, Client] = {}
        self.tokens: dict[str, str] = {}
        for user in User.objects.filter(is_active=True):  # every demo login, candidates included
            client = Client()
            client.force_login(user)
            self.clients[user.username] = client
            _token, self.tokens[user.username] = api_token_create(actor=actor_for(user), name=f"矩阵 {user.username}")
        self.anonymous = Client()
        self._add_rows_the_demo_lacks()
        self.cache: dict[str, tuple[str, Any]] = {}

    def _add_rows_the_demo_lacks(self) -> None:
        """A background job with its output file, and a certificate holder's reissue request."""
        from django.core.files.base import ContentFile

        from skilleval.accounts.access import actor_for
        from skilleval.accounts.models import User
        from skilleval.certificates.models import Certificate
        from skilleval.certificates.services import reissue_request_submit
        from skilleval.core.errors import DomainError
        from skilleval.core.jobs import job_create

        admin = User.objects.get(username=USERS[HS][ADMIN])
        job = job_create(actor=actor_for(admin), kind="matrix", title="矩阵测试任务", organisation_id=self.orgs[HS].pk)
        job.output_file.save("matrix.txt", ContentFile("矩阵测试".encode()))
        for certificate in Certificate.objects.filter(organisation=self.orgs[HS], person__user__isnull=False):
            try:
                reissue_request_submit(actor=actor_for(certificate.person.user), certificate=certificate,
                                       kind="reissue", reason="证书遗失，申请补办")
                break
            except DomainError:
                continue

    def object(self, kind: str) -> tuple[str, Any]:
        """The object of this kind: 合肥华晟's if it has one (the candidate's own when
        the kind belongs to a person), else 天津滨海's."""
        if kind not in self.cache:
            spec = KINDS[kind]
            model = apps.get_model(spec.model)
            found = None
            for tenant in (HS, BH):
                if spec.jur:
                    qs = model.objects.filter(**{spec.jur: self.jurisdictions[tenant]})
                else:
                    org = self.orgs[tenant]
                    qs = model.objects.filter(**{spec.org: org.pk if spec.org.endswith(("_id", "pk")) else org})
                qs = qs.filter(**(spec.where or {})).order_by("pk")
                if spec.person:
                    qs = qs.filter(**{f"{spec.person}__user__isnull": False})
                if (found := qs.first()) is not None:
                    break
            self.cache[kind] = (tenant if found else HS, found)
        return self.cache[kind]

    def username(self, tenant: str, role: str, obj: Any, kind: str | None) -> str:
        if role == CAND and kind and KINDS[kind].person and obj is not None:
            person = obj
            for part in KINDS[kind].person.split("__"):
                person = getattr(person, part)
            return person.user.username
        return USERS[tenant][role]


@pytest.fixture(scope="module")
def world(request, django_db_setup, django_db_blocker):
    from skilleval.portal.demo import demo_load

    with django_db_blocker.unblock():
        demo_load()
        yield World()
        call_command("flush", interactive=False, verbosity=0)
    if CASES:  # the figure for the README, printed whatever pytest captures
        web = sum(1 for k in CASES if k in WEB)
        with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
            print(f"\naccess matrix: {web} URL names + {len(CASES) - web} API operations x {len(ROLES)} roles, "
                  f"own and foreign objects: {sum(CASES.values())} requests; no demo object (refusals only): "
                  f"{', '.join(sorted(NO_OBJECT)) or '-'}")


# --- what exists ------------------------------------------------------------------------------------------------

def _url_names(patterns, namespace: str | None = None) -> dict[str, str]:
    names: dict[str, str] = {}
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in ("admin", "api"):
                continue
            names.update(_url_names(p.url_patterns, p.namespace or namespace))
        elif isinstance(p, URLPattern) and p.name:
            names[f"{namespace}:{p.name}" if namespace else p.name] = str(p.pattern)
    return names


def _api_operations() -> dict[str, str]:
    from skilleval.api.api import api

    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}": path for path, methods in schema["paths"].items() for method in methods}


def test_every_url_and_api_operation_has_an_entry():
    """A new URL or API operation without an entry in `access_matrix` fails here, by name."""
    urls, operations = _url_names(get_resolver().url_patterns), _api_operations()
    missing = sorted(set(urls) - set(WEB)) + sorted(set(operations) - set(API))
    stale = sorted(set(WEB) - set(urls)) + sorted(set(API) - set(operations))
    assert not missing, "access_matrix.py 缺少这些 URL / API 操作的条目：\n" + "\n".join(missing)
    assert not stale, "access_matrix.py 中这些条目已没有对应的 URL / API 操作：\n" + "\n".join(stale)
    print(f"\naccess matrix: {len(WEB)} URL names + {len(API)} API operations, {len(ROLES)} roles")


# --- the checks -------------------------------------------------------------------------------------------------

def _audit_count() -> int:
    from skilleval.core.models import AuditEvent

    return AuditEvent.objects.count()


def _refused(response, role: str, api: bool) -> bool:
    if role == ANON:
        if api:
            return response.status_code == 401
        return response.status_code in (403, 404) or (
            response.status_code == 302 and response["Location"].startswith("/accounts/login"))
    return response.status_code in (403, 404) or (api and response.status_code == 422)


def _refused_with_message(response, role: str, method: str, audit_before: int) -> bool:
    """A signed-in user of the object's own organisation whose POST the service refuses
    (a DomainError) is sent back to the page with the reason; nothing was written."""
    return (method != "get" and role != ANON and response.status_code in (302, 400)
            and _audit_count() == audit_before)


def _path(key: str, entry: E, kwargs: dict) -> tuple[str, bool]:
    if key in API:
        path = key.split(" ", 1)[1]
        params = re.findall(r"{(\w+)}", path)
        values = dict(kwargs)
        for i, name in enumerate(params):
            value = entry.args.get(name) or values.get(name) or (values.pop("pk", None) if i == 0 else None)
            path = path.replace("{" + name + "}", str(value))
        return path, True
    return reverse(key, kwargs={k: v for k, v in kwargs.items()}), False


def _call(world: World, username: str | None, method: str, path: str, api: bool):
    if api:
        client = world.anonymous
        headers = {"Authorization": f"Bearer {world.tokens[username]}"} if username else {}
        if method == "get":
            return client.get(path, headers=headers)
        return client.generic(method.upper(), path, "{}", content_type="application/json", headers=headers)
    client = world.clients[username] if username else world.anonymous
    return getattr(client, method)(path)


def _shows(response, marker: str) -> bool:
    if response.get("Content-Type", "").startswith("application/json"):
        return marker in json.dumps(response.json(), ensure_ascii=False)
    return marker in response.content.decode("utf-8", "replace")


def _run_entry(world: World, key: str, entry: E) -> tuple[list[str], int]:
    problems: list[str] = []
    cases = 0
    tenant, obj = world.object(entry.kind) if entry.kind else (HS, None)
    api = key in API
    pattern = key if api else _url_names(get_resolver().url_patterns)[key]
    if entry.kind and obj is None:  # the demo has none: only the refusals can be checked
        NO_OBJECT.add(key)
        kwargs = {name: MISSING_PK for name in re.findall(r"<int:(\w+)>|{(\w+)}", pattern) for name in name if name}
    else:
        kwargs = KINDS[entry.kind].kwargs(obj) if entry.kind else {}
    if not api:  # keep only what the pattern takes
        kwargs = {k: v for k, v in {**kwargs, **entry.args}.items() if f":{k}>" in pattern or f"<{k}>" in pattern}
    path, api = _path(key, entry, kwargs)
    path += f"?{entry.query}" if entry.query else ""
    is_list = entry.listing if entry.listing is not None else entry.kind is not None and not re.search(r"<|{", _url_names(get_resolver().url_patterns).get(key, "")
                                                       if not api else key)
    marker = KINDS[entry.kind].marker(obj) if entry.kind and KINDS[entry.kind].marker else None

    write = key.split(" ", 1)[0].lower() if api and not key.startswith("GET ") else "post"
    for method, allowed in (("get", entry.get), (write, entry.post)):
        if allowed is None:
            continue
        for role in ROLES:
            username = None if role == ANON else world.username(tenant, role, obj, entry.kind)
            if role in allowed and (method != "get" or (entry.kind and obj is None)):
                continue  # allowed writes are the apps' own tests; here only refusals are exercised
            cases += 1
            before = _audit_count() if method != "get" else 0
            response = _call(world, username, method, path, api)
            if role in entry.blind:
                if response.status_code == 200 and marker and _shows(response, marker):
                    problems.append(f"GET {path} as {role} ({username}): shows «{marker}» it may not see")
            elif role in allowed:
                if response.status_code not in entry.ok:
                    problems.append(f"{method.upper()} {path} as {role} ({username}): expected {entry.ok}, got "
                                    f"{response.status_code}")
                elif entry.shows and marker and not api and not _shows(response, marker):
                    problems.append(f"{method.upper()} {path} as {role} ({username}): 200 but «{marker}» not shown")
            elif not _refused(response, role, api) and not _refused_with_message(response, role, method, before):
                problems.append(f"{method.upper()} {path} as {role} ({username}): expected refusal, got "
                                f"{response.status_code}")
            if method != "get" and role not in allowed and _audit_count() != before:
                problems.append(f"POST {path} as {role} ({username}) was refused but wrote to the audit trail")
        if entry.public or not entry.kind or obj is None:
            continue
        # the other tenant / jurisdiction, same roles
        for role in sorted((allowed | entry.blind) - {ANON, PLAT}):
            username = USERS[OTHER[tenant]][role]
            cases += 1
            before = _audit_count() if method != "get" else 0
            response = _call(world, username, method, path, api)
            if is_list and method == "get":
                if response.status_code == 200 and marker and _shows(response, marker):
                    problems.append(f"GET {path} as foreign {role} ({username}): shows «{marker}» of {tenant}")
            elif not _refused(response, role, api):
                problems.append(f"{method.upper()} {path} as foreign {role} ({username}): expected refusal, got "
                                f"{response.status_code}")
            if method != "get" and _audit_count() != before:
                problems.append(f"POST {path} as foreign {role} ({username}) wrote to the audit trail")
    return problems, cases


@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_access(world, key):
    problems, cases = _run_entry(world, key, ENTRIES[key])
    CASES[key] = cases
    assert not problems, f"{key}: {len(problems)} of {cases} cases wrong\n" + "\n".join(problems)
