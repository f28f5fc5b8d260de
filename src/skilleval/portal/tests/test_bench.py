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


BENCH_KEYS = ["name", "size", "seconds", "per_second", "p50_ms", "p99_ms", "peak_mb"]


def test_every_line_carries_the_standard_keys_first():
    from skilleval.portal.bench import BENCHMARKS, register

    @register("format_probe")
    def format_probe(options):
        return [{"name": "format_probe", "size": 10, "seconds": 2.0, "rows_checked": 10}]

    try:
        stdout = StringIO()
        call_command("bench", "--only", "format_probe", stdout=stdout, stderr=StringIO())
    finally:
        BENCHMARKS.pop("format_probe")
    line = json.loads(stdout.getvalue())
    # Standard keys first and in order; a missing rate is size / seconds, a missing latency null.
    assert list(line)[:7] == BENCH_KEYS
    assert line["per_second"] == 5.0
    assert line["p50_ms"] is None and line["p99_ms"] is None
    assert line["rows_checked"] == 10


@pytest.mark.django_db
def test_page_times_reports_the_slowest_pages(reference, monkeypatch):
    from skilleval.certificates.models import Certificate
    from skilleval.portal.synthetic import Sizes, synthesize

    synthesize(sizes=Sizes(organisations=3, candidates=60, certificates=60), seed=7)
    monkeypatch.setenv("SKILLEVAL_BENCH_PAGE_RUNS", "1")
    stdout = StringIO()
    call_command("bench", "--only", "page_times", stdout=stdout, stderr=StringIO())

    line = json.loads(stdout.getvalue())
    assert list(line)[:7] == BENCH_KEYS
    assert line["name"] == "page_times" and line["size"] == 60
    assert line["errors"] == [], line["errors"]  # every main page answered 200 for its role
    assert line["pages"] > 40
    assert len(line["slowest"]) == 10 and line["slowest"][0][1] >= line["slowest"][-1][1]
    assert line["p99_ms"] >= line["p50_ms"] > 0
    # Rolled back: the users it made and nothing else stayed.
    assert Certificate.objects.count() == 60
