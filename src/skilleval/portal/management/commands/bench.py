import json
from argparse import Namespace
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import module_has_submodule

from skilleval.portal.bench import BENCHMARKS

# Every line carries these keys, in this order (issue 9); null where a figure does not apply.
KEYS = ("name", "size", "seconds", "per_second", "p50_ms", "p99_ms", "peak_mb")


def normalise(result: dict) -> dict:
    """The result with every key of KEYS first: a missing rate is size / seconds, a
    missing latency or memory figure is null; the benchmark's other figures follow."""
    line = {key: result.get(key) for key in KEYS}
    if line["per_second"] is None and isinstance(line["size"], int | float) and line["seconds"]:
        line["per_second"] = round(line["size"] / line["seconds"], 1)
    line.update((key, value) for key, value in result.items() if key not in KEYS)
    return line


def discover_benchmarks() -> None:
    """Import `<app>.bench` for every skilleval app so its benchmarks register."""
    for app_config in apps.get_app_configs():
        if app_config.name.startswith("skilleval.") and module_has_submodule(app_config.module, "bench"):
            import_module(f"{app_config.name}.bench")


class Command(BaseCommand):
    help = "运行性能基准测试，每个结果在标准输出打印一行 JSON；进度信息写到标准错误。"

    def add_arguments(self, parser):
        parser.add_argument("--only", metavar="NAME", help="只运行指定名称的基准测试")
        parser.add_argument("--duration", type=float, default=5.0, help="每项压测的计量时长（秒），默认 5")
        parser.add_argument("--warmup", type=float, default=1.0, help="计量前的预热时长（秒），默认 1")
        parser.add_argument("--concurrency", type=int, default=8, help="压测并发数，默认 8")

    def handle(self, *args, **options):
        discover_benchmarks()
        if not 0.1 <= options["duration"] <= 300:
            raise CommandError("--duration 应在 0.1 到 300 秒之间。")
        if not 0 <= options["warmup"] <= 60:
            raise CommandError("--warmup 应在 0 到 60 秒之间。")
        if not 1 <= options["concurrency"] <= 256:
            raise CommandError("--concurrency 应在 1 到 256 之间。")
        names = sorted(BENCHMARKS)
        if options["only"]:
            if options["only"] not in BENCHMARKS:
                raise CommandError(f"未知的基准测试“{options['only']}”。可用的有：{'、'.join(names)}")
            names = [options["only"]]

        bench_options = Namespace(
            duration=options["duration"],
            warmup=options["warmup"],
            concurrency=options["concurrency"],
            verbosity=options["verbosity"],
            log=self.stderr.write,
        )
        for name in names:
            self.stderr.write(f"运行基准测试：{name}")
            for result in BENCHMARKS[name](bench_options):
                self.stdout.write(json.dumps(normalise(result), ensure_ascii=False))
                self.stdout.flush()
