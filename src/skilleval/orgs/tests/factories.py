import datetime as dt

import factory
from django.utils import timezone

from skilleval.core.validators import uscc_check_char
from skilleval.orgs.models import Organisation


def _uscc(n: int) -> str:
    first17 = f"91340100MA{n:07d}"
    return first17 + uscc_check_char(first17)


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A filed organisation in good standing (override status for others)."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    uscc = factory.Sequence(_uscc)
    city = factory.LazyAttribute(lambda o: o.jurisdiction)
    status = Organisation.Status.FILED
    filing_number = factory.Sequence(lambda n: f"Y9{n:011d}")
    filed_at = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    filing_valid_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    filing_valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3 * 365))
    cert_serial_start = 1
    cert_serial_end = 999999
