"""Benchmark registry and the framework_floor benchmark.

A benchmark is a function taking the command's options (an argparse-like
namespace with `duration`, `concurrency`, `warmup` and `log`, a callable that
writes a progress line to stderr) and returning a list of result dicts with the
keys that apply among: name, size, seconds, per_second, p50_ms, p99_ms, peak_mb
(plus any extra figures, such as errors). Apps add their own with:

    from skilleval.portal.bench import register

    @register("catalog_import")
    def catalog_import(options):
        ...

The `bench` command imports the `bench` module of every skilleval app, so a
benchmark only has to live in `skilleval/<app>/bench.py`.
"""

import http.client
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from skilleval.core.crypto import new_key_entry

Benchmark = Callable[[Any], list[dict]]

BENCHMARKS: dict[str, Benchmark] = {}


def register(name: str) -> Callable[[Benchmark], Benchmark]:
    def decorator(func: Benchmark) -> Benchmark:
        existing = BENCHMARKS.get(name)
        if existing is not None and existing.__qualname__ != func.__qualname__:
            raise ValueError(f"Benchmark {name!r} is already registered by {existing.__module__}.")
        BENCHMARKS[name] = func
        return func

    return decorator


# --- framework_floor --------------------------------------------------------

HOST = "127.0.0.1"
HEALTH_PATH = "/healthz"
STARTUP_TIMEOUT = 30.0

# The production settings (skilleval.config.gunicorn_conf: gthread, keep-alive 5 s, the
# GIL switch interval 0.5 ms in each worker) with two workers of four threads each, fixed
# here so figures compare across machines. The machine has two cores and the load
# generator needs CPU too, so more processes than cores (the usual 2n+1) would only add
# context switches and memory. gthread rather than sync because sync workers do not
# support keep-alive; the threads let a worker overlap the waits of several connections
# while the GIL serialises the Python work. No --preload: the master then stays a small
# arbiter and only the workers load Django, as in a default deployment. The control
# socket (gunicorn >= 24) is off so parallel runs do not fight over ~/.gunicorn/gunicorn.ctl.
GUNICORN_ARGS = [
    "--config", "python:skilleval.config.gunicorn_conf",
    "--workers", "2",
    "--threads", "4",
    "--log-level", "warning",
    "--no-control-socket",
]


class Rollback(Exception):
    """Raised at the end of a benchmark's transaction so nothing it wrote stays."""


def peak_reset() -> bool:
    """Reset this process's peak resident memory (Linux); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_mb(reset: bool) -> float:
    """This process's peak resident memory in MB, since `peak_reset()` when it worked."""
    if reset:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def production_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Settings derived from the var dir must follow the temporary one.
    for name in ("SKILLEVAL_STATIC_ROOT", "SKILLEVAL_MEDIA_ROOT", "SKILLEVAL_DEBUG"):
        env.pop(name, None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "skilleval.config.settings.base",
        "SKILLEVAL_ENV": "production",
        "SKILLEVAL_SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
        # Production requires the ID-number key from the environment (core/crypto.py).
        "SKILLEVAL_DATA_KEY": os.environ.get("SKILLEVAL_DATA_KEY") or new_key_entry(),
        "SKILLEVAL_SSL_REDIRECT": "false",
        "SKILLEVAL_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SKILLEVAL_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def log_tail(path: Path, lines: int = 12) -> str:
    """The last lines of the server log, without traceback frames, so the
    exception message (e.g. ImproperlyConfigured) is not pushed out."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    summary = [line for line in text.splitlines()
               if line.strip() and not line[0].isspace() and not line.startswith("Traceback")]
    return "\n".join(summary[-lines:])


def wait_until_healthy(server: subprocess.Popen, port: int, server_log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError(f"gunicorn 启动失败（退出码 {server.returncode}）。日志摘要：\n{log_tail(server_log)}")
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            conn.request("GET", HEALTH_PATH)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.1)
    raise CommandError(
        f"gunicorn 在 {STARTUP_TIMEOUT:.0f} 秒内没有在 {HEALTH_PATH} 返回 200。日志摘要：\n{log_tail(server_log)}"
    )


def child_pids(pid: int) -> list[int]:
    """Direct children of a process, from /proc (no psutil)."""
    children: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children.update(int(child) for child in (task / "children").read_text().split())
        return sorted(children)
    except OSError:
        pass
    # Kernels without CONFIG_PROC_CHILDREN: scan every process's parent id.
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, ...
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.add(int(entry.name))
    return sorted(children)


def peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


@register("framework_floor")
def framework_floor(options) -> list[dict]:
    """Requests per second and latency of the trivial /healthz view on the
    production configuration (gunicorn), loaded from a separate process."""
    with tempfile.TemporaryDirectory(prefix="skilleval-bench-") as tmp:
        var_dir = Path(tmp)
        # WhiteNoise warns at start-up when STATIC_ROOT does not exist; /healthz
        # needs no collected static files, so an empty folder is enough.
        (var_dir / "static").mkdir()
        server_log = var_dir / "gunicorn.log"
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "skilleval.config.wsgi:application",
                   "--bind", f"{HOST}:{port}", *GUNICORN_ARGS]
        options.log(f"启动 gunicorn（生产配置）：{HOST}:{port}")
        with server_log.open("wb") as log_file:
            server = subprocess.Popen(command, env=production_env(var_dir), cwd=var_dir,
                                      stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
            try:
                wait_until_healthy(server, port, server_log)
                options.log(f"压测 {HEALTH_PATH}：并发 {options.concurrency}，预热 {options.warmup} 秒，"
                            f"计量 {options.duration} 秒")
                load = run_loadgen(f"http://{HOST}:{port}{HEALTH_PATH}", options)
                # Sum of the per-process peaks. Pages shared between the master and
                # the workers are counted once per process, so this is an upper bound.
                pids = [server.pid, *child_pids(server.pid)]
                peak_mb = sum(peak_rss_kb(pid) for pid in pids) / 1024
            finally:
                stop(server)
    return [{
        "name": "framework_floor",
        "size": load["requests"],
        "seconds": load["seconds"],
        "per_second": load["per_second"],
        "p50_ms": load["p50_ms"],
        "p99_ms": load["p99_ms"],
        "peak_mb": round(peak_mb, 1),
        "errors": load["errors"],
    }]


def run_loadgen(url: str, options) -> dict:
    command = [sys.executable, "-m", "skilleval.portal.loadgen", "--url", url,
               "--concurrency", str(options.concurrency), "--duration", str(options.duration),
               "--warmup", str(options.warmup)]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                   timeout=options.warmup + options.duration + 60)
    except subprocess.TimeoutExpired:
        raise CommandError("压测进程超时未结束。") from None
    if completed.returncode != 0:
        raise CommandError(f"压测进程失败（退出码 {completed.returncode}）：\n{completed.stderr.strip()}")
    try:
        return json.loads(completed.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise CommandError(f"无法解析压测进程的输出：{completed.stdout!r}") from None


from . import bench_pages  # noqa: E402,F401  (registers page_times)
