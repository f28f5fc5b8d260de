"""Personal data at rest: ID numbers stored as deterministic authenticated encryption.

`ProtectedIdNumberField` normalises an ID number (strip, upper case) and stores
`<kid>$<base64url(AES-SIV(value))>`. AES-SIV (RFC 5297) is deterministic: the same number
under the same key always gives the same stored text, so the ciphertext doubles as the keyed
lookup token. `filter(id_number=x)`, `__in`, unique constraints and joins between tables
(one key for every ID column) keep working; the database never holds the plain number, and
the stored text cannot be forged or altered without the key (the SIV is also the tag).
Partial lookups (`__contains`, `__startswith`, ranges, ...) are refused with a clear error:
there is no partial search on ID numbers. `__iexact` is the exact lookup (values are
normalised to upper case).

The keys: `SKILLEVAL_DATA_KEY` (required in production; several app servers must share it)
or, in the embedded default, the generated file `<VAR_DIR>/data-keys/keys` (mode 0600), like
the certificate signing keys. Both hold one or more `kid:base64url(32 random bytes)` entries,
comma- or line-separated; the first one encrypts, every one decrypts (the kid in the stored
text picks it). The AES-SIV key is derived from that key with HKDF, never from SECRET_KEY.
A value written under a key the ring does not hold, or that does not authenticate, raises
`DataKeyError` rather than returning rubbish. `skilleval rotate_data_key` re-encrypts every
ID column under a new first key in one transaction.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.validators import MaxLengthValidator
from django.db import models

SEPARATOR = "$"
KEY_ENV = "SKILLEVAL_DATA_KEY"
ASSOCIATED_DATA = [b"skilleval:id_number:v1"]
HKDF_INFO = b"skilleval data key -> AES-SIV id_number v1"
ALLOWED_LOOKUPS = {"exact", "iexact", "in", "isnull"}


class DataKeyError(ImproperlyConfigured):
    """The data key is missing, malformed or not the one the stored values were written with."""


@dataclass(frozen=True)
class KeyRing:
    current: str
    ciphers: dict[str, AESSIV]

    def cipher(self, kid: str) -> AESSIV:
        try:
            return self.ciphers[kid]
        except KeyError:
            raise DataKeyError(
                f"An ID number was encrypted with data key {kid!r}, which this installation does not hold "
                f"(keys: {', '.join(self.ciphers)}). Set {KEY_ENV} or restore <VAR_DIR>/data-keys/ from the "
                "machine that wrote the data.") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_file() -> Path:
    return Path(settings.VAR_DIR) / "data-keys" / "keys"


def new_key_entry() -> str:
    return f"{secrets.token_hex(3)}:{_b64(secrets.token_bytes(32))}"


def _derive(master: bytes) -> AESSIV:
    return AESSIV(HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=HKDF_INFO).derive(master))


def parse_key_ring(text: str, *, origin: str) -> KeyRing:
    ciphers: dict[str, AESSIV] = {}
    current = ""
    for entry in text.replace("\n", ",").split(","):
        entry = entry.strip()
        if not entry:
            continue
        kid, sep, material = entry.partition(":")
        try:
            master = _unb64(material.strip()) if sep else b""
        except (binascii.Error, ValueError):
            master = b""
        if not kid.isalnum() or len(master) < 32:
            raise DataKeyError(f"{origin}: every entry must be kid:base64url(32 random bytes); {kid!r} is not.")
        ciphers[kid] = _derive(master)
        current = current or kid
    if not ciphers:
        raise DataKeyError(f"{origin} holds no data key.")
    return KeyRing(current=current, ciphers=ciphers)


def write_key_file(text: str) -> Path:
    """Write the key ring file atomically with mode 0600 (its folder 0700)."""
    path = key_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text.strip() + "\n")
    os.replace(temporary, path)
    return path


@lru_cache(maxsize=4)
def _ring(env_value: str, path: str) -> KeyRing:
    if env_value:
        return parse_key_ring(env_value, origin=KEY_ENV)
    file = Path(path)
    if not file.exists():
        if getattr(settings, "SKILLEVAL_ENV", "") == "production":
            raise DataKeyError(f"{KEY_ENV} is required in production (kid:base64url of 32 random bytes; "
                               "`skilleval rotate_data_key --print-new` prints one).")
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(file.parent, 0o700)
            descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race: read its key
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(new_key_entry() + "\n")
    return parse_key_ring(file.read_text(), origin=str(file))


def key_ring() -> KeyRing:
    return _ring(os.environ.get(KEY_ENV, "").strip(), str(key_file()))


def reset_key_cache() -> None:
    _ring.cache_clear()


def normalise(value: Any) -> str:
    return str(value).strip().upper()


def is_sealed(value: str) -> bool:
    return SEPARATOR in value


def seal(value: str, ring: KeyRing | None = None) -> str:
    """Encrypt a normalised ID number under the ring's current key."""
    ring = ring or key_ring()
    body = ring.cipher(ring.current).encrypt(value.encode("utf-8"), ASSOCIATED_DATA)
    return f"{ring.current}{SEPARATOR}{_b64(body)}"


