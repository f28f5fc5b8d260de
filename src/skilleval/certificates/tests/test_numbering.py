"""Certificate numbers by the 22-digit rule [BB att.2]: filing number, year, level code,
a serial per organisation, year and level, from the start of the allocated range, in
order, never reused or skipped; the range running out is refused before anything is
issued, with a warning to the organisation from 90 % use."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from skilleval.core.errors import DomainError
from skilleval.core.models import Notification
from skilleval.orgs.models import Organisation

from .. import services
from ..models import Certificate, CertificateCopy, SerialCounter
from ..selectors import range_use
from .factories import bulk_results, certifiable_world

pytestmark = pytest.mark.django_db
ISSUED = dt.date(2026, 5, 20)


@pytest.fixture
def cw(jurisdictions):
    return certifiable_world(jurisdictions["合肥市"])


def test_numbers_follow_the_22_digit_rule_in_order(cw):
    certificates = services.certificates_issue(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)
    filing = cw.org.filing_number
    assert [c.number for c in certificates] == [f"{filing}265{n:06d}" for n in (1, 2, 3)]
    first = certificates[0]
    assert len(first.number) == 22
    assert first.number[:13] == filing and first.number[13:15] == "26" and first.number[15] == "5"
    assert first.number[16:] == "000001"
    # The certificate records every field of the certificate information table (BB att.6).
    person = cw.world.applications[0].person
    assert (first.name, first.id_type.code, first.id_number) == (person.name, "201", person.id_number)
    assert (first.occupation.code, first.level_code, first.issued_on) == ("6-18-01-01", 5, ISSUED)
    assert first.evaluation_organisation == first.issuing_organisation == cw.org.name
    assert first.unit == cw.org.name
    assert CertificateCopy.objects.filter(certificate__in=certificates, revision=1).count() == 3


def test_serials_continue_across_batches_per_year_and_level_and_restart_each_year(cw, jurisdictions):
    services.certificate_issue(actor=cw.manager, result=cw.results[0], issued_on=ISSUED)
    services.certificate_issue(actor=cw.manager, result=cw.results[1], issued_on=ISSUED)
    next_year = services.certificate_issue(actor=cw.manager, result=cw.results[2], issued_on=dt.date(2027, 1, 4))
    assert next_year.number.endswith("275000001")
    more = bulk_results(cw, 2)
    numbers = [c.number[-9:] for c in services.certificates_issue(actor=cw.manager, batch=cw.batch, results=more,
                                                                   issued_on=ISSUED)]
    assert numbers == ["265000003", "265000004"]
    assert SerialCounter.objects.get(organisation=cw.org, year=2026, level_code=5).last_serial == 4


def test_serials_start_at_the_allocated_range(cw):
    Organisation.objects.filter(pk=cw.org.pk).update(cert_serial_start=500, cert_serial_end=900)
    cw.org.refresh_from_db()
    numbers = [c.serial for c in services.certificates_issue(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)]
    assert numbers == [500, 501, 502]


def test_a_range_too_short_is_refused_before_any_number_is_drawn(cw):
    Organisation.objects.filter(pk=cw.org.pk).update(cert_serial_start=1, cert_serial_end=2)
    with pytest.raises(DomainError, match="号段不足.*仅剩 2 个号码，本次需要 3 个"):
        services.certificates_issue(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)
    assert not Certificate.objects.exists()
    assert not SerialCounter.objects.filter(last_serial__gt=0).exists()
    with pytest.raises(DomainError, match="号段不足"):
        services.certificates_issue_start(actor=cw.manager, batch=cw.batch, issued_on=ISSUED)
    # Two fit; the third then finds the range used up.
    services.certificates_issue(actor=cw.manager, batch=cw.batch, results=cw.results[:2], issued_on=ISSUED)
    with pytest.raises(DomainError, match="仅剩 0 个号码"):
        services.certificate_issue(actor=cw.manager, result=cw.results[2], issued_on=ISSUED)
    assert Certificate.objects.count() == 2


def test_the_organisation_is_warned_when_90_percent_of_the_range_is_used(cw):
    Organisation.objects.filter(pk=cw.org.pk).update(cert_serial_start=1, cert_serial_end=20)
    cw.org.refresh_from_db()
    more = bulk_results(cw, 15)
    services.certificates_issue(actor=cw.manager, batch=cw.batch, results=more[:14], issued_on=ISSUED)  # 70 %
    assert not Notification.objects.filter(organisation_id=cw.org.pk, title__contains="号段").exists()
    services.certificates_issue(actor=cw.manager, batch=cw.batch, results=cw.results, issued_on=ISSUED)  # 85 %
    assert not Notification.objects.filter(organisation_id=cw.org.pk, title__contains="号段").exists()
    services.certificate_issue(actor=cw.manager, result=more[14], issued_on=ISSUED)  # 90 %
    notice = Notification.objects.get(organisation_id=cw.org.pk, title__contains="号段")
    assert "90%" in notice.title and "剩余 2 个号码" in notice.body
    use = range_use(cw.org, 2026, 5)
    assert (use.used, use.remaining, use.nearly_used_up) == (18, 2, True)


def test_the_database_refuses_a_duplicate_number_or_serial(cw):
    certificate = services.certificate_issue(actor=cw.manager, result=cw.results[0], issued_on=ISSUED)
    fields = {f.attname: getattr(certificate, f.attname) for f in Certificate._meta.concrete_fields
              if f.name not in ("id", "result")}
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(**{**fields, "serial": 77})  # same number
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(**{**fields, "number": fields["number"][:-6] + "000099"})  # same serial
    assert Certificate.objects.count() == 1
