"""The public certificate query's guard: a per-client counter in Django's cache (Redis
in production, see SKILLEVAL_CACHE_URL), an arithmetic captcha drawn on the server
once a client has used its free queries, and a hard limit per window. Nothing here
touches the database, and no third-party service is involved.

Within one window (SKILLEVAL_CERT_QUERY_WINDOW_SECONDS) a client (its address) may
make SKILLEVAL_CERT_QUERY_FREE queries freely; each further query needs a freshly
solved captcha; past SKILLEVAL_CERT_QUERY_LIMIT queries it is refused until the window
ends. Every attempt counts, captcha attempts included, so the limit also bounds
guessing. A captcha is used once."""

from __future__ import annotations

import functools
import io
import math
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

CAPTCHA_SECONDS = 300
_PREFIX = "certq"


@dataclass(frozen=True)
class Gate:
    allowed: bool
    captcha_required: bool = False
    limited: bool = False
    retry_after: int = 0
    message: str = ""


def client_of(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def _window() -> tuple[int, int]:
    """(index of the current window, seconds until it ends)."""
    length = max(1, int(settings.SKILLEVAL_CERT_QUERY_WINDOW_SECONDS))
    now = time.time()
    return int(now // length), length - int(now % length)


def query_gate(client: str, *, captcha_token: str = "", captcha_answer: str = "") -> Gate:
    """Count this query attempt and say whether it may run."""
    index, left = _window()
    key = f"{_PREFIX}:n:{client}:{index}"
    cache.add(key, 0, timeout=left + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=left + 5)
        count = 1
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
