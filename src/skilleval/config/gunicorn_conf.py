"""gunicorn settings for production, also what the benchmarks start:

    gunicorn -c python:skilleval.config.gunicorn_conf skilleval.config.wsgi:application

gthread workers (keep-alive; threads overlap a request's waits on PostgreSQL and Redis).
A worker's threads share one GIL: with the interpreter's default 5 ms switch interval a
thread whose database answer has arrived can wait up to 5 ms for the thread holding the
GIL; at 0.5 ms (SKILLEVAL_WEB_SWITCH_INTERVAL) it waits a tenth of that, which on the
public query raised throughput and cut the p99 (see the README's benchmarks). Processes
and threads per process: SKILLEVAL_WEB_WORKERS (default: the CPU count) and
SKILLEVAL_WEB_THREADS (default 4). No preload: the master stays a small arbiter."""

from __future__ import annotations

import os
import sys
from typing import Any


def _number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


workers = int(_number("SKILLEVAL_WEB_WORKERS", os.cpu_count() or 2))
threads = int(_number("SKILLEVAL_WEB_THREADS", 4))
worker_class = "gthread"
keepalive = 5
graceful_timeout = 5
SWITCH_INTERVAL = _number("SKILLEVAL_WEB_SWITCH_INTERVAL", 0.0005)


def post_worker_init(worker: Any) -> None:
    """Each worker process: hand the GIL over sooner (see the module docstring)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
