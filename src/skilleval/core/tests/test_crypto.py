"""ID numbers at rest (core/crypto.py): the database holds only AES-SIV ciphertext, exact
lookups and uniqueness still work, a wrong key fails loudly, the migrations encrypt and
decrypt existing rows, backups carry ciphertext, key rotation re-encrypts everything, and the
public query by name plus ID number still finds the certificate. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import stat
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core import serializers
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from skilleval.accounts.models import Person
from skilleval.batches.models import BatchStaff
from skilleval.certificates import services as certificate_services
from skilleval.certificates.models import Certificate
from skilleval.certificates.selectors import certificates_public_by_identity
from skilleval.certificates.tests.factories import certifiable_world
from skilleval.core import crypto
from skilleval.core.audit import snapshot
from skilleval.orgs.models import StaffMember

pytestmark = pytest.mark.django_db

PLAIN_ID = re.compile(r"\d{17}[\dX]|\d{15}")


@pytest.fixture(autouse=True)
def fresh_keys():
    crypto.reset_key_cache()
    yield
    crypto.reset_key_cache()


@pytest.fixture
def issued(jurisdictions):
    cw = certifiable_world(jurisdictions["合肥市"], candidates=2)
    return cw, certificate_services.certificates_issue(actor=cw.manager, batch=cw.batch)


def raw_column(model, pk=None) -> list[str]:
    quote = connection.ops.quote_name
    sql = f"SELECT {quote('id_number')} FROM {quote(model._meta.db_table)}"
    with connection.cursor() as cursor:
        cursor.execute(sql + (" WHERE id = %s" if pk else ""), [pk] if pk else [])
        return [row[0] for row in cursor.fetchall()]


def test_the_database_holds_no_plain_id_number_in_any_id_column(issued):
    cw, (certificate, _other) = issued
    BatchStaff.objects.create(batch=cw.batch, role=BatchStaff.Role.PROCTOR, name="何静", id_number="34010419850101002X")
    person = certificate.person
    assert PLAIN_ID.fullmatch(person.id_number)  # the application sees the plain number
    for model in (Person, Certificate, BatchStaff, StaffMember):
        stored = raw_column(model)
        assert all(crypto.is_sealed(value) and not PLAIN_ID.search(value) for value in stored), model
    assert person.id_number not in " ".join(raw_column(Person) + raw_column(Certificate))
    # Deterministic: the person and their certificate hold the same stored text (joins and lookups work).
    assert raw_column(Person, person.pk) == raw_column(Certificate, certificate.pk)
    stored = raw_column(Person, person.pk)[0]
    assert len(stored) <= Person._meta.get_field("id_number").max_length
    assert BatchStaff.objects.get(id_number="34010419850101002X").name == "何静"


def test_exact_in_and_iexact_lookups_find_the_row_partial_lookups_are_refused(issued):
    _cw, (certificate, other) = issued
    number = certificate.id_number
    assert Certificate.objects.get(id_number=number) == certificate
    assert Certificate.objects.get(id_number=f"  {number.lower()} ") == certificate  # normalised like the stored value
    assert set(Certificate.objects.filter(id_number__in=[number, other.id_number])) == {certificate, other}
    assert Person.objects.filter(id_number__iexact=number.lower()).get() == certificate.person
    assert Certificate.objects.filter(person__id_number=number).get() == certificate
    assert list(Person.objects.filter(pk=certificate.person_id).values_list("id_number", flat=True)) == [number]
    for lookup in ("startswith", "contains", "icontains", "gt", "endswith", "regex"):
        with pytest.raises(FieldError, match="only exact lookups"):
            Person.objects.filter(**{f"id_number__{lookup}": number[:6]}).count()


def test_one_person_per_id_document_still_enforced_by_the_database(issued):
    _cw, (certificate, _other) = issued
    person = certificate.person
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(id_type=person.id_type, id_number=person.id_number.lower(), name="冒名", sex="M",
                              birth_date=person.birth_date)
    assert Person.objects.filter(id_number=person.id_number).count() == 1


def test_a_wrong_data_key_fails_loudly_instead_of_returning_rubbish(issued, monkeypatch):
    _cw, (certificate, _other) = issued
    ring = crypto.key_ring()
    monkeypatch.setenv(crypto.KEY_ENV, crypto.new_key_entry())  # a key this data was never written with
    crypto.reset_key_cache()
    with pytest.raises(crypto.DataKeyError, match="does not hold"):
        Person.objects.get(pk=certificate.person_id)
    same_kid_other_bytes = f"{ring.current}:{crypto.new_key_entry().split(':')[1]}"
    monkeypatch.setenv(crypto.KEY_ENV, same_kid_other_bytes)
    crypto.reset_key_cache()
    with pytest.raises(crypto.DataKeyError, match="does not decrypt"):
        Certificate.objects.get(pk=certificate.pk)
    monkeypatch.setenv(crypto.KEY_ENV, "k1:tooshort")
    crypto.reset_key_cache()
    with pytest.raises(crypto.DataKeyError, match="32 random bytes"):
        Person.objects.get(pk=certificate.person_id)


def test_the_embedded_key_file_is_generated_once_readable_by_its_owner_only(settings):
    first = crypto.key_ring().current
    path = crypto.key_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    crypto.reset_key_cache()
    assert crypto.key_ring().current == first


def test_production_refuses_to_invent_a_key(settings, tmp_path, monkeypatch):
    monkeypatch.delenv(crypto.KEY_ENV, raising=False)
    settings.VAR_DIR = tmp_path
    settings.SKILLEVAL_ENV = "production"
    with pytest.raises(crypto.DataKeyError, match="required in production"):
        crypto.key_ring()
    assert not (tmp_path / "data-keys").exists()


def test_migration_encrypts_existing_rows_and_reverses(issued):
    _cw, (certificate, _other) = issued
    number = certificate.id_number
    quote = connection.ops.quote_name
    forwards, backwards = crypto.encrypt_column("certificates", "Certificate")
    editor = SimpleNamespace(connection=connection)
    backwards(django_apps, editor)
    assert number in raw_column(Certificate, certificate.pk)  # plain again, as before the migration
    with connection.cursor() as cursor:  # an old lower-case row gets normalised on the way in
        cursor.execute(f"UPDATE {quote('certificates_certificate')} SET {quote('id_number')} = %s WHERE id = %s",
                       [number.lower(), certificate.pk])
    forwards(django_apps, editor)
    forwards(django_apps, editor)  # twice: already encrypted rows are left alone
    stored = raw_column(Certificate, certificate.pk)[0]
    assert crypto.is_sealed(stored) and number.lower() not in stored and number not in stored
    assert Certificate.objects.get(id_number=number) == certificate


def test_backups_carry_ciphertext_and_load_back_to_the_plain_number(issued):
    _cw, (certificate, _other) = issued
    person = certificate.person
    dumped = serializers.serialize("json", [person, certificate])
    assert person.id_number not in dumped and raw_column(Person, person.pk)[0] in dumped
    loaded = [o.object for o in serializers.deserialize("json", dumped)]
    assert [o.id_number for o in loaded] == [person.id_number, person.id_number]


def test_rotating_the_key_reencrypts_every_column_and_lookups_follow(issued, monkeypatch):
    cw, (certificate, _other) = issued
    BatchStaff.objects.create(batch=cw.batch, role=BatchStaff.Role.PROCTOR, name="何静", id_number="34010419850101002X")
    old = crypto.key_file().read_text().strip()
    new_entry = crypto.new_key_entry()
    ring = crypto.parse_key_ring(f"{new_entry},{old}", origin="test")
    counts = crypto.reseal_all(connection, ring)
    assert counts["accounts.Person.id_number"] >= 2 and counts["batches.BatchStaff.id_number"] >= 1
    monkeypatch.setenv(crypto.KEY_ENV, f"{new_entry},{old}")
    crypto.reset_key_cache()
    assert all(value.startswith(ring.current + "$") for value in raw_column(Person) + raw_column(BatchStaff))
    assert Certificate.objects.get(id_number=certificate.id_number) == certificate
    assert BatchStaff.objects.get(id_number="34010419850101002X").name == "何静"


def test_rotate_data_key_command_rewrites_the_embedded_key_file(issued):
    from django.core.management import call_command

    _cw, (certificate, _other) = issued
    before = crypto.key_ring().current
    call_command("rotate_data_key")
    crypto.reset_key_cache()
    after = crypto.key_ring()
    assert after.current != before and before in after.ciphers  # the old key stays to read old backups
    assert raw_column(Certificate, certificate.pk)[0].startswith(after.current + "$")
    assert Certificate.objects.get(id_number=certificate.id_number) == certificate


def test_the_public_query_by_name_and_id_number_still_finds_the_certificate(client, issued):
    _cw, (certificate, other) = issued
    assert certificates_public_by_identity(name=certificate.name, id_number=certificate.id_number) == [certificate]
    page = client.post(reverse("certificates:query"), {"name": certificate.name, "id_number": certificate.id_number})
    content = page.content.decode()
    assert certificate.number in content and other.number not in content
    assert certificate.id_number not in content  # masked on the public page


def test_the_audit_trail_receives_masked_id_numbers_only(issued):
    _cw, (certificate, _other) = issued
    values = snapshot(certificate.person)
    assert values["id_number"] == certificate.person.masked_id_number
    assert certificate.person.id_number not in str(values)


def test_restore_refuses_a_backup_whose_data_key_this_machine_does_not_hold(tmp_path, reference, monkeypatch):
    from skilleval.core.backup import backup_create, backup_restore
    from skilleval.core.errors import DomainError

    archive = tmp_path / "b.tar.gz"
    manifest = backup_create(archive)
    assert manifest["data_key"] == crypto.key_ring().current
    monkeypatch.setenv(crypto.KEY_ENV, crypto.new_key_entry())  # another machine's key
    crypto.reset_key_cache()
    with pytest.raises(DomainError, match=f"密钥 {manifest['data_key']} 加密，本机没有该密钥"):
        backup_restore(archive)
