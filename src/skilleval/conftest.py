"""Fixtures shared by every app's tests: the real reference data and a factory
for users in each role."""

import pytest


@pytest.fixture
def reference(db):
    from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference

    catalog_seed_reference()
    catalog_load_sample()


@pytest.fixture
def jurisdictions(reference):
    from skilleval.catalog.models import Jurisdiction

    return {j.name: j for j in Jurisdiction.objects.all()}


@pytest.fixture
def orgs(jurisdictions):
    from skilleval.orgs.tests.factories import OrganisationFactory

    return {
        "hefei": OrganisationFactory(name="合肥测试机械有限公司", jurisdiction=jurisdictions["合肥市"]),
        "bengbu": OrganisationFactory(name="蚌埠测试仪器有限公司", jurisdiction=jurisdictions["蚌埠市"]),
        "anhui": OrganisationFactory(name="安徽省测试集团有限公司", jurisdiction=jurisdictions["安徽省"]),
        "qingdao": OrganisationFactory(name="青岛测试电子有限公司", jurisdiction=jurisdictions["青岛市"]),
    }
