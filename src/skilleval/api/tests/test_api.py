import pytest
from django.test import Client

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.services import api_token_create, api_token_revoke
from skilleval.accounts.tests.factories import make_user
from skilleval.core.services import record_save

pytestmark = pytest.mark.django_db


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_anonymous_requests_are_refused_in_chinese(client, reference):
    response = client.get("/api/v1/catalog/levels")
    assert response.status_code == 401
    assert "请先登录" in response.json()["detail"]


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "skilleval API"
    assert "/api/v1/workdays/add" in schema["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "swagger" in docs.lower() and "cdn" not in docs.lower()


def test_token_auth_reads_reference_data_and_revocation_stops_it(reference):
    user = make_user(username="script")
    actor = actor_for(user)
    token, key = api_token_create(actor=actor, name="人事系统同步")
    client = Client()
    levels = client.get("/api/v1/catalog/levels", **bearer(key)).json()
    assert [lv["name"] for lv in levels if lv["is_certificate_level"]] == ["五级", "四级", "三级", "二级", "一级"]
    me = client.get("/api/v1/me", **bearer(key)).json()
    assert me["username"] == "script"
    api_token_revoke(actor=actor, token=token)
    assert client.get("/api/v1/me", **bearer(key)).status_code == 401
    assert client.get("/api/v1/me", **bearer("sk_forged")).status_code == 401


def test_browser_session_is_accepted(reference):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(username="browser"))
    assert client.get("/api/v1/me").json()["username"] == "browser"


def test_occupations_are_filtered_and_paginated(client, reference):
    client.force_login(make_user(username="reader"))
    data = client.get("/api/v1/catalog/occupations", {"q": "工", "evaluable": "false"}).json()
    codes = {o["code"] for o in data["items"]}
    assert "6-18-02-04" in codes  # 焊工 is access-type
    assert all(not o["can_self_evaluate"] for o in data["items"])
    work_types = client.get("/api/v1/catalog/occupations/6-31-01-03/work-types").json()
    assert {w["name"] for w in work_types} == {"维修电工", "配电线路电工"}
    assert client.get("/api/v1/catalog/occupations/9-99-99-99/work-types").status_code == 404


def test_policy_profiles_expose_every_number(client, reference):
    client.force_login(make_user(username="reader"))
    profiles = {p["key"]: p for p in client.get("/api/v1/catalog/policy-profiles").json()}
    assert profiles["bengbu"]["publicity_days"] == 7
    assert profiles["bengbu"]["jurisdiction_code"] == "340300"
    assert profiles["tianjin"]["report_deadline_anchor"] == "evaluation_end"


def test_workdays_endpoint_and_bad_input(client, reference):
    client.force_login(make_user(username="clerk"))
    data = client.get("/api/v1/workdays/add", {"start": "2026-09-25", "days": 10}).json()
    assert data["date"] == "2026-10-15" and data["provisional"] is False
    data = client.get("/api/v1/workdays/add", {"start": "2027-03-01", "days": 3}).json()
    assert data["provisional"] is True and data["unconfirmed_years"] == [2027]
    bad = client.get("/api/v1/workdays/add", {"start": "2026-02-30", "days": 10})
    assert bad.status_code == 422 and "请求参数不正确" in bad.json()["detail"]
    assert client.get("/api/v1/workdays/add", {"start": "2026-01-01", "days": 999999}).status_code == 422
    assert client.get("/api/v1/workdays/between", {"start": "2026-09-25", "end": "2026-10-15"}).json()[
        "working_days"] == 10


def test_validators_endpoints(client, reference):
    client.force_login(make_user(username="clerk"))
    ok = client.get("/api/v1/validate/id-number", {"value": "11010519491231002X"}).json()
    assert ok == {"valid": True, "message": "号码有效。", "birth_date": "1949-12-31", "sex": "F"}
    bad = client.get("/api/v1/validate/id-number", {"value": "110105194912310021"}).json()
    assert bad["valid"] is False and "校验位" in bad["message"]
    assert client.get("/api/v1/validate/uscc", {"value": "91350100M000100Y43"}).json()["valid"] is True


def test_audit_events_are_scoped_and_denied_to_roles_without_the_permission(orgs, jurisdictions):
    admin = make_user(Role.PLATFORM_ADMIN)
    for key in ("hefei", "qingdao"):
        orgs[key].address = "新地址"
        record_save(actor=admin, obj=orgs[key], is_new=False)
    client = Client()
    client.force_login(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    items = client.get("/api/v1/audit-events", {"object_type": "orgs.organisation"}).json()["items"]
    assert {i["object_repr"] for i in items} == {orgs["hefei"].name}
    client.force_login(make_user(Role.EXAMINER, organisation=orgs["hefei"]))
    response = client.get("/api/v1/audit-events")
    assert response.status_code == 403 and "没有" in response.json()["detail"]


def test_jobs_of_others_are_not_found(client, reference):
    from skilleval.core.jobs import job_create

    owner = make_user(username="owner")
    job = job_create(actor=owner, kind="x", title="别人的任务")
    client.force_login(make_user(username="other"))
    assert client.get(f"/api/v1/jobs/{job.pk}").status_code == 404
    client.force_login(owner)
    assert client.get(f"/api/v1/jobs/{job.pk}").json()["title"] == "别人的任务"
