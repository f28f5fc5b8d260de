import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user, resident_id

from .. import services
from ..imports import applications_import
from ..models import Application, Batch
from ..sample import import_row, import_workbook
from .factories import application_data, batch_for, candidate, filed_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(jurisdictions):
    org = filed_organisation(jurisdictions["合肥市"], name="合肥视图批次有限公司")
    batch, manager = batch_for(org)
    user = candidate(org)
    application = services.application_submit(actor=actor_for(user), batch=batch,
                                              data=application_data(batch, id_number=user.person.id_number))
    return org, batch, manager, user, application


def test_other_tenants_and_cities_get_404(client, setup, jurisdictions):
    org, batch, _manager, _user, application = setup
    other = filed_organisation(jurisdictions["合肥市"])
    for user in (make_user(Role.ORG_ADMIN, organisation=other), make_user(Role.AUTHORITY,
                                                                          jurisdiction=jurisdictions["蚌埠市"])):
        client.force_login(user)
        assert client.get(reverse("batches:batch_detail", args=[batch.pk])).status_code == 404
        assert client.get(reverse("batches:application_detail", args=[application.pk])).status_code == 404
    client.force_login(make_user(Role.AUTHORITY, jurisdiction=jurisdictions["合肥市"]))
    assert client.get(reverse("batches:batch_detail", args=[batch.pk])).status_code == 404  # not filed yet


def test_candidate_edits_a_returned_application(client, setup):
    _org, _batch, manager, user, application = setup
    services.application_review(actor=manager, application=application, decision="return", reason="岗位年限有误")
    client.force_login(user)
    page = client.get(reverse("batches:application_edit", args=[application.pk])).content.decode()
    assert "岗位年限有误" in page and "修改后重新提交" in page
    data = {"item": application.item_id, "name": application.name, "id_type_code": "201",
            "id_number": user.person.id_number, "education": "高中", "work_started_on": "2012-07-01",
            "phone": "13905510000", "current_post": "车工", "post_occupation_code": "6-18-01-01",
            "years_in_occupation": "4", "requested_route": "normal", "commitment_signed": "on"}
    response = client.post(reverse("batches:application_edit", args=[application.pk]), data)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and str(application.years_in_occupation) == "4.0"
    response = client.post(reverse("batches:application_edit", args=[application.pk]),
                           {**data, "id_number": "11010519491231002X"})
    assert response.status_code == 400


def test_application_list_filters_exports_and_keeps_its_query_count(client, setup):
    _org, batch, manager, _user, _application = setup
    client.force_login(manager.user)
    url = reverse("batches:application_list", args=[batch.pk])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    rows = [import_row(f"职工{n}", resident_id("19880101")) for n in range(20)]
    applications_import(actor=manager, batch=batch, source=import_workbook(rows), filename="x.xlsx")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(one)
    assert "职工19" in page
    assert "职工3" not in client.get(url, {"q": "张伟"}).content.decode()
    export = client.get(url, {"export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_examiners_cannot_export_the_full_id_list(client, setup):
    org, batch, _manager, _user, _application = setup
    client.force_login(make_user(Role.EXAMINER, organisation=org))
    response = client.get(reverse("batches:document", args=[batch.pk, "candidates.xlsx"]))
    assert response.status_code == 403
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.ANNOUNCED
