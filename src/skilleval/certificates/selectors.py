"""Reads of certificates: what may be issued, the register scoped to the actor, the
public lookups (exact input only, never a listing) and the serial ranges' use."""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.accounts.access import Actor, Perm, get_scoped_or_404, scope
from skilleval.batches.models import Batch
from skilleval.core.crypto import normalise as normalise_id
from skilleval.core.crypto import seal, unseal
from skilleval.orgs.models import Organisation
from skilleval.results.models import Report, Result
from skilleval.results.selectors import certifiable_results

from . import documents, query
from .models import (
    CERTIFICATE_NUMBER_RE,
    PROOF_LEVEL_CODE,
    Certificate,
    CertificateCopy,
    PlatformKey,
    ReissueRequest,
    RevocationGround,
    SerialCounter,
)

# A range is reported as nearly used up from this share on.
RANGE_WARNING_SHARE = 0.9

CERTIFICATE_RELATED = ("organisation", "level", "id_type", "occupation", "work_type", "special_ability")


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
    # One grouped query (one pass over the register, or over its level/status index).
    by_level: dict[int, int] = {}
    by_status: dict[str, int] = {}
    for row in queryset.order_by().values("level_code", "status").annotate(n=Count("*")):
        by_level[row["level_code"]] = by_level.get(row["level_code"], 0) + row["n"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
    return {
        "total": sum(by_level.values()),
        "by_level": [(code, by_level.get(code, 0)) for code in (5, 4, 3, 2, 1)],
        "special": by_level.get(PROOF_LEVEL_CODE, 0),
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


PUBLIC_RELATED = ("level", "id_type", "occupation", "work_type", "special_ability")
# A holder with more certificates than this is not a real case; the answer stops there.
PUBLIC_IDENTITY_MAX = 50


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
                .order_by("-issued_on", "number")[:PUBLIC_IDENTITY_MAX])


def public_row(certificate: Certificate) -> dict[str, Any]:
    """What verification needs, and nothing more, as plain values (cacheable): no full ID
    number, no birth date, no contacts."""
    return {
        "number": certificate.number, "name": certificate.name, "id_type": certificate.id_type.name,
        "id_masked": certificate.masked_id_number, "occupation": certificate.occupation.name,
        "work_type": certificate.work_type.name if certificate.work_type is not None else "",
        "level": documents.level_display(certificate), "issued_on": certificate.issued_on,
        "evaluation_organisation": certificate.evaluation_organisation,
        "issuing_organisation": certificate.issuing_organisation, "status": certificate.status,
        "status_label": str(certificate.get_status_display()), "revision": certificate.revision,
        "revoked_on": timezone.localdate(certificate.revoked_at) if certificate.revoked_at else None,
        "revocation_ground": str(RevocationGround(certificate.revocation_ground).label)
        if certificate.revocation_ground else "",
        "revoked_by": str(_("人社部门") if certificate.revoked_by_authority else _("发证机构")),
        # A proof of special vocational ability shows its ability and norm instead of a level.
        "kind": certificate.kind, "kind_label": str(certificate.get_kind_display()),
        "ability": certificate.special_ability.name if certificate.special_ability is not None else "",
        "norm": certificate.special_ability.norm_title if certificate.special_ability is not None else "",
    }


# The two public lookups run one hand-written, parameterised statement each (issue 7):
# compiling the ORM's five-table join cost as much as the round trip to PostgreSQL. The
# rows become unsaved model instances holding only what the answer needs, so `public_row`
# and `services.token_fields` build the same answer as from the ORM (tests compare both).
_PUBLIC_COLUMNS = (
    # (certificate field or related model.field, alias)
    ("c.id", "id"), ("c.number", "number"), ("c.kind", "kind"), ("c.name", "name"), ("c.id_number", "id_number"),
    ("c.level_id", "level_id"), ("c.level_code", "level_code"), ("c.id_type_id", "id_type_id"),
    ("c.occupation_id", "occupation_id"), ("c.work_type_id", "work_type_id"),
    ("c.special_ability_id", "special_ability_id"), ("c.issued_on", "issued_on"),
    ("c.evaluation_organisation", "evaluation_organisation"), ("c.issuing_organisation", "issuing_organisation"),
    ("c.status", "status"), ("c.revision", "revision"), ("c.revoked_at", "revoked_at"),
    ("c.revoked_by_authority", "revoked_by_authority"), ("c.revocation_ground", "revocation_ground"),
    ("l.name", "level_name"), ("l.title", "level_title"), ("t.code", "id_type_code"), ("t.name", "id_type_name"),
    ("o.code", "occupation_code"), ("o.name", "occupation_name"), ("w.name", "work_type_name"),
    ("s.code", "ability_code"), ("s.name", "ability_name"), ("s.norm_title", "ability_norm"),
)


@functools.cache
def _public_sql(where: str) -> str:
    from skilleval.catalog.models import IDType, Level, Occupation, SpecialAbility, WorkType

    tables = {model: connection.ops.quote_name(model._meta.db_table)
              for model in (Certificate, Level, IDType, Occupation, WorkType, SpecialAbility)}
    columns = ", ".join(column for column, _alias in _PUBLIC_COLUMNS)
    return (f"SELECT {columns} FROM {tables[Certificate]} c "
            f"JOIN {tables[IDType]} t ON t.id = c.id_type_id "
            f"JOIN {tables[Occupation]} o ON o.id = c.occupation_id "
            f"LEFT JOIN {tables[Level]} l ON l.id = c.level_id "
            f"LEFT JOIN {tables[WorkType]} w ON w.id = c.work_type_id "
            f"LEFT JOIN {tables[SpecialAbility]} s ON s.id = c.special_ability_id "
            f"WHERE {where}")


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _datetime(value: Any) -> dt.datetime | None:
    """A timestamp as the driver returns it (aware on PostgreSQL; text or naive UTC on SQLite)."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def _public_certificate(row: tuple) -> Certificate:
    from skilleval.catalog.models import IDType, Level, Occupation, SpecialAbility, WorkType

    v = dict(zip((alias for _column, alias in _PUBLIC_COLUMNS), row, strict=True))
    certificate = Certificate(
        id=v["id"], number=v["number"], kind=v["kind"], name=v["name"],
        id_number=unseal(v["id_number"]) if v["id_number"] else "", level_code=v["level_code"],
        issued_on=_date(v["issued_on"]), evaluation_organisation=v["evaluation_organisation"],
        issuing_organisation=v["issuing_organisation"], status=v["status"], revision=v["revision"],
        revoked_at=_datetime(v["revoked_at"]), revoked_by_authority=bool(v["revoked_by_authority"]),
        revocation_ground=v["revocation_ground"],
        id_type=IDType(id=v["id_type_id"], code=v["id_type_code"], name=v["id_type_name"]),
        occupation=Occupation(id=v["occupation_id"], code=v["occupation_code"], name=v["occupation_name"]),
        level=Level(id=v["level_id"], name=v["level_name"], title=v["level_title"])
        if v["level_id"] is not None else None,
        work_type=WorkType(id=v["work_type_id"], name=v["work_type_name"])
        if v["work_type_id"] is not None else None,
        special_ability=SpecialAbility(id=v["special_ability_id"], code=v["ability_code"], name=v["ability_name"],
                                       norm_title=v["ability_norm"])
        if v["special_ability_id"] is not None else None)
    return certificate


def _public_fetch(where: str, params: list[Any]) -> list[Certificate]:
    with connection.cursor() as cursor:
        cursor.execute(_public_sql(where), params)
        return [_public_certificate(row) for row in cursor.fetchall()]


def public_certificate_by_number(number: str) -> Certificate | None:
    """One certificate by its (validated) number, with what the public answer needs only."""
    found = _public_fetch("c.number = %s", [number])
    return found[0] if found else None


def public_certificates_by_id_number(id_number: str) -> list[Certificate]:
    """A holder's certificates by the exact ID number (compared sealed, as the column holds it),
    newest first, at most PUBLIC_IDENTITY_MAX; what the public answer needs only."""
    normalised = normalise_id(id_number)
    if not normalised:
        return []
    return _public_fetch(f"c.id_number = %s ORDER BY c.issued_on DESC, c.number LIMIT {PUBLIC_IDENTITY_MAX}",
                         [seal(normalised)])


def public_answer_of(certificate: Certificate) -> dict[str, Any]:
    """{"row": the public row, "record": the fields its QR token signs}."""
    from . import services  # services reads selectors

    return {"row": public_row(certificate), "record": services.token_fields(certificate, certificate.revision)}


def public_answer_by_number(number: str, *, cached: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The public answer for one (already validated) certificate number: {"row", "record"}
    (record: the fields its QR token signs, for the verification page), or None. Cached
    until the certificate changes (query.public_answers_forget); `cached` is what the query
    guard read from the cache with its count (query.query_gate_and_answer)."""
    if cached is not None:
        return cached
    certificate = public_certificate_by_number(number)
    if certificate is None:
        return None  # not cached: a number issued later must be found at once
    answer = public_answer_of(certificate)
    query.answer_set(query.answer_key_number(number), answer)
    return answer


def public_rows_by_identity(*, name: str, id_number: str,
                            cached: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The public rows of a holder's certificates for the exact name and the exact ID number
    together. The cache holds the rows of every certificate of that ID number (under a keyed
    hash of it: query.answer_key_identity); only those with exactly this name are answered."""
    name = (name or "").strip()
    id_number = (id_number or "").strip().upper()
    if not name or not id_number:
        return []
    rows = cached
    if rows is None:
        rows = [public_row(c) for c in public_certificates_by_id_number(id_number)]
        if rows:
            query.answer_set(query.answer_key_identity(id_number), rows)
    return [row for row in rows if row["name"] == name]


def platform_keys_published() -> list[PlatformKey]:
    return list(PlatformKey.objects.order_by("activated_at"))


def platform_public_keys() -> dict[str, str]:
    """{kid: public key} of every published key, for the verification page /c/<number>.
    Cached (query.PUBLIC_KEYS_KEY) until a key is created or rotated
    (services._key_create drops it): /c/ no longer reads the table on every request."""
    keys = cache.get(query.PUBLIC_KEYS_KEY)
    if keys is None:
        keys = {k.kid: k.public_key for k in platform_keys_published()}
        if keys:
            cache.set(query.PUBLIC_KEYS_KEY, keys, timeout=query.PUBLIC_KEYS_SECONDS)
    return keys


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
