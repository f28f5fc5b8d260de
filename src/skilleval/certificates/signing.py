"""The platform's signing keys and the signed token in a certificate's QR code.

The token
---------
A QR code carries `<base>/c/<number>#<token>`. A browser never sends what follows `#`,
so the server only ever sees the number; an offline verifier reads the token. The token
is `base64url(payload) "." base64url(signature)`, where the payload is a compact JSON
array (positions fixed by version 1, see `FIELDS`) of the certificate's fields with the
ID number masked, the copy's revision and the key id, and the signature is the
platform's Ed25519 signature over `DOMAIN_TAG + payload`. The masked ID number is
signed, never a hash of the full number: an 18-digit ID's structure (region, birth date,
sequence, check digit) leaves so few candidates that such a hash is found by brute force.

The keys
--------
`PlatformKey` rows hold the public halves (published at `/certificates/keys.json` as a
JWKS); the private halves are in one PEM file per key under `<VAR_DIR>/signing-keys/`,
created with mode 0600. Why a file and not the database: database dumps and backups
travel further (to reporting copies, to whoever restores them) than the server's own
disk, and a leaked dump must not let anyone forge certificates. The file holds two keys:
the Ed25519 key for tokens, and a P-256 key whose self-signed X.509 certificate signs
the electronic PDFs (PAdES), because PDF readers widely check ECDSA but not yet Ed25519.
Rotation (`skilleval certificate_keys rotate`) creates a new key and retires the active
one; retired keys stay published so old tokens and PDFs still verify. A key is never
revoked: a certificate is revoked on its own (its status, shown online)."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _

TOKEN_VERSION = 1
DOMAIN_TAG = b"skilleval-certificate-v1\n"
# Positions of the version-1 payload array.
FIELDS = ("v", "kid", "number", "revision", "name", "id_type", "id_masked", "occupation_code", "occupation",
          "work_type", "level", "issued_on", "evaluation_organisation", "issuing_organisation")
FIELD_LABELS = {
    "number": "证书编号", "revision": "版次", "name": "姓名", "id_type": "证件类型", "id_masked": "证件号码（脱敏）",
    "occupation_code": "职业编码", "occupation": "职业", "work_type": "工种", "level": "等级代码",
    "issued_on": "发证日期", "evaluation_organisation": "评价机构", "issuing_organisation": "发证机构",
    "kid": "签名密钥",
}
MAX_TOKEN_LENGTH = 2000
KID_RE = re.compile(r"k[0-9a-z]{4,19}")


class TokenError(Exception):
    """The token does not verify. `message` is user-facing Chinese text."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text or ""):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------------------------------------
# Key files


def key_dir() -> Path:
    return Path(settings.VAR_DIR) / "signing-keys"


def key_file(kid: str) -> Path:
    if not KID_RE.fullmatch(kid):
        raise ValueError(f"bad kid {kid!r}")
    return key_dir() / f"{kid}.pem"


@dataclass(frozen=True)
class KeyMaterial:
    kid: str
    token_key: ed25519.Ed25519PrivateKey
    pdf_key: ec.EllipticCurvePrivateKey
    pdf_certificate: x509.Certificate

    @property
    def public_key(self) -> str:
        return b64url(self.token_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                                serialization.PublicFormat.Raw))

    @property
    def pdf_certificate_pem(self) -> str:
        return self.pdf_certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def new_kid(now: dt.datetime) -> str:
    return f"k{now:%Y%m%d}{secrets.token_hex(3)}"


def generate_key_material(kid: str, now: dt.datetime, *, years: int = 20) -> KeyMaterial:
    token_key = ed25519.Ed25519PrivateKey.generate()
    pdf_key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "企业技能人才自主评价平台"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"职业技能等级电子证书签章 {kid}"),
    ])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(pdf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(pdf_key.public_key()), critical=False)
        .sign(pdf_key, hashes.SHA256())
    )
    return KeyMaterial(kid=kid, token_key=token_key, pdf_key=pdf_key, pdf_certificate=certificate)


def write_key_file(material: KeyMaterial) -> Path:
    """Write the private keys (and the PDF certificate) to a new 0600 file; never overwrite."""
    folder = key_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = key_file(material.kid)
    pkcs8 = serialization.PrivateFormat.PKCS8
    content = b"".join([
        material.token_key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()),
        material.pdf_key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()),
        material.pdf_certificate.public_bytes(serialization.Encoding.PEM),
    ])
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    return path


def remove_key_file(kid: str) -> None:
    key_file(kid).unlink(missing_ok=True)


@functools.lru_cache(maxsize=8)
def load_key_material(kid: str) -> KeyMaterial:
    """The private keys of `kid` from its key file (cached per process)."""
    path = key_file(kid)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(str(path)) from None
    blocks = re.findall(rb"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----\n?", data, flags=re.S)
    token_key = serialization.load_pem_private_key(blocks[0], password=None)
    pdf_key = serialization.load_pem_private_key(blocks[1], password=None)
    certificate = x509.load_pem_x509_certificate(blocks[2])
    if not isinstance(token_key, ed25519.Ed25519PrivateKey) or not isinstance(pdf_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"key file {path} does not hold the expected keys")
    return KeyMaterial(kid=kid, token_key=token_key, pdf_key=pdf_key, pdf_certificate=certificate)


