"""The public query (no login): by number, or by name plus ID number; exact input only,
the ID masked, nothing beyond what verification needs; rate-limited per client with a
captcha after repeated queries; bad input answers 'not found' or a clear message,
never a server error. Also the verification page /c/<number> and the API."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from .. import query, services
from .factories import certifiable_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    cache.clear()
    settings.SKILLEVAL_CERT_QUERY_FREE = 3
    settings.SKILLEVAL_CERT_QUERY_LIMIT = 6
    yield
    cache.clear()


@pytest.fixture
def issued(jurisdictions):
    cw = certifiable_world(jurisdictions["合肥市"], candidates=2)
    return cw, services.certificates_issue(actor=cw.manager, batch=cw.batch)


def text(response) -> str:
    content = response.content.decode()
    main = content[content.find("<main"):content.find("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_query_by_number_answers_with_the_masked_certificate_and_nothing_more(client, issued):
    cw, (certificate, other) = issued
    response = client.get(reverse("certificates:query"), {"number": certificate.number.lower()})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = text(response)
    assert certificate.number in page and certificate.name in page and "有效" in page
    assert certificate.masked_id_number in page and certificate.id_number not in response.content.decode()
    person = cw.world.applications[0].person
    assert person.birth_date.strftime("%Y-%m-%d") not in page and cw.world.applications[0].phone not in page
    assert other.number not in page and other.name not in page


def test_query_by_name_and_id_needs_both_exact(client, issued):
    cw, (certificate, other) = issued
    url = reverse("certificates:query")
    page = text(client.post(url, {"name": certificate.name, "id_number": certificate.id_number.lower()}))
    assert certificate.number in page and certificate.masked_id_number in page and other.number not in page
    for name, id_number in ((certificate.name[:1], certificate.id_number),  # part of the name
                            (certificate.name, certificate.id_number[:10]),  # part of the number
                            (other.name, certificate.id_number)):  # someone else's name
        cache.clear()
        page = text(client.post(url, {"name": name, "id_number": id_number}))
        assert "未查询到与该姓名和证件号码对应的证书" in page
        assert certificate.number not in page and other.number not in page
    cache.clear()
    wrong_check = certificate.id_number[:17] + ("0" if certificate.id_number[17] != "0" else "1")
    assert "校验位错误" in text(client.post(url, {"name": certificate.name, "id_number": wrong_check}))
    assert "必填" in text(client.post(url, {"name": certificate.name, "id_number": ""}))


@pytest.mark.parametrize("number", [
    "123", "Y90000000000026900001", "Y900000000000269000001", "Y900000000000265000000", "' OR 1=1 --",
    "%00%27", "<script>alert(1)</script>", "9" * 5000, "",
])
def test_malformed_numbers_get_a_clear_message_never_an_error(client, issued, number):
    response = client.get(reverse("certificates:query"), {"number": number})
    assert response.status_code == 200
    page = text(response)
    assert "证书编号" in page and ("22位" in page or "格式不正确" in page)
    assert "<script>alert(1)</script>" not in response.content.decode()
    response = client.get(f"/c/{number[:300]}")
    assert response.status_code == 404  # a number with "/" in it matches no page at all
    assert "<script>alert(1)</script>" not in response.content.decode()
    if "/" not in number and number:
        assert "格式不正确" in text(response) or "未查询到" in text(response)


def test_a_number_that_does_not_exist_says_so_and_nothing_else(client, issued):
    _cw, (certificate, _other) = issued
    full_width = certificate.number[:-1].replace("0", "０") + chr(ord("０") + int(certificate.number[-1]))
    assert certificate.name in text(client.get(reverse("certificates:query"), {"number": full_width}))
    missing = certificate.number[:-6] + "099999"
    page = text(client.get(reverse("certificates:query"), {"number": missing}))
    assert "未查询到该编号的证书" in page and certificate.name not in page
    response = client.get(reverse("certificate_verify", args=[missing]))
    assert response.status_code == 404 and "未查询到编号为" in text(response)


def test_repeated_queries_need_a_captcha_then_are_limited(client, issued, settings):
    settings.SKILLEVAL_CERT_QUERY_LIMIT = 7
    _cw, (certificate, _other) = issued
    url = reverse("certificates:query")
    for _n in range(3):
        assert certificate.name in text(client.get(url, {"number": certificate.number}))
    response = client.get(url, {"number": certificate.number})
    page = text(response)
    assert "请输入验证码" in page and certificate.name not in page
    token = re.search(r'name="captcha_token" value="([^"]+)"', response.content.decode()).group(1)
    image = client.get(reverse("certificates:captcha", args=[token]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png" and image.content[:4] == b"\x89PNG"
    a, op, b = re.match(r"(\d+) ([+-]) (\d+)", query.captcha_question(token)).groups()
    answer = int(a) + int(b) if op == "+" else int(a) - int(b)
    page = text(client.get(url, {"number": certificate.number, "captcha_token": token, "captcha_answer": answer + 1}))
    assert "验证码不正确" in page and certificate.name not in page
    assert "验证码不正确" in text(client.get(url, {"number": certificate.number, "captcha_token": token,
                                                 "captcha_answer": answer}))  # used once only
    token = query.captcha_new()
    a, op, b = re.match(r"(\d+) ([+-]) (\d+)", query.captcha_question(token)).groups()
    answer = int(a) + int(b) if op == "+" else int(a) - int(b)
    assert certificate.name in text(client.get(url, {"number": certificate.number, "captcha_token": token,
                                                      "captcha_answer": answer}))
    response = client.get(url, {"number": certificate.number})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "查询过于频繁" in text(response) and certificate.name not in text(response)
    # The verification page counts against the same limit; another client is not affected.
    assert client.get(reverse("certificate_verify", args=[certificate.number])).status_code == 429
    assert certificate.name in text(client.get(url, {"number": certificate.number}, REMOTE_ADDR="10.0.0.9"))


def test_the_verification_page_shows_the_status_and_masked_fields(client, issued):
    cw, (certificate, _other) = issued
    response = client.get(reverse("certificate_verify", args=[certificate.number]))
    assert response.status_code == 200
    page = text(response)
    assert certificate.name in page and certificate.masked_id_number in page and "有效" in page
    assert certificate.id_number not in response.content.decode()
    services.certificate_revoke(actor=cw.manager, certificate=certificate, ground="fraud", reason="冒用他人工作年限")
    cache.clear()
    page = text(client.get(reverse("certificate_verify", args=[certificate.number])))
    assert "已撤销" in page and "以弄虚作假等不正当手段取得" in page and "冒用他人工作年限" not in page


def test_the_api_answers_the_public_query_without_login(client, issued):
    _cw, (certificate, other) = issued
    url = reverse("api:public_query_number")
    data = client.get(url, {"number": certificate.number}).json()
    assert data["found"] and data["certificates"][0]["number"] == certificate.number
    assert data["certificates"][0]["id_number_masked"] == certificate.masked_id_number
    assert certificate.id_number not in str(data) and "birth" not in str(data)
    assert client.get(url, {"number": "Y900000000000265999999"}).json()["found"] is False
    bad = client.get(url, {"number": "' OR 1=1"})
    assert bad.status_code == 400 and "证书编号" in bad.json()["detail"]
    assert client.get(url, {"number": "9" * 500}).status_code == 422
    body = {"name": other.name, "id_number": other.id_number}
    data = client.post(url, body, content_type="application/json").json()
    assert [c["number"] for c in data["certificates"]] == [other.number]
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 429 and refused.json()["captcha_required"] and refused.json()["captcha_token"]
    for _n in range(3):
        client.get(url, {"number": certificate.number})
    assert "查询过于频繁" in client.get(url, {"number": certificate.number}).json()["detail"]
