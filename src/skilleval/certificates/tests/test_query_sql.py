"""The public query's hand-written lookups (one SQL statement each, issue 7) give the very
answer the ORM gives: the same public row (masked ID, names of level, occupation, work
type, ability) and the same signed-token fields, for a valid, a reissued and renamed, a
revoked certificate and a proof of special ability; by number and by name + ID number."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from skilleval.batches.tests.factories import special_world

from .. import services
from ..models import Certificate
from ..selectors import (
    CERTIFICATE_RELATED,
    public_answer_by_number,
    public_answer_of,
    public_certificate_by_number,
    public_certificates_by_id_number,
    public_row,
    public_rows_by_identity,
)
from .factories import certifiable_world, passed_result, report_for

pytestmark = pytest.mark.django_db


def orm_answer(number: str) -> dict:
    """The answer built from the ORM's certificate (what the query did before issue 7)."""
    certificate = Certificate.objects.select_related(*CERTIFICATE_RELATED).get(number=number)
    return {"row": public_row(certificate), "record": services.token_fields(certificate, certificate.revision)}


@pytest.fixture
def register(jurisdictions, django_capture_on_commit_callbacks):
    cw = certifiable_world(jurisdictions["合肥市"], candidates=3)
    valid, renamed, revoked = services.certificates_issue(actor=cw.manager, batch=cw.batch)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_reissue(actor=cw.manager, certificate=renamed, kind="correction",
                                     reason="身份证姓名为“张晓明”，证书误印", corrected_name="张晓明")
        services.certificate_revoke(actor=cw.manager, certificate=revoked, ground="fraud", reason="冒用他人工作年限")
    org, manager, batch, _ability, applications, _authority = special_world(jurisdictions["合肥市"])
    for application in applications:
        passed_result(application)
    report_for(batch, manager.user)
    proofs = services.certificates_issue(actor=manager, batch=batch)
    return [Certificate.objects.get(pk=c.pk) for c in (valid, renamed, revoked, proofs[0])]


def test_the_sql_lookup_by_number_answers_exactly_as_the_orm(register):
    valid, renamed, revoked, proof = register
    assert renamed.name == "张晓明" and revoked.status == "revoked" and proof.kind == "special"
    for certificate in register:
        answer = public_answer_of(public_certificate_by_number(certificate.number))
        assert answer == orm_answer(certificate.number)
        # The answer holds the masked ID only, never the number itself.
        assert answer["row"]["id_masked"] == certificate.masked_id_number
        assert certificate.id_number not in repr(answer)
    row = public_answer_of(public_certificate_by_number(revoked.number))["row"]
    assert row["status_label"] == "已撤销" and row["revocation_ground"] == "以弄虚作假等不正当手段取得"
    assert row["revoked_on"] is not None
    proof_row = public_answer_of(public_certificate_by_number(proof.number))["row"]
    assert proof_row["ability"] and proof_row["norm"] and proof_row["kind_label"] == "专项职业能力证书"
    assert public_certificate_by_number(valid.number[:-1] + "9") is None


def test_the_sql_lookup_by_id_number_answers_exactly_as_the_orm(register):
    for certificate in register:
        expected = [public_row(c) for c in Certificate.objects.select_related(*CERTIFICATE_RELATED)
                    .filter(id_number=certificate.id_number).order_by("-issued_on", "number")]
        got = [public_row(c) for c in public_certificates_by_id_number(certificate.id_number.lower() + " ")]
        assert got == expected and got and got[0]["number"] == certificate.number
    assert public_certificates_by_id_number("110101199001011234") == []
    assert public_certificates_by_id_number("  ") == []


def test_a_cold_public_answer_costs_one_query(register, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    valid = register[0]
    with CaptureQueriesContext(connection) as by_number:
        assert public_answer_by_number(valid.number)["row"]["name"] == valid.name
    with CaptureQueriesContext(connection) as by_identity:
        rows = public_rows_by_identity(name=valid.name, id_number=valid.id_number)
    assert [r["number"] for r in rows] == [valid.number]
    assert len(by_number.captured_queries) == 1 and len(by_identity.captured_queries) == 1


def test_the_baked_public_templates_render_exactly_as_the_plain_ones(register):
    from django.template import Context
    from django.template.loader import get_template
    from django.utils import translation

    from .. import query, views

    rows = [public_answer_of(public_certificate_by_number(c.number))["row"] for c in register]
    answer = public_answer_of(public_certificate_by_number(register[0].number))
    gate = query.Gate(allowed=False, captcha_required=True, message="查询次数较多，请输入验证码后继续查询。")
    contexts = {
        "certificates/query.html": [
            {}, {"mode": "number", "searched": True, "results": rows, "number_value": rows[0]["number"]},
            {"mode": "identity", "searched": True, "results": [], "name_value": "张三", "csrf_token": "t" * 64},
            {"mode": "number", "number_errors": ["请输入完整的证书编号。"], "gate": gate, "captcha_token": "abc"}],
        "certificates/verify.html": [
            {"number": register[0].number, "row": answer["row"], "record": answer["record"], "keys": {"k1": "x"}},
            {"number_text": "12<b>", "malformed": True}, {"number": register[2].number, "not_found": True}],
    }
    with translation.override("zh-hans"):
        for name, cases in contexts.items():
            for context in cases:
                plain = get_template(name).render(dict(context))
                baked = views._baked(name, "zh-hans").render(Context(dict(context), autoescape=True))
                assert baked == plain and len(baked) > 200
    assert "已撤销" in plain or "未查询到" in plain or "证书核验" in plain
