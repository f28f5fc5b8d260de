import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skilleval.core.backup import backup_create
from skilleval.core.errors import DomainError


class Command(BaseCommand):
    help = "备份数据库与上传文件到一个 .tar.gz 文件（含行数与校验值清单）。"

    def add_arguments(self, parser):
        parser.add_argument("output", help="备份文件路径，如 /backup/skilleval-2026-11-22.tar.gz")

    def handle(self, *args, **options):
        try:
            manifest = backup_create(Path(options["output"]))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        rows = sum(manifest["counts"].values())
        self.stdout.write(json.dumps({"output": options["output"], "rows": rows, "digests": manifest["digests"]},
                                     ensure_ascii=False))
