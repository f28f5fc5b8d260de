from django.core.management.base import BaseCommand

from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference


class Command(BaseCommand):
    help = "载入内置参考数据：等级、证件类型、辖区、政策参数（--sample 同时载入示例职业目录）。"

    def add_arguments(self, parser):
        parser.add_argument("--sample", action="store_true", help="同时载入示例职业目录")

    def handle(self, *args, **options):
        created = catalog_seed_reference()
        self.stdout.write(f"参考数据：{created}")
        if options["sample"]:
            report = catalog_load_sample()
            self.stdout.write(f"示例职业目录：新增 {report.occupations_created} 个职业")
