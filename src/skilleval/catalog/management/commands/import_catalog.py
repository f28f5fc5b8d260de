from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skilleval.catalog.services import catalog_import
from skilleval.core.errors import DomainError


class Command(BaseCommand):
    help = "导入国家职业分类大典（CSV 或 XLSX）。任何一行有错误都不保存，并逐行列出错误。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"文件不存在：{file}")
        try:
            report = catalog_import(actor=None, source=file, filename=file.name)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"第{error.row}行 [{error.column}] {error.message}")
            raise CommandError(f"共 {len(report.errors)} 处错误，未导入任何数据。")
        self.stdout.write(
            f"导入完成：{report.rows} 行；新增职业 {report.occupations_created} 个、更新 {report.occupations_updated} 个；"
            f"新增工种 {report.work_types_created} 个、更新 {report.work_types_updated} 个。"
        )
