import factory

from skilleval.core.validators import uscc_check_char
from skilleval.orgs.models import Organisation


def _uscc(n: int) -> str:
    first17 = f"91340100MA{n:07d}"
    return first17 + uscc_check_char(first17)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    uscc = factory.Sequence(_uscc)
    status = Organisation.Status.FILED
