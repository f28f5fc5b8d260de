"""Reads of certificates: what may be issued, the register scoped to the actor, the
public lookups (exact input only, never a listing) and the serial ranges' use."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from skilleval.accounts.access import Actor, Perm, get_scoped_or_404, scope
from skilleval.batches.models import Batch
from skilleval.orgs.models import Organisation
from skilleval.results.models import Report, Result
from skilleval.results.selectors import certifiable_results

from .models import (
    CERTIFICATE_NUMBER_RE,
    Certificate,
    CertificateCopy,
    PlatformKey,
    ReissueRequest,
    SerialCounter,
)

# A range is reported as nearly used up from this share on.
RANGE_WARNING_SHARE = 0.9

CERTIFICATE_RELATED = ("organisation", "level", "id_type", "occupation", "work_type")


def latest_report(batch: Batch) -> Report | None:
    return Report.objects.filter(batch=batch).order_by("-version").first()


def batch_report_accepted(batch: Batch) -> bool:
    report = latest_report(batch)
    return report is not None and report.status == Report.Status.ACCEPTED


def results_certifiable(batch: Batch) -> QuerySet[Result]:
    """Passed results of the batch once its latest report was accepted by the authority
    (the results app's `certifiable_results`), with or without a certificate yet, by level
    and application number: the order serials are drawn in."""
    return certifiable_results(batch).order_by("application__item__level__code", "application__number")


def results_to_issue(batch: Batch) -> QuerySet[Result]:
    return results_certifiable(batch).filter(certificate__isnull=True)


def batches_for_issue(actor: Actor) -> QuerySet[Batch]:
    """The organisation's batches that reported results, with the latest report's status
    and the counts of passed results and certificates."""
    if not (actor.has(Perm.CERTIFICATE_MANAGE) and actor.organisation_id):
        return Batch.objects.none()
    latest = Report.objects.filter(batch=OuterRef("pk")).order_by("-version")
    return (Batch.objects.filter(organisation_id=actor.organisation_id)
            .filter(Exists(Report.objects.filter(batch=OuterRef("pk"))))
            .annotate(report_status=Subquery(latest.values("status")[:1]),
                      report_version=Subquery(latest.values("version")[:1]),
                      passed_count=Count("results", filter=Q(results__passed=True), distinct=True),
                      issued_count=Count("certificates", distinct=True))
            .order_by("-last_exam_date", "-pk"))


def batch_for_issue(*, actor: Actor, pk: int) -> Batch:
    return get_scoped_or_404(batches_for_issue(actor), pk=pk)


# ---------------------------------------------------------------------------------------------
# The register


def can_read_register(actor: Actor) -> bool:
    return actor.is_platform_admin or actor.has(Perm.CERTIFICATE_MANAGE) or (
        actor.is_authority and actor.has(Perm.RESULT_REVIEW))


def certificates_visible_to(actor: Actor) -> QuerySet[Certificate]:
    """The issuing organisation's staff see its certificates, an authority those of the
    organisations in its jurisdictions, a holder their own."""
    qs = Certificate.objects.select_related(*CERTIFICATE_RELATED)
    if actor.is_org_staff and not actor.has(Perm.CERTIFICATE_MANAGE):
        # Proctors, examiners and the like have no business with the register.
        return scope(qs, actor, person="person_id")
    return scope(qs, actor, organisation="organisation_id", jurisdiction="organisation__jurisdiction_id",
                 person="person_id")


def certificate_get_for_actor(*, actor: Actor, pk: int) -> Certificate:
    return get_scoped_or_404(certificates_visible_to(actor), pk=pk)


def certificates_of_holder(actor: Actor) -> QuerySet[Certificate]:
    if not actor.person_id:
        return Certificate.objects.none()
    return Certificate.objects.select_related(*CERTIFICATE_RELATED).filter(person_id=actor.person_id)


def certificate_counts(queryset: QuerySet[Certificate]) -> dict[str, Any]:
    """Counts of a (filtered) register: total, by level and by status."""
    by_level = {row["level_code"]: row["n"] for row in
                queryset.order_by().values("level_code").annotate(n=Count("pk"))}
    by_status = {row["status"]: row["n"] for row in queryset.order_by().values("status").annotate(n=Count("pk"))}
    return {
        "total": sum(by_level.values()),
        "by_level": [(code, by_level.get(code, 0)) for code in (5, 4, 3, 2, 1)],
        "by_status": [(status, label, by_status.get(status, 0)) for status, label in Certificate.Status.choices],
    }


def copies_of(certificate: Certificate) -> QuerySet[CertificateCopy]:
    return certificate.copies.select_related("issued_by").order_by("-revision")


def current_copy(certificate: Certificate) -> CertificateCopy | None:
    return certificate.copies.filter(revision=certificate.revision).first()


def requests_pending(actor: Actor) -> QuerySet[ReissueRequest]:
    if not (actor.has(Perm.CERTIFICATE_MANAGE) and actor.organisation_id):
        return ReissueRequest.objects.none()
    return ReissueRequest.objects.filter(certificate__organisation_id=actor.organisation_id,
                                         status=ReissueRequest.Status.PENDING).select_related("certificate")


# ---------------------------------------------------------------------------------------------
# Public lookups: exact input only


def normalise_number(value: str) -> str:
    """Full-width letters and digits (as Chinese input methods type them) become ASCII."""
    return unicodedata.normalize("NFKC", value or "").strip().upper().replace(" ", "")


def is_certificate_number(value: str) -> bool:
    return bool(CERTIFICATE_NUMBER_RE.fullmatch(value))


def certificate_public_by_number(number: str) -> Certificate | None:
    number = normalise_number(number)
    if not is_certificate_number(number):
        return None
    return Certificate.objects.select_related(*CERTIFICATE_RELATED).filter(number=number).first()


def certificates_public_by_identity(*, name: str, id_number: str) -> list[Certificate]:
    """A holder's certificates, for the exact name and the exact ID number together."""
    name = (name or "").strip()
    id_number = (id_number or "").strip().upper()
    if not name or not id_number:
        return []
    return list(Certificate.objects.select_related(*CERTIFICATE_RELATED).filter(id_number=id_number, name=name)
                .order_by("-issued_on", "number")[:50])


def platform_keys_published() -> list[PlatformKey]:
    return list(PlatformKey.objects.order_by("activated_at"))


# ---------------------------------------------------------------------------------------------
# Serial ranges


@dataclass(frozen=True)
class RangeUse:
    year: int
    level_code: int
    start: int
    end: int
    last: int  # last serial drawn, start - 1 when none

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    @property
    def used(self) -> int:
        return max(0, self.last - self.start + 1)

    @property
    def remaining(self) -> int:
        return self.size - self.used

    @property
    def share(self) -> float:
        return self.used / self.size if self.size else 1.0

    @property
    def percent(self) -> int:
        return int(self.share * 100)

    @property
    def nearly_used_up(self) -> bool:
        return self.share >= RANGE_WARNING_SHARE

    @property
    def next_serial(self) -> int:
        return self.start + self.used


def range_use(organisation: Organisation, year: int, level_code: int) -> RangeUse | None:
    if organisation.cert_serial_start is None or organisation.cert_serial_end is None:
        return None
    last = SerialCounter.objects.filter(organisation=organisation, year=year, level_code=level_code).values_list(
        "last_serial", flat=True).first() or 0
    start, end = organisation.cert_serial_start, organisation.cert_serial_end
    return RangeUse(year=year, level_code=level_code, start=start, end=end, last=max(last, start - 1))


def range_uses(organisation: Organisation, year: int) -> list[RangeUse]:
    uses = [range_use(organisation, year, code) for code in (5, 4, 3, 2, 1)]
    return [u for u in uses if u is not None]
