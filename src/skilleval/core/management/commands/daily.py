import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from skilleval.core.scheduled import DAILY_JOBS, daily_run


class Command(BaseCommand):
    help = "执行每日定时任务：期限提醒、备案到期与长期未开展评价提示、超时机考交卷等（可重复执行）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按指定日期执行（YYYY-MM-DD），默认今天")
        parser.add_argument("--only", help="只执行一项任务")

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("日期格式应为 YYYY-MM-DD。") from None
        done = daily_run(today, only=options["only"])
        if options["only"] and options["only"] not in DAILY_JOBS:
            raise CommandError(f"没有名为 {options['only']} 的每日任务；可选：{'、'.join(sorted(DAILY_JOBS))}")
        self.stdout.write(json.dumps(done, ensure_ascii=False))
