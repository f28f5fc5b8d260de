import json

from django.core.management.base import BaseCommand, CommandError

from skilleval.core.errors import DomainError
from skilleval.portal.synthetic import Sizes, synthesize


class Command(BaseCommand):
    help = ("生成一个合成辖区（机构、考生、各阶段的认定批次、申报、成绩和证书），批量写入，用于基准测试和规模试用。"
            "默认 2,000 家机构、200,000 名考生、1,000,000 张证书。")

    def add_arguments(self, parser):
        defaults = Sizes()
        parser.add_argument("--organisations", type=int, default=defaults.organisations, help="机构数，默认 2000")
        parser.add_argument("--candidates", type=int, default=defaults.candidates, help="考生数，默认 200000")
        parser.add_argument("--certificates", type=int, default=defaults.certificates, help="证书数，默认 1000000")
        parser.add_argument("--seed", type=int, default=20260315, help="随机种子（同一种子在空库上生成相同的数据）")
        parser.add_argument("--append", action="store_true", help="数据库中已有合成数据时仍追加一份")

    def handle(self, *args, **options):
        sizes = Sizes(organisations=options["organisations"], candidates=options["candidates"],
                      certificates=options["certificates"])
        try:
            report = synthesize(sizes=sizes, seed=options["seed"], append=options["append"], log=self.stderr.write)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps({"seconds": report.seconds, "method": report.method, **report.counts},
                                     ensure_ascii=False))
