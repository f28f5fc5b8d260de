"""`skilleval synthesize`: a synthetic jurisdiction whose identifiers are valid, whose
certificate numbers follow the 22-digit rule with serial counters that continue them, and
which refuses to run twice unless asked to append."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max

from skilleval.accounts.models import Person
from skilleval.batches.models import Application, Batch
from skilleval.certificates.models import CERTIFICATE_NUMBER_RE, Certificate, SerialCounter
from skilleval.certificates.selectors import range_use
from skilleval.core.validators import parse_resident_id, validate_uscc
from skilleval.orgs.models import Organisation
from skilleval.results.models import Result

pytestmark = pytest.mark.django_db


def synthesize(*args: str) -> dict:
    stdout, stderr = StringIO(), StringIO()
    call_command("synthesize", *args, stdout=stdout, stderr=stderr)
    assert "生成" in stderr.getvalue()  # progress lines
    return json.loads(stdout.getvalue())


def test_a_small_jurisdiction_is_valid_and_continues_its_numbering(reference):
    report = synthesize("--organisations", "12", "--candidates", "300", "--certificates", "900", "--seed", "5")
    assert report["organisations"] == 12 and report["persons"] == 300 and report["certificates"] == 900
    assert Organisation.objects.count() == 12 and Certificate.objects.count() == 900

    # Valid identifiers: resident ID numbers (check character, birth date, sex) and credit codes.
    for person in Person.objects.all():
        parsed = parse_resident_id(person.id_number)
        assert parsed.birth_date == person.birth_date and parsed.sex == person.sex
    for organisation in Organisation.objects.all():
        validate_uscc(organisation.uscc)
    # Batches at several stages, every candidate applying once, results of the confirmed batches.
    assert Batch.objects.values("status").distinct().count() >= 4
    assert Application.objects.values("person").annotate(n=Count("pk")).filter(n__gt=1).count() == 0
    assert Result.objects.filter(passed=True).exists()

    # Every number is the filing number, the year, the level and the serial; holders match their person.
    for certificate in Certificate.objects.select_related("organisation", "person"):
        assert CERTIFICATE_NUMBER_RE.fullmatch(certificate.number)
        assert certificate.number == (f"{certificate.organisation.filing_number}{certificate.year % 100:02d}"
                                      f"{certificate.level_code}{certificate.serial:06d}")
        assert (certificate.name, certificate.id_number) == (certificate.person.name, certificate.person.id_number)
    # The counters stand at the last serial used, so the next issue continues the sequence.
    last = (Certificate.objects.values("organisation", "year", "level_code").annotate(m=Max("serial"))
            .order_by("organisation", "year", "level_code"))
    assert SerialCounter.objects.count() == len(last)
    for row in last:
        counter = SerialCounter.objects.get(organisation=row["organisation"], year=row["year"],
                                            level_code=row["level_code"])
        assert counter.last_serial == row["m"]
    busiest = last.order_by("-m")[0]
    use = range_use(Organisation.objects.get(pk=busiest["organisation"]), busiest["year"], busiest["level_code"])
    assert use is not None and use.next_serial == busiest["m"] + 1


def test_a_second_run_refuses_unless_appending(reference):
    synthesize("--organisations", "2", "--candidates", "10", "--certificates", "10")
    with pytest.raises(CommandError, match="已有合成数据.*--append"):
        synthesize("--organisations", "2", "--candidates", "10", "--certificates", "10")
    assert Organisation.objects.count() == 2  # nothing written by the refused run

    synthesize("--organisations", "2", "--candidates", "10", "--certificates", "10", "--append")
    assert Organisation.objects.count() == 4 and Certificate.objects.count() == 20
    assert Certificate.objects.values("number").distinct().count() == 20


def test_bad_sizes_are_refused_with_a_message(reference):
    with pytest.raises(CommandError, match="不能为负数"):
        synthesize("--candidates", "-1")
    with pytest.raises(CommandError, match="至少需要 1 家机构"):
        synthesize("--organisations", "0", "--candidates", "5")
    assert not Organisation.objects.exists()
