"""Proofs of special vocational ability (专项职业能力证书): issued by the same service once
the report is accepted, numbered in their own "ZX" sequence (never a 22-digit level
serial), rendered as a PDF titled 专项职业能力证书 naming the ability and its norm,
verifiable through the public query and /c/<number>, and listed in the register with
their kind and on the holder's page."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from skilleval.accounts.access import actor_for
from skilleval.accounts.models import Role
from skilleval.accounts.tests.factories import PASSWORD, make_user
from skilleval.batches.tests.factories import special_world
from skilleval.core.errors import DomainError

from .. import documents, services, signing
from ..forms import clean_certificate_number
from ..models import CERTIFICATE_NUMBER_RE, PROOF_LEVEL_CODE, Certificate, PlatformKey, SerialCounter
from .factories import certifiable_world, passed_result, report_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def special(jurisdictions):
    org, manager, batch, ability, applications, _authority = special_world(jurisdictions["合肥市"])
    results = [passed_result(a) for a in applications]
    return org, manager, batch, ability, results


def _issue(special):
    org, manager, batch, _ability, _results = special
    report_for(batch, manager.user)
    return services.certificates_issue(actor=manager, batch=batch)


def test_no_proof_before_the_report_is_accepted(special):
    _org, manager, batch, _ability, _results = special
    with pytest.raises(DomainError, match="尚未经人社部门备案接收"):
        services.certificates_issue(actor=manager, batch=batch)
    assert not Certificate.objects.exists()


def test_proofs_take_their_own_zx_numbers_not_level_serials(special):
    org, _manager, _batch, ability, _results = special
    proofs = _issue(special)
    year = proofs[0].issued_on.year % 100
    assert [p.number for p in proofs] == [f"ZX{org.filing_number}{year:02d}{n:06d}" for n in (1, 2, 3)]
    for proof in proofs:
        assert len(proof.number) == 23 and CERTIFICATE_NUMBER_RE.fullmatch(proof.number)
        assert proof.kind == Certificate.Kind.SPECIAL and proof.special_ability == ability
        assert proof.level is None and proof.level_code == PROOF_LEVEL_CODE
    # Their own counter; no level counter moved, so the level range stays whole.
    assert list(SerialCounter.objects.values_list("level_code", "last_serial")) == [(PROOF_LEVEL_CODE, 3)]


def test_proofs_and_level_certificates_do_not_share_a_sequence(special, jurisdictions):
    org, manager, batch, _ability, _results = special
    proofs = _issue(special)
    # A level batch of another organisation numbers from its range as before.
    cw = certifiable_world(jurisdictions["合肥市"], name="合肥等级证书对照有限公司")
    level = services.certificates_issue(actor=cw.manager, batch=cw.batch)
    assert all(len(c.number) == 22 and not c.number.startswith("ZX") for c in level)
    assert level[0].number.endswith(f"5{cw.org.cert_serial_start:06d}")
    assert {p.number[:2] for p in proofs} == {"ZX"}


def test_issuing_a_proof_twice_is_refused(special):
    _org, manager, batch, _ability, results = special
    _issue(special)
    with pytest.raises(DomainError, match="没有待发证的合格人员"):
        services.certificates_issue(actor=manager, batch=batch)
    with pytest.raises(DomainError, match="已发证"):
        services.certificates_issue(actor=manager, batch=batch, results=[results[0]])


def test_the_proof_pdf_is_titled_and_names_the_ability_and_its_norm(special):
    proofs = _issue(special)
    proof = Certificate.objects.select_related("special_ability", "id_type").get(pk=proofs[0].pk)
    pdf = documents.render_certificate(proof, proof.copies.get(), electronic=True)
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "专项职业能力证书" in text and "职业技能等级证书" not in text
    assert "数控车床操作" in text and "合肥市数控车床操作专项职业能力考核规范" in text and "操作技能（合格）" in text
    assert proof.number in text and "专项职业能力考核专用章" in text
    assert reader.metadata.title == f"专项职业能力证书 {proof.number}"


def test_the_signed_token_covers_the_ability(special):
    proofs = _issue(special)
    proof = Certificate.objects.get(pk=proofs[0].pk)
    copy = proof.copies.get()
    fields = services.token_fields(proof, 1)
    assert fields["occupation"] == "数控车床操作" and fields["occupation_code"] == "ZX340100-0018"
    assert fields["level"] == PROOF_LEVEL_CODE
    verified = signing.verify_token(copy.token, signing.public_key_objects(list(PlatformKey.objects.all())))
    assert {k: verified.fields[k] for k in fields} == fields


def test_public_query_and_verification_page_show_the_proof_masked(client, special):
    proofs = _issue(special)
    proof = proofs[0]
    page = client.get(reverse("certificates:query"), {"number": proof.number})
    body = page.content.decode()
    assert page.status_code == 200
    assert "专项职业能力证书" in body and "数控车床操作" in body and "有效" in body
    assert proof.masked_id_number in body and proof.id_number not in body
    verify = client.get(reverse("certificate_verify", args=[proof.number]))
    assert verify.status_code == 200 and "数控车床操作" in verify.content.decode()
    # Lower-case and full-width input is normalised; a short ZX number gets its own message.
    assert clean_certificate_number(proof.number.lower()) == proof.number
    bad = client.get(reverse("certificates:query"), {"number": proof.number[:-1]}).content.decode()
    assert "专项职业能力证书编号应为23位" in bad


def test_register_lists_the_kind_and_filters_by_it(client, special):
    org, _manager, _batch, _ability, _results = special
    _issue(special)
    clerk = make_user(Role.ORG_ADMIN, organisation=org)
    client.login(username=clerk.username, password=PASSWORD)
    body = client.get(reverse("certificates:register"), {"kind": "special"}).content.decode()
    assert "证书类别" in body and "专项职业能力证书" in body and "ZX" in body
    assert 'data-testid="register-special"' in body
    level_only = client.get(reverse("certificates:register"), {"kind": "level"}).content.decode()
    assert f"ZX{org.filing_number}" not in level_only


def test_the_holder_sees_the_proof_on_their_page(client, special):
    proofs = _issue(special)
    proof = proofs[0]
    holder = proof.person.user
    client.login(username=holder.username, password=PASSWORD)
    body = client.get(reverse("certificates:mine")).content.decode()
    assert "数控车床操作 · 专项职业能力证书" in body and proof.number in body
    detail = client.get(reverse("certificates:detail", args=[proof.pk])).content.decode()
    assert 'data-testid="certificate-kind"' in detail and "合肥市数控车床操作专项职业能力考核规范" in detail
    pdf = client.get(reverse("certificates:copy_pdf", args=[proof.pk, 1]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert actor_for(holder).person_id == proof.person_id
