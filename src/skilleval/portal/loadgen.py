"""A small HTTP load generator, meant to run as its own process.

    python -m skilleval.portal.loadgen --url http://127.0.0.1:8000/healthz --concurrency 8 --duration 5

N threads each keep one keep-alive connection (http.client) and send GET
requests in a loop: first for the warm-up period (not measured), then for the
measured period, or until the hard request cap is reached. It prints one JSON
line: requests, errors, seconds, per_second, p50_ms, p99_ms.

With `--spec FILE` the requests come from a JSON file instead, for endpoints
that need a method, headers (a session cookie, a CSRF token) and a body:

    {"method": "POST", "expect": 200, "idempotent": true,
     "requests": [{"path": "/x/", "headers": {"Cookie": "..."}, "body": "v={seq}"}, ...]}

Worker k sends requests k, k+N, k+2N, ... of the list in turn (N = concurrency),
so with a list whose length is a multiple of N each entry always goes through the
same worker. "{seq}" in a path or body becomes a number that grows with every
request sent (a version, a unique key). A request counts as an error unless its
status is `expect`. The host and port stay those of `--url` (loopback only).

It only ever targets the loopback interface: any other host is refused.
It deliberately does not import Django, so it stays light and starts fast.
"""

import argparse
import http.client
import json
import math
import sys
import threading
import time
from urllib.parse import urlsplit

ALLOWED_HOSTS = frozenset({"127.0.0.1", "localhost"})
MAX_REQUESTS = 200_000
MAX_DURATION = 300.0
MAX_WARMUP = 60.0
MAX_CONCURRENCY = 256
REQUEST_TIMEOUT = 10.0
# After a failure on a fresh connection, back off a little instead of spinning.
ERROR_BACKOFF = 0.01


class Target:
    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme != "http":
            raise ValueError(f"只支持 http 地址：{url}")
        if parts.hostname not in ALLOWED_HOSTS:
            raise ValueError(f"只允许压测本机回环地址（127.0.0.1 或 localhost），拒绝：{parts.hostname}")
        if parts.username or parts.password:
            raise ValueError("地址中不能包含用户名或密码。")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class Request:
    """One request of a spec: method, path, headers and body ("{seq}" filled in per send)."""

    def __init__(self, method: str, path: str, headers: dict[str, str] | None = None, body: str = ""):
        if not path.startswith("/"):
            raise ValueError(f"请求路径应以 / 开头：{path}")
        self.method = method.upper()
        self.path = path
        self.headers = dict(headers or {})
        self.body = body

    def render(self, seq: int) -> tuple[str, bytes | None]:
        path = self.path.replace("{seq}", str(seq))
        body = self.body.replace("{seq}", str(seq)).encode() if self.body else None
        return path, body


class Spec:
    def __init__(self, requests: list[Request], expect: int = 200, idempotent: bool = True):
        if not requests:
            raise ValueError("请求列表为空。")
        self.requests = requests
        self.expect = expect
        self.idempotent = idempotent
        self._seq = 0
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str) -> "Spec":
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        method = str(data.get("method", "GET"))
        requests = [Request(str(r.get("method", method)), str(r["path"]), r.get("headers"), str(r.get("body", "")))
                    for r in data.get("requests", [])]
        return cls(requests, expect=int(data.get("expect", 200)), idempotent=bool(data.get("idempotent", True)))

    @classmethod
    def get(cls, path: str) -> "Spec":
        return cls([Request("GET", path)])

    def next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq


class Counter:
    """Measured requests, shared by all threads; enforces the hard cap."""

    def __init__(self, cap: int):
        self.cap = cap
        self.count = 0
        self.capped_at: float | None = None
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.count >= self.cap:
                return False
            self.count += 1
            if self.count == self.cap:
                self.capped_at = time.monotonic()
            return True


