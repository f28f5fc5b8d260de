import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from skilleval.portal.loadgen import Target


def test_framework_floor_runs_against_production_server():
    stdout, stderr = StringIO(), StringIO()
    call_command("bench", "--only", "framework_floor", "--duration", "1", "--concurrency", "2",
                 stdout=stdout, stderr=stderr)

    lines = stdout.getvalue().splitlines()
    assert len(lines) == 1, stdout.getvalue()
    result = json.loads(lines[0])
    assert result["name"] == "framework_floor"
    assert result["size"] > 0
    assert result["per_second"] > 0
    assert result["errors"] == 0
    assert result["p99_ms"] >= result["p50_ms"]
    assert result["peak_mb"] > 0


def test_unknown_benchmark_lists_known_names():
    with pytest.raises(CommandError, match="framework_floor"):
        call_command("bench", "--only", "nosuch")


@pytest.mark.parametrize("url", ["http://example.com/healthz", "http://10.0.0.1:8000/", "https://127.0.0.1/"])
def test_loadgen_refuses_non_loopback_targets(url):
    with pytest.raises(ValueError):
        Target(url)
