"""A small HTTP load generator, meant to run as its own process.

    python -m skilleval.portal.loadgen --url http://127.0.0.1:8000/healthz --concurrency 8 --duration 5

N threads each keep one keep-alive connection (http.client) and send GET
requests in a loop: first for the warm-up period (not measured), then for the
measured period, or until the hard request cap is reached. It prints one JSON
line: requests, errors, seconds, per_second, p50_ms, p99_ms.

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
    def __init__(self, target: Target, measure_start: float, measure_end: float, counter: Counter):
        super().__init__(daemon=True)
        self.target = target
        self.measure_start = measure_start
        self.measure_end = measure_end
        self.counter = counter
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

    def _get(self) -> int:
        conn, fresh = self._connection()
        try:
            conn.request("GET", self.target.path, headers={"Connection": "keep-alive"})
            response = conn.getresponse()
            response.read()
            return response.status
        except (ConnectionError, http.client.HTTPException, OSError):
            conn.close()
            if fresh:
                raise
        # The server closed an idle keep-alive connection: retry once on a new one,
        # as a browser would for an idempotent GET.
        conn, _ = self._connection()
        conn.request("GET", self.target.path, headers={"Connection": "keep-alive"})
        response = conn.getresponse()
        response.read()
        return response.status

    def run(self) -> None:
        try:
            while True:
                started = time.monotonic()
                if started >= self.measure_end or self.counter.capped_at is not None:
                    return
                try:
                    ok = self._get() == 200
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


def run(target: Target, concurrency: int, duration: float, warmup: float, cap: int = MAX_REQUESTS) -> dict:
    measure_start = time.monotonic() + warmup
    measure_end = measure_start + duration
    counter = Counter(cap)
    workers = [Worker(target, measure_start, measure_end, counter) for _ in range(concurrency)]
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
    options = parser.parse_args(argv)
    try:
        target = Target(options.url)
    except ValueError as exc:
        parser.error(str(exc))
    result = run(target, options.concurrency, options.duration, options.warmup, options.max_requests)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
