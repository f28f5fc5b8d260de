"""/api/v1/supervision/: the same rules as the pages, walked with real rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.services import api_token_create
from skilleval.accounts.tests.factories import make_user

from ..models import Category, Destruction, InspectionPlan
from ..services import inspections as services
from .conftest import YEAR
from .factories import evaluated_batch, filed, issue_certificates, record_results

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision"


def bearer(user) -> dict:
    _, key = api_token_create(actor=actor_for(user), name="监管脚本")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, path, auth, body=None):
    return client.post(API + path, data=json.dumps(body or {}, default=str), content_type="application/json", **auth)


def test_draw_record_publish_and_the_public_list(tianjin):
    client, auth = Client(), bearer(tianjin["authority"].user)
    response = post(client, "/inspections/plans", auth, {"period_start": f"{YEAR}-01-01",
                                                        "period_end": f"{YEAR}-12-31", "inspectors_per_session": 4})
    assert response.status_code == 400 and "在库人员只有 3 名" in response.json()["detail"]
    assert response.json()["field"] == "inspectors_per_session" and not InspectionPlan.objects.exists()
    response = post(client, "/inspections/plans", auth, {"period_start": f"{YEAR}-01-01",
                                                        "period_end": f"{YEAR}-12-31", "seed": 42})
    assert response.status_code == 201
    plan = response.json()
    assert plan["seed"] == 42 and plan["target"] == 3 and plan["reproduces"] is True
    assert len(plan["inspections"]) == 3 and all(len(i["inspectors"]) == 2 for i in plan["inspections"])
    conflicted = tianjin["inspectors"][0].pk
    for row in plan["inspections"]:
        if row["organisation_id"] == tianjin["binhai"].pk:
            assert conflicted not in [x["id"] for x in row["inspectors"]]
    coverage = client.get(API + f"/inspections/coverage?year={YEAR}", **auth).json()
    assert coverage[0]["inspected"] == 3 and coverage[0]["met"] is True

    inspection = plan["inspections"][0]
    body = {"inspected_at": inspection["session_starts_at"], "findings": "规范", "conclusion": "rectify",
            "checklist": {k: {"result": "ok"} for k, _l in services.CHECKLIST}}
    response = post(client, f"/inspections/{inspection['id']}/findings", auth, body)
    assert response.status_code == 400 and response.json()["field"] == "rectification_demand"
    body.update(rectification_demand="完善签到表", rectification_deadline=(dt.date.today() + dt.timedelta(days=20)))
    assert post(client, f"/inspections/{inspection['id']}/findings", auth, body).json()["status"] == "recorded"
    assert Client().get(API + "/inspections/published").json()["count"] == 0
    published = post(client, f"/inspections/{inspection['id']}/publish", auth).json()
    assert published["status"] == "published" and published["sanction_id"]
    public = Client().get(API + "/inspections/published").json()
    assert public["count"] == 1 and public["items"][0]["conclusion"] == "责令限期整改"


def test_organisations_and_other_authorities_are_refused(tianjin, jurisdictions):
    plan = services.inspection_draw(actor=tianjin["authority"], period_start=dt.date(YEAR, 1, 1),
                                    period_end=dt.date(YEAR, 12, 31))
    client = Client()
    staff = bearer(make_user(Role.ORG_ADMIN, organisation=tianjin["binhai"]))
    assert post(client, "/inspections/plans", staff, {"period_start": f"{YEAR}-01-01",
                                                      "period_end": f"{YEAR}-12-31"}).status_code == 403
    hefei = bearer(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    assert client.get(API + f"/inspections/plans/{plan.pk}", **hefei).status_code == 404
    inspection = plan.inspections.first()
    assert post(client, f"/inspections/{inspection.pk}/publish", hefei).status_code == 404
    assert client.get(API + "/statistics").status_code == 401


def test_the_archive_catalogue_and_the_ledger(world):
    client, auth = Client(), bearer(world["manager"].user)
    batch = world["evaluated"].batch
    archive = client.get(API + f"/archives/{batch.pk}", **auth).json()
    assert archive["archived"] and [c["category"] for c in archive["categories"]] == list(Category.values)
    by_category = {c["category"]: c for c in archive["categories"]}
    assert by_category["media"]["retention_years"] == 1 and by_category["media"]["may_destroy"]
    assert by_category["registration"]["retention_years"] == 3 and not by_category["registration"]["may_destroy"]
    assert by_category["plan"]["retention_years"] == 5
    body = {"destroyed_on": dt.date.today(), "reason": "到期", "method": "shred", "destroyer": "李俊",
            "responsible": "王海燕"}
    early = post(client, f"/archives/entries/{by_category['registration']['entry_id']}/destroy", auth, body)
    assert early.status_code == 400 and "期满前不得销毁" in early.json()["detail"]
    assert not Destruction.objects.exists()
    due = post(client, f"/archives/entries/{by_category['media']['entry_id']}/destroy", auth, body)
    assert due.status_code == 201 and due.json()["category_label"] == "现场监控影像或图片资料"
    ledger = client.get(API + "/archives/ledger", **auth).json()
    assert ledger["count"] == 1 and ledger["items"][0]["batch_code"] == batch.code


def test_statistics_match_the_data_and_stay_in_scope(jurisdictions):
    hefei_org = filed(jurisdictions["合肥市"], "合肥接口统计测试有限公司")
    hefei_batch = evaluated_batch(hefei_org, first=dt.date(YEAR, 5, 10), levels=(5, 3))
    record_results(hefei_batch, passed=3)
    issue_certificates(hefei_batch)
    bengbu_org = filed(jurisdictions["蚌埠市"], "蚌埠接口统计测试有限公司")
    record_results(evaluated_batch(bengbu_org, first=dt.date(YEAR, 6, 10)), passed=1)
    client = Client()
    hefei = client.get(API + "/statistics", **bearer(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"])))
    totals = hefei.json()["totals"]
    assert (totals["accepted"], totals["passed"], totals["certified"], totals["high_skill"]) == (4, 3, 3, 1)
    assert [r["label"] for r in hefei.json()["by_organisation"]] == [hefei_org.name]
    province = client.get(API + "/statistics?city=340300",
                          **bearer(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["安徽省"]))).json()
    assert province["totals"]["accepted"] == 2 and province["totals"]["passed"] == 1
    unknown = client.get(API + "/statistics?city=999999",
                         **bearer(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["安徽省"]))).json()
    assert unknown["totals"]["registered"] == 0
