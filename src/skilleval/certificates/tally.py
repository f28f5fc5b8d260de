"""The certificate tally (`CertificateTally`): certificates issued and revoked per
organisation, year of issue, level code and occupation, for the statistics dashboards.

Exact by construction: the issue and revocation services add to it inside their own
transaction (an atomic `UPDATE … SET n = n + k` per cell, so concurrent issues add up);
reissues change neither count. Bulk writers that bypass the services (`skilleval
synthesize`) call `tally_rebuild()` afterwards; the migration that created the table built
it from the register."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, Q

from .models import Certificate, CertificateTally

KEY = ("organisation_id", "year", "level_code", "occupation_id")


def tally_add(certificates: Iterable[Certificate], *, count: str = "issued") -> None:
    """Add the certificates to their cells' `issued` (new certificates) or `revoked` count."""
    cells = Counter(tuple(getattr(c, k) for k in KEY) for c in certificates)
    if not cells:
        return
    CertificateTally.objects.bulk_create([CertificateTally(**dict(zip(KEY, key, strict=True))) for key in cells],
                                         ignore_conflicts=True)
    for key, n in cells.items():
        CertificateTally.objects.filter(**dict(zip(KEY, key, strict=True))).update(**{count: F(count) + n})


def tally_rows(certificates) -> list[CertificateTally]:
    """The tally of a queryset of certificates, counted from the rows."""
    return [CertificateTally(**row) for row in certificates.values(*KEY).order_by().annotate(
        issued=Count("pk"), revoked=Count("pk", filter=Q(status=Certificate.Status.REVOKED)))]


@transaction.atomic
def tally_rebuild() -> int:
    """Count the whole register again (after bulk writes outside the services)."""
    CertificateTally.objects.all().delete()
    rows = tally_rows(Certificate.objects.all())
    CertificateTally.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