def unseal(stored: str, ring: KeyRing | None = None) -> str:
    ring = ring or key_ring()
    kid, sep, body = stored.partition(SEPARATOR)
    if not sep:
        raise DataKeyError("A stored ID number is not encrypted: run the migrations (they encrypt existing rows).")
    try:
        return ring.cipher(kid).decrypt(_unb64(body), ASSOCIATED_DATA).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError):
        raise DataKeyError(
            f"A stored ID number does not decrypt with data key {kid!r}: the key is not the one the data was "
            "written with, or the stored value was altered.") from None


def stored_length(plain_length: int) -> int:
    """Column size for the stored text: kid, separator, base64 of 16-byte SIV + UTF-8 text."""
    body = 16 + plain_length * 3
    return 16 + 1 + (body * 4 + 2) // 3


class ProtectedIdNumberField(models.CharField):
    """An ID number encrypted at rest; exact lookups only (see the module docstring)."""

    description = "ID number, encrypted at rest (AES-SIV)"

    def __init__(self, *args: Any, plain_length: int = 40, **kwargs: Any) -> None:
        self.plain_length = plain_length
        kwargs["max_length"] = stored_length(plain_length)
        super().__init__(*args, **kwargs)
        self.validators.append(MaxLengthValidator(plain_length))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        kwargs["plain_length"] = self.plain_length
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return value if value in (None, "") else unseal(value)

    def to_python(self, value: Any) -> Any:
        # A serialised (backup) value arrives sealed: open it, so it is written again under the current key.
        if isinstance(value, str) and is_sealed(value):
            return unseal(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if value in (None, "") else normalise(value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        return value if value in (None, "") else seal(value)

    def value_to_string(self, obj: Any) -> str:
        # Backups and dumps carry the sealed text, never the plain number.
        value = self.value_from_object(obj)
        return "" if value in (None, "") else seal(normalise(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ALLOWED_LOOKUPS:
            raise FieldError(
                f"ID numbers are encrypted at rest: only exact lookups (exact, in, isnull) work on "
                f"{self.model.__name__}.{self.name}, not {lookup_name!r}.")
        if lookup_name == "iexact":  # values are normalised to upper case: iexact is exact
            lookup_name = "exact"
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"max_length": self.plain_length, **kwargs})


def sealed_fields() -> Iterable[tuple[type[models.Model], ProtectedIdNumberField]]:
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_fields:
            if isinstance(field, ProtectedIdNumberField):
                yield model, field


def _reseal_table(connection: Any, table: str, column: str, convert: Any) -> int:
    quote = connection.ops.quote_name
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {quote(column)} FROM {quote(table)} WHERE {quote(column)} <> ''")
        rows = cursor.fetchall()
        updates = [(new, pk) for pk, old in rows if (new := convert(old)) != old]
        for start in range(0, len(updates), 1000):
            cursor.executemany(f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s",
                               updates[start:start + 1000])
        changed = len(updates)
    return changed


def reseal_all(connection: Any, ring: KeyRing) -> dict[str, int]:
    """Re-encrypt every ID column under `ring.current` (rows under any key of the ring)."""
    counts = {}
    for model, field in sealed_fields():
        counts[f"{model._meta.label}.{field.name}"] = _reseal_table(
            connection, model._meta.db_table, str(field.column),
            lambda old: seal(unseal(old, ring), ring))
    return counts


def encrypt_column(app_label: str, model_name: str, column: str = "id_number") -> Any:
    """A RunPython pair for migrations: encrypt a plain column (forwards), decrypt it (backwards)."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        table = apps.get_model(app_label, model_name)._meta.db_table
        _reseal_table(schema_editor.connection, table, column,
                      lambda old: old if is_sealed(old) else seal(normalise(old)))

    def backwards(apps: Any, schema_editor: Any) -> None:
        table = apps.get_model(app_label, model_name)._meta.db_table
        _reseal_table(schema_editor.connection, table, column,
                      lambda old: unseal(old) if is_sealed(old) else old)

    return forwards, backwards


def data_key_rotate() -> dict[str, Any]:
    """Re-encrypt every ID column under a new current key, in one transaction.

    Embedded default (no `SKILLEVAL_DATA_KEY`): a new key is generated and put first in the
    key file, the old ones stay after it (they still open old backups). With the variable set,
    the operator puts the new entry first (`--print-new` makes one) and keeps the old ones
    after it; this re-encrypts the rows written under the old ones. Lookups use the current
    key only, so run it right after deploying the new variable."""
    from django.db import connection, transaction
    from django.utils.translation import gettext as _

    from .audit import audit_record
    from .models import AuditEvent

    from_env = bool(os.environ.get(KEY_ENV, "").strip())
    old = key_ring()
    if from_env:
        text, ring = "", old
    else:
        text = new_key_entry() + "\n" + key_file().read_text().strip()
        ring = parse_key_ring(text, origin=str(key_file()))
    with transaction.atomic():
        counts = reseal_all(connection, ring)
        audit_record(actor=None, action=AuditEvent.Action.UPDATE, object_type="core.datakey", object_id=ring.current,
                     object_repr=ring.current, summary=_("证件号码加密密钥轮换：%(n)d 条重新加密") % {"n": sum(counts.values())},
                     before={"kid": old.current}, after={"kid": ring.current, "columns": counts})
        if text:
            write_key_file(text)
    reset_key_cache()
    return {"kid": ring.current, "previous": old.current, "reencrypted": counts}
