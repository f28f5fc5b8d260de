"""The electronic certificate and its verification: the PDF (text, embedded CJK font,
QR link, PAdES signature that pyHanko validates and that breaks when the file changes)
and the signed token in the QR code (every field covered, key rotation, unknown keys,
the offline command and the published keys)."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import make_user
from skilleval.batches.models import Application
from skilleval.core.errors import DomainError

from .. import documents, services, signing
from ..models import PlatformKey
from ..selectors import platform_keys_published
from .factories import certifiable_world

pytestmark = pytest.mark.django_db
RARE = "𠮷"


@pytest.fixture
def issued(jurisdictions):
    cw = certifiable_world(jurisdictions["合肥市"], candidates=2)
    Application.objects.filter(pk=cw.world.applications[1].pk).update(name=f"王{RARE}")
    certificates = services.certificates_issue(actor=cw.manager, batch=cw.batch)
    return cw, certificates


def pdf_of(certificate):
    return services.copy_pdf_store(certificate.copies.get(revision=certificate.revision), certificate=certificate)


def trust_root(kid):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    return asn1_x509.Certificate.load(signing.load_key_material(kid).pdf_certificate.public_bytes(
        serialization.Encoding.DER))


def test_the_electronic_pdf_has_its_text_font_qr_link_and_a_valid_pades_signature(issued):
    _cw, certificates = issued
    certificate = certificates[0]
    content = pdf_of(certificate)
    reader = PdfReader(io.BytesIO(content))
    text = reader.pages[0].extract_text()
    for expected in ("职业技能等级证书", certificate.name, certificate.number, certificate.id_number, "五级/初级工",
                     "车工", certificate.issuing_organisation, "职业技能等级认定专用章"):
        assert expected in text
    fonts = [ref.get_object() for ref in reader.pages[0]["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:  # embedded (a subset of the CJK font), never a reader's font
        assert "WenQuanYiMicroHei" in font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"] if "/A" in a.get_object()]
    copy = certificate.copies.get()
    assert links == [documents.verification_url(certificate.number, copy.token)]
    assert links[0].split("#")[0].endswith(f"/c/{certificate.number}")

    signature = PdfFileReader(io.BytesIO(content)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[trust_root(copy.kid)]))
    assert status.intact and status.valid and status.trusted
    assert status.docmdp_ok and status.bottom_line

    altered = bytearray(content)
    at = content.index(b"/Producer")
    altered[at + 1] = ord("Q")
    status = validate_pdf_signature(PdfFileReader(io.BytesIO(bytes(altered))).embedded_signatures[0],
                                    ValidationContext(trust_roots=[trust_root(copy.kid)]))
    assert not status.intact and not status.bottom_line


def test_a_name_the_font_cannot_draw_is_left_for_handwriting_never_printed_as_boxes(issued):
    _cw, certificates = issued
    flagged = next(c for c in certificates if c.unprintable)
    assert flagged.unprintable == RARE
    text = PdfReader(io.BytesIO(pdf_of(flagged))).pages[0].extract_text()
    assert "王" not in text.split("证件类型")[0].split("姓")[-1]
    assert "由发证机构用黑色签字笔正楷填写并加盖印章" in text
    assert flagged.number in text


def tamper(token: str, index: int, value) -> str:
    payload, signature = token.split(".")
    values = json.loads(signing.b64url_decode(payload))
    values[index] = value
    data = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    return f"{signing.b64url(data)}.{signature}"


def test_the_token_verifies_from_the_public_keys_and_any_changed_field_fails(issued):
    _cw, certificates = issued
    copy = certificates[0].copies.get()
    keys = signing.public_keys_from_jwks(signing.jwks(platform_keys_published()))
    verified = signing.verify_token(copy.token, keys)
    assert verified.number == certificates[0].number and verified.revision == 1
    assert verified.fields["id_masked"] == certificates[0].masked_id_number
    assert certificates[0].id_number not in signing.b64url_decode(copy.token.split(".")[0]).decode()
    for index, name in enumerate(signing.FIELDS):
        if name in ("v", "kid"):
            continue
        original = verified.fields[name]
        changed = original + 1 if isinstance(original, int) else f"{original}x"
        with pytest.raises(signing.TokenError, match="签名验证失败"):
            signing.verify_token(tamper(copy.token, index, changed), keys)
    payload, signature = copy.token.split(".")
    forged = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    with pytest.raises(signing.TokenError):
        signing.verify_token(f"{payload}.{forged}", keys)
    with pytest.raises(signing.TokenError, match="不是平台公布的密钥"):
        signing.verify_token(tamper(copy.token, 1, "k2099unknown"), keys)
    for garbage in ("", "abc", "a.b.c", "!!!.???", "x" * 5000, f"{signing.b64url(b'[2]')}.{signature}"):
        with pytest.raises(signing.TokenError):
            signing.verify_token(garbage, keys)


def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(issued):
    cw, certificates = issued
    old = certificates[0].copies.get()
    with pytest.raises(DomainError, match="平台管理员"):
        services.platform_key_rotate(actor=cw.manager)
    from skilleval.accounts.access import actor_for

    admin = actor_for(make_user(Role.PLATFORM_ADMIN))
    new_key = services.platform_key_rotate(actor=admin)
    assert PlatformKey.objects.get(kid=old.kid).status == PlatformKey.Status.RETIRED
    assert new_key.kid != old.kid and new_key.status == PlatformKey.Status.ACTIVE
    reissued = services.certificate_reissue(actor=cw.manager, certificate=certificates[0], kind="reissue",
                                            reason="证书遗失")
    assert reissued.kid == new_key.kid
    keys = signing.public_keys_from_jwks(signing.jwks(platform_keys_published()))
    assert signing.verify_token(old.token, keys).revision == 1
    assert signing.verify_token(reissued.token, keys).revision == 2
    certificates[0].refresh_from_db()
    content = pdf_of(certificates[0])
    status = validate_pdf_signature(PdfFileReader(io.BytesIO(content)).embedded_signatures[0],
                                    ValidationContext(trust_roots=[trust_root(new_key.kid)]))
    assert status.bottom_line
    published = {k["kid"] for k in signing.jwks(platform_keys_published())["keys"]}
    assert {old.kid, new_key.kid, f"{old.kid}-pdf", f"{new_key.kid}-pdf"} <= published


def test_the_offline_command_verifies_from_the_keys_file_alone(issued, client, tmp_path, capsys):
    _cw, certificates = issued
    copy = certificates[0].copies.get()
    keys_file = tmp_path / "keys.json"
    keys_file.write_bytes(client.get(reverse("certificates:keys")).content)
    url = documents.verification_url(certificates[0].number, copy.token)
    call_command("certificate_verify", url, keys=str(keys_file))
    out = capsys.readouterr().out
    assert "签名有效" in out and certificates[0].number in out and certificates[0].masked_id_number in out
    for bad in (tamper(copy.token, 4, "李四"), url.replace(certificates[0].number, certificates[1].number)):
        with pytest.raises(SystemExit) as exit_info:
            call_command("certificate_verify", bad, keys=str(keys_file))
        assert exit_info.value.code == 1
        assert "核验失败" in capsys.readouterr().err
    keys_file.write_text(json.dumps({"keys": []}))
    with pytest.raises(SystemExit):
        call_command("certificate_verify", copy.token, keys=str(keys_file))
    assert "没有 Ed25519 公钥" in capsys.readouterr().err


def test_the_published_keys_are_public_json(client, issued):
    response = client.get(reverse("certificates:keys"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    token_keys = [k for k in data["keys"] if k["kty"] == "OKP"]
    assert token_keys and token_keys[0]["crv"] == "Ed25519" and "d" not in token_keys[0]
    assert all("PRIVATE" not in json.dumps(k) for k in data["keys"])
    assert client.get(reverse("api:keys")).json()["keys"] == data["keys"]
