"""The public certificate query's guard: a per-client counter in Django's cache (Redis
in production, see SKILLEVAL_CACHE_URL), an arithmetic captcha drawn on the server
once a client has used its free queries, and a hard limit per window. Nothing here
touches the database, and no third-party service is involved.

Within one window (SKILLEVAL_CERT_QUERY_WINDOW_SECONDS) a client (its address) may
make SKILLEVAL_CERT_QUERY_FREE queries freely; each further query needs a freshly
solved captcha; past SKILLEVAL_CERT_QUERY_LIMIT queries it is refused until the window
ends. Every attempt counts, captcha attempts included, so the limit also bounds
guessing. A captcha is used once.

The client is the connection's address (REMOTE_ADDR); behind a reverse proxy listed in
SKILLEVAL_TRUSTED_PROXIES it is the right-most address of X-Forwarded-For that is not one
of those proxies, so a client cannot pick its own key by sending that header itself.
Counting costs one cache round trip: with Redis a pipelined SET NX EX + INCR.

The public answers (what verification needs, as plain values) are cached per certificate
number and per ID number (under a keyed hash, never the number itself);
`public_answers_forget` drops them when a certificate changes and again after the commit
(issue, reissue, correction, revocation: see services.py), leaving a short-lived marker
so that a query which read the old state meanwhile cannot cache it: a query never shows
a stale status."""

from __future__ import annotations

import functools
import io
import ipaddress
import math
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

CAPTCHA_SECONDS = 300
# A cached public answer lives this long at most (changes drop it at once anyway).
ANSWER_SECONDS = 600
# After a change, the answer's key holds a marker this long, and answers are only ever
# added, never overwritten: a query that read the old state just before the change
# committed cannot put it back into the cache.
TOMBSTONE_SECONDS = 30
_PREFIX = "certq"
# The published signing keys ({kid: public key}), dropped when a key is created or rotated.
PUBLIC_KEYS_KEY = f"{_PREFIX}:keys"
PUBLIC_KEYS_SECONDS = 3600


@dataclass(frozen=True)
class Gate:
    allowed: bool
    captcha_required: bool = False
    limited: bool = False
    retry_after: int = 0
    message: str = ""


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_of(request) -> str:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy
    (SKILLEVAL_TRUSTED_PROXIES), in which case the right-most address of X-Forwarded-For
    that is not a trusted proxy (what the proxies themselves saw). A client's own
    X-Forwarded-For is ignored when it does not come through a trusted proxy."""
    remote = (request.META.get("REMOTE_ADDR") or "unknown")[:64]
    networks = _networks(tuple(settings.SKILLEVAL_TRUSTED_PROXIES))
    if not networks or not _trusted(remote, networks):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed(forwarded[-20:]):
        if not address:
            continue
        try:
            ipaddress.ip_address(address)
        except ValueError:
            break  # garbage the proxies would not have written: fall back to the proxy
        if not _trusted(address, networks):
            return address
    return remote


@functools.cache
def _redis_client(pool: Any) -> Any:
    import redis

    return redis.Redis(connection_pool=pool)


def _redis(backend: RedisCache) -> tuple[Any, Any]:
    """A redis-py client on the connection pool of Django's Redis cache (one per pool,
    thread-safe: Django builds a new client object for every cache call, a third of a
    millisecond each) and the cache's serializer, so values stay readable by `cache.get`."""
    raw: Any = backend._cache
    return _redis_client(raw._get_connection_pool(write=True)), raw._serializer


def _count_and_get(key: str, seconds: int, answer_key: str | None) -> tuple[int, Any]:
    """Add one to a counter that lives `seconds` and, in the same round trip, read the
    cached answer under `answer_key` (None when there is none). With Redis one pipelined
    round trip (SET NX EX, INCR, GET); with another cache backend its API."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full = backend.make_and_validate_key(key)
        client, serializer = _redis(backend)
        pipe = client.pipeline(transaction=False)
        pipe.set(full, 0, ex=seconds, nx=True)
        pipe.incr(full)
        if answer_key is not None:
            pipe.get(backend.make_and_validate_key(answer_key))
        replies = pipe.execute()
        cached = None
        if answer_key is not None and replies[2] is not None:
            cached = serializer.loads(replies[2])
        return int(replies[1]), cached
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count, (cache.get(answer_key) if answer_key is not None else None)


def _window() -> tuple[int, int]:
    """(index of the current window, seconds until it ends)."""
    length = max(1, int(settings.SKILLEVAL_CERT_QUERY_WINDOW_SECONDS))
    now = time.time()
    return int(now // length), length - int(now % length)


def query_gate(client: str, *, captcha_token: str = "", captcha_answer: str = "") -> Gate:
    """Count this query attempt and say whether it may run."""
    return query_gate_and_answer(client, None, captcha_token=captcha_token, captcha_answer=captcha_answer)[0]


def query_gate_and_answer(client: str, answer_key: str | None, *, captcha_token: str = "",
                          captcha_answer: str = "") -> tuple[Gate, Any]:
    """query_gate, and the cached answer under `answer_key` read in the same round trip
    (None when not cached or just changed, and always None when the query may not run)."""
    index, left = _window()
    count, cached = _count_and_get(f"{_PREFIX}:n:{client}:{index}", left + 5, answer_key)
    gate = _decide(count, left, captcha_token, captcha_answer)
    return gate, (cached if gate.allowed and cached else None)


def _decide(count: int, left: int, captcha_token: str, captcha_answer: str) -> Gate:
    if count > settings.SKILLEVAL_CERT_QUERY_LIMIT:
        minutes = max(1, math.ceil(left / 60))
        return Gate(allowed=False, limited=True, retry_after=left, message=_(
            "查询过于频繁，已达到每个时段 %(n)d 次的上限。请 %(m)d 分钟后再试。") % {
            "n": settings.SKILLEVAL_CERT_QUERY_LIMIT, "m": minutes})
    if count > settings.SKILLEVAL_CERT_QUERY_FREE:
        if not captcha_token and not captcha_answer:
            return Gate(allowed=False, captcha_required=True, message=_("查询次数较多，请输入验证码后继续查询。"))
        if not captcha_check(captcha_token, captcha_answer):
            return Gate(allowed=False, captcha_required=True, message=_("验证码不正确或已过期，请重新输入。"))
    return Gate(allowed=True)


# ---------------------------------------------------------------------------------------------
# Cached public answers


def answer_key_number(number: str) -> str:
    return f"{_PREFIX}:a:n:{number}"


def answer_key_identity(id_number: str) -> str:
    """Keyed hash of the ID number: the cache never holds the number itself."""
    digest = salted_hmac("skilleval.certificates.query", id_number.strip().upper(), algorithm="sha256").hexdigest()
    return f"{_PREFIX}:a:i:{digest}"


def answer_set(key: str, value: Any) -> None:
    """Cache an answer unless the key holds one, or the marker of a recent change."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client, serializer = _redis(backend)
        client.set(backend.make_and_validate_key(key), serializer.dumps(value), ex=ANSWER_SECONDS, nx=True)
    else:
        cache.add(key, value, timeout=ANSWER_SECONDS)


