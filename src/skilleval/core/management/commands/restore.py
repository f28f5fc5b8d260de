import json
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from skilleval.core.backup import backup_restore
from skilleval.core.errors import DomainError


class Command(BaseCommand):
    help = "在新建的空数据库上恢复 backup 命令生成的备份（先执行迁移，恢复后核对行数与校验值）。"

    def add_arguments(self, parser):
        parser.add_argument("archive", help="backup 命令生成的 .tar.gz 文件")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        try:
            summary = backup_restore(Path(options["archive"]))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps({"rows": sum(summary["counts"].values()), "digests": summary["digests"]},
                                     ensure_ascii=False))