# ---------------------------------------------------------------------------------------------
# Tokens


def payload_values(fields: dict[str, Any]) -> list[Any]:
    return [TOKEN_VERSION if name == "v" else fields[name] for name in FIELDS]


def sign_token(fields: dict[str, Any], material: KeyMaterial) -> str:
    """The token for a certificate copy's fields (all of FIELDS but "v" and "kid")."""
    values = payload_values({**fields, "kid": material.kid})
    payload = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    signature = material.token_key.sign(DOMAIN_TAG + payload)
    return f"{b64url(payload)}.{b64url(signature)}"


@dataclass(frozen=True)
class VerifiedToken:
    fields: dict[str, Any]

    @property
    def kid(self) -> str:
        return self.fields["kid"]

    @property
    def number(self) -> str:
        return self.fields["number"]

    @property
    def revision(self) -> int:
        return self.fields["revision"]


def token_from_text(text: str) -> tuple[str, str]:
    """(number from the URL path or "", token) from a verification URL or a bare token."""
    text = (text or "").strip()
    if len(text) > MAX_TOKEN_LENGTH + 200:
        raise TokenError(_("内容过长，不是本平台的证书二维码。"))
    number = ""
    if "#" in text:
        before, text = text.split("#", 1)
        match = re.search(r"/c/([A-Za-z0-9]+)/?$", before)
        number = match.group(1).upper() if match else ""
    return number, text


def token_unverified_fields(token: str) -> dict[str, Any]:
    """The payload of a token, NOT verified (to find its key id)."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise TokenError(_("不是本平台的证书二维码内容。"))
    payload_text, _signature = token.split(".")
    try:
        values = json.loads(b64url_decode(payload_text).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise TokenError(_("二维码内容已损坏，无法解析。")) from None
    if not isinstance(values, list) or not values or values[0] != TOKEN_VERSION:
        raise TokenError(_("不支持的二维码版本。"))
    if len(values) != len(FIELDS):
        raise TokenError(_("二维码内容不完整。"))
    return dict(zip(FIELDS, values, strict=True))


def verify_token(token: str, public_keys: dict[str, ed25519.Ed25519PublicKey]) -> VerifiedToken:
    """Check the token's signature with the published public keys alone."""
    fields = token_unverified_fields(token)
    kid = fields.get("kid")
    key = public_keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise TokenError(_("签名密钥“%(k)s”不是平台公布的密钥，验证失败。") % {"k": str(kid)[:20]})
    payload_text, signature_text = token.split(".")
    try:
        key.verify(b64url_decode(signature_text), DOMAIN_TAG + b64url_decode(payload_text))
    except (InvalidSignature, ValueError):
        raise TokenError(_("签名验证失败：二维码内容被改动或不是本平台签发。")) from None
    return VerifiedToken(fields=fields)


# ---------------------------------------------------------------------------------------------
# Published public keys (JWKS)


def jwks(keys: list[Any]) -> dict[str, Any]:
    """The public keys as a JWK set: per platform key, its Ed25519 token key (kid) and its
    PDF-signing certificate (kid + "-pdf", with x5c)."""
    entries: list[dict[str, Any]] = []
    for key in keys:
        common = {"status": key.status, "activated": key.activated_at.isoformat(),
                  "retired": key.retired_at.isoformat() if key.retired_at else None}
        entries.append({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": key.kid,
                        "x": key.public_key, **common})
        der = x509.load_pem_x509_certificate(key.pdf_certificate.encode("ascii")).public_bytes(
            serialization.Encoding.DER)
        entries.append({"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": f"{key.kid}-pdf",
                        "x5c": [base64.b64encode(der).decode("ascii")], **common})
    return {"issuer": "skilleval", "token_version": TOKEN_VERSION, "keys": entries}


def public_keys_from_jwks(data: Any) -> dict[str, ed25519.Ed25519PublicKey]:
    """The Ed25519 token keys of a published JWK set, by kid."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise TokenError(_("公钥文件格式不正确：应为平台公布的 JSON（含 keys 列表）。"))
    keys: dict[str, ed25519.Ed25519PublicKey] = {}
    for entry in data["keys"]:
        if not isinstance(entry, dict) or entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue
        try:
            keys[str(entry["kid"])] = ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(str(entry["x"])))
        except (KeyError, ValueError):
            raise TokenError(_("公钥文件中密钥“%(k)s”的格式不正确。") % {"k": str(entry.get("kid"))[:20]}) from None
    if not keys:
        raise TokenError(_("公钥文件中没有 Ed25519 公钥。"))
    return keys


def public_key_objects(keys: list[Any]) -> dict[str, ed25519.Ed25519PublicKey]:
    return {k.kid: ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(k.public_key)) for k in keys}
