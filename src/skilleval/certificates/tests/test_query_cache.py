"""The public query's lean path: cached answers that never go stale (issue, reissue,
correction and revocation drop them when they commit), answers that hold no full ID
number (neither the page nor the cache), the limit counted once per request also on
Redis (production's cache), and the client's address behind a trusted proxy."""

import re
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from .. import query, services
from .factories import certifiable_world
from .test_query import text

pytestmark = pytest.mark.django_db

REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": "redis://127.0.0.1:6379/12", "KEY_PREFIX": "test-query-cache"}}


@pytest.fixture(autouse=True)
def generous(settings):
    """A clear cache, and room for the many queries here."""
    cache.clear()
    settings.SKILLEVAL_CERT_QUERY_FREE = settings.SKILLEVAL_CERT_QUERY_LIMIT = 1000


@pytest.fixture
def issued(jurisdictions):
    cw = certifiable_world(jurisdictions["合肥市"], candidates=2)
    certificates = services.certificates_issue(actor=cw.manager, batch=cw.batch)
    cache.clear()  # issued a while ago: the markers the issue left (query.TOMBSTONE_SECONDS) are gone
    return cw, certificates


def number_page(client, number, **extra) -> str:
    return text(client.get(reverse("certificates:query"), {"number": number}, **extra))


def identity_page(client, name, id_number) -> str:
    return text(client.post(reverse("certificates:query"), {"name": name, "id_number": id_number}))


def api_status(client, number) -> str:
    return client.get(reverse("api:public_query_number"), {"number": number}).json()["certificates"][0]["status"]


def test_a_revocation_shows_at_once_on_every_public_answer(client, issued, django_capture_on_commit_callbacks):
    cw, (certificate, _other) = issued
    verify = reverse("certificate_verify", args=[certificate.number])
    # Every kind of answer is read once, so each is cached.
    assert "有效" in number_page(client, certificate.number)
    assert "有效" in text(client.get(verify))
    assert api_status(client, certificate.number) == "valid"
    assert certificate.number in identity_page(client, certificate.name, certificate.id_number)
    assert cache.get(query.answer_key_number(certificate.number))["row"]["status"] == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(actor=cw.manager, certificate=certificate, ground="fraud",
                                    reason="冒用他人工作年限")
    assert "已撤销" in number_page(client, certificate.number)
    assert "已撤销" in text(client.get(verify))
    assert api_status(client, certificate.number) == "revoked"
    page = identity_page(client, certificate.name, certificate.id_number)
    assert "已撤销" in page and "以弄虚作假等不正当手段取得" in page


def test_a_reissue_and_a_name_correction_show_at_once(client, issued, django_capture_on_commit_callbacks):
    cw, (certificate, _other) = issued
    old_name = certificate.name
    assert old_name in number_page(client, certificate.number)
    assert certificate.number in identity_page(client, old_name, certificate.id_number)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_reissue(actor=cw.manager, certificate=certificate, kind="reissue",
                                     reason="证书遗失，已登报声明")
    page = number_page(client, certificate.number)
    assert "已补发" in page and "现行为第 2 版" in page
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_reissue(actor=cw.manager, certificate=certificate, kind="correction",
                                     reason="身份证姓名为“张晓明”，证书误印", corrected_name="张晓明")
    page = number_page(client, certificate.number)
    assert "张晓明" in page and old_name not in page and "现行为第 3 版" in page
    # By name and ID number: the old name no longer finds it, the corrected one does.
    assert "未查询到与该姓名和证件号码对应的证书" in identity_page(client, old_name, certificate.id_number)
    assert certificate.number in identity_page(client, "张晓明", certificate.id_number)


def test_an_answer_read_just_before_a_change_is_not_cached_after_it(client, issued,
                                                                    django_capture_on_commit_callbacks):
    """A query that read the certificate before the revocation committed, and stores its
    answer only afterwards, must not bring the old status back."""
    cw, (certificate, _other) = issued
    assert "有效" in number_page(client, certificate.number)
    old = cache.get(query.answer_key_number(certificate.number))
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(actor=cw.manager, certificate=certificate, ground="fraud", reason="伪造材料")
    query.answer_set(query.answer_key_number(certificate.number), old)  # the slow query's late write
    assert "已撤销" in number_page(client, certificate.number)
    assert api_status(client, certificate.number) == "revoked"


def test_a_number_issued_after_a_miss_is_found_at_once(client, jurisdictions, django_capture_on_commit_callbacks):
    cw = certifiable_world(jurisdictions["合肥市"], candidates=1)
    person = cw.world.applications[0].person
    assert "未查询到与该姓名和证件号码对应的证书" in identity_page(client, person.name, person.id_number)
    with django_capture_on_commit_callbacks(execute=True):
        (certificate,) = services.certificates_issue(actor=cw.manager, batch=cw.batch)
    assert certificate.number in number_page(client, certificate.number)
    assert certificate.number in identity_page(client, person.name, person.id_number)