class Worker(threading.Thread):
    def __init__(self, target: Target, measure_start: float, measure_end: float, counter: Counter,
                 spec: Spec | None = None, index: int = 0, stride: int = 1):
        super().__init__(daemon=True)
        self.target = target
        self.measure_start = measure_start
        self.measure_end = measure_end
        self.counter = counter
        self.spec = spec or Spec.get(target.path)
        self.position = index % len(self.spec.requests)
        self.stride = stride
        self.latencies: list[float] = []
        self.errors = 0
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """The thread's connection and whether it is freshly opened."""
        if self.conn is None or self.conn.sock is None:
            if self.conn is not None:
                self.conn.close()
            self.conn = http.client.HTTPConnection(self.target.host, self.target.port, timeout=REQUEST_TIMEOUT)
            self.conn.connect()
            return self.conn, True
        return self.conn, False

    def _next(self) -> Request:
        request = self.spec.requests[self.position]
        self.position = (self.position + self.stride) % len(self.spec.requests)
        return request

    def _send(self, conn: http.client.HTTPConnection, request: Request, path: str, body: bytes | None) -> int:
        headers = {"Connection": "keep-alive", **request.headers}
        conn.request(request.method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status

    def _get(self) -> int:
        request = self._next()
        path, body = request.render(self.spec.next_seq())
        conn, fresh = self._connection()
        try:
            return self._send(conn, request, path, body)
        except (ConnectionError, http.client.HTTPException, OSError):
            conn.close()
            if fresh or not (request.method == "GET" or self.spec.idempotent):
                raise
        # The server closed an idle keep-alive connection: retry once on a new one,
        # as a browser would for an idempotent request.
        conn, _ = self._connection()
        return self._send(conn, request, path, body)

    def run(self) -> None:
        try:
            while True:
                started = time.monotonic()
                if started >= self.measure_end or self.counter.capped_at is not None:
                    return
                try:
                    ok = self._get() == self.spec.expect
                except (ConnectionError, http.client.HTTPException, OSError):
                    if self.conn is not None:
                        self.conn.close()
                    ok = False
                finished = time.monotonic()
                # A request counts if it completes inside the measured window.
                if self.measure_start <= finished <= self.measure_end and self.counter.take():
                    if ok:
                        self.latencies.append(finished - started)
                    else:
                        self.errors += 1
                if not ok:
                    time.sleep(ERROR_BACKOFF)
        finally:
            if self.conn is not None:
                self.conn.close()


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def run(target: Target, concurrency: int, duration: float, warmup: float, cap: int = MAX_REQUESTS,
        spec: Spec | None = None) -> dict:
    measure_start = time.monotonic() + warmup
    measure_end = measure_start + duration
    counter = Counter(cap)
    spec = spec or Spec.get(target.path)
    workers = [Worker(target, measure_start, measure_end, counter, spec, index=k, stride=concurrency)
               for k in range(concurrency)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=measure_end - time.monotonic() + 2 * REQUEST_TIMEOUT + 5)
    seconds = (counter.capped_at or measure_end) - measure_start
    latencies = sorted(value for worker in workers for value in worker.latencies)
    errors = sum(worker.errors for worker in workers)
    requests = len(latencies) + errors
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    return {
        "sent": spec.next_seq() - 1,  # every request sent, warm-up included
        "requests": requests,
        "errors": errors,
        "seconds": round(seconds, 3),
        "per_second": round(requests / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(p50 * 1000, 3) if p50 is not None else None,
        "p99_ms": round(p99 * 1000, 3) if p99 is not None else None,
    }


def bounded(kind, low, high):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"不是有效的数值：{text}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"取值应在 {low} 到 {high} 之间：{text}")
        return value

    return parse


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="本机回环地址上的 HTTP 压测工具（只允许 127.0.0.1 / localhost）。")
    parser.add_argument("--url", required=True, help="压测地址，例如 http://127.0.0.1:8000/healthz")
    parser.add_argument("--concurrency", type=bounded(int, 1, MAX_CONCURRENCY), default=8, help="并发线程数")
    parser.add_argument("--duration", type=bounded(float, 0.1, MAX_DURATION), default=5.0, help="计量时长（秒）")
    parser.add_argument("--warmup", type=bounded(float, 0.0, MAX_WARMUP), default=1.0, help="预热时长（秒），不计入结果")
    parser.add_argument("--max-requests", type=bounded(int, 1, MAX_REQUESTS), default=MAX_REQUESTS,
                        help="计量请求数上限")
    parser.add_argument("--spec", help="请求清单（JSON：方法、路径、请求头、请求体）；主机和端口仍取自 --url")
    options = parser.parse_args(argv)
    try:
        target = Target(options.url)
        spec = Spec.load(options.spec) if options.spec else None
    except (ValueError, KeyError, OSError) as exc:
        parser.error(str(exc))
    result = run(target, options.concurrency, options.duration, options.warmup, options.max_requests, spec)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