def public_answers_forget(certificates: Iterable[Any], *, numbers: bool = True) -> None:
    """Drop the cached answers of these certificates (by number and by ID number) once
    the current transaction commits: the next query reads the new state. `numbers=False`
    for certificates just issued: an unknown number's answer is never cached."""
    keys = set()
    for certificate in certificates:
        if numbers:
            keys.add(answer_key_number(certificate.number))
        if certificate.id_number:
            keys.add(answer_key_identity(certificate.id_number))
    if keys:
        # Now, and again after the commit: a query running meanwhile may have read the old state.
        markers = dict.fromkeys(sorted(keys), 0)  # 0: no answer (an answer is never falsy)
        cache.set_many(markers, timeout=TOMBSTONE_SECONDS)
        transaction.on_commit(lambda: cache.set_many(markers, timeout=TOMBSTONE_SECONDS))


def public_keys_forget() -> None:
    """Drop the cached published keys, now and after the commit (a key was created or rotated)."""
    cache.delete(PUBLIC_KEYS_KEY)
    transaction.on_commit(lambda: cache.delete(PUBLIC_KEYS_KEY))


# ---------------------------------------------------------------------------------------------
# Captcha


def captcha_new() -> str:
    """A new captcha; returns its token (the answer stays in the cache)."""
    a, b = secrets.randbelow(20) + 1, secrets.randbelow(20) + 1
    plus = secrets.randbelow(2) == 0
    if not plus and b > a:
        a, b = b, a
    token = secrets.token_urlsafe(16)
    cache.set(f"{_PREFIX}:c:{token}", {"q": f"{a} {'+' if plus else '-'} {b} = ?", "a": a + b if plus else a - b},
              timeout=CAPTCHA_SECONDS)
    return token


def captcha_check(token: str, answer: str) -> bool:
    if not token or len(token) > 64:
        return False
    key = f"{_PREFIX}:c:{token}"
    stored = cache.get(key)
    cache.delete(key)
    if not stored:
        return False
    try:
        return int(str(answer).strip()) == stored["a"]
    except (TypeError, ValueError):
        return False


def captcha_question(token: str) -> str | None:
    if not token or len(token) > 64:
        return None
    stored = cache.get(f"{_PREFIX}:c:{token}")
    return stored["q"] if stored else None


@functools.cache
def _font(size: int):
    from PIL import ImageFont

    from skilleval.core.pdf import FONT_FILE

    return ImageFont.truetype(str(FONT_FILE), size=size, index=0)


def captcha_png(question: str) -> bytes:
    """The question drawn as a PNG with noise: a character at a time, each shifted and
    turned a little, over lines and dots."""
    from PIL import Image, ImageDraw

    rng = secrets.SystemRandom()
    width, height = 160, 50
    image = Image.new("RGB", (width, height), (246, 248, 250))
    draw = ImageDraw.Draw(image)
    for _line in range(6):
        draw.line([(rng.randint(0, width), rng.randint(0, height)), (rng.randint(0, width), rng.randint(0, height))],
                  fill=(rng.randint(120, 200), rng.randint(120, 200), rng.randint(120, 200)), width=1)
    x = 8
    for ch in question:
        if ch == " ":
            x += 6
            continue
        glyph = Image.new("RGBA", (30, 40), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 2), ch, font=_font(26),
                                   fill=(rng.randint(10, 90), rng.randint(10, 90), rng.randint(60, 140)))
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=False)
        image.paste(glyph, (x, rng.randint(2, 10)), glyph)
        x += 19
    for _dot in range(120):
        draw.point((rng.randint(0, width - 1), rng.randint(0, height - 1)),
                   fill=(rng.randint(80, 200), rng.randint(80, 200), rng.randint(80, 200)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