def test_no_answer_and_no_cache_entry_holds_the_full_id_number(client, issued):
    _cw, (certificate, _other) = issued
    for response in (client.get(reverse("certificates:query"), {"number": certificate.number}),
                     client.post(reverse("certificates:query"), {"name": certificate.name,
                                                                  "id_number": certificate.id_number}),
                     client.get(reverse("certificate_verify", args=[certificate.number])),
                     client.get(reverse("api:public_query_number"), {"number": certificate.number}),
                     client.post(reverse("api:public_query_number"), {"name": certificate.name,
                                                                      "id_number": certificate.id_number},
                                 content_type="application/json")):
        assert response.status_code == 200
        body = response.content.decode()
        assert certificate.masked_id_number in body and certificate.id_number not in body
    # The cache holds the masked number only, under a keyed hash of the full one.
    key = query.answer_key_identity(certificate.id_number)
    assert certificate.id_number not in key
    cached = [cache.get(key), cache.get(query.answer_key_number(certificate.number))]
    assert all(cached) and certificate.id_number not in repr(cached)
    assert certificate.masked_id_number in repr(cached)


@override_settings(CACHES=REDIS)
def test_on_redis_the_limit_captcha_and_fresh_answers_work(client, issued, settings,
                                                           django_capture_on_commit_callbacks):
    cache.clear()
    settings.SKILLEVAL_CERT_QUERY_FREE = 2
    settings.SKILLEVAL_CERT_QUERY_LIMIT = 4
    cw, (certificate, _other) = issued
    url = reverse("certificates:query")
    for _n in range(2):
        assert certificate.name in number_page(client, certificate.number)
    assert cache.get(query.answer_key_number(certificate.number))["row"]["status"] == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(actor=cw.manager, certificate=certificate, ground="fraud", reason="伪造材料")
    response = client.get(url, {"number": certificate.number})
    assert "请输入验证码" in text(response) and certificate.name not in text(response)
    token = re.search(r'name="captcha_token" value="([^"]+)"', response.content.decode()).group(1)
    a, op, b = re.match(r"(\d+) ([+-]) (\d+)", query.captcha_question(token)).groups()
    page = text(client.get(url, {"number": certificate.number, "captcha_token": token,
                                 "captcha_answer": int(a) + int(b) if op == "+" else int(a) - int(b)}))
    assert certificate.name in page and "已撤销" in page
    response = client.get(url, {"number": certificate.number})
    assert response.status_code == 429 and "查询过于频繁" in text(response)
    cache.clear()


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(client, issued, settings):
    settings.SKILLEVAL_CERT_QUERY_FREE = 1
    settings.SKILLEVAL_CERT_QUERY_LIMIT = 2
    settings.SKILLEVAL_TRUSTED_PROXIES = ["10.0.0.0/8"]
    _cw, (certificate, _other) = issued
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    # The client is the right-most address the proxies did not add: what a client puts in
    # front of it (here "8.8.8.8") is not believed.
    for _n in range(2):
        number_page(client, certificate.number, HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.7, 10.0.0.9", **proxy)
    page = number_page(client, certificate.number, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7", **proxy)
    assert "查询过于频繁" in page and certificate.name not in page
    # Another client behind the same proxy is not affected.
    page = number_page(client, certificate.number, HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy)
    assert certificate.name in page


def test_a_client_cannot_dodge_the_limit_with_its_own_forwarded_header(client, issued, settings):
    settings.SKILLEVAL_CERT_QUERY_FREE = 1
    settings.SKILLEVAL_CERT_QUERY_LIMIT = 2
    _cw, (certificate, _other) = issued
    for trusted in ([], ["10.0.0.0/8"]):  # no proxy configured; a proxy, but not this client
        settings.SKILLEVAL_TRUSTED_PROXIES = trusted
        cache.clear()
        pages = [number_page(client, certificate.number, REMOTE_ADDR="192.0.2.10",
                             HTTP_X_FORWARDED_FOR=f"198.51.100.{n}") for n in range(3)]
        assert certificate.name in pages[0]
        assert "查询过于频繁" in pages[2] and certificate.name not in pages[2]


def test_a_malformed_proxy_setting_stops_the_start_with_a_clear_message():
    env = {"SKILLEVAL_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example", "DJANGO_SETTINGS_MODULE":
           "skilleval.config.settings.base", "PATH": "/usr/bin:/bin"}
    completed = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode != 0
    assert "SKILLEVAL_TRUSTED_PROXIES" in completed.stderr and "proxy.example" in completed.stderr


def test_the_verification_page_offers_a_rotated_key_at_once_without_reading_the_keys_each_time(
        client, issued, django_capture_on_commit_callbacks, django_assert_num_queries):
    from skilleval.accounts.access import actor_for
    from skilleval.accounts.models import Role
    from skilleval.accounts.tests.factories import make_user

    from ..models import PlatformKey

    _cw, (certificate, other) = issued
    old_kid = PlatformKey.objects.get().kid
    assert old_kid in client.get(reverse("certificate_verify", args=[certificate.number])).content.decode()
    # Published keys and the answer are cached now: the next page reads nothing from the database.
    cache.delete(query.answer_key_number(other.number))
    client.get(reverse("certificate_verify", args=[other.number]))
    with django_assert_num_queries(0):
        page = client.get(reverse("certificate_verify", args=[other.number])).content.decode()
    assert old_kid in page
    with django_capture_on_commit_callbacks(execute=True):
        new_kid = services.platform_key_rotate(actor=actor_for(make_user(Role.PLATFORM_ADMIN))).kid
    page = client.get(reverse("certificate_verify", args=[certificate.number])).content.decode()
    assert new_kid in page and old_kid in page  # the retired key still verifies what it signed
